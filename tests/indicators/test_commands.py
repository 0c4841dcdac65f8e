"""`govperf indicators import|export`: one JSON document, exit 0 with counts or 1 with errors."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from govperf.audit.models import AuditEntry
from govperf.indicators.models import Indicator
from tests.indicators.conftest import make_indicator


def run(capsys, *args) -> tuple[int, dict]:
    code = 0
    try:
        call_command("indicators", *args)
    except SystemExit as exc:
        code = exc.code
    return code, json.loads(capsys.readouterr().out)


def test_export_then_dry_run_then_import(org, presets, tmp_path, capsys):
    make_indicator(org.office, "A", "甲")
    make_indicator(org.office, "R", "率", formula="#{A} * 2")
    out = tmp_path / "library.xlsx"
    assert run(capsys, "export", str(out)) == (0, {"exported": 2, "file": str(out)})

    csv = tmp_path / "new.csv"
    csv.write_text("code,name,formula\nB,乙,#{R} + #{A}\nA,甲（改）,\n", encoding="utf-8")
    assert run(capsys, "import", str(csv), "--dry-run") == (
        0,
        {"dry_run": True, "rows": 2, "create": 1, "update": 1, "unchanged": 0},
    )
    assert not Indicator.objects.filter(code="B").exists()
    assert run(capsys, "import", str(csv)) == (
        0,
        {"dry_run": False, "rows": 2, "create": 1, "update": 1, "unchanged": 0},
    )
    assert Indicator.objects.get(code="A").current.name == "甲（改）"
    entry = AuditEntry.objects.get(action="import.indicators")
    assert (entry.actor_label, entry.via) == ("office", "cli")

    assert run(capsys, "import", str(out))[1]["unchanged"] == 1


def test_errors_exit_1_with_every_located_error(org, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,kind\nX,,fuzzy\nX,甲,\n", encoding="utf-8")
    with translation.override("en"):
        code, body = run(capsys, "import", str(bad))
    assert code == 1
    assert body == {
        "errors": [
            {"row": 2, "column": "C (kind)", "value": "fuzzy", "message": "Not a valid choice."},
            {"row": 3, "column": "A (code)", "value": "X", "message": "Duplicate of row 2."},
        ]
    }
    pdf = tmp_path / "library.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    with translation.override("en"):
        assert run(capsys, "import", str(pdf)) == (
            1,
            {
                "errors": [
                    {
                        "field": "file",
                        "value": "library.pdf",
                        "message": "Unsupported file type; upload .xlsx or .csv.",
                    }
                ]
            },
        )
    with pytest.raises(CommandError):
        call_command("indicators", "import", str(tmp_path / "missing.csv"))


def test_the_acting_account(org, tmp_path, capsys):
    data = tmp_path / "x.csv"
    data.write_text("code,name\nX,甲\n", encoding="utf-8")
    code, body = run(capsys, "import", str(data), "--user", "edu_leader")
    assert (code, body["errors"][0]["message"] != "") == (1, True)
    assert not Indicator.objects.exists()
    with pytest.raises(CommandError):
        call_command("indicators", "import", str(data), "--user", "nobody")
    with pytest.raises(CommandError):
        call_command("indicators", "export", str(tmp_path / "x.pdf"))
