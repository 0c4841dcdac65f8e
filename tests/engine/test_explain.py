"""The breakdown: every point traced to value and rule, in Chinese and English."""

from __future__ import annotations

import numpy as np

from govperf.engine.scheme import parse_scheme
from govperf.engine.scoring import EvaluationResult, Units, evaluate

GRADES = [{"name": "优秀", "min": 90}, {"name": "良好", "min": 80}, {"name": "合格", "min": 0}]
SCHEME = {
    "grades": GRADES,
    "ranking": "group",
    "bonus_cap": 3,
    "quota": {"grade": "优秀", "max_share": 0.25},
    "components": [
        {
            "code": "goal",
            "weight": 60,
            "indicators": [
                {"code": "tasks", "weight": 40, "rule": {"kind": "higher_better", "target": 100}},
                {
                    "code": "on_time",
                    "weight": 30,
                    "rule": {"kind": "interpolate", "floor": 80, "target": 95, "challenge": 99},
                },
                {"code": "incidents", "weight": 10, "rule": {"kind": "deduction", "per": 5}},
                {
                    "code": "quality",
                    "weight": 10,
                    "rule": {"kind": "bands", "bands": [[0, 60, 0], [60, 90, 0.8], [90, None, 1]]},
                },
                {"code": "report", "weight": 10, "rule": {"kind": "rubric"}},
            ],
        },
        {"code": "social", "weight": 40, "panel": {"aggregate": "trimmed_mean", "trim": 1}},
    ],
}


def evaluated() -> EvaluationResult:
    units = Units.of(["a", "b", "c", "d"], ["g", "g", "g", "h"])
    values = np.array(
        [
            [100, 99, 0, 95, 1.0],  # goal 40 + 36 + 10 + 10 + 10 = 106 → capped at 100
            [100, 99, 0, 95, 0.9],  # goal 40 + 36 + 10 + 10 + 9 = 105 → 100
            [80, 70, 3, 75, 0.7],  # 32 + 0 + max(0, 1 − 15 ÷ 10) × 10 = 0 + 8 + 7 = 47
            [92, 90, 1, 50, 0.5],
        ],
        dtype=float,
    )
    return evaluate(
        parse_scheme(SCHEME),
        units,
        values,
        panels={"social": [[90, 95, 100], [90, 95, 100], [60, 70, 80], [80, 85, 90]]},
        bonus=[5, 0, 0, 0],
        veto=[None, None, None, "重大安全生产事故"],
        levels={"report": ["达成", "达成", "部分达成", "未达成"]},
    )


def texts(entry: dict) -> tuple[str, str]:
    return entry["text"]["zh"], entry["text"]["en"]


def test_each_rule_explains_its_arithmetic() -> None:
    c = evaluated().breakdown(2)["indicators"]
    assert texts(c["tasks"]) == (
        "越高越好：80 ÷ 目标值 100 = 0.8；0.8 × 权重 40 = 32",
        "higher is better: 80 ÷ target 100 = 0.8; 0.8 × weight 40 = 32",
    )
    assert texts(c["on_time"])[1] == "interpolate: 70 < floor 80, pct 0; 0 × weight 30 = 0"
    assert texts(c["incidents"])[1] == (
        "deduction: 5 points per incident, max(0, 1 − 5 × 3 ÷ 10) = 0; 0 × weight 10 = 0"
    )
    assert texts(c["quality"])[1] == "bands: 75 in band [60, 90), pct 0.8; 0.8 × weight 10 = 8"
    assert c["report"]["value"] == {"level": "部分达成", "pct": 0.7}
    assert (
        texts(c["report"])[1] == "rubric: level 部分达成 [0.6, 0.8], pct 0.7; 0.7 × weight 10 = 7"
    )
    a = evaluated().breakdown(0)["indicators"]
    assert "1 + (1.2 − 1) × (99 − 95) ÷ (99 − 95)" not in texts(a["on_time"])[1]
    assert texts(a["on_time"])[1].startswith("interpolate: 99 ≥ challenge 99, pct 1.2")


def test_a_component_over_100_says_it_is_capped() -> None:
    goal = evaluated().breakdown(0)["components"]["goal"]
    assert goal["sum"] == 106.0 and goal["score"] == 100.0 and goal["capped"]
    assert texts(goal)[1] == (
        "tasks 40 + on_time 36 + incidents 10 + quality 10 + report 10 = 106, capped at 100"
    )


def test_the_composite_shows_its_sum_and_the_bonus_cap() -> None:
    # 100 × 60% + 95 × 40% + bonus 5 capped at 3 = 60 + 38 + 3 = 101
    composite = evaluated().breakdown(0)["composite"]
    assert composite["value"] == 101.0
    assert composite["bonus_capped"] and composite["bonus_applied"] == 3.0
    assert texts(composite)[1] == (
        "goal 100 × 60% + social 95 × 40% + bonus 3 = 101, rounded half-up to 101"
        " (bonus 5 capped at 3)"
    )


def test_a_quota_drop_is_explained() -> None:
    # floor(0.25 × 4) = 1 seat: a (101) keeps 优秀; b (98) drops to 良好.
    result = evaluated()
    assert result.grades[:2] == ["优秀", "良好"]
    grade = result.breakdown(1)["grade"]
    assert grade["quota_dropped"]
    assert "quota floor(0.25 × 4) = 1 is taken" in texts(grade)[1]


def test_a_veto_gives_its_reason_and_the_rank_says_why_it_is_last() -> None:
    b = evaluated().breakdown(3)
    assert b["grade"]["veto"] == "重大安全生产事故"
    assert texts(b["grade"]) == (
        "一票否决（重大安全生产事故）：定为最低等次「合格」",
        "veto (重大安全生产事故): the lowest grade, 合格",
    )
    assert (
        texts(b["rank"])[1]
        == "rank 1 of 1 among group h; vetoed, so ranked after every unit not vetoed"
    )


def test_a_panel_lists_kept_and_dropped_scores() -> None:
    social = evaluated().breakdown(2)["components"]["social"]
    assert social["kept"] == [70.0] and social["dropped"] == [60.0, 80.0]
    assert texts(social)[1] == "trimmed mean: drop highest 80 and lowest 60, (70) ÷ 1 = 70"


def test_labels_name_components_and_groups_where_given() -> None:
    scheme = {
        **SCHEME,
        "components": [
            {**SCHEME["components"][0], "label": "目标考核"},
            {**SCHEME["components"][1], "label": "社会评价"},
        ],
    }
    units = Units.of(["a", "b"], ["econ", "econ"], {"econ": "经济发展类部门"})
    result = evaluate(
        parse_scheme(scheme),
        units,
        np.array([[100, 99, 0, 95, 1.0], [80, 70, 3, 75, 0.7]]),
        panels={"social": [[90, 95, 100], [60, 70, 80]]},
        levels={"report": ["达成", "部分达成"]},
    )
    b = result.breakdown(1)
    assert (
        texts(b["composite"])[0] == "目标考核 47 × 60% + 社会评价 70 × 40% = 56.2，四舍五入为 56.2"
    )
    assert texts(b["rank"])[0] == "经济发展类部门共 2 个单位中第 2 名"
    # An update keeps the labels of the groups.
    again = result.update([1], values=np.array([[80, 70, 3, 75, 0.7]]))
    assert texts(again.breakdown(1)["rank"])[0] == "经济发展类部门共 2 个单位中第 2 名"
