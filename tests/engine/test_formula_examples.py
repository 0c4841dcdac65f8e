"""The worked examples of shared/formulas/examples.json, through the API and the command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from govperf.engine.formula import FormulaSyntaxError, evaluate, parse
from tests.shared import SHARED

EXAMPLES = SHARED / "formulas" / "examples.json"


def _examples() -> list[dict[str, Any]]:
    if not EXAMPLES.exists():
        return []
    return json.loads(EXAMPLES.read_text(encoding="utf-8"))


pytestmark = pytest.mark.skipif(not EXAMPLES.exists(), reason=f"{EXAMPLES} is absent")


@pytest.mark.parametrize("case", _examples(), ids=lambda case: case["expr"])
def test_example_through_the_api(case: dict[str, Any]):
    if "error_position" in case or "error_name" in case:
        with pytest.raises(FormulaSyntaxError) as info:
            parse(case["expr"])
        if "error_position" in case:
            assert info.value.position == case["error_position"]
        if "error_name" in case:
            assert case["error_name"] in info.value.message
        return

    result = evaluate(parse(case["expr"]), case.get("values") or {})

    if case["value"] is None:
        assert result.value is None
        assert result.reason
    else:
        assert result.value == pytest.approx(case["value"], abs=1e-9)
        assert result.reason is None


def _run(*args: str) -> tuple[int, dict[str, Any]]:
    proc = subprocess.run(
        [sys.executable, "-m", "govperf.cli", "formula", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return proc.returncode, json.loads(proc.stdout)


@pytest.mark.parametrize(
    "case",
    [c for c in _examples() if c["expr"] in {"2 + 3 * 4", "#{A} / #{B}", "max(1, 2"}],
    ids=lambda case: case["expr"],
)
def test_example_through_the_command(case: dict[str, Any], tmp_path: Path):
    args = [case["expr"]]
    if case.get("values") is not None:
        values = tmp_path / "values.json"
        values.write_text(json.dumps(case["values"]), encoding="utf-8")
        args += ["--values", str(values)]

    code, out = _run("eval", *args)

    if "error_position" in case:
        assert code == 2
        assert out["errors"][0]["position"] == case["error_position"]
    else:
        assert code == 0
        assert out["value"] == case["value"]
