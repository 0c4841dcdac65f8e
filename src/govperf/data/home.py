from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from govperf.core.home import Card, Link
from govperf.data import selectors
from govperf.data.models import CorrectionRequest
from govperf.orgs import policy
from govperf.orgs.policy import Action


def home_cards(user) -> list[Card]:
    links = []
    if policy.can(user, Action.ENTER_DATA):
        links.append(Link(_("Enter data"), reverse("data:home"), "pencil"))
    if policy.can(user, Action.ENTER_DATA) or policy.can(user, Action.IMPORT_DATA):
        links.append(Link(_("Import a file"), reverse("data:import"), "upload"))
    if policy.can(user, Action.APPROVE_DATA):
        waiting = sum(row["n"] for row in selectors.approval_queue(user))
        links.append(
            Link(
                _("Values waiting for approval"),
                reverse("data:approvals"),
                "check2-square",
                waiting,
            )
        )
    if policy.can(user, Action.LOCK_PERIOD):
        pending = selectors.corrections(user, status=CorrectionRequest.Status.PENDING).count()
        links.append(
            Link(_("Correction requests"), reverse("data:corrections"), "pencil-square", pending)
        )
        links.append(Link(_("Period locks"), reverse("data:locks"), "lock"))
    if policy.can(user, Action.VIEW_QUALITY):
        links.append(Link(_("Data quality"), reverse("data:quality"), "shield-check"))
    if not links and policy.can(user, Action.VIEW_DATA):
        links.append(Link(_("Data"), reverse("data:home"), "table"))
    return [Card("data", _("Data collection"), links)]
