"""The demo city's goals and plans (demo step "plans"), loaded through the services."""

from decimal import Decimal

import pytest

from govperf.demo import plan_city
from govperf.demo.loader import load_demo
from govperf.demo.organisation import DEPARTMENTS, load_organisation
from govperf.engine.periods import Period
from govperf.orgs.models import Person
from govperf.plans import checker, selectors
from govperf.plans.models import Cycle, Goal, Plan, PlanComment, Target

pytestmark = pytest.mark.slow


def test_the_demo_city(db):
    """One load of the demo (it takes seconds), every check on it."""
    load_demo(lambda line: None)
    every_department_has_an_approved_plan_in_execution()
    targets_are_in_order_and_decompositions_add_up()
    old_community_renovation_is_20_15_15_with_monthly_milestones()
    strategic_goals_cover_the_four_dimensions()
    a_county_draft_is_open_for_public_comment()


def every_department_has_an_approved_plan_in_execution():
    plans = {p.unit.code: p for p in Plan.objects.select_related("unit", "cycle")}
    departments = {code for code, *_rest in DEPARTMENTS}
    assert departments <= set(plans)
    assert {c.code: c.status for c in Cycle.objects.all()} == {"2026": "active", "2025": "closed"}
    for code in departments:
        plan = plans[code]
        items = list(plan.items.all())
        assert plan.cycle.code == "2026"
        assert plan.status == ("revision_requested" if code == "swj" else "in_execution"), code
        assert 5 <= len(items) <= 12, code
        assert sum(i.weight for i in items) == Decimal(100), code
        assert 3 <= sum(i.is_core for i in items) <= 5, code
        assert plan.approved_snapshot is not None
        assert [f.code for f in checker.check_plan(plan) if f.blocking] == [], code
    assert plans["fgw"].round == 2


def targets_are_in_order_and_decompositions_add_up():
    for target in Target.objects.select_related("indicator_version"):
        direction = target.indicator_version.direction
        values = [target.floor, target.target, target.challenge]
        known = [v for v in values if v is not None]
        if direction == "higher":
            assert known == sorted(known), target
        elif direction == "lower":
            assert known == sorted(known, reverse=True), target
    office = Person.objects.get(username="office")
    assert selectors.rollup_issues(office, selectors.current_cycle()) == []
    assert checker.check_cycle(selectors.current_cycle()) == []


def old_community_renovation_is_20_15_15_with_monthly_milestones():
    goal = Goal.objects.get(title="三年完成50个老旧小区改造")
    assert (goal.owner_unit.code, goal.target_value, goal.start_period, goal.end_period) == (
        "zjj",
        Decimal(50),
        "2026",
        "2028",
    )
    years = list(
        goal.targets.filter(parent__isnull=True, unit=goal.owner_unit, indicator=goal.indicator)
        .order_by("period")
        .values_list("period", "target")
    )
    assert years == [("2026", Decimal(20)), ("2027", Decimal(15)), ("2028", Decimal(15))]
    first = goal.targets.get(period="2026", unit=goal.owner_unit, indicator=goal.indicator)
    months = sorted(
        first.children.filter(decomposition="time"), key=lambda t: Period.parse(t.period)
    )
    assert [m.period for m in months] == [f"2026{m:02d}" for m in range(1, 13)]
    assert sum(m.target for m in months) == Decimal(20)
    content = goal.children.filter(decomposition="content").order_by("sort_order")
    assert [c.title.split("：")[0] for c in content] == [
        "基础设施改造",
        "公共服务设施完善",
        "环境整治",
    ]
    assert all(c.completion_standard for c in content)
    levels = {g.level for g in Goal.objects.filter(owner_unit__code__startswith="zjj")}
    assert {"unit", "section", "post"} <= levels
    assert selectors.goal_issues(goal) == []


def strategic_goals_cover_the_four_dimensions():
    strategic = Goal.objects.filter(level="strategic").select_related("dimension")
    assert sorted(g.dimension.code for g in strategic) == [
        "economy",
        "environment",
        "government",
        "society",
    ]


def a_county_draft_is_open_for_public_comment():
    plan = Plan.objects.get(unit__code="dongcheng")
    assert plan.status == "draft" and plan.comments_open() and plan.comment_public
    assert sorted(plan.comments.values_list("source", "status")) == [
        ("public", "pending"),
        ("public", "published"),
        ("staff", "published"),
    ]
    answered = PlanComment.objects.get(plan=plan, answer__gt="")
    assert (answered.adopted, bool(answered.not_adopted_reason)) == (False, True)


def test_an_empty_library_creates_nothing(db):
    load_organisation(lambda line: None)
    said = []
    plan_city.load(said.append)
    assert said == ["demo: goals and plans — the indicator library is empty; nothing created"]
    assert (Cycle.objects.count(), Goal.objects.count(), Plan.objects.count()) == (0, 0, 0)
