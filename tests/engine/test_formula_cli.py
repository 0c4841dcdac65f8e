"""`govperf formula eval|check`."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from govperf import cli


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    code = cli.main(["formula", *args])
    out = capsys.readouterr().out
    return code, json.loads(out)


def values_file(tmp_path: Path, data: object) -> str:
    path = tmp_path / "values.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_eval_prints_integral_values_as_integers(capsys):
    assert run(capsys, "eval", "2 + 3 * 4") == (0, {"value": 14})


def test_eval_prints_other_values_as_floats(capsys):
    assert run(capsys, "eval", "10 / 4") == (0, {"value": 2.5})
    assert run(capsys, "eval", "round(2.345, 2)") == (0, {"value": 2.35})


def test_eval_reads_values_with_offsets(capsys, tmp_path):
    path = values_file(tmp_path, {"A": 10, "A@prev": 8, "A@lastyear": 4.5, "B": None})

    assert run(capsys, "eval", "#{A} - #{A@prev}", "--values", path) == (0, {"value": 2})
    assert run(capsys, "eval", "#{A@lastyear} * 2", f"--values={path}") == (0, {"value": 9})


def test_eval_gives_null_with_a_reason(capsys, tmp_path):
    path = values_file(tmp_path, {"A": 10, "B": 0})

    assert run(capsys, "eval", "#{A} / #{B}", "--values", path) == (
        0,
        {"value": None, "reason": "第 6 列除数为零 / division by zero at column 6"},
    )
    assert run(capsys, "eval", "#{A} + #{C}", "--values", path) == (
        0,
        {"value": None, "reason": "#{C} 无数据 / no value for #{C}"},
    )


def test_eval_reports_a_syntax_error_with_its_position(capsys):
    code, out = run(capsys, "eval", "2 + * 3")

    assert code == 2
    assert [e["position"] for e in out["errors"]] == [5]
    assert "unexpected '*'" in out["errors"][0]["message"]


def test_eval_names_an_unknown_function(capsys):
    code, out = run(capsys, "eval", "1 + median(1, 2)")

    assert code == 2
    assert out["errors"][0]["position"] == 5
    assert out["errors"][0]["kind"] == "unknown_function"
    assert "'median'" in out["errors"][0]["message"]


def test_eval_refuses_a_wrong_argument_count(capsys):
    code, out = run(capsys, "eval", "abs(1, 2)")

    assert code == 2
    assert out["errors"][0] == {
        "position": 1,
        "message": (
            "第 1 列：函数 abs 需要 1 个参数，实际 2 个 / column 1: abs takes 1 argument, got 2"
        ),
        "kind": "arity",
    }


@pytest.mark.parametrize(
    "content",
    ['{"A": 1', "[1, 2]", '{"A": "ten"}', '{"A": true}', '{"A@next": 1}', '{"A B": 1}'],
)
def test_eval_refuses_a_bad_values_file(capsys, tmp_path, content):
    path = tmp_path / "values.json"
    path.write_text(content, encoding="utf-8")

    code, out = run(capsys, "eval", "#{A}", "--values", str(path))

    assert code == 2
    assert out["errors"][0]["position"] is None
    assert "values file" in out["errors"][0]["message"]


def test_eval_refuses_a_missing_values_file(capsys, tmp_path):
    code, out = run(capsys, "eval", "#{A}", "--values", str(tmp_path / "absent.json"))

    assert code == 2
    assert "cannot read values file" in out["errors"][0]["message"]


def test_eval_accepts_keys_written_as_references_and_a_bom(capsys, tmp_path):
    path = tmp_path / "values.json"
    path.write_text('\ufeff{"#{A@prev}": 3, "经济.01": 4}', encoding="utf-8")

    assert run(capsys, "eval", "#{A@prev} + #{经济.01}", "--values", str(path)) == (
        0,
        {"value": 7},
    )


def test_eval_reads_values_from_standard_input(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"A": 2}'))

    assert run(capsys, "eval", "#{A} * 3", "--values", "-") == (0, {"value": 6})


def test_a_formula_may_start_with_a_minus(capsys):
    assert run(capsys, "eval", "-#{A} + 1") == (
        0,
        {"value": None, "reason": "#{A} 无数据 / no value for #{A}"},
    )
    assert run(capsys, "eval", "-1") == (0, {"value": -1})
    assert run(capsys, "eval", "--", "-2") == (0, {"value": -2})


def test_check_lists_references_and_the_canonical_text(capsys):
    assert run(capsys, "check", "( #{A}-#{A@prev} )/#{B}") == (
        0,
        {"ok": True, "text": "(#{A} - #{A@prev}) / #{B}", "references": ["A", "A@prev", "B"]},
    )


def test_check_reports_errors_like_eval(capsys):
    code, out = run(capsys, "check", "max(1, 2")

    assert code == 2
    assert out["errors"][0]["position"] == 9


@pytest.mark.parametrize(
    "args",
    [[], ["eval"], ["eval", "1", "2"], ["compile", "1"], ["eval", "1", "--values"]],
)
def test_usage_errors_exit_2_with_json(capsys, args):
    code, out = run(capsys, *args)

    assert code == 2
    assert out["errors"][0]["kind"] == "usage"


def test_help_prints_usage(capsys):
    assert cli.main(["formula", "--help"]) == 0
    assert "govperf formula eval" in capsys.readouterr().out


def test_the_installed_command_prints_only_json():
    proc = subprocess.run(
        [sys.executable, "-m", "govperf.cli", "formula", "eval", "sum(#{A}, #{C})"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert proc.returncode == 0
    assert json.loads(proc.stdout) == {"value": None, "reason": "#{A} 无数据 / no value for #{A}"}
    assert proc.stderr == ""
