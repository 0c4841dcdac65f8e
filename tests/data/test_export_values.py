"""Exports: the long table, neutralised formula-looking cells, numbers kept as numbers, scope."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from govperf.data.exporting import export_values
from govperf.data.writer import SYSTEM, write_batch
from tests.data.conftest import batch


def test_cells_that_look_like_formulas_are_neutralised(org, lib):
    write_batch(
        batch(
            [(lib.enr, org.edu, "202603", "-5"), (lib.cap, org.edu, "202603", "7")],
            comments=['=HYPERLINK("http://x")', "@SUM(A1)"],
        ),
        actor=SYSTEM,
        source="import",
    )
    rows = list(
        csv.reader(io.StringIO(export_values(user=SYSTEM, fmt="csv").data.decode("utf-8-sig")))
    )
    body = {r[0]: r for r in rows[1:]}
    assert body["ENR"][7] == "-5" and body["ENR"][9] == '\'=HYPERLINK("http://x")'
    assert body["CAP"][9] == "'@SUM(A1)"
    sheet = load_workbook(io.BytesIO(export_values(user=SYSTEM, fmt="xlsx").data)).active
    cells = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    assert cells["ENR"][7].value == -5 and cells["ENR"][9].value == '\'=HYPERLINK("http://x")'


def test_export_shows_only_units_the_reader_may_see(org, lib):
    write_batch(
        batch([(lib.enr, org.edu, "202603", "1"), (lib.enr, org.health, "202603", "2")]),
        actor=SYSTEM,
        source="import",
    )
    assert export_values(user=org.edu_coord, fmt="csv", indicator="ENR").count == 1
    assert export_values(user=org.office, fmt="csv", indicator="ENR").count == 2
    assert export_values(user=org.office, fmt="csv", period="2026Q1", indicator="ENR").count == 2
    assert export_values(user=org.office, fmt="csv", period="2026Q2", indicator="ENR").count == 0
