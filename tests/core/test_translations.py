"""Every app's zh-hans catalogue is complete, well-formed and compiled."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

SRC = Path(__file__).resolve().parents[2] / "src" / "govperf"
CATALOGUES = sorted(SRC.glob("*/locale/zh_Hans/LC_MESSAGES/django.po"))


def test_every_app_with_strings_has_a_catalogue():
    apps = {p.parts[-5] for p in CATALOGUES}
    assert {"core", "orgs", "accounts", "audit"} <= apps


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-5])
def test_catalogue_is_complete(po):
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "fuzzy" not in result.stderr and "untranslated" not in result.stderr, result.stderr


def test_compiled_catalogues_are_used():
    with translation.override("zh-hans"):
        assert translation.gettext("Sign in") == "登录"
        assert translation.gettext("Organisation") == "组织机构"
    with translation.override("en"):
        assert translation.gettext("Organisation") == "Organisation"


@pytest.mark.slow
@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-5])
def test_every_string_of_the_app_is_in_its_catalogue(po, tmp_path):
    """Extract the app's strings afresh (as `govperf makemessages` does, on a copy) and find
    none missing: a string added to the code but never extracted shows in English."""
    app = po.parts[-5]
    copy = tmp_path / app
    shutil.copytree(SRC / app, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "govperf.settings"}
    env["GOVPERF_VAR_DIR"] = str(tmp_path / "var")
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    extract = subprocess.run(
        # The console command, not `python -m` (which would put the app folder on sys.path).
        [
            str(Path(sys.executable).with_name("govperf")),
            "makemessages",
            "-l",
            "zh_Hans",
            "-v",
            "0",
        ],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert extract.returncode == 0, extract.stderr
    fresh = copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--statistics", "-o", "/dev/null", str(fresh)], capture_output=True, text=True
    )
    assert "fuzzy" not in result.stderr and "untranslated" not in result.stderr, (
        result.stderr + _untranslated(fresh.read_text())
    )


def _untranslated(text: str) -> str:
    entries = [e for e in text.split("\n\n")[1:] if "#, fuzzy" in e or e.rstrip().endswith('""')]
    return "\n\n".join(entries)
