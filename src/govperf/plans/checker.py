"""The plan checker (PRODUCT.md C3): what a reviewer would flag in a performance plan.

Each rule has a code, a default treatment and default parameters; the office
chooses per code whether a finding blocks submission, only warns, or is not
checked (``CheckerSetting``, *config*). Findings say which item and which field
they concern, so the page can show them where they occur.

Rules and sources:

==========================  =========================================================
``smart_no_number``         a quantitative item without a target value (R004 §6)
``smart_no_deadline``       an item without a deadline, on the target or its goal (R004 §6)
``smart_no_data_source``    an indicator without a data source or collecting unit (R004 §6)
``core_kpi_count``          core KPIs outside 3–5 (R002)
``kind_mix``                only quantitative or only qualitative indicators
``no_long_term``            annual indicators with no long-term one beside them (R002)
``dimension_empty``         a dimension of the four-dimension taxonomy without an item
``economic_overweight``     economic indicators weigh more than 50 % (R003 §4.1.2)
``unclear_caliber``         no statistical caliber, or a rate without a formula (R003 §4.1.2)
``duplicate_work``          the same indicator in another unit's plan for the cycle (R003 §3.2.2)
``goal_gap``                a goal of the unit that no item covers; at cycle level, a
                            strategic goal no plan covers (R003 §3.2.2)
``below_last_year``         a target below last year's actual (or target)
``implausible_growth``      a target above last year's by more than 50 %
``copied_no_local_caliber`` an indicator adopted from elsewhere without a local caliber (R001 §2.1.1)
==========================  =========================================================
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govperf.engine.periods import Period
from govperf.plans.models import CheckerSetting, Goal, Plan, PlanItem, Target
from govperf.plans.rollup import is_ratio, number

if TYPE_CHECKING:
    from govperf.indicators.models import Indicator
    from govperf.orgs.models import Unit

BLOCK, WARN, OFF = CheckerSetting.Mode.BLOCK, CheckerSetting.Mode.WARN, CheckerSetting.Mode.OFF

ECONOMIC_NAME = "经济发展"


@dataclass(frozen=True)
class Rule:
    code: str
    label: str | Promise
    default_mode: str
    default_params: dict[str, Any] = field(default_factory=dict)


RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule("smart_no_number", gettext_lazy("Not SMART: no target value"), BLOCK),
        Rule("smart_no_deadline", gettext_lazy("Not SMART: no deadline"), WARN),
        Rule("smart_no_data_source", gettext_lazy("Not SMART: no data source"), WARN),
        Rule(
            "core_kpi_count",
            gettext_lazy("Core KPIs outside the allowed count"),
            BLOCK,
            {"min": 3, "max": 5},
        ),
        Rule("kind_mix", gettext_lazy("Only quantitative or only qualitative indicators"), WARN),
        Rule("no_long_term", gettext_lazy("No long-term indicator beside the annual ones"), WARN),
        Rule(
            "dimension_empty",
            gettext_lazy("A dimension without any indicator"),
            WARN,
            {"taxonomy": "dimension"},
        ),
        Rule(
            "economic_overweight",
            gettext_lazy("Economic indicators outweigh the rest"),
            WARN,
            {"max_share": 50, "tag": "economy"},
        ),
        Rule(
            "unclear_caliber",
            gettext_lazy("Unclear statistical caliber or formula"),
            WARN,
            {"rates_need_formula": False},
        ),
        Rule("duplicate_work", gettext_lazy("Same indicator in another unit's plan"), WARN),
        Rule("goal_gap", gettext_lazy("A goal no plan item covers"), WARN),
        Rule("below_last_year", gettext_lazy("Target below last year's"), WARN),
        Rule(
            "implausible_growth",
            gettext_lazy("Target above any plausible growth"),
            WARN,
            {"max_growth_percent": 50},
        ),
        Rule(
            "copied_no_local_caliber",
            gettext_lazy("Adopted indicator without a local caliber"),
            WARN,
        ),
    )
}


@dataclass
class Finding:
    code: str
    severity: str  # "block" or "warn"
    message: str
    item_id: int | None = None
    field: str | None = None
    indicator: str | None = None

    @property
    def blocking(self) -> bool:
        return self.severity == BLOCK

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "item_id": self.item_id,
            "field": self.field,
            "indicator": self.indicator,
        }


@dataclass(frozen=True)
class Setting:
    code: str
    mode: str
    params: dict[str, Any]
    version: int


def settings() -> dict[str, Setting]:
    """The treatment of every rule: the office's setting where saved, the default otherwise."""
    saved = {s.code: s for s in CheckerSetting.objects.all()}
    out = {}
    for code, rule in RULES.items():
        row = saved.get(code)
        params = {**rule.default_params, **(row.params if row else {})}
        out[code] = Setting(
            code, row.mode if row else rule.default_mode, params, row.version if row else 0
        )
    return out


def last_year_actual(indicator: Indicator, unit: Unit, period: str) -> Decimal | None:
    """The actual value of ``indicator`` for ``unit`` in the period a year before ``period``.

    Data values arrive with the data capability (PRODUCT.md C4); until then there is no
    actual and this returns None, so the checks compare with last year's target instead.
    """
    return None


# --- the plan ---------------------------------------------------------------------------


def items_for_check(plan: Plan) -> list[PlanItem]:
    return list(
        plan.items.select_related(
            "target__indicator",
            "target__indicator_version__collecting_unit",
            "target__goal",
        )
        .prefetch_related("target__indicator_version__tags__taxonomy")
        .order_by("sort_order", "pk")
    )


def _label(item: PlanItem) -> str:
    return item.target.indicator_version.name


def _dimension_tags(params: dict[str, Any]):
    """The root categories of the four-dimension taxonomy (by its code, else by 经济发展)."""
    from govperf.indicators.models import Tag, Taxonomy

    taxonomy = Taxonomy.objects.filter(code=params.get("taxonomy") or "").first()
    if taxonomy is None:
        tag = Tag.objects.filter(name=ECONOMIC_NAME, parent__isnull=True).first()
        taxonomy = tag.taxonomy if tag else None
    if taxonomy is None:
        return None, []
    return taxonomy, list(taxonomy.tags.filter(parent__isnull=True).order_by("sort_order", "code"))


def _roots_of(item: PlanItem, taxonomy_id: int) -> set[int]:
    roots = set()
    for tag in item.target.indicator_version.tags.all():
        if tag.taxonomy_id != taxonomy_id:
            continue
        roots.add(tag.parent_id or tag.pk)
    return roots


def check_plan(plan: Plan, *, items: list[PlanItem] | None = None) -> list[Finding]:
    """Every finding on ``plan`` whose rule is not switched off, in rule order."""
    conf = settings()
    items = items_for_check(plan) if items is None else items
    found: list[Finding] = []

    def add(code: str, message: str, item: PlanItem | None = None, fld: str | None = None):
        mode = conf[code].mode
        if mode == OFF:
            return
        found.append(
            Finding(
                code,
                mode,
                message,
                item.pk if item else None,
                fld,
                item.target.indicator.code if item else None,
            )
        )

    def on(code: str) -> bool:
        return conf[code].mode != OFF

    for item in items:
        version, target = item.target.indicator_version, item.target
        if on("smart_no_number"):
            if version.kind == "quantitative" and target.target is None:
                add(
                    "smart_no_number",
                    _("%(name)s has no target value.") % {"name": _label(item)},
                    item,
                    "target",
                )
            elif version.kind == "qualitative" and target.target is None and not version.rubric_id:
                add(
                    "smart_no_number",
                    _("%(name)s is qualitative but has neither a rubric nor a target value.")
                    % {"name": _label(item)},
                    item,
                    "target",
                )
        if (
            on("smart_no_deadline")
            and target.deadline is None
            and not (target.goal_id and target.goal.deadline)
        ):
            add(
                "smart_no_deadline",
                _("%(name)s has no deadline.") % {"name": _label(item)},
                item,
                "deadline",
            )
        if (
            on("smart_no_data_source")
            and not version.data_source.strip()
            and not version.collecting_unit_id
        ):
            add(
                "smart_no_data_source",
                _("%(name)s names no data source or collecting unit.") % {"name": _label(item)},
                item,
                "data_source",
            )
        if on("unclear_caliber"):
            if not version.caliber.strip():
                add(
                    "unclear_caliber",
                    _("%(name)s has no statistical caliber.") % {"name": _label(item)},
                    item,
                    "caliber",
                )
            # A rate is a quotient: without a formula its numerator and denominator are unclear.
            if (
                conf["unclear_caliber"].params.get("rates_need_formula")
                and version.kind == "quantitative"
                and is_ratio(version.unit_of_measure)
                and not version.formula.strip()
            ):
                add(
                    "unclear_caliber",
                    _("%(name)s is a rate without a formula for it.") % {"name": _label(item)},
                    item,
                    "formula",
                )
        if on("copied_no_local_caliber") and version.origin.strip() and not version.caliber.strip():
            add(
                "copied_no_local_caliber",
                _("%(name)s was adopted from %(origin)s but has no local caliber.")
                % {"name": _label(item), "origin": version.origin},
                item,
                "caliber",
            )

    if items and on("core_kpi_count"):
        params = conf["core_kpi_count"].params
        low, high = int(params.get("min", 3)), int(params.get("max", 5))
        count = sum(1 for i in items if i.is_core)
        if not low <= count <= high:
            add(
                "core_kpi_count",
                _("%(count)d core KPIs; a plan has %(low)d to %(high)d.")
                % {"count": count, "low": low, "high": high},
                None,
                "is_core",
            )
    kinds = {i.target.indicator_version.kind for i in items}
    if items and on("kind_mix") and len(kinds) == 1:
        add(
            "kind_mix",
            _("Only quantitative indicators; add qualitative ones where results cannot be counted.")
            if kinds == {"quantitative"}
            else _("Only qualitative indicators; add quantitative ones."),
            None,
            "kind",
        )
    horizons = {i.target.indicator_version.horizon for i in items}
    if on("no_long_term") and "annual" in horizons and "long_term" not in horizons:
        add(
            "no_long_term",
            _(
                "Only annual indicators; add a long-term one beside them (e.g. five-year improvement)."
            ),
            None,
            "horizon",
        )
    if items and (on("dimension_empty") or on("economic_overweight")):
        _check_dimensions(items, conf, add)
    if items and on("duplicate_work"):
        _check_duplicates(plan, items, add)
    if on("goal_gap"):
        _check_goal_gaps(plan, items, add)
    if items and (on("below_last_year") or on("implausible_growth")):
        _check_last_year(plan, items, conf, add)
    return found


def _check_dimensions(items, conf, add) -> None:
    taxonomy, dims = _dimension_tags(conf["dimension_empty"].params)
    if taxonomy is None:
        return
    covered: dict[int, list[PlanItem]] = defaultdict(list)
    for item in items:
        for root in _roots_of(item, taxonomy.pk):
            covered[root].append(item)
    if conf["dimension_empty"].mode != OFF:
        for dim in dims:
            if dim.pk not in covered:
                add(
                    "dimension_empty",
                    _("No indicator in the dimension %(dim)s.") % {"dim": dim.name},
                    None,
                    "dimension",
                )
    params = conf["economic_overweight"].params
    if conf["economic_overweight"].mode == OFF:
        return
    wanted = str(params.get("tag") or "")
    economic = next(
        (d for d in dims if d.code == wanted),
        next((d for d in dims if d.name == ECONOMIC_NAME), None),
    )
    total = sum((i.weight for i in items), Decimal(0))
    if economic is None or total <= 0:
        return
    share = sum((i.weight for i in covered.get(economic.pk, [])), Decimal(0)) * 100 / total
    limit = Decimal(str(params.get("max_share", 50)))
    if share > limit:
        add(
            "economic_overweight",
            _("Economic indicators carry %(share)s%% of the weight, more than %(limit)s%%.")
            % {"share": number(share.quantize(Decimal("0.1"))), "limit": number(limit)},
            None,
            "weight",
        )


def _ancestors(target: Target, parents: dict[int, int | None]) -> set[int]:
    out, current = set(), target.parent_id
    while current and current not in out:
        out.add(current)
        current = parents.get(current)
    return out


def _parent_chains(ids: set[int]) -> dict[int, int | None]:
    """Target id → parent id for ``ids`` and all their ancestors (one query per level)."""
    parents: dict[int, int | None] = {}
    todo = set(ids)
    while todo:
        rows = dict(Target.objects.filter(pk__in=todo).values_list("pk", "parent_id"))
        parents.update(rows)
        todo = {p for p in rows.values() if p and p not in parents}
    return parents


def _check_duplicates(plan: Plan, items: list[PlanItem], add) -> None:
    others = list(
        PlanItem.objects.filter(
            plan__cycle_id=plan.cycle_id,
            target__indicator_id__in=[i.target.indicator_id for i in items],
        )
        .exclude(plan_id=plan.pk)
        .select_related("plan__unit", "target")
    )
    if not others:
        return
    # Targets decomposed by level from one parent are shared work, not duplicated work.
    parents = _parent_chains({i.target_id for i in items} | {o.target_id for o in others})
    by_indicator: dict[int, list[PlanItem]] = defaultdict(list)
    for other in others:
        by_indicator[other.target.indicator_id].append(other)
    for item in items:
        mine = _ancestors(item.target, parents) | {item.target_id}
        units = sorted(
            {
                o.plan.unit.name
                for o in by_indicator.get(item.target.indicator_id, [])
                if not ((_ancestors(o.target, parents) | {o.target_id}) & mine)
            }
        )
        if units:
            add(
                "duplicate_work",
                _("%(name)s is also in the plan of %(units)s.")
                % {"name": _label(item), "units": "、".join(units)},
                item,
                "indicator",
            )


def goals_overlapping(cycle_period: str, qs=None):
    """Goals whose span overlaps the cycle's period (filtered in Python: spans are codes)."""
    period = Period.parse(cycle_period)
    qs = Goal.objects.all() if qs is None else qs
    out = []
    for goal in qs:
        try:
            start, end = Period.parse(goal.start_period), Period.parse(goal.end_period)
        except ValueError:
            continue
        if start.start <= period.end and end.end >= period.start:
            out.append(goal)
    return out


def _subtree_ids(goal_id: int, children: dict[int, list[int]]) -> set[int]:
    out, todo = set(), [goal_id]
    while todo:
        current = todo.pop()
        if current in out:
            continue
        out.add(current)
        todo += children.get(current, [])
    return out


def _goal_children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = defaultdict(list)
    for pk, parent in Goal.objects.filter(parent__isnull=False).values_list("pk", "parent_id"):
        children[parent].append(pk)
    return children


def _check_goal_gaps(plan: Plan, items: list[PlanItem], add) -> None:
    own = goals_overlapping(
        plan.cycle.period,
        Goal.objects.filter(owner_unit_id=plan.unit_id)
        .exclude(level=Goal.Level.STRATEGIC)
        .select_related("parent"),
    )
    tops = [g for g in own if g.parent_id is None or g.parent.owner_unit_id != plan.unit_id]
    if not tops:
        return
    children = _goal_children()
    used = {i.target.goal_id for i in items if i.target.goal_id}
    for goal in tops:
        if not (_subtree_ids(goal.pk, children) & used):
            add(
                "goal_gap",
                _("The goal “%(goal)s” of this unit has no item in the plan.")
                % {"goal": goal.title},
                None,
                "goal",
            )


def _check_last_year(plan: Plan, items: list[PlanItem], conf, add) -> None:
    wanted = {}
    for item in items:
        try:
            wanted[item.pk] = Period.parse(item.target.period).last_year().code
        except ValueError:
            continue
    previous = {
        (t.indicator_id, t.period): t.target
        for t in Target.objects.filter(
            unit_id=plan.unit_id,
            indicator_id__in=[i.target.indicator_id for i in items],
            period__in=set(wanted.values()),
        )
    }
    growth = Decimal(str(conf["implausible_growth"].params.get("max_growth_percent", 50))) / 100
    for item in items:
        target = item.target
        direction = target.indicator_version.direction
        if item.pk not in wanted or target.target is None or direction not in ("higher", "lower"):
            continue
        actual = last_year_actual(target.indicator, plan.unit, target.period)
        reference = (
            actual if actual is not None else previous.get((target.indicator_id, wanted[item.pk]))
        )
        if reference is None:
            continue
        what = _("last year's actual") if actual is not None else _("last year's target")
        values = {
            "name": _label(item),
            "value": number(target.target),
            "ref": number(reference),
            "what": what,
        }
        worse = target.target < reference if direction == "higher" else target.target > reference
        if worse and conf["below_last_year"].mode != OFF:
            add(
                "below_last_year",
                _("%(name)s: the target %(value)s is less ambitious than %(what)s (%(ref)s).")
                % values,
                item,
                "target",
            )
        if conf["implausible_growth"].mode == OFF or reference <= 0:
            continue
        too_far = (
            target.target > reference * (1 + growth)
            if direction == "higher"
            else target.target < reference * (1 - growth)
        )
        if too_far:
            add(
                "implausible_growth",
                _(
                    "%(name)s: the target %(value)s is beyond any plausible change from %(what)s (%(ref)s)."
                )
                % values,
                item,
                "target",
            )


# --- the cycle ---------------------------------------------------------------------------


def check_cycle(cycle) -> list[Finding]:
    """Gaps between plans: strategic goals no plan of the cycle covers."""
    conf = settings()
    if conf["goal_gap"].mode == OFF:
        return []
    strategic = goals_overlapping(cycle.period, Goal.objects.filter(level=Goal.Level.STRATEGIC))
    if not strategic:
        return []
    children = _goal_children()
    used = set(
        PlanItem.objects.filter(plan__cycle=cycle, target__goal__isnull=False).values_list(
            "target__goal_id", flat=True
        )
    )
    return [
        Finding(
            "goal_gap",
            conf["goal_gap"].mode,
            _("No unit plan covers the strategic goal “%(goal)s”.") % {"goal": goal.title},
            field="goal",
        )
        for goal in strategic
        if not (_subtree_ids(goal.pk, children) & used)
    ]
