"""The home page per role: each person sees the cards of what they work on."""

import re

from tests.helpers import signed_in

CARDS = {
    "admin": {"admin"},
    "auditor": {"auditor"},
    "office": {"org", "library", "plans", "data", "evaluation"},
    "leader": {"plans", "data", "evaluation"},
    "edu_leader": {"plans", "data", "evaluation"},
    "edu_staff": {"plans", "data", "evaluation"},
    "expert": {"evaluation"},
}


def cards(client) -> set[str]:
    html = client.get("/").content.decode()
    return set(re.findall(r'data-testid="home-([a-z]+)"', html))


def test_cards_by_role(org):
    for name, expected in CARDS.items():
        assert cards(signed_in(getattr(org, name))) == expected, name
