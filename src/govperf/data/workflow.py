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

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from govperf.data.models import DataValue
from govperf.orgs.policy import Action

S = DataValue.Status


@dataclass(frozen=True)
class Transition:
    verb: str
    source: str
    target: str
    action: Action


TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", S.DRAFT, S.SUBMITTED, Action.ENTER_DATA),
    Transition("return", S.SUBMITTED, S.DRAFT, Action.APPROVE_DATA),
    Transition("approve", S.SUBMITTED, S.APPROVED, Action.APPROVE_DATA),
    Transition("reopen", S.APPROVED, S.DRAFT, Action.APPROVE_DATA),
    Transition("lock", S.APPROVED, S.LOCKED, Action.LOCK_PERIOD),
    Transition("unlock", S.LOCKED, S.APPROVED, Action.LOCK_PERIOD),
)

VERBS: dict[str, Action] = {t.verb: t.action for t in TRANSITIONS}
assert all(VERBS[t.verb] is t.action for t in TRANSITIONS), "one action per verb"

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


def find(verb: str, source: str) -> Transition | None:
    for t in TRANSITIONS:
        if t.verb == verb and t.source == source:
            return t
    return None


def sources(verb: str) -> list[str]:
    """The statuses ``verb`` moves values from."""
    return [t.source for t in TRANSITIONS if t.verb == verb]


def target(verb: str) -> str:
    return next(t.target for t in TRANSITIONS if t.verb == verb)
