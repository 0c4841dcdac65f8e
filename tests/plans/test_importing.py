"""Plans through Excel: the template, export, and an all-or-nothing import whose errors name
the row and the column."""

import io
import json
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import load_workbook

from govperf.core.errors import ValidationFailed
from govperf.core.tabular import write_xlsx
from govperf.plans import importing, services
from govperf.plans.models import Plan, PlanItem, Target
from tests.helpers import signed_in

HEADERS = [
    "单位编码",
    "考核周期",
    "指标编码",
    "期间",
    "权重",
    "核心指标",
    "基本值",
    "目标值",
    "挑战值",
    "完成时限",
    "测算依据",
]


def xlsx(rows, headers=HEADERS) -> bytes:
    return write_xlsx(headers, rows)


def check(org, data, filename="plan.xlsx"):
    return importing.plan_file(actor=org.edu_coord, data=data, filename=filename)


GOOD = [
    ["edu", "2026", "GDP", "2026", "60", "是", "5", "6", "7", "2026-12-31", "按近三年增速"],
    ["edu", "2026", "EDU", "", "40", "否", "95", "96", "97", "", ""],
]


def test_a_good_file_creates_the_plan_and_its_items(org, lib, cycle):
    plan = check(org, xlsx(GOOD))
    assert plan.ok and plan.summary() == {
        "rows": 2,
        "plans": 1,
        "create": 2,
        "update": 0,
        "remove": 0,
    }

    importing.apply_import(actor=org.edu_coord, plan=plan, filename="plan.xlsx")

    created = Plan.objects.get(unit=org.edu, cycle=cycle)
    rows = list(
        created.items.order_by("sort_order").values_list(
            "target__indicator__code",
            "target__period",
            "weight",
            "is_core",
            "target__target",
            "target__basis",
        )
    )
    assert rows == [
        ("GDP", "2026", Decimal(60), True, Decimal(6), "按近三年增速"),
        ("EDU", "2026", Decimal(40), False, Decimal(96), ""),
    ]


def test_the_file_is_the_plan_updates_and_removals(org, lib, cycle, plan):
    rows = [
        ["edu", "2026", "GDP", "2026", "50", "是", "5", "6", "7", "2026-12-31", ""],
        ["edu", "2026", "EDU", "2026", "50", "是", "95", "96", "97", "2026-12-31", ""],
    ]
    preview = check(org, xlsx(rows))
    assert preview.summary() == {"rows": 2, "plans": 1, "create": 0, "update": 2, "remove": 4}

    importing.apply_import(actor=org.edu_coord, plan=preview)

    assert sorted(plan.items.values_list("target__indicator__code", "weight")) == [
        ("EDU", Decimal(50)),
        ("GDP", Decimal(50)),
    ]


def test_wrong_columns_are_reported_on_the_header_row(org, lib, cycle):
    data = xlsx([["edu", "2026", "GDP"]], headers=["单位编码", "考核周期", "指标", "颜色"])
    with pytest.raises(ValidationFailed) as exc:
        check(org, data)
    assert [(d.row, d.column, d.message) for d in exc.value.details] == [
        (1, "C (指标)", "Unknown column."),
        (1, "D (颜色)", "Unknown column."),
        (1, "indicator", exc.value.details[2].message),
        (1, "weight", exc.value.details[3].message),
        (1, "target", exc.value.details[4].message),
    ]
    assert "指标编码" in exc.value.details[2].message


def test_wrong_types_are_reported_by_row_and_column_and_nothing_is_written(org, lib, cycle):
    rows = [
        GOOD[0],
        ["edu", "2026", "GDP", "2026Q5", "abc", "也许", "x", "6", "7", "明天", ""],
        ["health", "2030", "NOPE", "", "10", "否", "", "", "", "", ""],
        ["edu", "2026", "GDP", "2026", "10", "否", "7", "6", "5", "", ""],
    ]
    plan = check(org, xlsx(rows))

    assert [(d.row, d.column) for d in plan.errors] == [
        (3, "D (期间)"),
        (3, "E (权重)"),
        (3, "F (核心指标)"),
        (3, "G (基本值)"),
        (3, "J (完成时限)"),
        (4, "A (单位编码)"),
        (4, "B (考核周期)"),
        (4, "C (指标编码)"),
        (4, "D (期间)"),
        (4, "H (目标值)"),
        (5, "G (基本值)"),
        (5, "I (挑战值)"),
        (5, "C (指标编码)"),
    ]
    with pytest.raises(ValidationFailed):
        importing.apply_import(actor=org.edu_coord, plan=plan)
    assert (Plan.objects.count(), Target.objects.count()) == (0, 0)


def test_a_plan_under_review_is_not_changed_by_a_file(org, lib, cycle, plan):
    services.submit_plan(actor=org.edu_coord, plan=plan)
    rows = [["edu", "2026", "GDP", "2026", "100", "是", "5", "6", "7", "", ""]]
    preview = check(org, xlsx(rows))
    assert [(d.row, d.column, d.message) for d in preview.errors] == [
        (2, "A (单位编码)", "The plan of 教育局 is “submitted”; it cannot be changed now.")
    ]


def test_a_failure_while_applying_rolls_everything_back(org, lib, cycle, plan):
    rows = [
        ["edu-s1", "2026", "GDP", "2026", "100", "是", "5", "6", "7", "", ""],
        ["edu", "2026", "GDP", "2026", "30", "是", "5", "6", "7", "", ""],
    ]
    preview = check(org, xlsx(rows))
    assert preview.ok
    services.submit_plan(actor=org.edu_coord, plan=plan)  # between preview and confirmation

    with pytest.raises(ValidationFailed) as exc:
        importing.apply_import(actor=org.edu_coord, plan=preview)

    assert exc.value.message == "Row 3 could not be imported; nothing was imported."
    assert not Plan.objects.filter(unit=org.edu_s1).exists()
    assert not Target.objects.filter(unit=org.edu_s1).exists()
    assert plan.items.get(target__indicator=lib.gdp).weight == Decimal(25)


def test_only_units_one_may_edit(org, lib, cycle):
    rows = [["health", "2026", "GDP", "2026", "100", "是", "5", "6", "7", "", ""]]
    plan = check(org, xlsx(rows))
    assert [(d.row, d.column) for d in plan.errors] == [(2, "A (单位编码)")]


def test_export_round_trips(org, lib, cycle, plan):
    with translation.override("zh-hans"):
        data = importing.export_plan(plan)
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("单位编码", "考核周期", "指标编码")
    assert values[1][:7] == ("edu", "2026", "GDP", "地区生产总值增长率", "2026", "25", "是")
    preview = check(org, data)
    assert preview.summary() == {"rows": 6, "plans": 1, "create": 0, "update": 0, "remove": 0}


def test_the_import_page_previews_then_imports(org, lib, cycle):
    client = signed_in(org.edu_coord)
    upload = SimpleUploadedFile("plan.xlsx", xlsx(GOOD))
    preview = client.post("/plans/import/", {"file": upload})
    page = preview.content.decode()
    assert 'data-testid="import-preview"' in page and 'data-testid="import-confirm"' in page
    stash = page.split('name="stash" value="')[1].split('"')[0]
    done = client.post("/plans/import/", {"stash": stash})
    assert 'data-testid="import-done"' in done.content.decode()
    assert PlanItem.objects.count() == 2


def test_the_import_page_lists_row_and_column_errors(org, lib, cycle):
    rows = [["edu", "2026", "GDP", "2026", "abc", "是", "5", "6", "7", "", ""]]
    page = (
        signed_in(org.edu_coord)
        .post("/plans/import/", {"file": SimpleUploadedFile("plan.xlsx", xlsx(rows))})
        .content.decode()
    )
    assert 'data-testid="import-errors"' in page and "E (权重)" in page
    assert Plan.objects.count() == 0


def test_the_template_and_the_api(org, lib, cycle):
    client = signed_in(org.edu_coord)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    template = client.get("/plans/import/template.xlsx")
    assert template.status_code == 200
    headers = next(
        load_workbook(io.BytesIO(template.content)).worksheets[0].iter_rows(values_only=True)
    )
    assert headers[:4] == ("单位编码", "考核周期", "指标编码", "指标名称")

    dry = client.post(
        "/api/v1/plan-imports?dry_run=true", {"file": SimpleUploadedFile("p.xlsx", xlsx(GOOD))}
    )
    assert (dry.status_code, json.loads(dry.content)["imported"], Plan.objects.count()) == (
        200,
        False,
        0,
    )
    bad = client.post(
        "/api/v1/plan-imports?dry_run=false",
        {
            "file": SimpleUploadedFile(
                "p.xlsx", xlsx([["edu", "2026", "GDP", "2026", "x", "是", "", "6", "", "", ""]])
            )
        },
    )
    assert bad.status_code == 422
    assert [(d["row"], d["column"]) for d in json.loads(bad.content)["details"]] == [
        (2, "E (权重)")
    ]
    done = client.post(
        "/api/v1/plan-imports?dry_run=false", {"file": SimpleUploadedFile("p.xlsx", xlsx(GOOD))}
    )
    assert json.loads(done.content) == {
        "rows": 2,
        "plans": 1,
        "create": 2,
        "update": 0,
        "remove": 0,
        "imported": True,
    }


def test_export_and_template_through_the_api(org, lib, cycle, plan):
    client = signed_in(org.edu_coord)

    exported = client.get(f"/api/v1/plans/{plan.pk}/export", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert exported.status_code == 200
    assert exported["Content-Type"] == importing_xlsx()
    assert 'filename="govperf-plan-edu-2026.xlsx"' in exported["Content-Disposition"]
    assert check(org, exported.content).summary() == {
        "rows": 6,
        "plans": 1,
        "create": 0,
        "update": 0,
        "remove": 0,
    }
    template = client.get("/api/v1/plan-imports/template", HTTP_ACCEPT_LANGUAGE="zh-hans")
    headers = next(
        load_workbook(io.BytesIO(template.content)).worksheets[0].iter_rows(values_only=True)
    )
    assert headers[:4] == ("单位编码", "考核周期", "指标编码", "指标名称")
    # Another unit's plan is out of sight: not found, in the one error body.
    other = signed_in(org.health_leader).get(f"/api/v1/plans/{plan.pk}/export")
    assert (other.status_code, other.json()["code"]) == (404, "not_found")
    # Reading roles without a plan to edit get no template.
    refused = signed_in(org.expert).get("/api/v1/plan-imports/template")
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")


def importing_xlsx() -> str:
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_the_command_line_exports_imports_and_writes_the_template(
    org, lib, cycle, plan, tmp_path, capsys
):
    from django.core.management import call_command

    exported = tmp_path / "plan.xlsx"
    call_command("plans", "export", "edu", "2026", str(exported))
    assert json.loads(capsys.readouterr().out) == {
        "plan": plan.pk,
        "items": 6,
        "file": str(exported),
    }

    call_command("plans", "import", str(exported), "--user", org.edu_coord.username, "--dry-run")
    assert json.loads(capsys.readouterr().out) == {
        "dry_run": True,
        "rows": 6,
        "plans": 1,
        "create": 0,
        "update": 0,
        "remove": 0,
    }

    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx([GOOD[0]]))
    call_command("plans", "import", str(good), "--user", org.edu_coord.username)
    out = json.loads(capsys.readouterr().out)
    assert (out["dry_run"], out["update"], out["remove"]) == (False, 1, 5)
    assert list(plan.items.values_list("target__indicator__code", "weight")) == [
        ("GDP", Decimal(60))
    ]

    template = tmp_path / "template.xlsx"
    call_command("plans", "template", str(template))
    assert json.loads(capsys.readouterr().out)["template"] == "plans"
    assert load_workbook(io.BytesIO(template.read_bytes())).worksheets[0].max_row == 2


def test_the_command_line_reports_located_errors_and_writes_nothing(
    org, lib, cycle, plan, tmp_path, capsys
):
    from django.core.management import call_command

    before = list(plan.items.values_list("pk", "weight"))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([["edu", "2026", "GDP", "2026", "abc", "是", "5", "6", "7", "", ""]]))

    with pytest.raises(SystemExit) as exited:
        call_command("plans", "import", str(bad), "--user", org.edu_coord.username)

    assert exited.value.code == 1
    errors = json.loads(capsys.readouterr().out)["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(2, "E (权重)")]
    assert list(plan.items.values_list("pk", "weight")) == before
    # Someone who may not edit the unit's plan changes nothing either.
    with pytest.raises(SystemExit):
        call_command("plans", "import", str(bad), "--user", org.health_leader.username)
    assert list(plan.items.values_list("pk", "weight")) == before
