from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from govperf.core.home import Card, Link
from govperf.orgs import policy
from govperf.orgs.policy import Action


def home_cards(user) -> list[Card]:
    if not policy.can(user, Action.MANAGE_LIBRARY):
        return []
    return [
        Card(
            "library",
            _("Indicator library"),
            [
                Link(_("Browse and edit indicators"), reverse("indicators:library"), "list-check"),
                Link(_("Taxonomies"), reverse("indicators:taxonomies"), "tags"),
                Link(_("Rubrics"), reverse("indicators:rubrics"), "list-ol"),
            ],
        )
    ]
