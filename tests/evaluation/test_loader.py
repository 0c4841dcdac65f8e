"""The loader reads a round's inputs in bulk: its queries do not grow with the units, a
panel may be fed by an indicator's data, and worker processes explain exactly what the
engine explains inline."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from govperf.engine.scoring import evaluate
from govperf.evaluation import conf, explaining, loader, services
from govperf.evaluation.models import UnitResult
from tests.evaluation.conftest import SCHEME, World, compute, make_indicator, value
from tests.helpers import make_unit


def load(world, round_):
    spec = services.round_spec(round_)
    return loader.load_round(round_, spec, statuses=conf.value_statuses())


def queries(world, round_) -> int:
    with CaptureQueriesContext(connection) as captured:
        load(world, round_)
    return len(captured.captured_queries)


def test_queries_do_not_grow_with_the_units(world):
    small = world.open_round()
    world.score_everything(small)
    before = queries(world, small)
    from govperf.plans.models import Target

    more = [make_unit(f"dept{i}", "department", world.org.city) for i in range(6)]
    for unit in more:
        Target.objects.create(
            indicator=world.enr,
            indicator_version=world.enr.current,
            unit=unit,
            period="2025",
            target=100,
        )
        for m in range(1, 13):
            value(world.enr, unit, f"2025{m:02d}", 9)
            value(world.wait, unit, f"2025{m:02d}", 9)
    big = services.open_round(
        actor=world.office,
        cycle=world.cycle,
        period="2025",
        scheme_version=small.scheme_version,
        units=[*world.units, *more],
        deadline=dt.date(2026, 1, 31),
        seed=1,
    )
    assert queries(world, big) == before


def test_a_panel_fed_by_an_indicators_data(world):
    satisfaction = make_indicator("SAT", "群众满意度", frequency="Quarterly", aggregation="mean")
    for unit, scores in ((world.org.edu, [88, 90, 92, 94]), (world.org.health, [80, 80, 84, 84])):
        for q, score in enumerate(scores, start=1):
            value(satisfaction, unit, f"2025Q{q}", score)
    definition = json.loads(json.dumps(SCHEME))
    definition["components"][1] = {
        "code": "social",
        "label": "社会评价",
        "weight": 30,
        "panel": {"aggregate": "mean"},
        "source": "indicator",
        "indicator": "SAT",
    }
    world.units = [world.org.edu, world.org.health]
    round_ = world.open_round(definition)
    loaded = load(world, round_)
    # The quarterly mean of each unit's satisfaction rate is its one social score.
    assert loaded.panels["social"] == [[91.0], [82.0]]


def test_worker_processes_explain_what_the_engine_explains_inline(world):
    round_ = world.open_round()
    world.score_everything(round_)
    loaded = load(world, round_)
    spec = loaded.spec
    result = evaluate(
        spec.engine,
        loaded.units,
        loaded.values,
        panels=loaded.panels,
        bonus=loaded.bonus,
        veto=loaded.veto,
        levels=loaded.levels,
    )
    plan = loaded.plan_columns()
    inline = explaining.explain_all(result, plan)
    parallel = explaining.explain_all(result, plan, workers=2, parallel_from=1, chunk=2)
    assert parallel == inline
    assert json.loads(inline[2])["indicators"]["ENR"]["text"]["zh"].startswith(
        "越高越好：96 ÷ 目标值 120"
    )


def test_a_computation_keeps_its_timings_and_labels(world):
    round_ = world.open_round()
    world.score_everything(round_)
    rs = compute(world, round_).result_set
    assert set(rs.summary["timings"]) == {"load_s", "score_s", "explain_and_store_s"}
    assert rs.summary["labels"]["ENR"] == "在校生数" and rs.summary["labels"]["goal"] == "目标考核"
    assert rs.summary["values_read"] == 11 + 12 + 12 + 36
    assert UnitResult.objects.filter(result_set=rs).count() == 3


@pytest.fixture
def two_cycles(world):
    """A published 2024 round of the same scheme, before the 2025 one."""
    from govperf.data.models import DataValue
    from govperf.plans.models import Cycle, Target

    DataValue.objects.filter(period__startswith="2024").delete()
    cycle = Cycle.objects.create(
        code="2024", name="2024年度", period="2024", start_date="2024-01-01", end_date="2024-12-31"
    )
    for unit in world.units:
        Target.objects.create(
            indicator=world.enr,
            indicator_version=world.enr.current,
            unit=unit,
            period="2024",
            target=100,
        )
        for m in range(1, 13):
            value(world.enr, unit, f"2024{m:02d}", 5)
            value(world.wait, unit, f"2024{m:02d}", 10)
    return cycle


def test_the_unit_page_compares_with_the_last_cycle(world, two_cycles):
    from govperf.evaluation import selectors

    earlier = world.open_round()
    earlier.period, earlier.cycle = "2024", two_cycles
    earlier.save(update_fields=["period", "cycle"])
    World.score_everything(world, earlier)
    old = compute(world, earlier).result_set
    services.review_results(actor=world.office, result_set=old)
    services.publish_results(actor=world.office, result_set=old)
    later = services.open_round(
        actor=world.office,
        cycle=world.cycle,
        period="2025",
        scheme_version=earlier.scheme_version,
        units=world.units,
        deadline=dt.date(2026, 1, 31),
        seed=7,
    )
    world.score_everything(later)
    new = compute(world, later).result_set
    last = selectors.last_cycle(new, world.org.edu)
    assert last is not None and last.result_set == old
    # 2024: ENR 60 ÷ 100 → 0.6 × 50 = 30; WAIT 10 → 30; OPEN 18: goal 78;
    # 78 × 0.6 + 87.6667 × 0.3 + 9.2 + 2 = 46.8 + 26.3 + 9.2 + 2 = 84.3.
    assert float(last.composite) == 84.3
