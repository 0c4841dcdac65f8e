"""`govperf check --deploy` refuses DEBUG, an embedded or weak SECRET_KEY, missing
ALLOWED_HOSTS and insecure cookies; a proper production environment passes."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from govperf.core.checks import unsafe_production_settings

GOOD_KEY = "k7Qm2Zp9Xw4Rt6Yv1Bn8Cs3Df5Gh0Jl_Ua-Ei7Oo2Pq9Ks4Lm6Nt1Vw3Xz5Yb8"[:60]


def _ids() -> list[str]:
    return [e.id for e in unsafe_production_settings(None)]


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.SECRET_KEY_FROM_ENV = True
    settings.SECRET_KEY = GOOD_KEY
    settings.ALLOWED_HOSTS_FROM_ENV = True
    settings.ALLOWED_HOSTS = ["gov.example.cn"]
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    return settings


def test_a_production_configuration_passes(production):
    assert len(GOOD_KEY) == 60
    assert _ids() == []


def test_debug(production):
    production.DEBUG = True

    assert _ids() == ["govperf.E001"]


@pytest.mark.parametrize(
    "key",
    [
        "short-but-random-Qm2Zp9Xw4R",
        "a" * 60,  # long, but five characters at most
        "django-insecure-" + GOOD_KEY,
    ],
)
def test_a_weak_secret_key(production, key):
    production.SECRET_KEY = key

    assert _ids() == ["govperf.E002"]


def test_the_embedded_secret_key(production):
    production.SECRET_KEY_FROM_ENV = False

    assert _ids() == ["govperf.E002"]


def test_the_embedded_secret_key_copied_into_the_environment(production, tmp_path):
    production.VAR_DIR = tmp_path
    (tmp_path / "secret_key").write_text("e" * 10 + GOOD_KEY + "\n")
    production.SECRET_KEY = "e" * 10 + GOOD_KEY

    assert _ids() == ["govperf.E002"]


@pytest.mark.parametrize(("from_env", "hosts"), [(False, ["127.0.0.1"]), (True, []), (True, ["*"])])
def test_missing_allowed_hosts(production, from_env, hosts):
    production.ALLOWED_HOSTS_FROM_ENV = from_env
    production.ALLOWED_HOSTS = hosts

    assert _ids() == ["govperf.E003"]


def test_insecure_cookies(production):
    production.SESSION_COOKIE_SECURE = False

    assert _ids() == ["govperf.E004"]


# --- the real command, with the real settings module ------------------------------------


def _run(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    # Only what is named here: nothing from the test process (DATABASE_URL, DJANGO_*, ...).
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GOVPERF_VAR_DIR": str(tmp_path)}
    base.update(env)
    return subprocess.run(
        [str(Path(sys.executable).with_name("govperf")), *args],
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_the_command_refuses_the_embedded_defaults(tmp_path):
    result = _run(tmp_path, "check", "--deploy", GOVPERF_DEBUG="1")

    assert result.returncode != 0
    for error in ("govperf.E001", "govperf.E002", "govperf.E003", "govperf.E004"):
        assert error in result.stderr


@pytest.mark.slow
def test_the_command_refuses_empty_variables(tmp_path):
    # SECRET_KEY= falls back to the embedded key; ALLOWED_HOSTS=* allows any host.
    result = _run(tmp_path, "check", "--deploy", SECRET_KEY="", ALLOWED_HOSTS="*")

    assert result.returncode != 0
    found = sorted(set(re.findall(r"govperf\.E\d{3}", result.stderr)))
    assert found == ["govperf.E002", "govperf.E003"]


@pytest.mark.slow
def test_the_command_passes_a_production_environment(tmp_path):
    result = _run(
        tmp_path,
        "check",
        "--deploy",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="gov.example.cn",
        GOVPERF_DEBUG="0",
    )

    assert result.returncode == 0, result.stderr
    assert "govperf.E" not in result.stderr + result.stdout


@pytest.mark.slow
def test_cookies_are_secure_unless_debugging(tmp_path):
    probe = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "print(json.dumps([s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.LANGUAGE_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY]))"
    )
    production = subprocess.run(
        [sys.executable, "-c", probe],
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "govperf.settings",
            "GOVPERF_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        check=True,
    )

    assert production.stdout.strip() == "[false, true, true, true, true]"
