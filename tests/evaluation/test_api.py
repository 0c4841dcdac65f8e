"""The evaluation API end to end: schemes, rounds, tasks and scores, computations,
results with breakdowns, the result workflow, appeals, settings and the calendar."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from govperf.evaluation import selectors, services
from govperf.evaluation.models import Appeal, ResultSet, Scheme, ScoringTask
from tests.evaluation.conftest import SCHEME, compute
from tests.helpers import signed_in

API = "/api/v1/evaluation"


def call(client, method, path, data=None, status=200):
    response = getattr(client, method)(f"{API}{path}", data=json.dumps(data) if data is not None else None,
                                       content_type="application/json")  # fmt: skip
    assert response.status_code == status, (path, response.status_code, response.content[:500])
    return json.loads(response.content) if response.content else None


@pytest.fixture
def office(world):
    return signed_in(world.office)


def test_schemes_through_the_api(world, office):
    created = call(
        office, "post", "/schemes", {"code": "t1", "name": "方案", "definition": SCHEME}, 201
    )
    assert (created["code"], created["current_version"], created["versions"]) == ("t1", 1, [1])
    broken = json.loads(json.dumps(SCHEME))
    broken["components"][0]["indicators"][1]["rule"] = {"kind": "lower_better"}
    error = call(
        office, "post", "/schemes", {"code": "t2", "name": "方案", "definition": broken}, 422
    )
    assert error["details"] == [
        {
            "field": "scheme.components[0].indicators[1].rule.target",
            "message": "缺少 target / target is required",
        }
    ]
    checked = call(office, "post", "/schemes/validate", {"definition": SCHEME})
    assert checked["task_components"] == [["goal", "expert"], ["leader", "superior"]]
    patched = call(office, "patch", "/schemes/t1", {"version": 1, "name": "新名称"})
    assert (patched["name"], patched["version"]) == ("新名称", 2)
    stale = call(office, "patch", "/schemes/t1", {"version": 1, "name": "再改"}, 409)
    assert stale["code"] == "conflict"
    assert call(office, "get", "/schemes/t1/versions/1")["in_use"] is False
    assert Scheme.objects.count() == 1


def test_a_unit_leader_cannot_write_schemes(world):
    client = signed_in(world.org.edu_leader)
    call(client, "post", "/schemes", {"code": "t1", "name": "方案", "definition": SCHEME}, 403)
    assert not Scheme.objects.exists()


def test_weights_through_the_api(world, office):
    services.load_presets(actor=world.office)
    got = call(
        office,
        "post",
        "/schemes/hangzhou-3plus1/weights",
        {"method": "ahp", "matrix": [[1, 2, 9], [0.5, 1, 8], [1 / 9, 1 / 8, 1]]},
    )
    assert sum(got["weights"].values()) == pytest.approx(100) and got["cr"] < 0.1
    bad = call(office, "post", "/schemes/hangzhou-3plus1/weights",
               {"method": "ahp", "matrix": [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]}, 422)  # fmt: skip
    assert bad["code"] == "inconsistent" and bad["details"][0]["field"].startswith("matrix[")
    equal = call(
        office, "post", "/schemes/hangzhou-3plus1/weights", {"method": "equal", "component": "goal"}
    )
    assert equal["weights"] == {
        "GOV-029": 20.0,
        "GOV-027": 20.0,
        "GOV-030": 20.0,
        "GOV-009": 20.0,
        "GOV-035": 20.0,
    }


def test_a_round_from_opening_to_appeal(world, office, django_capture_on_commit_callbacks):
    services.create_scheme(actor=world.office, code="test", name="测试方案", definition=SCHEME)
    opened = call(
        office,
        "post",
        "/rounds",
        {
            "cycle": "2025",
            "period": "2025",
            "scheme": "test",
            "units": ["edu", "health", "county"],
            "deadline": "2026-01-31",
            "seed": 7,
        },
        201,
    )
    assert opened["units"] == ["edu", "health", "county"] or sorted(opened["units"]) == [
        "county",
        "edu",
        "health",
    ]
    round_id = opened["id"]

    # The expert sees three tasks and scores one through the API, by the rubric.
    expert = signed_in(world.org.expert)
    mine = call(expert, "get", "/tasks")
    assert mine["count"] == 3 and {t["component"] for t in mine["items"]} == {"goal"}
    task_id = next(t["id"] for t in mine["items"] if t["unit"] == "health")
    refused = call(
        expert,
        "post",
        f"/tasks/{task_id}/score",
        {"items": {"OPEN": {"level": "达成", "pct": 0.5}}},
        422,
    )
    assert refused["details"][0]["field"] == "items.OPEN.pct"
    scored = call(
        expert,
        "post",
        f"/tasks/{task_id}/score",
        {"items": {"OPEN": {"level": "部分达成", "pct": 0.7}}},
    )
    assert scored["status"] == "submitted" and scored["items"] == {
        "OPEN": {"level": "部分达成", "pct": 0.7}
    }
    call(signed_in(world.expert2), "get", f"/tasks/{task_id}", status=404)

    round_ = selectors.get_round(world.office, round_id)
    world.score_everything(round_)  # the rest, as in the worked example
    with django_capture_on_commit_callbacks(execute=True):
        job = call(office, "post", f"/rounds/{round_id}/compute", {"reason": "API"}, 202)
    job = call(office, "get", f"/jobs/{job['id']}")
    assert job["status"] == "done", job
    set_id = job["result_set"]
    detail = call(office, "get", f"/results/{set_id}")
    assert {u["unit"]: (u["composite"], u["grade"], u["rank"]) for u in detail["units"]} == {
        "edu": (96.3, "优秀", 1),
        "health": (82.9, "良好", 2),
        "county": (78.3, "合格", 1),
    }
    county = call(office, "get", f"/results/{set_id}/units/county")
    assert county["breakdown"]["indicators"]["ENR"]["rule"] == {
        "kind": "higher_better",
        "target": 120.0,
    }
    assert [(i["code"], i["points"]) for i in county["indicators"]] == [
        ("ENR", 40.0),
        ("WAIT", 15.0),
        ("OPEN", 20.0),
    ]

    # Drafts are the office's; published results are everyone's who reads results.
    call(signed_in(world.org.leader), "get", f"/results/{set_id}", status=404)
    call(office, "post", f"/results/{set_id}/review", {"version": 1})
    published = call(office, "post", f"/results/{set_id}/publish", {"version": 2})
    assert published["status"] == "published" and published["appeal_until"]
    call(signed_in(world.org.leader), "get", f"/results/{set_id}")
    intervals = call(office, "get", f"/results/{set_id}/sensitivity?spread=20")
    assert {i["unit"]: i["rank"] for i in intervals} == {"edu": 1, "health": 2, "county": 1}

    edu = signed_in(world.org.edu_leader)
    call(edu, "get", f"/results/{set_id}/units/health", status=404)
    appeal = call(
        edu, "post", f"/results/{set_id}/appeals", {"unit": "edu", "reason": "样本有误"}, 201
    )
    assert appeal["status"] == "filed"
    call(
        edu,
        "post",
        f"/appeals/{appeal['id']}/decide",
        {"outcome": "rejected", "decision": "维持"},
        403,
    )
    decided = call(office, "post", f"/appeals/{appeal['id']}/decide",
                   {"outcome": "rejected", "decision": "维持原结果", "recompute": False})  # fmt: skip
    assert decided["status"] == "rejected"
    assert Appeal.objects.get().status == Appeal.Status.REJECTED
    locked = call(office, "post", f"/results/{set_id}/lock", {})
    assert locked["status"] == "locked"
    assert ResultSet.objects.get(pk=set_id).status == "locked"


def test_imports_and_adjustments_through_the_api(world, office):
    round_ = world.open_round()
    got = call(office, "post", f"/rounds/{round_.pk}/imports",
               {"rows": [{"unit": "edu", "code": "social", "value": 88, "position": 0},
                         {"unit": "edu", "code": "social", "value": "91.5", "position": 1}]})  # fmt: skip
    assert got == {"imported": 2}
    bad = call(
        office,
        "post",
        f"/rounds/{round_.pk}/imports",
        {"rows": [{"unit": "edu", "code": "ENR", "value": 1}]},
        422,
    )
    assert bad["details"][0]["field"] == "rows[0].code"
    added = call(office, "post", f"/rounds/{round_.pk}/adjustments",
                 {"unit": "health", "kind": "veto", "reason": "重大安全事故"}, 201)  # fmt: skip
    assert added["kind"] == "veto"
    assert len(call(office, "get", f"/rounds/{round_.pk}/adjustments")) == 1
    call(office, "delete", f"/rounds/{round_.pk}/adjustments/{added['id']}", status=204)
    assert call(office, "get", f"/rounds/{round_.pk}/adjustments") == []


def test_settings_and_calendar(world, office):
    got = call(office, "get", "/settings")
    assert (
        got["appeal_days"],
        got["decision_days"],
        got["comment_at_or_above"],
        got["comment_below"],
    ) == (3, 10, 95.0, 60.0)
    changed = call(office, "patch", "/settings", {"version": got["version"], "appeal_days": 5})
    assert changed["appeal_days"] == 5
    call(signed_in(world.org.edu_leader), "patch", "/settings", {"appeal_days": 1}, 403)
    assert call(office, "get", "/settings")["appeal_days"] == 5
    call(
        office, "post", "/workdays", {"date": "2025-09-12", "is_workday": False, "note": "本地假日"}
    )
    year = call(office, "get", "/workdays/2025")
    assert year["corrections"] == [{"date": "2025-09-12", "is_workday": False, "note": "本地假日"}]
    # 2025: 261 weekdays − 18 holiday weekdays + 5 调休 weekend days = 248; the correction
    # takes one away.
    assert year["working_days"] == 247


def test_reassign_and_conflicts_through_the_api(world, office):
    round_ = world.open_round()
    expert = signed_in(world.expert2)
    declared = call(expert, "post", "/conflicts", {"unit": "edu", "reason": "曾在该局任职"}, 201)
    assert declared["unit"] == "edu"
    task = round_.tasks.get(evaluator=world.expert2, unit=world.org.edu)
    assert task.status == ScoringTask.Status.CANCELLED
    refused = call(office, "post", f"/tasks/{task.pk}/reassign", {"evaluator": "expert2"}, 422)
    assert refused["details"][0]["field"] == "evaluator"
    call(expert, "post", f"/conflicts/{declared['id']}/withdraw")
    reassigned = call(office, "post", f"/tasks/{task.pk}/reassign", {"evaluator": "expert2"})
    assert reassigned["status"] == "pending"


def queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        call(client, "get", path)
    return len(captured.captured_queries)


def test_lists_do_not_query_per_row(world, office):
    first = world.open_round()
    world.score_everything(first)
    compute(world, first)
    call(office, "get", "/rounds")  # the session's first request reads more
    rounds, sets = queries(office, "/rounds"), queries(office, f"/rounds/{first.pk}/results")
    services.open_round(
        actor=world.office,
        cycle=world.cycle,
        period="2025",
        scheme_version=first.scheme_version,
        units=world.units,
        deadline=dt.date(2026, 1, 31),
        seed=1,
    )
    compute(world, first)  # a second version, with the first as its previous
    assert queries(office, "/rounds") == rounds
    assert queries(office, f"/rounds/{first.pk}/results") == sets
    assert [s["previous"] for s in call(office, "get", f"/rounds/{first.pk}/results")] == [1, None]
    assert [r["units"] for r in call(office, "get", "/rounds")["items"]] == [
        ["edu", "health", "county"]
    ] * 2
