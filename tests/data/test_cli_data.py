"""`govperf data import/export`: exit codes, JSON output, nothing written when refused."""

from __future__ import annotations

import json

import pytest

from govperf.audit.models import AuditEntry
from govperf.data.models import DataValue
from tests import shared
from tests.data.conftest import cli

SHARED = shared.SHARED / "dhis2"


def test_import_prints_counts_and_exits_0(org, lib, tmp_path, capsys):
    f = tmp_path / "v.csv"
    f.write_text("indicator,unit,period,value\nENR,edu,202603,12\n")
    code, out = cli(capsys, "import", str(f))
    assert code == 0
    assert (out["ok"], out["rows"], out["created"], out["dry_run"]) == (True, 1, 1, False)
    entry = AuditEntry.objects.filter(action="data.write.import").get()
    assert (entry.via, entry.actor_label, entry.actor_id) == ("cli", "system", None)


def test_dry_run_exits_0_and_writes_nothing(org, lib, tmp_path, capsys):
    f = tmp_path / "v.csv"
    f.write_text("indicator,unit,period,value\nENR,edu,202603,12\n")
    code, out = cli(capsys, "import", str(f), "--dry-run")
    assert code == 0 and out["created"] == 1 and DataValue.objects.count() == 0


def test_refused_import_prints_every_located_error_and_exits_1(org, lib, tmp_path, capsys):
    f = tmp_path / "v.csv"
    f.write_text("indicator,unit,period,value\nENR,edu,202603,x\nNOPE,edu,202603,1\n")
    code, out = cli(capsys, "import", str(f))
    assert code == 1 and out["ok"] is False
    assert sorted((e["row"], e["column"], e["value"]) for e in out["errors"]) == [
        (2, "D (value)", "x"),
        (3, "A (indicator)", "NOPE"),
    ]
    assert DataValue.objects.count() == 0


def test_as_a_person_without_rights_is_refused(org, lib, tmp_path, capsys):
    f = tmp_path / "v.csv"
    f.write_text("indicator,unit,period,value\nENR,health,202603,1\n")
    code, out = cli(capsys, "import", str(f), "--as", "edu_coord")
    assert code == 1 and out["errors"][0]["message"] == "You may not enter data for this unit."


def test_dhis2_with_mapping_file_and_export_back(org, tmp_path, capsys):
    from tests.data.conftest import make_indicator
    from tests.helpers import make_unit

    for code in ("DE1", "DE2", "DE3"):
        make_indicator(code)
    make_unit("ou-a", parent=org.city)
    make_unit("ou-b", parent=org.city)
    mapping = tmp_path / "MAP.csv"
    mapping.write_text(
        "kind,external,code\n"
        "dataElement,f7n9E0hX8qk,DE1\ndataElement,Ix2HsbDMLea,DE2\ndataElement,eY5ehpbEsB7,DE3\n"
        "orgUnit,DiszpKrYNg8,ou-a\norgUnit,BdfsJfj87js,ou-b\n"
    )
    code, out = cli(
        capsys, "import", str(SHARED / "dataValueSet-sample.csv"), "--mapping", str(mapping)
    )
    assert code == 0 and out["created"] == 12
    target = tmp_path / "out.json"
    code, out = cli(
        capsys, "export", str(target), "--format", "dhis2-json", "--mapping", str(mapping)
    )
    assert code == 0 and out["exported"] == 12
    assert {v["dataElement"] for v in json.loads(target.read_text())["dataValues"]} == {
        "f7n9E0hX8qk",
        "Ix2HsbDMLea",
        "eY5ehpbEsB7",
    }


def test_unknown_dhis2_ids_without_mapping_exit_1(org, capsys):
    code, out = cli(capsys, "import", str(SHARED / "dataValueSet-sample.json"))
    assert code == 1
    assert sorted(e["value"] for e in out["errors"]) == [
        "BjDrgVrkBI3",
        "HllvX50cXC0",
        "O6uvpzGd5pu",
        "oPcWGgS2Liz",
        "rtfSaMjPyq6",
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_template_needs_unit_and_period(org, lib, tmp_path, capsys, fmt):
    target = tmp_path / f"t.{fmt}"
    code, out = cli(
        capsys, "export", str(target), "--template", "--unit", "edu", "--period", "202603"
    )
    assert code == 0 and out == {"exported": 2, "format": f"template-{fmt}", "file": str(target)}
    code, out = cli(capsys, "export", str(target), "--template")
    assert code == 1


@pytest.mark.parametrize(
    ("fmt", "suffix"),
    [("csv", "csv"), ("xlsx", "xlsx"), ("dhis2-json", "json"), ("dhis2-csv", "csv")],
)
def test_export_writes_each_format_and_it_imports_back_unchanged(
    org, lib, tmp_path, capsys, fmt, suffix
):
    f = tmp_path / "v.csv"
    f.write_text(
        "indicator,unit,period,value,comment\nENR,edu,202603,12,=1+1\nCAP,edu,202603,-3,\n"
    )
    assert cli(capsys, "import", str(f))[0] == 0
    target = tmp_path / f"out.{suffix}"
    mapping = []
    if fmt.startswith("dhis2"):  # DHIS2 ids are always mapped: here, each id is our code
        m = tmp_path / "MAP.csv"
        m.write_text(
            "kind,external,code\n"
            + "".join(f"dataElement,{c},{c}\n" for c in ("ENR", "CAP", "RATE", "USE"))
            + "orgUnit,edu,edu\n"
        )
        mapping = ["--mapping", str(m)]
    code, out = cli(capsys, "export", str(target), "--format", fmt, "--period", "202603", *mapping)
    # ENR and CAP, and the formula indicators computed from them: RATE and USE.
    assert (code, out["exported"], out["format"]) == (0, 4, fmt)
    if fmt == "dhis2-json":
        values = json.loads(target.read_text())["dataValues"]
        assert sorted((v["dataElement"], v["value"]) for v in values) == [
            ("CAP", "-3"),
            ("ENR", "12"),
            ("RATE", "-400"),
            ("USE", "-800"),
        ]
    code, out = cli(capsys, "import", str(target), "--format", fmt, "--dry-run", *mapping)
    # The computed values are taken as unchanged. A spreadsheet's neutralised comment
    # ('=1+1) comes back as text, a change to ENR's comment; JSON needs no neutralising.
    changed = 0 if fmt == "dhis2-json" else 1
    assert (code, out["ok"], out["created"], out["updated"], out["unchanged"]) == (
        0,
        True,
        0,
        changed,
        4 - changed,
    )
    assert DataValue.objects.get(indicator=lib.cap).value == -3
