"""Excel/CSV import of the library: preview, located errors, all or nothing, versioning."""

import io

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from govperf.audit.models import AuditEntry
from govperf.core.errors import Forbidden, ValidationFailed
from govperf.indicators import importing
from govperf.indicators.models import Indicator, IndicatorVersion
from tests.indicators.conftest import make_indicator


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def plan(actor, data: bytes, filename: str = "i.xlsx"):
    return importing.plan_file(actor=actor, data=data, filename=filename)


ENGLISH = [
    [
        "code",
        "name",
        "unit_of_measure",
        "formula",
        "collecting_unit",
        "frequency",
        "time_aggregation",
        "direction",
        "kind",
        "tags",
    ],
    [
        "R",
        "办结率",
        "%",
        "#{A} / #{B} * 100",
        "edu",
        "monthly",
        "average",
        "higher is better",
        "quantitative",
        "dimension:government",
    ],
    ["A", "按时办结件数", "件", "", "edu", "Monthly", "sum", "higher", "", "dimension:government"],
    ["B", "办结件数", "件", "", "", "", "", "", "", ""],
]
CHINESE_CSV = (
    "指标编码,指标名称,计量单位,采集频率,时间汇总方式,指标方向,指标性质,评分标准,分类\n"
    "Q,依法行政水平,,年,末值,越高越好,定性,three-level,绩效维度:政府自身建设\n"
    "P,审批事项办理时间,个工作日,月,平均,越低越好,定量,,dimension:government；r004:efficiency\n"
)


def test_a_preview_writes_nothing_and_the_import_writes_everything(org, presets):
    before = (Indicator.objects.count(), AuditEntry.objects.count())
    checked = plan(org.office, xlsx(ENGLISH))
    assert checked.ok, checked.errors
    assert checked.summary() == {"rows": 3, "create": 3, "update": 0, "unchanged": 0}
    assert checked.order == ["A", "B", "R"]  # what a formula refers to comes first
    assert (Indicator.objects.count(), AuditEntry.objects.count()) == before

    summary = importing.apply_plan(actor=org.office, plan=checked, filename="i.xlsx")
    assert summary["create"] == 3
    rate = Indicator.objects.get(code="R").current
    assert (rate.formula, rate.frequency, rate.time_aggregation, rate.collecting_unit) == (
        "#{A} / #{B} * 100",
        "Monthly",
        "mean",
        org.edu,
    )
    assert sorted(rate.inputs.values_list("code", flat=True)) == ["A", "B"]
    b = Indicator.objects.get(code="B").current
    assert (b.frequency, b.time_aggregation, b.direction, b.collecting_unit) == (
        "Monthly",
        "sum",
        "higher",
        None,
    )
    assert AuditEntry.objects.filter(action="import.indicators").count() == 1
    assert AuditEntry.objects.filter(action="indicator.create").count() == 3


def test_chinese_headers_and_labels_in_a_csv(org, presets):
    checked = plan(org.office, CHINESE_CSV.encode("gb18030"), "i.csv")
    assert checked.ok, checked.errors
    importing.apply_plan(actor=org.office, plan=checked)
    q = Indicator.objects.get(code="Q").current
    assert (q.kind, q.rubric.code, q.frequency, q.time_aggregation) == (
        "qualitative",
        "three-level",
        "Yearly",
        "last",
    )
    assert [t.key for t in q.tags.all()] == ["dimension:government"]
    p = Indicator.objects.get(code="P").current
    assert sorted(t.key for t in p.tags.all()) == ["dimension:government", "r004:efficiency"]
    assert p.direction == "lower"


@translation.override("en")
def test_errors_are_located_and_nothing_is_written(org, presets):
    rows = [
        ENGLISH[0],
        ["A", "甲", "", "", "nowhere", "daily", "", "", "", "dimension:space"],
        ["A", "重复", "", "", "", "", "", "", "", ""],
        ["bad code", "", "", "", "", "", "", "", "", "nosuch"],
    ]
    checked = plan(org.office, xlsx(rows))
    got = sorted((d.row, d.column.split(" ")[0], d.value, d.message) for d in checked.errors)
    assert got == [
        (2, "E", "nowhere", "Unknown unit code."),
        (2, "F", "daily", "Not a valid choice."),
        (2, "J", "dimension:space", "Unknown category."),
        (3, "A", "A", "Duplicate of row 2."),
        (4, "A", "bad code", "Invalid or empty code."),
        (4, "J", "nosuch", "Write categories as taxonomy:category; this one is unknown."),
    ]
    with pytest.raises(ValidationFailed):
        importing.apply_plan(actor=org.office, plan=checked)
    assert not Indicator.objects.exists()


@translation.override("en")
def test_service_rules_and_formulas_are_located_too(org, presets):
    rows = [
        ["code", "name", "formula", "direction", "band_low", "band_high"],
        ["X", "甲", "#{Y} + ", "", "", ""],
        ["Y", "乙", "#{Z} * 2", "band", "5", "1"],
        ["Z", "丙", "#{Y}", "", "", ""],
    ]
    checked = plan(org.office, xlsx(rows))
    got = sorted((d.row, d.column.split(" ")[0], d.message) for d in checked.errors)
    assert got == [
        (
            2,
            "C",
            "column 7: the formula ends too early, expected a number, a reference #{…}, a function or '('",
        ),
        (3, "C", "The formula refers back to itself: Y → Z → Y."),
        (3, "F", "The band's high limit must be above its low limit."),
        (4, "C", "The formula refers back to itself: Z → Y → Z."),
    ]
    assert not Indicator.objects.exists()


@translation.override("en")
def test_wrong_columns_are_refused_whole(org):
    with pytest.raises(ValidationFailed) as caught:
        plan(org.office, xlsx([["name", "colour"], ["甲", "红"]]))
    assert sorted((d.column, d.message) for d in caught.value.details) == [
        ("B (colour)", "Unknown column."),
        ("code", "Required column is missing (accepted headers: code / 指标编码 / 编码)."),
    ]


def test_a_failure_while_applying_rolls_everything_back(org, presets):
    checked = plan(org.office, xlsx(ENGLISH))
    # Between the preview and the confirmation someone creates B.
    make_indicator(org.office, "B", "别人建的")
    with pytest.raises(ValidationFailed) as caught:
        importing.apply_plan(actor=org.office, plan=checked)
    assert caught.value.details[0].row == 4
    assert sorted(Indicator.objects.values_list("code", flat=True)) == ["B"]


def test_updates_follow_versioning_and_leave_missing_columns_alone(org, presets, plan_lines):
    a = make_indicator(org.office, "A", "甲", unit_of_measure="件", definition="旧定义")
    b = make_indicator(org.office, "B", "乙", unit_of_measure="件")
    plan_lines.objects.create(version=a.current)
    rows = [["code", "name", "change_note"], ["A", "甲（新）", "更名"], ["B", "乙（新）", ""]]
    checked = plan(org.office, xlsx(rows))
    assert [(u["code"], u["changed"], u["new_version"]) for u in checked.updates] == [
        ("A", ["name"], True),
        ("B", ["name"], False),
    ]
    importing.apply_plan(actor=org.office, plan=checked)
    a_now, b_now = Indicator.objects.get(code="A"), Indicator.objects.get(code="B")
    assert (a_now.current.number, a_now.current.name, a_now.current.definition) == (
        2,
        "甲（新）",
        "旧定义",
    )
    assert a_now.current.change_note == "更名"
    assert IndicatorVersion.objects.get(indicator=a, number=1).name == "甲"
    assert (b_now.current.number, b_now.current.name, b_now.current_id) == (
        1,
        "乙（新）",
        b.current_id,
    )


def test_the_active_column_deactivates_users_first(org):
    make_indicator(org.office, "A")
    make_indicator(org.office, "R", formula="#{A} + 1")
    rows = [["code", "active"], ["A", "0"], ["R", "否"]]
    checked = plan(org.office, xlsx(rows))
    assert checked.ok, checked.errors
    importing.apply_plan(actor=org.office, plan=checked)
    assert list(Indicator.objects.filter(is_active=True)) == []


def test_only_the_office_may_import(org):
    for person in (org.admin, org.edu_leader, org.leader):
        with pytest.raises(Forbidden):
            plan(person, xlsx(ENGLISH))


def test_export_then_import_changes_nothing(org, presets):
    checked = plan(org.office, xlsx(ENGLISH))
    importing.apply_plan(actor=org.office, plan=checked)
    make_indicator(
        org.office,
        "N",
        "负值区间",
        formula="-#{A} + 1",
        direction="band",
        band_low="-1.5",
        band_high="2",
        definition="=SUM(A1:A3) 不是公式",
    )
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for data, name in (
                (importing.export_workbook(), "x.xlsx"),
                (importing.export_csv(), "x.csv"),
            ):
                again = plan(org.office, data, name)
                assert again.ok, again.errors
                assert again.summary() == {"rows": 4, "create": 0, "update": 0, "unchanged": 4}


def test_the_template_is_importable(org, presets):
    for language in ("zh-hans", "en"):
        with translation.override(language):
            checked = plan(org.office, importing.template_workbook())
            assert checked.ok, checked.errors
            assert [c["code"] for c in checked.creates] == ["EXAMPLE-001", "EXAMPLE-002"]


def test_export_neutralises_formula_looking_cells(org):
    make_indicator(org.office, "A")
    make_indicator(org.office, "N", '=HYPERLINK("http://x")', formula="-#{A}", definition="@cmd")
    sheet = load_workbook(io.BytesIO(importing.export_workbook())).active
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    values = [v for v in rows["N"] if isinstance(v, str)]
    assert '\'=HYPERLINK("http://x")' in values
    assert "'-#{A}" in values
    assert "'@cmd" in values
    assert not any(isinstance(v, str) and v.startswith(("=", "-", "@", "+")) for v in values)
    csv_text = importing.export_csv().decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "'-#{A}" in csv_text
