"""Creating indicators: every C2 field, and the rules between them."""

from decimal import Decimal

import pytest
from django.utils import translation

from govperf.audit.models import AuditEntry
from govperf.core.errors import ValidationFailed
from govperf.indicators import services
from govperf.indicators.models import Indicator, Tag
from govperf.indicators.services import Definition
from tests.indicators.conftest import make_indicator


def details(exc) -> list[tuple[str | None, str]]:
    return [(d.field, d.message) for d in exc.value.details]


def test_every_field_is_kept(org, presets):
    tags = (Tag.objects.get(code="government"), Tag.objects.get(code="output-timeliness"))
    indicator = services.create_indicator(
        actor=org.office,
        code="GOV-001",
        definition=Definition(
            name="政务服务事项按时办结率",
            definition="按时办结事项占办结事项的比例",
            unit_of_measure="%",
            caliber="依申请事项，不含撤回件",
            data_source="政务服务网办件系统",
            collecting_unit=org.edu,
            frequency="Quarterly",
            time_aggregation="mean",
            direction="band",
            band_low=Decimal("95"),
            band_high=Decimal("100.5"),
            horizon="long_term",
            decimals=1,
            origin="R001 §3.1",
            tags=tags,
        ),
        change_note="首次建立",
    )
    v = Indicator.objects.get(code="GOV-001").current
    assert (v.number, v.name, v.unit_of_measure, v.collecting_unit, v.frequency) == (
        1,
        "政务服务事项按时办结率",
        "%",
        org.edu,
        "Quarterly",
    )
    assert (v.time_aggregation, v.direction, v.band_low, v.band_high) == (
        "mean",
        "band",
        Decimal("95"),
        Decimal("100.5"),
    )
    assert (v.kind, v.horizon, v.decimals, v.origin, v.change_note) == (
        "quantitative",
        "long_term",
        1,
        "R001 §3.1",
        "首次建立",
    )
    assert v.band_display() == "[95, 100.5]"
    assert sorted(t.key for t in v.tags.all()) == [
        "budget:output-timeliness",
        "dimension:government",
    ]
    assert v.created_by == org.office
    entry = AuditEntry.objects.get(action="indicator.create")
    assert entry.object_id == str(indicator.pk)


@translation.override("en")
@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"direction": "band"}, [("band_low", "A band needs both its low and its high limit.")]),
        (
            {"direction": "band", "band_low": Decimal(5), "band_high": Decimal(5)},
            [("band_high", "The band's high limit must be above its low limit.")],
        ),
        (
            {"band_low": Decimal(1)},
            [("band_low", "Only an indicator whose direction is a band has band limits.")],
        ),
        (
            {"direction": "band", "band_low": Decimal("0.0000001"), "band_high": Decimal(1)},
            [("band_low", "At most 6 decimal places.")],
        ),
        ({"frequency": "Daily"}, [("frequency", "Not a valid choice.")]),
        ({"decimals": 7}, [("decimals", "A whole number from 0 to 6.")]),
        ({"name": ""}, [("name", "This field is required.")]),
        ({"name": "甲\x00乙"}, [("name", "Control characters are not allowed.")]),
        (
            {"unit_of_measure": "x" * 33},
            [("unit_of_measure", "At most 32 characters (this has 33).")],
        ),
    ],
)
def test_rules_between_fields(org, fields, expected):
    with pytest.raises(ValidationFailed) as caught:
        services.create_indicator(
            actor=org.office, code="X", definition=Definition(name="指标").replace(**fields)
        )
    assert details(caught) == expected
    assert not Indicator.objects.exists()


@translation.override("en")
def test_codes_are_unique_whatever_the_letter_case_and_usable_in_formulas(org):
    make_indicator(org.office, "ECO-001")
    for code, message in [
        ("eco-001", "This code is already used by an indicator."),
        ("经济-1", "Use 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit."),
        ("-X", "Use 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit."),
    ]:
        with pytest.raises(ValidationFailed) as caught:
            make_indicator(org.office, code)
        assert details(caught) == [("code", message)]
    assert Indicator.objects.count() == 1


@translation.override("en")
def test_an_inactive_collecting_unit_is_refused(org):
    org.county_edu.is_active = False
    org.county_edu.save(update_fields=["is_active"])
    with pytest.raises(ValidationFailed) as caught:
        make_indicator(org.office, "X", collecting_unit=org.county_edu)
    assert details(caught) == [("collecting_unit", "The unit is inactive.")]


def test_single_line_fields_fold_line_breaks_and_text_is_trimmed(org):
    indicator = make_indicator(
        org.office, "X", name="  按时\n办结率 ", definition=" 第一行\n第二行 "
    )
    assert (indicator.current.name, indicator.current.definition) == (
        "按时 办结率",
        "第一行\n第二行",
    )


def test_deactivate_and_reactivate(org):
    indicator = make_indicator(org.office, "X")
    services.set_indicator_active(
        actor=org.office, indicator=indicator, active=False, expected_version=1
    )
    indicator.refresh_from_db()
    assert (indicator.is_active, indicator.version) == (False, 2)
    services.set_indicator_active(
        actor=org.office, indicator=indicator, active=True, expected_version=2
    )
    indicator.refresh_from_db()
    assert (indicator.is_active, indicator.version) == (True, 3)
    assert list(
        AuditEntry.objects.filter(action__startswith="indicator.")
        .order_by("seq")
        .values_list("action", flat=True)
    ) == ["indicator.create", "indicator.deactivate", "indicator.activate"]


@translation.override("en")
def test_reactivating_needs_the_inputs_of_its_formula_active(org):
    make_indicator(org.office, "A")
    rate = make_indicator(org.office, "R", formula="#{A} * 2")
    services.set_indicator_active(
        actor=org.office, indicator=rate, active=False, expected_version=1
    )
    a = Indicator.objects.get(code="A")
    services.set_indicator_active(actor=org.office, indicator=a, active=False, expected_version=1)
    with pytest.raises(ValidationFailed) as caught:
        services.set_indicator_active(
            actor=org.office, indicator=rate, active=True, expected_version=2
        )
    assert caught.value.message == "Its formula refers to inactive indicators: A."
    assert not Indicator.objects.get(code="R").is_active
