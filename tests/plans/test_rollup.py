"""Roll-up checks: parts by time (sum / mean / last), by level and by content add up to
the whole, and a mismatch says where and by how much."""

import json
from decimal import Decimal

from govperf.plans import selectors, services
from govperf.plans.models import Target
from tests.helpers import signed_in
from tests.plans.conftest import set_target, split

MONTHS = [f"2026{m:02d}" for m in range(1, 13)]


def issues_of(target):
    return [i.as_dict() for i in selectors.target_issues(Target.objects.get(pk=target.pk))]


# --- by time -------------------------------------------------------------------------------


def test_monthly_milestones_of_a_sum_indicator_add_up_to_the_year(org, lib):
    year = set_target(org, lib.renov, org.edu, "2026", 20)
    split(org, year, "time", zip(MONTHS, [0, 0, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3], strict=True))

    assert issues_of(year) == []
    running = [row["cumulative"] for row in selectors.children_by_time(year)]
    assert running == [Decimal(v) for v in (0, 0, 1, 2, 4, 6, 8, 10, 12, 14, 17, 20)]


def test_a_sum_that_falls_short_shows_the_difference(org, lib):
    year = set_target(org, lib.renov, org.edu, "2026", 20)
    split(org, year, "time", zip(MONTHS, [1] * 12, strict=True))

    [issue] = issues_of(year)
    assert (issue["kind"], issue["rule"], issue["expected"], issue["actual"]) == (
        "time",
        "sum",
        Decimal(20),
        Decimal(12),
    )
    assert issue["difference"] == Decimal(-8)
    assert issue["missing_periods"] == []
    assert "12" in issue["message"] and "-8" in issue["message"]


def test_missing_months_are_named(org, lib):
    year = set_target(org, lib.renov, org.edu, "2026", 20)
    split(org, year, "time", zip(MONTHS[:10], [2] * 10, strict=True))

    [issue] = issues_of(year)
    assert issue["missing_periods"] == ["202611", "202612"]
    assert issue["actual"] == Decimal(20) and issue["difference"] == Decimal(0)


def test_quarters_of_a_mean_indicator_average_to_the_year(org, lib):
    year = set_target(org, lib.enrol, org.edu, "2026", 96)
    split(org, year, "time", [("2026Q1", 95), ("2026Q2", 96), ("2026Q3", 97), ("2026Q4", 96)])
    assert issues_of(year) == []

    other = set_target(org, lib.enrol, org.health, "2026", 96)
    split(org, other, "time", [(f"2026Q{q}", 95) for q in range(1, 5)])
    [issue] = issues_of(other)
    assert (issue["rule"], issue["actual"], issue["difference"]) == (
        "mean",
        Decimal(95),
        Decimal(-1),
    )


def test_a_last_value_indicator_takes_the_last_period(org, lib):
    year = set_target(org, lib.gdp, org.edu, "2026", 6)
    split(org, year, "time", [("2026Q1", "5.5"), ("2026Q2", "5.8"), ("2026Q4", 6)])
    # Q3 is missing, but only the last quarter counts for a last value.
    assert issues_of(year) == []

    other = set_target(org, lib.gdp, org.health, "2026", 6)
    split(org, other, "time", [("2026Q1", 5), ("2026Q2", "5.9")])
    [issue] = issues_of(other)
    assert (issue["rule"], issue["missing_periods"], issue["actual"]) == (
        "last",
        ["2026Q4"],
        Decimal("5.9"),
    )


# --- by level --------------------------------------------------------------------------------


def test_unit_targets_add_up_to_the_city_target(org, lib):
    city = set_target(org, lib.renov, org.city, "2026", 50)
    split(org, city, "level", [(org.edu, 20), (org.health, 30)])
    assert issues_of(city) == []

    other = set_target(org, lib.renov, org.city, "2027", 50)
    split(org, other, "level", [(org.edu, 20), (org.health, 25)])
    [issue] = issues_of(other)
    assert (issue["kind"], issue["rule"], issue["difference"]) == ("level", "sum", Decimal(-5))


def test_a_rate_averages_across_units(org, lib):
    # 地区生产总值增长率 is a last-value indicator in %: across units it averages, not adds.
    city = set_target(org, lib.gdp, org.city, "2026", 6)
    split(org, city, "level", [(org.edu, 6), (org.health, 6)])
    assert issues_of(city) == []

    other = set_target(org, lib.gdp, org.city, "2027", 6)
    split(org, other, "level", [(org.edu, 6), (org.health, 7)])
    [issue] = issues_of(other)
    assert (issue["rule"], issue["actual"], issue["difference"]) == (
        "mean",
        Decimal("6.5"),
        Decimal("0.5"),
    )


# --- goals -------------------------------------------------------------------------------------


def renovation_goal(org, lib, **extra):
    return services.create_goal(
        actor=org.office,
        owner_unit=org.edu,
        level="unit",
        title="三年完成50个老旧小区改造",
        start_period="2026",
        end_period="2028",
        indicator=lib.renov,
        target_value=Decimal(50),
        unit_of_measure="个",
        **extra,
    )


def test_a_three_year_goal_is_20_15_15(org, lib):
    goal = renovation_goal(org, lib)
    services.decompose_goal_by_time(
        actor=org.edu_coord,
        goal=goal,
        parts=[{"period": y, "target": v} for y, v in (("2026", 20), ("2027", 15), ("2028", 15))],
    )

    assert selectors.goal_issues(goal) == []
    timeline = selectors.goal_targets_by_time(goal, list(goal.targets.all()))
    assert [(r["target"].period, r["cumulative"]) for r in timeline] == [
        ("2026", Decimal(20)),
        ("2027", Decimal(35)),
        ("2028", Decimal(50)),
    ]


def test_a_goal_missing_a_year_shows_the_gap(org, lib):
    goal = renovation_goal(org, lib)
    services.decompose_goal_by_time(
        actor=org.edu_coord,
        goal=goal,
        parts=[{"period": y, "target": v} for y, v in (("2026", 20), ("2027", 15))],
    )

    [issue] = [i.as_dict() for i in selectors.goal_issues(goal)]
    assert (issue["kind"], issue["missing_periods"], issue["actual"], issue["difference"]) == (
        "targets",
        ["2028"],
        Decimal(35),
        Decimal(-15),
    )


def test_unit_goals_by_level_add_up_to_the_strategic_goal(org, lib):
    strategic = services.create_goal(
        actor=org.office,
        owner_unit=org.city,
        level="strategic",
        title="人居环境",
        start_period="2026",
        end_period="2028",
        indicator=lib.renov,
        target_value=50,
    )
    for unit, value in ((org.edu, 20), (org.health, 25)):
        services.create_goal(
            actor=org.office,
            owner_unit=unit,
            level="unit",
            parent=strategic,
            decomposition="level",
            title=f"{unit.name}改造",
            start_period="2026",
            end_period="2028",
            indicator=lib.renov,
            target_value=value,
        )

    [issue] = [i.as_dict() for i in selectors.goal_issues(strategic)]
    assert (issue["kind"], issue["expected"], issue["actual"], issue["difference"]) == (
        "level",
        Decimal(50),
        Decimal(45),
        Decimal(-5),
    )


def test_content_sub_goals_need_a_completion_standard_and_same_measure_parts_add_up(org, lib):
    goal = renovation_goal(org, lib)
    standards = {"基础设施": "水电气管道达到国家标准", "公共设施": "", "环境整治": "绿化增加"}
    for title, standard in standards.items():
        services.create_goal(
            actor=org.edu_coord,
            owner_unit=org.edu,
            level="unit",
            parent=goal,
            decomposition="content",
            title=title,
            start_period="2026",
            end_period="2028",
            completion_standard=standard,
            target_value=50,
            unit_of_measure="个小区",  # another measure than the goal's indicator: not added up
        )
    by_content = [i.as_dict() for i in selectors.goal_issues(goal)]
    assert [(i["kind"], i["message"]) for i in by_content] == [
        ("content", "A sub-goal by content needs its own completion standard.")
    ]

    other = renovation_goal(org, lib, deadline=None)
    for value in (30, 30):
        services.create_goal(
            actor=org.edu_coord,
            owner_unit=org.edu,
            level="unit",
            parent=other,
            decomposition="content",
            title="分片",
            start_period="2026",
            end_period="2028",
            completion_standard="通过验收",
            indicator=lib.renov,
            target_value=value,
        )
    [issue] = [i.as_dict() for i in selectors.goal_issues(other)]
    assert (issue["kind"], issue["difference"]) == ("content", Decimal(10))


# --- where it shows -------------------------------------------------------------------------------


def test_the_api_reports_the_mismatch_where_it_occurs(org, lib, cycle):
    year = set_target(org, lib.renov, org.edu, "2026", 20)
    split(org, year, "time", zip(MONTHS, [1] * 12, strict=True))
    client = signed_in(org.edu_leader)

    own = json.loads(client.get(f"/api/v1/targets/{year.pk}/rollup").content)
    every = json.loads(client.get("/api/v1/cycles/2026/rollup").content)
    timeline = json.loads(client.get(f"/api/v1/targets/{year.pk}/timeline").content)

    assert [
        (i["node"], i["node_id"], i["expected"], i["actual"], i["difference"]) for i in own
    ] == [("target", year.pk, "20", "12", "-8")]
    assert every == own
    assert [r["cumulative"] for r in timeline][-3:] == ["10", "11", "12"]


def test_the_target_page_shows_the_mismatch(org, lib, cycle):
    year = set_target(org, lib.renov, org.edu, "2026", 20)
    split(org, year, "time", zip(MONTHS, [1] * 12, strict=True))

    page = signed_in(org.edu_leader).get(f"/plans/targets/{year.pk}/").content.decode()

    assert 'data-testid="target-issues"' in page
    assert "-8" in page
