"""The engine benchmark runs end to end on a small province and checks itself."""

from __future__ import annotations

import json

from bench.engine import main


def test_the_benchmark_runs_and_its_results_agree(capsys) -> None:
    assert main(["--units", "120", "--months", "3", "--repeat", "1", "--loop-units", "40"]) == 0

    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["bench"] == "engine"
    assert last["baseline_matches"] and last["loop_matches"]
    assert last["incremental_identical"] and last["scattered_identical"]
    assert last["db"] == "skipped (no --db)"
