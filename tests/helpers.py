"""Builders shared by the tests: a small organisation and signed-in clients."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from govperf.orgs.models import ComparableGroup, Membership, Person, Unit, child_path

PASSWORD = "Strong#Pass2026"


def make_unit(
    code: str, kind: str = "department", parent: Unit | None = None, name: str = "", **extra
) -> Unit:
    unit = Unit.objects.create(
        code=code,
        name=name or code,
        kind=kind,
        parent=parent,
        path="",
        depth=(parent.depth + 1) if parent else 0,
        **extra,
    )
    unit.path = child_path(parent.path if parent else "/", unit.pk)
    unit.save(update_fields=["path"])
    return unit


def make_person(
    username: str, *roles: tuple[str, Unit], name: str = "", password: str = PASSWORD
) -> Person:
    person = Person(username=username, name=name or username, must_change_password=False)
    person.set_password(password)
    person.password_changed_at = timezone.now()
    person.save()
    for role, unit in roles:
        Membership.objects.create(person=person, unit=unit, role=role)
    return person


def signed_in(person: Person, *, verified: bool = True) -> Client:
    """A browser-like client, signed in and past the second factor when its role needs one."""
    client = Client()
    client.force_login(person)
    if verified:
        device = TOTPDevice.objects.filter(
            user=person, confirmed=True
        ).first() or TOTPDevice.objects.create(user=person, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


class Org:
    """city ─ office, lg, edu ─ edu-s1 ─ edu-p1, health, county ─ county-edu; experts.

    Roles: admin, auditor, office, leader; edu_leader, edu_coord, edu_staff (in edu-s1);
    health_leader (the outsider to edu), evaluator (in health), expert (third party).
    """

    def __init__(self) -> None:
        self.social = ComparableGroup.objects.create(code="social", name="社会民生类")
        self.city = make_unit("city", "city", name="示范市")
        self.office_unit = make_unit("office", "office", self.city, name="绩效办")
        self.lg = make_unit("lg", "leadership_group", self.city, name="领导小组")
        self.edu = make_unit("edu", "department", self.city, name="教育局")
        self.edu_s1 = make_unit("edu-s1", "section", self.edu, name="基础教育科")
        self.edu_p1 = make_unit("edu-p1", "post", self.edu_s1, name="专员岗")
        self.health = make_unit("health", "department", self.city, name="卫健委")
        self.county = make_unit("county", "county", self.city, name="东城区")
        self.county_edu = make_unit("county-edu", "department", self.county, name="东城区教育局")
        self.experts = make_unit("experts", "working_group", self.city, name="专家组")
        self.edu.groups.add(self.social)
        self.health.groups.add(self.social)

        self.admin = make_person("admin", ("system_admin", self.city), name="管理员")
        self.auditor = make_person("auditor", ("security_auditor", self.city), name="审计员")
        self.office = make_person("office", ("perf_office", self.office_unit), name="绩效办")
        self.leader = make_person("leader", ("leader", self.lg), name="市长")
        self.edu_leader = make_person("edu_leader", ("unit_leader", self.edu), name="教育局长")
        self.edu_coord = make_person("edu_coord", ("unit_coordinator", self.edu), name="联络员")
        self.edu_staff = make_person("edu_staff", ("staff", self.edu_s1), name="科员")
        self.health_leader = make_person(
            "health_leader", ("unit_leader", self.health), name="卫健委主任"
        )
        self.evaluator = make_person("evaluator", ("evaluator", self.health), name="评委")
        self.expert = make_person("expert", ("third_party_evaluator", self.experts), name="专家")

    def people(self) -> dict[str, Person]:
        return {
            name: getattr(self, name)
            for name in (
                "admin",
                "auditor",
                "office",
                "leader",
                "edu_leader",
                "edu_coord",
                "edu_staff",
                "health_leader",
                "evaluator",
                "expert",
            )
        }


def totp_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows for ``device`` now (or that many 30 s steps ahead)."""
    from django_otp.oath import totp

    code = totp(
        device.bin_key,
        step=device.step,
        t0=device.t0,
        digits=device.digits,
        drift=device.drift + steps_ahead,
    )
    return f"{code:0{device.digits}d}"


def wrong_totp_code(device: TOTPDevice) -> str:
    """A well-formed code the device refuses now (not one of the codes it tolerates)."""
    right = {totp_code(device, steps) for steps in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def signed_in_strict(person: Person) -> Client:
    """Like ``signed_in``, but CSRF is enforced as a browser meets it."""
    client = signed_in(person)
    client.handler.enforce_csrf_checks = True
    return client
