"""A NUL character is refused with one clear 400 wherever it comes in."""

import json

import pytest

from govperf.orgs.models import Unit
from tests.helpers import signed_in


@pytest.mark.parametrize(
    "send",
    [
        lambda c: c.get("/api/v1/units?q=a%00b"),
        lambda c: c.post(
            "/api/v1/groups",
            json.dumps({"code": "g", "name": "a\u0000b"}),
            content_type="application/json",
        ),
        lambda c: c.post("/orgs/groups/", {"code": "g", "name": "a\x00b"}),
    ],
    ids=["query", "json", "form"],
)
def test_nul_is_refused(org, send):
    response = send(signed_in(org.office))
    assert response.status_code == 400
    assert json.loads(response.content)["code"] == "invalid"


def test_ordinary_requests_pass(org):
    assert signed_in(org.office).get("/api/v1/units?q=教育").status_code == 200
    assert Unit.objects.filter(code="edu").exists()
