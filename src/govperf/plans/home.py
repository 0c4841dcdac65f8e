from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from govperf.core.home import Card, Link
from govperf.orgs import policy
from govperf.orgs.policy import Action
from govperf.plans import selectors
from govperf.plans.models import Plan


def home_cards(user) -> list[Card]:
    if not policy.can(user, Action.VIEW_PLANS):
        return []
    cycle = selectors.current_cycle()
    plans = selectors.visible_plans(user, cycle=cycle)
    links = [Link(_("Performance plans"), reverse("plans:list"), "clipboard-check", plans.count())]
    if policy.can(user, Action.REVIEW_PLAN):
        waiting = plans.filter(status__in=[Plan.Status.SUBMITTED, Plan.Status.RESUBMITTED]).count()
        links.append(
            Link(
                _("Plans waiting for review"),
                reverse("plans:list") + "?status=submitted",
                "inbox",
                waiting,
            )
        )
    if policy.can(user, Action.EDIT_PLAN):
        returned = plans.filter(
            status__in=[
                Plan.Status.DRAFT,
                Plan.Status.RETURNED,
                Plan.Status.REVISION_REQUESTED,
                Plan.Status.REVISION_RETURNED,
            ]
        ).count()
        links.append(Link(_("Plans to complete"), reverse("plans:list"), "pencil-square", returned))
    links.append(Link(_("Goals and decomposition"), reverse("plans:goals"), "bullseye"))
    title = _("Goals and plans") if cycle is None else f"{_('Goals and plans')} · {cycle.name}"
    return [Card("plans", title, links)]
