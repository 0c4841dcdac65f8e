"""Cycles, goals, targets, plans, items, workflow actions, comments and the checker through
the API, end to end, with their errors."""

import datetime as dt
import json

from django.test import Client
from django.utils import timezone

from govperf.plans.models import Cycle, Goal, Plan, PlanItem, Target
from tests.helpers import signed_in


def body(response):
    return json.loads(response.content)


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def test_cycles(org):
    office = signed_in(org.office)
    created = post(office, "/api/v1/cycles", {"code": "2026", "name": "2026年度", "period": "2026"})
    assert created.status_code == 201
    assert (body(created)["start_date"], body(created)["end_date"], body(created)["status"]) == (
        "2026-01-01",
        "2026-12-31",
        "planning",
    )
    assert (
        post(
            signed_in(org.edu_leader),
            "/api/v1/cycles",
            {"code": "x", "name": "x", "period": "2027"},
        ).status_code
        == 403
    )
    bad = post(office, "/api/v1/cycles", {"code": "2027", "name": "x", "period": "2027Q9"})
    assert (bad.status_code, [d["field"] for d in body(bad)["details"]]) == (422, ["period"])
    assert (
        body(patch(office, "/api/v1/cycles/2026", {"version": 1, "status": "active"}))["status"]
        == "active"
    )
    assert (
        patch(office, "/api/v1/cycles/2026", {"version": 1, "status": "closed"}).status_code == 409
    )
    assert [c["code"] for c in body(signed_in(org.edu_staff).get("/api/v1/cycles"))["items"]] == [
        "2026"
    ]
    assert Cycle.objects.get().status == "active"


def test_goals(org, lib, cycle):
    office, coord = signed_in(org.office), signed_in(org.edu_coord)
    top = body(
        post(
            office,
            "/api/v1/goals",
            {
                "level": "strategic",
                "owner_unit": "city",
                "title": "民生",
                "start_period": "2026",
                "end_period": "2028",
            },
        )
    )
    made = post(
        coord,
        "/api/v1/goals",
        {
            "parent": top["id"],
            "level": "unit",
            "decomposition": "level",
            "owner_unit": "edu",
            "title": "三年50个",
            "start_period": "2026",
            "end_period": "2028",
            "indicator": "RENOV",
            "target_value": "50",
            "responsible": "edu_leader",
        },
    )
    assert made.status_code == 201
    goal = body(made)
    assert (goal["owner_unit"], goal["indicator"], goal["target_value"], goal["responsible"]) == (
        "edu",
        "RENOV",
        "50",
        "edu_leader",
    )
    changed = patch(
        coord, f"/api/v1/goals/{goal['id']}", {"version": 1, "completion_standard": "全部验收"}
    )
    assert body(changed)["completion_standard"] == "全部验收"
    listed = body(signed_in(org.edu_leader).get("/api/v1/goals?cycle=2026"))
    assert [g["title"] for g in listed["items"]] == ["民生", "三年50个"]
    assert [
        g["title"] for g in body(signed_in(org.health_leader).get("/api/v1/goals"))["items"]
    ] == ["民生"]
    assert signed_in(org.health_leader).get(f"/api/v1/goals/{goal['id']}").status_code == 404
    bad = post(
        coord,
        "/api/v1/goals",
        {"level": "unit", "owner_unit": "edu", "title": "x", "start_period": "20XX"},
    )
    assert [d["field"] for d in body(bad)["details"]] == ["start_period", "end_period"]
    assert signed_in(org.edu_coord).delete(f"/api/v1/goals/{top['id']}").status_code == 403
    assert office.delete(f"/api/v1/goals/{top['id']}").status_code == 409
    assert coord.delete(f"/api/v1/goals/{goal['id']}").status_code == 204
    assert list(Goal.objects.values_list("title", flat=True)) == ["民生"]


def test_targets(org, lib, cycle):
    coord = signed_in(org.edu_coord)
    refused = post(
        coord,
        "/api/v1/targets",
        {"indicator": "GDP", "unit": "edu", "period": "2026", "floor": "7", "target": "6"},
    )
    assert (refused.status_code, [d["field"] for d in body(refused)["details"]]) == (422, ["floor"])
    made = body(
        post(
            coord,
            "/api/v1/targets",
            {
                "indicator": "RENOV",
                "unit": "edu",
                "period": "2026",
                "target": "20",
                "floor": "18",
                "basis": "按计划",
            },
        )
    )
    assert (made["indicator_name"], made["target"], made["floor"], made["indicator_version"]) == (
        "老旧小区改造完成数",
        "20",
        "18",
        1,
    )
    parts = post(
        coord,
        f"/api/v1/targets/{made['id']}/decompose",
        {
            "kind": "time",
            "parts": [{"period": "2026Q1", "target": "5"}, {"period": "2026Q2", "target": "5"}],
        },
    )
    assert [p["period"] for p in body(parts)] == ["2026Q1", "2026Q2"]
    issues = body(coord.get(f"/api/v1/targets/{made['id']}/rollup"))
    assert [(i["kind"], i["missing_periods"]) for i in issues] == [("time", ["2026Q3", "2026Q4"])]
    listed = body(coord.get(f"/api/v1/targets?parent={made['id']}"))
    assert listed["count"] == 2
    stale = patch(coord, f"/api/v1/targets/{made['id']}", {"version": 9, "target": "21"})
    assert stale.status_code == 409
    assert (
        body(patch(coord, f"/api/v1/targets/{made['id']}", {"version": 1, "target": "19"}))[
            "target"
        ]
        == "19"
    )
    unknown = post(coord, "/api/v1/targets", {"indicator": "NOPE", "unit": "edu", "period": "2026"})
    assert [d["field"] for d in body(unknown)["details"]] == ["indicator"]
    assert Target.objects.count() == 3


def test_a_plan_through_the_api(org, lib, cycle):
    coord, office = signed_in(org.edu_coord), signed_in(org.office)
    plan = body(post(coord, "/api/v1/plans", {"unit": "edu", "cycle": "2026", "measures": "督导"}))
    assert (plan["status"], plan["round"], plan["weight_total"]) == ("draft", 0, "0")
    url = f"/api/v1/plans/{plan['id']}"
    first = post(
        coord, f"{url}/items", {"indicator": "GDP", "weight": "60", "is_core": True, "target": "6"}
    )
    assert first.status_code == 201 and body(first)["target"]["target"] == "6"
    second = body(post(coord, f"{url}/items", {"indicator": "AIR", "weight": "30", "target": "70"}))
    changed = patch(
        coord, f"{url}/items/{second['id']}", {"version": 1, "weight": "40", "floor": "65"}
    )
    assert (body(changed)["weight"], body(changed)["target"]["floor"]) == ("40", "65")

    blocked = post(coord, f"{url}/submit", {})
    assert blocked.status_code == 422
    assert sorted(d["field"] for d in body(blocked)["details"]) == ["is_core"]
    for item_id in PlanItem.objects.filter(plan_id=plan["id"]).values_list("pk", flat=True):
        version = PlanItem.objects.get(pk=item_id).version
        patch(coord, f"{url}/items/{item_id}", {"version": version, "is_core": True})
    post(
        coord, f"{url}/items", {"indicator": "EDU", "weight": "0", "is_core": True, "target": "96"}
    )
    check = body(coord.get(f"{url}/check"))
    assert (check["blocking"], check["weight_total"]) == (0, "100")
    assert body(coord.get(f"{url}/allowed")) == ["submit"]

    submitted = post(coord, f"{url}/submit", {"comment": "请审核"})
    assert (body(submitted)["status"], body(submitted)["round"]) == ("submitted", 1)
    assert body(office.get(f"{url}/allowed")) == ["return", "approve"]
    assert post(coord, f"{url}/approve", {}).status_code == 403
    approved = post(office, f"{url}/approve", {"version": body(submitted)["version"]})
    assert body(approved)["status"] == "approved"
    again = post(office, f"{url}/approve", {})
    assert (again.status_code, body(again)["code"]) == (409, "invalid_state")
    post(coord, f"{url}/start", {})
    revised = post(coord, f"{url}/request-revision", {"reason_kind": "emergency", "reason": "汛情"})
    assert body(revised)["status"] == "revision_requested"
    item = PlanItem.objects.get(plan_id=plan["id"], target__indicator=lib.gdp)
    patch(coord, f"{url}/items/{item.pk}", {"version": item.version, "target": "5.5"})
    diff = body(coord.get(f"{url}/diff"))["diff"]
    assert [(c["indicator"], c["fields"]) for c in diff["changed"]] == [
        ("GDP", {"target": ["6", "5.5"]})
    ]
    events = body(coord.get(f"{url}/events"))
    assert [e["action"] for e in events] == ["submit", "approve", "start", "request_revision"]
    assert events[0]["comment"] == "请审核" and events[0]["actor"] == "edu_coord"
    assert Plan.objects.get().status == "revision_requested"


def test_plan_errors(org, lib, cycle, plan):
    coord = signed_in(org.edu_coord)
    assert post(coord, "/api/v1/plans", {"unit": "edu", "cycle": "2026"}).status_code == 422
    assert post(coord, "/api/v1/plans", {"unit": "edu", "cycle": "1999"}).status_code == 404
    assert post(coord, "/api/v1/plans", {"unit": "health", "cycle": "2026"}).status_code == 404
    assert signed_in(org.health_leader).get(f"/api/v1/plans/{plan.pk}").status_code == 404
    assert (
        signed_in(org.office)
        .post(
            f"/api/v1/plans/{plan.pk}/items", {"indicator": "INV"}, content_type="application/json"
        )
        .status_code
        == 403
    )
    neither = post(coord, f"/api/v1/plans/{plan.pk}/items", {"weight": "1"})
    assert [d["field"] for d in body(neither)["details"]] == ["target_id"]
    assert post(coord, f"/api/v1/plans/{plan.pk}/return", {"comment": "x"}).status_code == 403
    assert Client().get("/api/v1/plans").status_code == 401
    assert post(signed_in(org.edu_staff), "/api/v1/plans/999999/submit", {}).status_code == 404


def test_plan_list_filters(org, lib, cycle, plan):
    services_plan = post(
        signed_in(org.health_leader), "/api/v1/plans", {"unit": "health", "cycle": "2026"}
    )
    assert services_plan.status_code == 201
    office = signed_in(org.office)
    assert [p["unit"] for p in body(office.get("/api/v1/plans?cycle=2026"))["items"]] == [
        "edu",
        "health",
    ]
    assert [p["unit"] for p in body(office.get("/api/v1/plans?unit=edu"))["items"]] == ["edu"]
    assert [p["weight_total"] for p in body(office.get("/api/v1/plans?status=draft"))["items"]] == [
        "100",
        "0",
    ]


def test_comments_through_the_api(org, plan):
    office, coord = signed_in(org.office), signed_in(org.edu_coord)
    until = (timezone.now() + dt.timedelta(days=3)).isoformat()
    opened = post(
        office, f"/api/v1/plans/{plan.pk}/comment-window", {"until": until, "public": True}
    )
    assert body(opened)["comment_public"] is True
    staff = post(
        signed_in(org.health_leader), f"/api/v1/plans/{plan.pk}/comments", {"body": "口径一致"}
    )
    assert (staff.status_code, body(staff)["status"]) == (201, "published")
    public = post(
        Client(), f"/api/v1/public/plans/{plan.pk}/comments", {"name": "王", "body": "提高目标"}
    )
    comment_id = body(public)["id"]
    assert [c["status"] for c in body(office.get(f"/api/v1/plans/{plan.pk}/comments"))] == [
        "published",
        "pending",
    ]
    assert [c["status"] for c in body(coord.get(f"/api/v1/plans/{plan.pk}/comments"))] == [
        "published"
    ]
    assert len(body(signed_in(org.health_leader).get(f"/api/v1/plans/{plan.pk}/comments"))) == 1
    moderated = post(
        office, f"/api/v1/plans/{plan.pk}/comments/{comment_id}/moderate", {"publish": True}
    )
    assert body(moderated)["status"] == "published"
    refused = post(
        coord,
        f"/api/v1/plans/{plan.pk}/comments/{comment_id}/answer",
        {"answer": "好", "adopted": False},
    )
    assert [d["field"] for d in body(refused)["details"]] == ["not_adopted_reason"]
    answered = post(
        coord,
        f"/api/v1/plans/{plan.pk}/comments/{comment_id}/answer",
        {"answer": "已采纳", "adopted": True},
    )
    assert (body(answered)["adopted"], body(answered)["answer"]) == (True, "已采纳")
    closed = office.delete(f"/api/v1/plans/{plan.pk}/comment-window")
    assert closed.status_code == 200
    assert (
        post(
            Client(), f"/api/v1/public/plans/{plan.pk}/comments", {"name": "王", "body": "迟"}
        ).status_code
        == 404
    )


def test_checker_settings_through_the_api(org):
    settings = body(signed_in(org.edu_leader).get("/api/v1/plan-checker/settings"))
    assert [s["code"] for s in settings][:3] == [
        "smart_no_number",
        "smart_no_deadline",
        "smart_no_data_source",
    ]
    assert {s["code"]: s["mode"] for s in settings}["core_kpi_count"] == "block"
    office = signed_in(org.office)
    saved = office.put(
        "/api/v1/plan-checker/settings/core_kpi_count",
        {"mode": "warn", "params": {"min": 2, "max": 6}, "version": 0},
        content_type="application/json",
    )
    assert (body(saved)["mode"], body(saved)["params"], body(saved)["version"]) == (
        "warn",
        {"min": 2, "max": 6},
        1,
    )
    stale = office.put(
        "/api/v1/plan-checker/settings/core_kpi_count",
        {"mode": "off", "version": 0},
        content_type="application/json",
    )
    assert stale.status_code == 409
    assert (
        signed_in(org.edu_leader)
        .put(
            "/api/v1/plan-checker/settings/core_kpi_count",
            {"mode": "off"},
            content_type="application/json",
        )
        .status_code
        == 403
    )
    assert (
        office.put(
            "/api/v1/plan-checker/settings/nope", {"mode": "off"}, content_type="application/json"
        ).status_code
        == 404
    )


def test_goal_rollup_and_cycle_gaps_through_the_api(org, lib, cycle):
    office = signed_in(org.office)
    goal = body(
        post(
            office,
            "/api/v1/goals",
            {
                "level": "strategic",
                "owner_unit": "city",
                "title": "人居",
                "start_period": "2026",
                "end_period": "2028",
                "indicator": "RENOV",
                "target_value": "50",
            },
        )
    )
    post(
        office,
        "/api/v1/targets",
        {
            "indicator": "RENOV",
            "unit": "city",
            "period": "2026",
            "goal": goal["id"],
            "target": "20",
        },
    )
    issues = body(office.get(f"/api/v1/goals/{goal['id']}/rollup"))
    assert [(i["kind"], i["missing_periods"], i["difference"]) for i in issues] == [
        ("targets", ["2027", "2028"], "-30")
    ]
    timeline = body(office.get(f"/api/v1/goals/{goal['id']}/timeline"))
    assert timeline == [{"period": "2026", "target": "20", "cumulative": "20"}]
    gaps = body(office.get("/api/v1/cycles/2026/gaps"))
    assert [g["message"] for g in gaps] == ["No unit plan covers the strategic goal “人居”."]
