"""``govperf weights``: CSV in, JSON out, exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from govperf.engine.weightfile import main, parse_cell

DRINKS_CSV = """1,9,5,2,1,1,1/2
1/9,1,1/3,1/9,1/9,1/9,1/9
1/5,3,1,1/3,1/4,1/3,1/9
1/2,9,3,1,1/2,1,1/3
1,9,4,2,1,2,1/2
1,9,3,1,1/2,1,1/3
2,9,9,3,2,3,1
"""
CRITIC_CSV = "unit,A,B,C\nu1,1,4,1\nu2,2,3,3\nu3,3,2,2\nu4,4,1,4\n"


def run(capsys, tmp_path: Path, text: str, *args: str, encoding: str = "utf-8"):
    path = tmp_path / "data.csv"
    path.write_bytes(text.encode(encoding))
    code = main([args[0], str(path), *args[1:]])
    return code, json.loads(capsys.readouterr().out)


def test_ahp_prints_weights_and_consistency(capsys, tmp_path: Path) -> None:
    code, out = run(capsys, tmp_path, DRINKS_CSV, "ahp")
    assert code == 0
    assert set(out) == {"weights", "lambda_max", "ci", "ri", "cr"}
    assert [round(w, 3) for w in out["weights"]] == [0.177, 0.019, 0.042, 0.116, 0.19, 0.129, 0.327]
    assert round(out["cr"], 3) == 0.022


def test_ahp_exits_1_with_the_inconsistent_pair(capsys, tmp_path: Path) -> None:
    # Consistent with (8, 4, 2, 1) except a_03 = 1/8 (and a_30 = 8).
    matrix = "1,2,4,1/8\n1/2,1,2,4\n1/4,1/2,1,2\n8,1/4,1/2,1\n"
    code, out = run(capsys, tmp_path, matrix, "ahp")
    assert code == 1
    assert out["cr"] >= 0.1
    assert out["inconsistent_pair"] == [0, 3]


@pytest.mark.parametrize(
    ("matrix", "field"),
    [
        ("1,3\n3,1\n", "matrix[0][1]"),
        ("1,0\n0,1\n", "matrix[0][1]"),
        ("1,x\n1,1\n", "matrix[0][1]"),
        ("1,2\n1/2,1,3\n", "matrix[1]"),
        ("\n".join([",".join(["1"] * 16)] * 16), "matrix"),
        ("", "matrix"),
    ],
)
def test_ahp_refuses_bad_matrices_with_exit_2(capsys, tmp_path: Path, matrix: str, field) -> None:
    code, out = run(capsys, tmp_path, matrix, "ahp")
    assert code == 2
    assert field in [e["field"] for e in out["errors"]]


def test_critic_reads_codes_skips_the_unit_column_and_reverses_lower(capsys, tmp_path) -> None:
    # Hand-computed in test_weighting.test_critic_weights_by_hand.
    code, out = run(capsys, tmp_path, CRITIC_CSV, "critic")
    assert code == 0
    assert out["weights"] == pytest.approx({"A": 0.275, "B": 0.475, "C": 0.25})
    code, out = run(capsys, tmp_path, CRITIC_CSV, "critic", "--lower", "B")
    assert out["weights"] == pytest.approx({"A": 0.25, "B": 0.25, "C": 0.5})


def test_entropy_reads_gb18030_and_semicolons(capsys, tmp_path: Path) -> None:
    text = "unit;产值;满意度\n甲;1;10\n乙;2;10.5\n丙;3;11\n"
    code, out = run(capsys, tmp_path, text, "entropy", encoding="gb18030")
    assert code == 0
    # Hand-computed in test_weighting.test_entropy_weights_by_hand.
    assert out["weights"] == pytest.approx({"产值": 0.99141, "满意度": 0.00859}, abs=2e-5)


@pytest.mark.parametrize(
    ("text", "args", "field"),
    [
        ("A,B\n1,5\n2,5\n3,5\n", [], "columns.B"),  # constant
        ("A,B\n-1,5\n2,6\n3,7\n", [], "columns.A"),  # negative for raw entropy
        ("A,B\n1,5\n", [], "data"),  # fewer than 2 rows
        ("A,B\n1,x\n2,3\n", [], "columns.B[0]"),  # non-numeric
        ("A,B\n1,2\n2,3,4\n", [], "rows[1]"),  # ragged
        ("A,B\n1,5\n2,6\n", ["--lower", "Z"], "--lower Z"),
    ],
)
def test_entropy_refuses_bad_data_naming_the_column(capsys, tmp_path, text, args, field) -> None:
    code, out = run(capsys, tmp_path, text, "entropy", *args)
    assert code == 2
    assert field in [e["field"] for e in out["errors"]]


def test_a_missing_file_and_bad_arguments_exit_2(capsys, tmp_path: Path) -> None:
    assert main(["ahp", str(tmp_path / "absent.csv")]) == 2
    assert json.loads(capsys.readouterr().out)["errors"][0]["field"] == "file"
    assert main(["rank", "x.csv"]) == 2
    assert json.loads(capsys.readouterr().out)["errors"][0]["field"] == "argv"


def test_cells_may_be_fractions() -> None:
    assert parse_cell("1/3") == pytest.approx(1 / 3)
    assert parse_cell(" 7 ") == 7.0
    assert parse_cell("1/0") is None
    assert parse_cell("nan") is None


def test_the_command_runs_as_a_subprocess(tmp_path: Path) -> None:
    path = tmp_path / "drinks.csv"
    path.write_text(DRINKS_CSV, "utf-8")
    govperf = Path(sys.executable).with_name("govperf")
    done = subprocess.run(
        [str(govperf), "weights", "ahp", str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stderr == ""
    assert len(json.loads(done.stdout)["weights"]) == 7
