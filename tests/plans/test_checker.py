"""The plan checker: each finding of the C3 list on a plan that is otherwise clean, and the
office's choice of which findings block, which warn and which are off."""

from decimal import Decimal

import pytest

from govperf.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from govperf.indicators.models import Taxonomy
from govperf.plans import checker, services
from govperf.plans.models import CheckerSetting, Plan
from tests.plans.conftest import ready_plan, set_target


def found(plan) -> list[tuple[str, str, str | None, str | None]]:
    return [
        (f.code, f.severity, f.field, f.indicator)
        for f in checker.check_plan(Plan.objects.get(pk=plan.pk))
    ]


def item(plan, code):
    return plan.items.select_related("target__indicator_version").get(target__indicator__code=code)


def edit(org, plan, code, **changes):
    services.update_item(
        actor=org.edu_coord, item=item(plan, code), expected_version=None, **changes
    )


def test_a_clean_plan_has_no_findings(plan):
    assert found(plan) == []


def test_no_target_value_blocks(org, plan):
    edit(org, plan, "GDP", target_value=None)
    [finding] = checker.check_plan(plan)
    assert (finding.code, finding.severity, finding.field, finding.item_id) == (
        "smart_no_number",
        "block",
        "target",
        item(plan, "GDP").pk,
    )


def test_a_qualitative_item_needs_a_rubric_or_a_value(org, plan):
    edit(org, plan, "OPEN", target_value=None)
    assert found(plan) == [("smart_no_number", "block", "target", "OPEN")]


def test_no_deadline(org, lib, plan):
    edit(org, plan, "EDU", deadline=None)
    assert found(plan) == [("smart_no_deadline", "warn", "deadline", "EDU")]


def test_a_goal_deadline_counts_as_the_deadline(org, lib, plan):
    goal = services.create_goal(
        actor=org.edu_coord,
        owner_unit=org.edu,
        level="unit",
        title="教育目标",
        start_period="2026",
        deadline=plan.cycle.end_date,
    )
    edit(org, plan, "EDU", deadline=None)
    target = item(plan, "EDU").target
    type(target).objects.filter(pk=target.pk).update(goal=goal)
    assert found(plan) == []


def test_no_data_source(lib, plan):
    version = lib.enrol.current
    version.data_source = ""
    version.save(update_fields=["data_source"])
    assert found(plan) == [("smart_no_data_source", "warn", "data_source", "EDU")]


@pytest.mark.parametrize(("cores", "count"), [(2, 2), (6, 6)])
def test_core_kpis_outside_three_to_five_block(org, plan, cores, count):
    for i, it in enumerate(plan.items.order_by("sort_order")):
        services.update_item(actor=org.edu_coord, item=it, expected_version=None, is_core=i < cores)
    [finding] = checker.check_plan(plan)
    assert (finding.code, finding.severity, finding.field) == ("core_kpi_count", "block", "is_core")
    assert finding.message == f"{count} core KPIs; a plan has 3 to 5."


def test_only_quantitative_indicators(org, plan):
    services.remove_item(actor=org.edu_coord, item=item(plan, "OPEN"))
    edit(org, plan, "GDP", weight=35)
    assert found(plan) == [("kind_mix", "warn", "kind", None)]


def test_no_long_term_indicator_beside_annual_ones(org, plan):
    services.remove_item(actor=org.edu_coord, item=item(plan, "AIR"))
    codes = [c for c, *_rest in found(plan)]
    assert "no_long_term" in codes


def test_an_empty_dimension_is_named(org, plan):
    services.remove_item(actor=org.edu_coord, item=item(plan, "AIR"))
    [finding] = [f for f in checker.check_plan(plan) if f.code == "dimension_empty"]
    assert (finding.message, finding.field) == (
        "No indicator in the dimension 生态环境.",
        "dimension",
    )


def test_the_dimension_taxonomy_is_found_by_its_economic_category(org, lib, plan):
    Taxonomy.objects.filter(pk=lib.taxonomy.pk).update(code="four-dimensions")
    services.remove_item(actor=org.edu_coord, item=item(plan, "TIME"))
    # OPEN is in 政府自身建设 too: the dimension stays covered.
    assert [f for f in checker.check_plan(plan) if f.code == "dimension_empty"] == []
    services.remove_item(actor=org.edu_coord, item=item(plan, "OPEN"))
    assert [f.message for f in checker.check_plan(plan) if f.code == "dimension_empty"] == [
        "No indicator in the dimension 政府自身建设."
    ]


def test_economic_indicators_outweighing_the_rest(org, plan):
    edit(org, plan, "GDP", weight=55)
    edit(org, plan, "EDU", weight=0)
    edit(org, plan, "OPEN", weight=0)
    edit(org, plan, "TIME", weight=0)
    [finding] = [f for f in checker.check_plan(plan) if f.code == "economic_overweight"]
    assert finding.message == "Economic indicators carry 61.1% of the weight, more than 50%."


def test_no_caliber_and_a_rate_without_formula(org, lib, plan):
    version = lib.enrol.current
    version.caliber = ""
    version.save(update_fields=["caliber"])
    assert found(plan) == [("unclear_caliber", "warn", "caliber", "EDU")]

    gdp = lib.gdp.current
    gdp.formula = ""
    gdp.save(update_fields=["formula"])
    services.update_checker_setting(
        actor=org.office, code="unclear_caliber", mode="warn", params={"rates_need_formula": True}
    )
    assert found(plan) == [
        ("unclear_caliber", "warn", "formula", "GDP"),
        ("unclear_caliber", "warn", "caliber", "EDU"),
    ]


def test_the_same_indicator_in_another_units_plan(org, lib, cycle, plan):
    other = services.create_plan(actor=org.health_leader, unit=org.health, cycle=cycle)
    services.add_indicator(actor=org.health_leader, plan=other, indicator=lib.gdp, target=6)

    [finding] = [f for f in checker.check_plan(plan) if f.code == "duplicate_work"]
    assert (finding.field, finding.indicator, finding.message) == (
        "indicator",
        "GDP",
        "地区生产总值增长率 is also in the plan of 卫健委.",
    )


def test_targets_decomposed_from_one_city_target_are_shared_work(org, lib, cycle):
    city = set_target(org, lib.renov, org.city, "2026", 50)
    services.decompose_target(
        actor=org.office,
        target=city,
        kind="level",
        parts=[{"unit": org.edu, "target": 20}, {"unit": org.health, "target": 30}],
    )
    mine = ready_plan(org, lib, cycle)  # finds and uses 教育局's decomposed target
    other = services.create_plan(actor=org.health_leader, unit=org.health, cycle=cycle)
    services.add_indicator(actor=org.health_leader, plan=other, indicator=lib.renov)
    assert [f for f in checker.check_plan(mine) if f.code == "duplicate_work"] == []


def test_a_unit_goal_that_no_item_covers(org, lib, plan):
    goal = services.create_goal(
        actor=org.edu_coord, owner_unit=org.edu, level="unit", title="双减落实", start_period="2026"
    )
    [finding] = [f for f in checker.check_plan(plan) if f.code == "goal_gap"]
    assert finding.message == "The goal “双减落实” of this unit has no item in the plan."
    sub = services.create_goal(
        actor=org.edu_coord,
        owner_unit=org.edu,
        level="unit",
        parent=goal,
        decomposition="content",
        title="作业总量",
        start_period="2026",
        completion_standard="书面作业不超过60分钟",
    )
    target = item(plan, "EDU").target
    type(target).objects.filter(pk=target.pk).update(goal=sub)
    assert [f for f in checker.check_plan(plan) if f.code == "goal_gap"] == []


def test_a_strategic_goal_no_plan_covers(org, lib, cycle, plan):
    services.create_goal(
        actor=org.office,
        owner_unit=org.city,
        level="strategic",
        title="营商环境",
        start_period="2026",
    )
    assert [(f.code, f.message) for f in checker.check_cycle(cycle)] == [
        ("goal_gap", "No unit plan covers the strategic goal “营商环境”.")
    ]


def test_a_target_below_last_years(org, lib, plan):
    set_target(org, lib.gdp, org.edu, "2025", 7)
    set_target(org, lib.time, org.edu, "2025", 7)  # lower is better: 8 is worse than 7
    assert [(c, f, i) for c, _s, f, i in found(plan)] == [
        ("below_last_year", "target", "GDP"),
        ("below_last_year", "target", "TIME"),
    ]
    assert checker.last_year_actual(lib.gdp, org.edu, "2026") is None


def test_a_target_beyond_plausible_growth(org, lib, plan):
    set_target(org, lib.renov, org.edu, "2025", 10)  # 20 is +100 %
    [finding] = checker.check_plan(plan)
    assert (finding.code, finding.message) == (
        "implausible_growth",
        "老旧小区改造完成数: the target 20 is beyond any plausible change from last year's target (10).",
    )
    services.update_checker_setting(
        actor=org.office, code="implausible_growth", mode="warn", params={"max_growth_percent": 100}
    )
    assert checker.check_plan(plan) == []


def test_an_adopted_indicator_without_a_local_caliber(org, lib, cycle):
    plan = ready_plan(org, lib, cycle)
    services.add_indicator(
        actor=org.edu_coord, plan=plan, indicator=lib.copied, target=80, deadline=cycle.end_date
    )
    assert [(c, f) for c, _s, f, i in found(plan) if i == "COPY"] == [
        ("unclear_caliber", "caliber"),
        ("copied_no_local_caliber", "caliber"),
    ]


# --- the office's settings ---------------------------------------------------------------------


def test_a_finding_switched_off_is_not_shown(org, plan):
    edit(org, plan, "EDU", deadline=None)
    services.update_checker_setting(actor=org.office, code="smart_no_deadline", mode="off")
    assert found(plan) == []


def test_a_warning_made_blocking_refuses_submission(org, plan):
    edit(org, plan, "EDU", deadline=None)
    services.update_checker_setting(actor=org.office, code="smart_no_deadline", mode="block")
    with pytest.raises(ValidationFailed) as exc:
        services.submit_plan(actor=org.edu_coord, plan=plan)
    assert [(d.field, d.value) for d in exc.value.details] == [("deadline", "EDU")]


def test_only_the_office_configures_the_checker(org):
    for person in (org.edu_leader, org.leader, org.admin):
        with pytest.raises(Forbidden):
            services.update_checker_setting(actor=person, code="kind_mix", mode="off")
    assert not CheckerSetting.objects.exists()


@pytest.mark.parametrize(
    ("code", "mode", "params", "field"),
    [
        ("kind_mix", "sometimes", None, "mode"),
        ("core_kpi_count", "block", {"min": 6, "max": 5}, "params.min"),
        ("core_kpi_count", "block", {"max": "five"}, "params.max"),
        ("core_kpi_count", "block", {"maximum": 5}, "params.maximum"),
    ],
)
def test_bad_settings_are_refused(org, code, mode, params, field):
    with pytest.raises(ValidationFailed) as exc:
        services.update_checker_setting(actor=org.office, code=code, mode=mode, params=params)
    assert field in [d.field for d in exc.value.details]
    assert not CheckerSetting.objects.exists()


def test_unknown_rule_and_stale_version(org):
    with pytest.raises(NotFound):
        services.update_checker_setting(actor=org.office, code="nope", mode="off")
    services.update_checker_setting(
        actor=org.office, code="kind_mix", mode="off", expected_version=0
    )
    with pytest.raises(Conflict):
        services.update_checker_setting(
            actor=org.office, code="kind_mix", mode="warn", expected_version=0
        )
    assert checker.settings()["kind_mix"].mode == "off"


def test_params_change_the_rule(org, plan):
    services.update_checker_setting(
        actor=org.office, code="core_kpi_count", mode="block", params={"min": 1, "max": 3}
    )
    [finding] = checker.check_plan(plan)
    assert finding.message == "5 core KPIs; a plan has 1 to 3."
    assert checker.settings()["core_kpi_count"].params == {"min": 1, "max": 3}
    assert Decimal(checker.settings()["economic_overweight"].params["max_share"]) == 50
