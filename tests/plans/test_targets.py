"""Targets: floor ≤ target ≤ challenge (reversed when lower is better), refused with the
field named; periods, units and decomposition rules; locked while a plan holds them."""

from decimal import Decimal

import pytest

from govperf.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from govperf.plans import services
from govperf.plans.models import Target
from tests.plans.conftest import set_target


def refused(call, **kwargs) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as exc:
        call(**kwargs)
    return [(d.field, d.message) for d in exc.value.details]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"floor": 7, "target": 6, "challenge": 8}, "floor"),
        ({"floor": 5, "target": 6, "challenge": "5.5"}, "challenge"),
        ({"floor": 9, "challenge": 8}, "challenge"),
    ],
)
def test_higher_is_better_order_is_enforced(org, lib, values, field):
    fields = refused(
        services.create_target,
        actor=org.office,
        indicator=lib.gdp,
        unit=org.edu,
        period="2026",
        **values,
    )
    assert [f for f, _m in fields] == [field]
    assert Target.objects.count() == 0


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"floor": 7, "target": 8, "challenge": 6}, "floor"),
        ({"floor": 10, "target": 8, "challenge": 9}, "challenge"),
        ({"floor": 5, "challenge": 6}, "challenge"),
    ],
)
def test_lower_is_better_order_is_reversed(org, lib, values, field):
    fields = refused(
        services.create_target,
        actor=org.office,
        indicator=lib.time,
        unit=org.edu,
        period="2026",
        **values,
    )
    assert [f for f, _m in fields] == [field]


def test_a_lower_is_better_target_in_order_is_saved(org, lib):
    target = set_target(org, lib.time, org.edu, "2026", 8, floor=10, challenge=6, baseline=11)
    assert (target.floor, target.target, target.challenge) == (Decimal(10), Decimal(8), Decimal(6))


def test_equal_values_are_in_order(org, lib):
    target = set_target(org, lib.gdp, org.edu, "2026", 6, floor=6, challenge=6)
    assert target.target == Decimal(6)


@pytest.mark.parametrize(
    ("field", "value"),
    [("target", "abc"), ("floor", "1e20"), ("challenge", "NaN"), ("baseline", "0.1234567")],
)
def test_numbers_that_do_not_fit_are_refused(org, lib, field, value):
    fields = refused(
        services.create_target,
        actor=org.office,
        indicator=lib.gdp,
        unit=org.edu,
        period="2026",
        **{field: value},
    )
    assert [f for f, _m in fields] == [field]


def test_a_period_finer_than_the_indicator_is_refused(org, lib):
    yearly = lib.gdp.current
    yearly.frequency = "Yearly"
    yearly.save(update_fields=["frequency"])
    fields = refused(
        services.create_target, actor=org.office, indicator=lib.gdp, unit=org.edu, period="2026Q1"
    )
    assert [f for f, _m in fields] == ["period"]


def test_one_target_per_indicator_unit_and_period(org, lib):
    set_target(org, lib.gdp, org.edu, "2026", 6)
    fields = refused(
        services.create_target, actor=org.office, indicator=lib.gdp, unit=org.edu, period="2026"
    )
    assert fields == [("period", "This unit already has a target for this indicator and period.")]


def test_parts_by_time_stay_with_the_unit_and_inside_the_period(org, lib):
    year = set_target(org, lib.renov, org.edu, "2026", 20)
    common = {"actor": org.office, "indicator": lib.renov, "parent": year, "decomposition": "time"}

    assert [
        f for f, _m in refused(services.create_target, unit=org.edu, period="202701", **common)
    ] == ["period"]
    assert [
        f for f, _m in refused(services.create_target, unit=org.health, period="202601", **common)
    ] == ["unit"]
    services.create_target(unit=org.edu, period="202601", target=1, **common)
    # The parts of one target are periods of one type.
    assert [
        f for f, _m in refused(services.create_target, unit=org.edu, period="2026Q2", **common)
    ] == ["period"]


def test_parts_by_level_are_units_below_with_the_same_period(org, lib):
    city = set_target(org, lib.renov, org.city, "2026", 50)
    common = {"actor": org.office, "indicator": lib.renov, "parent": city, "decomposition": "level"}

    assert [
        f for f, _m in refused(services.create_target, unit=org.edu, period="2027", **common)
    ] == ["period"]
    edu = set_target(org, lib.renov, org.edu, "2027", 20)
    outside = {**common, "parent": edu}
    assert [
        f for f, _m in refused(services.create_target, unit=org.health, period="2027", **outside)
    ] == ["unit"]
    assert [
        f
        for f, _m in refused(
            services.create_target,
            **{**common, "decomposition": "content"},
            unit=org.edu,
            period="2026",
        )
    ] == ["decomposition"]


def test_decompose_is_all_or_nothing(org, lib):
    year = set_target(org, lib.renov, org.edu, "2026", 20)
    with pytest.raises(ValidationFailed) as exc:
        services.decompose_target(
            actor=org.office,
            target=year,
            kind="time",
            parts=[{"period": "202601", "target": 1}, {"period": "202613", "target": 1}],
        )
    assert [d.field for d in exc.value.details] == ["parts.1.period"]
    assert Target.objects.filter(parent=year).count() == 0


def test_monthly_milestones_belong_to_the_year_goal(org, lib):
    goal = services.create_goal(
        actor=org.edu_coord,
        owner_unit=org.edu,
        level="unit",
        title="改造",
        start_period="2026",
        indicator=lib.renov,
        target_value=20,
    )
    year = set_target(org, lib.renov, org.edu, "2026", 20, goal=goal)
    [month] = services.decompose_target(
        actor=org.edu_coord, target=year, kind="time", parts=[{"period": "202603", "target": 2}]
    )
    assert month.goal_id == goal.pk


def test_who_may_set_targets(org, lib):
    # The unit for itself and below; the office anywhere; nobody else.
    assert services.create_target(
        actor=org.edu_coord, indicator=lib.gdp, unit=org.edu_s1, period="2026", target=5
    )
    with pytest.raises(Forbidden):
        services.create_target(
            actor=org.edu_staff, indicator=lib.gdp, unit=org.edu_s1, period="2026"
        )
    with pytest.raises(NotFound):
        services.create_target(
            actor=org.edu_leader, indicator=lib.gdp, unit=org.health, period="2026"
        )
    assert Target.objects.count() == 1


def test_a_target_held_by_a_submitted_plan_is_locked(org, lib, cycle, plan):
    services.submit_plan(actor=org.edu_coord, plan=plan)
    target = plan.items.get(target__indicator=lib.gdp).target

    with pytest.raises(Conflict) as exc:
        services.update_target(
            actor=org.edu_coord, target=target, expected_version=None, target_value=7
        )

    assert exc.value.code == "locked"
    target.refresh_from_db()
    assert target.target == Decimal(6)


def test_update_with_a_stale_version_is_a_conflict(org, lib):
    target = set_target(org, lib.gdp, org.edu, "2026", 6)
    services.update_target(actor=org.office, target=target, expected_version=1, target_value=7)
    with pytest.raises(Conflict):
        services.update_target(actor=org.office, target=target, expected_version=1, target_value=8)
    target.refresh_from_db()
    assert (target.target, target.version) == (Decimal(7), 2)


def test_delete_only_what_nothing_uses(org, lib, cycle, plan):
    free = set_target(org, lib.gdp, org.health, "2026", 6)
    services.delete_target(actor=org.office, target=free)
    held = plan.items.first().target
    with pytest.raises(Conflict):
        services.delete_target(actor=org.office, target=held)
    assert (
        not Target.objects.filter(pk=free.pk).exists()
        and Target.objects.filter(pk=held.pk).exists()
    )
