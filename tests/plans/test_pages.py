"""The plans pages, as the office, a unit's leader and coordinator, and staff see them."""

import datetime as dt
import json
import re
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from govperf.plans import checker, services
from govperf.plans.models import Cycle, Goal, Plan, PlanComment, Target
from tests.helpers import signed_in
from tests.plans.conftest import set_target


def html(response) -> str:
    return response.content.decode()


def test_plan_list_per_role(org, lib, cycle, plan):
    health = services.create_plan(actor=org.health_leader, unit=org.health, cycle=cycle)
    office = html(signed_in(org.office).get("/plans/"))
    leader = html(signed_in(org.edu_leader).get("/plans/?cycle=2026"))
    staff = signed_in(org.edu_staff).get("/plans/")

    assert f"/plans/{plan.pk}/" in office and f"/plans/{health.pk}/" in office
    assert f"/plans/{plan.pk}/" in leader and f"/plans/{health.pk}/" not in leader
    assert staff.status_code == 200 and f"/plans/{plan.pk}/" not in html(staff)
    assert signed_in(org.admin).get("/plans/").status_code == 403


def test_the_list_costs_the_same_queries_for_more_plans(org, lib, cycle, plan):
    client = signed_in(org.office)
    client.get("/plans/")  # warm the session and the policy
    with CaptureQueriesContext(connection) as one:
        client.get("/plans/")
    for unit in (org.health, org.county, org.county_edu):
        Plan.objects.create(unit=unit, cycle=cycle)
    with CaptureQueriesContext(connection) as four:
        page = html(client.get("/plans/"))
    assert [u for u in ("教育局", "卫健委", "东城区", "东城区教育局") if u in page] == [
        "教育局",
        "卫健委",
        "东城区",
        "东城区教育局",
    ]
    assert len(four) == len(one)


def test_the_goal_tree_costs_the_same_queries_for_more_goals(org, lib, cycle):
    top = services.create_goal(
        actor=org.office, owner_unit=org.city, level="strategic", title="民生", start_period="2026"
    )
    client = signed_in(org.office)
    client.get("/plans/goals/")
    with CaptureQueriesContext(connection) as few:
        client.get("/plans/goals/")
    for unit in (org.edu, org.health, org.county):
        services.create_goal(
            actor=org.office,
            owner_unit=unit,
            level="unit",
            parent=top,
            decomposition="level",
            title=f"{unit.name}目标",
            start_period="2026",
            indicator=lib.renov,
            target_value=10,
        )
    with CaptureQueriesContext(connection) as more:
        client.get("/plans/goals/")
    assert len(more) == len(few)


def test_the_list_flags_many_rounds_and_cycle_gaps(org, lib, cycle, plan):
    Plan.objects.filter(pk=plan.pk).update(round=3)
    services.create_goal(
        actor=org.office,
        owner_unit=org.city,
        level="strategic",
        title="营商环境",
        start_period="2026",
    )
    page = html(signed_in(org.office).get("/plans/"))
    assert "many rounds" in page
    assert 'data-testid="cycle-gaps"' in page and "营商环境" in page


def test_plan_page_per_role(org, plan):
    office = html(signed_in(org.office).get(f"/plans/{plan.pk}/"))
    coord = html(signed_in(org.edu_coord).get(f"/plans/{plan.pk}/"))
    assert 'data-testid="review-link"' in office and 'data-testid="edit-link"' not in office
    assert 'data-testid="edit-link"' in coord and 'data-testid="act-submit"' in coord
    assert 'data-testid="plan-findings"' in coord and "地区生产总值增长率" in coord
    assert signed_in(org.edu_staff).get(f"/plans/{plan.pk}/").status_code == 404
    assert signed_in(org.health_leader).get(f"/plans/{plan.pk}/").status_code == 404
    assert signed_in(org.edu_leader).get(f"/plans/{plan.pk}/review/").status_code == 403


def test_staff_read_a_plan_open_for_comment_and_comment(org, plan):
    services.open_comments(
        actor=org.office, plan=plan, until=timezone.now() + dt.timedelta(days=3), public=False
    )
    client = signed_in(org.edu_staff)
    page = html(client.get(f"/plans/{plan.pk}/"))
    assert 'data-testid="staff-comment-form"' in page

    response = client.post(f"/plans/{plan.pk}/comments/", {"body": "建议补充学前教育指标"})

    assert response.status_code == 302
    assert list(PlanComment.objects.values_list("source", "status", "author__username")) == [
        ("staff", "published", "edu_staff")
    ]


def test_submit_refused_shows_the_reasons_on_the_page(org, plan):
    client = signed_in(org.edu_coord)
    item = plan.items.order_by("sort_order").first()
    services.update_item(actor=org.edu_coord, item=item, expected_version=None, weight=20)

    response = client.post(
        f"/plans/{plan.pk}/act/submit/", {"comment": "", "version": plan.version}
    )

    page = html(response)
    assert response.status_code == 422
    assert 'data-testid="action-error"' in page
    assert "The weights total 95; they must total 100." in page
    plan.refresh_from_db()
    assert plan.status == "draft"


def test_submit_and_approve_from_the_pages(org, plan):
    submitted = signed_in(org.edu_coord).post(
        f"/plans/{plan.pk}/act/submit/", {"version": plan.version}
    )
    assert submitted.status_code == 302
    plan.refresh_from_db()
    review = html(signed_in(org.office).get(f"/plans/{plan.pk}/review/"))
    assert 'data-testid="act-approve"' in review and 'data-testid="act-return"' in review
    approved = signed_in(org.office).post(
        f"/plans/{plan.pk}/act/approve/", {"version": plan.version, "from": "review"}
    )
    assert approved.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.round) == ("approved", 1)


def test_two_reviewers_the_second_sees_the_conflict(org, plan):
    services.submit_plan(actor=org.edu_coord, plan=plan)
    plan.refresh_from_db()
    seen = plan.version
    signed_in(org.office).post(f"/plans/{plan.pk}/act/approve/", {"version": seen})
    late = signed_in(org.office).post(
        f"/plans/{plan.pk}/act/return/", {"version": seen, "comment": "退回"}
    )
    assert late.status_code == 409
    assert "approved and filed" in html(late)


def test_review_page_shows_findings_comments_and_diff(org, lib, plan):
    services.submit_plan(actor=org.edu_coord, plan=plan)
    services.approve_plan(actor=org.office, plan=plan)
    services.start_execution(actor=org.edu_coord, plan=plan)
    services.request_revision(
        actor=org.edu_coord, plan=plan, reason_kind="policy", reason="上级政策调整"
    )
    item = plan.items.get(target__indicator=lib.gdp)
    was_core = item.is_core
    services.update_item(
        actor=org.edu_coord,
        item=item,
        expected_version=None,
        target_value="5.5",
        is_core=not was_core,
    )
    services.submit_plan(actor=org.edu_coord, plan=plan)

    page = html(signed_in(org.office).get(f"/plans/{plan.pk}/review/"))

    assert 'data-testid="plan-diff"' in page and "上级政策调整" in page
    assert re.search(r'target <span class="diff-old">6</span> → <strong>5.5</strong>', page)
    flags = ("yes", "no") if was_core else ("no", "yes")
    assert (
        f'core KPI <span class="diff-old">{flags[0]}</span> → <strong>{flags[1]}</strong>' in page
    )
    # The field names are words of the page's language, not the stored keys.
    chinese = html(
        signed_in(org.office).get(f"/plans/{plan.pk}/review/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    )
    assert re.search(r'目标值 <span class="diff-old">6</span> → <strong>5.5</strong>', chinese)
    assert 'data-testid="plan-findings"' in page and 'data-testid="plan-comments"' in page


def test_moderation_and_answers_from_the_pages(org, plan):
    plan = services.open_comments(
        actor=org.office, plan=plan, until=timezone.now() + dt.timedelta(days=3), public=True
    )
    comment = services.add_public_comment(plan=plan, name="王", body="意见", client_key="t")
    review = html(signed_in(org.office).get(f"/plans/{plan.pk}/review/"))
    assert 'data-testid="moderate-form"' in review

    signed_in(org.office).post(
        f"/plans/{plan.pk}/comments/{comment.pk}/moderate/",
        {"publish": "1", "version": comment.version},
    )
    comment.refresh_from_db()
    assert comment.status == "published"
    signed_in(org.edu_coord).post(
        f"/plans/{plan.pk}/comments/{comment.pk}/answer/",
        {
            "answer": "感谢",
            "adopted": "0",
            "not_adopted_reason": "已在措施中体现",
            "version": comment.version,
        },
    )
    comment.refresh_from_db()
    assert (comment.answer, comment.adopted, comment.not_adopted_reason) == (
        "感谢",
        False,
        "已在措施中体现",
    )


def test_the_office_opens_the_comment_period_from_the_page(org, plan):
    until = (timezone.localtime() + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    response = signed_in(org.office).post(
        f"/plans/{plan.pk}/comment-window/",
        {"until": until, "public": "on", "version": plan.version},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.comments_open() and plan.comment_public


# --- the editor grid -----------------------------------------------------------------------------


def test_the_editor_lists_a_row_per_item_with_the_total(org, plan):
    page = html(signed_in(org.edu_coord).get(f"/plans/{plan.pk}/edit/"))
    assert page.count('data-testid="plan-row"') == 6
    assert re.search(r'id="weight-total"[^>]*>100<', page)
    assert signed_in(org.office).get(f"/plans/{plan.pk}/edit/").status_code == 403


def test_a_row_saves_as_the_cell_is_left(org, plan):
    item = plan.items.order_by("sort_order").first()
    row = {
        "version": "1",
        "baseline": "5.5",
        "floor": "5",
        "target": "6.2",
        "challenge": "7",
        "weight": "30",
        "deadline": "2026-12-31",
    }

    response = signed_in(org.edu_coord).post(
        f"/plans/{plan.pk}/items/{item.pk}/", row, HTTP_HX_REQUEST="true"
    )

    fragment = html(response)
    assert response.status_code == 200 and "<html" not in fragment
    assert 'value="6.2"' in fragment and 'name="version" value="2"' in fragment
    assert re.search(r'id="weight-total"[^>]*hx-swap-oob="true"[^>]*>105<', fragment)
    item.refresh_from_db()
    assert (item.weight, item.is_core, item.target.target) == (Decimal(30), False, Decimal("6.2"))


def test_a_row_out_of_order_names_the_cell_and_keeps_what_was_typed(org, plan):
    item = plan.items.order_by("sort_order").first()
    row = {
        "version": "1",
        "floor": "9",
        "target": "6",
        "challenge": "7",
        "weight": "25",
        "is_core": "on",
    }

    fragment = html(
        signed_in(org.edu_coord).post(
            f"/plans/{plan.pk}/items/{item.pk}/", row, HTTP_HX_REQUEST="true"
        )
    )

    assert re.search(
        r'class="form-control is-invalid" id="i\d+-floor" name="floor" value="9"', fragment
    )
    assert "Higher is better: the floor must not be above the target." in fragment
    item.target.refresh_from_db()
    assert item.target.floor == 5


def test_remove_and_add_from_the_editor(org, lib, plan):
    client = signed_in(org.edu_coord)
    item = plan.items.order_by("sort_order").first()
    removed = client.post(f"/plans/{plan.pk}/items/{item.pk}/remove/", HTTP_HX_REQUEST="true")
    assert re.search(r'id="weight-total"[^>]*>75<', html(removed))
    added = client.post(
        f"/plans/{plan.pk}/items/add/",
        {"indicator": lib.invest.pk, "period": "2026", "weight": "25"},
    )
    assert added.status_code == 302
    assert sorted(plan.items.values_list("target__indicator__code", flat=True)) == [
        "AIR",
        "EDU",
        "INV",
        "OPEN",
        "RENOV",
        "TIME",
    ]


# --- goals and targets ---------------------------------------------------------------------------


def test_the_goal_tree_chart_and_its_list(org, lib, cycle):
    top = services.create_goal(
        actor=org.office,
        owner_unit=org.city,
        level="strategic",
        title="民生",
        start_period="2026",
        end_period="2028",
    )
    services.create_goal(
        actor=org.edu_coord,
        owner_unit=org.edu,
        level="unit",
        parent=top,
        decomposition="level",
        title="教育普及",
        start_period="2026",
    )
    page = html(signed_in(org.edu_leader).get("/plans/goals/"))
    option = json.loads(
        re.search(
            r'<script id="goal-tree-option" type="application/json">(.*?)</script>', page, re.S
        ).group(1)
    )
    root = option["series"][0]["data"][0]
    assert option["series"][0]["type"] == "tree"
    assert [(c["name"], [g["name"] for g in c["children"]]) for c in root["children"]] == [
        ("民生", ["教育普及"])
    ]
    assert root["children"][0]["url"] == f"/plans/goals/{top.pk}/"
    assert 'data-testid="goal-list"' in page and "vendor/echarts/echarts.min.js" in page


def test_a_click_loads_the_goal_beside_the_tree(org, lib, cycle):
    goal = services.create_goal(
        actor=org.edu_coord, owner_unit=org.edu, level="unit", title="教育普及", start_period="2026"
    )
    fragment = html(
        signed_in(org.edu_leader).get(f"/plans/goals/{goal.pk}/", HTTP_HX_REQUEST="true")
    )
    assert 'data-testid="goal-panel"' in fragment and "<html" not in fragment
    assert signed_in(org.health_leader).get(f"/plans/goals/{goal.pk}/").status_code == 404


def test_staff_see_the_goal_tree_of_their_own_unit(org, lib, cycle):
    services.create_goal(
        actor=org.edu_coord,
        owner_unit=org.edu_s1,
        level="section",
        title="学前教育",
        start_period="2026",
    )
    services.create_goal(
        actor=org.edu_coord,
        owner_unit=org.edu,
        level="unit",
        title="教育局目标",
        start_period="2026",
    )
    page = html(signed_in(org.edu_staff).get("/plans/goals/"))
    assert "学前教育" in page and "教育局目标" not in page


def test_create_a_goal_and_its_yearly_targets_from_the_pages(org, lib, cycle):
    client = signed_in(org.edu_coord)
    created = client.post(
        "/plans/goals/new/",
        {
            "title": "三年50个",
            "owner_unit": org.edu.pk,
            "level": "unit",
            "start_period": "2026",
            "end_period": "2028",
            "indicator": lib.renov.pk,
            "target_value": "50",
            "unit_of_measure": "个",
        },
    )
    goal = Goal.objects.get(title="三年50个")
    assert created.status_code == 302
    response = client.post(
        f"/plans/goals/{goal.pk}/targets/",
        {"part-0-target": "20", "part-1-target": "15", "part-2-target": "15"},
    )
    assert response.status_code == 302
    assert list(goal.targets.order_by("period").values_list("period", "target")) == [
        ("2026", 20),
        ("2027", 15),
        ("2028", 15),
    ]
    assert "20" in html(client.get(f"/plans/goals/{goal.pk}/"))


def test_split_a_target_into_months_from_the_page(org, lib, cycle):
    year = set_target(org, lib.renov, org.edu, "2026", 24)
    client = signed_in(org.edu_coord)
    page = html(client.get(f"/plans/targets/{year.pk}/decompose/?kind=time&into=Monthly"))
    assert page.count('name="part-') == 36 and 'value="2"' in page  # 24 spread evenly
    data = {"kind": "time", "into": "Monthly", **{f"part-{i}-target": "2" for i in range(12)}}
    assert client.post(f"/plans/targets/{year.pk}/decompose/", data).status_code == 302
    assert Target.objects.filter(parent=year).count() == 12
    detail = html(client.get(f"/plans/targets/{year.pk}/"))
    assert 'data-testid="target-by-time"' in detail and 'data-testid="target-issues"' not in detail


def test_split_refused_shows_the_errors(org, lib, cycle):
    year = set_target(org, lib.gdp, org.edu, "2026", 6, floor=5, challenge=7)
    client = signed_in(org.edu_coord)
    data = {"kind": "level", "part-0-target": "6", "part-0-floor": "8"}
    response = client.post(f"/plans/targets/{year.pk}/decompose/?kind=level", data)
    assert 'data-testid="decompose-errors"' in html(response)
    assert Target.objects.filter(parent=year).count() == 0


# --- the office's settings --------------------------------------------------------------------------


def test_checker_settings_page(org):
    office = signed_in(org.office)
    assert 'name="mode"' in html(office.get("/plans/checker/"))
    assert 'name="mode"' not in html(signed_in(org.edu_leader).get("/plans/checker/"))
    office.post(
        "/plans/checker/dimension_empty/",
        {"mode": "off", "param-taxonomy": "dimension", "version": "0"},
    )
    assert checker.settings()["dimension_empty"].mode == "off"
    signed_in(org.edu_leader).post(
        "/plans/checker/dimension_empty/", {"mode": "block", "version": "1"}
    )
    assert checker.settings()["dimension_empty"].mode == "off"


def test_cycles_page(org):
    office = signed_in(org.office)
    office.post(
        "/plans/cycles/",
        {"code": "2027", "name": "2027年度", "period": "2027", "status": "planning"},
    )
    assert list(Cycle.objects.values_list("code", "start_date", "end_date")) == [
        ("2027", dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    ]
    assert 'name="code"' not in html(signed_in(org.edu_leader).get("/plans/cycles/"))
    assert signed_in(org.edu_leader).post("/plans/cycles/", {"code": "x"}).status_code == 403
