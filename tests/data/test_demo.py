"""The demo city's data (demo step "data"): two years of values through the writer, the
workflow as it happened, 2025 locked, and a planted falsification the screen finds."""

from __future__ import annotations

import time

import pytest

from govperf.audit.verify import verify_chain
from govperf.data.models import (
    CorrectionRequest,
    DataValue,
    DataValueChange,
    EvidenceFile,
    QualityFlag,
    QualityResult,
    QualityRun,
)
from govperf.demo import data_city, indicator_library, plan_city
from govperf.demo.organisation import load_organisation

pytestmark = pytest.mark.slow


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_demo_data(db, media):
    out = []
    load_organisation(out.append)
    indicator_library.load(out.append)
    plan_city.load(out.append)
    start = time.perf_counter()
    data_city.load(out.append)
    elapsed = time.perf_counter() - start
    assert elapsed < 30, elapsed
    the_planted_falsification_is_found_and_nothing_else_is_flagged_for_it()
    values_cover_two_years_by_frequency()
    the_workflow_happened()
    slips_and_contradictions_are_found()
    assert verify_chain().ok


def the_planted_falsification_is_found_and_nothing_else_is_flagged_for_it():
    run = QualityRun.objects.get()
    assert (run.period, run.status, run.progress_done) == ("2026", "done", run.progress_total)
    results = {r.unit.code: r for r in QualityResult.objects.filter(run=run).select_related("unit")}
    falsifier = results[data_city.FALSIFIER]
    assert falsifier.benford_flagged
    assert falsifier.benford_n >= 100 and falsifier.benford_p < 1e-10
    assert falsifier.benford_conformity == "nonconformity"
    assert falsifier.smooth_series >= 2
    assert falsifier.score == min(r.score for r in results.values())
    others = [r for code, r in results.items() if code != data_city.FALSIFIER]
    assert [r.unit.code for r in others if r.benford_flagged or r.smooth_series] == []
    flags = set(
        QualityFlag.objects.filter(run=run, unit__code=data_city.FALSIFIER).values_list(
            "kind", flat=True
        )
    )
    assert {"benford", "smooth"} <= flags


def values_cover_two_years_by_frequency():
    months = set(
        DataValue.objects.filter(indicator__current__frequency="Monthly").values_list(
            "period", flat=True
        )
    )
    assert months == {f"2025{m:02d}" for m in range(1, 13)} | {f"2026{m:02d}" for m in range(1, 11)}
    quarters = set(
        DataValue.objects.filter(indicator__current__frequency="Quarterly").values_list(
            "period", flat=True
        )
    )
    assert quarters == {"2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3"}
    # Every indicator of the library has its values: the plans' for their units, the rest
    # kept by the collecting unit's office. Each monthly input from January 2025 to October
    # 2026 (to September where only the unit that has not entered October reports it).
    from django.db.models import Count, Max, Min

    from govperf.indicators.models import Indicator

    active = Indicator.objects.filter(is_active=True, current__isnull=False)
    assert list(active.exclude(pk__in=DataValue.objects.values("indicator_id"))) == []
    monthly = list(
        DataValue.objects.filter(
            indicator__current__frequency="Monthly", indicator__current__formula=""
        )
        .values("indicator_id")
        .annotate(n=Count("period", distinct=True), first=Min("period"), last=Max("period"))
    )
    assert len(monthly) == active.filter(current__frequency="Monthly", current__formula="").count()
    assert {(r["first"], r["n"], r["last"]) for r in monthly} <= {
        ("202501", 22, "202610"),
        ("202501", 21, "202609"),
    }
    sources = set(DataValue.objects.values_list("source", flat=True))
    assert sources == {"form", "api", "import", "formula"}
    # Formula indicators are computed from their inputs, never entered.
    assert (
        DataValue.objects.filter(indicator__current__formula__gt="")
        .exclude(source="formula")
        .count()
        == 0
    )
    assert DataValue.objects.filter(source="formula").count() > 100


def the_workflow_happened():
    statuses = dict(
        DataValue.objects.filter(period__startswith="2025")
        .values_list("status")
        .distinct()
        .values_list("status", "status")
    )
    assert set(statuses) == {"locked"}
    before_october = DataValue.objects.filter(
        period_start__year=2026, period_start__month__lt=10
    ).exclude(period__in=["2026", "2026Q4"])
    assert set(before_october.values_list("status", flat=True)) == {"approved"}
    october = set(DataValue.objects.filter(period="202610").values_list("unit__code", "status"))
    assert (
        ("cgj", "draft") in october
        and ("jyj", "submitted") in october
        and ("czj", "approved") in october
    )
    assert not DataValue.objects.filter(period="202610", unit__code="yjglj").exists()
    assert CorrectionRequest.objects.filter(status="pending").count() == 1
    assert CorrectionRequest.objects.filter(status="approved").count() == 1
    assert EvidenceFile.objects.count() == 1
    # Submissions are dated as they happened: some late, most on time.
    late = QualityFlag.objects.filter(kind="late").values_list("unit__code", flat=True)
    assert {"nyncj", "whlyj"} <= set(late)
    assert (
        DataValueChange.objects.filter(new_status="approved", old_status="submitted").count() > 1000
    )


def slips_and_contradictions_are_found():
    outliers = QualityFlag.objects.filter(kind="outlier").values_list("unit__code", flat=True)
    assert len(outliers) >= 3
    contradictions = QualityFlag.objects.filter(kind="contradiction")
    assert contradictions.count() == 3
    assert all(f.reason.startswith("The connector delivered") for f in contradictions)
