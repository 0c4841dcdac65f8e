"""CSRF: enforced on page POSTs and session-authenticated API writes; token-authenticated
API writes need none."""

import json

from django.test import Client

from govperf.accounts import services
from govperf.orgs.models import Unit
from tests.helpers import PASSWORD, signed_in_strict

UNIT = {"code": "stats", "name": "统计局", "kind": "department", "parent": "city"}


def _csrf_token(client: Client, page: str = "/") -> str:
    client.get(page)
    return client.cookies["csrftoken"].value


def test_the_login_form_needs_the_token():
    client = Client(enforce_csrf_checks=True)

    refused = client.post("/accounts/login/", {"username": "x", "password": "y"})

    assert refused.status_code == 403


def test_login_with_the_token(org):
    client = Client(enforce_csrf_checks=True)
    token = _csrf_token(client, "/accounts/login/")

    response = client.post(
        "/accounts/login/",
        {"username": "edu_staff", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )

    assert response["Location"] == "/"


def test_a_page_post_without_the_token_is_refused_and_changes_nothing(org):
    client = signed_in_strict(org.office)
    count = Unit.objects.count()

    response = client.post(
        f"/orgs/units/new/?parent={org.city.pk}",
        {"code": "stats", "name": "统计局", "kind": "department", "sort_order": 0},
    )

    assert response.status_code == 403
    assert Unit.objects.count() == count


def test_a_page_post_with_the_token_works(org):
    client = signed_in_strict(org.office)
    token = _csrf_token(client, f"/orgs/units/new/?parent={org.city.pk}")

    response = client.post(
        f"/orgs/units/new/?parent={org.city.pk}",
        {
            "code": "stats",
            "name": "统计局",
            "kind": "department",
            "sort_order": 0,
            "csrfmiddlewaretoken": token,
        },
    )

    assert response.status_code == 302
    assert Unit.objects.filter(code="stats").exists()


def test_a_session_api_write_without_the_token_is_refused(org):
    client = signed_in_strict(org.office)

    response = client.post("/api/v1/units", UNIT, content_type="application/json")

    assert response.status_code == 403
    assert set(json.loads(response.content)) == {"code", "message", "details"}
    assert not Unit.objects.filter(code="stats").exists()


def test_a_session_api_write_with_the_token_works(org):
    client = signed_in_strict(org.office)
    token = _csrf_token(client)

    response = client.post(
        "/api/v1/units", UNIT, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )

    assert response.status_code == 201
    assert Unit.objects.filter(code="stats").exists()


def test_a_session_api_read_needs_no_token(org):
    assert signed_in_strict(org.office).get("/api/v1/units").status_code == 200


def test_a_token_api_write_needs_no_csrf(org):
    _token, secret = services.create_token(
        actor=org.office, owner=org.office, name="t", can_write=True, units=[]
    )

    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/units",
        UNIT,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )

    assert response.status_code == 201, response.content
    assert Unit.objects.filter(code="stats").exists()
