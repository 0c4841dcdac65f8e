"""The data-quality screen (PRODUCT.md C4; R003 §4.1.2 on falsified data; R002 re-verification).

For each unit and the screened period it measures:

* **completeness** — values present ÷ values expected. A value is expected for every
  target of the unit (indicator × unit × period) in each period of the indicator's
  frequency inside both the target's and the screened period, once it is due;
* **timeliness** — expected values (not formula ones) submitted by their due date
  ÷ expected ones. A value is due ``due_days`` after its period ends (config,
  ``data.conf.due_days``), or that long after its target's deadline when that
  falls inside the period;
* **rule violations** — the validation rules run again on the stored values;
* **outliers** — modified z-score above 3.5 (median/MAD) against the unit's own series
  of the indicator over the 24 months up to the period's end; seasonal series are
  scored on their change against the same period last year, so that the season and
  the trend are not outliers;
* **digit pattern** — Benford's first-digit test on the unit's counts and amounts
  over those 24 months, when there are at least 100 of them (not rates, not
  averages, not formula results, not whole numbers below 10, whose first digit is
  the number itself); chi-square p-value below 0.01 is flagged, the MAD conformity is reported;
* **implausibly smooth** — a monthly flow whose month-on-month change hardly varies;
* **contradictions** — a value that differs from what another source delivered for
  the same key (its history: form against import, API or connector), or a stored
  value of a formula indicator that differs from what its formula gives.

Every finding is a ``QualityFlag`` with its reason; ``statistics.quality_score``
gives the unit's score (its formula is documented there and on the page).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from govperf.data import formulas, selectors, statistics, validation
from govperf.data.models import (
    DataValue,
    DataValueChange,
    QualityFlag,
    QualityResult,
    QualityRun,
)
from govperf.data.templatetags.data_extras import conformity, source_label
from govperf.engine.formula import references
from govperf.engine.periods import Period, PeriodKind

log = logging.getLogger(__name__)

WINDOW_MONTHS = 24
MIN_SERIES = 8  # values an outlier test needs in a series
LOG_MIN_MEDIAN = 20  # below this typical size a series' changes are compared by difference
RATE_UNITS = ("%", "‰", "分")
CONTRADICTION_TOLERANCE = 0.005  # relative difference below which two sources agree
OTHER_SOURCES = {"import", "api", "connector"}


def _fmt(x: Any) -> str:
    if x is None:
        return "—"
    d = Decimal(str(x)) if not isinstance(x, Decimal) else x
    return format(d.normalize(), "f")


def _expected_periods(frequency: str, screened: Period, target: Period) -> list[Period]:
    """Periods of ``frequency`` inside both the screened period and the target's."""
    try:
        kind = PeriodKind(frequency)
    except ValueError:
        return []
    if kind.rank > screened.kind.rank:
        return []
    children = [screened] if kind is screened.kind else _children(screened, kind)
    return [p for p in children if target.contains(p)]


def _children(period: Period, kind: PeriodKind) -> list[Period]:
    try:
        return period.children(kind)
    except ValueError:
        return []


def _window_start(screened: Period) -> dt.date:
    end = screened.end
    year, month = end.year, end.month - WINDOW_MONTHS + 1
    while month < 1:
        month += 12
        year -= 1
    return dt.date(year, month, 1)


@dataclass
class Flag:
    kind: str
    reason: str
    value: DataValue | None = None
    indicator_id: int | None = None
    period: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class UnitScreen:
    """The screen's figures and flags for one unit."""

    unit_id: int
    period: str
    expected: int = 0
    present: int = 0
    on_time: int = 0
    late: int = 0
    screened_values: int = 0
    violations: int = 0
    outliers: int = 0
    contradictions: int = 0
    smooth_series: int = 0
    missing_timed: int = 0  # expected values (not formula ones) that are missing
    benford: statistics.BenfordResult | None = None
    flags: list[Flag] = field(default_factory=list)

    @property
    def completeness(self) -> float | None:
        return None if not self.expected else self.present / self.expected

    @property
    def timeliness(self) -> float | None:
        timed = self.on_time + self.late + self.missing_timed
        return None if not timed else self.on_time / timed

    @property
    def score(self) -> float:
        n = max(self.screened_values, 1)
        benford_flag = self.benford is not None and self.benford.flagged()
        return statistics.quality_score(
            completeness=self.completeness,
            timeliness=self.timeliness,
            rule_share=min(self.violations / n, 1.0),
            outlier_share=min(self.outliers / n, 1.0),
            contradiction_share=min(self.contradictions / n, 1.0),
            pattern_flags=int(benford_flag) + min(self.smooth_series, 1),
        )


class Screen:
    """One screened period; call :meth:`unit` for each unit."""

    def __init__(self, period: str, *, due_days: int, today: dt.date | None = None) -> None:
        self.period = Period.parse(period)
        self.due_days = due_days
        self.today = today or timezone.localdate()
        self.window_start = _window_start(self.period)
        self.formulas = formulas.load_formulas()
        self.inputs = formulas.load_inputs(
            {ref.code for f in self.formulas.values() for ref in references(f.expr)}
        )
        self.formula_ids = {f.indicator_id for f in self.formulas.values()}
        self.by_id = {f.indicator_id: f for f in self.formulas.values()}
        self._versions: dict[int, Any] = {}

    # -- which units ---------------------------------------------------------------------

    def targets(self, unit_ids: list[int] | None = None) -> dict[int, list]:
        """Targets overlapping the screened period, by unit: those of the unit's plan for the
        cycle when it has one (as the entry grid shows them), else all of its targets."""
        from govperf.plans.models import PlanItem, Target

        qs = Target.objects.filter(period__startswith=f"{self.period.year:04d}").select_related(
            "indicator__current"
        )
        if unit_ids is not None:
            qs = qs.filter(unit_id__in=unit_ids)
        planned: dict[int, set[int]] = defaultdict(set)
        for unit_id, target_id in PlanItem.objects.filter(
            target__in=qs, plan__unit_id=F("target__unit_id")
        ).values_list("plan__unit_id", "target_id"):
            planned[unit_id].add(target_id)
        out: dict[int, list] = defaultdict(list)
        for t in qs:
            if t.unit_id in planned and t.pk not in planned[t.unit_id]:
                continue
            try:
                tp = Period.parse(t.period)
            except ValueError:
                continue
            if tp.end < self.period.start or tp.start > self.period.end:
                continue
            out[t.unit_id].append((t, tp))
        return out

    def due(self, period: Period, deadline: dt.date | None) -> dt.date:
        base = period.end
        if deadline is not None and period.start <= deadline < period.end:
            base = deadline
        return base + dt.timedelta(days=self.due_days)

    # -- one unit ---------------------------------------------------------------------------

    def unit(self, unit_id: int, targets: list) -> UnitScreen:
        result = UnitScreen(unit_id=unit_id, period=self.period.code)
        values = list(
            DataValue.objects.filter(
                unit_id=unit_id,
                period_start__gte=self.window_start,
                period_start__lte=self.period.end,
            )
            .select_related("indicator__current")
            .order_by("indicator_id", "period_start", "category", "attribute")
        )
        inside = [v for v in values if self.period.contains(Period.parse(v.period)) and _present(v)]
        result.screened_values = len(inside)
        self._completeness(result, targets, values)
        self._rules(result, inside)
        self._series(result, values, inside)
        self._benford(result, values)
        self._contradictions(result, inside)
        return result

    def _completeness(self, result: UnitScreen, targets: list, values: list[DataValue]) -> None:
        by_key = {
            (v.indicator_id, v.period): v for v in values if not v.category and not v.attribute
        }
        expected: dict[tuple[int, str], tuple[Period, dt.date | None]] = {}
        for target, tp in targets:
            version = target.indicator.current
            if version is None:
                continue
            for p in _expected_periods(version.frequency, self.period, tp):
                due = self.due(p, target.deadline)
                if due >= self.today:
                    continue  # not due yet: neither missing nor late
                expected.setdefault((target.indicator_id, p.code), (p, target.deadline))
        for (indicator_id, code), (p, deadline) in sorted(expected.items(), key=lambda kv: kv[0]):
            result.expected += 1
            value = by_key.get((indicator_id, code))
            is_formula = indicator_id in self.formula_ids
            due = self.due(p, deadline)
            if value is None or not _present(value):
                if not is_formula:
                    result.missing_timed += 1
                result.flags.append(
                    Flag(
                        QualityFlag.Kind.MISSING,
                        _("No value for %(period)s; it was due on %(due)s.")
                        % {"period": code, "due": due.isoformat()},
                        value=value,
                        indicator_id=indicator_id,
                        period=code,
                        details={"due": due.isoformat()},
                    )
                )
                continue
            result.present += 1
            if is_formula:
                continue
            submitted = timezone.localdate(value.submitted_at) if value.submitted_at else None
            if submitted is not None and submitted <= due:
                result.on_time += 1
                continue
            result.late += 1
            reason = (
                _("Submitted on %(when)s, after the due date %(due)s (%(days)d days late).")
                % {
                    "when": submitted.isoformat(),
                    "due": due.isoformat(),
                    "days": (submitted - due).days,
                }
                if submitted
                else _("Not submitted yet; it was due on %(due)s.") % {"due": due.isoformat()}
            )
            result.flags.append(
                Flag(
                    QualityFlag.Kind.LATE,
                    reason,
                    value=value,
                    indicator_id=indicator_id,
                    period=code,
                    details={
                        "due": due.isoformat(),
                        "submitted": submitted.isoformat() if submitted else None,
                    },
                )
            )

    def _rules(self, result: UnitScreen, inside: list[DataValue]) -> None:
        if not inside:
            return
        from govperf.data.services import batch_of

        report = validation.validate_batch(batch_of(inside))
        flagged: set[int] = set()
        for finding in report.findings:
            value = inside[finding.position]
            flagged.add(value.pk)
            result.flags.append(
                Flag(
                    QualityFlag.Kind.RULE,
                    finding.message,
                    value=value,
                    indicator_id=value.indicator_id,
                    period=value.period,
                    details={"rule": finding.rule_code, "severity": finding.severity},
                )
            )
        result.violations = len(flagged)

    def _series(self, result: UnitScreen, values: list[DataValue], inside: list[DataValue]) -> None:
        inside_ids = {v.pk for v in inside}
        series: dict[int, list[DataValue]] = defaultdict(list)
        for v in values:
            version = v.indicator.current
            # Formula values are left out: they repeat their inputs' outliers.
            if (
                v.value is None
                or v.category
                or v.attribute
                or version is None
                or v.indicator_id in self.formula_ids
                or _kind(v.period) != version.frequency
            ):
                continue
            series[v.indicator_id].append(v)
        outliers: set[int] = set()
        for indicator_id, rows in series.items():
            x = np.array([float(v.value) for v in rows])
            for v, score, how in _outlier_scores(rows, x):
                if v.pk not in inside_ids or abs(score) <= statistics.OUTLIER_THRESHOLD:
                    continue
                outliers.add(v.pk)
                if how == "yoy":
                    ly = _last_year_value(rows, v)
                    reason = _(
                        "%(value)s breaks with this unit's pattern: against the same period "
                        "last year (%(ly)s) it moved far more than its other periods did "
                        "(modified z-score %(z)s of the year-on-year change)."
                    ) % {"value": _fmt(v.value), "ly": _fmt(ly), "z": f"{score:.1f}"}
                else:
                    reason = _(
                        "%(value)s is far from this unit's usual values "
                        "(median %(median)s over %(n)d periods, modified z-score %(z)s)."
                    ) % {
                        "value": _fmt(v.value),
                        "median": _fmt(round(float(np.median(x)), 4)),
                        "n": len(rows),
                        "z": f"{score:.1f}",
                    }
                result.flags.append(
                    Flag(
                        QualityFlag.Kind.OUTLIER,
                        reason,
                        value=v,
                        indicator_id=indicator_id,
                        period=v.period,
                        details={"z": round(score, 2), "method": how, "n": len(rows)},
                    )
                )
            version = rows[0].indicator.current
            if (
                version.frequency == PeriodKind.MONTHLY
                and version.time_aggregation == "sum"
                and indicator_id not in self.formula_ids
                and any(v.pk in inside_ids for v in rows)
            ):
                sd = statistics.smoothness(x)
                if sd is not None and sd < statistics.SMOOTH_MAX_SD:
                    result.smooth_series += 1
                    growth = float(np.exp(np.mean(np.diff(np.log(x)))) - 1) * 100
                    result.flags.append(
                        Flag(
                            QualityFlag.Kind.SMOOTH,
                            _(
                                "Changes by %(growth)s%% every month with almost no variation "
                                "(standard deviation %(sd)s%% over %(n)d months): measured "
                                "monthly figures are never this regular."
                            )
                            % {"growth": f"{growth:.2f}", "sd": f"{sd * 100:.2f}", "n": len(rows)},
                            value=rows[-1],
                            indicator_id=indicator_id,
                            period=rows[-1].period,
                            details={"sd": sd, "growth_percent": growth, "n": len(rows)},
                        )
                    )
        result.outliers = len(outliers)

    def _benford(self, result: UnitScreen, values: list[DataValue]) -> None:
        numbers = [
            float(v.value)
            for v in values
            if v.value is not None
            and (abs(v.value) >= 10 or v.value != v.value.to_integral_value())
            and v.value != 0
            and _benford_kind(v.indicator.current)
            and v.indicator_id not in self.formula_ids
        ]
        test = statistics.benford_first_digit(numbers)
        result.benford = test
        if test.applicable and test.flagged():
            observed = ", ".join(
                f"{d}: {c / test.n * 100:.0f}% ({statistics.BENFORD[d - 1] * 100:.0f}%)"
                for d, c in enumerate(test.observed, start=1)
            )
            result.flags.append(
                Flag(
                    QualityFlag.Kind.BENFORD,
                    _(
                        "The first digits of %(n)d counts and amounts depart from Benford's law "
                        "(chi-square %(chi2)s, p = %(p)s; MAD %(mad)s, %(conformity)s). "
                        "Share by first digit (expected): %(observed)s."
                    )
                    % {
                        "n": test.n,
                        "chi2": f"{test.chi2:.1f}",
                        "p": f"{test.p_value:.2g}",
                        "mad": f"{test.mad:.4f}",
                        "conformity": conformity(test.conformity),
                        "observed": observed,
                    },
                    details={
                        "n": test.n,
                        "observed": test.observed,
                        "chi2": test.chi2,
                        "p": test.p_value,
                        "mad": test.mad,
                    },
                )
            )

    def _contradictions(self, result: UnitScreen, inside: list[DataValue]) -> None:
        flagged: set[int] = set()
        numeric = [v for v in inside if v.value is not None]
        # (a) another source delivered a different number for the same key.
        # Each value's history, its creation included (``selectors.history``).
        other: dict[int, DataValueChange] = {}
        by_value: dict[int, list[DataValueChange]] = defaultdict(list)
        changes = DataValueChange.objects.filter(data_value_id__in=[v.pk for v in numeric])
        for change in changes.order_by("data_value_id", "changed_at", "id"):
            by_value[change.data_value_id].append(change)
        for v in numeric:
            entries = by_value.get(v.pk, [])
            if not any(c.old_status == "" for c in entries):
                entries = [selectors.creation(v, entries[0] if entries else None), *entries]
            for change in entries:
                if (
                    change.new_value is not None
                    and change.source not in ("", "formula")
                    and change.source != v.source
                ):
                    other[v.pk] = change  # the latest wins
        for v in numeric:
            change = other.get(v.pk)
            if change is None or v.source == "formula" or _agree(change.new_value, v.value):
                continue
            flagged.add(v.pk)
            result.flags.append(
                Flag(
                    QualityFlag.Kind.CONTRADICTION,
                    _(
                        "The %(other)s delivered %(theirs)s on %(when)s; the value is now "
                        "%(ours)s from the %(source)s."
                    )
                    % {
                        "other": source_label(change.source),
                        "theirs": _fmt(change.new_value),
                        "when": timezone.localdate(change.changed_at).isoformat(),
                        "ours": _fmt(v.value),
                        "source": source_label(v.source),
                    },
                    value=v,
                    indicator_id=v.indicator_id,
                    period=v.period,
                    details={
                        "other_source": change.source,
                        "other_value": str(change.new_value),
                        "value": str(v.value),
                    },
                )
            )
        # (b) a formula indicator's stored value against its formula.
        by_formula: dict[int, list[DataValue]] = defaultdict(list)
        for v in numeric:
            if v.indicator_id in self.by_id and not v.category and not v.attribute:
                by_formula[v.indicator_id].append(v)
        for indicator_id, rows in by_formula.items():
            formula = self.by_id[indicator_id]
            ev = formulas.evaluate(formula, [result.unit_id], [v.period for v in rows], self.inputs)
            computed = dict(zip(ev.periods, ev.values.tolist(), strict=True))
            for v in rows:
                x = computed.get(v.period)
                if x is None or np.isnan(x) or _agree(Decimal(repr(x)), v.value):
                    continue
                flagged.add(v.pk)
                result.flags.append(
                    Flag(
                        QualityFlag.Kind.CONTRADICTION,
                        _("Stored as %(ours)s, but its formula %(formula)s gives %(theirs)s.")
                        % {
                            "ours": _fmt(v.value),
                            "formula": formula.code,
                            "theirs": _fmt(round(x, 6)),
                        },
                        value=v,
                        indicator_id=indicator_id,
                        period=v.period,
                        details={"computed": x, "value": str(v.value)},
                    )
                )
        result.contradictions = len(flagged)


def _last_year_value(rows: list[DataValue], v: DataValue) -> Decimal | None:
    try:
        code = Period.parse(v.period).last_year().code
    except ValueError:
        return None
    return next((r.value for r in rows if r.period == code), None)


def _outlier_scores(rows: list[DataValue], x: np.ndarray) -> list[tuple[DataValue, float, str]]:
    """Modified z-scores of a unit's series (rows in period order).

    Seasonal series (months, quarters, halves) are scored on their change against the
    same period last year — the log ratio when every value is positive and typically
    at least 20, else the difference — which takes out the season and the level: a Spring Festival dip is
    not an outlier, a digit typed twice is. Without a year of history (or for yearly
    series) the values themselves are scored.
    """
    by_code = {r.period: i for i, r in enumerate(rows)}
    pairs: list[tuple[int, int]] = []
    for i, r in enumerate(rows):
        period = Period.parse(r.period)
        if period.kind in (PeriodKind.YEARLY, PeriodKind.WEEKLY, PeriodKind.DAILY):
            break
        try:
            j = by_code.get(period.last_year().code)
        except ValueError:
            j = None
        if j is not None:
            pairs.append((i, j))
    if len(pairs) >= MIN_SERIES:
        current = x[[i for i, _j in pairs]]
        before = x[[j for _i, j in pairs]]
        # Ratios of small counts jump (1 → 2 is +100%): they are compared by difference.
        if np.all(current > 0) and np.all(before > 0) and np.median(x) >= LOG_MIN_MEDIAN:
            change = np.log(current / before)
            floor = statistics.MIN_LOG_SCALE
        else:
            change = current - before
            floor = max(
                statistics.MIN_RELATIVE_SCALE * float(np.median(np.abs(x))),
                statistics.MIN_UNIT_SCALE,
            )
        z = statistics.modified_z(change, min_scale=floor)
        return [(rows[i], float(score), "yoy") for (i, _j), score in zip(pairs, z, strict=True)]
    if len(rows) < MIN_SERIES:
        return []
    floor = max(
        statistics.MIN_RELATIVE_SCALE * float(np.median(np.abs(x))), statistics.MIN_UNIT_SCALE
    )
    z = statistics.modified_z(x, min_scale=floor)
    return [(r, float(score), "level") for r, score in zip(rows, z, strict=True)]


def _present(v: DataValue) -> bool:
    return v.value is not None or bool(v.level)


def _kind(code: str) -> str:
    try:
        return str(Period.parse(code).kind)
    except ValueError:
        return ""


def _agree(a: Decimal, b: Decimal) -> bool:
    a, b = float(a), float(b)
    return abs(a - b) <= CONTRADICTION_TOLERANCE * max(abs(a), abs(b), 1e-9)


def _benford_kind(version) -> bool:
    """Counts and amounts (sums and stock levels), not rates, scores or averages."""
    if version is None or version.kind != "quantitative":
        return False
    if version.time_aggregation not in ("sum", "last"):
        return False
    uom = version.unit_of_measure or ""
    return not any(mark in uom for mark in RATE_UNITS) and "/" not in uom


# --- running ----------------------------------------------------------------------------------


def units_for(run: QualityRun, screen: Screen) -> dict[int, list]:
    """The units a run screens, with their targets."""
    from govperf.orgs.models import Unit
    from govperf.plans.models import PlanItem

    unit_ids: list[int] | None = None
    if run.unit_id is not None:
        unit_ids = list(
            Unit.objects.filter(path__startswith=run.unit.path).values_list("pk", flat=True)
        )
    targets = screen.targets(unit_ids)
    with_values = DataValue.objects.filter(
        period_start__gte=screen.period.start, period_start__lte=screen.period.end
    )
    planned = PlanItem.objects.filter(plan__cycle__period=str(screen.period.year))
    if unit_ids is not None:
        with_values = with_values.filter(unit_id__in=unit_ids)
        planned = planned.filter(plan__unit_id__in=unit_ids)
    # Units that report: those with a plan for the cycle, and any with values in the period.
    units = set(planned.values_list("plan__unit_id", flat=True).distinct()) | set(
        with_values.values_list("unit_id", flat=True).distinct()
    )
    ordered = Unit.objects.filter(pk__in=units).order_by("path").values_list("pk", flat=True)
    return {pk: targets.get(pk, []) for pk in ordered}


def execute(run_id: int, *, today: dt.date | None = None) -> QualityRun:
    """Run the screen (the task calls this). Safe to call twice: a finished run is left alone."""
    claimed = QualityRun.objects.filter(pk=run_id, status=QualityRun.Status.QUEUED).update(
        status=QualityRun.Status.RUNNING, started_at=timezone.now()
    )
    run = QualityRun.objects.select_related("unit").get(pk=run_id)
    if not claimed:  # another worker has it, or it is done
        return run
    try:
        # Reasons are written once, in the site's language, whoever started the run.
        with translation.override(settings.LANGUAGE_CODE):
            _screen_all(run, today)
        QualityRun.objects.filter(pk=run.pk).update(
            status=QualityRun.Status.DONE, finished_at=timezone.now()
        )
    except Exception as exc:
        log.exception("quality screen %s failed", run_id)
        QualityRun.objects.filter(pk=run.pk).update(
            status=QualityRun.Status.FAILED, finished_at=timezone.now(), error=str(exc)[:2000]
        )
    run.refresh_from_db()
    return run


def _screen_all(run: QualityRun, today: dt.date | None) -> None:
    screen = Screen(run.period, due_days=int(run.params.get("due_days", 10)), today=today)
    units = units_for(run, screen)
    QualityRun.objects.filter(pk=run.pk).update(progress_total=len(units))
    for n, (unit_id, targets) in enumerate(units.items(), start=1):
        _store(run, screen.unit(unit_id, targets))
        QualityRun.objects.filter(pk=run.pk).update(progress_done=n)


def _store(run: QualityRun, r: UnitScreen) -> QualityResult:
    b = r.benford
    with transaction.atomic():
        QualityResult.objects.filter(run=run, unit_id=r.unit_id).delete()
        stored = QualityResult.objects.create(
            run=run,
            unit_id=r.unit_id,
            period=r.period,
            expected=r.expected,
            present=r.present,
            on_time=r.on_time,
            late=r.late,
            completeness=r.completeness,
            timeliness=r.timeliness,
            violations=r.violations,
            outliers=r.outliers,
            contradictions=r.contradictions,
            smooth_series=r.smooth_series,
            benford_n=b.n if b else 0,
            benford_chi2=b.chi2 if b else None,
            benford_p=b.p_value if b else None,
            benford_mad=b.mad if b else None,
            benford_conformity=b.conformity if b else "",
            benford_digits=b.observed if b else [],
            benford_flagged=bool(b and b.flagged()),
            score=r.score,
        )
        QualityFlag.objects.bulk_create(
            [
                QualityFlag(
                    run=run,
                    result=stored,
                    unit_id=r.unit_id,
                    kind=f.kind,
                    data_value=f.value,
                    indicator_id=f.indicator_id,
                    period=f.period,
                    value=f.value.value if f.value is not None else None,
                    reason=f.reason[:500],
                    details=f.details,
                )
                for f in r.flags
            ],
            batch_size=1000,
        )
    return stored
