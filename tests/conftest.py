import os
import shutil

import pytest

from tests.helpers import Org

# Playwright's sync API runs an event loop in the test thread; the ORM calls the browser
# tests make around it are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def org(db) -> Org:
    return Org()


@pytest.fixture(scope="session")
def browser():
    from tests.browser_support import ARGS, CHROMIUM

    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium package"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    from tests.browser_support import DESKTOP, new_tab

    context, tab = new_tab(browser, live_server, **DESKTOP)
    yield tab
    context.close()


@pytest.fixture
def phone(browser, live_server):
    from tests.browser_support import PHONE, new_tab

    context, tab = new_tab(browser, live_server, **PHONE)
    yield tab
    context.close()
