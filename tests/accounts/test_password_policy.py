"""Password policy: length, three character classes, expiry, and the forced change after
an administrator sets a password."""

import datetime as dt
import json

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from govperf.accounts import services
from govperf.accounts.passwords import character_classes, password_expired
from govperf.audit.models import AuditEntry
from govperf.core.errors import ValidationFailed
from govperf.orgs.models import Person
from tests.helpers import PASSWORD, signed_in

NEW = "Fresh#Pass2027"


def _refusals(password: str, person: Person | None = None) -> list[str]:
    try:
        password_validation.validate_password(password, person)
    except ValidationError as exc:
        return [e.code for e in exc.error_list]
    return []


@pytest.mark.parametrize(
    ("password", "classes"),
    [("abcdefgh", 1), ("abcd1234", 2), ("Abcd1234", 3), ("Abc#1234", 4), ("密码Abc12", 4)],
)
def test_character_classes(password, classes):
    assert character_classes(password) == classes


@pytest.mark.parametrize(
    ("password", "codes"),
    [
        ("Qz7#mkpw", []),  # 8 characters, 4 classes
        ("Qz7mkpwx", []),  # 8 characters, 3 classes
        ("Qz7#mkp", ["password_too_short"]),
        ("qz7#mkpwqz", []),  # lower, digit, symbol: 3 classes
        ("qz7mkpwqzt", ["password_too_simple"]),  # 2 classes
        ("QZMKPWQZTX", ["password_too_simple"]),
        ("q7", ["password_too_short", "password_too_simple"]),
    ],
)
def test_the_default_policy(db, password, codes):
    assert _refusals(password) == codes


def test_the_minimum_length_is_configurable(db, settings):
    settings.AUTH_PASSWORD_VALIDATORS = [
        {
            "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
            "OPTIONS": {"min_length": 12},
        },
        {
            "NAME": "govperf.accounts.passwords.CharacterClassValidator",
            "OPTIONS": {"min_classes": 4},
        },
    ]

    assert _refusals("Qz7#mkpwxy") == ["password_too_short"]
    assert _refusals("Qz7mkpwxyzab") == ["password_too_simple"]
    assert _refusals("Qz7#mkpwxyza") == []


def test_the_settings_follow_the_environment():
    import subprocess
    import sys

    code = (
        "import json; from django.conf import settings as s;"
        "v = {x['NAME'].rsplit('.', 1)[1]: x.get('OPTIONS') for x in s.AUTH_PASSWORD_VALIDATORS};"
        "print(json.dumps([s.PASSWORD_MAX_AGE_DAYS, v['MinimumLengthValidator'], v['CharacterClassValidator'],"
        " s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds(), s.SESSION_COOKIE_AGE]))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "govperf.settings",
        "GOVPERF_VAR_DIR": "/tmp/govperf-settings-probe",
        "GOVPERF_PASSWORD_MIN_LENGTH": "12",
        "GOVPERF_PASSWORD_MIN_CLASSES": "4",
        "GOVPERF_PASSWORD_MAX_AGE_DAYS": "30",
        "GOVPERF_LOCKOUT_FAILURES": "3",
        "GOVPERF_LOCKOUT_MINUTES": "10",
        "GOVPERF_SESSION_MINUTES": "15",
    }
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert json.loads(out) == [30, {"min_length": 12}, {"min_classes": 4}, 3, 600.0, 900]


# --- expiry ---------------------------------------------------------------------------


def _age(person: Person, days: int) -> None:
    person.password_changed_at = timezone.now() - dt.timedelta(days=days)
    person.save(update_fields=["password_changed_at"])


def test_a_password_of_89_days_is_current(org):
    _age(org.edu_staff, 89)

    assert password_expired(org.edu_staff) is False
    assert signed_in(org.edu_staff).get("/").status_code == 200


@pytest.mark.parametrize("url", ["/", "/orgs/", "/orgs/people/", "/accounts/tokens/"])
def test_a_password_of_91_days_sends_every_page_to_the_change_page(org, url):
    _age(org.edu_staff, 91)

    response = signed_in(org.edu_staff).get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/password/?next={url.replace('/', '%2F')}"


def test_the_next_address_keeps_its_query(org):
    _age(org.edu_staff, 91)

    response = signed_in(org.edu_staff).get("/orgs/people/?q=a&role=staff")

    assert (
        response["Location"]
        == "/accounts/password/?next=%2Forgs%2Fpeople%2F%3Fq%3Da%26role%3Dstaff"
    )


def test_a_password_of_91_days_is_refused_by_the_session_api(org):
    _age(org.edu_staff, 91)

    response = signed_in(org.edu_staff).get("/api/v1/me")

    assert response.status_code == 403
    assert json.loads(response.content)["code"] == "password_required"


def test_expiry_can_be_switched_off(org, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 0
    _age(org.edu_staff, 3000)

    assert signed_in(org.edu_staff).get("/").status_code == 200


def test_the_expiry_age_is_configurable(org, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 30
    _age(org.edu_staff, 31)

    assert signed_in(org.edu_staff).get("/")["Location"].startswith("/accounts/password/")


# --- an administrator sets a password ------------------------------------------------------


def test_a_password_set_by_the_admin_must_be_changed_at_the_next_login(org):
    admin = signed_in(org.admin)
    response = admin.post(
        f"/orgs/people/{org.edu_staff.pk}/password/", {"password": "Temp#Pass2026"}
    )
    assert response.status_code == 302
    org.edu_staff.refresh_from_db()
    assert org.edu_staff.must_change_password is True

    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "edu_staff", "password": "Temp#Pass2026"}
    )
    assert response["Location"] == "/accounts/password/"
    assert client.get("/")["Location"] == "/accounts/password/?next=%2F"
    assert client.get("/accounts/password/").context["expired"] is True

    response = client.post(
        "/accounts/password/",
        {"old_password": "Temp#Pass2026", "new_password": NEW, "new_password_again": NEW},
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
    org.edu_staff.refresh_from_db()
    assert org.edu_staff.must_change_password is False
    assert org.edu_staff.check_password(NEW)
    assert client.get("/").status_code == 200  # the session survived the change


def test_the_admin_cannot_set_a_password_that_breaks_the_policy(org):
    with pytest.raises(ValidationFailed) as caught:
        services.set_password(actor=org.admin, person=org.edu_staff, new_password="short")

    assert [d.field for d in caught.value.details] == ["password", "password"]
    org.edu_staff.refresh_from_db()
    assert org.edu_staff.check_password(PASSWORD)


# --- the change page -----------------------------------------------------------------


def _change(client: Client, old: str, new: str, again: str | None = None):
    return client.post(
        "/accounts/password/",
        {"old_password": old, "new_password": new, "new_password_again": again or new},
    )


def test_changing_an_expired_password_clears_the_expiry(org):
    _age(org.edu_staff, 91)
    client = signed_in(org.edu_staff)
    start = AuditEntry.objects.count()

    response = _change(client, PASSWORD, NEW)

    assert response["Location"] == "/"
    org.edu_staff.refresh_from_db()
    assert timezone.now() - org.edu_staff.password_changed_at < dt.timedelta(minutes=1)
    assert password_expired(org.edu_staff) is False
    assert list(AuditEntry.objects.filter(seq__gt=start).values_list("action", "actor_label")) == [
        ("password.changed", "edu_staff")
    ]


@pytest.mark.parametrize(
    ("old", "new", "again", "field"),
    [
        ("Wrong#Pass2026", NEW, NEW, "old_password"),
        (PASSWORD, PASSWORD, PASSWORD, "new_password"),
        (PASSWORD, "short1A", "short1A", "new_password"),
        (PASSWORD, "alllowercase", "alllowercase", "new_password"),
        (PASSWORD, NEW, NEW + "x", "new_password_again"),
    ],
)
def test_the_change_page_refuses_bad_input_and_changes_nothing(org, old, new, again, field):
    client = signed_in(org.edu_staff)
    before = Person.objects.values_list("password", "password_changed_at", "version").get(
        pk=org.edu_staff.pk
    )

    response = _change(client, old, new, again)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    after = Person.objects.values_list("password", "password_changed_at", "version").get(
        pk=org.edu_staff.pk
    )
    assert after == before


def test_the_change_page_is_not_a_way_around_the_second_factor(org):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=org.office, name="phone", confirmed=True)
    client = signed_in(org.office, verified=False)

    response = _change(client, PASSWORD, NEW)

    assert response["Location"] == "/accounts/otp/"
    org.office.refresh_from_db()
    assert org.office.check_password(PASSWORD)
