"""A killed import leaves nothing behind: `govperf data import` killed while it writes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection

from govperf.data.models import DataValue
from tests.data.conftest import make_indicator

INDICATORS = 300
MONTHS = 1000  # 300 000 values: long enough a write to be caught in the middle


def _url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _activity(pattern: str) -> list[tuple[int, str]]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT pid, query FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND state = 'active' AND query LIKE %s",
            [pattern],
        )
        return cur.fetchall()


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("stage", ["COPY %", "INSERT INTO data_datavalue %"])
def test_an_import_killed_while_it_stages_or_writes_leaves_nothing(org, tmp_path, stage):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the import runs in another process")
    for i in range(INDICATORS):
        make_indicator(f"K{i:03d}")
    path = tmp_path / "values.csv"
    with path.open("w") as f:
        f.write("indicator,unit,period,value\n")
        for i in range(INDICATORS):
            for m in range(MONTHS):
                f.write(f"K{i:03d},edu,{1900 + m // 12}{m % 12 + 1:02d},{i + m}\n")
    env = {**os.environ, "DATABASE_URL": _url(), "GOVPERF_VAR_DIR": str(tmp_path / "var")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    code = f"import sys; from govperf.cli import main; sys.exit(main(['data', 'import', {str(path)!r}]))"
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not _activity(stage):
            assert proc.poll() is None, "the import ended before it was caught"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        backends = [pid for pid, _q in _activity("%")]
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # The server notices the client is gone when its statement ends, and rolls back.
        while any(pid in backends for pid, _q in _activity("%")):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.2)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert DataValue.objects.count() == 0
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM pg_class WHERE relname LIKE 'gp\\_%%'")
        assert cur.fetchone()[0] == 0  # its staging tables went with its session
