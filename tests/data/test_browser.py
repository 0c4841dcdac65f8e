"""The data pages in headless Chromium at desktop and phone width: the entry grid by keyboard
with the cell check, approval, locks, corrections and the quality screen. Screenshots land in
test-artifacts/ (data-*.png)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from govperf.data import quality, services
from govperf.data.models import DataValue, ValidationRule
from govperf.data.services import Entry
from tests.browser_support import as_person, fits
from tests.browser_support import shot as _shot
from tests.data.conftest import Library, stored
from tests.helpers import Org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(tab, name: str) -> None:
    _shot(tab, f"data-{name}")


@pytest.fixture
def world(db):
    org = Org()
    lib = Library(org)
    ValidationRule.objects.create(
        code="enr-max", name="在校生上限", kind="range", indicator=lib.enr, params={"max": "1000"}
    )
    ValidationRule.objects.create(
        code="enr-jump",
        name="在校生跳变",
        kind="jump",
        indicator=lib.enr,
        params={"compare": "prev", "max_percent": "20"},
        severity="warn",
    )
    stored(lib.enr, org.edu, "202602", 500)
    stored(lib.cap, org.edu, "202602", 800)
    return org, lib


def submit_march(org, lib) -> None:
    """March's ENR (700: a jump the rule warns of) and CAP, entered and submitted."""
    services.save_draft(
        actor=org.edu_coord,
        unit=org.edu,
        period="202603",
        entries=[
            Entry(indicator_id=lib.enr.pk, value="700"),
            Entry(indicator_id=lib.cap.pk, value="800"),
        ],
    )
    services.submit_values(actor=org.edu_coord, unit=org.edu, period="202603")


def test_entry_grid_by_keyboard_with_the_cell_check(page, world):
    org, lib = world
    as_person(page, org.edu_coord)
    page.goto(f"{page.base_url}/data/entry/{org.edu.pk}/202603/")
    grid = page.locator("[data-testid=entry-grid]")
    assert grid.locator("[data-testid=entry-row]").count() == 4
    # Rows: the plan's own indicators by code (CAP, ENR), then the computed ones (read-only).
    cap = page.locator(f"#v-{lib.cap.pk}")
    cap.click()
    cap.fill("800")
    page.keyboard.press("Enter")  # leaves the cell (checked) and moves to the next one
    assert page.evaluate("document.activeElement.id") == f"v-{lib.enr.pk}"
    page.locator(f"#fb-{lib.cap.pk} [data-testid=cell-ok]").wait_for()
    page.keyboard.type("1200")
    page.keyboard.press("Enter")  # the last cell: on to the save button
    assert page.evaluate("document.activeElement.dataset.testid") == "save-draft"
    error = page.locator(f"#fb-{lib.enr.pk} [data-testid=cell-error]")
    error.wait_for()
    assert "1000" in error.inner_text()
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == f"v-{lib.enr.pk}"
    page.keyboard.press("Control+a")
    page.keyboard.type("560")
    page.keyboard.press("Shift+Enter")  # back up to CAP; ENR is checked as it is left
    assert page.evaluate("document.activeElement.id") == f"v-{lib.cap.pk}"
    page.locator(f"#fb-{lib.enr.pk} [data-testid=cell-ok]").wait_for()
    shot(page, "entry-desktop")
    page.click("[data-testid=save-draft]")
    page.wait_for_url(f"**/data/entry/{org.edu.pk}/202603/")
    assert DataValue.objects.get(indicator=lib.enr, period="202603").value == Decimal(560)
    assert DataValue.objects.get(indicator=lib.rate, period="202603").value == Decimal(70)
    assert "70" in page.locator("[data-code=RATE]").inner_text()
    shot(page, "entry-saved")
    # A jump of more than 20% warns but does not block.
    enr = page.locator(f"#v-{lib.enr.pk}")
    enr.fill("700")
    page.keyboard.press("Tab")
    warning = page.locator(f"#fb-{lib.enr.pk} [data-testid=cell-warning]")
    warning.wait_for()
    assert "500" in warning.inner_text()


def test_entry_grid_at_phone_width(phone, world):
    org, lib = world
    services.save_draft(
        actor=org.edu_coord,
        unit=org.edu,
        period="202603",
        entries=[
            Entry(indicator_id=lib.enr.pk, value="520"),
            Entry(indicator_id=lib.cap.pk, value="800"),
        ],
    )
    as_person(phone, org.edu_coord)
    phone.goto(f"{phone.base_url}/data/entry/{org.edu.pk}/202603/")
    assert fits(phone)
    assert phone.locator(".cell-label").first.is_visible()  # stacked, labelled cells
    shot(phone, "entry-phone")
    phone.goto(f"{phone.base_url}/data/entry/{org.edu.pk}/2026/")
    assert phone.locator(f"select#v-{lib.open.pk}").is_visible()
    assert fits(phone)
    shot(phone, "entry-yearly-phone")


def test_approval_page_for_the_unit_leader(page, phone, world):
    org, lib = world
    submit_march(org, lib)
    for tab, name in ((page, "approval-desktop"), (phone, "approval-phone")):
        as_person(tab, org.edu_leader)
        tab.goto(f"{tab.base_url}/data/approval/{org.edu.pk}/202603/")
        assert "40%" in tab.locator("[data-testid=approval-values]").inner_text()  # the jump warns
        assert fits(tab)
        shot(tab, name)
    page.click("[data-testid=approve]")
    page.wait_for_url("**/data/approval/**")
    assert set(DataValue.objects.filter(period="202603").values_list("status", flat=True)) == {
        "approved"
    }


def test_office_pages(page, phone, world):
    org, lib = world
    submit_march(org, lib)
    services.approve_values(actor=org.edu_leader, unit=org.edu, period="202603")
    services.lock_period(actor=org.office, period="2026", reason="年度封存")
    enr = DataValue.objects.get(indicator=lib.enr, period="202603")
    services.request_correction(
        actor=org.edu_coord, data_value=enr, new_value="705", reason="漏统计一所学校"
    )
    run = services.start_quality_run(actor=org.office, period="2026", enqueue=False)
    quality.execute(run.pk)
    for tab, suffix in ((page, "desktop"), (phone, "phone")):
        as_person(tab, org.office)
        for path, name in (
            ("/data/", "home"),
            ("/data/locks/", "locks"),
            ("/data/corrections/", "corrections"),
            ("/data/rules/", "rules"),
            ("/data/quality/", "quality"),
            (f"/data/quality/{run.pk}/", "quality-run"),
            (f"/data/quality/{run.pk}/units/{org.edu.pk}/", "quality-unit"),
            (f"/data/values/{enr.pk}/", "value"),
            ("/data/import/", "import"),
            ("/data/export/", "export"),
            ("/data/mappings/", "mappings"),
            ("/data/connectors/", "connectors"),
            ("/data/connectors/new/", "connector-new"),
        ):
            tab.goto(tab.base_url + path)
            assert tab.locator("main h1").count() == 1, path
            assert fits(tab), (path, suffix)
            shot(tab, f"{name}-{suffix}")


def test_import_a_file_at_phone_width_preview_then_confirm(phone, world, tmp_path):
    org, _lib = world
    as_person(phone, org.edu_coord)
    phone.goto(f"{phone.base_url}/data/")
    phone.click("[data-testid=nav-import]")  # the data pages lead to the import
    path = tmp_path / "values.csv"
    path.write_text(
        "指标编码,单位编码,期间,数值\nENR,edu,202603,520\nCAP,edu,202603,800\n", "gb18030"
    )
    phone.set_input_files("input[name=file]", str(path))
    phone.locator("form:has(input[name=file]) button[type=submit]").click()
    phone.wait_for_url("**/data/import/jobs/**")
    preview = phone.locator("[data-testid=import-preview]")
    assert "520" in preview.inner_text() and DataValue.objects.count() == 2  # only the stored
    assert fits(phone)
    shot(phone, "import-preview-phone")
    phone.click("[data-testid=import-confirm]")
    phone.locator("[data-testid=import-confirm]").wait_for(state="detached")
    assert sorted(
        DataValue.objects.filter(period="202603", source="import").values_list(
            "indicator__code", "value"
        )
    ) == [("CAP", Decimal(800)), ("ENR", Decimal(520))]
    shot(phone, "import-done-phone")
