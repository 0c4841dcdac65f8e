"""The home page's cards: each capability contributes its own, by role.

An app offers ``home_cards(user) -> list[Card]`` in ``<app>/home.py``; the home page
shows the cards of every installed app, in ``APPS`` order. A card lists links with
an optional count of things waiting for the user ("3 plans to review").
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from django.apps import apps
from django.utils.functional import Promise

APPS = ["orgs", "audit", "indicators", "plans", "data", "evaluation"]


@dataclass
class Link:
    label: str | Promise
    url: str
    icon: str = "arrow-right-short"
    count: int | None = None


@dataclass
class Card:
    key: str
    title: str | Promise
    links: list[Link] = field(default_factory=list)
    note: str | Promise = ""


def cards_for(user) -> list[Card]:
    cards: list[Card] = []
    for label in APPS:
        if not apps.is_installed(f"govperf.{label}"):
            continue
        try:
            module = importlib.import_module(f"govperf.{label}.home")
        except ModuleNotFoundError:
            continue
        cards.extend(card for card in module.home_cards(user) if card.links)
    return cards
