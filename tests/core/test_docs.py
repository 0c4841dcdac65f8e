"""The operator guides (docs/operator.en.md, docs/operator.zh-hans.md) stay true to the code:
every configuration variable the code reads is documented in both, every `govperf`
command they name exists, and both cover what an operator needs."""

import re
from pathlib import Path

import pytest
from django.core.management import get_commands

from govperf.cli import ALIASES, ENGINE_COMMANDS

ROOT = Path(__file__).resolve().parents[2]
GUIDES = {
    "en": ROOT / "docs" / "operator.en.md",
    "zh-hans": ROOT / "docs" / "operator.zh-hans.md",
}
# Read by the code but not for operators: tests run jobs inline with it.
UNDOCUMENTED = {"GOVPERF_HUEY_IMMEDIATE"}
READ = re.compile(
    r"""(?:env_(?:str|bool|int|list|path)|_setting_int|environ\.get|getenv)\(\s*(?:"[A-Z_]+",\s*)?"([A-Z][A-Z0-9_]+)\""""
)

NAMED = re.compile(r"""["'`](GOVPERF_[A-Z0-9_]+)["'`]""")


def variables_read_by_the_code() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "src" / "govperf").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(READ.findall(text)) | set(NAMED.findall(text))
    return found - UNDOCUMENTED - {"DJANGO_SETTINGS_MODULE"}


def test_the_scan_finds_the_variables():
    found = variables_read_by_the_code()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "GOVPERF_LOCKOUT_MINUTES"} <= found
    assert {"GOVPERF_DEMO_PASSWORD", "GOVPERF_IMPORT_MAX_MB", "PORT"} <= found
    assert len(found) >= 35


@pytest.mark.parametrize("language", list(GUIDES))
def test_every_variable_is_documented(language):
    text = GUIDES[language].read_text(encoding="utf-8")
    missing = sorted(
        v for v in variables_read_by_the_code() if f"`{v}" not in text and v not in text
    )
    assert missing == []


@pytest.mark.parametrize("language", list(GUIDES))
def test_every_command_named_exists(language):
    text = GUIDES[language].read_text(encoding="utf-8")
    named = set(re.findall(r"`govperf ([a-z_]+)", text))
    known = set(get_commands()) | set(ENGINE_COMMANDS) | set(ALIASES)
    assert named - known == set()
    assert {"run", "worker", "demo", "createadmin", "check", "audit", "migrate"} <= named


@pytest.mark.parametrize(
    ("language", "topics"),
    [
        ("en", ["Install", "Configuration", "PostgreSQL", "Redis", "gunicorn", "worker", "Backup"]),
        ("zh-hans", ["安装", "配置", "PostgreSQL", "Redis", "gunicorn", "任务进程", "备份"]),
    ],
)
def test_the_guide_covers_what_an_operator_needs(language, topics):
    headings = [
        line
        for line in GUIDES[language].read_text(encoding="utf-8").splitlines()
        if line[:3] == "## "
    ]
    for topic in topics:
        assert any(topic in h for h in headings), (topic, headings)


def test_the_two_guides_have_the_same_sections():
    counts = [
        sum(1 for line in p.read_text(encoding="utf-8").splitlines() if line.startswith("## "))
        for p in GUIDES.values()
    ]
    assert counts[0] == counts[1] == 7
