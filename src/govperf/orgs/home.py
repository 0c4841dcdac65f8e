from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from govperf.core.home import Card, Link
from govperf.orgs import policy
from govperf.orgs.policy import Action


def home_cards(user) -> list[Card]:
    cards = []
    if policy.can(user, Action.MANAGE_PEOPLE):
        cards.append(
            Card(
                "admin",
                _("System administration"),
                [
                    Link(_("Manage people and roles"), reverse("orgs:people"), "people"),
                    Link(
                        _("Organisation tree"),
                        reverse("orgs:tree"),
                        "diagram-3",
                        policy.units(user).count(),
                    ),
                    Link(_("Import units and people"), reverse("orgs:import"), "upload"),
                    Link(_("API tokens"), reverse("accounts:tokens"), "key"),
                ],
                _(
                    "Separated duties: administrators manage accounts and the organisation, not business data."
                ),
            )
        )
    elif policy.can(user, Action.MANAGE_UNITS):
        cards.append(
            Card(
                "org",
                _("Organisation"),
                [
                    Link(
                        _("Units and comparable groups"),
                        reverse("orgs:tree"),
                        "diagram-3",
                        policy.units(user).count(),
                    ),
                ],
            )
        )
    return cards
