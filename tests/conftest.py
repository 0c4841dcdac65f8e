import os
import shutil
import threading
import weakref

import pytest
from django.db.backends.signals import connection_created

from tests.helpers import Org

# Every database connection the tests' own thread opens, so that the browser's teardown
# can close them all (see ``browser``); other threads close their own.
_CONNECTIONS: weakref.WeakSet = weakref.WeakSet()


def _remember(sender, connection, **kwargs) -> None:
    if threading.current_thread() is threading.main_thread():
        _CONNECTIONS.add(connection)


connection_created.connect(_remember, dispatch_uid="tests.conftest.connections")

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
def browser(django_db_setup):
    """Chromium for the session. Set up after the test database and torn down before it
    is dropped: Playwright's event loop gives the test code run after it started its own
    context, and so its own Django connection, while the one opened before stays open;
    PostgreSQL refuses to drop a database in use ("1 other session"), so the teardown
    closes every connection the session opened."""
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
    for connection in list(_CONNECTIONS):
        connection.close()


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
