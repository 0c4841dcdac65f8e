"""Import of units and people through the API (/api/v1/units/import, /api/v1/people/import)
and the command line (`govperf orgs import|template`): all or nothing, located errors."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from govperf.audit.models import AuditEntry
from govperf.orgs.models import Membership, Person, Unit
from tests.helpers import signed_in

UNITS_CSV = (
    "编码,名称,类型,上级编码,可比组,排序\n"
    "edu-s2,职业教育科,科室,edu,,2\n"
    "edu-s2-p1,督导岗,post,edu-s2,,1\n"
).encode()
PEOPLE_CSV = (
    "用户名,姓名,单位编码,角色,职务\nzhang.san,张三,edu,unit_coordinator,绩效联络员\n"
).encode()
BAD_UNITS_CSV = (
    "code,name,type,parent\nok1,甲,department,city\nbad code!,,planet,nowhere\n".encode()
)


def upload(client, path: str, data: bytes, query: str = ""):
    return client.post(
        f"{path}{query}",
        {"file": SimpleUploadedFile("f.csv", data)},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_units_dry_run_then_for_real(org):
    api = signed_in(org.admin)
    before = (Unit.objects.count(), AuditEntry.objects.count())

    dry = upload(api, "/api/v1/units/import", UNITS_CSV, "?dry_run=true")

    assert dry.status_code == 200
    assert dry.json() == {
        "dry_run": True,
        "rows": 2,
        "create": 2,
        "update": 0,
        "unchanged": 0,
        "initial_passwords": [],
    }
    assert (Unit.objects.count(), AuditEntry.objects.count()) == before

    done = upload(api, "/api/v1/units/import", UNITS_CSV)

    assert done.status_code == 200 and done.json()["create"] == 2
    post = Unit.objects.get(code="edu-s2-p1")
    assert (post.kind, post.parent.code) == ("post", "edu-s2")
    assert AuditEntry.objects.filter(action="import.units").count() == 1


def test_unit_errors_are_located_and_nothing_is_written(org):
    before = (Unit.objects.count(), AuditEntry.objects.count())

    response = upload(signed_in(org.admin), "/api/v1/units/import", BAD_UNITS_CSV)

    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["message"]) == (
        "invalid",
        "The file has errors; nothing was imported.",
    )
    assert sorted((d["row"], d["column"][0]) for d in body["details"]) == [
        (3, "A"),
        (3, "B"),
        (3, "C"),
        (3, "D"),
    ]
    assert all(d["message"] for d in body["details"])
    assert (Unit.objects.count(), AuditEntry.objects.count()) == before


def test_people_import_returns_the_initial_passwords_once(org):
    response = upload(signed_in(org.admin), "/api/v1/people/import", PEOPLE_CSV)

    assert response.status_code == 200
    body = response.json()
    assert (body["create"], [p["username"] for p in body["initial_passwords"]]) == (
        1,
        ["zhang.san"],
    )
    person = Person.objects.get(username="zhang.san")
    assert person.check_password(body["initial_passwords"][0]["password"])
    assert person.must_change_password
    assert list(person.memberships.values_list("unit__code", "role")) == [
        ("edu", "unit_coordinator")
    ]


@pytest.mark.parametrize(
    ("path", "allowed"),
    [("/api/v1/units/import", {"admin", "office"}), ("/api/v1/people/import", {"admin"})],
)
def test_who_may_import(org, path, allowed):
    """The roles the policy lets manage units (or people) import them; the others change
    nothing and leave a refusal in the audit log."""
    data = UNITS_CSV if "units" in path else PEOPLE_CSV
    for name, person in org.people().items():
        if name in allowed:
            continue
        before = (Unit.objects.count(), Person.objects.count(), Membership.objects.count())
        refusals = AuditEntry.objects.filter(result="denied").count()
        response = upload(signed_in(person), path, data)
        assert response.status_code == 403, name
        assert response.json()["code"] == "forbidden"
        assert (Unit.objects.count(), Person.objects.count(), Membership.objects.count()) == before
        assert AuditEntry.objects.filter(result="denied").count() == refusals + 1
    for name in sorted(allowed):
        response = upload(signed_in(org.people()[name]), path, data, "?dry_run=true")
        assert response.status_code == 200, name


def test_anonymous_callers_are_refused(db):
    response = upload(Client(), "/api/v1/units/import", UNITS_CSV)
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "details"}


# --- the command line ------------------------------------------------------------------


def run(capsys, *args):
    call_command("orgs", *args)
    return json.loads(capsys.readouterr().out)


def test_cli_imports_units_then_people(org, capsys, tmp_path):
    units, people = tmp_path / "units.csv", tmp_path / "people.csv"
    units.write_bytes(UNITS_CSV)
    people.write_bytes(PEOPLE_CSV)

    dry = run(capsys, "import", "units", str(units), "--dry-run")
    assert (dry["dry_run"], dry["create"]) == (True, 2)
    assert not Unit.objects.filter(code="edu-s2").exists()

    assert run(capsys, "import", "units", str(units))["create"] == 2
    assert Unit.objects.get(code="edu-s2-p1").parent.code == "edu-s2"
    entry = AuditEntry.objects.get(action="import.units")
    assert (entry.via, entry.actor_label) == ("cli", org.admin.username)

    out = run(capsys, "import", "people", str(people))
    assert out["create"] == 1
    password = out["initial_passwords"][0]["password"]
    assert Person.objects.get(username="zhang.san").check_password(password)


def test_cli_errors_are_located_and_exit_1(org, capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(BAD_UNITS_CSV)
    before = (Unit.objects.count(), AuditEntry.objects.count())

    with pytest.raises(SystemExit) as exited:
        call_command("orgs", "import", "units", str(bad))

    assert exited.value.code == 1
    errors = json.loads(capsys.readouterr().out)["errors"]
    assert {(e["row"], e["column"][0]) for e in errors} == {
        (3, "A"),
        (3, "B"),
        (3, "C"),
        (3, "D"),
    }
    assert (Unit.objects.count(), AuditEntry.objects.count()) == before


def test_cli_acts_as_the_named_account_and_its_permissions(org, capsys, tmp_path):
    units = tmp_path / "units.csv"
    units.write_bytes(UNITS_CSV)

    with pytest.raises(SystemExit):
        call_command("orgs", "import", "units", str(units), "--user", org.edu_leader.username)

    assert json.loads(capsys.readouterr().out)["errors"][0]["message"]
    assert not Unit.objects.filter(code="edu-s2").exists()
    assert not Membership.objects.filter(unit__code="edu-s2").exists()


def test_cli_writes_the_templates(db, capsys, tmp_path):
    for kind, first in (("units", "code"), ("people", "username")):
        path = tmp_path / f"{kind}.xlsx"
        out = run(capsys, "template", kind, str(path))
        assert out == {"template": kind, "file": str(path)}
        sheet = load_workbook(io.BytesIO(path.read_bytes())).active
        header = [c.value for c in next(sheet.iter_rows(max_row=1))]
        assert header[0] in (first, "编码", "用户名")
        assert sheet.max_row == 2  # the headers and one example row
