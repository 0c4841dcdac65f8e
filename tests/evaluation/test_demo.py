"""The demo city's evaluations (demo step "evaluation"), loaded through the services."""

import time

import pytest

from govperf.demo.loader import STEPS
from govperf.evaluation.models import Appeal, ResultSet, Round, Scheme, ScoringTask
from govperf.orgs.models import Unit

pytestmark = pytest.mark.slow


def test_the_demo_citys_evaluations(db):
    times = {}
    for name, step in STEPS:
        start = time.perf_counter()
        step(lambda line: None)
        times[name] = time.perf_counter() - start
    assert times["evaluation"] < 20

    assert set(Scheme.objects.values_list("code", flat=True)) >= {
        "hangzhou-3plus1",
        "tcity-multi-subject",
        "budget-project",
    }
    last, current = Round.objects.order_by("period")
    assert (last.period, last.status, current.period, current.status) == (
        "2025",
        "closed",
        "2026",
        "open",
    )

    rs = last.result_sets.get()
    assert rs.status == ResultSet.Status.PUBLISHED
    # Every department of the city (whatever the organisation step creates) is evaluated.
    departments = Unit.objects.filter(kind="department", parent__code="city").count()
    assert departments >= 20
    assert rs.units.count() == departments
    vetoed = rs.units.get(unit__code="yjglj")
    assert vetoed.grade == "不合格" and vetoed.veto
    # At most 20 % 优秀 (the quota) and every unit explained down to its values.
    assert rs.units.filter(grade="优秀").count() <= departments // 5
    assert all(u.breakdown["indicators"] for u in rs.units.all())
    assert rs.indicators.count() == departments * 5
    assert rs.units.get(unit__code="sthjj").bonus == 3  # 4 points asked, capped at 3

    appeals = {a.unit.code: a.status for a in Appeal.objects.select_related("unit")}
    assert appeals == {"jyj": Appeal.Status.REJECTED, "wjw": Appeal.Status.FILED}

    tasks = current.tasks.values_list("status", flat=True)
    assert tasks.filter(status=ScoringTask.Status.SUBMITTED).count() == 13
    assert tasks.filter(status=ScoringTask.Status.PENDING).count() == len(tasks) - 13
