"""The `govperf` console command: demo, createadmin, run."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from govperf.audit.models import AuditEntry
from govperf.audit.verify import verify_chain
from govperf.orgs.models import Membership, Person, Unit


def test_demo_loads_once(db, capsys):
    call_command("demo")
    out = capsys.readouterr().out
    counts = (Unit.objects.count(), Person.objects.count(), AuditEntry.objects.count())
    assert counts[0] > 100 and counts[1] > 90
    assert "jyj.leader" in out and "Demo@2026" in out
    call_command("demo")
    assert "already loaded" in capsys.readouterr().out
    assert (Unit.objects.count(), Person.objects.count(), AuditEntry.objects.count()) == counts
    assert verify_chain().ok
    # every demo role exists, and separated duties hold
    roles = set(Membership.objects.values_list("role", flat=True))
    assert len(roles) == 9
    admin_roles = set(
        Membership.objects.filter(person__username="admin").values_list("role", flat=True)
    )
    assert admin_roles == {"system_admin"}


def test_createadmin(db, capsys):
    call_command(
        "createadmin", username="root.admin", name="超级管理员", password="Very#Strong2026"
    )
    person = Person.objects.get(username="root.admin")
    assert person.check_password("Very#Strong2026")
    assert list(person.memberships.values_list("role", "unit__code")) == [("system_admin", "root")]
    assert AuditEntry.objects.filter(action="person.create", via="cli").count() == 1
    with pytest.raises(CommandError, match="password"):
        call_command("createadmin", username="weak", name="弱", password="abc")
    assert not Person.objects.filter(username="weak").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_run_serves_the_app_and_its_worker(tmp_path):
    """`govperf run` on a fresh var/ folder: /healthz answers with a live worker; Ctrl-C stops both."""
    env = {**os.environ, "GOVPERF_VAR_DIR": str(tmp_path), "PORT": str(_free_port())}
    env.pop("DATABASE_URL", None)  # the embedded set-up, as `make run` uses it
    env.pop("REDIS_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("GOVPERF_HUEY_IMMEDIATE", None)  # set for the test process by tests.settings
    cli = [sys.executable, "-m", "govperf.cli"]
    subprocess.run([*cli, "migrate", "--no-input", "-v", "0"], env=env, check=True, timeout=120)
    proc = subprocess.Popen(
        [*cli, "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        url = f"http://127.0.0.1:{env['PORT']}/healthz"
        health = None
        for _ in range(80):
            time.sleep(0.25)
            try:
                health = json.loads(urllib.request.urlopen(url, timeout=2).read())
                if health["worker"]["status"] == "ok":
                    break
            except OSError:
                continue
        assert health is not None and health["database"] == "ok"
        assert health["worker"]["status"] == "ok"
    finally:
        proc.send_signal(2)  # Ctrl-C
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert "Ctrl-C stops the server and the worker." in out
