"""The login page: Django's form (username, password), safe redirects, inactive accounts."""

import pytest
from django.test import Client

from govperf.orgs.models import Person
from tests.helpers import PASSWORD, signed_in


def _login(data: dict, url: str = "/accounts/login/") -> tuple[Client, object]:
    client = Client()
    return client, client.post(url, data)


def test_the_page_shows_the_form(db):
    response = Client().get("/accounts/login/")

    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="username"' in body and 'name="password"' in body
    assert response["Cache-Control"].startswith("max-age=0")


def test_success_goes_home(org):
    client, response = _login({"username": "edu_staff", "password": PASSWORD})

    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_success_goes_to_the_page_asked_for(org):
    _client, response = _login(
        {"username": "edu_staff", "password": PASSWORD, "next": "/orgs/?q=教育"}
    )

    assert response["Location"] == "/orgs/?q=%E6%95%99%E8%82%B2"


@pytest.mark.parametrize(
    "nxt", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_no_redirect_to_another_site(org, nxt):
    _client, response = _login({"username": "edu_staff", "password": PASSWORD, "next": nxt})

    assert response["Location"] == "/"


def test_the_next_address_survives_the_second_factor_step(org):
    _client, response = _login(
        {"username": "office", "password": PASSWORD, "next": "/orgs/?a=1&b=2"}
    )

    assert response["Location"] == "/accounts/otp/enrol/?next=%2Forgs%2F%3Fa%3D1%26b%3D2"


def test_a_wrong_password_shows_the_form_again(org):
    client, response = _login({"username": "edu_staff", "password": "Wrong#Pass2026"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert client.get("/")["Location"] == "/accounts/login/?next=/"


def test_an_inactive_account_cannot_sign_in(org):
    Person.objects.filter(pk=org.edu_staff.pk).update(is_active=False)

    client, response = _login({"username": "edu_staff", "password": PASSWORD})

    assert response.status_code == 200
    assert client.get("/").status_code == 302


def test_a_deactivated_person_loses_the_open_session(org):
    client = signed_in(org.edu_staff)
    Person.objects.filter(pk=org.edu_staff.pk).update(is_active=False)

    assert client.get("/")["Location"] == "/accounts/login/?next=/"


def test_a_signed_in_visitor_is_sent_on(org):
    assert signed_in(org.edu_staff).get("/accounts/login/")["Location"] == "/"


def test_a_password_set_by_the_admin_ends_the_persons_other_sessions(org):
    from govperf.accounts import services

    client = signed_in(org.edu_staff)

    services.set_password(actor=org.admin, person=org.edu_staff, new_password="Temp#Pass2026")

    assert client.get("/")["Location"] == "/accounts/login/?next=/"
