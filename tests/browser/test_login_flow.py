"""Through the browser: sign in, second factor, home page per role, language, phone width."""

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser_support import fits, shot
from tests.helpers import PASSWORD, Org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto(page.base_url + "/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("[data-testid=login-form] button[type=submit]")


def test_unit_leader_signs_in_to_the_home_page(page):
    org = Org()
    sign_in(page, "edu_leader")
    page.wait_for_url(page.base_url + "/")
    assert page.locator("[data-testid=home-plans]").is_visible()
    assert page.locator("[data-testid=my-roles]").inner_text().count("教育局") == 1
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    shot(page, "home-unit-leader")
    # The organisation page lists the unit's subtree only.
    page.click("nav >> text=组织机构")
    tree = page.locator("[data-testid=unit-tree]").inner_text()
    assert "教育局" in tree and "卫健委" not in tree
    del org


def test_wrong_password_stays_on_the_login_page(page):
    Org()
    sign_in(page, "edu_leader", "wrong-password")
    assert "/accounts/login/" in page.url
    assert page.locator(".alert-danger").count() == 1


def test_office_enrols_a_second_factor_then_reaches_home(page):
    org = Org()
    sign_in(page, "office")
    page.wait_for_url(re.compile(r"/accounts/otp/enrol/"))
    assert page.locator(".qr-code svg").count() == 1
    shot(page, "otp-enrol")
    device = TOTPDevice.objects.get(user=org.office, confirmed=False)
    page.fill("#id_token", "000000" if totp(device.bin_key) != 0 else "111111")
    page.click("main form button[type=submit]")
    assert "/accounts/otp/enrol/" in page.url  # a wrong code is refused
    page.wait_for_timeout(1100)  # django-otp throttles the next try for a second after a failure
    page.fill("#id_token", f"{totp(device.bin_key):06d}")
    page.click("main form button[type=submit]")
    page.wait_for_url(page.base_url + "/")
    assert page.locator("[data-testid=home-library]").is_visible()


def test_language_switch_to_english(page):
    Org()
    sign_in(page, "edu_staff")
    page.wait_for_url(page.base_url + "/")
    page.select_option("[data-testid=language-select]", "en")
    page.wait_for_load_state("load")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.locator("[data-testid=my-roles] .card-header").inner_text() == "My roles"


def test_phone_width_collapses_the_navigation(phone):
    Org()
    sign_in(phone, "edu_coord")
    phone.wait_for_url(phone.base_url + "/")
    toggler = phone.locator(".navbar-toggler")
    assert toggler.is_visible()
    assert not phone.locator("#main-nav").is_visible()
    toggler.click()
    phone.locator("#main-nav").wait_for(state="visible")
    # Nothing overflows sideways at phone width.
    assert fits(phone)
    shot(phone, "home-phone")
