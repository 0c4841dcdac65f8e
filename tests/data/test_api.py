"""The data API end to end: reading values, the workflow, locks, corrections, rules and the
quality screen (pushing values: test_idempotency and test_token_scope)."""

from __future__ import annotations

import json

import pytest

from govperf.data import services
from govperf.data.models import CorrectionRequest, DataValue, PeriodLock, ValidationRule
from govperf.data.services import Entry
from tests.data.conftest import stored
from tests.helpers import signed_in


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def entered(org, lib):
    for period, enr in (("202602", "80"), ("202603", "90")):
        services.save_draft(
            actor=org.edu_coord,
            unit=org.edu,
            period=period,
            entries=[
                Entry(indicator_id=lib.enr.pk, value=enr),
                Entry(indicator_id=lib.cap.pk, value="120"),
            ],
        )
    stored(lib.enr, org.health, "202603", 7)
    return org


def test_reading_values_with_filters_and_pages(org, lib, entered):
    client = signed_in(org.edu_leader)
    everything = client.get("/api/v1/data/values").json()
    # The leader sees edu's eight values (four entered, four computed), not health's.
    assert everything["count"] == 8
    assert {v["unit"] for v in everything["items"]} == {"edu"}
    enr = client.get("/api/v1/data/values?indicator=ENR&period_from=202603&period_to=202612").json()
    assert [(v["period"], v["value"], v["status"], v["source"]) for v in enr["items"]] == [
        ("202603", "90", "draft", "form")
    ]
    rate = client.get("/api/v1/data/values?indicator=RATE&page_size=1&page=2").json()
    assert rate["count"] == 2 and [v["value"] for v in rate["items"]] == ["75"]
    office = signed_in(org.office).get("/api/v1/data/values?unit=health").json()
    assert [v["value"] for v in office["items"]] == ["7"]
    assert client.get("/api/v1/data/values?unit=health").status_code == 404
    assert client.get("/api/v1/data/values?period_from=2026-03").status_code == 422


def test_one_value_and_its_history(org, lib, entered):
    value = DataValue.objects.get(indicator=lib.enr, unit=org.edu, period="202603")
    client = signed_in(org.edu_coord)
    assert client.get(f"/api/v1/data/values/{value.pk}").json()["value"] == "90"
    history = client.get(f"/api/v1/data/values/{value.pk}/history").json()
    assert [
        (h["old_value"], h["new_value"], h["source"], h["actor"]) for h in history["items"]
    ] == [(None, "90", "form", "edu_coord")]
    assert client.get(f"/api/v1/data/values/{value.pk}/evidence").json() == []
    assert signed_in(org.health_leader).get(f"/api/v1/data/values/{value.pk}").status_code == 404


def test_the_workflow_through_the_api(org, lib, entered):
    coord, leader = signed_in(org.edu_coord), signed_in(org.edu_leader)
    submitted = post(
        coord, "/api/v1/data/submit", {"unit": "edu", "period": "202603", "comment": "ok"}
    )
    assert submitted.status_code == 200
    assert (submitted.json()["status"], submitted.json()["count"]) == ("submitted", 4)
    refused = post(coord, "/api/v1/data/approve", {"unit": "edu", "period": "202603"})
    assert refused.status_code == 403
    again = post(coord, "/api/v1/data/submit", {"unit": "edu", "period": "202603"})
    assert (again.status_code, again.json()["code"]) == (409, "invalid_state")
    enr = DataValue.objects.get(indicator=lib.enr, unit=org.edu, period="202603")
    approved = post(
        leader, "/api/v1/data/approve", {"unit": "edu", "period": "202603", "values": [enr.pk]}
    )
    assert approved.json() == {
        "verb": "approve",
        "status": "approved",
        "count": 1,
        "values": [enr.pk],
    }
    returned = post(
        leader, "/api/v1/data/return", {"unit": "edu", "period": "202603", "comment": ""}
    )
    assert returned.status_code == 422
    returned = post(
        leader, "/api/v1/data/return", {"unit": "edu", "period": "202603", "comment": "核对"}
    )
    assert returned.json()["count"] == 3
    reopened = post(
        leader, "/api/v1/data/reopen", {"unit": "edu", "period": "202603", "comment": "改"}
    )
    assert reopened.json()["values"] == [enr.pk]
    assert (
        post(leader, "/api/v1/data/submit", {"unit": "health", "period": "202603"}).status_code
        == 404
    )


def test_locks_and_corrections_through_the_api(org, lib, entered):
    services.submit_values(actor=org.edu_coord, unit=org.edu, period="202603")
    services.approve_values(actor=org.edu_leader, unit=org.edu, period="202603")
    office, coord = signed_in(org.office), signed_in(org.edu_coord)
    assert post(coord, "/api/v1/data/locks", {"period": "2026"}).status_code == 403
    created = post(
        office, "/api/v1/data/locks", {"period": "2026", "unit": "edu", "reason": "封存"}
    )
    assert created.status_code == 201
    assert {k: created.json()[k] for k in ("period", "unit", "active")} == {
        "period": "2026",
        "unit": "edu",
        "active": True,
    }
    assert post(office, "/api/v1/data/locks", {"period": "2026", "unit": "edu"}).status_code == 409
    assert office.get("/api/v1/data/locks").json()["count"] == 1

    enr = DataValue.objects.get(indicator=lib.enr, unit=org.edu, period="202603")
    asked = post(
        coord, f"/api/v1/data/values/{enr.pk}/corrections", {"new_value": 93, "reason": "漏统计"}
    )
    assert asked.status_code == 201
    body = asked.json()
    assert (body["old_value"], body["new_value"], body["status"]) == ("90", "93", "pending")
    assert (
        post(
            coord, f"/api/v1/data/corrections/{body['id']}/decision", {"approve": True}
        ).status_code
        == 403
    )
    not_bool = post(office, f"/api/v1/data/corrections/{body['id']}/decision", {"approve": 1})
    assert not_bool.status_code == 422
    decided = post(
        office, f"/api/v1/data/corrections/{body['id']}/decision", {"approve": True, "version": 1}
    )
    assert decided.json()["status"] == "approved"
    assert DataValue.objects.get(pk=enr.pk).value == 93
    assert coord.get("/api/v1/data/corrections?status=approved").json()["count"] == 1

    lock = PeriodLock.objects.get()
    assert post(office, f"/api/v1/data/locks/{lock.pk}/unlock", {"reason": ""}).status_code == 422
    lifted = post(office, f"/api/v1/data/locks/{lock.pk}/unlock", {"reason": "重开"})
    assert lifted.json()["active"] is False


def test_rules_through_the_api(org, lib):
    office = signed_in(org.office)
    created = post(
        office,
        "/api/v1/data/rules",
        {
            "code": "enr-range",
            "name": "在校生",
            "kind": "range",
            "indicator": "ENR",
            "params": {"min": 0, "max": "5000"},
        },
    )
    assert created.status_code == 201
    assert created.json()["params"] == {"min": "0", "max": "5000"}
    bad = post(
        office,
        "/api/v1/data/rules",
        {"code": "x", "name": "x", "kind": "jump", "indicator": "ENR", "params": {}},
    )
    assert bad.status_code == 422
    assert [d["field"] for d in bad.json()["details"]] == ["params.compare", "params.max_percent"]
    assert (
        post(
            signed_in(org.edu_leader),
            "/api/v1/data/rules",
            {"code": "y", "name": "y", "kind": "required", "indicator": "ENR"},
        ).status_code
        == 403
    )
    patched = signed_in(org.office).patch(
        "/api/v1/data/rules/enr-range",
        json.dumps({"version": 1, "severity": "warn"}),
        content_type="application/json",
    )
    assert (patched.json()["severity"], patched.json()["version"]) == ("warn", 2)
    stale = signed_in(org.office).patch(
        "/api/v1/data/rules/enr-range",
        json.dumps({"version": 1, "is_active": False}),
        content_type="application/json",
    )
    assert stale.status_code == 409
    assert signed_in(org.edu_staff).get("/api/v1/data/rules").json()["count"] == 1
    assert office.delete("/api/v1/data/rules/enr-range").status_code == 204
    assert ValidationRule.objects.count() == 0


def test_the_quality_screen_through_the_api(org, lib, entered, django_capture_on_commit_callbacks):
    office = signed_in(org.office)
    with django_capture_on_commit_callbacks(execute=True):
        started = post(office, "/api/v1/data/quality/runs", {"period": "2026", "due_days": 10})
    assert started.status_code == 201
    run = started.json()
    # Tests run tasks at once; a real worker would report progress as it goes.
    done = office.get(f"/api/v1/data/quality/runs/{run['id']}").json()
    assert (done["status"], done["percent"]) == ("done", 100)
    results = office.get(f"/api/v1/data/quality/runs/{run['id']}/results").json()
    assert [r["unit"] for r in results["items"]] == ["edu", "health"] or [
        r["unit"] for r in results["items"]
    ] == ["health", "edu"]
    flags = office.get(f"/api/v1/data/quality/runs/{run['id']}/flags?unit=edu&kind=missing").json()
    assert flags["count"] > 0 and {f["kind"] for f in flags["items"]} == {"missing"}
    leader = signed_in(org.edu_leader)
    assert [
        r["unit"]
        for r in leader.get(f"/api/v1/data/quality/runs/{run['id']}/results").json()["items"]
    ] == ["edu"]
    assert post(leader, "/api/v1/data/quality/runs", {"period": "2026"}).status_code == 403
    assert post(office, "/api/v1/data/quality/runs", {"period": "26"}).status_code == 422
    assert signed_in(org.edu_staff).get("/api/v1/data/quality/runs").status_code == 403
    assert CorrectionRequest.objects.count() == 0
