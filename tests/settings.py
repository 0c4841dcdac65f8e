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
