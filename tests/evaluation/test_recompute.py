"""Recomputation: a data correction after publication makes a new version with a diff; a
computation that fails part-way leaves the published version as it was."""

from decimal import Decimal

import pytest

from govperf.data.models import DataValue
from govperf.evaluation import services
from govperf.evaluation.models import ComputeJob, IndicatorResult, ResultSet, UnitResult
from tests.evaluation.conftest import compute


def snapshot(rs):
    return (
        list(
            UnitResult.objects.filter(result_set=rs)
            .order_by("pk")
            .values_list("unit_id", "composite", "grade", "rank")
        ),
        IndicatorResult.objects.filter(result_set=rs).count(),
    )


def test_a_corrected_value_makes_a_new_version_with_a_diff(world, published):
    # The county's waiting time was wrongly reported: every month 11, not 15.
    DataValue.objects.filter(indicator=world.wait, unit=world.org.county).update(value=Decimal(11))
    job = compute(world, published.round, reason="数据更正：东城区平均等候时间")
    new = job.result_set
    assert (new.number, new.status, new.previous_id, new.reason) == (
        2,
        ResultSet.Status.DRAFT,
        published.pk,
        "数据更正：东城区平均等候时间",
    )
    # WAIT 1 − (11 − 10) ÷ 10 = 0.9 × 30 = 27, goal 40 + 27 + 20 = 87:
    # 87 × 0.6 + 75 × 0.3 + 7.8 + 3 = 52.2 + 22.5 + 7.8 + 3 = 85.5 → 良好.
    assert new.diff == [
        {
            "unit_id": world.org.county.pk,
            "unit": "county",
            "composite_before": 78.3,
            "composite_after": 85.5,
            "grade_before": "合格",
            "grade_after": "良好",
            "rank_before": 1,
            "rank_after": 1,
        }
    ]
    published.refresh_from_db()
    assert published.status == ResultSet.Status.PUBLISHED


def test_an_interrupted_recomputation_leaves_the_published_version_intact(world, published):
    before = snapshot(published)
    DataValue.objects.filter(indicator=world.wait, unit=world.org.county).update(value=Decimal(11))
    job = services.start_computation(actor=world.office, round_=published.round, enqueue=False)
    calls = []

    def interrupt(done, total):
        calls.append((done, total))
        raise RuntimeError("the worker was stopped")

    finished = services.run_computation(job.pk, progress=interrupt)

    assert calls == [(9, 12)]  # stopped right after the indicator rows were written
    assert finished.status == ComputeJob.Status.FAILED
    assert finished.error == "An unexpected error stopped the computation; it has been logged."
    assert list(
        ResultSet.objects.filter(round=published.round).values_list("number", "status")
    ) == [(1, "published")]
    assert snapshot(published) == before
    assert UnitResult.objects.count() == 3 and IndicatorResult.objects.count() == 9


def test_missing_inputs_fail_the_job_naming_unit_and_field(world):
    round_ = world.open_round()
    job = compute(world, round_)
    assert job.status == ComputeJob.Status.FAILED
    assert job.error == "The engine refused the round's inputs."
    # Nothing is scored or imported yet: the engine names each missing value.
    assert [d["field"] for d in job.details] == [
        "values.edu.social", "values.health.social", "values.county.social",
        "values.edu.leader", "values.health.leader", "values.county.leader",
        "values.edu.OPEN", "values.health.OPEN", "values.county.OPEN",
    ]  # fmt: skip
    assert not ResultSet.objects.exists()


def test_a_missing_plan_target_is_named(world):
    from govperf.plans.models import Target

    Target.objects.filter(unit=world.org.health).delete()
    round_ = world.open_round()
    world.score_everything(round_)
    job = compute(world, round_)
    assert job.status == ComputeJob.Status.FAILED
    assert job.details == [
        {
            "field": "targets.health.ENR.target",
            "message": "Unit health has no target for ENR in its plan target.",
        }
    ]


def test_only_one_computation_at_a_time(world):
    round_ = world.open_round()
    services.start_computation(actor=world.office, round_=round_, enqueue=False)
    from govperf.core.errors import Conflict

    with pytest.raises(Conflict):
        services.start_computation(actor=world.office, round_=round_, enqueue=False)
    assert ComputeJob.objects.count() == 1
