"""The `govperf` console command: demo, createadmin, run."""

import json
import os
import re
import signal
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


def test_demo_loads_once(db, capsys, monkeypatch):
    monkeypatch.setenv("GOVPERF_DEMO_PASSWORD", "Tried-It-2026")
    call_command("demo")
    out = capsys.readouterr().out
    counts = (Unit.objects.count(), Person.objects.count(), AuditEntry.objects.count())
    assert counts[:2] == (258, 306)
    logins = out[out.index("Demo logins") :].splitlines()
    assert logins[0].startswith("Demo logins (password Tried-It-2026;")
    assert [line.split()[0] for line in logins[1:]] == [
        "admin",
        "auditor",
        "office",
        "leader",
        "coordinator",
        "staff",
        "evaluator",
        "thirdparty",
    ]
    assert Person.objects.get(username="coordinator").check_password("Tried-It-2026")
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
    """`govperf run` on a fresh var/ folder: /healthz answers with a live worker, the demo
    logins are printed; Ctrl-C stops both the server and the worker."""
    env = {
        **os.environ,
        "GOVPERF_VAR_DIR": str(tmp_path),
        "PORT": str(_free_port()),
        "GOVPERF_DEMO_PASSWORD": "Tried-It-2026",
    }
    env.pop("DATABASE_URL", None)  # the embedded set-up, as `make run` uses it
    env.pop("REDIS_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("GOVPERF_HUEY_IMMEDIATE", None)  # set for the test process by tests.settings
    cli = [sys.executable, "-m", "govperf.cli"]
    subprocess.run([*cli, "migrate", "--no-input", "-v", "0"], env=env, check=True, timeout=120)
    # As if `govperf demo` had run (loading the whole city here would only cost time).
    mark = "from govperf.demo.models import DemoStep; DemoStep.objects.create(name='organisation')"
    subprocess.run([*cli, "shell", "-c", mark], env=env, check=True, timeout=120)
    proc = subprocess.Popen(
        [*cli, "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    health = None
    try:
        url = f"http://127.0.0.1:{env['PORT']}/healthz"
        # Generous: on a loaded two-core CI machine the first start imports every app.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.25)
            try:
                health = json.loads(urllib.request.urlopen(url, timeout=2).read())
                if health["worker"]["status"] == "ok":
                    break
            except OSError:
                continue
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        out, _ = proc.communicate(timeout=30)
    assert health is not None and health["database"] == "ok", out
    assert health["worker"]["status"] == "ok", out
    assert proc.returncode == 0, out
    assert "Demo logins (password Tried-It-2026;" in out
    assert "coordinator" in out and "thirdparty" in out
    assert "Ctrl-C stops the server and the worker." in out
    # Both children are gone, not left running behind the parent.
    worker = int(re.search(r"worker pid (\d+)", out).group(1))
    with pytest.raises(ProcessLookupError):
        os.kill(worker, 0)
    with pytest.raises(OSError):
        urllib.request.urlopen(url, timeout=2)
