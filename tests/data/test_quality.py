"""The data-quality screen: the statistics on their own, then the screen over stored values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from govperf.data import quality, services, statistics
from govperf.data.models import DataValue, QualityFlag, QualityRun, ValidationRule
from govperf.data.writer import SystemActor, write_batch
from govperf.engine.periods import Period
from tests.data.conftest import batch, make_indicator

# --- the statistics ------------------------------------------------------------------------------


def test_modified_z_by_hand():
    # median 10, MAD = median(0, 1, 1, 0, 40) = 1: 0.6745 × 40 = 26.98.
    assert statistics.modified_z([10, 11, 9, 10, 50]).round(2).tolist() == [
        0.0,
        0.67,
        -0.67,
        0.0,
        26.98,
    ]
    # MAD 0: the mean absolute deviation 0.8 × 1.253314 stands in: 4 / 1.00265 = 3.99.
    assert statistics.modified_z([5, 5, 5, 5, 9]).round(2).tolist() == [0.0, 0.0, 0.0, 0.0, 3.99]
    assert statistics.modified_z([7, 7, 7]).tolist() == [0.0, 0.0, 0.0]
    # A floor on the spread: a change of one in whole counts is no outlier.
    assert statistics.modified_z([5, 5, 5, 5, 6], min_scale=0.5).round(2).tolist() == [
        0.0,
        0.0,
        0.0,
        0.0,
        1.35,
    ]
    assert np.isnan(statistics.modified_z([1.0, np.nan, 3.0])[1])


def test_a_mad_outlier_is_above_three_and_a_half():
    rng = np.random.default_rng(7)
    values = rng.normal(100, 2, 40)
    values[17] = 130
    z = statistics.modified_z(values)
    assert np.flatnonzero(np.abs(z) > statistics.OUTLIER_THRESHOLD).tolist() == [17]


def test_first_digits():
    assert statistics.first_digits([123.0, 0.045, -9.9, 0.0, 1000.0, 999.999]).tolist() == [
        1,
        4,
        9,
        1,
        9,
    ]


def test_benford_conforming_sample_passes_and_a_fraud_sample_fails():
    rng = np.random.default_rng(2026)
    # Quantities spread over orders of magnitude (log-uniform) follow Benford's law.
    honest = statistics.benford_first_digit(10 ** rng.uniform(1, 6, 1000))
    assert honest.applicable and not honest.flagged()
    assert honest.p_value > 0.05
    assert honest.conformity in ("close", "acceptable")
    # Invented figures: "plausible" mid-range numbers, first digits 4–8.
    fraud = statistics.benford_first_digit(rng.uniform(400, 899, 300))
    assert fraud.flagged() and fraud.p_value < 1e-20
    assert fraud.conformity == "nonconformity"
    assert fraud.observed[:3] == [0, 0, 0]
    assert sum(fraud.observed) == fraud.n == 300


def test_benford_needs_a_hundred_values():
    small = statistics.benford_first_digit(np.arange(1, 100, dtype=float))
    assert (small.n, small.applicable, small.p_value, small.flagged()) == (99, False, None, False)


def test_benford_chi_square_by_hand():
    observed = np.array([30, 18, 12, 10, 8, 7, 6, 5, 4])
    values = np.concatenate([np.full(c, d * 10 + 1.0) for d, c in enumerate(observed, start=1)])
    result = statistics.benford_first_digit(values)
    expected = statistics.BENFORD * 100
    assert result.chi2 == pytest.approx(float(((observed - expected) ** 2 / expected).sum()))
    assert result.mad == pytest.approx(float(np.abs(observed / 100 - statistics.BENFORD).mean()))


def test_smoothness():
    assert statistics.smoothness([100 * 1.02**t for t in range(12)]) == pytest.approx(
        0.0, abs=1e-12
    )
    rng = np.random.default_rng(1)
    noisy = 100 * np.exp(rng.normal(0, 0.05, 24))
    assert statistics.smoothness(noisy) > statistics.SMOOTH_MAX_SD
    assert statistics.smoothness([1, 2, 3]) is None
    assert statistics.smoothness([0] + [1] * 12) is None


def test_quality_score_by_hand():
    perfect = dict(rule_share=0, outlier_share=0, contradiction_share=0, pattern_flags=0)
    assert statistics.quality_score(completeness=1, timeliness=1, **perfect) == 100.0
    assert statistics.quality_score(completeness=None, timeliness=None, **perfect) == 100.0
    # 100 × (0.3 × 0.8 + 0.2 × 0.5 + 0.2 × 0.9 + 0.15 × 0.8 + 0.15 × 1) − 20 = 79 − 20.
    assert (
        statistics.quality_score(
            completeness=0.8,
            timeliness=0.5,
            rule_share=0.1,
            outlier_share=0.2,
            contradiction_share=0,
            pattern_flags=3,
        )
        == 59.0
    )


# --- the screen over stored values ------------------------------------------------------------------


def at(day: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(day + "T10:00"))


def write(org, items, **kw):
    result = write_batch(
        batch(items, **kw.pop("extra", {})),
        actor=kw.pop("actor", org.edu_coord),
        source=kw.pop("source", "form"),
    )
    assert result.ok, result.errors
    return result


def screen(period="2026", today="2026-05-20", due_days=10):
    return quality.Screen(period, due_days=due_days, today=dt.date.fromisoformat(today))


def figures(org, lib, s):
    targets = s.targets([org.edu.pk])[org.edu.pk]
    return s.unit(org.edu.pk, targets)


def test_completeness_and_timeliness(org, lib):
    write(
        org,
        [(lib.enr, org.edu, f"2026{m:02d}", "90") for m in (1, 2, 3, 4)]
        + [(lib.cap, org.edu, f"2026{m:02d}", "120") for m in (1, 2, 3)],
    )
    submitted = {"202601": "2026-02-05", "202602": "2026-03-20", "202603": "2026-04-10"}
    for period, day in submitted.items():
        DataValue.objects.filter(period=period).update(status="submitted", submitted_at=at(day))
    result = figures(org, lib, screen())
    # Due by 20 May: January–April of the four monthly indicators (yearly ones are not due).
    assert result.expected == 16
    # ENR 4, CAP 3, RATE and USE computed for the three months with both inputs.
    assert result.present == 13
    assert result.completeness == pytest.approx(13 / 16)
    # Timed: ENR and CAP (formula values are not timed); missing ones count as not on time.
    # On time: January's two and March's two (submitted on the due date); February late;
    # April's ENR not submitted; April's CAP missing.
    assert (result.on_time, result.late, result.missing_timed) == (4, 3, 1)
    assert result.timeliness == pytest.approx(4 / 8)
    kinds = sorted((f.kind, f.indicator_id == lib.enr.pk, f.period) for f in result.flags)
    assert kinds.count(("missing", False, "202604")) == 3  # CAP, RATE, USE
    late = [f for f in result.flags if f.kind == "late"]
    assert sorted(f.period for f in late) == ["202602", "202602", "202604"]
    feb = next(f for f in late if f.period == "202602")
    assert feb.reason == "Submitted on 2026-03-20, after the due date 2026-03-10 (10 days late)."


def test_a_target_deadline_inside_the_period_moves_the_due_date(org, lib):
    target = lib.targets["SCORE"]
    target.deadline = dt.date(2026, 6, 30)
    target.save(update_fields=["deadline"])
    s = screen(today="2026-07-20")
    # The yearly SCORE is due 10 days after its target's deadline, not after the year.
    assert s.due(Period.parse("2026"), target.deadline) == dt.date(2026, 7, 10)
    result = figures(org, lib, s)
    assert any(f.kind == "missing" and f.indicator_id == lib.score.pk for f in result.flags)


def test_rule_violations_are_counted_and_flagged(org, lib):
    write(org, [(lib.enr, org.edu, "202603", "900")])
    ValidationRule.objects.create(
        code="enr-max", name="上限", kind="range", indicator=lib.enr, params={"max": "500"}
    )
    result = figures(org, lib, screen())
    rules = [f for f in result.flags if f.kind == "rule"]
    assert result.violations == 1
    assert [(f.period, f.reason) for f in rules] == [
        ("202603", "Above the maximum 500 (rule enr-max)")
    ]


def _series(month_factors, level=1000):
    season = [0.8, 0.75, 1.0, 1.0, 1.05, 1.1, 0.95, 0.95, 1.0, 1.05, 1.1, 1.3]
    out = []
    for i, period in enumerate(month_factors):
        p = Period.parse(period)
        out.append(
            (
                period,
                round(
                    level
                    * season[p.number - 1]
                    * (1.05 if p.year == 2026 else 1)
                    * (1 + 0.01 * (i % 3))
                ),
            )
        )
    return out


def test_a_typing_slip_is_an_outlier_but_the_season_is_not(org, lib):
    periods = [f"2025{m:02d}" for m in range(1, 13)] + [f"2026{m:02d}" for m in range(1, 10)]
    values = dict(_series(periods))
    values["202605"] *= 10  # a digit typed twice
    write(org, [(lib.enr, org.edu, p, str(v)) for p, v in values.items()])
    result = figures(org, lib, screen(today="2026-11-25"))
    outliers = [f for f in result.flags if f.kind == "outlier"]
    assert [(f.period, f.value.value) for f in outliers] == [("202605", Decimal(values["202605"]))]
    assert result.outliers == 1
    assert outliers[0].details["method"] == "yoy"


def test_small_counts_are_compared_by_difference(org, lib):
    counts = [0, 1, 1, 2, 2, 1, 2, 2, 1, 1, 2, 3]
    items = [(lib.enr, org.edu, f"2025{m:02d}", str(c)) for m, c in enumerate(counts, start=1)]
    items += [
        (lib.enr, org.edu, f"2026{m:02d}", str(c + 1)) for m, c in enumerate(counts[:10], start=1)
    ]
    write(org, items)
    result = figures(org, lib, screen(today="2026-11-25"))
    assert [f for f in result.flags if f.kind == "outlier"] == []


def test_benford_on_a_units_counts(org, lib):
    rng = np.random.default_rng(11)
    categories = [f"c{i}" for i in range(10)]
    periods = [f"2026{m:02d}" for m in range(1, 13)]
    honest = [
        (lib.cap, org.edu, p, f"{10 ** rng.uniform(1, 5):.0f}")
        for p in periods
        for _c in categories
    ]
    write(org, honest, extra={"categories": [c for _p in periods for c in categories]})
    result = figures(org, lib, screen(today="2027-01-20"))
    assert (result.benford.n, result.benford.flagged()) == (120, False)
    assert not [f for f in result.flags if f.kind == "benford"]

    made_up = [
        (lib.cap, org.health, p, f"{rng.uniform(500, 899):.0f}")
        for p in periods
        for _c in categories
    ]
    write(
        org,
        made_up,
        actor=org.health_leader,
        extra={"categories": [c for _p in periods for c in categories]},
    )
    health = screen(today="2027-01-20").unit(org.health.pk, [])
    assert health.benford.flagged()
    flag = next(f for f in health.flags if f.kind == "benford")
    assert flag.reason.startswith(
        "The first digits of 120 counts and amounts depart from Benford's law"
    )
    assert health.score == pytest.approx(
        statistics.quality_score(
            completeness=None,
            timeliness=None,
            rule_share=0,
            outlier_share=0,
            contradiction_share=0,
            pattern_flags=1,
        )
    )


def test_rates_and_formula_values_are_not_benford_material(org, lib):
    pct = make_indicator("PCT", aggregation="last", unit_of_measure="%")
    write(org, [(pct, org.edu, f"2026{m:02d}", "95.5") for m in range(1, 13)])
    result = figures(org, lib, screen(today="2027-01-20"))
    assert result.benford.n == 0


def test_implausibly_smooth_growth_is_flagged(org, lib):
    periods = [f"2025{m:02d}" for m in range(1, 13)] + [f"2026{m:02d}" for m in range(1, 10)]
    write(org, [(lib.enr, org.edu, p, f"{5400 * 1.012**n:.2f}") for n, p in enumerate(periods)])
    result = figures(org, lib, screen(today="2026-11-25"))
    smooth = [f for f in result.flags if f.kind == "smooth"]
    assert result.smooth_series == 1
    assert smooth[0].reason.startswith("Changes by 1.20% every month with almost no variation")


def test_a_value_another_source_delivered_differently_is_a_contradiction(org, lib):
    connector = SystemActor("connector:test")
    write(
        org,
        [(lib.enr, org.edu, "202603", "100"), (lib.cap, org.edu, "202603", "200")],
        actor=connector,
        source="connector",
    )
    write(org, [(lib.enr, org.edu, "202603", "120"), (lib.cap, org.edu, "202603", "200.5")])
    result = figures(org, lib, screen())
    found = [f for f in result.flags if f.kind == "contradiction"]
    # CAP differs by 0.25%: within the tolerance, the same figure.
    assert [(f.indicator_id, f.period) for f in found] == [(lib.enr.pk, "202603")]
    assert found[0].reason.startswith("The connector delivered 100 on ")
    assert found[0].reason.endswith("; the value is now 120 from the form.")
    assert result.contradictions == 1


def test_a_stored_formula_value_that_its_formula_no_longer_gives_is_a_contradiction(org, lib):
    write(org, [(lib.enr, org.edu, "202603", "90"), (lib.cap, org.edu, "202603", "120")])
    # The formula was redefined since (a new version), so the stored 75 is stale.
    version = lib.rate.current
    version.formula = "#{ENR} / #{CAP} * 1000"
    version.save(update_fields=["formula"])
    result = figures(org, lib, screen())
    found = [f for f in result.flags if f.kind == "contradiction" and f.indicator_id == lib.rate.pk]
    assert [f.reason for f in found] == ["Stored as 75, but its formula RATE gives 750."]


def test_a_run_screens_units_with_a_plan_or_values_and_reports_progress(
    org, lib, django_capture_on_commit_callbacks
):
    write(org, [(lib.enr, org.edu, "202603", "90")])
    write(org, [(lib.enr, org.health, "202603", "5")], actor=org.health_leader)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.start_quality_run(actor=org.office, period="2026", due_days=10)
    run.refresh_from_db()
    assert (run.status, run.progress_done, run.progress_total, run.percent) == ("done", 2, 2, 100)
    assert sorted(run.results.values_list("unit__code", flat=True)) == ["edu", "health"]
    assert QualityFlag.objects.filter(run=run, unit=org.edu, kind="missing").exists()
    # Running it again does nothing: the run is claimed once.
    assert quality.execute(run.pk).status == "done"
    assert run.results.count() == 2


def test_only_the_office_screens_every_unit(org, lib):
    from govperf.core.errors import Forbidden

    with pytest.raises(Forbidden):
        services.start_quality_run(actor=org.edu_leader, period="2026")
    assert QualityRun.objects.count() == 0


def test_a_failed_run_says_why(org, lib):
    run = QualityRun.objects.create(period="2026", params={"due_days": "x"})
    run = quality.execute(run.pk)
    assert run.status == "failed" and "invalid literal" in run.error
