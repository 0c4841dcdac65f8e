"""Plans and their items through the services: who may change them, and when."""

from decimal import Decimal

import pytest

from govperf.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from govperf.plans import services
from govperf.plans.models import Plan, PlanItem, Target
from tests.plans.conftest import set_target


def items(plan):
    return list(
        plan.items.order_by("sort_order").values_list(
            "target__indicator__code", "weight", "is_core"
        )
    )


def test_create_one_plan_per_unit_and_cycle(org, cycle):
    services.create_plan(actor=org.edu_coord, unit=org.edu, cycle=cycle)
    with pytest.raises(ValidationFailed) as exc:
        services.create_plan(actor=org.edu_leader, unit=org.edu, cycle=cycle)
    assert [d.field for d in exc.value.details] == ["unit"]


def test_no_plan_in_a_closed_cycle(org):
    closed = services.create_cycle(
        actor=org.office, code="2025", name="2025年度", period="2025", status="closed"
    )
    with pytest.raises(ValidationFailed) as exc:
        services.create_plan(actor=org.edu_coord, unit=org.edu, cycle=closed)
    assert [d.field for d in exc.value.details] == ["cycle"]


def test_who_may_start_a_plan(org, cycle):
    for person, error in (
        (org.edu_staff, NotFound),
        (org.office, Forbidden),
        (org.health_leader, NotFound),
    ):
        with pytest.raises(error):
            services.create_plan(actor=person, unit=org.edu, cycle=cycle)
    assert Plan.objects.count() == 0


def test_add_an_indicator_creates_its_target(org, lib, cycle):
    plan = services.create_plan(actor=org.edu_coord, unit=org.edu, cycle=cycle)
    item = services.add_indicator(
        actor=org.edu_coord,
        plan=plan,
        indicator=lib.gdp,
        weight=30,
        is_core=True,
        target=6,
        floor=5,
    )
    assert (item.target.unit_id, item.target.period, item.target.target, item.weight) == (
        org.edu.pk,
        "2026",
        Decimal(6),
        Decimal(30),
    )
    # The same indicator again: refused, the target is already in the plan.
    with pytest.raises(ValidationFailed) as exc:
        services.add_indicator(actor=org.edu_coord, plan=plan, indicator=lib.gdp)
    assert [d.field for d in exc.value.details] == ["target"]


def test_a_target_of_another_unit_or_outside_the_cycle_is_refused(org, lib, cycle):
    plan = services.create_plan(actor=org.edu_coord, unit=org.edu, cycle=cycle)
    others = set_target(org, lib.gdp, org.health, "2026", 6)
    later = set_target(org, lib.gdp, org.edu, "2027", 6)
    for target in (others, later):
        with pytest.raises(ValidationFailed) as exc:
            services.add_item(actor=org.edu_coord, plan=plan, target=target)
        assert [d.field for d in exc.value.details] == ["target"]
    assert plan.items.count() == 0


@pytest.mark.parametrize("weight", ["-1", "100.5", "abc"])
def test_a_weight_lies_between_0_and_100(org, plan, weight):
    item = plan.items.order_by("sort_order").first()
    with pytest.raises(ValidationFailed) as exc:
        services.update_item(actor=org.edu_coord, item=item, expected_version=None, weight=weight)
    assert [d.field for d in exc.value.details] == ["weight"]
    item.refresh_from_db()
    assert item.weight == Decimal(25)


def test_a_row_saves_weight_flag_and_target_values_together(org, plan):
    item = plan.items.order_by("sort_order").first()
    saved = services.update_item(
        actor=org.edu_coord,
        item=item,
        expected_version=1,
        weight="22.5",
        is_core=False,
        floor="5.2",
        target_value="6.5",
        challenge="7",
    )
    target = Target.objects.get(pk=item.target_id)
    assert (saved.weight, saved.is_core, saved.version) == (Decimal("22.5"), False, 2)
    assert (target.floor, target.target, target.challenge, target.version) == (
        Decimal("5.2"),
        Decimal("6.5"),
        Decimal(7),
        2,
    )


def test_a_row_with_values_out_of_order_changes_nothing(org, plan):
    item = plan.items.order_by("sort_order").first()
    with pytest.raises(ValidationFailed) as exc:
        services.update_item(actor=org.edu_coord, item=item, expected_version=1, weight=30, floor=8)
    assert [d.field for d in exc.value.details] == ["floor"]
    item.refresh_from_db()
    assert (item.weight, item.version, item.target.floor) == (Decimal(25), 1, Decimal(5))


def test_a_stale_row_is_a_conflict(org, plan):
    item = plan.items.order_by("sort_order").first()
    services.update_item(actor=org.edu_coord, item=item, expected_version=1, weight=30)
    with pytest.raises(Conflict):
        services.update_item(actor=org.edu_leader, item=item, expected_version=1, weight=35)
    item.refresh_from_db()
    assert item.weight == Decimal(30)


def test_items_change_only_while_the_plan_is_editable(org, lib, plan):
    services.submit_plan(actor=org.edu_coord, plan=plan)
    item = plan.items.order_by("sort_order").first()
    before = items(plan)
    with pytest.raises(Conflict):
        services.update_item(actor=org.edu_coord, item=item, expected_version=None, weight=30)
    with pytest.raises(Conflict):
        services.remove_item(actor=org.edu_coord, item=item)
    with pytest.raises(Conflict):
        services.add_indicator(actor=org.edu_coord, plan=plan, indicator=lib.invest)
    with pytest.raises(Conflict):
        services.update_plan(actor=org.edu_coord, plan=plan, expected_version=None, measures="改")
    assert items(plan) == before


def test_outsiders_change_nothing(org, plan):
    item = plan.items.order_by("sort_order").first()
    before = items(plan)
    for person, error in (
        (org.office, Forbidden),
        (org.edu_staff, NotFound),
        (org.leader, Forbidden),
        (org.health_leader, NotFound),
    ):
        with pytest.raises(error):
            services.update_item(actor=person, item=item, expected_version=None, weight=1)
        with pytest.raises(error):
            services.remove_item(actor=person, item=item)
    assert items(plan) == before
    assert PlanItem.objects.count() == 6


def test_remove_keeps_the_target_for_later(org, plan):
    item = plan.items.order_by("sort_order").first()
    services.remove_item(actor=org.edu_coord, item=item)
    assert Target.objects.filter(pk=item.target_id).exists()
    assert plan.items.count() == 5
