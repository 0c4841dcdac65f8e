"""The status of data values: every allowed transition in one table (PRODUCT.md C4).

::

    draft ──submit──▶ submitted ──approve──▶ approved ──lock──▶ locked
      ▲                  │                      │   ◀──unlock──┘
      └──────return──────┘                      │
      └──────────────reopen─────────────────────┘

Values are written (entered, imported, pushed, pulled) only while draft — new
values start as draft — and a locked value changes only through an approved
correction request, which keeps it locked. A verb always needs the same policy
action on the value's unit. Anything not in the table is refused.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from govperf.core.workflow import Transition, Workflow
from govperf.data.models import DataValue
from govperf.orgs.policy import Action

S = DataValue.Status


WORKFLOW = Workflow(
    Transition("submit", S.DRAFT, S.SUBMITTED, Action.ENTER_DATA),
    Transition("return", S.SUBMITTED, S.DRAFT, Action.APPROVE_DATA),
    Transition("approve", S.SUBMITTED, S.APPROVED, Action.APPROVE_DATA),
    Transition("reopen", S.APPROVED, S.DRAFT, Action.APPROVE_DATA),
    Transition("lock", S.APPROVED, S.LOCKED, Action.LOCK_PERIOD),
    Transition("unlock", S.LOCKED, S.APPROVED, Action.LOCK_PERIOD),
)

TRANSITIONS = WORKFLOW.transitions
VERBS = WORKFLOW.verbs
sources = WORKFLOW.sources

VERB_LABELS = {
    "submit": _("submitted"),
    "return": _("returned"),
    "approve": _("approved"),
    "reopen": _("reopened"),
    "lock": _("locked"),
    "unlock": _("unlocked"),
}

# Statuses in which a value may be written by entry, import, the API or a connector.
WRITABLE: frozenset[str] = frozenset({S.DRAFT})


def target(verb: str) -> str:
    """Where ``verb`` leads: each verb of this table has one target."""
    return next(t.target for t in TRANSITIONS if t.verb == verb)
