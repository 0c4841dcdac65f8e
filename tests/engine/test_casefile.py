"""``govperf evaluate``: the worked cases of shared/cases, the CLI contract, bad input."""

from __future__ import annotations

import io
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from govperf.engine.casefile import evaluate_case, load_case, main
from govperf.engine.errors import EngineInputError
from tests.shared import SHARED

CASES_DIR = SHARED / "cases"
GOVPERF = Path(sys.executable).with_name("govperf")
TOLERANCE = 0.01 + 1e-9


def _case_files() -> list[Path]:
    if not CASES_DIR.is_dir():
        return []
    return sorted(p for p in CASES_DIR.glob("*.json") if not p.name.endswith(".expected.json"))


needs_cases = pytest.mark.skipif(
    not CASES_DIR.is_dir(), reason=f"the shared worked cases are not at {CASES_DIR}"
)

EXAMPLE = {
    "scheme": {
        "precision": 2,
        "grades": [
            {"name": "优秀", "min": 90},
            {"name": "良好", "min": 80},
            {"name": "合格", "min": 60},
            {"name": "不合格", "min": 0},
        ],
        "quota": {"grade": "优秀", "max_share": 0.2},
        "ranking": "group",
        "bonus_cap": 5,
        "components": [
            {
                "code": "goal",
                "weight": 45,
                "indicators": [
                    {"code": "A1", "weight": 60, "rule": {"kind": "higher_better", "target": 100}},
                    {"code": "A2", "weight": 40, "rule": {"kind": "lower_better", "target": 10}},
                ],
            },
            {"code": "social", "weight": 50, "panel": {"aggregate": "trimmed_mean", "trim": 1}},
            {"code": "leader", "weight": 5, "panel": {"aggregate": "mean"}},
        ],
    },
    "units": [{"code": "U1", "group": "econ"}, {"code": "U2", "group": "econ"}],
    "values": {
        "U1": {"A1": 92, "A2": 15, "social": [88, 90, 70, 95, 91], "leader": [90]},
        "U2": {"A1": 100, "A2": 8, "social": [90, 92, 94], "leader": [95]},
    },
    "bonus": {"U1": 2},
    "veto": {"U2": "重大安全生产事故"},
}


def _example(**changes: object) -> dict:
    case = json.loads(json.dumps(EXAMPLE))
    case.update(changes)
    return case


def _close(expected: float | None, got: float | None) -> bool:
    if expected is None or got is None:
        return expected is got
    return abs(float(expected) - float(got)) <= TOLERANCE


@needs_cases
@pytest.mark.parametrize("path", _case_files(), ids=lambda p: p.stem)
def test_it_matches_the_worked_case(path: Path) -> None:
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text("utf-8"))
    got = evaluate_case(json.loads(path.read_text("utf-8")))

    assert [u["unit"] for u in got["units"]] == [u["unit"] for u in expected["units"]]
    for exp, unit in zip(expected["units"], got["units"], strict=True):
        assert _close(exp["composite"], unit["composite"]), unit["unit"]
        assert unit["grade"] == exp["grade"]
        assert unit["rank"] == exp["rank"]
        assert unit["veto"] == exp["veto"]
        assert unit["components"].keys() == exp["components"].keys()
        for code, score in exp["components"].items():
            assert _close(score, unit["components"][code]), (unit["unit"], code)
        for code, item in exp["indicators"].items():
            assert _close(item["pct"], unit["indicators"][code]["pct"]), (unit["unit"], code)
            assert _close(item["points"], unit["indicators"][code]["points"]), (unit["unit"], code)


def test_it_scores_the_cases_md_example() -> None:
    # U1 goal: 92 ÷ 100 × 60 + (1 − 5 ÷ 10) × 40 = 55.2 + 20 = 75.2
    # social drops 95 and 70: (88 + 90 + 91) ÷ 3 = 89.6667; leader 90; bonus 2 (cap 5)
    # composite = 75.2 × 0.45 + 89.6667 × 0.5 + 90 × 0.05 + 2 = 33.84 + 44.8333 + 4.5 + 2
    #           = 85.1733 → 85.17. U2: 100 × 0.45 + 92 × 0.5 + 95 × 0.05 = 95.75, vetoed.
    u1, u2 = evaluate_case(_example())["units"]

    assert (u1["composite"], u1["grade"], u1["rank"], u1["veto"]) == (85.17, "良好", 1, None)
    assert u1["components"] == {"goal": 75.2, "social": 89.67, "leader": 90.0}
    assert u1["indicators"]["A1"]["pct"] == 0.92
    assert u1["indicators"]["A1"]["points"] == 55.2
    assert u1["indicators"]["A2"]["pct"] == 0.5
    assert u1["indicators"]["A2"]["points"] == 20.0
    assert (u2["composite"], u2["grade"], u2["rank"]) == (95.75, "不合格", 2)
    assert u2["veto"] == "重大安全生产事故"
    assert u2["components"] == {"goal": 100.0, "social": 92.0, "leader": 95.0}


def test_it_explains_every_point_in_the_output() -> None:
    u1 = evaluate_case(_example())["units"][0]

    a1 = u1["indicators"]["A1"]
    assert a1["value"] == 92.0
    assert a1["rule"] == {"kind": "higher_better", "target": 100.0}
    assert a1["weight"] == 60.0
    assert "92 ÷ 目标值 100 = 0.92" in a1["text"]["zh"]
    assert a1["text"]["en"] == "higher is better: 92 ÷ target 100 = 0.92; 0.92 × weight 60 = 55.2"
    assert u1["explain"]["components"]["social"]["dropped"] == [70.0, 95.0]
    assert u1["explain"]["composite"]["text"]["en"].endswith("= 85.1733, rounded half-up to 85.17")


def test_it_keeps_input_order_and_never_emits_nan() -> None:
    case = _example(units=[{"code": "U2", "group": "econ"}, {"code": "U1", "group": "econ"}])

    out = evaluate_case(case)

    assert [u["unit"] for u in out["units"]] == ["U2", "U1"]
    json.dumps(out, allow_nan=False)  # raises on NaN or infinity


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda c: c["scheme"]["components"][0].update(weight=90), "scheme.components"),
        (
            lambda c: c["scheme"]["components"][0]["indicators"][1].update(weight=30),
            "scheme.components[0].indicators",
        ),
        (lambda c: c["values"]["U1"].pop("A1"), "values.U1.A1"),
        (lambda c: c["values"]["U1"].update(A1="92"), "values.U1.A1"),
        (lambda c: c["values"]["U1"].update(A1=float("nan")), "values.U1.A1"),
        (lambda c: c["values"]["U1"].update(A1=True), "values.U1.A1"),
        (lambda c: c["values"]["U2"].update(social=[90, 92]), "values.U2.social"),
        (lambda c: c["values"]["U2"].update(social=[90, 192, 93]), "values.U2.social"),
        (lambda c: c["values"]["U1"].update(B9=1), "values.U1.B9"),
        (lambda c: c["values"].update(U9={"A1": 1}), "values.U9"),
        (lambda c: c["bonus"].update(U1="two"), "bonus.U1"),
        (lambda c: c["veto"].update(U1=""), "veto.U1"),
        (lambda c: c["units"].append({"code": "U1"}), "units[2].code"),
        (
            lambda c: c["scheme"]["components"][0]["indicators"][0]["rule"].update(target=0),
            "scheme.components[0].indicators[0].rule.target",
        ),
    ],
)
def test_it_refuses_bad_input_naming_the_field(change, field: str) -> None:
    case = _example()
    change(case)

    with pytest.raises(EngineInputError) as caught:
        load_case(case)

    assert field in [e["field"] for e in caught.value.errors]
    assert all(" / " in e["message"] for e in caught.value.errors)  # Chinese / English


def test_it_reports_a_bad_value_once_and_other_problems_together() -> None:
    case = _example()
    case["values"]["U1"]["A1"] = "abc"
    case["values"]["U2"].pop("A2")

    with pytest.raises(EngineInputError) as caught:
        load_case(case)

    assert [e["field"] for e in caught.value.errors] == ["values.U1.A1", "values.U2.A2"]


def test_missing_zero_scores_the_missing_value_zero() -> None:
    # A1 missing → 0 points; goal = 0 + 20 = 20; social missing → 0.
    # composite = 20 × 0.45 + 0 × 0.5 + 90 × 0.05 + 2 = 9 + 4.5 + 2 = 15.5
    case = _example()
    case["scheme"]["missing"] = "zero"
    del case["values"]["U1"]["A1"], case["values"]["U1"]["social"]

    u1 = evaluate_case(case)["units"][0]

    assert u1["indicators"]["A1"]["points"] == 0.0
    assert u1["indicators"]["A1"]["value"] is None
    assert u1["components"]["social"] == 0.0
    assert u1["composite"] == 15.5


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(GOVPERF), *args], input=stdin, capture_output=True, text=True, timeout=60
    )


@needs_cases
def test_the_command_prints_the_case_result() -> None:
    path = CASES_DIR / "c06-hangzhou-style.json"

    done = _run("evaluate", str(path))

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ""
    out = json.loads(done.stdout)
    assert [u["composite"] for u in out["units"]] == [96.87, 85.15, 99.25, 67.92]
    assert [u["grade"] for u in out["units"]] == ["良好", "良好", "优秀", "合格"]


def test_the_command_refuses_bad_input_with_exit_2(tmp_path: Path) -> None:
    bad = _example()
    bad["scheme"]["components"][0]["weight"] = 90
    case = tmp_path / "bad.json"
    case.write_text(json.dumps(bad, ensure_ascii=False), "utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text('{"scheme": ', "utf-8")

    for args in (
        [str(case)],
        [str(broken)],
        [str(tmp_path / "absent.json")],
        [],
    ):
        done = _run("evaluate", *args)
        assert done.returncode == 2, args
        assert done.stderr == "", args
        errors = json.loads(done.stdout)["errors"]
        assert errors and all({"field", "message"} <= e.keys() for e in errors)


def test_main_reads_standard_input(monkeypatch, capsys) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(json.dumps(EXAMPLE).encode("utf-8")))
    monkeypatch.setattr(sys, "stdin", stdin)

    code = main(["-", "--no-explain"])

    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["units"][0]["indicators"]["A1"] == {"pct": 0.92, "points": 55.2}
    assert not math.isnan(out["units"][1]["composite"])
