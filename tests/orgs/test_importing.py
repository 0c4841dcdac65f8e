"""Excel/CSV import of units and people: preview, located errors, all or nothing."""

import io

import pytest
from django.utils import translation
from openpyxl import Workbook

from govperf.audit.models import AuditEntry
from govperf.core.errors import Forbidden, ValidationFailed
from govperf.orgs import importing
from govperf.orgs.models import Membership, Person, Unit


def xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


UNITS_CSV = "编码,名称,类型,上级编码,可比组,排序\nedu-s2,职业教育科,科室,edu,,2\nedu-s2-p1,督导岗,post,edu-s2,,1\nhealth,卫生健康委员会,部门,city,social,5\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_units_csv_in_every_accepted_encoding(org, encoding):
    plan = importing.plan_file(
        actor=org.admin, kind="units", data=csv_bytes(UNITS_CSV, encoding), filename="u.csv"
    )
    assert plan.ok, plan.errors
    assert plan.summary() == {"rows": 3, "create": 2, "update": 1, "unchanged": 0}
    # parents come before their children, whatever the file's order
    assert [c["code"] for c in plan.creates] == ["edu-s2", "edu-s2-p1"]


def test_preview_writes_nothing_and_apply_writes_everything(org):
    units_before, audit_before = Unit.objects.count(), AuditEntry.objects.count()
    plan = importing.plan_file(
        actor=org.admin, kind="units", data=csv_bytes(UNITS_CSV), filename="u.csv"
    )
    assert (Unit.objects.count(), AuditEntry.objects.count()) == (units_before, audit_before)
    summary = importing.apply_units(actor=org.admin, plan=plan, filename="u.csv")
    assert summary["create"] == 2
    post = Unit.objects.get(code="edu-s2-p1")
    assert post.kind == "post" and post.parent.code == "edu-s2"
    assert Unit.objects.get(code="health").name == "卫生健康委员会"
    assert AuditEntry.objects.filter(action="import.units").count() == 1


def test_units_errors_are_located_and_nothing_is_written(org):
    data = xlsx(
        [
            ["code", "name", "type", "parent", "groups", "order"],
            ["a1", "甲", "department", "city", "", "1"],
            ["a1", "重复", "department", "city", "", "x"],
            ["bad code!", "", "planet", "nowhere", "nogroup", ""],
        ]
    )
    plan = importing.plan_file(actor=org.admin, kind="units", data=data, filename="u.xlsx")
    got = sorted((d.row, d.column.split(" ")[0], d.value) for d in plan.errors)
    assert got == [
        (3, "A", "a1"),  # duplicate code
        (3, "F", "x"),  # order not a number
        (4, "A", "bad code!"),
        (4, "B", None),  # name missing
        (4, "C", "planet"),
        (4, "D", "nowhere"),
        (4, "E", "nogroup"),
    ]
    with pytest.raises(ValidationFailed):
        importing.apply_units(actor=org.admin, plan=plan)
    assert not Unit.objects.filter(code="a1").exists()


@translation.override("en")
def test_unknown_parent_and_loops(org):
    text = "code,name,kind,parent\nx1,X1,section,x2\nx2,X2,section,x1\nx3,X3,section,ghost\n"
    plan = importing.plan_file(
        actor=org.admin, kind="units", data=csv_bytes(text), filename="u.csv"
    )
    assert [(d.row, d.value) for d in plan.errors] == [(4, "ghost")]
    text = "code,name,kind,parent\nx1,X1,section,x2\nx2,X2,section,x1\n"
    plan = importing.plan_file(
        actor=org.admin, kind="units", data=csv_bytes(text), filename="u.csv"
    )
    assert plan.errors and "loop" in plan.errors[0].message


@translation.override("en")
def test_wrong_columns_are_refused(org):
    with pytest.raises(ValidationFailed) as exc:
        importing.plan_file(
            actor=org.admin, kind="units", data=csv_bytes("code,colour\nx,red\n"), filename="u.csv"
        )
    messages = [(d.row, d.column, d.message) for d in exc.value.details]
    assert (1, "B (colour)", "Unknown column.") in messages
    assert any(column == "name" for _row, column, _m in messages)


def test_formula_cells_and_undecodable_files_are_refused(org):
    with pytest.raises(ValidationFailed) as exc:
        importing.plan_file(
            actor=org.admin,
            kind="units",
            data=xlsx([["code", "name", "kind"], ["a", "=1+1", "section"]]),
            filename="u.xlsx",
        )
    assert (exc.value.details[0].row, exc.value.details[0].column) == (2, "B")
    with pytest.raises(ValidationFailed):
        importing.plan_file(
            actor=org.admin, kind="units", data=b"\xff\xfe\x00c\x00o", filename="u.csv"
        )


def test_a_failure_midway_rolls_back_the_whole_file(org):
    # The second row passes the preview but fails in the service (a parent made inactive meanwhile).
    text = "code,name,kind,parent\nn1,N1,section,edu\nn2,N2,section,county-edu\n"
    plan = importing.plan_file(
        actor=org.admin, kind="units", data=csv_bytes(text), filename="u.csv"
    )
    assert plan.ok
    Unit.objects.filter(code="county-edu").update(is_active=False)
    with pytest.raises(ValidationFailed) as exc:
        importing.apply_units(actor=org.admin, plan=plan)
    assert exc.value.details[0].row == 3
    assert not Unit.objects.filter(code__in=["n1", "n2"]).exists()


def test_import_needs_the_right_role(org):
    with pytest.raises(Forbidden):
        importing.plan_file(
            actor=org.edu_leader, kind="units", data=csv_bytes(UNITS_CSV), filename="u.csv"
        )
    with pytest.raises(Forbidden):
        importing.plan_file(
            actor=org.office,
            kind="people",
            data=csv_bytes("username,name\nx,y\n"),
            filename="p.csv",
        )


PEOPLE_CSV = (
    "用户名,姓名,邮箱,电话,工号,单位编码,角色,职务\n"
    "wang.wu,王五,wang@example.cn,,A9,edu-s1,工作人员,科员\n"
    "wang.wu,王五,,,,health,evaluator,互评评委\n"
    "edu_staff,科员,,,,,,\n"
    "zhao.liu,赵六,,,,county-edu,unit_leader,局长\n"
)


def test_people_import_creates_accounts_memberships_and_initial_passwords(org):
    plan = importing.plan_file(
        actor=org.admin, kind="people", data=csv_bytes(PEOPLE_CSV), filename="p.csv"
    )
    assert plan.ok, plan.errors
    assert plan.summary() == {"rows": 4, "create": 2, "update": 0, "unchanged": 1}
    summary, passwords = importing.apply_people(actor=org.admin, plan=plan, filename="p.csv")
    assert summary["create"] == 2
    wang = Person.objects.get(username="wang.wu")
    assert set(Membership.objects.filter(person=wang).values_list("unit__code", "role")) == {
        ("edu-s1", "staff"),
        ("health", "evaluator"),
    }
    assert [u for u, _pw in passwords] == ["wang.wu", "zhao.liu"]
    assert wang.check_password(dict(passwords)["wang.wu"])
    assert wang.must_change_password


def test_people_errors_are_located(org):
    text = (
        "username,name,unit,role\nok.one,甲,edu,staff\nok.one,乙,edu,staff\n-bad,丙,ghost,chief\n"
    )
    plan = importing.plan_file(
        actor=org.admin, kind="people", data=csv_bytes(text), filename="p.csv"
    )
    assert sorted((d.row, d.column.split(" ")[0]) for d in plan.errors) == [
        (3, "B"),
        (3, "D"),
        (4, "A"),
    ]
    text = "username,name,unit,role\nok.two,丁,ghost,chief\n"
    plan = importing.plan_file(
        actor=org.admin, kind="people", data=csv_bytes(text), filename="p.csv"
    )
    assert sorted((d.row, d.column.split(" ")[0], d.value) for d in plan.errors) == [
        (2, "C", "ghost"),
        (2, "D", "chief"),
    ]
    assert not Person.objects.filter(username__startswith="ok.").exists()


def test_template_workbooks_have_the_accepted_headers(org):
    from django.utils import translation
    from openpyxl import load_workbook

    for lang, first in (("zh-hans", "编码"), ("en", "code")):
        with translation.override(lang):
            data = importing.template_workbook("units")
        headers = [
            c.value for c in next(load_workbook(io.BytesIO(data)).active.iter_rows(max_row=1))
        ]
        assert headers[0] == first
        # The headers are accepted (a wrong header raises); the example row is only checked as data.
        plan = importing.plan_file(actor=org.admin, kind="units", data=data, filename="t.xlsx")
        assert all(d.row == 2 for d in plan.errors)
