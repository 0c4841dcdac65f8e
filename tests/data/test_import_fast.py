"""A long-format CSV file goes into the writer as its bytes on PostgreSQL (``copy_csv``);
anything that path would not read exactly as Python's csv module does goes row by row.
Either way the same values are written and the same errors located, at the same rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from govperf.data.importing import import_file
from govperf.data.models import DataValue

HEAD = "indicator,unit,period,value,comment\n"


def run(org, text: str | bytes, **kw):
    data = text.encode() if isinstance(text, str) else text
    return import_file(actor=org.edu_coord, stream=data, filename="v.csv", **kw)


def stored(lib) -> list[tuple]:
    return sorted(
        (v.indicator.code, v.period, v.value, v.comment)
        for v in DataValue.objects.exclude(source="formula").select_related("indicator")
    )


def fast_on_postgresql(outcome, expected: bool) -> None:
    assert outcome.fast is (expected and connection.vendor == "postgresql")


@pytest.mark.parametrize(
    ("text", "fast"),
    [
        (HEAD + "ENR,edu,202603,12,first\nCAP,edu,202603,20,\n", True),
        (HEAD.replace("\n", "\r\n") + "ENR,edu,202603,12,first\r\nCAP,edu,202603,20,\r\n", True),
        (HEAD + "ENR,edu,202603,12,first\nCAP,edu,202603,20,", True),  # no final line end
        (HEAD + 'ENR,edu,202603,12,"first"\nCAP,edu,202603,20,\n', False),  # quotes
        (HEAD + "ENR,edu,202603,12,first\n\nCAP,edu,202603,20,\n", False),  # a blank line
        (HEAD + "ENR,edu,202603,12,first\nCAP,edu,202603,20\n", False),  # a short row
    ],
)
def test_the_same_values_either_way(org, lib, text, fast):
    outcome = run(org, text)
    assert outcome.ok, outcome.result.errors
    fast_on_postgresql(outcome, fast)
    assert stored(lib) == [
        ("CAP", "202603", Decimal(20), ""),
        ("ENR", "202603", Decimal(12), "first"),
    ]


def test_texts_are_kept_as_they_are(org, lib):
    outcome = run(
        org,
        HEAD + 'ENR,edu,202603,12,"a, ""b"" \\ c"\nCAP,edu,202603,20,back\\slash\n',
    )
    assert outcome.ok, outcome.result.errors
    assert [v[3] for v in stored(lib)] == ["back\\slash", 'a, "b" \\ c']


def test_unused_columns_and_chinese_headers_in_gb18030(org, lib):
    text = "指标编码,指标名称,单位编码,期间,数值,状态\nENR,在校生数,edu,202603,12,草稿\n"
    outcome = run(org, text.encode("gb18030"))
    assert outcome.ok, outcome.result.errors
    fast_on_postgresql(outcome, True)
    assert stored(lib) == [("ENR", "202603", Decimal(12), "")]


def test_numbers_as_decimal_reads_them(org, lib):
    text = (
        "indicator,unit,period,value\n"
        "ENR,edu,202601, 12\n"
        "ENR,edu,202602,1e3\n"
        "ENR,edu,202603,+5\n"
        "ENR,edu,202604,1.1000000\n"
        "ENR,edu,202605,-0.000001\n"
        "ENR,edu,202606,123456.123456\n"
    )
    outcome = run(org, text)
    assert outcome.ok, outcome.result.errors
    assert [v[2] for v in sorted(stored(lib), key=lambda v: v[1])] == [
        Decimal(12),
        Decimal(1000),
        Decimal(5),
        Decimal("1.1"),
        Decimal("-0.000001"),
        Decimal("123456.123456"),
    ]


@pytest.mark.parametrize(
    "bad",
    [
        # PostgreSQL reads these as numbers; NUMERIC(24, 6) does not hold them exactly.
        ["1.0000001", "NaN", "Infinity", "-inf", "1e18", "-1000000000000000000"],
        # And these it does not read at all (Python's Decimal decides, as for "1e3").
        ["twelve", "1 000", "12abc", "--1", "1.0000001", "NaN"],
    ],
)
def test_what_is_not_a_number_is_located(org, lib, bad):
    text = "indicator,unit,period,value\n" + "".join(
        f"ENR,edu,2026{m:02d},{v}\n" for m, v in enumerate(bad, start=1)
    )
    outcome = run(org, text)
    assert [(e.row, e.column, e.value) for e in outcome.result.errors] == [
        (row, "D (value)", v) for row, v in enumerate(bad, start=2)
    ]
    assert {e.message for e in outcome.result.errors} == {
        "Not a number with at most 18 digits before and 6 after the point."
    }
    assert DataValue.objects.count() == 0


def test_rows_are_numbered_as_the_file_has_them(org, lib):
    # A blank line counts (the reader path numbers it); a quoted line break does not.
    text = (
        'indicator,unit,period,value,comment\n\nENR,edu,202603,x,"two\nlines"\nNOPE,edu,202603,1,\n'
    )
    outcome = run(org, text)
    assert sorted((e.row, e.column) for e in outcome.result.errors) == [
        (3, "D (value)"),
        (4, "A (indicator)"),
    ]


def test_blank_values_are_left_out_and_counted(org, lib):
    outcome = run(org, HEAD + "ENR,edu,202603,12,\nCAP,edu,202603,,nothing\n")
    assert outcome.ok and outcome.blank == 1 and outcome.result.created == 1
    fast_on_postgresql(outcome, True)


def test_a_dry_run_previews_the_first_rows(org, lib):
    outcome = run(org, HEAD + "ENR,edu,202603,12,first\nCAP,edu,202603,20,\n", dry_run=True)
    assert outcome.ok and outcome.result.created == 2 and DataValue.objects.count() == 0
    assert [(p["row"], p["indicator"], p["value"], p["comment"]) for p in outcome.preview] == [
        (2, "ENR", "12", "first"),
        (3, "CAP", "20", ""),
    ]


def test_an_end_of_data_marker_is_data(org, lib):
    # "\\." alone on a line would end COPY's input; Python's csv reads it as a (blank) row.
    outcome = run(org, HEAD + "ENR,edu,202603,12,\n\\.\nCAP,edu,202603,20,\n")
    fast_on_postgresql(outcome, False)
    assert outcome.ok and (outcome.result.created, outcome.blank) == (2, 1)
