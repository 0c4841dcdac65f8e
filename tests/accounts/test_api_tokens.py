"""API tokens: hashed, expiring, revocable, narrowed to units and to reading or writing."""

import datetime as dt
import hashlib
import json

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from govperf.accounts import services
from govperf.accounts.models import ApiToken
from govperf.audit.models import AuditEntry
from govperf.orgs import services as org_services
from govperf.orgs.models import Unit
from tests.helpers import signed_in

UNIT = {"code": "stats", "name": "统计局", "kind": "department", "parent": "city"}


def _token(owner, *, can_write=False, units=(), days=30):
    token, secret = services.create_token(
        actor=owner,
        owner=owner,
        name="集成",
        can_write=can_write,
        units=list(units),
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    return token, secret


def _api(secret: str, method: str = "get", url: str = "/api/v1/me", body=None):
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    if method == "get":
        response = client.get(url, **headers)
    else:
        response = getattr(client, method)(
            url, json.dumps(body or {}), content_type="application/json", **headers
        )
    return response.status_code, json.loads(response.content) if response.content else None


def _codes(body) -> list[str]:
    return sorted(u["code"] for u in body["items"])


def test_a_token_acts_for_its_owner(org):
    token, secret = _token(org.edu_coord)

    status, body = _api(secret)

    assert status == 200
    assert (body["username"], body["token_id"]) == ("edu_coord", token.prefix)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_only_a_hash_of_the_secret_is_stored(org):
    token, secret = _token(org.edu_coord)
    random_part = secret.split("_", 2)[2]

    assert secret == f"gp_{token.prefix}_{random_part}"
    assert token.key_hash == hashlib.sha256(random_part.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        stored = " ".join(str(v) for row in cursor.fetchall() for v in row)
    assert random_part not in stored
    audit_text = " ".join(AuditEntry.objects.values_list("after", flat=True))
    assert random_part not in audit_text and token.key_hash not in audit_text


def test_an_expired_token_is_refused(org):
    token, secret = _token(org.edu_coord)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    status, body = _api(secret)

    assert (status, body["code"]) == (401, "unauthenticated")


def test_a_revoked_token_is_refused(org):
    token, secret = _token(org.edu_coord)
    assert _api(secret)[0] == 200

    response = signed_in(org.edu_coord).post(f"/api/v1/tokens/{token.pk}/revoke")

    assert response.status_code == 200
    assert json.loads(response.content)["revoked_at"] is not None
    assert _api(secret)[0] == 401


def test_revoking_on_the_tokens_page(org):
    token, secret = _token(org.edu_coord)

    response = signed_in(org.edu_coord).post(f"/accounts/tokens/{token.pk}/revoke/")

    assert response.status_code == 302
    assert _api(secret)[0] == 401


def test_a_tampered_secret_is_refused(org):
    _token_obj, secret = _token(org.edu_coord)

    assert _api(secret[:-1] + ("A" if secret[-1] != "A" else "B"))[0] == 401


def test_a_unit_scoped_token_sees_only_that_subtree(org):
    _t, secret = _token(org.office, units=[org.edu])

    status, body = _api(secret, url="/api/v1/units")

    assert status == 200
    assert _codes(body) == ["edu", "edu-p1", "edu-s1"]
    assert _api(secret, url="/api/v1/units/edu-s1")[0] == 200
    assert _api(secret, url="/api/v1/units/health")[0] == 404
    assert _api(secret, url="/api/v1/units/city")[0] == 404


def test_a_token_without_units_reaches_all_of_the_owners_units(org):
    _t, secret = _token(org.edu_coord)

    assert _codes(_api(secret, url="/api/v1/units")[1]) == ["edu", "edu-p1", "edu-s1"]


def test_a_read_only_token_cannot_write_even_when_its_owner_could(org):
    _t, secret = _token(org.office, can_write=False)
    count = Unit.objects.count()

    status, body = _api(secret, "post", "/api/v1/units", UNIT)

    assert (status, body["code"]) == (403, "forbidden")
    assert Unit.objects.count() == count
    assert AuditEntry.objects.order_by("-seq").values_list("action", "result").first() == (
        "denied:manage_units",
        "denied",
    )
    assert (
        signed_in(org.office)
        .post("/api/v1/units", UNIT, content_type="application/json")
        .status_code
        == 201
    )


def test_a_write_token_writes_within_its_units(org):
    _t, secret = _token(org.office, can_write=True, units=[org.edu])

    inside = _api(secret, "post", "/api/v1/units", {**UNIT, "parent": "edu"})
    outside = _api(secret, "post", "/api/v1/units", {**UNIT, "code": "stats2", "parent": "health"})

    assert inside[0] == 201
    assert outside[0] == 404
    assert list(Unit.objects.filter(code__startswith="stats").values_list("code", flat=True)) == [
        "stats"
    ]


def test_deactivating_the_owner_revokes_the_tokens(org):
    token, secret = _token(org.edu_coord)

    org_services.set_person_active(
        actor=org.admin, person=org.edu_coord, active=False, expected_version=None
    )

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _api(secret)[0] == 401


def test_creating_a_token_through_the_api(org):
    response = signed_in(org.edu_coord).post(
        "/api/v1/tokens",
        {"name": "预算系统", "can_write": False, "units": ["edu-s1"], "expires_in_days": 10},
        content_type="application/json",
    )

    assert response.status_code == 201
    body = json.loads(response.content)
    assert (body["owner"], body["units"], body["can_write"]) == ("edu_coord", ["edu-s1"], False)
    assert _codes(_api(body["secret"], url="/api/v1/units")[1]) == ["edu-p1", "edu-s1"]
    listed = json.loads(signed_in(org.edu_coord).get("/api/v1/tokens").content)
    assert [t["prefix"] for t in listed["items"]] == [body["prefix"]]
    assert "secret" not in listed["items"][0]


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"units": ["health"]}, 404),  # a unit the owner cannot see
        ({"expires_in_days": 366}, 422),  # beyond API_TOKEN_MAX_DAYS
        ({"name": ""}, 422),
    ],
)
def test_the_api_refuses_bad_tokens(org, payload, status):
    response = signed_in(org.edu_coord).post(
        "/api/v1/tokens", {"name": "t", **payload}, content_type="application/json"
    )

    assert response.status_code == status
    assert ApiToken.objects.count() == 0


def test_a_token_cannot_mint_another_token(org):
    _t, secret = _token(org.edu_coord, can_write=False, units=[org.edu_s1])

    status, body = _api(secret, "post", "/api/v1/tokens", {"name": "wider", "can_write": True})

    assert (status, body["code"]) == (403, "forbidden")
    assert ApiToken.objects.count() == 1


def test_a_read_only_token_cannot_revoke(org):
    other, other_secret = _token(org.edu_coord)
    _t, secret = _token(org.edu_coord, can_write=False)

    status, _body = _api(secret, "post", f"/api/v1/tokens/{other.pk}/revoke")

    assert status == 403
    assert _api(other_secret)[0] == 200


def test_the_admin_manages_other_peoples_tokens(org):
    admin = signed_in(org.admin)
    response = admin.post(
        "/api/v1/tokens",
        {"name": "for coord", "owner": "edu_coord", "units": ["edu"]},
        content_type="application/json",
    )
    assert response.status_code == 201
    token = ApiToken.objects.get()
    assert (token.owner, token.created_by) == (org.edu_coord, org.admin)

    listed = json.loads(admin.get("/api/v1/tokens").content)
    assert [t["owner"] for t in listed["items"]] == ["edu_coord"]
    assert admin.post(f"/api/v1/tokens/{token.pk}/revoke").status_code == 200


@pytest.mark.parametrize("who", ["office", "auditor", "edu_leader"])
def test_others_cannot_make_or_revoke_tokens_for_someone_else(org, who):
    token, secret = _token(org.edu_coord)
    client = signed_in(org.people()[who])

    made = client.post(
        "/api/v1/tokens", {"name": "x", "owner": "edu_coord"}, content_type="application/json"
    )
    revoked = client.post(f"/api/v1/tokens/{token.pk}/revoke")

    assert made.status_code == 403
    assert revoked.status_code == 404
    assert ApiToken.objects.count() == 1
    assert _api(secret)[0] == 200


def test_the_tokens_page_shows_the_secret_once(org):
    client = signed_in(org.edu_coord)

    created = client.post(
        "/accounts/tokens/", {"name": "报表", "units": [org.edu_s1.pk], "expires_in_days": 30}
    )
    secret = created.context["created_secret"]
    again = client.get("/accounts/tokens/")

    assert secret.startswith("gp_")
    assert secret in created.content.decode()
    assert secret not in again.content.decode()
    assert _codes(_api(secret, url="/api/v1/units")[1]) == ["edu-p1", "edu-s1"]
