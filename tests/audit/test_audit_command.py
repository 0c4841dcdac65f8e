"""`govperf audit verify [--anchor FILE]` and `govperf audit head`."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from govperf.audit.models import AuditEntry, AuditHead
from govperf.audit.services import record


def _run(*args: str) -> tuple[int, dict]:
    out = io.StringIO()
    try:
        call_command("audit", *args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, json.loads(out.getvalue())


def _chain(n: int) -> list[AuditEntry]:
    return [record(action=f"test.{i}", actor_label="tester") for i in range(1, n + 1)]


@pytest.fixture
def dba(db):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")


def test_verify_exits_0_on_a_good_chain(db):
    entries = _chain(4)

    code, body = _run("verify")

    assert code == 0
    assert body == {
        "ok": True,
        "checked": 4,
        "head": {"seq": 4, "hash": entries[-1].hash},
        "first_broken": None,
        "warnings": [],
    }


def test_verify_exits_1_naming_the_first_broken_entry(dba):
    _chain(5)
    AuditEntry.objects.filter(seq=2).update(actor_label="someone else")

    code, body = _run("verify")

    assert code == 1
    assert body["ok"] is False
    assert body["first_broken"]["seq"] == 2
    assert body["first_broken"]["id"] == AuditEntry.objects.get(seq=2).pk


def test_head_prints_the_newest_sequence_and_hash(db):
    entries = _chain(3)

    out = io.StringIO()
    call_command("audit", "head", stdout=out)

    assert json.loads(out.getvalue()) == {"seq": 3, "hash": entries[-1].hash}


def test_verify_with_an_exported_anchor_detects_a_cut_off_tail(dba, tmp_path):
    entries = _chain(5)
    out = io.StringIO()
    call_command("audit", "head", stdout=out)
    anchor = tmp_path / "head.json"
    anchor.write_text(out.getvalue(), encoding="utf-8")

    assert _run("verify", "--anchor", str(anchor))[0] == 0

    AuditEntry.objects.filter(seq__gte=4).delete()
    AuditHead.objects.filter(pk=1).update(seq=3, hash=entries[2].hash)

    assert _run("verify")[0] == 0  # the rewound head hides the cut without the anchor
    code, body = _run("verify", "--anchor", str(anchor))
    assert code == 1
    assert body["first_broken"]["seq"] == 4
    assert "anchor is #5" in body["first_broken"]["problem"]


def test_verify_accepts_the_exported_head_page_format(db, tmp_path):
    entries = _chain(2)
    anchor = tmp_path / "head.json"
    anchor.write_text(
        json.dumps({"seq": 2, "hash": entries[-1].hash, "exported_at": "2026-01-01T00:00:00"}),
        encoding="utf-8",
    )

    assert _run("verify", "--anchor", str(anchor))[0] == 0


@pytest.mark.parametrize("content", ["not json", '{"seq": 1}', '{"hash": "x"}'])
def test_verify_refuses_an_unreadable_anchor(db, tmp_path, content):
    anchor = tmp_path / "head.json"
    anchor.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError, match="cannot read the anchor"):
        call_command("audit", "verify", "--anchor", str(anchor), stdout=io.StringIO())


def test_verify_refuses_a_missing_anchor_file(db, tmp_path):
    with pytest.raises(CommandError, match="cannot read the anchor"):
        call_command(
            "audit", "verify", "--anchor", str(tmp_path / "nope.json"), stdout=io.StringIO()
        )


def _govperf(var_dir, *args: str):
    import os
    import subprocess
    import sys
    from pathlib import Path

    # Only what is named here: nothing from the test process (DATABASE_URL, DJANGO_*, ...).
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GOVPERF_VAR_DIR": str(var_dir)}
    exe = Path(sys.executable).with_name("govperf")
    return subprocess.run(
        [str(exe), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.slow
def test_the_console_command_end_to_end(tmp_path):
    import sqlite3

    assert _govperf(tmp_path, "migrate", "-v0").returncode == 0

    good = _govperf(tmp_path, "audit", "verify")
    assert (good.returncode, json.loads(good.stdout)["checked"]) == (0, 0)

    with sqlite3.connect(tmp_path / "govperf.sqlite3") as db:
        db.execute(
            "INSERT INTO audit_auditentry (seq, created_at, actor_label, action, object_type,"
            " object_id, object_repr, before, after, result, client_ip, via, prev_hash, hash)"
            " VALUES (1, '2026-01-01 00:00:00', 'intruder', 'login.ok', '', '', '', '', '',"
            " 'ok', '', 'web', ?, ?)",
            ("0" * 64, "f" * 64),
        )
    broken = _govperf(tmp_path, "audit", "verify")

    assert broken.returncode == 1
    assert json.loads(broken.stdout)["first_broken"]["seq"] == 1
