"""Workflows as explicit state machines: each allowed transition is one row of a table.

An app lists its transitions (verb, from, to, the policy action the verb needs) and
asks the table what is allowed; anything not in it is refused by the app's service.
"""

from __future__ import annotations

from dataclasses import dataclass

from govperf.orgs.policy import Action


@dataclass(frozen=True)
class Transition:
    verb: str
    source: str
    target: str
    action: Action


class Workflow:
    def __init__(self, *transitions: Transition) -> None:
        self.transitions = transitions
        self.verbs: dict[str, Action] = {}
        for t in transitions:
            # A verb always needs the same action, whatever state it leaves.
            if self.verbs.setdefault(t.verb, t.action) is not t.action:
                raise ValueError(f"verb {t.verb!r} needs two different actions")

    def find(self, verb: str, source: str) -> Transition | None:
        return next((t for t in self.transitions if t.verb == verb and t.source == source), None)

    def verbs_from(self, source: str) -> list[str]:
        """The verbs allowed from ``source``, in table order."""
        return list(dict.fromkeys(t.verb for t in self.transitions if t.source == source))

    def sources(self, verb: str) -> list[str]:
        """The states ``verb`` moves from."""
        return [t.source for t in self.transitions if t.verb == verb]
