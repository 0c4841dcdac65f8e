"""The editor's live check: the JSON endpoint and the htmx fragment, both from the engine."""

import json

import pytest

from tests.helpers import signed_in
from tests.indicators.conftest import make_indicator


@pytest.fixture
def library(org):
    make_indicator(org.office, "A", "分子", unit_of_measure="件")
    make_indicator(org.office, "B", "分母")
    make_indicator(org.office, "R", "比率", formula="#{A} / #{B}")
    return org


def check(client, text, code=None):
    payload = {"text": text} if code is None else {"text": text, "code": code}
    response = client.post(
        "/api/v1/indicators/formula-check",
        payload,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    return json.loads(response.content)


def test_a_valid_formula_gives_its_canonical_text_and_references(library):
    client = signed_in(library.edu_staff)  # any signed-in user may check
    assert check(client, "round(#{A}/#{B@lastyear}*100,1)") == {
        "ok": True,
        "text": "round(#{A} / #{B@lastyear} * 100, 1)",
        "references": ["A", "B@lastyear"],
        "errors": [],
    }
    assert check(client, "   ") == {"ok": True, "text": "", "references": [], "errors": []}


def test_errors_carry_their_position(library):
    client = signed_in(library.office)
    assert check(client, "foo(#{A})") == {
        "ok": False,
        "text": "foo(#{A})",
        "references": [],
        "errors": [
            {
                "position": 1,
                "message": "column 1: unknown function 'foo'; the functions are sum, avg, min, max, abs, round, if",
            }
        ],
    }
    assert check(client, "#{A} + #{C}")["errors"] == [
        {"position": 8, "message": "Column 8: there is no indicator with the code C."}
    ]
    assert check(client, "#{R} * 2", code="A")["errors"] == [
        {"position": 1, "message": "The formula refers back to itself: A → R → A."}
    ]


def test_the_htmx_fragment_shows_the_caret(library):
    client = signed_in(library.office)
    response = client.post(
        "/indicators/formula-check/",
        {"formula": "#{A} * (2", "code": "NEW"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    page = response.content.decode()
    assert "<html" not in page
    assert '<code>#{A} * (2<mark title="column 10"> </mark></code>' in page
    assert 'data-position="10"' in page
    ok = client.post(
        "/indicators/formula-check/", {"formula": "#{A}+#{B}", "own_code": "R"}
    ).content.decode()
    assert 'data-check="ok"' in ok and "#{A} + #{B}" in ok and "分子 (件)" in ok
    cycle = client.post(
        "/indicators/formula-check/",
        {"formula": "#{R}", "own_code": "A"},
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "A → R → A" in cycle
    assert '<mark title="column 1">#</mark>' in cycle


def test_the_check_needs_a_sign_in(client, library):
    assert (
        client.post(
            "/api/v1/indicators/formula-check", {"text": "1"}, content_type="application/json"
        ).status_code
        == 401
    )
    assert client.post("/indicators/formula-check/", {"formula": "1"}).status_code == 302
