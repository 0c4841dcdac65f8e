"""Scheme validation: every problem named by its field, defaults, export."""

from __future__ import annotations

import copy

import pytest

from govperf.engine.errors import EngineInputError
from govperf.engine.rules import HigherBetter, Rubric
from govperf.engine.scheme import Panel, Quota, parse_scheme

GRADES = [
    {"name": "优秀", "min": 90},
    {"name": "良好", "min": 80},
    {"name": "合格", "min": 60},
    {"name": "不合格", "min": 0},
]
SCHEME = {
    "grades": GRADES,
    "quota": {"grade": "优秀", "max_share": 0.2},
    "components": [
        {
            "code": "goal",
            "weight": 45,
            "indicators": [
                {"code": "A1", "weight": 60, "rule": {"kind": "higher_better", "target": 100}},
                {"code": "A2", "weight": 40, "rule": {"kind": "rubric"}},
            ],
        },
        {"code": "social", "weight": 55, "panel": {"aggregate": "trimmed_mean"}},
    ],
}


def fields_of(data: dict) -> list[str]:
    with pytest.raises(EngineInputError) as caught:
        parse_scheme(data)
    return [e["field"] for e in caught.value.errors]


def changed(path: list, value: object) -> dict:
    data = copy.deepcopy(SCHEME)
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


def test_it_builds_a_typed_scheme_with_defaults() -> None:
    scheme = parse_scheme(SCHEME)

    assert scheme.precision == 2
    assert scheme.ranking == "group"
    assert scheme.missing == "error"
    assert scheme.bonus_cap is None
    assert scheme.indicator_codes == ("A1", "A2")
    assert scheme.indicators[0].rule == HigherBetter(100.0)
    assert isinstance(scheme.indicators[1].rule, Rubric)
    assert scheme.indicators[1].time_aggregate == "last"  # a judgement is not summed
    assert scheme.indicators[0].time_aggregate == "sum"
    assert scheme.components[1].panel == Panel("trimmed_mean", 1)
    assert scheme.quota == Quota("优秀", 0.2)


def test_grades_are_ordered_from_the_top_whatever_the_input_order() -> None:
    scheme = parse_scheme(changed(["grades"], list(reversed(GRADES))))
    assert [g.name for g in scheme.grades] == ["优秀", "良好", "合格", "不合格"]


def test_component_weights_must_total_100() -> None:
    data = changed(["components", 0, "weight"], 35)
    with pytest.raises(EngineInputError) as caught:
        parse_scheme(data)
    (error,) = caught.value.errors
    assert error["field"] == "scheme.components"
    assert "got 90" in error["message"] and "须为100" in error["message"]


def test_indicator_weights_must_total_100_naming_the_component() -> None:
    data = changed(["components", 0, "indicators", 1, "weight"], 30)
    with pytest.raises(EngineInputError) as caught:
        parse_scheme(data)
    (error,) = caught.value.errors
    assert error["field"] == "scheme.components[0].indicators"
    assert "component goal" in error["message"] and "(got 90" in error["message"]


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (["precision"], 9, "scheme.precision"),
        (["precision"], 2.5, "scheme.precision"),
        (["ranking"], "best", "scheme.ranking"),
        (["missing"], "skip", "scheme.missing"),
        (["bonus_cap"], -1, "scheme.bonus_cap"),
        (["grades"], [], "scheme.grades"),
        (["grades", 1, "min"], "80", "scheme.grades[1].min"),
        (["grades", 1, "name"], "优秀", "scheme.grades"),
        (["quota", "grade"], "卓越", "scheme.quota.grade"),
        (["quota", "grade"], "不合格", "scheme.quota.grade"),
        (["quota", "max_share"], 1.5, "scheme.quota.max_share"),
        (["components"], [], "scheme.components"),
        (["components", 0, "weight"], -45, "scheme.components[0].weight"),
        (["components", 0, "code"], "social", "scheme.components[1].code"),
        (
            ["components", 0, "indicators", 1, "code"],
            "A1",
            "scheme.components[0].indicators[1].code",
        ),
        (
            ["components", 0, "indicators", 0, "rule"],
            ...,
            "scheme.components[0].indicators[0].rule",
        ),
        (
            ["components", 0, "indicators", 0, "rule", "target"],
            -1,
            "scheme.components[0].indicators[0].rule.target",
        ),
        (
            ["components", 0, "indicators", 0, "time_aggregate"],
            "median",
            "scheme.components[0].indicators[0].time_aggregate",
        ),
        (["components", 1, "panel", "trim"], 0.5, "scheme.components[1].panel.trim"),
        (["components", 1, "panel", "aggregate"], "median", "scheme.components[1].panel.aggregate"),
        (["components", 1, "indicators"], [], "scheme.components[1]"),
    ],
)
def test_bad_fields_are_named(path: list, value: object, field: str) -> None:
    assert field in fields_of(changed(path, value))


def test_all_problems_are_reported_at_once() -> None:
    data = changed(["precision"], -1)
    data["ranking"] = "best"
    data["components"][0]["indicators"][0]["rule"]["target"] = 0
    assert len(fields_of(data)) == 3


def test_the_quota_counts_seats_on_the_decimal_share() -> None:
    # 0.29 × 100 is 28.999999999999996 in float64; the decimal product is 29.
    assert Quota("优秀", 0.29).seats(100) == 29
    assert Quota("优秀", 0.25).seats(4) == 1
    assert Quota("优秀", 0.2).seats(9) == 1  # floor(1.8)


def test_a_scheme_round_trips_through_to_dict() -> None:
    scheme = parse_scheme(SCHEME)
    assert parse_scheme(scheme.to_dict()) == scheme
