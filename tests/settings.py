"""Test settings: the real settings with fast password hashing, tasks run inline, and a
private var/ folder per test process."""

import os
import tempfile

os.environ.setdefault("GOVPERF_VAR_DIR", tempfile.mkdtemp(prefix="govperf-test-"))
os.environ["GOVPERF_HUEY_IMMEDIATE"] = "1"

from govperf.settings import *  # noqa: F403
from govperf.settings import DATABASES, HUEY

# Hashing with the real PBKDF2 costs ~0.3 s per password; tests hash hundreds.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HUEY = {**HUEY, "immediate": True}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": None}  # in memory; shared with the live server thread
# Tests talk plain http, to the test client and to the live server.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = False

# Each test process gets its own Redis database for the cache, and tests/conftest.py clears
# it before every test: rate limits and other cached counts never leak between tests.
if CACHES["default"]["BACKEND"].endswith("RedisCache"):  # noqa: F405
    _worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    _base, _, _db = CACHES["default"]["LOCATION"].rpartition("/")  # noqa: F405
    _index = (int(_db or 0) + 1 + int(_worker or 0)) % 16
    CACHES["default"]["LOCATION"] = f"{_base}/{_index}"  # noqa: F405
