"""Security headers on every kind of answer: CSP without inline script, no framing,
no sniffing; the session cookie is HttpOnly."""

import re

import pytest
from django.conf import settings
from django.test import Client

from tests.helpers import PASSWORD, signed_in


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


def _check_headers(response) -> None:
    csp = _csp(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in " ".join(csp.get("style-src", []))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def _no_inline_code(html: str) -> None:
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert re.findall(r"\son[a-z]+\s*=", html) == []
    assert re.findall(r"\sstyle\s*=", html) == []


def test_the_login_page(db):
    response = Client().get("/accounts/login/")

    _check_headers(response)
    _no_inline_code(response.content.decode())
    assert '<html lang="zh-hans">' in response.content.decode()


def test_the_root_leads_to_the_login_page(db):
    response = Client().get("/", follow=True)

    assert response.redirect_chain == [("/accounts/login/?next=/", 302)]
    _check_headers(response)


@pytest.mark.parametrize(
    ("who", "url", "status"),
    [
        ("edu_staff", "/", 200),
        ("office", "/orgs/", 200),
        ("auditor", "/audit/", 200),
        ("edu_staff", "/audit/", 403),
        ("edu_staff", "/accounts/tokens/", 200),
    ],
)
def test_signed_in_pages(org, who, url, status):
    response = signed_in(org.people()[who]).get(url)

    assert response.status_code == status
    _check_headers(response)
    _no_inline_code(response.content.decode())


def test_the_second_factor_enrolment_page(org):
    client = Client()
    client.post("/accounts/login/", {"username": "office", "password": PASSWORD})

    response = client.get("/accounts/otp/enrol/")

    _check_headers(response)
    _no_inline_code(response.content.decode())


def test_api_answers(org):
    response = signed_in(org.edu_staff).get("/api/v1/me")

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_session_cookie_is_http_only(org):
    client = Client()
    client.post("/accounts/login/", {"username": "edu_staff", "password": PASSWORD})

    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
