"""Cases beyond the shared worked examples, through ``govperf evaluate`` and ``govperf
weights`` as a user runs them: quota ties at the cut, rank ties, vetoed units ordered
among themselves, rule edges, 89.995, trimmed means, ``"missing": "zero"``, and the
exit codes with the field named. ``tests/engine/cases`` holds the valid ones in the
shared case format (``check_cases.py`` runs them too); each explains its hand
computation in the comment beside it in this file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from govperf.engine import casefile, weightfile

CASES = Path(__file__).with_name("cases")
GOVPERF = Path(sys.executable).with_name("govperf")

# Hand computations of the cases in tests/engine/cases:
# e01 quota 0.4 × 5 units = 2 seats; candidates 95, 93, 93, 91; the third seat's 93 sets
#     the cut, so both 93s and the 91 drop to 良好; ranks 1, 2, 2, 4, 5.
# e02 group ranks: g1 has 95, 90, 90, 80 → 1, 2, 2, 4; g2's 80 is first of its group.
# e03 vetoed 99 and 90 rank 3 and 4, after 80 and 70, with the lowest grade.
# e04 89.99 × 0.5 + 90 × 0.5 = 89.995 (89.99499… in float64) → 90.00, 优秀;
#     89.98 × 0.5 + 90 × 0.5 = 89.99 → 良好.
# e05 interpolate 80 / 95 / 99 with weight 50 beside 20 points: 79.99 → 0, 80 → 0.6,
#     87.5 → 0.6 + 0.4 × 7.5 ÷ 15 = 0.8, 95 → 1, 97 → 1 + 0.2 × 2 ÷ 4 = 1.1, 99 and
#     120 → 1.2 (60 points; the component 80).
# e06 bands [0, 60) 0.5, [60, 90) 0.8, [90, 1000) 1: −1 and 1000 fall in none (0).
# e07 deduction 5 per incident of weight 20: 0 → 1, 3 → 1 − 15 ÷ 20 = 0.25, 4 and 5 → 0.
# e08 "missing": "zero": b's missing lower-better value scores 0 (36 = 45 × 0.8).
# e09 trim 2 of 5 keeps the median; a component above 100 is capped; bonus capped at 3.


def _valid_cases() -> list[Path]:
    return sorted(p for p in CASES.glob("*.json") if not p.name.endswith(".expected.json"))


def _cli(capsys, argv: list[str], entry=casefile.main) -> tuple[int, dict]:
    code = entry(argv)
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("path", _valid_cases(), ids=lambda p: p.stem)
def test_the_command_prints_the_hand_computed_result(capsys, path: Path) -> None:
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text("utf-8"))
    code, out = _cli(capsys, [str(path), "--no-explain"])
    assert code == 0
    assert [u["unit"] for u in out["units"]] == [u["unit"] for u in expected["units"]]
    for exp, got in zip(expected["units"], out["units"], strict=True):
        assert (got["composite"], got["grade"], got["rank"], got["veto"]) == (
            exp["composite"], exp["grade"], exp["rank"], exp["veto"]
        ), got["unit"]  # fmt: skip
        assert got["components"] == exp["components"], got["unit"]
        for code_, item in exp["indicators"].items():
            assert got["indicators"][code_] == pytest.approx(item, abs=1e-9), (got["unit"], code_)


def test_the_installed_command_agrees(tmp_path: Path) -> None:
    path = CASES / "e01-quota-tie-at-the-cut.json"
    done = subprocess.run(
        [str(GOVPERF), "evaluate", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    grades = [u["grade"] for u in json.loads(done.stdout)["units"]]
    assert grades == ["优秀", "良好", "良好", "良好", "良好"]


def _case(**scheme_changes) -> dict:
    case = json.loads((CASES / "e04-half-up-at-89995.json").read_text("utf-8"))
    case["scheme"].update(scheme_changes)
    return case


@pytest.mark.parametrize(
    ("change", "field"),
    [
        # Weights totalling 99: the field names the component whose weights they are.
        (lambda c: c["scheme"]["components"][1].update(weight=49), "scheme.components"),
        (
            lambda c: c["scheme"]["components"][0]["indicators"][0]["rule"].pop("target"),
            "scheme.components[0].indicators[0].rule.target",
        ),
        (
            lambda c: c["scheme"]["components"][0]["indicators"][0]["rule"].update(target=0),
            "scheme.components[0].indicators[0].rule.target",
        ),
        (lambda c: c["values"]["b"].pop("Y"), "values.b.Y"),
        (lambda c: c["values"]["a"].update(X="n/a"), "values.a.X"),
        (lambda c: c["scheme"].update(ranking="best"), "scheme.ranking"),
        (
            lambda c: c["scheme"].update(quota={"grade": "甲", "max_share": 0.2}),
            "scheme.quota.grade",
        ),
    ],
)
def test_bad_input_exits_2_naming_the_field(capsys, tmp_path: Path, change, field: str) -> None:
    case = _case()
    change(case)
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case, ensure_ascii=False), "utf-8")
    code, out = _cli(capsys, [str(path)])
    assert code == 2
    assert set(out) == {"errors"}
    assert field in [e["field"] for e in out["errors"]]


def test_a_trimmed_mean_with_too_few_scores_exits_2(capsys, tmp_path: Path) -> None:
    case = json.loads((CASES / "e09-trim-2-cap-and-bonus.json").read_text("utf-8"))
    case["values"]["b"]["s"] = [80, 80, 80, 80]  # trim 2 needs 5
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case, ensure_ascii=False), "utf-8")
    code, out = _cli(capsys, [str(path)])
    assert code == 2
    assert [e["field"] for e in out["errors"]] == ["values.b.s"]
    assert "needs at least 5 scores (got 4)" in out["errors"][0]["message"]


def test_a_score_outside_its_rubric_level_exits_2(capsys, tmp_path: Path) -> None:
    case = {
        "scheme": {
            "grades": [{"name": "合格", "min": 60}, {"name": "不合格", "min": 0}],
            "components": [{"code": "q", "weight": 100, "indicators": [
                {"code": "R", "weight": 100, "rule": {"kind": "rubric"}}]}],
        },
        "units": [{"code": "a"}],
        "values": {"a": {"R": {"level": "部分达成", "pct": 0.85}}},
    }  # fmt: skip
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case, ensure_ascii=False), "utf-8")
    code, out = _cli(capsys, [str(path)])
    assert (code, [e["field"] for e in out["errors"]]) == (2, ["values.a.R.pct"])
    # 部分达成 at 0.7: 70 points, 合格.
    case["values"]["a"]["R"]["pct"] = 0.7
    path.write_text(json.dumps(case, ensure_ascii=False), "utf-8")
    code, out = _cli(capsys, [str(path), "--no-explain"])
    assert (code, out["units"][0]["composite"], out["units"][0]["grade"]) == (0, 70.0, "合格")


def _matrix_csv(tmp_path: Path, rows) -> str:
    path = tmp_path / "matrix.csv"
    path.write_text("\n".join(",".join(str(x) for x in row) for row in rows) + "\n", "utf-8")
    return str(path)


def test_ahp_of_15_criteria_uses_saatys_last_random_index(capsys, tmp_path: Path) -> None:
    w = np.arange(1, 16, dtype=float)
    rows = [[f"{int(a)}/{int(b)}" for b in w] for a in w]  # exactly consistent: a_ij = i ÷ j
    code, out = _cli(capsys, ["ahp", _matrix_csv(tmp_path, rows)], weightfile.main)
    assert code == 0
    assert out["ri"] == 1.59
    assert out["cr"] == pytest.approx(0.0, abs=1e-9)
    assert out["weights"] == pytest.approx((w / w.sum()).tolist(), rel=1e-9)


def test_ahp_inconsistent_at_cr_01_or_more_exits_1_naming_the_pair(capsys, tmp_path) -> None:
    # Consistent with w = (1, 2, …, 6) except a_05 and a_50 reversed: 1 ÷ 6 becomes 6.
    w = np.arange(1, 7, dtype=float)
    rows = [[f"{int(a)}/{int(b)}" for b in w] for a in w]
    rows[0][5], rows[5][0] = "6", "1/6"
    code, out = _cli(capsys, ["ahp", _matrix_csv(tmp_path, rows)], weightfile.main)
    assert code == 1
    assert out["cr"] >= 0.1
    assert out["ri"] == 1.24
    assert out["inconsistent_pair"] == [0, 5]
    assert set(out) == {"weights", "lambda_max", "ci", "ri", "cr", "inconsistent_pair"}
