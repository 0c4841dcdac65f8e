"""Rubrics: graded levels with descriptions and score ranges as shares, best first, not overlapping."""

import pytest
from django.utils import translation

from govperf.core.errors import Conflict, ValidationFailed
from govperf.indicators import services
from govperf.indicators.models import Indicator, Rubric
from govperf.indicators.services import Definition, clean_levels
from tests.indicators.conftest import make_indicator

FOUR = [
    {"name": "优秀", "description": "全面完成", "min": 0.9, "max": 1},
    {"name": "良好", "description": "", "min": "0.8", "max": "0.9"},
    {"name": "一般", "min": 0.6, "max": 0.8},
    {"name": "较差", "min": 0, "max": 0.6},
]


def test_the_default_levels_are_the_three_of_product_md():
    levels, errors = clean_levels(services.DEFAULT_LEVELS)
    assert errors == []
    assert [(lv["name"], lv["min"], lv["max"]) for lv in levels] == [
        ("达成", 0.8, 1.0),
        ("部分达成", 0.6, 0.8),
        ("未达成", 0.0, 0.6),
    ]


def test_the_office_creates_a_rubric(org):
    rubric = services.create_rubric(actor=org.office, code="four", name="四级", levels=FOUR)
    assert rubric.levels[1] == {"name": "良好", "description": "", "min": 0.8, "max": 0.9}
    assert rubric.engine_levels() == {
        "优秀": [0.9, 1.0],
        "良好": [0.8, 0.9],
        "一般": [0.6, 0.8],
        "较差": [0.0, 0.6],
    }


@translation.override("en")
@pytest.mark.parametrize(
    ("levels", "messages"),
    [
        (FOUR[:1], ["A rubric needs at least two levels."]),
        (
            [{"name": "甲", "min": 0.5, "max": 1}, {"name": "乙", "min": 0.4, "max": 0.6}],
            ["Level 2: its range 0.4–0.6 overlaps the range 0.5–1 of level 1."],
        ),
        (
            [{"name": "差", "min": 0, "max": 0.6}, {"name": "好", "min": 0.6, "max": 1}],
            ["Level 2: list the levels best first (highest range first)."],
        ),
        (
            [{"name": "甲", "min": 0.8, "max": 1.2}, {"name": "乙", "min": 0.7, "max": 0.7}],
            [
                "Level 1: the range must satisfy 0 ≤ from < to ≤ 1 (got 0.8–1.2).",
                "Level 2: the range must satisfy 0 ≤ from < to ≤ 1 (got 0.7–0.7).",
            ],
        ),
        (
            [{"name": "甲", "min": "x", "max": 1}, {"name": "", "min": 0, "max": 0.5}],
            [
                "Level 1: the range needs two numbers between 0 and 1.",
                "Level 2: This field is required.",
            ],
        ),
        (
            [{"name": "甲", "min": 0.5, "max": 1}, {"name": "甲", "min": 0, "max": 0.5}],
            ["Level 2: the name 甲 is used twice."],
        ),
    ],
)
def test_bad_levels_are_refused_and_nothing_is_saved(org, levels, messages):
    with pytest.raises(ValidationFailed) as caught:
        services.create_rubric(actor=org.office, code="bad", name="坏", levels=levels)
    assert [d.message for d in caught.value.details] == messages
    assert {d.field for d in caught.value.details} == {"levels"}
    assert not Rubric.objects.filter(code="bad").exists()


def test_levels_leave_gaps_allowed(org):
    gaps = [{"name": "甲", "min": 0.9, "max": 1}, {"name": "乙", "min": 0.5, "max": 0.7}]
    assert services.create_rubric(actor=org.office, code="gaps", name="有间隔", levels=gaps).pk


@translation.override("en")
def test_a_qualitative_indicator_needs_a_rubric_and_a_quantitative_one_has_none(org, presets):
    with pytest.raises(ValidationFailed) as caught:
        make_indicator(org.office, "Q", kind="qualitative")
    assert [(d.field, d.message) for d in caught.value.details] == [
        ("rubric", "A qualitative indicator needs a rubric.")
    ]
    rubric = Rubric.objects.get(code="three-level")
    with pytest.raises(ValidationFailed) as caught:
        make_indicator(org.office, "N", rubric=rubric)
    assert [(d.field, d.message) for d in caught.value.details] == [
        ("rubric", "Only a qualitative indicator has a rubric.")
    ]
    assert (
        make_indicator(org.office, "Q", kind="qualitative", rubric=rubric).current.rubric == rubric
    )


def test_levels_of_a_rubric_in_use_stay_fixed(org, presets, plan_lines):
    rubric = Rubric.objects.get(code="three-level")
    indicator = make_indicator(org.office, "Q", kind="qualitative", rubric=rubric)
    services.update_rubric(
        actor=org.office, rubric=rubric, expected_version=1, name="三级", levels=rubric.levels
    )
    plan_lines.objects.create(version=Indicator.objects.get(pk=indicator.pk).current)
    with pytest.raises(Conflict) as caught:
        services.update_rubric(
            actor=org.office, rubric=rubric, expected_version=2, name="三级", levels=FOUR
        )
    assert caught.value.code == "in_use"
    rubric.refresh_from_db()
    assert (rubric.name, rubric.levels, rubric.version) == ("三级", services.DEFAULT_LEVELS, 2)


def test_a_rubric_not_in_use_can_change_its_levels(org, presets):
    rubric = Rubric.objects.get(code="three-level")
    services.create_indicator(
        actor=org.office,
        code="Q",
        definition=Definition(name="Q", kind="qualitative", rubric=rubric),
    )
    saved = services.update_rubric(
        actor=org.office, rubric=rubric, expected_version=1, name=rubric.name, levels=FOUR
    )
    assert [lv["name"] for lv in saved.levels] == ["优秀", "良好", "一般", "较差"]
