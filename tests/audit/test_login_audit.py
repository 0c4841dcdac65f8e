"""Every login attempt lands in the audit log with actor, result and client address."""

import json

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from govperf.accounts import services
from govperf.audit.models import AuditEntry
from govperf.audit.services import current_head
from tests.helpers import PASSWORD, totp_code, wrong_totp_code

ADDRESS = "203.0.113.7"


def _client() -> Client:
    return Client(REMOTE_ADDR=ADDRESS)


def _login(client: Client, username: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def _new_entries(since: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(seq__gt=since).order_by("seq"))


def test_a_successful_login(org):
    start = current_head().seq

    response = _login(_client(), "edu_staff")

    assert response.status_code == 302
    [entry] = _new_entries(start)
    assert (entry.action, entry.result) == ("login.ok", "ok")
    assert (entry.actor_id, entry.actor_label) == (org.edu_staff.pk, "edu_staff")
    assert (entry.object_type, entry.object_id) == ("orgs.person", str(org.edu_staff.pk))
    assert (entry.client_ip, entry.via) == (ADDRESS, "web")


def test_a_wrong_password(org):
    start = current_head().seq

    response = _login(_client(), "edu_staff", "Wrong#Pass2026")

    assert response.status_code == 200
    [entry] = _new_entries(start)
    assert (entry.action, entry.result) == ("login.failed", "failed")
    assert (entry.actor_id, entry.actor_label, entry.client_ip) == (
        org.edu_staff.pk,
        "edu_staff",
        ADDRESS,
    )


def test_an_unknown_user(org):
    start = current_head().seq

    _login(_client(), "nobody")

    [entry] = _new_entries(start)
    assert (entry.action, entry.result) == ("login.failed", "failed")
    assert (entry.actor_id, entry.actor_label, entry.object_id, entry.client_ip) == (
        None,
        "nobody",
        "",
        ADDRESS,
    )


def test_the_failure_that_locks_and_the_refusals_after_it(org):
    client = _client()
    for _ in range(4):
        _login(client, "edu_staff", "Wrong#Pass2026")
    start = current_head().seq

    _login(client, "edu_staff", "Wrong#Pass2026")  # the fifth failure locks
    locking = [(e.action, e.result) for e in _new_entries(start)]
    start = current_head().seq
    _login(client, "edu_staff")  # the right password, refused
    refused = _new_entries(start)

    assert locking == [("login.failed", "failed"), ("login.lockout", "denied")]
    assert [(e.action, e.result, e.actor_label, e.client_ip) for e in refused] == [
        ("login.locked", "denied", "edu_staff", ADDRESS)
    ]


def test_second_factor_success_and_failure(org, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no waiting after the wrong code
    device = TOTPDevice.objects.create(user=org.office, name="phone", confirmed=True)
    client = _client()
    _login(client, "office")
    start = current_head().seq

    client.post("/accounts/otp/", {"token": wrong_totp_code(device)})
    client.post("/accounts/otp/", {"token": totp_code(device)})

    assert [(e.action, e.result, e.actor_label, e.client_ip) for e in _new_entries(start)] == [
        ("login.otp_failed", "failed", "office", ADDRESS),
        ("login.otp_ok", "ok", "office", ADDRESS),
    ]


@pytest.mark.parametrize(
    "header",
    ["Bearer gp_000000000000_not-a-real-secret", "Bearer garbage", "Bearer gp_{prefix}_wrong"],
)
def test_a_bad_api_token(org, header):
    token, _secret = services.create_token(
        actor=org.edu_staff, owner=org.edu_staff, name="t", can_write=False, units=[]
    )
    start = current_head().seq

    response = _client().get("/api/v1/units", HTTP_AUTHORIZATION=header.format(prefix=token.prefix))

    assert response.status_code == 401
    assert json.loads(response.content)["code"] == "unauthenticated"
    [entry] = _new_entries(start)
    assert (entry.action, entry.result, entry.client_ip, entry.via) == (
        "login.token_failed",
        "failed",
        ADDRESS,
        "api",
    )
    if "{prefix}" in header:
        assert (entry.object_type, entry.object_id) == ("accounts.apitoken", str(token.pk))


def test_logout_is_recorded(org):
    client = _client()
    _login(client, "edu_staff")
    start = current_head().seq

    client.post("/accounts/logout/")

    [entry] = _new_entries(start)
    assert (entry.action, entry.actor_label, entry.client_ip) == ("logout", "edu_staff", ADDRESS)
