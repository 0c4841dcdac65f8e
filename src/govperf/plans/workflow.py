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

from govperf.core.workflow import Transition, Workflow
from govperf.orgs.policy import Action
from govperf.plans.models import Plan

S = Plan.Status


WORKFLOW = Workflow(
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

TRANSITIONS = WORKFLOW.transitions
VERBS = WORKFLOW.verbs
find = WORKFLOW.find
verbs_from = WORKFLOW.verbs_from

# States in which the unit may change the plan's items, targets and measures.
EDITABLE: frozenset[str] = frozenset(
    {S.DRAFT, S.RETURNED, S.REVISION_REQUESTED, S.REVISION_RETURNED}
)
# States in which the plan has been approved at least once and a revision is under way.
IN_REVISION: frozenset[str] = frozenset({S.REVISION_REQUESTED, S.RESUBMITTED, S.REVISION_RETURNED})
