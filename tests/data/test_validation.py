"""Validation rules: each kind, block against warn, located errors, the batch over the store."""

from __future__ import annotations

import time

import numpy as np
import pytest

from govperf.data.batch import ValueBatch
from govperf.data.models import ValidationRule
from govperf.data.validation import clean_params, validate_batch
from tests.data.conftest import batch, stored


def rule(code, kind, indicator, severity="block", **params):
    return ValidationRule.objects.create(
        code=code, name=code, kind=kind, indicator=indicator, params=params, severity=severity
    )


def test_no_rules_no_findings(org, lib):
    report = validate_batch(batch([(lib.enr, org.edu, "202603", "12")]))
    assert report.ok and report.errors == [] and report.warnings == []


def test_range_blocks_above_the_maximum_and_locates_the_row(org, lib):
    rule("enr-range", "range", lib.enr, min="0", max="1000")
    b = batch(
        [
            (lib.enr, org.edu, "202603", "999"),
            (lib.enr, org.edu, "202604", "1000.5"),
            (lib.enr, org.edu, "202605", "-1"),
            (lib.cap, org.edu, "202605", "5000"),
        ],
        rows=[7, 8, 9, 10],
    )
    report = validate_batch(b)
    assert [(e.row, e.column, e.value) for e in report.errors] == [
        (8, "value", "1000.5"),
        (9, "value", "-1"),
    ]
    assert report.errors[0].message == "Above the maximum 1000 (rule enr-range)"
    assert report.errors[1].message == "Below the minimum 0 (rule enr-range)"
    assert report.warnings == []


def test_a_warning_rule_warns_and_does_not_block(org, lib):
    rule("enr-max", "range", lib.enr, severity="warn", max="10")
    report = validate_batch(batch([(lib.enr, org.edu, "202603", "11")]))
    assert report.ok
    assert [(w.row, w.message) for w in report.warnings] == [
        (1, "Above the maximum 10 (rule enr-max)")
    ]


def test_inactive_rules_check_nothing(org, lib):
    r = rule("enr-max", "range", lib.enr, max="10")
    r.is_active = False
    r.save()
    assert validate_batch(batch([(lib.enr, org.edu, "202603", "11")])).ok


def test_a_custom_message_is_shown(org, lib):
    ValidationRule.objects.create(
        code="cap",
        name="cap",
        kind="range",
        indicator=lib.cap,
        params={"max": "5"},
        message="学位数不应超过五",
    )
    report = validate_batch(batch([(lib.cap, org.edu, "202603", "6")]))
    assert report.errors[0].message == "学位数不应超过五 (rule cap)"


def test_required_refuses_an_empty_value_where_the_unit_has_a_target(org, lib):
    rule("enr-req", "required", lib.enr)
    report = validate_batch(
        batch([(lib.enr, org.edu, "202603", ""), (lib.enr, org.health, "202603", "")])
    )
    # health has no target for ENR: nothing is required of it.
    assert [(e.row, e.message) for e in report.errors] == [
        (1, "A value is required: the unit has a target for it (rule enr-req)")
    ]


def test_required_accepts_a_rubric_level(org, lib):
    rule("open-req", "required", lib.open)
    b = batch([(lib.open, org.edu, "2026", "")], levels=["达成"])
    assert validate_batch(b).ok


def test_expression_reads_the_store_and_locates_at_its_own_indicator(org, lib):
    rule("enr-cap", "expression", lib.enr, left="#{ENR}", op="<=", right="#{CAP}")
    stored(lib.cap, org.edu, "202603", 100)
    report = validate_batch(
        batch([(lib.enr, org.edu, "202603", "120"), (lib.enr, org.edu, "202604", "50")])
    )
    # April has no CAP: a side without value is no breach.
    assert [(e.row, e.value) for e in report.errors] == [(1, "120")]
    assert report.errors[0].message == (
        "#{ENR} <= #{CAP} does not hold (CAP=100, ENR=120) (rule enr-cap)"
    )


def test_expression_broken_by_the_other_side_is_located_at_that_row(org, lib):
    rule("enr-cap", "expression", lib.enr, left="#{ENR}", op="<=", right="#{CAP}")
    stored(lib.enr, org.edu, "202603", 95)
    report = validate_batch(batch([(lib.cap, org.edu, "202603", "90")], rows=[4]))
    assert [(e.row, e.value) for e in report.errors] == [(4, "90")]


def test_the_batch_takes_precedence_over_the_store(org, lib):
    rule("enr-cap", "expression", lib.enr, left="#{ENR}", op="<=", right="#{CAP}")
    stored(lib.enr, org.edu, "202603", 500)
    stored(lib.cap, org.edu, "202603", 100)
    b = batch([(lib.enr, org.edu, "202603", "90"), (lib.cap, org.edu, "202603", "100")])
    assert validate_batch(b).ok


def test_expression_with_offsets_and_functions(org, lib):
    rule(
        "no-drop",
        "expression",
        lib.enr,
        severity="warn",
        left="#{ENR}",
        op=">=",
        right="round(#{ENR@prev} * 0.9, 0)",
    )
    stored(lib.enr, org.edu, "202602", 100)
    report = validate_batch(
        batch([(lib.enr, org.edu, "202603", "89"), (lib.enr, org.edu, "202604", "90")])
    )
    # 202604's previous period is the batch's own 202603 (89 → at least 80).
    assert report.ok
    assert [w.row for w in report.warnings] == [1]


def test_jump_against_the_previous_period(org, lib):
    rule("enr-jump", "jump", lib.enr, compare="prev", max_percent="50")
    stored(lib.enr, org.edu, "202602", 100)
    stored(lib.enr, org.edu, "202603", 0)
    report = validate_batch(
        batch(
            [
                (lib.enr, org.edu, "202603", "151"),  # +51% on February's 100
                (lib.enr, org.edu, "202604", "200"),  # +32% on the batch's March 151
                (lib.enr, org.edu, "202605", "99"),  # −50.5% on the batch's April 200
                (lib.enr, org.edu, "202607", "10"),  # no June: nothing to compare
            ]
        )
    )
    assert [(e.row, e.value) for e in report.errors] == [(1, "151"), (3, "99")]
    assert report.errors[0].message == (
        "Changed by 51% against the previous period (100); at most 50% (rule enr-jump)"
    )


def test_jump_against_last_year_and_from_zero(org, lib):
    rule("enr-ly", "jump", lib.enr, severity="warn", compare="lastyear", max_percent="20")
    stored(lib.enr, org.edu, "202503", 100)
    stored(lib.enr, org.edu, "202504", 0)
    stored(lib.enr, org.edu, "202505", 0)
    report = validate_batch(
        batch(
            [
                (lib.enr, org.edu, "202603", "125"),
                (lib.enr, org.edu, "202604", "3"),
                (lib.enr, org.edu, "202605", "0"),
            ]
        )
    )
    assert report.ok
    assert [w.row for w in report.warnings] == [1, 2]
    assert "Changed by ∞% against the same period last year (0)" in report.warnings[1].message


def test_jump_compares_within_the_same_disaggregation(org, lib):
    rule("enr-jump", "jump", lib.enr, compare="prev", max_percent="10")
    stored(lib.enr, org.edu, "202602", 100, category="male")
    stored(lib.enr, org.edu, "202602", 10, category="female")
    b = batch(
        [(lib.enr, org.edu, "202603", "105"), (lib.enr, org.edu, "202603", "105")],
        categories=["male", "female"],
    )
    report = validate_batch(b)
    assert [e.row for e in report.errors] == [2]


def test_previous_mapping_replaces_the_database(org, lib):
    rule("enr-jump", "jump", lib.enr, compare="prev", max_percent="10")
    stored(lib.enr, org.edu, "202602", 100)  # ignored: the mapping is the store
    previous = {(lib.enr.pk, org.edu.pk, "202602", "", ""): 50.0}
    report = validate_batch(batch([(lib.enr, org.edu, "202603", "100")]), previous=previous)
    assert [e.row for e in report.errors] == [1]
    assert validate_batch(batch([(lib.enr, org.edu, "202603", "100")])).ok


def test_findings_name_the_rule_and_position(org, lib):
    rule("a", "range", lib.enr, max="1")
    rule("b", "range", lib.enr, severity="warn", max="2")
    report = validate_batch(
        batch([(lib.cap, org.edu, "202603", "9"), (lib.enr, org.edu, "202603", "9")])
    )
    assert [(f.position, f.rule_code, f.severity) for f in report.findings] == [
        (1, "a", "block"),
        (1, "b", "warn"),
    ]
    assert report.error_positions() == {1}


@pytest.mark.parametrize(
    ("kind", "params", "fields"),
    [
        ("range", {}, ["params.min"]),
        ("range", {"min": "x", "max": "1"}, ["params.min"]),
        ("range", {"min": "5", "max": "1"}, ["params.max"]),
        ("expression", {"left": "#{A} +", "op": "<", "right": ""}, ["params.left", "params.right"]),
        ("expression", {"left": "#{A}", "op": "=>", "right": "1"}, ["params.op"]),
        (
            "jump",
            {"compare": "week", "max_percent": "-3"},
            ["params.compare", "params.max_percent"],
        ),
        ("magic", {}, ["kind"]),
    ],
)
def test_parameters_are_checked_with_located_problems(kind, params, fields):
    _cleaned, problems = clean_params(kind, params)
    assert [p.field for p in problems] == fields


def test_parameters_are_normalised():
    assert clean_params("range", {"min": " 0.50 ", "max": "100"}) == (
        {"min": "0.5", "max": "100"},
        [],
    )
    assert clean_params("jump", {"compare": "lastyear", "max_percent": 30}) == (
        {"compare": "lastyear", "max_percent": "30"},
        [],
    )


def test_a_hundred_thousand_rows_cost_well_under_a_second(org, lib):
    """Not a benchmark, a guard against work per row in Python: half the rows break a rule
    here, the worst case, and the bound leaves room for a busy test machine."""
    rule("range", "range", lib.enr, min="0", max="1000000")
    rule("jump", "jump", lib.enr, severity="warn", compare="prev", max_percent="50")
    rule("ly", "jump", lib.enr, severity="warn", compare="lastyear", max_percent="50")
    rule("cap", "expression", lib.enr, left="#{ENR}", op="<=", right="#{CAP}")
    n = 100_000
    rng = np.random.default_rng(1)
    units = np.arange(1, 4001, dtype=np.int64)
    periods = [f"2026{m:02d}" for m in range(1, 13)]
    b = ValueBatch(
        indicator_ids=np.where(np.arange(n) % 2 == 0, lib.enr.pk, lib.cap.pk).astype(np.int64),
        unit_ids=units[np.arange(n) // 24 % len(units)],
        periods=[periods[i // 2 % 12] for i in range(n)],
        values=[str(v) for v in rng.integers(1, 100_000, n)],
    )
    validate_batch(b, previous={})  # warm up (parser, imports)
    # CPU time of this process: the bound holds on a busy machine too.
    start = time.process_time()
    report = validate_batch(b, previous={})
    elapsed = time.process_time() - start
    assert len(report.findings) == 50_697
    assert elapsed < 3.0, elapsed
