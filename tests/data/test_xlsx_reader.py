"""The streaming .xlsx reader gives every cell the text openpyxl's value gives, and refuses what
it cannot read: shared and inline strings, numbers, dates (both epochs), booleans, errors,
row gaps, formulas, merged ranges, a broken file, an XML bomb."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from govperf.core.errors import ValidationFailed
from govperf.core.tabular import cell_text
from govperf.data.exchange.readers import xlsx_sheet
from govperf.data.exchange.xlsx import XlsxError, open_workbook


def saved(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def ours(data: bytes) -> list[tuple[int, list[str]]]:
    book = open_workbook(io.BytesIO(data))
    try:
        return [(r.number, _trimmed(r.cells)) for r in book.rows() if any(r.cells)]
    finally:
        book.close()


def openpyxl_rows(data: bytes) -> list[tuple[int, list[str]]]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    out = []
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = _trimmed([cell_text(v) for v in row])
        if cells:
            out.append((number, cells))
    return out


def _trimmed(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells = cells[:-1]
    return cells


def a_bit_of_everything(wb: Workbook) -> Workbook:
    ws = wb.active
    ws.append(["indicator", "unit", "period", "value", "comment"])
    ws.append(["ENR", "edu", "202603", 12, "  spaced  "])
    ws.append(["CAP", "edu", "202603", 12.5, "春季学期"])
    ws.append(["X", "edu", "2026", 1e20, True])
    ws.append(["Y", "edu", "2026", -0.000123, False])
    ws["A8"] = "after a gap"
    ws["C8"] = dt.datetime(2026, 3, 1)
    ws["D8"] = dt.date(2025, 12, 31)
    ws["E8"] = dt.datetime(2026, 3, 1, 8, 30)
    ws["B9"] = "#N/A"
    ws["B9"].data_type = "e"
    ws["A10"] = CellRichText(["粗", TextBlock(InlineFont(b=True), "体"), " text"])
    return wb


def test_shared_strings_numbers_dates_booleans_errors_and_gaps_read_as_openpyxl_does():
    data = saved(a_bit_of_everything(Workbook()))
    expected = openpyxl_rows(data)
    assert ours(data) == expected
    assert expected[3] == (4, ["X", "edu", "2026", "100000000000000000000", "1"])
    assert expected[5] == (
        8,
        ["after a gap", "", "2026-03-01", "2025-12-31", "2026-03-01T08:30:00"],
    )
    assert expected[7] == (10, ["粗体 text"])


def test_inline_strings_of_a_write_only_workbook():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("values")
    ws.append(["indicator", "unit", "period", "value"])
    ws.append(["ENR", "edu", "202603", 7.25])
    ws.append([None, None, None, None])
    ws.append(["CAP", "edu", "202603", 3])
    data = saved(wb)
    assert ours(data) == openpyxl_rows(data)
    assert ours(data)[-1] == (4, ["CAP", "edu", "202603", "3"])


def test_a_1904_workbook_reads_its_dates_from_its_own_epoch():
    wb = Workbook()
    wb.epoch = dt.datetime(1904, 1, 1)
    wb.active["A1"] = dt.date(2026, 3, 1)
    data = saved(wb)
    assert ours(data) == openpyxl_rows(data) == [(1, ["2026-03-01"])]


def test_formula_cells_and_merged_ranges_are_reported():
    wb = Workbook()
    ws = wb.active
    ws.append(["indicator", "unit", "period", "value"])
    ws.append(["ENR", "edu", "202603", "=SUM(1,2)"])
    ws.merge_cells("A1:B1")
    sheet = xlsx_sheet(io.BytesIO(saved(wb)))
    assert sheet.merged == [(1, 1, 2, 1)]
    with pytest.raises(ValidationFailed) as caught:
        list(sheet.rows())
    assert [(d.row, d.column, d.value) for d in caught.value.details] == [(2, "D", "=SUM(1,2)")]


def test_a_broken_file_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        xlsx_sheet(io.BytesIO(b"PK\x03\x04 not really a zip"))
    assert caught.value.details[0].field == "file"


def test_a_document_type_declaration_is_refused():
    wb = Workbook()
    wb.active["A1"] = "x"
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(saved(wb))) as src, zipfile.ZipFile(buf, "w") as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                start = data.index(b"<worksheet")
                data = (
                    data[:start]
                    + b'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                    + data[start:]
                )
            out.writestr(item, data)
    with pytest.raises(ValidationFailed):
        list(xlsx_sheet(io.BytesIO(buf.getvalue())).rows())
    book = open_workbook(io.BytesIO(buf.getvalue()))
    with pytest.raises(XlsxError):
        book.merged()


def test_csv_and_json_readers_leave_the_callers_stream_open() -> None:
    # Their text wrappers are handed back, not left for the collector, which would close
    # the stream under its owner (with a ResourceWarning).
    import gc
    import io

    from govperf.data.exchange.readers import csv_sheet, json_document

    stream = io.BytesIO("指标,值\nENR,1\n".encode())
    sheet = csv_sheet(stream)
    assert list(sheet.rows()) == [(1, ["指标", "值"]), (2, ["ENR", "1"])]
    sheet.close()
    del sheet
    gc.collect()
    assert not stream.closed and stream.seek(0) == 0

    stream = io.BytesIO(b'{"dataValues": []}')
    assert json_document(stream) == {"dataValues": []}
    gc.collect()
    assert not stream.closed and stream.read() == b""
