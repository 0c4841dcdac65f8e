"""The demo city's organisation (demo step "organisation"): its size, the named accounts to
try each role with, and the one demo password (GOVPERF_DEMO_PASSWORD, or a generated one)."""

import stat

import pytest
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password

from govperf.audit.verify import verify_chain
from govperf.demo import loader
from govperf.demo.models import DemoStep
from govperf.demo.organisation import COUNTIES, DEPARTMENTS, load_organisation
from govperf.orgs.models import Membership, Person, Unit

NAMED = {  # the accounts issue 3 names, with their role and unit
    "admin": ("system_admin", "city"),
    "auditor": ("security_auditor", "city"),
    "office": ("perf_office", "city-pmo"),
    "leader": ("leader", "city-lg"),
    "coordinator": ("unit_coordinator", "fgw"),
    "staff": ("staff", "fgw-s1"),
    "evaluator": ("evaluator", "fgw"),
    "thirdparty": ("third_party_evaluator", "experts"),
}


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_the_city_its_departments_counties_and_people(db, var_dir, monkeypatch):
    monkeypatch.setenv("GOVPERF_DEMO_PASSWORD", "Tried-It-2026")
    said = []

    load_organisation(said.append)

    city = Unit.objects.get(code="city")
    assert (city.name, city.kind, city.parent_id) == ("示例市人民政府", "city", None)
    departments = Unit.objects.filter(parent=city, kind="department").order_by("sort_order")
    assert departments.count() == len(DEPARTMENTS) == 40
    assert all(d.children.filter(kind="section").count() >= 1 for d in departments)
    counties = Unit.objects.filter(parent=city, kind="county")
    assert sorted(counties.values_list("name", flat=True)) == sorted(n for _c, n, _d in COUNTIES)
    for county in counties:
        own = county.children.filter(kind="department")
        assert own.count() == 6
        assert all(d.children.filter(kind="section").count() == 2 for d in own)
    assert {u.kind for u in Unit.objects.all()} == {
        "city",
        "department",
        "section",
        "post",
        "county",
        "leadership_group",
        "office",
        "working_group",
    }
    assert said == ["demo: 258 units, 306 people"]
    assert Person.objects.count() == 306
    # Every role is held, and the separated duties hold: admin and auditor hold nothing else.
    assert set(Membership.objects.values_list("role", flat=True)) == {
        "system_admin",
        "security_auditor",
        "perf_office",
        "leader",
        "unit_leader",
        "unit_coordinator",
        "staff",
        "evaluator",
        "third_party_evaluator",
    }
    for username in ("admin", "auditor"):
        assert Membership.objects.filter(person__username=username).count() == 1
    # Every city department has its leader, coordinator and evaluator.
    for dept in departments:
        roles = set(dept.memberships.values_list("role", flat=True))
        assert {"unit_leader", "unit_coordinator", "evaluator"} <= roles, dept.code
    assert Unit.objects.filter(memberships__isnull=False).distinct().count() > 200
    assert verify_chain().ok


def test_the_named_accounts_take_the_given_password(db, var_dir, monkeypatch):
    monkeypatch.setenv("GOVPERF_DEMO_PASSWORD", "Tried-It-2026")

    load_organisation(lambda _line: None)

    for username, (role, unit) in NAMED.items():
        person = Person.objects.get(username=username)
        memberships = list(person.memberships.values_list("role", "unit__code"))
        assert memberships == [(role, unit)], username
        assert person.check_password("Tried-It-2026"), username
        assert (person.is_active, person.must_change_password) == (True, False)
    first = Unit.objects.filter(parent__code="city", kind="department").order_by("sort_order")[0]
    assert first.code == "fgw"  # "coordinator" is the coordinator of the first department
    # Every other demo account takes it too (one shared hash), and nothing is kept on disk.
    assert Person.objects.values("password").distinct().count() == 1
    assert not (var_dir / loader.PASSWORD_FILE).exists()
    assert loader.demo_password() == "Tried-It-2026"


def test_without_a_given_password_one_is_generated_kept_and_printed(db, var_dir, monkeypatch):
    monkeypatch.delenv("GOVPERF_DEMO_PASSWORD", raising=False)

    load_organisation(lambda _line: None)

    kept = var_dir / loader.PASSWORD_FILE
    password = kept.read_text().strip()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert len(password) == 19 and password.count("-") == 3
    password_validation.validate_password(password, Person(username="coordinator"))
    assert Person.objects.get(username="coordinator").check_password(password)
    assert loader.demo_password() == password

    DemoStep.objects.create(name="organisation")  # as `govperf demo` marks it
    text = loader.demo_logins_text()
    assert text.splitlines()[0].startswith(f"Demo logins (password {password};")
    assert [line.split()[0] for line in text.splitlines()[1:]] == list(NAMED)

    # A second installation generates its own password: none is built in.
    kept.unlink()
    assert loader.demo_password(create=True) != password


def test_logins_are_printed_only_once_the_demo_is_loaded(db, var_dir, monkeypatch):
    monkeypatch.delenv("GOVPERF_DEMO_PASSWORD", raising=False)

    assert loader.demo_logins_text() == ""


def test_a_password_given_later_replaces_the_demo_password_only(db, var_dir, monkeypatch):
    monkeypatch.setenv("GOVPERF_DEMO_PASSWORD", "First-Pass-2026")
    load_organisation(lambda _line: None)
    changed = Person.objects.get(username="jyj.leader")
    changed.password = make_password("Own-Choice-2026")
    changed.save(update_fields=["password"])

    monkeypatch.setenv("GOVPERF_DEMO_PASSWORD", "Second-Pass-2026")
    moved = loader.apply_given_password()

    assert moved == 305
    assert Person.objects.get(username="coordinator").check_password("Second-Pass-2026")
    assert Person.objects.get(username="admin").check_password("Second-Pass-2026")
    assert Person.objects.get(username="jyj.leader").check_password("Own-Choice-2026")
    assert loader.apply_given_password() == 0  # already in force
    monkeypatch.delenv("GOVPERF_DEMO_PASSWORD")
    assert loader.apply_given_password() == 0
    assert verify_chain().ok
