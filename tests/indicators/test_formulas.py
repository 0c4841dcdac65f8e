"""Formulas are checked by the engine's parser and against the library: a located error and
nothing saved for a syntax error, an unknown or inactive reference, or a cycle."""

import pytest
from django.utils import translation

from govperf.core.errors import Conflict, ValidationFailed
from govperf.indicators import services
from govperf.indicators.formulas import check_formula
from govperf.indicators.models import Indicator, IndicatorVersion
from govperf.indicators.services import Definition
from tests.indicators.conftest import make_indicator


@pytest.fixture
def library(org):
    make_indicator(org.office, "A", "分子")
    make_indicator(org.office, "B", "分母")
    return org


def formula_errors(exc: ValidationFailed) -> list[tuple[str | None, str | None, str]]:
    return [(d.field, d.value, d.message) for d in exc.details]


def test_a_rate_is_saved_in_canonical_text_with_its_inputs(library):
    rate = make_indicator(library.office, "R", formula="#{A}/#{B}*100")
    assert rate.current.formula == "#{A} / #{B} * 100"
    assert sorted(rate.current.inputs.values_list("code", flat=True)) == ["A", "B"]


def test_period_offsets_are_allowed(library):
    growth = make_indicator(library.office, "G", formula="(#{A} - #{A@lastyear}) / #{A@prev}")
    assert growth.current.formula == "(#{A} - #{A@lastyear}) / #{A@prev}"
    assert list(growth.current.inputs.values_list("code", flat=True)) == ["A"]


@translation.override("en")
def test_a_syntax_error_is_located_and_nothing_is_saved(library):
    with pytest.raises(ValidationFailed) as caught:
        make_indicator(library.office, "R", formula="#{A} / ")
    assert formula_errors(caught.value) == [
        (
            "formula",
            None,
            "column 8: the formula ends too early, expected a number, a reference #{…}, a function or '('",
        )
    ]
    assert not Indicator.objects.filter(code="R").exists()
    check = check_formula("#{A} / ")
    assert [(e.position, e.message[:9]) for e in check.errors] == [(8, "column 8:")]


def test_engine_messages_follow_the_language(library):
    with translation.override("zh-hans"):
        assert check_formula("max(1, 2").errors[0].message.startswith("第 9 列")
    with translation.override("en"):
        assert check_formula("max(1, 2").errors[0].message.startswith("column 9")


@translation.override("en")
def test_an_unknown_reference_is_named_with_its_position(library):
    with pytest.raises(ValidationFailed) as caught:
        make_indicator(library.office, "R", formula="#{A} / #{NOPE}")
    assert formula_errors(caught.value) == [
        ("formula", "NOPE", "Column 8: there is no indicator with the code NOPE.")
    ]
    assert not Indicator.objects.filter(code="R").exists()


@translation.override("en")
def test_an_inactive_reference_is_refused(library):
    b = Indicator.objects.get(code="B")
    services.set_indicator_active(
        actor=library.office, indicator=b, active=False, expected_version=1
    )
    check = check_formula("#{A} + #{B}")
    assert [(e.position, e.message) for e in check.errors] == [
        (8, "Column 8: the indicator B is inactive.")
    ]


@translation.override("en")
def test_a_cycle_is_refused_naming_the_path_and_nothing_is_saved(library):
    office = library.office
    make_indicator(office, "C", formula="#{A} + 1")
    make_indicator(office, "D", formula="#{C} * 2")
    a = Indicator.objects.get(code="A")
    before = (IndicatorVersion.objects.count(), a.version, a.current.formula)
    with pytest.raises(ValidationFailed) as caught:
        services.update_indicator(
            actor=office,
            indicator=a,
            expected_version=1,
            definition=Definition.of(a.current).replace(formula="#{B} + #{D}"),
        )
    assert formula_errors(caught.value) == [
        ("formula", "D", "The formula refers back to itself: A → D → C → A.")
    ]
    a.refresh_from_db()
    assert (IndicatorVersion.objects.count(), a.version, a.current.formula) == before
    assert check_formula("#{B} + #{D}", own_code="A").errors[0].position == 8


@translation.override("en")
def test_a_formula_referring_to_itself_is_a_cycle_even_through_another_period(library):
    a = Indicator.objects.get(code="A")
    check = check_formula("#{A@prev} + 1", own_code="A")
    assert [(e.position, e.message) for e in check.errors] == [
        (1, "The formula refers back to itself: A → A.")
    ]
    assert a.current.formula == ""


def test_a_new_indicator_cannot_be_in_a_cycle_but_sees_the_graph(library):
    check = check_formula("#{A} + #{B}")
    assert check.ok and check.references == ["A", "B"] and check.codes == ["A", "B"]
    assert check.text == "#{A} + #{B}"


def test_the_check_lists_references_with_offsets(library):
    check = check_formula("sum(#{A}, #{A@lastyear}, #{B@prev})")
    assert check.ok
    assert check.references == ["A", "A@lastyear", "B@prev"]
    assert check.as_dict() == {
        "ok": True,
        "text": "sum(#{A}, #{A@lastyear}, #{B@prev})",
        "references": ["A", "A@lastyear", "B@prev"],
        "errors": [],
    }


@translation.override("en")
def test_an_indicator_used_by_an_active_formula_cannot_be_deactivated(library):
    make_indicator(library.office, "R", formula="#{A} / #{B}")
    a = Indicator.objects.get(code="A")
    with pytest.raises(Conflict) as caught:
        services.set_indicator_active(
            actor=library.office, indicator=a, active=False, expected_version=1
        )
    assert caught.value.message == "Active indicators compute their formula from this one: R."
    assert Indicator.objects.get(code="A").is_active


@translation.override("en")
def test_a_qualitative_indicator_has_no_formula(library, presets):
    from govperf.indicators.models import Rubric

    with pytest.raises(ValidationFailed) as caught:
        make_indicator(
            library.office,
            "Q",
            kind="qualitative",
            rubric=Rubric.objects.get(code="three-level"),
            formula="#{A}",
        )
    assert formula_errors(caught.value) == [
        ("formula", None, "A qualitative indicator cannot have a formula.")
    ]
