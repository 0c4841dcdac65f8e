"""Roll-up checks of decomposed goals and targets: do the parts add up to the whole?

A target decomposed **by time** (a year into months) aggregates its children by
the indicator's time aggregation: ``sum`` adds them, ``mean`` averages them,
``last`` takes the latest period's value. A target decomposed **by level** (the
city's target into departments') aggregates across units: flows and stocks add
up; rates average (a ``mean`` indicator, or one measured in %, ‰, points or
"per …"). A goal
compares its own target value with its children's (by level, time or content,
when they are measured by the same indicator or unit of measure) and with its
targets over its span (50 communities in 2026–2028 = 20 + 15 + 15).

Every comparison is exact on the stored decimals: the mean check compares
``sum(children)`` with ``expected × n``, so no rounding is involved. A
mismatch reports the expected and the actual value, their difference
(actual − expected) and any periods of the parent with no child target.
Periods are handled only by ``govperf.engine.periods``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from govperf.engine.periods import Period, PeriodKind
from govperf.plans.models import Decomposition

if TYPE_CHECKING:
    from govperf.plans.models import Goal, Target

SUM, MEAN, LAST = "sum", "mean", "last"
# Units of measure of a ratio: across units these average, whatever their time aggregation.
RATIO_UNITS = ("%", "‰", "‱", "分", "/", "每")


def is_ratio(unit_of_measure: str) -> bool:
    """A percentage, per-mille, score or "per …" unit (元/月 is an amount, not a ratio)."""
    unit = (unit_of_measure or "").strip()
    return unit in ("%", "‰", "‱", "分") or unit.startswith(("/", "每"))


def level_rule(time_rule: str, unit_of_measure: str) -> str:
    """How parts by level aggregate: flows and stocks add up across units; rates
    (a ``mean`` indicator, or a ratio unit such as %) average."""
    return MEAN if time_rule == MEAN or is_ratio(unit_of_measure) else SUM


@dataclass
class RollupIssue:
    node: str  # "target" or "goal"
    node_id: int
    kind: str  # level / time / content, or "targets" for a goal's own targets
    rule: str
    expected: Decimal | None
    actual: Decimal | None
    difference: Decimal | None
    message: str
    children: list[int] = field(default_factory=list)
    missing_periods: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "node_id": self.node_id,
            "kind": self.kind,
            "rule": self.rule,
            "expected": self.expected,
            "actual": self.actual,
            "difference": self.difference,
            "message": self.message,
            "children": self.children,
            "missing_periods": self.missing_periods,
        }


def number(value: Decimal | None) -> str:
    """A decimal as a person writes it: 20, 0.5, -2.25 (no exponent, no trailing zeros)."""
    if value is None:
        return ""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def aggregate(values: list[tuple[Period, Decimal]], rule: str) -> Decimal | None:
    """Aggregate ``(period, value)`` pairs: ``sum``, ``mean`` or ``last`` (latest period).

    >>> p = Period.parse
    >>> aggregate([(p("202601"), Decimal(2)), (p("202602"), Decimal(4))], "mean")
    Decimal('3')
    >>> aggregate([(p("202602"), Decimal(4)), (p("202601"), Decimal(2))], "last")
    Decimal('4')
    """
    if not values:
        return None
    if rule == LAST:
        return max(values, key=lambda pv: pv[0])[1]
    total = sum((v for _p, v in values), Decimal(0))
    if rule == MEAN:
        return total / len(values)
    return total


def _matches(values: list[Decimal], expected: Decimal, rule: str) -> bool:
    if rule == MEAN:
        return sum(values, Decimal(0)) == expected * len(values)
    if rule == LAST:
        return values[-1] == expected
    return sum(values, Decimal(0)) == expected


def cumulative(values: list[tuple[Period, Decimal | None]], rule: str) -> list[Decimal | None]:
    """Running totals in period order for a ``sum`` indicator (the values themselves otherwise)."""
    out: list[Decimal | None] = []
    running = Decimal(0)
    for _period, value in values:
        if rule != SUM:
            out.append(value)
            continue
        running += value or 0
        out.append(running)
    return out


def _periods_covering(start: Period, end: Period, kind: PeriodKind) -> list[Period]:
    """The periods of ``kind`` that together cover ``start``..``end``."""
    return Period.range(Period.containing(kind, start.start), Period.containing(kind, end.end))


def _parse(code: str) -> Period | None:
    try:
        return Period.parse(code)
    except (TypeError, ValueError):
        return None


def _rule_of(target: Target) -> str:
    return target.indicator_version.time_aggregation or SUM


def _describe(kind: str, expected: Decimal, actual: Decimal | None, missing: list[str]) -> str:
    parts = []
    if actual is None:
        parts.append(_("The parts have no values; the whole is %(e)s.") % {"e": number(expected)})
    elif actual != expected:
        parts.append(
            _("The parts come to %(a)s, not %(e)s (difference %(d)s).")
            % {"a": number(actual), "e": number(expected), "d": number(actual - expected)}
        )
    if missing:
        parts.append(_("No part for: %(periods)s.") % {"periods": ", ".join(missing)})
    return " ".join(parts)


def _time_check(
    node: str,
    node_id: int,
    kind: str,
    expected: Decimal,
    span: tuple[Period, Period],
    parts: list[tuple[Period, Decimal | None, int]],
    rule: str,
) -> RollupIssue | None:
    """Parts by time (period, value, id) against ``expected`` over ``span``."""
    kinds = {p.kind for p, _v, _i in parts}
    if len(kinds) != 1:
        return RollupIssue(
            node,
            node_id,
            kind,
            rule,
            expected,
            None,
            None,
            _("The parts mix period types; split into periods of one type."),
            children=[i for _p, _v, i in parts],
        )
    try:
        wanted = _periods_covering(span[0], span[1], kinds.pop())
    except ValueError:
        wanted = []
    present = {p: v for p, v, _i in parts if v is not None}
    missing = [p.code for p in wanted if p not in present]
    ordered = [present[p] for p in wanted if p in present]
    if rule == LAST:
        # Only the last period counts; a missing earlier milestone does not change the whole.
        missing = [m for m in missing if m == wanted[-1].code] if wanted else missing
    actual = aggregate([(p, v) for p, v in present.items()], rule)
    ok = not missing and bool(ordered) and _matches(ordered, expected, rule)
    if ok:
        return None
    return RollupIssue(
        node,
        node_id,
        kind,
        rule,
        expected,
        actual,
        None if actual is None else actual - expected,
        _describe(kind, expected, actual, missing),
        children=[i for _p, _v, i in parts],
        missing_periods=missing,
    )


def _sum_check(
    node: str,
    node_id: int,
    kind: str,
    expected: Decimal,
    parts: list[tuple[Decimal, int]],
    rule: str,
) -> RollupIssue | None:
    values = [v for v, _i in parts]
    if _matches(values, expected, rule):
        return None
    total = sum(values, Decimal(0))
    actual = total / len(values) if rule == MEAN else total
    return RollupIssue(
        node,
        node_id,
        kind,
        rule,
        expected,
        actual,
        actual - expected,
        _describe(kind, expected, actual, []),
        children=[i for _v, i in parts],
    )


# --- targets ---------------------------------------------------------------------------


def check_target(target: Target, children: Iterable[Target]) -> list[RollupIssue]:
    """Issues of ``target`` against its children, by time and by level."""
    if target.target is None:
        return []
    rule = _rule_of(target)
    by_kind: dict[str, list[Target]] = defaultdict(list)
    for child in children:
        by_kind[child.decomposition or Decomposition.LEVEL].append(child)
    issues = []
    period = _parse(target.period)
    time_children = by_kind.pop(Decomposition.TIME, [])
    if time_children and period is not None:
        parts = [(_parse(c.period), c.target, c.pk) for c in time_children]
        parts = [(p, v, i) for p, v, i in parts if p is not None]
        issue = _time_check(
            "target",
            target.pk,
            Decomposition.TIME,
            target.target,
            (period, period),
            parts,
            rule,
        )
        if issue:
            issues.append(issue)
    across = level_rule(rule, target.indicator_version.unit_of_measure)
    for kind, kids in sorted(by_kind.items()):
        valued = [(c.target, c.pk) for c in kids if c.target is not None]
        if not valued:
            continue
        issue = _sum_check("target", target.pk, kind, target.target, valued, across)
        if issue:
            issues.append(issue)
    return issues


# --- goals ------------------------------------------------------------------------------


def _comparable(parent: Goal, child: Goal) -> bool:
    if child.target_value is None:
        return False
    if parent.indicator_id is not None:
        return child.indicator_id == parent.indicator_id
    return bool(parent.unit_of_measure) and child.unit_of_measure == parent.unit_of_measure


def _goal_rules(goal: Goal, versions: dict[int, Any]) -> tuple[str, str]:
    """The goal's time rule and level rule (from its indicator, else its unit of measure)."""
    version = None
    if goal.indicator_id:
        version = versions.get(goal.indicator_id) or goal.indicator.current
    rule = getattr(version, "time_aggregation", None) or SUM
    unit = getattr(version, "unit_of_measure", None) or goal.unit_of_measure
    return rule, level_rule(rule, unit)


def check_goal(
    goal: Goal,
    children: Iterable[Goal],
    targets: Iterable[Target],
    versions: dict[int, Any] | None = None,
) -> list[RollupIssue]:
    """Issues of ``goal`` against its child goals and against its own targets over its span.

    ``targets`` are the targets attached to the goal; ``versions`` maps indicator ids to
    their current version (for the time aggregation of the goal's indicator).
    """
    versions = versions or {}
    issues: list[RollupIssue] = []
    children = list(children)
    span = (_parse(goal.start_period), _parse(goal.end_period))
    rule, across = _goal_rules(goal, versions)
    for child in children:
        if child.decomposition == Decomposition.CONTENT and not child.completion_standard.strip():
            issues.append(
                RollupIssue(
                    "goal",
                    child.pk,
                    Decomposition.CONTENT,
                    "",
                    None,
                    None,
                    None,
                    _("A sub-goal by content needs its own completion standard."),
                )
            )
    if goal.target_value is None:
        return issues
    by_kind: dict[str, list[Goal]] = defaultdict(list)
    for child in children:
        if _comparable(goal, child):
            by_kind[child.decomposition or Decomposition.LEVEL].append(child)
    for kind, kids in sorted(by_kind.items()):
        if kind == Decomposition.TIME and span[0] and span[1]:
            parts = [(_parse(c.end_period), c.target_value, c.pk) for c in kids]
            parts = [(p, v, i) for p, v, i in parts if p is not None]
            issue = _time_check("goal", goal.pk, kind, goal.target_value, span, parts, rule)
        else:
            issue = _sum_check(
                "goal",
                goal.pk,
                kind,
                goal.target_value,
                [(c.target_value, c.pk) for c in kids],
                across if kind == Decomposition.LEVEL else SUM,
            )
        if issue:
            issues.append(issue)
    own = [
        t
        for t in targets
        if t.parent_id is None
        and t.target is not None
        and goal.indicator_id is not None
        and t.indicator_id == goal.indicator_id
        and t.unit_id == goal.owner_unit_id
    ]
    if own and span[0] and span[1]:
        parts = [(_parse(t.period), t.target, t.pk) for t in own]
        parts = [(p, v, i) for p, v, i in parts if p is not None]
        issue = _time_check(
            "goal", goal.pk, "targets", goal.target_value, span, parts, _rule_of(own[0])
        )
        if issue:
            issues.append(issue)
    return issues


def issues_for(goals: Iterable[Goal], targets: Iterable[Target]) -> list[RollupIssue]:
    """Every roll-up issue among ``goals`` and ``targets`` (children must be among them)."""
    goals, targets = list(goals), list(targets)
    goal_children: dict[int, list[Goal]] = defaultdict(list)
    for g in goals:
        if g.parent_id:
            goal_children[g.parent_id].append(g)
    target_children: dict[int, list[Target]] = defaultdict(list)
    goal_targets: dict[int, list[Target]] = defaultdict(list)
    for t in targets:
        if t.parent_id:
            target_children[t.parent_id].append(t)
        if t.goal_id:
            goal_targets[t.goal_id].append(t)
    versions = {t.indicator_id: t.indicator_version for t in targets}
    out: list[RollupIssue] = []
    for g in goals:
        out += check_goal(g, goal_children.get(g.pk, []), goal_targets.get(g.pk, []), versions)
    for t in targets:
        if t.pk in target_children:
            out += check_target(t, target_children[t.pk])
    return out
