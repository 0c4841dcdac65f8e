"""Importing files: formats, encodings, the template round trip, and every kind of bad input,
each located and writing nothing."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from govperf.data.exporting import template
from govperf.data.importing import import_file
from govperf.data.models import DataValue, PeriodLock
from govperf.engine.periods import Period

LONG = "indicator,unit,period,value,comment\nENR,edu,202603,12,first\nCAP,edu,202603,20,\n"


def run(org, data: bytes, filename="values.csv", **kw):
    return import_file(actor=org.edu_coord, stream=data, filename=filename, **kw)


def xlsx(rows, merge: str | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_long_csv_imports_all_rows(org, lib):
    outcome = run(org, LONG.encode())
    assert outcome.ok and outcome.layout == "long"
    assert (outcome.result.created, outcome.result.updated) == (2, 0)
    assert DataValue.objects.get(indicator=lib.enr).comment == "first"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_encodings_with_chinese_headers(org, lib, encoding):
    text = "指标编码,单位编码,期间,数值,备注\nENR,edu,202603,12,春季学期\n"
    outcome = run(org, text.encode(encoding))
    assert outcome.ok, outcome.result.errors
    assert DataValue.objects.get().comment == "春季学期"


def test_a_file_in_another_encoding_is_refused(org, lib):
    outcome = run(org, "indicator,unit,period,value,comment\nENR,edu,202603,1,é\n".encode("utf-16"))
    assert [(e.field, e.message) for e in outcome.result.errors] == [
        ("file", "This line cannot be read; save the file as UTF-8 CSV.")
    ]
    assert DataValue.objects.count() == 0


def test_xlsx_long_format(org, lib):
    data = xlsx([["indicator", "unit", "period", "value"], ["ENR", "edu", "202603", 12.5]])
    outcome = run(org, data, "v.xlsx")
    assert outcome.ok and DataValue.objects.get().value == 12.5


def test_bad_rows_are_all_located_and_nothing_is_written(org, lib):
    text = (
        "indicator,unit,period,value\n"
        "ENR,edu,202603,12\n"
        "ENR,edu,202604,twelve\n"
        "NOPE,edu,202603,1\n"
        "CAP,nowhere,202603,1\n"
        "ENR,edu,202603,13\n"
    )
    outcome = run(org, text.encode())
    assert sorted(
        (e.row, e.column, str(e.value) if e.value is not None else None)
        for e in outcome.result.errors
    ) == [
        (3, "D (value)", "twelve"),
        (4, "A (indicator)", "NOPE"),
        (5, "B (unit)", "nowhere"),
        (6, "A (indicator)", "ENR / edu / 202603"),
    ]
    assert "Duplicate of row 2" in next(e.message for e in outcome.result.errors if e.row == 6)
    assert DataValue.objects.count() == 0


def test_a_locked_period_is_refused(org, lib):
    p = Period.parse("2026")
    PeriodLock.objects.create(
        period="2026", period_start=p.start, period_end=p.end, locked_by=org.office
    )
    outcome = run(org, LONG.encode())
    assert [(e.row, e.column) for e in outcome.result.errors] == [
        (2, "C (period)"),
        (3, "C (period)"),
    ]
    assert DataValue.objects.count() == 0


def test_an_oversized_file_is_refused(org, lib, settings):
    settings.DATA_IMPORT_MAX_BYTES = 40
    outcome = run(org, LONG.encode())
    assert [(e.field, e.value) for e in outcome.result.errors] == [("file", len(LONG.encode()))]
    assert DataValue.objects.count() == 0


def test_a_formula_cell_is_refused(org, lib):
    data = xlsx([["indicator", "unit", "period", "value"], ["ENR", "edu", "202603", "=1+1"]])
    outcome = run(org, data, "v.xlsx")
    assert [(e.row, e.column, e.value) for e in outcome.result.errors] == [(2, "D", "=1+1")]
    assert DataValue.objects.count() == 0


def test_merged_header_cells_are_refused(org, lib):
    data = xlsx(
        [["indicator", "unit", "period", "value"], ["ENR", "edu", "202603", 1]], merge="A1:B1"
    )
    outcome = run(org, data, "v.xlsx")
    assert [(e.row, e.column) for e in outcome.result.errors] == [(1, "A1:B1")]
    assert DataValue.objects.count() == 0


def test_wrong_columns_are_refused(org, lib):
    outcome = run(org, b"indicator,unit,when,value,colour\nENR,edu,202603,1,red\n")
    assert sorted((e.column, e.message) for e in outcome.result.errors) == [
        ("C (when)", "Unknown column."),
        ("E (colour)", "Unknown column."),
        (
            "period",
            "Required column is missing (accepted headers: period / period_code / 期间 / 期间代码).",
        ),
    ]


def test_dry_run_writes_nothing_and_a_rerun_creates_no_duplicates(org, lib):
    dry = run(org, LONG.encode(), dry_run=True)
    assert dry.ok and dry.result.created == 2 and DataValue.objects.count() == 0
    run(org, LONG.encode())
    again = run(org, LONG.encode())
    assert (again.result.created, again.result.unchanged) == (0, 2)
    assert DataValue.objects.filter(source="import").count() == 2


def test_template_round_trip(org, lib):
    data, count = template(user=org.edu_coord, unit="edu", period="202603")
    assert count == 2  # ENR and CAP: the monthly, non-formula indicators with a target for edu
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    assert [c.value for c in ws[1]][:2] == ["unit", "edu"]
    assert [c.value for c in ws[4]] == [
        "indicator",
        "name",
        "unit_of_measure",
        "target",
        "value",
        "level",
        "comment",
    ]
    assert [(r[0].value, r[3].value) for r in ws.iter_rows(min_row=5)] == [
        ("CAP", 100),
        ("ENR", 100),
    ]
    ws["E5"] = 30
    ws["E6"] = 25
    buf = io.BytesIO()
    wb.save(buf)
    outcome = run(org, buf.getvalue(), "t.xlsx")
    assert outcome.ok and outcome.layout == "template" and outcome.result.created == 2
    again, _count = template(user=org.edu_coord, unit="edu", period="202603")
    values = [
        (r[0].value, r[4].value)
        for r in load_workbook(io.BytesIO(again)).active.iter_rows(min_row=5)
    ]
    assert values == [("CAP", 30), ("ENR", 25)]


def test_template_for_another_unit_than_asked_is_refused(org, lib):
    data, _count = template(user=org.edu_coord, unit="edu", period="202603")
    outcome = run(org, data, "t.xlsx", unit="health")
    assert [(e.row, e.value) for e in outcome.result.errors] == [(1, "edu")]
