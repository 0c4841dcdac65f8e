"""TOTP second factor: admin, auditor, office and leader enrol in the browser and confirm
a code at every sign-in; other roles are not asked."""

import base64
import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from govperf.audit.models import AuditEntry
from tests.helpers import PASSWORD, signed_in, totp_code, wrong_totp_code

PRIVILEGED = ["admin", "auditor", "office", "leader"]


def _login(username: str) -> tuple[Client, str]:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    return client, response["Location"]


@pytest.mark.parametrize("who", PRIVILEGED)
def test_privileged_roles_are_sent_to_enrol(org, who):
    client, location = _login(who)

    assert location == "/accounts/otp/enrol/"
    assert client.get("/")["Location"] == "/accounts/otp/enrol/?next=%2F"


@pytest.mark.parametrize("who", ["edu_leader", "edu_coord", "edu_staff", "evaluator", "expert"])
def test_other_roles_are_not_asked(org, who):
    client, location = _login(who)

    assert location == "/"
    assert client.get("/").status_code == 200


def test_the_roles_that_need_it_are_configurable(org, settings):
    settings.OTP_REQUIRED_ROLES = ["unit_leader"]

    assert _login("office")[1] == "/"
    assert _login("edu_leader")[1] == "/accounts/otp/enrol/"


def test_the_enrol_page_shows_a_qr_code_and_the_key(org):
    client, _ = _login("office")

    response = client.get("/accounts/otp/enrol/")

    device = TOTPDevice.objects.get(user=org.office)
    body = response.content.decode()
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert response.status_code == 200
    assert device.confirmed is False
    assert "<svg" in body and "<path" in body
    assert response.context["secret"].replace(" ", "") == key
    assert f'data-testid="otp-secret">{response.context["secret"]}<' in body
    uri = response.context["otpauth_uri"]
    assert uri.startswith(f"otpauth://totp/GovPerf%3Aoffice?secret={key}")
    assert uri.endswith("&issuer=GovPerf")
    assert uri.count("GovPerf") == 2  # once in the label, once as the issuer


def test_showing_a_new_key_replaces_the_unconfirmed_one(org):
    client, _ = _login("office")
    client.get("/accounts/otp/enrol/")
    first = TOTPDevice.objects.get(user=org.office).key

    client.get("/accounts/otp/enrol/?restart=1")

    assert list(TOTPDevice.objects.filter(user=org.office).values_list("key", flat=True)) != [first]
    assert TOTPDevice.objects.filter(user=org.office).count() == 1


def test_a_wrong_code_is_refused(org):
    client, _ = _login("office")
    client.get("/accounts/otp/enrol/")
    device = TOTPDevice.objects.get(user=org.office)

    response = client.post("/accounts/otp/enrol/", {"token": wrong_totp_code(device)})

    assert response.status_code == 200
    assert "token" in response.context["form"].errors
    device.refresh_from_db()
    assert device.confirmed is False
    assert client.get("/")["Location"] == "/accounts/otp/enrol/?next=%2F"
    assert AuditEntry.objects.filter(action="otp.enrol_failed", actor_label="office").count() == 1


def test_a_correct_code_confirms_and_signs_in(org):
    client, _ = _login("office")
    client.get("/accounts/otp/enrol/")
    device = TOTPDevice.objects.get(user=org.office)

    response = client.post("/accounts/otp/enrol/", {"token": totp_code(device)})

    assert response.status_code == 302
    assert response["Location"] == "/"
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    assert AuditEntry.objects.filter(action="otp.enrolled", actor_label="office").count() == 1


def test_enrolment_returns_to_the_page_asked_for(org):
    client, _ = _login("office")
    client.get("/accounts/otp/enrol/")
    device = TOTPDevice.objects.get(user=org.office)

    response = client.post(
        "/accounts/otp/enrol/?next=/orgs/", {"token": totp_code(device), "next": "/orgs/"}
    )

    assert response["Location"] == "/orgs/"


def test_later_logins_ask_for_a_code(org, settings):
    device = TOTPDevice.objects.create(user=org.office, name="phone", confirmed=True)
    client, location = _login("office")
    assert location == "/accounts/otp/"
    assert client.get("/orgs/")["Location"] == "/accounts/otp/?next=%2Forgs%2F"

    response = client.post("/accounts/otp/", {"token": totp_code(device)})

    assert response["Location"] == "/"
    assert client.get("/orgs/").status_code == 200


def test_a_code_is_not_accepted_twice(org, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = TOTPDevice.objects.create(user=org.office, name="phone", confirmed=True)
    code = totp_code(device)
    first, _ = _login("office")
    first.post("/accounts/otp/", {"token": code})

    second, _ = _login("office")
    response = second.post("/accounts/otp/", {"token": code})

    assert response.status_code == 200
    assert second.get("/")["Location"].startswith("/accounts/otp/")


def test_a_wrong_code_at_sign_in_is_refused_then_throttled(org):
    device = TOTPDevice.objects.create(user=org.office, name="phone", confirmed=True)
    client, _ = _login("office")

    wrong = client.post("/accounts/otp/", {"token": wrong_totp_code(device)})
    throttled = client.post("/accounts/otp/", {"token": totp_code(device)})

    assert "The code is wrong" in wrong.content.decode()
    assert "Too many wrong codes" in throttled.content.decode()
    assert client.get("/")["Location"] == "/accounts/otp/?next=%2F"


def test_with_a_confirmed_device_the_enrol_page_does_not_replace_it(org):
    device = TOTPDevice.objects.create(user=org.office, name="phone", confirmed=True)
    client, _ = _login("office")

    response = client.get("/accounts/otp/enrol/?restart=1")

    assert response["Location"] == "/accounts/otp/"
    assert list(TOTPDevice.objects.filter(user=org.office)) == [device]


def test_the_session_api_before_the_second_factor(org):
    enrol_client, _ = _login("office")
    TOTPDevice.objects.create(user=org.leader, name="phone", confirmed=True)
    verify_client, _ = _login("leader")

    for client, code in (
        (enrol_client, "otp_enrol_required"),
        (verify_client, "otp_verify_required"),
    ):
        response = client.get("/api/v1/me")
        assert response.status_code == 403
        assert json.loads(response.content)["code"] == code
        response = client.post(
            "/api/v1/units",
            {"code": "x", "name": "x", "kind": "department", "parent": "city"},
            content_type="application/json",
        )
        assert response.status_code == 403
        assert json.loads(response.content)["code"] == code


def test_an_expired_password_comes_before_the_second_factor(org):
    org.office.password_changed_at = timezone.now() - dt.timedelta(days=91)
    org.office.save(update_fields=["password_changed_at"])
    client, location = _login("office")
    assert location == "/accounts/password/"

    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password": "Fresh#Pass2027",
            "new_password_again": "Fresh#Pass2027",
        },
    )

    assert response["Location"] == "/accounts/otp/enrol/"


def test_an_admin_reset_makes_the_person_enrol_again(org):
    TOTPDevice.objects.create(user=org.office, name="phone", confirmed=True)
    office = signed_in(org.office)
    assert office.get("/").status_code == 200

    signed_in(org.admin).post(f"/orgs/people/{org.office.pk}/reset-otp/")

    assert TOTPDevice.objects.filter(user=org.office).count() == 0
    assert office.get("/")["Location"] == "/accounts/otp/enrol/?next=%2F"
