"""The demo city's data values (PRODUCT.md C4), written through the one writer.

Two years of values — 2025 and 2026 to date (October's monthly figures, the third
quarter, the year 2025) — for every indicator of every plan and the inputs its
formulas read, per unit:

- monthly flows follow the annual target with growth, a seasonal pattern and noise;
  rates and levels move around their target; formula indicators are never written,
  they are computed from their inputs by the writer;
- sources differ: most units enter by form, the big-data bureau pushes by API, the
  statistics bureau imports, and a few values came first from a connector and were
  then overwritten by hand with another number (contradictions);
- a few typing slips (an extra or a lost digit) make outliers;
- the workflow as it happened: values submitted around the 5th of the next month —
  a few units late — and approved by their leader; October is still moving (some
  waiting for approval, two units not submitted, one unit missing); 2025 is locked
  by the office; one correction of a locked value was approved, another waits;
- one planted falsification: 市人力资源和社会保障局 (``rsj``) made its figures up —
  its counts grow by the same per cent every month and their first digits cluster on
  5–8, which the quality screen finds (Benford's law on its case counts, which it
  also reports by insurance type; implausibly smooth series). The other units have
  too few counts for a digit test, and the screen says so rather than guessing;
- the office sets validation rules and runs the quality screen for 2026.

Values are written through ``data.writer.write_batch`` (one batch per unit); the
history of the workflow (when each value was submitted and approved) is back-filled
with its dates in bulk, with one audit entry per unit and step.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from govperf.audit.services import record
from govperf.data import quality, services
from govperf.data.batch import ValueBatch
from govperf.data.models import DataValue, DataValueChange, ValidationRule
from govperf.data.writer import SystemActor, write_batch
from govperf.engine.formula import BinOp, Number, Reference, parse, references
from govperf.engine.periods import Period, PeriodKind
from govperf.indicators.models import Indicator
from govperf.orgs.models import Person, Unit
from govperf.plans.models import PlanItem, Target

TODAY = dt.date(2026, 11, 25)
MONTHS = [Period.parse(f"2025{m:02d}") for m in range(1, 13)] + [
    Period.parse(f"2026{m:02d}") for m in range(1, 11)
]
QUARTERS = [
    Period.parse(c) for c in ("2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3")
]
HALVES = [Period.parse(c) for c in ("2025S1", "2025S2", "2026S1")]
YEARS = [Period.parse("2025")]
PERIODS = {
    PeriodKind.MONTHLY: MONTHS,
    PeriodKind.QUARTERLY: QUARTERS,
    PeriodKind.SIX_MONTHLY: HALVES,
    PeriodKind.YEARLY: YEARS,
}
OCTOBER = "202610"
DUE_DAYS = 10

FALSIFIER = "rsj"  # makes its figures up
BREAKDOWN = {  # a count a unit also reports by category
    FALSIFIER: ("SOC-025", ["养老保险", "医疗保险", "失业保险", "工伤保险", "生育保险"]),
}
API_UNITS = {"dsjj"}  # the big-data bureau's hotline system pushes its figures
IMPORT_UNITS = {"tjj"}  # the statistics bureau imports its spreadsheet
LATE_UNITS = {"nyncj", "whlyj"}  # submit a week or two after the due date, now and then
OCTOBER_DRAFT = {"cgj", "gaj"}  # entered October but have not submitted it
OCTOBER_MISSING = {"yjglj"}  # has not entered October at all
OCTOBER_WAITING = {"jyj", "wjw", "fgw", "zjj"}  # submitted October; the leader has not approved

# Seasonal pattern of monthly flows (January … December): the Spring Festival dip, a year-end push.
SEASON = [0.84, 0.78, 0.98, 1.0, 1.02, 1.05, 0.97, 0.96, 1.02, 1.04, 1.06, 1.28]
WHOLE = {"件", "人", "个", "次", "天", "户", "起", "家", "张", "套", "人次"}
DEFAULT_SCALE = {  # annual level of an input no target speaks for
    "件": 20000,
    "人": 30000,
    "个": 60,
    "次": 800000,
    "万人": 300,
    "亿元": 400,
    "天": 365,
}


@dataclass
class Series:
    """One unit's values of one indicator (and of a breakdown of it)."""

    indicator: Indicator
    unit: Unit
    values: dict[str, Decimal | str] = field(default_factory=dict)  # period → number or level
    breakdown: dict[str, dict[str, Decimal]] = field(default_factory=dict)  # category → …


def load(out: Callable[[str], None]) -> None:
    if not PlanItem.objects.exists():
        out("demo: data values — no plans; nothing to load")
        return
    Demo(out).run()


def _ratio(expr) -> tuple[str, str, float] | None:
    """``#{A} / #{B} * K`` (or ``#{A} / #{B}``) as (A, B, K)."""
    factor = 1.0
    if isinstance(expr, BinOp) and expr.op == "*" and isinstance(expr.right, Number):
        factor, expr = float(expr.right.value), expr.left
    if (
        isinstance(expr, BinOp)
        and expr.op == "/"
        and isinstance(expr.left, Reference)
        and isinstance(expr.right, Reference)
        and not expr.left.offset
        and not expr.right.offset
    ):
        return expr.left.code, expr.right.code, factor
    return None


def _mantissa_spread(n: int, rng: random.Random) -> list[float]:
    """``n`` factors in [1, 10) spread evenly in log scale (scales of honest series differ)."""
    offset = rng.random()
    return [10 ** ((offset + k / n) % 1.0) for k in range(n)]


class Demo:
    def __init__(self, out: Callable[[str], None]) -> None:
        self.out = out
        self.rng = random.Random(4)
        self.np = np.random.default_rng(4)
        self.office = Person.objects.get(username="office")
        self.people = {p.username: p for p in Person.objects.filter(username__contains=".")}
        self.series: dict[tuple[int, int], Series] = {}
        # Values some formula reads: a slip there would break the rules that tie them together.
        self.formula_inputs: set[tuple[int, int]] = set()
        self.connector_first: list[tuple[Series, str, Decimal]] = []

    # --- the whole step ------------------------------------------------------------------------

    def run(self) -> None:
        self._rules()
        plans = defaultdict(list)
        for item in PlanItem.objects.filter(plan__cycle__code="2026").select_related(
            "plan__unit", "target__indicator__current__rubric"
        ):
            plans[item.plan.unit].append(item.target)
        extra = self._unplanned(plans)
        for unit in sorted(set(plans) | set(extra), key=lambda u: u.path):
            self._generate(unit, plans.get(unit, []), extra=extra.get(unit, []))
        self._slips()
        self._write()
        self._workflow()
        services.lock_period(actor=self.office, period="2025", reason="2025年度数据审核完毕，封存")
        self._corrections()
        self._evidence()
        run = services.start_quality_run(actor=self.office, period="2026", enqueue=False)
        quality.execute(run.pk, today=TODAY)
        self.out(
            f"demo: {DataValue.objects.count()} data values, "
            f"{DataValueChange.objects.count()} changes, "
            f"{ValidationRule.objects.count()} validation rules, quality screen #{run.pk}"
        )

    # --- rules -----------------------------------------------------------------------------------

    def _rules(self) -> None:
        codes = set(PlanItem.objects.values_list("target__indicator__code", flat=True))
        library = {
            i.code: i for i in Indicator.objects.filter(is_active=True).select_related("current")
        }
        percent = sorted(
            c
            for c in codes
            if c in library
            and library[c].current.unit_of_measure == "%"
            and not library[c].current.formula
        )
        for code in percent:
            services.create_rule(
                actor=self.office,
                code=f"{code.lower()}-pct",
                name=f"{library[code].current.name}在0–100%之间",
                kind="range",
                indicator=library[code],
                params={"min": "0", "max": "100"},
            )
        pairs = [
            ("SOC-011", "SOC-012"),
            ("GOV-002", "GOV-003"),
            ("GOV-003", "GOV-006"),
            ("ENV-002", "ENV-003"),
        ]
        for left, right in pairs:
            if left in library and right in library:
                services.create_rule(
                    actor=self.office,
                    code=f"{left.lower()}-le-{right.lower()}",
                    name=f"{library[left].current.name}不大于{library[right].current.name}",
                    kind="expression",
                    indicator=library[left],
                    params={"left": f"#{{{left}}}", "op": "<=", "right": f"#{{{right}}}"},
                )
        for code in ("ECO-003", "ECO-012", "GOV-006", "SOC-025", "GOV-014"):
            if code in library:
                services.create_rule(
                    actor=self.office,
                    code=f"{code.lower()}-yoy",
                    name=f"{library[code].current.name}同比变动不超过60%",
                    kind="jump",
                    indicator=library[code],
                    params={"compare": "lastyear", "max_percent": "60"},
                    severity="warn",
                )
        if "GOV-027" in library:
            services.create_rule(
                actor=self.office,
                code="gov-027-required",
                name="部门预算执行率每月必报",
                kind="required",
                indicator=library["GOV-027"],
            )

    # --- values ----------------------------------------------------------------------------------

    def _unplanned(self, plans: dict[Unit, list[Target]]) -> dict[Unit, list[Indicator]]:
        """Library indicators no plan asks for (nor any plan's formula reads): they get their
        two years of values too, kept by the office section (办公室) of the unit that collects
        them — or by that unit when it has no section. (Their counts are then a set of their
        own, too few for a digit test, as in most units.)"""
        planned = {t.indicator.code for targets in plans.values() for t in targets}
        reads: set[str] = set()
        for targets in plans.values():
            for t in targets:
                if t.indicator.current and t.indicator.current.formula:
                    reads |= {r.code for r in references(parse(t.indicator.current.formula))}
        out: dict[Unit, list[Indicator]] = defaultdict(list)
        library = (
            Indicator.objects.filter(is_active=True, current__collecting_unit__isnull=False)
            .select_related("current__collecting_unit", "current__rubric")
            .order_by("code")
        )
        keeper: dict[int, Unit] = {}
        for ind in library:
            if ind.code in planned or ind.code in reads:
                continue
            unit = ind.current.collecting_unit
            if unit.pk not in keeper:
                keeper[unit.pk] = (
                    Unit.objects.filter(parent=unit, kind="section", is_active=True)
                    .order_by("code")
                    .first()
                    or unit
                )
            out[keeper[unit.pk]].append(ind)
        return out

    def _generate(self, unit: Unit, targets: list[Target], extra: list[Indicator] = ()) -> None:
        rng = self.rng
        by_code = {t.indicator.code: t for t in targets}
        wanted: dict[str, Indicator] = {t.indicator.code: t.indicator for t in targets}
        for ind in extra:
            wanted.setdefault(ind.code, ind)
        # The inputs of the plan's formulas, however deep.
        pending = [i for i in wanted.values() if i.current and i.current.formula]
        ratios: dict[str, tuple[str, str, float, Indicator]] = {}
        while pending:
            formula_indicator = pending.pop()
            expr = parse(formula_indicator.current.formula)
            ratio = _ratio(expr)
            if ratio is not None:
                ratios[formula_indicator.code] = (*ratio, formula_indicator)
            read = {r.code for r in references(expr)}
            for ind in Indicator.objects.filter(code__in=read):
                self.formula_inputs.add((ind.pk, unit.pk))
            codes = read - set(wanted)
            for ind in Indicator.objects.filter(code__in=codes).select_related("current__rubric"):
                wanted[ind.code] = ind
                if ind.current.formula:
                    pending.append(ind)
        perf = rng.uniform(0.93, 1.06)  # how well the unit does this year
        # Annual levels: from the targets, else from a ratio's other side, else a default scale.
        levels: dict[str, float] = {}
        for code, target in by_code.items():
            if target.target is not None and not target.indicator.current.formula:
                levels[code] = float(target.target)
        free = [
            c
            for c, i in sorted(wanted.items())
            if not i.current.formula and c not in levels and i.current.kind == "quantitative"
        ]
        spread = _mantissa_spread(max(len(free), 1), rng)
        for n, code in enumerate(free):
            uom = wanted[code].current.unit_of_measure
            base = DEFAULT_SCALE.get(uom, 1000)
            levels[code] = base * spread[n] / 3.16
        numerators: dict[str, tuple[str, float]] = {}
        for formula_code, (a, b, factor, ind) in ratios.items():
            target = by_code.get(formula_code)
            aim = float(target.target) if target is not None and target.target is not None else None
            if aim is None and ind.current.unit_of_measure == "%":
                aim = rng.uniform(85, 97)  # a rate no plan sets: around what such rates reach
            if a not in wanted or b not in wanted or aim is None:
                continue
            share = aim / factor
            if wanted[a].current.unit_of_measure in WHOLE and share > 1:
                continue
            numerators[a] = (b, share)
            # A denominator no target speaks for follows its numerator's target.
            numerator_target = by_code.get(a)
            if b not in by_code and numerator_target is not None and numerator_target.target:
                levels[b] = float(numerator_target.target) / max(share, 1e-9)
        for code, ind in sorted(wanted.items()):
            version = ind.current
            if version.formula or code in numerators:
                continue
            self._series(unit, ind, levels.get(code), perf)
        # Numerators follow their denominators: a rate near its target, never above 100%.
        # A denominator may itself be another rate's numerator: resolve in rounds.
        pending_numerators = dict(numerators)
        while pending_numerators:
            ready = {
                a: (b, share)
                for a, (b, share) in pending_numerators.items()
                if (wanted[b].pk, unit.pk) in self.series
            }
            if not ready:
                break
            for a, (b, share) in sorted(ready.items()):
                denominator = self.series[(wanted[b].pk, unit.pk)]
                self._numerator(unit, wanted[a], denominator, share, perf)
                del pending_numerators[a]
        if unit.code in BREAKDOWN:
            self._breakdown(unit, wanted)
        if unit.code == FALSIFIER:
            self._fabricate(unit, wanted)

    def _series(self, unit: Unit, ind: Indicator, level: float | None, perf: float) -> None:
        version = ind.current
        rng = self.rng
        series = Series(ind, unit)
        self.series[(ind.pk, unit.pk)] = series
        try:
            periods = PERIODS[PeriodKind(version.frequency)]
        except (KeyError, ValueError):
            return
        if version.frequency == PeriodKind.YEARLY and version.direction == "equal":
            periods = [*periods, Period.parse("2026")]  # a planned figure, known in January
        if version.kind == "qualitative":
            levels = [lvl["name"] for lvl in (version.rubric.levels if version.rubric else [])]
            if levels:
                for p in periods:
                    series.values[p.code] = (
                        levels[0] if rng.random() < 0.7 else levels[min(1, len(levels) - 1)]
                    )
            return
        if level is None:
            level = 100.0
        uom = version.unit_of_measure
        lower = version.direction == "lower"
        rate = uom in ("%", "‰", "分")
        aggregation = version.time_aggregation
        growth = rng.uniform(0.03, 0.09)
        days_in = uom == "天" and aggregation == "sum" and version.frequency == PeriodKind.MONTHLY
        for p in periods:
            year_level = level * (perf if p.year == 2026 else 1 / (1 + growth))
            noise = math.exp(self.np.normal(0, 0.04))
            if aggregation == "sum":
                if days_in:
                    value = calendar.monthrange(p.year, p.number)[1]
                    if "优良" in version.name or version.direction == "higher":
                        value = round(value * min(rng.uniform(0.72, 0.92) * perf, 1.0))
                else:
                    share = {
                        PeriodKind.MONTHLY: 12,
                        PeriodKind.QUARTERLY: 4,
                        PeriodKind.SIX_MONTHLY: 2,
                    }.get(p.kind, 1)
                    season = SEASON[p.number - 1] if p.kind is PeriodKind.MONTHLY else 1.0
                    value = year_level / share * season * noise
            elif rate:
                drift = rng.gauss(0, 0.012) * level
                if lower:
                    value = level * (1.04 if p.year == 2025 else 1 / perf) + drift
                else:
                    value = min(
                        level * (0.975 if p.year == 2025 else perf) + drift,
                        100.0 if uom == "%" else 1000.0,
                    )
                value = max(value, 0.0)
            elif aggregation == "last":
                # A stock: grows through the year toward its level.
                months = p.end.month / 12
                start = level / (1 + growth)
                value = (start + (level * perf - start) * months) * math.exp(
                    self.np.normal(0, 0.004)
                )
                if p.year == 2025:
                    value = start / (1 + growth) + (start - start / (1 + growth)) * months
            else:  # an average that hovers
                value = level * (1.03 if lower else 0.98) * noise
            series.values[p.code] = _amount(value, uom)

    def _numerator(
        self, unit: Unit, ind: Indicator, denominator: Series, share: float, perf: float
    ) -> None:
        series = Series(ind, unit)
        self.series[(ind.pk, unit.pk)] = series
        kind = PeriodKind(ind.current.frequency)
        uom = ind.current.unit_of_measure
        for p in PERIODS.get(kind, []):
            source = denominator.values.get(p.code)
            if source is None:
                try:
                    source = denominator.values.get(
                        p.parent(PeriodKind(denominator.indicator.current.frequency)).code
                    )
                except ValueError:
                    source = None
            if not isinstance(source, Decimal):
                continue
            this = share * (perf if p.year == 2026 else 0.985) * math.exp(self.np.normal(0, 0.01))
            if share <= 1:
                this = min(this, 1.0)
            value = float(source) * this
            if share <= 1:
                value = min(value, float(source))
            series.values[p.code] = _amount(value, uom, floor=uom in WHOLE)

    def _breakdown(self, unit: Unit, wanted: dict[str, Indicator]) -> None:
        """A count reported by category too; the total stays what it is."""
        code, categories = BREAKDOWN[unit.code]
        ind = wanted.get(code)
        series = self.series.get((ind.pk, unit.pk)) if ind else None
        if series is None:
            return
        shares = _mantissa_spread(len(categories), self.rng)
        for category, factor in zip(categories, shares, strict=True):
            scale = factor / 10 ** self.rng.randint(0, 2)
            series.breakdown[category] = {
                period: _amount(float(total) * scale * math.exp(self.np.normal(0, 0.25)), "件")
                for period, total in series.values.items()
            }

    def _fabricate(self, unit: Unit, wanted: dict[str, Indicator]) -> None:
        """The planted pattern: made-up counts that grow by the same per cent every month, with
        first digits that a person choosing "plausible" numbers tends to pick (5–8)."""
        rng = self.rng
        for _code, ind in sorted(wanted.items()):
            series = self.series.get((ind.pk, unit.pk))
            version = ind.current
            if series is None or version.formula or version.kind != "quantitative":
                continue
            if version.time_aggregation != "sum" or version.unit_of_measure in ("%", "‰", "分"):
                continue
            start = series.values.get("202501")
            if not isinstance(start, Decimal):
                start = next((v for v in series.values.values() if isinstance(v, Decimal)), None)
            if start is None or start <= 0:
                continue
            magnitude = 10 ** math.floor(math.log10(float(start)))
            base = magnitude * rng.uniform(5.2, 6.2)
            monthly = rng.uniform(0.010, 0.013)
            for n, period in enumerate(sorted(series.values)):
                series.values[period] = _amount(base * (1 + monthly) ** n, version.unit_of_measure)
            for category in list(series.breakdown):
                cbase = magnitude * rng.uniform(5.0, 7.4) / 10
                series.breakdown[category] = {
                    period: _amount(cbase * (1 + monthly) ** n, "件")
                    for n, period in enumerate(sorted(series.values))
                }

    def _slips(self) -> None:
        """A few typing slips in honest units: an extra digit, a lost one."""
        candidates = [
            s
            for key, s in sorted(self.series.items())
            if s.unit.code != FALSIFIER
            and key not in self.formula_inputs
            and s.indicator.current.frequency == PeriodKind.MONTHLY
            and s.indicator.current.time_aggregation == "sum"
            and all(isinstance(v, Decimal) and v > 100 for v in s.values.values())
        ]
        self.rng.shuffle(candidates)
        for n, series in enumerate(candidates[:4]):
            period = ["202603", "202605", "202607", "202609"][n]
            value = series.values[period]
            series.values[period] = (value * 10) if n % 2 == 0 else _amount(float(value) / 10, "")
        # Values a connector delivered first, then someone overwrote by hand with another figure.
        slipped = set(map(id, candidates[:4]))
        delivered = [
            s
            for key, s in sorted(self.series.items())
            if id(s) not in slipped
            and s.unit.code != FALSIFIER
            and key not in self.formula_inputs
            and s.indicator.current.frequency == PeriodKind.MONTHLY
            and s.indicator.current.unit_of_measure not in ("%", "‰", "分")
            and isinstance(s.values.get("202608"), Decimal)
            and s.values["202608"] > 10
        ]
        self.rng.shuffle(delivered)
        for series in delivered[:3]:
            period = "202608"
            original = series.values[period]
            self.connector_first.append((series, period, original))
            series.values[period] = _amount(
                float(original) * 1.09, series.indicator.current.unit_of_measure
            )

    # --- writing -----------------------------------------------------------------------------------

    def _rows(self, unit: Unit) -> list[tuple[int, str, str, str, str]]:
        rows = []
        for (_ind, unit_pk), series in sorted(
            self.series.items(), key=lambda kv: (kv[0][1], kv[1].indicator.code)
        ):
            if unit_pk != unit.pk:
                continue
            for period, value in sorted(series.values.items()):
                if period == OCTOBER and unit.code in OCTOBER_MISSING:
                    continue
                text = value if isinstance(value, str) else format(value, "f")
                numeric = isinstance(value, Decimal)
                rows.append(
                    (
                        series.indicator.pk,
                        period,
                        text if numeric else "",
                        "" if numeric else text,
                        "",
                    )
                )
            for category, values in sorted(series.breakdown.items()):
                for period, value in sorted(values.items()):
                    if period == OCTOBER and unit.code in OCTOBER_MISSING:
                        continue
                    rows.append((series.indicator.pk, period, format(value, "f"), "", category))
        return rows

    def _write(self) -> None:
        connector = SystemActor("connector:统计联网直报")
        if self.connector_first:
            items = [
                (s.indicator.pk, s.unit.pk, p, format(v, "f")) for s, p, v in self.connector_first
            ]
            _check(
                write_batch(
                    ValueBatch(
                        indicator_ids=np.asarray([i[0] for i in items], dtype=np.int64),
                        unit_ids=np.asarray([i[1] for i in items], dtype=np.int64),
                        periods=[i[2] for i in items],
                        values=[i[3] for i in items],
                    ),
                    actor=connector,
                    source="connector",
                    batch_id="demo-connector",
                ),
                "connector",
            )
        units = sorted({s.unit for s in self.series.values()}, key=lambda u: u.path)
        for unit in units:
            rows = self._rows(unit)
            if not rows:
                continue
            source = (
                "api"
                if unit.code in API_UNITS
                else "import"
                if unit.code in IMPORT_UNITS
                else "form"
            )
            actor = self.people.get(f"{unit.code}.coord") or self.people.get(f"{unit.code}.leader")
            batch = ValueBatch(
                indicator_ids=np.asarray([r[0] for r in rows], dtype=np.int64),
                unit_ids=np.full(len(rows), unit.pk, dtype=np.int64),
                periods=[r[1] for r in rows],
                values=[r[2] for r in rows],
                levels=[r[3] for r in rows],
                categories=[r[4] for r in rows],
            )
            _check(
                write_batch(
                    batch,
                    actor=actor or SystemActor("demo"),
                    source=source,
                    batch_id=f"demo-{unit.code}",
                ),
                unit.code,
            )

    # --- the workflow as it happened -------------------------------------------------------------------

    def _workflow(self) -> None:
        """Back-fill when each value was entered, submitted and approved."""
        rng = self.rng
        values = list(
            DataValue.objects.select_related("unit").order_by("unit__path", "period_start", "pk")
        )
        by_unit_period: dict[tuple[int, str], list[DataValue]] = defaultdict(list)
        for v in values:
            by_unit_period[(v.unit_id, v.period)].append(v)
        history: list[DataValueChange] = []
        changed: list[DataValue] = []
        written: dict[int, list[DataValueChange]] = defaultdict(list)
        for c in DataValueChange.objects.order_by("changed_at", "id"):
            written[c.data_value_id].append(c)
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for (_unit_id, code), rows in sorted(
            by_unit_period.items(), key=lambda kv: (kv[1][0].unit.path, kv[0][1])
        ):
            unit = rows[0].unit
            period = Period.parse(code)
            # A period not over yet holds only planned figures, entered in its first month.
            end = period.end if period.end < TODAY else period.start + dt.timedelta(days=20)
            due = end + dt.timedelta(days=DUE_DAYS)
            if due >= TODAY:
                continue
            late = unit.code in LATE_UNITS and rng.random() < 0.45
            entered = (
                due
                - dt.timedelta(days=rng.randint(3, 8))
                + (dt.timedelta(days=rng.randint(9, 24)) if late else dt.timedelta(0))
            )
            entered = min(entered, TODAY - dt.timedelta(days=2))
            submitted = entered + dt.timedelta(days=rng.randint(0, 1))
            approved = submitted + dt.timedelta(days=rng.randint(1, 3))
            stage = "approved"
            if code == OCTOBER:
                if unit.code in OCTOBER_DRAFT:
                    stage = "draft"
                elif unit.code in OCTOBER_WAITING:
                    stage = "submitted"
            coord = self.people.get(f"{unit.code}.coord")
            leader = self.people.get(f"{unit.code}.leader")
            when_entered = _at(entered, 10)
            for v in rows:
                v.created_at = v.updated_at = when_entered
                for change in written.get(v.pk, ()):
                    early = change.source == "connector"
                    change.changed_at = when_entered - dt.timedelta(days=3 if early else 0)
                    history.append(change)
                if stage == "draft":
                    changed.append(v)
                    continue
                v.submitted_at = _at(submitted, 16)
                history.append(
                    services.status_change(
                        v, "submitted", actor=coord, reason="报送审核", when=v.submitted_at
                    )
                )
                v.status = "submitted"
                counts[(unit.code, "submit")] += 1
                if stage == "approved":
                    v.approved_at, v.approved_by = _at(approved, 11), leader
                    history.append(
                        services.status_change(
                            v, "approved", actor=leader, reason="审核通过", when=v.approved_at
                        )
                    )
                    v.status = "approved"
                    counts[(unit.code, "approve")] += 1
                v.updated_at = v.approved_at or v.submitted_at
                changed.append(v)
        DataValue.objects.bulk_update(
            changed,
            ["status", "submitted_at", "approved_at", "approved_by", "created_at", "updated_at"],
            batch_size=2000,
        )
        DataValueChange.objects.bulk_update(
            [c for c in history if c.pk], ["changed_at"], batch_size=2000
        )
        DataValueChange.objects.bulk_create([c for c in history if not c.pk], batch_size=2000)
        units = {u.code: u for u in Unit.objects.filter(code__in={c for c, _v in counts})}
        for (unit_code, verb), n in sorted(counts.items()):
            actor = self.people.get(f"{unit_code}.{'coord' if verb == 'submit' else 'leader'}")
            record(
                action=f"data.{verb}",
                actor=actor,
                obj=units[unit_code],
                object_repr=f"{units[unit_code].name} · 2025–2026",
                after={"values": n, "backfilled": "demo"},
            )

    def _corrections(self) -> None:
        locked = list(
            DataValue.objects.filter(status="locked", period__startswith="2025", category="")
            .exclude(source="formula")
            .exclude(value__isnull=True)
            .select_related("unit", "indicator__current")
            .order_by("unit__path", "indicator__code", "period")
        )
        chosen = [
            v
            for v in locked
            if v.unit.code in ("jyj", "wjw")
            and v.indicator.current.unit_of_measure not in ("%", "‰")
        ]
        if len(chosen) < 2:
            return
        first, second = chosen[0], chosen[-1]
        for value, reason, decide in (
            (first, "年报审计发现12月数据漏统计一所学校，申请按审计结果更正。", True),
            (second, "统计口径调整：按新标准重新核算，申请更正。", False),
        ):
            requester = self.people.get(f"{value.unit.code}.coord")
            request = services.request_correction(
                actor=requester,
                data_value=value,
                new_value=format((value.value * Decimal("1.02")).quantize(Decimal("0.01")), "f"),
                reason=reason,
            )
            if decide:
                services.decide_correction(
                    actor=self.office, request=request, approve=True, comment="经核实，同意更正。"
                )

    def _evidence(self) -> None:
        value = (
            DataValue.objects.filter(unit__code="jyj", period="202610", category="")
            .exclude(source="formula")
            .order_by("indicator__code")
            .first()
        )
        if value is None:
            return
        content = f"项目,数值,来源\n本月统计,{value.value},教育统计台账\n".encode()
        services.add_evidence(
            actor=self.people[f"{value.unit.code}.coord"],
            data_value=value,
            upload=SimpleUploadedFile("统计台账2026年10月.csv", content),
            description="月度统计台账",
        )


def _amount(value: float, uom: str, *, floor: bool = False) -> Decimal:
    if uom in WHOLE:
        number = math.floor(value) if floor else round(value)
        return Decimal(max(int(number), 0))
    return Decimal(f"{max(value, 0.0):.2f}")


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _check(result: Any, what: str) -> None:
    if not result.ok:
        raise RuntimeError(f"demo data for {what} refused: {result.errors[:5]}")
