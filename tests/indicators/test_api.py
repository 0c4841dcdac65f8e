"""The library's API: list, get with versions, create, patch with versioning, deactivate,
taxonomies and rubrics, import; errors in the one error body."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from govperf.indicators.models import Indicator, Rubric, Tag
from tests.helpers import signed_in
from tests.indicators.conftest import make_indicator


def body(response) -> dict:
    return json.loads(response.content)


def post(client, url, payload):
    return client.post(url, payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def patch(client, url, payload):
    return client.patch(url, payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def api(org, presets):
    return signed_in(org.office)


RATE = {
    "code": "GOV-001",
    "name": "政务服务事项按时办结率",
    "unit_of_measure": "%",
    "formula": "#{GOV-002}/#{GOV-003}*100",
    "collecting_unit": "edu",
    "frequency": "Monthly",
    "time_aggregation": "mean",
    "direction": "higher",
    "tags": ["dimension:government", "r004:efficiency"],
    "change_note": "新建",
}


def make_inputs(org):
    make_indicator(org.office, "GOV-002", "按时办结事项数")
    make_indicator(org.office, "GOV-003", "办结事项总数")


def test_create_and_get(org, api):
    make_inputs(org)
    response = post(api, "/api/v1/indicators", RATE)
    assert response.status_code == 201, response.content
    data = body(response)
    assert (data["code"], data["version"], data["is_active"]) == ("GOV-001", 1, True)
    current = data["current"]
    assert current["formula"] == "#{GOV-002} / #{GOV-003} * 100"
    assert current["references"] == ["GOV-002", "GOV-003"]
    assert current["tags"] == ["dimension:government", "r004:efficiency"]
    assert (current["collecting_unit"], current["time_aggregation"], current["created_by"]) == (
        "edu",
        "mean",
        "office",
    )
    assert [v["number"] for v in data["versions"]] == [1]
    other = signed_in(org.edu_staff)
    got = body(other.get("/api/v1/indicators/GOV-003"))
    assert got["used_in_formulas"] == ["GOV-001"]
    assert got["usages"] == []


def test_list_filters_and_pages(org, api):
    make_inputs(org)
    post(api, "/api/v1/indicators", RATE)
    make_indicator(org.office, "ECO-1", "地区生产总值", tags=(Tag.objects.get(code="economy"),))
    listed = body(api.get("/api/v1/indicators"))
    assert listed["count"] == 4
    assert [i["code"] for i in listed["items"]] == ["ECO-1", "GOV-001", "GOV-002", "GOV-003"]
    assert [
        i["code"] for i in body(api.get("/api/v1/indicators?tag=r004:efficiency"))["items"]
    ] == ["GOV-001"]
    assert body(api.get("/api/v1/indicators?taxonomy=dimension"))["count"] == 2
    assert body(api.get("/api/v1/indicators?q=办结"))["count"] == 3
    assert body(api.get("/api/v1/indicators?tag=nope:nope"))["count"] == 0
    page = body(api.get("/api/v1/indicators?page=2&page_size=3"))
    assert [i["code"] for i in page["items"]] == ["GOV-003"]


def test_patch_edits_in_place_then_versions_once_in_use(org, api, plan_lines):
    make_inputs(org)
    post(api, "/api/v1/indicators", RATE)
    data = body(patch(api, "/api/v1/indicators/GOV-001", {"version": 1, "name": "按时办结率"}))
    assert (data["version"], data["current"]["number"], data["current"]["name"]) == (
        2,
        1,
        "按时办结率",
    )
    assert data["current"]["tags"] == ["dimension:government", "r004:efficiency"]  # untouched
    plan_lines.objects.create(version=Indicator.objects.get(code="GOV-001").current)
    data = body(
        patch(
            api,
            "/api/v1/indicators/GOV-001",
            {"version": 2, "caliber": "不含撤回件", "rubric": None},
        )
    )
    assert (data["version"], data["current"]["number"]) == (3, 2)
    assert [v["number"] for v in data["versions"]] == [2, 1]
    assert data["versions"][1]["caliber"] == ""
    assert data["usages"] == [
        {"model": "indicators.PlanLine", "name": "plan lines", "count": 1, "versions": [1]}
    ]


def test_errors_use_the_one_body(org, api):
    make_inputs(org)
    post(api, "/api/v1/indicators", RATE)
    response = patch(api, "/api/v1/indicators/GOV-001", {"version": 7, "name": "x"})
    assert (response.status_code, body(response)["code"]) == (409, "conflict")
    response = patch(api, "/api/v1/indicators/GOV-001", {"version": 1, "formula": "#{GOV-001} + 1"})
    assert response.status_code == 422
    assert body(response)["details"] == [
        {
            "field": "formula",
            "value": "GOV-001",
            "message": "The formula refers back to itself: GOV-001 → GOV-001.",
        }
    ]
    response = post(api, "/api/v1/indicators", {**RATE, "code": "X", "tags": ["dimension:nope"]})
    assert body(response)["details"] == [
        {
            "field": "tags",
            "value": "dimension:nope",
            "message": "Unknown category (write taxonomy:category).",
        }
    ]
    response = post(api, "/api/v1/indicators", {"code": "Y", "name": "Y", "direction": "band"})
    assert (response.status_code, body(response)["details"][0]["field"]) == (422, "band_low")
    response = post(api, "/api/v1/indicators", {"code": "Z", "name": "Z", "decimals": 9})
    assert (response.status_code, body(response)["details"][0]["field"]) == (422, "decimals")
    assert api.get("/api/v1/indicators/NOPE").status_code == 404
    assert not Indicator.objects.filter(code__in=["X", "Y", "Z"]).exists()


def test_deactivate_and_reactivate(org, api):
    make_inputs(org)
    post(api, "/api/v1/indicators", RATE)
    response = post(api, "/api/v1/indicators/GOV-002/deactivate", {"version": 1})
    assert (response.status_code, body(response)["code"]) == (409, "in_use")
    assert (
        body(post(api, "/api/v1/indicators/GOV-001/deactivate", {"version": 1}))["is_active"]
        is False
    )
    assert (
        body(post(api, "/api/v1/indicators/GOV-002/deactivate", {"version": 1}))["is_active"]
        is False
    )
    response = post(api, "/api/v1/indicators/GOV-001/reactivate", {"version": 2})
    assert response.status_code == 422
    assert body(api.get("/api/v1/indicators?active=false"))["count"] == 2


def test_taxonomies_and_categories(org, api):
    listed = body(api.get("/api/v1/taxonomies"))
    assert [t["code"] for t in listed["items"]] == ["dimension", "budget", "newyork", "r004"]
    budget = body(api.get("/api/v1/taxonomies/budget"))
    assert [t["key"] for t in budget["tags"] if t["parent"] == "cost"] == [
        "budget:cost-economic",
        "budget:cost-social",
        "budget:cost-ecological",
    ]
    assert post(api, "/api/v1/taxonomies", {"code": "bsc", "name": "平衡计分卡"}).status_code == 201
    assert (
        post(api, "/api/v1/taxonomies/bsc/tags", {"code": "finance", "name": "财务"}).status_code
        == 201
    )
    tag = body(
        post(
            api, "/api/v1/taxonomies/bsc/tags", {"code": "roi", "name": "回报", "parent": "finance"}
        )
    )
    assert (tag["key"], tag["parent"]) == ("bsc:roi", "finance")
    moved = body(patch(api, "/api/v1/taxonomies/bsc/tags/roi", {"version": 1, "parent": None}))
    assert (moved["parent"], moved["version"]) == (None, 2)
    renamed = body(patch(api, "/api/v1/taxonomies/bsc", {"version": 1, "name": "BSC"}))
    assert renamed["name"] == "BSC"
    assert api.delete("/api/v1/taxonomies/bsc/tags/roi").status_code == 204
    assert (
        body(
            post(api, "/api/v1/taxonomies/bsc/tags", {"code": "x", "name": "X", "parent": "nope"})
        )["details"][0]["field"]
        == "parent"
    )


def test_rubrics(org, api):
    levels = [
        {"name": "好", "description": "完成", "min": 0.8, "max": 1},
        {"name": "差", "min": 0, "max": 0.8},
    ]
    created = post(api, "/api/v1/rubrics", {"code": "two", "name": "两级", "levels": levels})
    assert created.status_code == 201
    assert body(created)["levels"][1] == {"name": "差", "description": "", "min": 0.0, "max": 0.8}
    overlapping = [levels[0], {"name": "差", "min": 0, "max": 0.9}]
    response = patch(api, "/api/v1/rubrics/two", {"version": 1, "levels": overlapping})
    assert response.status_code == 422
    assert (
        body(response)["details"][0]["message"]
        == "Level 2: its range 0–0.9 overlaps the range 0.8–1 of level 1."
    )
    assert (
        body(patch(api, "/api/v1/rubrics/two", {"version": 1, "name": "二级"}))["levels"]
        == Rubric.objects.get(code="two").levels
    )
    assert [r["code"] for r in body(api.get("/api/v1/rubrics"))["items"]] == ["three-level", "two"]


def xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_import_dry_run_then_for_real(org, api):
    data = xlsx([["编码", "名称", "计算公式"], ["A", "甲", ""], ["R", "率", "#{A} * 2"]])

    def upload(query=""):
        return api.post(
            f"/api/v1/indicators/import{query}",
            {"file": SimpleUploadedFile("i.xlsx", data)},
            HTTP_ACCEPT_LANGUAGE="en",
        )

    dry = body(upload("?dry_run=1"))
    assert dry == {
        "dry_run": True,
        "rows": 2,
        "create": 2,
        "update": 0,
        "unchanged": 0,
        "changes": [
            {"row": 2, "code": "A", "change": "create", "new_version": False},
            {"row": 3, "code": "R", "change": "create", "new_version": False},
        ],
    }
    assert not Indicator.objects.exists()
    assert body(upload())["create"] == 2
    assert Indicator.objects.get(code="R").current.formula == "#{A} * 2"
    again = body(upload())
    assert (again["unchanged"], again["changes"]) == (2, [])


def test_import_errors_are_located(org, api):
    data = xlsx([["code", "name", "direction"], ["A", "甲", "sideways"]])
    response = api.post(
        "/api/v1/indicators/import",
        {"file": SimpleUploadedFile("i.xlsx", data)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    assert body(response)["details"] == [
        {"row": 2, "column": "C (direction)", "value": "sideways", "message": "Not a valid choice."}
    ]


def test_export_through_the_api_round_trips_through_the_import(org, api):
    make_indicator(org.office, "A", name="甲")
    make_indicator(org.office, "R", name="率", formula="#{A} * 2")
    reader = signed_in(org.edu_staff)  # every signed-in user may read the library

    xlsx_file = reader.get("/api/v1/indicators/export")
    csv_file = reader.get("/api/v1/indicators/export?format=csv")

    assert xlsx_file.status_code == 200 and csv_file.status_code == 200
    assert 'filename="govperf-indicators.xlsx"' in xlsx_file["Content-Disposition"]
    assert csv_file["Content-Type"].startswith("text/csv")
    lines = csv_file.content.decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["A", "R"]
    again = body(
        api.post(
            "/api/v1/indicators/import?dry_run=1",
            {"file": SimpleUploadedFile("i.xlsx", xlsx_file.content)},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    )
    assert (again["create"], again["update"], again["unchanged"]) == (0, 0, 2)
    bad = reader.get("/api/v1/indicators/export?format=pdf")
    assert bad.status_code == 422 and body(bad)["details"][0]["field"]


def test_the_import_template_through_the_api(org, api):
    template = api.get("/api/v1/indicators/import-template")
    assert template.status_code == 200
    headers = next(iter(load_workbook(io.BytesIO(template.content)).active.iter_rows(max_row=1)))
    assert headers[0].value in ("code", "指标编码")
    refused = signed_in(org.edu_staff).get("/api/v1/indicators/import-template")
    assert (refused.status_code, body(refused)["code"]) == (403, "forbidden")
