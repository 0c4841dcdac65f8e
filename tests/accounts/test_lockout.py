"""Lock-out: 5 failures lock the account for 30 minutes, whatever the password; an
administrator can lift the lock sooner; all of it is audited."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import Client

from govperf.audit.models import AuditEntry
from tests.helpers import PASSWORD, signed_in

WRONG = "Wrong#Pass2026"


def _login(client: Client, username: str = "edu_staff", password: str = PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def _fail(times: int, username: str = "edu_staff", **client_kwargs) -> Client:
    client = Client(**client_kwargs)
    for _ in range(times):
        _login(client, username, WRONG)
    return client


def test_four_failures_do_not_lock(org):
    client = _fail(4)

    response = _login(client)

    assert response.status_code == 302
    assert AccessAttempt.objects.count() == 0  # a success clears the failures


def test_the_fifth_failure_locks_and_says_so(org):
    client = _fail(4)

    response = _login(client, password=WRONG)

    assert response.status_code == 403
    assert 'data-testid="locked"' in response.content.decode()
    assert "locked for 30 minutes" in response.content.decode()


def test_the_right_password_is_refused_while_locked(org):
    client = _fail(5)

    response = _login(client)

    assert response.status_code == 403
    body = response.content.decode()
    assert "locked for 30 minutes" in body
    assert 'value="edu_staff"' in body  # the form keeps the name, never the password
    assert PASSWORD not in body
    assert "_auth_user_id" not in client.session


def test_the_lock_page_is_in_chinese_by_default(org):
    _fail(5)

    response = _login(Client(HTTP_ACCEPT_LANGUAGE="zh-hans"))

    assert response.status_code == 403
    assert '<html lang="zh-hans">' in response.content.decode()


def test_the_lock_follows_the_account_not_the_address(org):
    for i in range(5):
        _login(Client(REMOTE_ADDR=f"10.0.0.{i}", HTTP_USER_AGENT=f"agent {i}"), password=WRONG)

    assert _login(Client(REMOTE_ADDR="10.9.9.9")).status_code == 403


def test_other_accounts_are_not_locked(org):
    _fail(5)

    assert _login(Client(), "edu_coord").status_code == 302


def test_the_lock_ends_after_the_cool_off(org):
    client = _fail(5)
    assert _login(client).status_code == 403

    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31))

    assert _login(client).status_code == 302


def test_the_lock_still_holds_before_the_cool_off_ends(org):
    client = _fail(5)

    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=29))

    assert _login(client).status_code == 403


def test_limit_and_cool_off_are_configurable(org, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=10)

    client = _fail(3)
    response = _login(client)

    assert response.status_code == 403
    assert "locked for 10 minutes" in response.content.decode()


def test_the_admin_lifts_the_lock(org):
    client = _fail(5)
    start = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()

    response = signed_in(org.admin).post(f"/orgs/people/{org.edu_staff.pk}/unlock/")

    assert response.status_code == 302
    assert AccessAttempt.objects.count() == 0
    assert _login(client).status_code == 302
    rows = list(
        AuditEntry.objects.filter(seq__gt=start)
        .order_by("seq")
        .values_list("action", "actor_label", "after")
    )
    assert rows[0] == ("login.unlocked", "admin", '{"attempts_cleared":1}')
    assert rows[1][:2] == ("login.ok", "edu_staff")


@pytest.mark.parametrize("who", ["auditor", "office", "edu_leader"])
def test_only_the_admin_lifts_a_lock(org, who):
    _fail(5)

    response = signed_in(org.people()[who]).post(f"/orgs/people/{org.edu_staff.pk}/unlock/")

    assert response.status_code in (403, 404)
    assert AccessAttempt.objects.get().failures_since_start == 5


def test_the_lock_is_audited(org):
    _fail(6)

    rows = list(AuditEntry.objects.order_by("seq").values_list("action", "result", "actor_label"))

    assert rows == [("login.failed", "failed", "edu_staff")] * 5 + [
        ("login.lockout", "denied", "edu_staff"),
        ("login.locked", "denied", "edu_staff"),
    ]
