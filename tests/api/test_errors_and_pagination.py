"""The API's one error body and its pagination."""

import json

from govperf.orgs.models import Unit
from tests.helpers import signed_in


def body(response) -> dict:
    return json.loads(response.content)


def test_unauthenticated_is_401_with_the_error_body(client):
    response = client.get("/api/v1/units", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert body(response) == {
        "code": "unauthenticated",
        "message": "Sign in, or send a valid API token.",
        "details": [],
    }


def test_validation_errors_name_the_field(org):
    client = signed_in(org.admin)
    response = client.post(
        "/api/v1/units", {"code": "x", "kind": "planet"}, content_type="application/json"
    )
    assert response.status_code == 422
    data = body(response)
    assert data["code"] == "invalid"
    assert {d["field"] for d in data["details"]} == {"name", "kind"}


def test_domain_validation_errors_name_the_field(org):
    client = signed_in(org.admin)
    payload = {"code": "edu", "name": "again", "kind": "department", "parent": "city"}
    response = client.post(
        "/api/v1/units", payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 422
    assert body(response)["details"] == [
        {"field": "code", "value": "edu", "message": "This code is already used by another unit."}
    ]


def test_not_found_and_forbidden(org):
    client = signed_in(org.edu_leader)
    assert body(client.get("/api/v1/units/nope"))["code"] == "not_found"
    # Another department is invisible to a unit leader: not found, not forbidden.
    assert client.get("/api/v1/units/health").status_code == 404
    response = client.patch(
        "/api/v1/units/edu", {"version": 1, "name": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert body(response)["code"] == "forbidden"
    assert Unit.objects.get(code="edu").name == "教育局"


def test_stale_version_is_409(org):
    client = signed_in(org.admin)
    ok = client.patch(
        "/api/v1/units/edu", {"version": 1, "name": "市教育局"}, content_type="application/json"
    )
    assert ok.status_code == 200 and body(ok)["version"] == 2
    stale = client.patch(
        "/api/v1/units/edu", {"version": 1, "name": "其他"}, content_type="application/json"
    )
    assert stale.status_code == 409
    assert body(stale)["code"] == "conflict"
    assert Unit.objects.get(code="edu").name == "市教育局"


def test_pagination_counts_and_bounds(org):
    client = signed_in(org.office)
    first = body(client.get("/api/v1/units?page_size=4"))
    assert first["count"] == Unit.objects.count() == 10
    assert [u["code"] for u in first["items"]] == ["city", "office", "lg", "edu"]
    third = body(client.get("/api/v1/units?page_size=4&page=3"))
    assert len(third["items"]) == 2
    assert client.get("/api/v1/units?page=0").status_code == 422
    assert client.get("/api/v1/units?page_size=501").status_code == 422


def test_list_filters(org):
    client = signed_in(org.office)
    codes = [u["code"] for u in body(client.get("/api/v1/units?kind=department"))["items"]]
    assert codes == ["edu", "health", "county-edu"]
    codes = [u["code"] for u in body(client.get("/api/v1/units?group=social"))["items"]]
    assert codes == ["edu", "health"]
    codes = [u["code"] for u in body(client.get("/api/v1/units?parent=edu"))["items"]]
    assert codes == ["edu-s1"]


def test_openapi_document_and_docs_page(client):
    doc = body(client.get("/api/v1/openapi.json"))
    assert doc["info"]["title"] == "GovPerf API"
    assert "/api/v1/units" in doc["paths"]
    assert "422" in doc["paths"]["/api/v1/units"]["post"]["responses"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"swagger-ui-bundle.js" in docs.content
    assert b"cdn" not in docs.content.lower()


def test_messages_follow_the_accept_language(client):
    zh = body(client.get("/api/v1/units", HTTP_ACCEPT_LANGUAGE="zh-CN"))["message"]
    en = body(client.get("/api/v1/units", HTTP_ACCEPT_LANGUAGE="en"))["message"]
    assert en == "Sign in, or send a valid API token."
    assert zh != en and any("\u4e00" <= ch <= "\u9fff" for ch in zh)


def test_an_unknown_api_path_gets_the_error_body(client, org):
    for caller in (client, signed_in(org.admin)):
        response = caller.get("/api/v1/no-such-thing", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert body(response) == {"code": "not_found", "message": "Not found.", "details": []}
    chinese = client.get("/api/v1/no-such-thing", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert body(chinese)["message"] == "未找到请求的内容。"


def test_a_method_an_operation_does_not_take_gets_the_error_body(org):
    before = Unit.objects.count()
    response = signed_in(org.admin).put(
        "/api/v1/units", {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 405
    assert body(response) == {
        "code": "method_not_allowed",
        "message": "This method is not allowed here.",
        "details": [],
    }
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    assert Unit.objects.count() == before


def test_pages_keep_their_own_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
