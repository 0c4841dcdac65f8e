from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from govperf.core.home import Card, Link
from govperf.evaluation import selectors
from govperf.evaluation.models import Appeal, ScoringTask
from govperf.orgs import policy
from govperf.orgs.policy import Action


def home_cards(user) -> list[Card]:
    links = []
    pending = selectors.my_tasks(user, status=ScoringTask.Status.PENDING).count()
    if pending or policy.can(user, Action.SCORE):
        links.append(Link(_("My scoring tasks"), reverse("evaluation:tasks"), "ui-checks", pending))
    office = selectors.is_office(user)
    if office or policy.can(user, Action.VIEW_RESULTS):
        links.append(Link(_("Evaluation rounds and results"), reverse("evaluation:home"), "award"))
    if office or policy.can(user, Action.APPEAL):
        open_appeals = selectors.appeals_for(user).filter(status=Appeal.Status.FILED).count()
        links.append(Link(_("Appeals"), reverse("evaluation:appeals"), "megaphone", open_appeals))
    if office:
        links.append(Link(_("Evaluation schemes"), reverse("evaluation:schemes"), "sliders"))
    return [Card("evaluation", _("Evaluation"), links)]
