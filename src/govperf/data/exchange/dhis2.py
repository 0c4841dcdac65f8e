"""DHIS2 ``dataValueSets`` in JSON and CSV, read into records and written back.

JSON: ``{"dataSet", "period", "orgUnit", "attributeOptionCombo", "dataValues": [...]}``;
the set's ``period``, ``orgUnit`` and ``attributeOptionCombo`` apply to values that
lack their own. CSV: DHIS2's columns, by header name when the first row is a
header, else by position (``dataelement, period, orgunit, categoryoptioncombo,
attributeoptioncombo, value, storedby, lastupdated, comment, followup, deleted``).

Ids stay external here; ``data.importing`` maps them to our codes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from govperf.core.errors import ErrorDetail, ValidationFailed
from govperf.core.tabular import neutralise
from govperf.data.exchange.readers import CHUNK, RowStream, Sheet

# Our record field → DHIS2 JSON key.
JSON_FIELDS = {
    "indicator": "dataElement",
    "period": "period",
    "unit": "orgUnit",
    "category": "categoryOptionCombo",
    "attribute": "attributeOptionCombo",
    "value": "value",
    "stored_by": "storedBy",
    "last_updated": "lastUpdated",
    "comment": "comment",
    "followup": "followup",
    "deleted": "deleted",
    "data_set": "dataSet",
    "completed": "completedDate",
}
CSV_POSITIONS = [
    "indicator",
    "period",
    "unit",
    "category",
    "attribute",
    "value",
    "stored_by",
    "last_updated",
    "comment",
    "followup",
    "deleted",
]
CSV_ALIASES = {
    "indicator": ("dataelement", "de", "data_element"),
    "period": ("period", "pe"),
    "unit": ("orgunit", "ou", "org_unit"),
    "category": ("categoryoptioncombo", "catoptcombo", "coc", "categoryoptioncomboid"),
    "attribute": ("attributeoptioncombo", "attroptcombo", "aoc", "attributeoptioncomboid"),
    "value": ("value",),
    "stored_by": ("storedby", "stored_by"),
    "last_updated": ("lastupdated", "timestamp", "last_updated"),
    "created": ("created",),
    "comment": ("comment",),
    "followup": ("followup", "follow_up"),
    "deleted": ("deleted",),
}
# What an export writes, in DHIS2's order (the header of DHIS2's own sample files).
CSV_HEADER = [
    "dataelement",
    "period",
    "orgunit",
    "categoryoptioncombo",
    "attributeoptioncombo",
    "value",
    "storedby",
    "timestamp",
    "comment",
    "followup",
]
FIELDS = (
    "indicator",
    "unit",
    "period",
    "category",
    "attribute",
    "value",
    "comment",
    "stored_by",
    "followup",
    "last_updated",
    "deleted",
    "data_set",
    "completed",
)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def json_records(doc: Any) -> Iterator[tuple[list[int], dict[str, list[str]]]]:
    """Chunks of (positions in ``dataValues``, columns of external ids and texts)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("dataValues"), list):
        raise ValidationFailed(
            _("Not a DHIS2 dataValueSet: an object with a dataValues list is expected."),
            [ErrorDetail(field="dataValues", message=_("Missing or not a list."))],
        )
    defaults = {
        "period": _text(doc.get("period")),
        "unit": _text(doc.get("orgUnit")),
        "attribute": _text(doc.get("attributeOptionCombo")),
        "data_set": _text(doc.get("dataSet")),
        "completed": _text(doc.get("completedDate")),
    }
    values = doc["dataValues"]
    for start in range(0, len(values), CHUNK):
        positions: list[int] = []
        cols: dict[str, list[str]] = {name: [] for name in FIELDS}
        for pos, item in enumerate(values[start : start + CHUNK], start=start):
            if not isinstance(item, dict):
                raise ValidationFailed(
                    _("Not a DHIS2 dataValueSet."),
                    [ErrorDetail(field=f"dataValues[{pos}]", message=_("Not an object."))],
                )
            positions.append(pos)
            for name in FIELDS:
                text = _text(item.get(JSON_FIELDS[name]))
                cols[name].append(text or defaults.get(name, ""))
        yield positions, cols


def csv_records(
    sheet: Sheet,
) -> tuple[dict[str, str], Iterator[tuple[list[int], dict[str, list[str]]]]]:
    """Column labels for errors, and chunks of (row numbers, columns)."""
    stream = RowStream(sheet.chunks)
    first = stream.peek()
    index = {name: i for i, name in enumerate(CSV_POSITIONS)}
    if first is not None:
        number, cells = first
        lowered = [c.strip().lower() for c in cells]
        if {"dataelement", "de", "data_element"} & set(lowered):
            stream.take()
            index = _header_index(number, lowered)
    labels = {name: f"{get_column_letter(i + 1)} ({name})" for name, i in index.items()}

    def generate() -> Iterator[tuple[list[int], dict[str, list[str]]]]:
        for numbers, rows in stream.rest():
            width = max(index.values()) + 1
            if min(map(len, rows)) < width:
                rows = [r + [""] * (width - len(r)) for r in rows]
            transposed = list(zip(*rows, strict=False))
            cols = {
                name: [v.strip() for v in transposed[index[name]]]
                if name in index
                else [""] * len(numbers)
                for name in FIELDS
            }
            yield numbers, cols

    return labels, generate()


def _header_index(number: int, cells: list[str]) -> dict[str, int]:
    lookup = {alias: name for name, aliases in CSV_ALIASES.items() for alias in aliases}
    index: dict[str, int] = {}
    errors = []
    for i, cell in enumerate(cells):
        name = lookup.get(cell)
        if name is None and cell:
            errors.append(
                ErrorDetail(
                    row=number,
                    column=get_column_letter(i + 1),
                    value=cell,
                    message=_("Unknown column."),
                )
            )
        elif name is not None:
            index[name] = i
    for needed in ("indicator", "period", "unit", "value"):
        if needed not in index:
            errors.append(
                ErrorDetail(row=number, column=needed, message=_("Required column is missing."))
            )
    if errors:
        raise ValidationFailed(_("The columns of the file are not as expected."), errors)
    return index


# Set-level keys of a dataValueSet, in DHIS2's order, and the record field each comes from.
SET_KEYS = {
    "dataSet": "data_set",
    "period": "period",
    "orgUnit": "unit",
    "completedDate": "completed",
}


def write_json(records: Iterable[dict[str, Any]]) -> bytes:
    """A dataValueSet; what every value shares (data set, period, org unit, completed date)
    is also said once at the top, as DHIS2 writes it."""
    records = list(records)
    values = []
    for r in records:
        item: dict[str, Any] = {
            "dataElement": r["indicator"],
            "period": r["period"],
            "orgUnit": r["unit"],
        }
        if r["category"]:
            item["categoryOptionCombo"] = r["category"]
        if r["attribute"]:
            item["attributeOptionCombo"] = r["attribute"]
        item["value"] = r["value"]
        if r.get("stored_by"):
            item["storedBy"] = r["stored_by"]
        if r.get("last_updated"):
            item["lastUpdated"] = r["last_updated"]
        if r.get("comment"):
            item["comment"] = r["comment"]
        if r.get("followup") is not None:
            item["followup"] = r["followup"]
        values.append(item)
    doc: dict[str, Any] = {}
    for key, name in SET_KEYS.items():
        shared = {r.get(name) or "" for r in records}
        if len(shared) == 1 and (only := shared.pop()):
            doc[key] = only
    doc["dataValues"] = values
    return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")


def write_csv_file(records: Iterable[dict[str, Any]]) -> bytes:
    """DHIS2's CSV: its header, no byte order mark (DHIS2 would read one as part of the first
    column's name); cells a spreadsheet would run as formulas neutralised."""

    def rows():
        for r in records:
            followup = r.get("followup")
            yield [
                r["indicator"],
                r["period"],
                r["unit"],
                r["category"],
                r["attribute"],
                r["value_cell"],
                r.get("stored_by", ""),
                r.get("last_updated", ""),
                r.get("comment", ""),
                "" if followup is None else ("true" if followup else "false"),
            ]

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for row in rows():
        writer.writerow([neutralise(v) for v in row])
    return buffer.getvalue().encode("utf-8")
