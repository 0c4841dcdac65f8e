"""DHIS2 dataValueSets: both real files from DHIS2's tests, imported through a mapping and
exported back equal in content; unmapped ids refused by name."""

from __future__ import annotations

import csv
import io
import json

import pytest

from govperf.data.exporting import export_values
from govperf.data.importing import import_file
from govperf.data.models import DataValue, DataValueOrigin
from govperf.data.writer import SYSTEM
from tests import shared
from tests.data.conftest import make_indicator
from tests.helpers import make_unit

SHARED = shared.SHARED / "dhis2"
JSON_FILE = SHARED / "dataValueSet-sample.json"
CSV_FILE = SHARED / "dataValueSet-sample.csv"

CSV_MAP = [
    ["dataElement", "f7n9E0hX8qk", "DE1"],
    ["dataElement", "Ix2HsbDMLea", "DE2"],
    ["dataElement", "eY5ehpbEsB7", "DE3"],
    ["orgUnit", "DiszpKrYNg8", "ou-a"],
    ["orgUnit", "BdfsJfj87js", "ou-b"],
]
JSON_MAP = [
    ["dataElement", "BjDrgVrkBI3", "DE4"],
    ["orgUnit", "O6uvpzGd5pu", "ou-c"],
    ["categoryOptionCombo", "oPcWGgS2Liz", "male"],
    ["categoryOptionCombo", "rtfSaMjPyq6", "female"],
    ["attributeOptionCombo", "HllvX50cXC0", ""],
]


@pytest.fixture
def dhis2_city(org):
    for code in ("DE1", "DE2", "DE3", "DE4"):
        make_indicator(code)
    for code in ("ou-a", "ou-b", "ou-c"):
        make_unit(code, parent=org.city)


def json_document(data: bytes) -> dict:
    """The whole document, its values in a canonical order (their order carries no meaning)."""
    doc = json.loads(data)
    doc["dataValues"] = sorted(doc["dataValues"], key=lambda v: json.dumps(v, sort_keys=True))
    return doc


def csv_rows(data: bytes) -> tuple[list[str], list[list[str]]]:
    """The header and the rows, in a canonical order."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    return rows[0], sorted(rows[1:])


def test_json_file_round_trips_through_the_mapping(dhis2_city):
    data = JSON_FILE.read_bytes()
    outcome = import_file(actor=SYSTEM, stream=data, filename=JSON_FILE.name, mapping_rows=JSON_MAP)
    assert outcome.ok, outcome.result.errors
    assert (outcome.result.created, outcome.result.updated) == (2, 0)
    assert sorted(DataValue.objects.values_list("category", "attribute", "value")) == [
        ("female", "", 2000),
        ("male", "", 1000),
    ]
    assert set(
        DataValueOrigin.objects.values_list("stored_by", "followup", "data_set", "completed_date")
    ) == {("", False, "VEM58nY22sO", "2019-06-05")}
    exported = export_values(user=SYSTEM, fmt="dhis2-json", mapping_rows=JSON_MAP)
    assert exported.count == 2
    # Equal in content: the set's data set, period, org unit and completed date, and every
    # value with every field it had.
    assert json_document(exported.data) == json_document(data)


def test_csv_file_round_trips_through_the_mapping(dhis2_city):
    data = CSV_FILE.read_bytes()
    outcome = import_file(actor=SYSTEM, stream=data, filename=CSV_FILE.name, mapping_rows=CSV_MAP)
    assert outcome.ok, outcome.result.errors
    assert outcome.format == "dhis2-csv"
    assert outcome.result.created == 12
    exported = export_values(user=SYSTEM, fmt="dhis2-csv", mapping_rows=CSV_MAP)
    assert exported.count == 12
    # Equal in content: the same header and the same twelve rows, every column (DHIS2's
    # timestamp too); no byte order mark, which DHIS2 would read as part of a column name.
    assert not exported.data.startswith(b"\xef\xbb\xbf")
    assert csv_rows(exported.data) == csv_rows(data)
    assert len(csv_rows(data)[1]) == 12


def test_a_dhis2_csv_export_neutralises_formula_looking_cells(dhis2_city):
    header, body = CSV_FILE.read_bytes().split(b"\n", 1)
    data = header + b"\n" + body.replace(b'"comment"', b'"=HYPERLINK(1)"', 1)
    assert import_file(actor=SYSTEM, stream=data, filename=CSV_FILE.name, mapping_rows=CSV_MAP).ok
    header, rows = csv_rows(export_values(user=SYSTEM, fmt="dhis2-csv", mapping_rows=CSV_MAP).data)
    assert sorted(r[8] for r in rows)[:2] == ["'=HYPERLINK(1)", "comment"]


def test_rerun_of_a_dhis2_file_creates_nothing(dhis2_city):
    data = CSV_FILE.read_bytes()
    import_file(actor=SYSTEM, stream=data, filename=CSV_FILE.name, mapping_rows=CSV_MAP)
    again = import_file(actor=SYSTEM, stream=data, filename=CSV_FILE.name, mapping_rows=CSV_MAP)
    assert again.ok
    assert (again.result.created, again.result.updated, again.result.unchanged) == (0, 0, 12)
    assert DataValue.objects.count() == 12


def test_unmapped_ids_are_refused_naming_each(dhis2_city):
    data = CSV_FILE.read_bytes()
    outcome = import_file(
        actor=SYSTEM, stream=data, filename=CSV_FILE.name, mapping_rows=CSV_MAP[:2] + CSV_MAP[3:4]
    )
    assert not outcome.ok
    named = {(e.value, e.row, e.column) for e in outcome.result.errors}
    assert named == {
        ("eY5ehpbEsB7", 10, "A (indicator)"),
        ("BdfsJfj87js", 3, "C (unit)"),
    }
    assert all("not in the code mapping" in e.message for e in outcome.result.errors)
    assert DataValue.objects.count() == 0


def test_unmapped_json_ids_are_located_by_position(dhis2_city):
    data = JSON_FILE.read_bytes()
    outcome = import_file(
        actor=SYSTEM, stream=data, filename=JSON_FILE.name, mapping_rows=JSON_MAP[:3] + JSON_MAP[4:]
    )
    assert not outcome.ok
    assert [(e.field, e.value) for e in outcome.result.errors] == [
        ("dataValues[1].categoryOptionCombo", "rtfSaMjPyq6")
    ]
    assert DataValue.objects.count() == 0
