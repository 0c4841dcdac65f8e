"""Session timeout: idle sessions end after GOVPERF_SESSION_MINUTES; activity extends them."""

import datetime as dt

from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from tests.helpers import PASSWORD


def _signed_in_client() -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": "edu_staff", "password": PASSWORD})
    assert response["Location"] == "/"
    return client


def _session(client: Client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_the_settings():
    assert settings.SESSION_COOKIE_AGE == 30 * 60  # GOVPERF_SESSION_MINUTES' default
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


def test_a_session_expires_after_the_idle_time(org):
    client = _signed_in_client()
    left = _session(client).expire_date - timezone.now()
    assert dt.timedelta(minutes=29) < left <= dt.timedelta(minutes=30)

    Session.objects.filter(pk=_session(client).pk).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get("/orgs/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/orgs/"
    assert client.get("/api/v1/me").status_code == 401


def test_each_request_extends_the_session(org):
    client = _signed_in_client()
    Session.objects.filter(pk=_session(client).pk).update(
        expire_date=timezone.now() + dt.timedelta(minutes=1)
    )

    assert client.get("/").status_code == 200

    left = _session(client).expire_date - timezone.now()
    assert dt.timedelta(minutes=29) < left <= dt.timedelta(minutes=30)


def test_the_idle_time_is_configurable(org, settings):
    settings.SESSION_COOKIE_AGE = 5 * 60

    client = _signed_in_client()

    left = _session(client).expire_date - timezone.now()
    assert dt.timedelta(minutes=4) < left <= dt.timedelta(minutes=5)


def test_signing_out_ends_the_session(org):
    client = _signed_in_client()
    key = client.cookies[settings.SESSION_COOKIE_NAME].value

    client.post("/accounts/logout/")

    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/")["Location"] == "/accounts/login/?next=/"


def test_signing_out_needs_a_post(org):
    client = _signed_in_client()

    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/").status_code == 200
