"""Through the browser: the library at desktop and phone width, and the editor's live
formula check as the office types (screenshots in test-artifacts/)."""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from govperf.indicators import services
from govperf.indicators.models import Tag
from tests.browser_support import shot
from tests.helpers import PASSWORD, Org, totp_code
from tests.indicators.conftest import make_indicator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str, device: TOTPDevice | None = None) -> None:
    page.goto(page.base_url + "/indicators/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-form] button[type=submit]")
    if device is not None:
        page.wait_for_url(re.compile(r"/accounts/otp/"))
        page.fill("#id_token", totp_code(device))
        page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/indicators/"))


def small_library(org: Org) -> None:
    services.load_presets()
    government = Tag.objects.get(code="government")
    make_indicator(
        org.office, "GOV-002", "按时办结事项数", unit_of_measure="件", tags=(government,)
    )
    make_indicator(org.office, "GOV-003", "办结事项总数", unit_of_measure="件", tags=(government,))
    make_indicator(
        org.office,
        "GOV-001",
        "政务服务事项按时办结率",
        unit_of_measure="%",
        formula="#{GOV-002} / #{GOV-003} * 100",
        tags=(government, Tag.objects.get(code="efficiency")),
    )
    make_indicator(
        org.office,
        "ECO-001",
        "地区生产总值",
        unit_of_measure="亿元",
        tags=(Tag.objects.get(code="economy"),),
    )


def test_the_office_types_a_formula_and_sees_the_check(page):
    org = Org()
    small_library(org)
    device = TOTPDevice.objects.create(user=org.office, name="app", confirmed=True)
    sign_in(page, "office", device)
    shot(page, "indicators-library-office")
    page.click("[data-testid=new-indicator]")
    page.fill("#id_code", "GOV-009")
    page.fill("#id_name", "办结率")
    formula = page.locator("[data-testid=formula-input]")
    formula.press_sequentially("#{GOV-003} / #{GOV-00", delay=20)
    page.locator("[data-check=error]").wait_for()
    assert page.locator("[data-testid=formula-caret] mark").count() == 1
    formula.press_sequentially("2}", delay=20)
    page.locator("[data-check=ok]").wait_for()
    assert page.locator("[data-testid=formula-canonical]").inner_text() == "#{GOV-003} / #{GOV-002}"
    shot(page, "indicators-editor-check")
    page.click("[data-testid=save-indicator]")
    page.wait_for_url(re.compile(r"/indicators/\d+/$"))
    assert page.locator("[data-testid=indicator-formula]").inner_text() == "#{GOV-003} / #{GOV-002}"
    shot(page, "indicators-detail-office")


def test_a_unit_leader_reads_the_library_at_phone_width(phone):
    org = Org()
    small_library(org)
    sign_in(phone, "edu_leader")
    assert phone.locator("[data-testid=new-indicator]").count() == 0
    phone.fill("#indicator-search", "办结")
    phone.locator("[data-testid=library-count]", has_text="共 3 个指标").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(phone, "indicators-library-phone")
    phone.click("text=政务服务事项按时办结率")
    phone.wait_for_url(re.compile(r"/indicators/\d+/$"))
    assert phone.locator("[data-testid=indicator-actions]").count() == 0
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(phone, "indicators-detail-phone")
