"""Scoring engine benchmark: a synthetic province, ``python -m bench.engine``.

6,000 units × 30 indicators × 12 months (2.16 M values), seeded. Measured in
one run, each timing the median of several repeats, (a), (b), (c) and (e) taken
in turn in five rounds so that every ratio compares figures of the same moments
(a shared 2-core machine's speed drifts from second to second):

(a) the engine: aggregate months per indicator by its time aggregate, score,
    sum by component, composite, grades with quota, group ranks, and lights;
(b) a minimal hand-written NumPy baseline computing the same composites
    (checked equal to the engine's);
(c) a per-value Python loop computing the same, timed on a subset of units and
    extrapolated linearly (it is too slow to run on all of them);
(d) peak memory: allocations traced during one engine run, and the process's
    peak resident set;
(e) incremental recompute after 1 % of the values change — every value of 1 %
    of the units, as when units resubmit corrected data — checked identical to
    a full run. Each correction updates the latest result in place, as a caller
    that keeps only the newest does, alternately to the new values and back.
    The same for 1 % of values scattered at random is reported too (it touches
    most units, so it is no cheaper than a full run).

Targets: engine ≤ 2 × baseline, ≥ 50 × faster than the loop, peak ≤ 1 GB,
incremental ≤ 0.1 × full. ``--db DSN`` is the hook for a database round trip
(loading values and saving results), which is skipped when no DSN is given.
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from bench._util import (
    interleaved_medians,
    max_rss_mb,
    median_seconds,
    progress,
    report,
    scratch_database,
    traced_peak_mb,
)
from govperf.engine.lights import FOUR_LIGHTS, LightPlan, Lights
from govperf.engine.rounding import round_half_up
from govperf.engine.scheme import Scheme, parse_scheme
from govperf.engine.scoring import EvaluationResult, Units, evaluate

COMPONENTS = (("econ", 30, 8), ("social", 25, 8), ("env", 25, 7), ("gov", 20, 7))
# (rule, time aggregate, lights plan, lower is better) per indicator, cycling.
KINDS = (
    ({"kind": "higher_better", "target": 1200}, "sum", 1200.0, False),
    ({"kind": "lower_better", "target": 120}, "sum", 120.0, True),
    ({"kind": "interpolate", "floor": 80, "target": 95, "challenge": 99}, "mean", 95.0, False),
    ({"kind": "deduction", "per": 2}, "sum", 2.0, True),
    ({"kind": "higher_better", "target": 500}, "last", 500.0, False),
)
BONUS_CAP = 3.0
TARGETS = {
    "engine_vs_baseline_max": 2.0,
    "loop_vs_engine_min": 50.0,
    "peak_mb_max": 1024.0,
    "incremental_vs_full_max": 0.1,
}


@dataclass
class Province:
    scheme: Scheme
    units: Units
    values: np.ndarray  # units × indicators × months
    bonus: np.ndarray
    veto: list[str | None]
    plan: np.ndarray  # per indicator, for the lights
    lower: np.ndarray
    # Made once, as monitoring holds its plan for a month's lights. A full year of
    # data: the elapsed share is 1.
    light_plan: LightPlan = field(init=False)

    def __post_init__(self) -> None:
        self.light_plan = LightPlan.of(self.plan, 1.0, lower_better=self.lower)


def weights_summing_to_100(count: int) -> list[int]:
    base, extra = divmod(100, count)
    return [base + 1] * extra + [base] * (count - extra)


def build_province(n_units: int, months: int, seed: int) -> Province:
    """A seeded synthetic province whose values sit around each indicator's target."""
    rng = np.random.default_rng(seed)
    components, kinds = [], []
    j = 0
    for code, weight, count in COMPONENTS:
        indicators = []
        for w in weights_summing_to_100(count):
            rule, agg, _, _ = kind = KINDS[j % len(KINDS)]
            indicators.append(
                {"code": f"I{j:02d}", "weight": w, "rule": rule, "time_aggregate": agg}
            )
            kinds.append(kind)
            j += 1
        components.append({"code": code, "weight": weight, "indicators": indicators})
    scheme = parse_scheme(
        {
            "grades": [
                {"name": "优秀", "min": 90},
                {"name": "良好", "min": 80},
                {"name": "合格", "min": 60},
                {"name": "不合格", "min": 0},
            ],
            "quota": {"grade": "优秀", "max_share": 0.2},
            "ranking": "group",
            "bonus_cap": BONUS_CAP,
            "components": components,
        }
    )
    k = len(kinds)
    values = np.empty((n_units, k, months))
    for j, (rule, agg, plan, _) in enumerate(kinds):
        shape = (n_units, months)
        if rule["kind"] == "interpolate":
            values[:, j] = np.clip(rng.normal(93, 4, shape), 0, 100)
        elif rule["kind"] == "deduction":
            values[:, j] = rng.poisson(0.1, shape)
        elif agg == "last":
            values[:, j] = rng.normal(plan * 0.95, plan * 0.12, shape)
        else:
            values[:, j] = rng.normal(plan / months, plan / months * 0.2, shape).clip(0)
    groups = [f"county-{g:02d}" for g in rng.integers(0, 50, n_units)]
    units = Units.of([f"U{i:05d}" for i in range(n_units)], groups)
    bonus = np.where(rng.random(n_units) < 0.05, rng.uniform(0, 5, n_units), 0.0)
    veto = ["重大安全生产事故" if v else None for v in rng.random(n_units) < 0.005]
    plans = np.array([kind[2] for kind in kinds])
    lower = np.array([kind[3] for kind in kinds])
    return Province(scheme, units, values, bonus, veto, plans, lower)


# --- (a) the engine --------------------------------------------------------------------


def run_engine(p: Province) -> tuple[EvaluationResult, Lights]:
    result = evaluate(p.scheme, p.units, p.values, bonus=p.bonus, veto=p.veto)
    return result, p.light_plan.lights(result.inputs.actual)


class Corrections:
    """Corrections of the same units applied in turn to the latest result, as a caller
    keeps only the newest: the new values, then the old ones back, and so on, so that
    every call is a change of the same size (and the result never drifts far)."""

    def __init__(self, p: Province, rows: np.ndarray, new_rows: np.ndarray) -> None:
        self.p, self.rows = p, rows
        self.values = (new_rows, p.values[rows].copy())
        self.latest = run_engine(p)
        self.applied = 0

    def __call__(self) -> tuple[EvaluationResult, Lights]:
        """Re-score the rows in place (the old result is spent) and redo their lights."""
        before, lights = self.latest
        result = before.update(self.rows, values=self.values[self.applied % 2], inplace=True)
        part = self.p.light_plan.lights(result.inputs.actual[self.rows])
        for name in ("ratio", "light", "far_ahead"):
            getattr(lights, name)[self.rows] = getattr(part, name)
        self.latest = result, lights
        self.applied += 1
        return self.latest

    def identical_to_a_full_run(self) -> bool:
        """Whether the latest result is a full run's of the values last applied."""
        last = self.values[(self.applied - 1) % 2]
        return identical(self.latest, run_engine(with_rows(self.p, self.rows, last)))


# --- (b) the hand-written NumPy baseline -----------------------------------------------


def make_baseline(p: Province) -> Callable[[np.ndarray], np.ndarray]:
    """The same composites with plain NumPy, no validation, no grades, ranks or lights."""
    inds = p.scheme.indicators
    w = np.array([i.weight for i in inds])
    by = {
        m: [j for j, i in enumerate(inds) if i.time_aggregate == m] for m in ("sum", "mean", "last")
    }
    kinds = {
        kind: [j for j, i in enumerate(inds) if i.rule.kind == kind]
        for kind in ("higher_better", "lower_better", "interpolate", "deduction")
    }

    def param(kind: str, name: str) -> np.ndarray:
        return np.array([getattr(inds[j].rule, name) for j in kinds[kind]])

    t_hb, t_lb = param("higher_better", "target"), param("lower_better", "target")
    f, t, c = (param("interpolate", name) for name in ("floor", "target", "challenge"))
    per = param("deduction", "per")
    membership = np.zeros((len(inds), len(p.scheme.components)))
    for j, ind in enumerate(inds):
        membership[j, [c.code for c in p.scheme.components].index(ind.component)] = 1.0
    cw = np.array([c.weight for c in p.scheme.components])

    def baseline(values: np.ndarray) -> np.ndarray:
        a = np.empty(values.shape[:2])
        a[:, by["sum"]] = values[:, by["sum"]].sum(axis=2)
        a[:, by["mean"]] = values[:, by["mean"]].mean(axis=2)
        a[:, by["last"]] = values[:, by["last"], -1]
        pct = np.empty_like(a)
        pct[:, kinds["higher_better"]] = np.clip(a[:, kinds["higher_better"]] / t_hb, 0, 1)
        x = a[:, kinds["lower_better"]]
        pct[:, kinds["lower_better"]] = np.clip(2 - x / t_lb, 0, 1)
        x = a[:, kinds["interpolate"]]
        pct[:, kinds["interpolate"]] = np.select(
            [x < f, x < t, x < c],
            [0.0, 0.6 + 0.4 * (x - f) / (t - f), 1 + 0.2 * (x - t) / (c - t)],
            1.2,
        )
        x = a[:, kinds["deduction"]]
        pct[:, kinds["deduction"]] = np.maximum(0, 1 - per * x / w[kinds["deduction"]])
        components = np.minimum((pct * w) @ membership, 100)
        return components @ cw / 100 + np.minimum(p.bonus, BONUS_CAP)

    return baseline


# --- (c) the per-value Python loop -----------------------------------------------------


def make_loop(p: Province) -> tuple[Callable[..., tuple], Callable[..., list]]:
    """The work of (a) one value at a time: scores, grades, ranks; then lights.

    Written as tightly as plain Python allows (lists, not NumPy scalars), and
    rounding through ``round_half_up`` as the engine must.
    """
    scheme = p.scheme
    inds = scheme.indicators
    comp_codes = [c.code for c in scheme.components]
    comp_of = [comp_codes.index(i.component) for i in inds]
    comp_w = [c.weight for c in scheme.components]
    grades = [(g.name, g.min) for g in scheme.grades]
    plan, lower = p.plan.tolist(), p.lower.tolist()
    bounds = FOUR_LIGHTS.bounds

    def pct_of(ind: Any, a: float) -> float:
        r = ind.rule
        if r.kind == "higher_better":
            return max(0.0, min(a / r.target, 1.0))
        if r.kind == "lower_better":
            if a <= r.target:
                return 1.0
            return 1 - (a - r.target) / r.target if a < 2 * r.target else 0.0
        if r.kind == "interpolate":
            if a < r.floor:
                return 0.0
            if a < r.target:
                return r.floor_pct + (1 - r.floor_pct) * (a - r.floor) / (r.target - r.floor)
            if a < r.challenge:
                return 1 + (r.challenge_pct - 1) * (a - r.target) / (r.challenge - r.target)
            return r.challenge_pct
        return max(0.0, 1 - r.per * a / ind.weight)

    def aggregate(months: list[float], method: str) -> float:
        if method == "last":
            for v in reversed(months):
                if v == v:  # not NaN
                    return v
            return math.nan
        total, count = 0.0, 0
        for v in months:
            if v == v:
                total += v
                count += 1
        return total if method == "sum" else total / count

    def scores(values: list, bonus: list, veto: list, groups: list) -> tuple:
        actual, composite = [], []
        for unit_values, unit_bonus in zip(values, bonus, strict=True):
            sums = [0.0] * len(comp_w)
            row = []
            for j, ind in enumerate(inds):
                a = aggregate(unit_values[j], ind.time_aggregate)
                if not math.isfinite(a):
                    raise ValueError("missing value")
                row.append(a)
                sums[comp_of[j]] += pct_of(ind, a) * ind.weight
            total = 0.0
            for s, cw in zip(sums, comp_w, strict=True):
                total += min(s, 100.0) * cw / 100
            actual.append(row)
            composite.append(round_half_up(total + min(unit_bonus, BONUS_CAP), 2))
        grade = []
        for c, v in zip(composite, veto, strict=True):
            grade.append(
                len(grades) - 1 if v else next(k for k, g in enumerate(grades) if g[1] <= c)
            )
        assert scheme.quota is not None
        seats = scheme.quota.seats(len(composite))
        top = sorted((c for c, g in zip(composite, grade, strict=True) if g == 0), reverse=True)
        if len(top) > seats:
            grade = [
                1 if g == 0 and c <= top[seats] else g
                for c, g in zip(composite, grade, strict=True)
            ]
        rank = [0] * len(composite)
        members: dict[str, list[int]] = {}
        for i, group in enumerate(groups):
            members.setdefault(group, []).append(i)
        for unit_rows in members.values():
            ordered = sorted(unit_rows, key=lambda i: (veto[i] is not None, -composite[i]))
            for pos, i in enumerate(ordered):
                prev = ordered[pos - 1]
                tied = (
                    pos > 0
                    and (veto[prev] is None) == (veto[i] is None)
                    and composite[prev] == composite[i]
                )
                rank[i] = rank[prev] if tied else pos + 1
        return actual, composite, grade, rank

    def lights(actual: list) -> list:
        out = []
        for row in actual:
            for j, a in enumerate(row):
                r = a * 100.0 / plan[j]
                if lower[j]:
                    r = max(200.0 - r, 0.0)
                r = round_half_up(r, 2)
                light = 0
                for b in bounds:
                    light += r >= b
                if a == 0 and not lower[j]:
                    light = 0
                out.append((r, light, r >= FOUR_LIGHTS.far_ahead))
        return out

    return scores, lights


# --- (e) the changes -------------------------------------------------------------------


def changed_units(p: Province, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``share`` of the units and all their values, perturbed."""
    rng = np.random.default_rng(seed)
    n = len(p.units)
    rows = np.sort(rng.choice(n, size=max(1, round(n * share)), replace=False))
    new = p.values[rows] * rng.uniform(0.9, 1.1, p.values[rows].shape)
    return rows, new


def scattered_changes(p: Province, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``share`` of all values perturbed at random cells; returns the touched units."""
    rng = np.random.default_rng(seed)
    flat = rng.choice(p.values.size, size=round(p.values.size * share), replace=False)
    flat_values = p.values.copy().reshape(-1)
    flat_values[flat] *= rng.uniform(0.9, 1.1, flat.size)
    rows = np.unique(flat // (p.values.shape[1] * p.values.shape[2]))
    return rows, flat_values.reshape(p.values.shape)[rows]


def identical(a: tuple[EvaluationResult, Lights], b: tuple[EvaluationResult, Lights]) -> bool:
    names = ("pct", "points", "components", "composite_raw", "composite", "grade_index",
             "quota_dropped", "rank")  # fmt: skip
    same = all(np.array_equal(getattr(a[0], n), getattr(b[0], n)) for n in names)
    same &= np.array_equal(a[0].inputs.actual, b[0].inputs.actual)
    return same and all(
        np.array_equal(getattr(a[1], n), getattr(b[1], n)) for n in ("ratio", "light", "far_ahead")
    )


def with_rows(p: Province, rows: np.ndarray, new_rows: np.ndarray) -> Province:
    values = p.values.copy()
    values[rows] = new_rows
    return replace(p, values=values)


def database_round_trip(dsn: str, p: Province, result: EvaluationResult) -> dict[str, Any]:
    """Load the province's values from PostgreSQL through the evaluation app and store
    every result (unit rows with their breakdowns, indicator rows) — target ≤ 30 s.

    Setup, not timed: a scratch database beside the one at ``dsn`` (created, migrated,
    dropped at the end), the province's units, indicators, a round with its scheme, and
    the 2.16 M values written with ``COPY`` as approved monthly values of 2025. Timed:
    one computation exactly as the worker runs it (``evaluation.services.run_computation``:
    bulk load, aggregate, score, explain every point, store in one transaction).
    Checked: the stored composites, grades and ranks equal the in-memory engine's on the
    same (6-decimal) values.
    """
    import time

    with scratch_database(dsn, "bench_engine") as scratch:
        _django(scratch)
        from django.core.management import call_command

        progress("database: migrating a scratch database …")
        call_command("migrate", verbosity=0)
        round_, written = _db_setup(p)
        progress(f"database: {written:,} values written with COPY (setup, not timed)")
        reference = _db_reference(p)
        from govperf.evaluation import services
        from govperf.evaluation.models import ComputeJob, IndicatorResult, UnitResult

        job = ComputeJob.objects.create(round=round_, reason="bench")
        start = time.perf_counter()
        done = services.run_computation(job.pk)
        seconds = time.perf_counter() - start
        if done is None or done.result_set is None:
            return {"db": "failed", "db_error": getattr(done, "error", ""), "db_pass": False}
        rs = done.result_set
        stored = list(
            UnitResult.objects.filter(result_set=rs)
            .order_by("position")
            .values_list("composite", "grade", "rank")
        )
        matches = bool(
            [float(c) for c, _g, _r in stored] == reference.composite.tolist()
            and [g or None for _c, g, _r in stored] == reference.grades
            and [r for _c, _g, r in stored] == reference.ranks
        )
        rows = IndicatorResult.objects.filter(result_set=rs).count()
        with_breakdown = UnitResult.objects.filter(result_set=rs).exclude(breakdown={}).count()
        timings = rs.summary.get("timings", {})
        progress(
            f"database round trip: {rs.summary['values_read']:,} values loaded, {len(stored):,} unit "
            f"results with breakdowns and {rows:,} indicator rows stored in {seconds:.1f} s "
            f"({', '.join(f'{k[:-2]} {v:.1f} s' for k, v in timings.items())}; same as the engine: "
            f"{matches})"
        )
        return {
            "db": "postgresql",
            "db_values_loaded": rs.summary["values_read"],
            "db_unit_results": len(stored),
            "db_units_with_breakdown": with_breakdown,
            "db_indicator_rows": rows,
            "db_round_trip_s": round(seconds, 2),
            **{f"db_{k}": v for k, v in timings.items()},
            "db_matches_engine": matches,
            "db_pass": bool(
                matches and seconds <= DB_TARGET_S and rows == p.values.shape[0] * p.values.shape[1]
            ),
        }


DB_TARGET_S = 30.0


def _django(dsn: str) -> None:
    import os
    import tempfile

    import django

    os.environ["DATABASE_URL"] = dsn
    os.environ.setdefault("GOVPERF_VAR_DIR", tempfile.mkdtemp(prefix="govperf-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govperf.settings")
    django.setup()


def _db_values(p: Province) -> np.ndarray:
    """The values as PostgreSQL keeps them: NUMERIC with 6 decimals."""
    return np.round(p.values, 6)


def _db_reference(p: Province) -> EvaluationResult:
    bonus = np.round(p.bonus, 6)
    return evaluate(p.scheme, p.units, _db_values(p), bonus=bonus, veto=p.veto)


def _db_setup(p: Province):
    """Units, library, targets-free scheme, round, adjustments; values by COPY."""
    import datetime as dt

    from django.db import connection, transaction
    from django.utils import timezone

    from govperf.data.models import DataValue
    from govperf.evaluation.models import Adjustment, Round, RoundUnit, Scheme, SchemeVersion
    from govperf.indicators.models import Indicator, IndicatorVersion
    from govperf.orgs.models import Unit, child_path
    from govperf.plans.models import Cycle

    n, _k, t = p.values.shape
    with transaction.atomic():
        province = Unit.objects.create(code="province", name="省", kind="province", path="")
        province.path = child_path("/", province.pk)
        province.save(update_fields=["path"])
        Unit.objects.bulk_create(
            [
                Unit(
                    code=code, name=f"单位{code}", kind="county", parent=province, path="", depth=1
                )
                for code in p.units.codes
            ],
            batch_size=2000,
        )
        units = list(Unit.objects.filter(parent=province).order_by("code"))
        for unit in units:
            unit.path = child_path(province.path, unit.pk)
        Unit.objects.bulk_update(units, ["path"], batch_size=2000)
        by_code = {u.code: u for u in units}
        indicators = []
        for ind in p.scheme.indicators:
            indicator = Indicator.objects.create(code=ind.code)
            version = IndicatorVersion.objects.create(
                indicator=indicator,
                number=1,
                name=ind.code,
                frequency="Monthly",
                time_aggregation=ind.time_aggregate,
            )
            indicator.current = version
            indicator.save(update_fields=["current"])
            indicators.append(indicator)
        cycle = Cycle.objects.create(
            code="2025",
            name="2025",
            period="2025",
            start_date=dt.date(2025, 1, 1),
            end_date=dt.date(2025, 12, 31),
        )
        definition = p.scheme.to_dict()
        scheme = Scheme.objects.create(code="bench", name="bench")
        version = SchemeVersion.objects.create(scheme=scheme, number=1, definition=definition)
        scheme.current = version
        scheme.save(update_fields=["current"])
        round_ = Round.objects.create(
            cycle=cycle,
            period="2025",
            name="bench",
            scheme_version=version,
            deadline=dt.date(2026, 1, 31),
        )
        RoundUnit.objects.bulk_create(
            [
                RoundUnit(round=round_, unit=by_code[code], group=group or "")
                for code, group in zip(p.units.codes, p.units.groups, strict=True)
            ],
            batch_size=2000,
        )
        Adjustment.objects.bulk_create(
            [
                Adjustment(
                    round=round_,
                    unit=by_code[code],
                    kind="bonus",
                    points=f"{b:.6f}",
                    reason="bench",
                )
                for code, b in zip(p.units.codes, p.bonus, strict=True)
                if b
            ]
            + [
                Adjustment(round=round_, unit=by_code[code], kind="veto", reason=v)
                for code, v in zip(p.units.codes, p.veto, strict=True)
                if v
            ]
        )
    months = [(f"2025{m:02d}", dt.date(2025, m, 1).isoformat()) for m in range(1, t + 1)]
    values = _db_values(p)
    now = timezone.now().isoformat()
    table = DataValue._meta.db_table
    fixed = {"status": "approved", "source": "import", "created_source": "import"}
    fixed |= {"created_at": now, "updated_at": now, "approved_at": now}
    columns, rest = _value_columns(DataValue, fixed)
    unit_ids = [by_code[c].pk for c in p.units.codes]
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, n, 500):
            lines = []
            for i in range(start, min(n, start + 500)):
                for j, indicator in enumerate(indicators):
                    row = values[i, j]
                    for m, (period, first) in enumerate(months):
                        lines.append(
                            f"{indicator.pk}\t{unit_ids[i]}\t{period}\t{first}\t{row[m]:.6f}\t{rest}"
                        )
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write("\n".join(lines) + "\n")
            written += len(lines)
        cursor.execute(f"ANALYZE {table}")
    return round_, written


PER_ROW = ("indicator_id", "unit_id", "period", "period_start", "value")


def _value_columns(model, fixed: dict[str, str]) -> tuple[str, str]:
    """COPY's column list (the per-row columns first) and the text of the other columns,
    the same in every row: ``fixed`` values, else each field's default, else NULL. Read
    from the model, so that a column the data app adds later needs no change here."""
    others, texts = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key or f.attname in PER_ROW:
            continue
        if f.attname in fixed:
            text = fixed[f.attname]
        elif f.has_default():
            default = f.get_default()
            text = "\\N" if default is None else str(default)
        elif f.null:
            text = "\\N"
        else:
            raise RuntimeError(f"the benchmark cannot fill {model.__name__}.{f.attname}")
        others.append(f.column)
        texts.append(text)
    return ", ".join([*PER_ROW, *others]), "\t".join(texts)


# --- the steps of a run ----------------------------------------------------------------


def time_all(p: Province, repeat: int, loop_units: int, seed: int) -> dict[str, Any]:
    """(a), (b), (c) and (e), timed round-robin so that their ratios share the machine's
    load: on a shared 2-core machine it drifts from second to second.

    The loop (c) runs on the first ``loop_units`` units and is scaled linearly to all of
    them (ranking sorts n log n, so the scaled figure slightly flatters the loop).
    """
    baseline = make_baseline(p)
    rows, new_rows = changed_units(p, 0.01, seed)
    n, m = len(p.units), min(loop_units, len(p.units))
    sub = Province(
        p.scheme, p.units.subset(range(m)), p.values[:m], p.bonus[:m], p.veto[:m], p.plan, p.lower
    )
    loop_scores, loop_lights = make_loop(sub)
    lists = (sub.values.tolist(), sub.bonus.tolist(), sub.veto, list(sub.units.groups))
    loop_actual = loop_scores(*lists)[0]
    corrections = Corrections(p, rows, new_rows)
    seconds, cold, results = interleaved_medians(
        {
            "engine": lambda: run_engine(p),
            "engine_scores": lambda: evaluate(
                p.scheme, p.units, p.values, bonus=p.bonus, veto=p.veto
            ),
            "baseline": lambda: baseline(p.values),
            "incremental": corrections,
            "loop_scores": lambda: loop_scores(*lists),
            "loop_lights": lambda: loop_lights(loop_actual),
        },
        rounds=5,
        block=repeat,
    )
    full = results["engine"]
    progress(
        f"(a) engine, full evaluation with grades, ranks and lights: {seconds['engine'] * 1e3:.1f} ms"
    )
    matches = bool(np.allclose(results["baseline"], full[0].composite_raw, rtol=0, atol=1e-9))
    progress(f"(b) NumPy baseline: {seconds['baseline'] * 1e3:.1f} ms (same composites: {matches})")
    _, composite, grade, rank = results["loop_scores"]
    lights = results["loop_lights"]
    ref, ref_lights = run_engine(sub)
    loop_matches = bool(
        composite == ref.composite.tolist()
        and grade == ref.grade_index.tolist()
        and rank == ref.rank.tolist()
        and [x[0] for x in lights] == ref_lights.ratio.ravel().tolist()
        and [x[1] for x in lights] == ref_lights.light.ravel().tolist()
    )
    loop_scores_s = seconds["loop_scores"] * n / m
    loop_s = loop_scores_s + seconds["loop_lights"] * n / m
    progress(
        f"(c) Python loop, timed on {m} units and scaled to {n}: {loop_s:.2f} s "
        f"(scores, grades, ranks {loop_scores_s:.2f} s; lights {loop_s - loop_scores_s:.2f} s; "
        f"same results: {loop_matches})"
    )
    same = corrections.identical_to_a_full_run()
    progress(
        f"(e) incremental: {len(rows)} units ({new_rows.size:,} values, "
        f"{new_rows.size / p.values.size:.1%}) re-scored in {seconds['incremental'] * 1e3:.2f} ms "
        f"({cold['incremental'] * 1e3:.2f} ms right after other work evicted the caches; "
        f"identical to a full run: {same})"
    )
    return {
        "engine_ms": round(seconds["engine"] * 1e3, 2),
        "engine_scores_ms": round(seconds["engine_scores"] * 1e3, 2),
        "baseline_ms": round(seconds["baseline"] * 1e3, 2),
        "engine_vs_baseline": round(seconds["engine"] / seconds["baseline"], 2),
        "baseline_matches": matches,
        "loop_s_extrapolated": round(loop_s, 2),
        "loop_units_timed": m,
        "loop_matches": loop_matches,
        "loop_vs_engine": round(loop_s / seconds["engine"], 1),
        "loop_scores_s_extrapolated": round(loop_scores_s, 3),
        "loop_vs_engine_scores_only": round(loop_scores_s / seconds["engine_scores"], 1),
        "incremental_ms": round(seconds["incremental"] * 1e3, 3),
        "incremental_units": len(rows),
        "incremental_values": int(new_rows.size),
        "incremental_vs_full": round(seconds["incremental"] / seconds["engine"], 3),
        "incremental_cold_ms": round(cold["incremental"] * 1e3, 3),
        "incremental_cold_vs_full_cold": round(cold["incremental"] / cold["engine"], 3),
        "incremental_identical": same,
    }


def measure_memory(p: Province, rss_start: float) -> dict[str, Any]:
    """(d) allocations during one engine run, and the process's peak resident set."""
    traced = traced_peak_mb(lambda: run_engine(p))
    peak = max_rss_mb()
    progress(
        f"(d) memory: {traced:.0f} MB allocated at peak during a run; "
        f"process peak RSS {peak:.0f} MB (at start {rss_start:.0f} MB)"
    )
    return {"traced_peak_mb": round(traced, 1), "peak_rss_mb": round(peak, 1)}


def time_scattered(p: Province, repeat: int, seed: int) -> dict[str, Any]:
    """1 % of values at random cells: informational, it touches nearly every unit."""
    rows, new_rows = scattered_changes(p, 0.01, seed)
    corrections = Corrections(p, rows, new_rows)
    seconds, _ = median_seconds(corrections, repeat)
    same = corrections.identical_to_a_full_run()
    progress(
        f"    scattered 1 % of values touch {len(rows)} of {len(p.units)} units: "
        f"{seconds * 1e3:.1f} ms (identical: {same}; informational)"
    )
    return {
        "scattered_units_touched": len(rows),
        "scattered_incremental_ms": round(seconds * 1e3, 2),
        "scattered_identical": same,
    }


def passed(f: dict[str, Any]) -> bool:
    return bool(
        f["engine_vs_baseline"] <= TARGETS["engine_vs_baseline_max"]
        and f["loop_vs_engine"] >= TARGETS["loop_vs_engine_min"]
        and f["peak_rss_mb"] <= TARGETS["peak_mb_max"]
        and f["incremental_vs_full"] <= TARGETS["incremental_vs_full_max"]
        and f["baseline_matches"]
        and f["loop_matches"]
        and f["incremental_identical"]
        and f["scattered_identical"]
        and f.get("db_pass", True)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.engine", description=__doc__)
    parser.add_argument("--units", type=int, default=6000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument(
        "--repeat", type=int, default=9, help="back-to-back runs per figure in each of 5 rounds"
    )
    parser.add_argument("--loop-units", type=int, default=300, help="units timed for the loop")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--db", metavar="DSN", help="also time a database round trip")
    args = parser.parse_args(argv)
    rss_start = max_rss_mb()

    p = build_province(args.units, args.months, args.seed)
    n, k, t = p.values.shape
    progress(f"province: {n} units × {k} indicators × {t} months = {p.values.size:,} values")
    figures: dict[str, Any] = {
        "units": n,
        "indicators": k,
        "months": t,
        "values": int(p.values.size),
    }
    figures["repeat"] = args.repeat
    figures.update(time_all(p, args.repeat, args.loop_units, args.seed + 1))
    figures.update(measure_memory(p, rss_start))
    figures.update(time_scattered(p, args.repeat, args.seed + 2))
    db = (
        database_round_trip(args.db, p, run_engine(p)[0])
        if args.db
        else {"db": "skipped (no --db)"}
    )
    progress(f"database round trip: {db}")
    figures.update(db)
    figures["targets"] = TARGETS
    report({"bench": "engine", "pass": passed(figures), **figures})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
