"""Headless Debian Chromium driven by Playwright, shared by every browser test.

Playwright's own browser download does not work here, so it launches /usr/bin/chromium
(`make test` installs Debian's package). Its sync API allows one browser per process:
the session-scoped ``browser`` fixture (tests/conftest.py) is that one.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

from tests.helpers import signed_in

CHROMIUM = os.environ.get("GOVPERF_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(__file__).resolve().parents[1] / "test-artifacts"
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}


def new_tab(browser, live_server, **options):
    context = browser.new_context(locale="zh-CN", **options)
    tab = context.new_page()
    tab.set_default_timeout(15000)
    tab.base_url = live_server.url
    return context, tab


def shot(page, name: str) -> None:
    """A full-page screenshot in test-artifacts/, to look at."""
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def as_person(page, person) -> None:
    """Carry a signed-in session (past the second factor) into the browser."""
    client = signed_in(person)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": page.base_url}]
    )


def fits(page) -> bool:
    """Nothing overflows sideways. A mobile browser widens its layout viewport to what
    overflows (``innerWidth`` grows with it), so the document is measured against the
    client width, which stays the device's."""
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
