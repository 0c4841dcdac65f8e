"""The plan workflow: every allowed transition in one table (R003 §3.2.2, §3.2.6, §4.1.6).

::

    draft ──submit──▶ submitted ──approve──▶ approved ──start──▶ in_execution
      ▲                  │                                        │
      └── returned ◀─return                               request_revision (reason)
           │ submit ▶ submitted                                   ▼
                                  revision_requested ──submit──▶ resubmitted
                                  revision_returned ◀──return───┘   │ approve
                                        │ submit ▶ resubmitted      ▼
                                                               in_execution

A verb (``submit``, ``return``, ``approve``, ``start``, ``request_revision``)
always needs the same policy action on the plan's unit; the table says where
it leads from each state. Anything not in the table is refused with a conflict
naming the current state.
"""

from __future__ import annotations

from dataclasses import dataclass

from govperf.orgs.policy import Action
from govperf.plans.models import Plan

S = Plan.Status


@dataclass(frozen=True)
class Transition:
    verb: str
    source: str
    target: str
    action: Action


TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", S.DRAFT, S.SUBMITTED, Action.SUBMIT_PLAN),
    Transition("submit", S.RETURNED, S.SUBMITTED, Action.SUBMIT_PLAN),
    Transition("return", S.SUBMITTED, S.RETURNED, Action.REVIEW_PLAN),
    Transition("approve", S.SUBMITTED, S.APPROVED, Action.REVIEW_PLAN),
    Transition("start", S.APPROVED, S.IN_EXECUTION, Action.SUBMIT_PLAN),
    Transition("request_revision", S.IN_EXECUTION, S.REVISION_REQUESTED, Action.SUBMIT_PLAN),
    Transition("submit", S.REVISION_REQUESTED, S.RESUBMITTED, Action.SUBMIT_PLAN),
    Transition("submit", S.REVISION_RETURNED, S.RESUBMITTED, Action.SUBMIT_PLAN),
    Transition("return", S.RESUBMITTED, S.REVISION_RETURNED, Action.REVIEW_PLAN),
    Transition("approve", S.RESUBMITTED, S.IN_EXECUTION, Action.REVIEW_PLAN),
)

VERBS: dict[str, Action] = {t.verb: t.action for t in TRANSITIONS}
assert all(VERBS[t.verb] is t.action for t in TRANSITIONS), "one action per verb"

# States in which the unit may change the plan's items, targets and measures.
EDITABLE: frozenset[str] = frozenset(
    {S.DRAFT, S.RETURNED, S.REVISION_REQUESTED, S.REVISION_RETURNED}
)
# States in which the plan has been approved at least once and a revision is under way.
IN_REVISION: frozenset[str] = frozenset({S.REVISION_REQUESTED, S.RESUBMITTED, S.REVISION_RETURNED})


def find(verb: str, source: str) -> Transition | None:
    for t in TRANSITIONS:
        if t.verb == verb and t.source == source:
            return t
    return None


def verbs_from(source: str) -> list[str]:
    """The verbs the table allows from ``source``, in table order."""
    return list(dict.fromkeys(t.verb for t in TRANSITIONS if t.source == source))
