"""Results end to end on the small world of conftest, against numbers worked out by hand.

goal (60): ENR higher-better against each unit's plan target, WAIT lower-better against
10, OPEN by the experts' rubric scores:
  edu    ENR 110 ÷ 100 → 1 × 50 = 50;   WAIT 8 ≤ 10 → 30;            OPEN 0.9 × 20 = 18 → 98
  health ENR 90 ÷ 100 = 0.9 × 50 = 45;  WAIT 1 − (12 − 10) ÷ 10 = 0.8 × 30 = 24; 0.7 × 20 = 14 → 83
  county ENR 96 ÷ 120 = 0.8 × 50 = 40;  WAIT 1 − (15 − 10) ÷ 10 = 0.5 × 30 = 15; 1.0 × 20 = 20 → 75
social (30), trimmed mean dropping the highest and lowest imported score:
  edu (90 + 85 + 88) ÷ 3 = 87.6667; health 82; county 75
leader (10), the mean of the superiors' scores: edu 92, health 85, county 78
bonus (创新创优, capped at 3): edu 2, county 5 → 3
composite:
  edu    98 × 0.6 + 87.6667 × 0.3 + 92 × 0.1 + 2 = 58.8 + 26.3 + 9.2 + 2 = 96.30  优秀, 1st of social
  health 83 × 0.6 + 82 × 0.3 + 85 × 0.1     = 49.8 + 24.6 + 8.5     = 82.90  良好, 2nd of social
  county 75 × 0.6 + 75 × 0.3 + 78 × 0.1 + 3 = 45 + 22.5 + 7.8 + 3   = 78.30  合格, 1st of counties
"""

from decimal import Decimal

import pytest

from govperf.evaluation.models import ComputeJob, IndicatorResult, ResultSet, UnitResult
from tests.evaluation.conftest import compute


@pytest.fixture
def scored(world):
    round_ = world.open_round()
    world.score_everything(round_)
    return round_


def test_it_computes_the_hand_worked_results(world, scored):
    job = compute(world, scored)

    assert job.status == ComputeJob.Status.DONE, job.details
    rs = job.result_set
    assert rs.number == 1 and rs.status == ResultSet.Status.DRAFT
    rows = {r.unit.code: r for r in UnitResult.objects.filter(result_set=rs).select_related("unit")}
    assert {c: (r.composite, r.grade, r.rank, r.group) for c, r in rows.items()} == {
        "edu": (Decimal("96.3"), "优秀", 1, "social"),
        "health": (Decimal("82.9"), "良好", 2, "social"),
        "county": (Decimal("78.3"), "合格", 1, "counties"),
    }
    assert rows["edu"].components == {"goal": 98.0, "social": 87.67, "leader": 92.0}
    assert rows["health"].components == {"goal": 83.0, "social": 82.0, "leader": 85.0}
    assert rows["county"].components == {"goal": 75.0, "social": 75.0, "leader": 78.0}
    assert rows["county"].bonus == Decimal(3)
    assert rs.summary["grades"] == {"优秀": 1, "良好": 1, "合格": 1, "不合格": 0}


def test_indicator_rows_keep_value_rule_pct_and_points(world, scored):
    rs = compute(world, scored).result_set
    rows = {
        (r.unit.code, r.code): r
        for r in IndicatorResult.objects.filter(result_set=rs).select_related("unit")
    }
    assert len(rows) == 9
    edu_enr = rows[("edu", "ENR")]
    # The draft December is left out: 11 approved months of 10.
    assert (edu_enr.value, edu_enr.pct, edu_enr.points) == (Decimal(110), Decimal(1), Decimal(50))
    assert edu_enr.rule == {"kind": "higher_better", "target": 100.0}
    county_enr = rows[("county", "ENR")]
    assert (county_enr.value, county_enr.pct, county_enr.points) == (
        Decimal(96),
        Decimal("0.8"),
        Decimal(40),
    )
    assert county_enr.rule == {"kind": "higher_better", "target": 120.0}
    health_wait = rows[("health", "WAIT")]
    # The disaggregated value of 100 is left out: the mean of 12 twelve times.
    assert (health_wait.value, health_wait.pct, health_wait.points) == (
        Decimal(12),
        Decimal("0.8"),
        Decimal(24),
    )
    health_open = rows[("health", "OPEN")]
    assert (health_open.level, health_open.value, health_open.points) == (
        "部分达成",
        Decimal("0.7"),
        Decimal(14),
    )


def test_breakdown_traces_every_point_with_the_units_own_target(world, scored):
    rs = compute(world, scored).result_set
    county = UnitResult.objects.get(result_set=rs, unit=world.org.county)
    enr = county.breakdown["indicators"]["ENR"]
    assert enr["value"] == 96.0
    assert enr["rule"] == {"kind": "higher_better", "target": 120.0}
    assert enr["text"]["zh"] == "越高越好：96 ÷ 目标值 120 = 0.8；0.8 × 权重 50 = 40"
    assert county.breakdown["composite"]["bonus_capped"] is True
    assert county.breakdown["components"]["social"]["kept"] == [75.0]
    assert county.breakdown["grade"]["name"] == "合格"
    # People read labels, not codes: the components' and the comparable group's names.
    composite = county.breakdown["composite"]["text"]["zh"]
    assert (
        composite.startswith("目标考核 ") and "社会评价 " in composite and "领导考评 " in composite
    )
    assert county.breakdown["rank"]["text"]["zh"].startswith("区县共 ")
