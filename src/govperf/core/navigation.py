"""The main navigation: one list, filtered by the permission policy.

Capabilities still to come appear as they are built; each item names the
action a user needs for it to show.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from govperf.orgs import policy
from govperf.orgs.policy import Action


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    action: Action | None  # None: every signed-in user
    icon: str


NAV: list[NavItem] = [
    NavItem(_("Home"), "core:home", None, "house"),
    NavItem(_("Indicators"), "indicators:library", None, "list-check"),
    NavItem(_("Goals"), "plans:goals", Action.VIEW_PLANS, "bullseye"),
    NavItem(_("Plans"), "plans:list", Action.VIEW_PLANS, "clipboard-check"),
    NavItem(_("Data"), "data:home", Action.VIEW_DATA, "table"),
    NavItem(_("Evaluation"), "evaluation:home", None, "award"),
    NavItem(_("Organisation"), "orgs:tree", Action.VIEW_UNITS, "diagram-3"),
    NavItem(_("People"), "orgs:people", Action.VIEW_PEOPLE, "people"),
    NavItem(_("Audit log"), "audit:search", Action.VIEW_AUDIT, "journal-text"),
]


def navigation_for(user, current_path: str) -> list[dict]:
    items = []
    for item in NAV:
        if item.action is not None and not policy.can(user, item.action):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:  # a capability not installed in this build
            continue
        items.append({"label": item.label, "url": url, "icon": item.icon, "active": False})
    # The one active item is the longest link the current page starts with ("/orgs/people/" over "/orgs/").
    matches = [
        i
        for i in items
        if current_path == i["url"] or (i["url"] != "/" and current_path.startswith(i["url"]))
    ]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    return items
