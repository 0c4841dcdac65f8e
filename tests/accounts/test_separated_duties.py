"""Separated duties: the system admin manages accounts but no business data and not the
audit log; the security auditor reads the audit log and changes nothing."""

import json

import pytest
from axes.models import AccessAttempt
from django_otp.plugins.otp_totp.models import TOTPDevice

from govperf.accounts.models import ApiToken
from govperf.audit.models import AuditEntry
from govperf.orgs import policy
from govperf.orgs.models import ComparableGroup, Membership, Person, Unit
from govperf.orgs.policy import Action
from tests.helpers import signed_in

BUSINESS = [
    Action.MANAGE_LIBRARY,
    Action.EDIT_PLAN,
    Action.SUBMIT_PLAN,
    Action.REVIEW_PLAN,
    Action.ENTER_DATA,
    Action.APPROVE_DATA,
    Action.LOCK_PERIOD,
    Action.VIEW_RESULTS,
    Action.MANAGE_EVALUATION,
    Action.SCORE,
    Action.APPEAL,
]


def _world() -> tuple:
    """Everything a write could touch, to compare before and after a refusal."""
    return (
        list(Unit.objects.order_by("pk").values()),
        list(Person.objects.order_by("pk").values()),
        list(Membership.objects.order_by("pk").values()),
        list(ComparableGroup.objects.order_by("pk").values()),
        list(ApiToken.objects.order_by("pk").values()),
        TOTPDevice.objects.count(),
        AccessAttempt.objects.count(),
    )


def _last_seq() -> int:
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


# --- the system administrator ---------------------------------------------------------


def test_the_admin_creates_a_person_and_gives_a_role(org):
    client = signed_in(org.admin)

    made = client.post(
        "/api/v1/people",
        {"username": "newbie", "name": "新人", "password": "Temp#Pass2026"},
        content_type="application/json",
    )
    role = client.post(
        "/api/v1/memberships",
        {"username": "newbie", "unit": "health", "role": "staff"},
        content_type="application/json",
    )

    assert (made.status_code, role.status_code) == (201, 201)
    person = Person.objects.get(username="newbie")
    assert person.must_change_password is True
    assert list(person.memberships.values_list("unit__code", "role")) == [("health", "staff")]


def test_the_admin_sets_a_password_on_the_page(org):
    response = signed_in(org.admin).post(
        f"/orgs/people/{org.edu_staff.pk}/password/", {"password": "Temp#Pass2026"}
    )

    assert response.status_code == 302
    org.edu_staff.refresh_from_db()
    assert org.edu_staff.check_password("Temp#Pass2026")


def test_the_admin_has_no_business_action():
    assert [a for a in BUSINESS if a in policy.GRANTS[policy.Role.SYSTEM_ADMIN]] == []


def test_the_admin_may_take_no_business_action_anywhere(org):
    assert [a for a in BUSINESS if policy.can(org.admin, a)] == []
    assert policy.can(org.admin, Action.VIEW_AUDIT) is False


def test_the_admin_is_refused_the_audit_log(org):
    client = signed_in(org.admin)

    assert client.get("/audit/").status_code == 403
    assert client.get("/api/v1/audit/entries").status_code == 403


def test_the_admin_and_auditor_roles_cannot_be_combined(org):
    response = signed_in(org.admin).post(
        "/api/v1/memberships",
        {"username": "admin", "unit": "city", "role": "security_auditor"},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert list(org.admin.memberships.values_list("role", flat=True)) == ["system_admin"]


# --- the security auditor ---------------------------------------------------------------


def test_the_auditor_may_only_read(org):
    allowed = {a for a in Action if policy.can(org.auditor, a)}

    assert allowed == {Action.VIEW_UNITS, Action.VIEW_PEOPLE, Action.VIEW_AUDIT}


API_WRITES = [
    ("post", "/api/v1/units", {"code": "x1", "name": "x", "kind": "department", "parent": "city"}),
    ("post", "/api/v1/units", {"code": "x1", "name": "x", "kind": "city"}),
    ("patch", "/api/v1/units/edu", {"name": "改名", "version": 1}),
    ("delete", "/api/v1/units/edu-p1", None),
    ("post", "/api/v1/groups", {"code": "g1", "name": "组"}),
    ("post", "/api/v1/people", {"username": "newbie", "name": "新人"}),
    ("patch", "/api/v1/people/edu_staff", {"name": "改名", "version": 1}),
    ("patch", "/api/v1/people/edu_staff", {"is_active": False, "version": 1}),
    ("post", "/api/v1/memberships", {"username": "edu_staff", "unit": "health", "role": "staff"}),
    ("post", "/api/v1/tokens", {"name": "t", "owner": "edu_staff"}),
]


@pytest.mark.parametrize(("method", "url", "body"), API_WRITES)
def test_the_auditor_is_refused_every_api_write(org, method, url, body):
    client = signed_in(org.auditor)
    before, start = _world(), _last_seq()

    response = getattr(client, method)(
        url, json.dumps(body) if body is not None else None, content_type="application/json"
    )

    assert response.status_code in (403, 404), response.content
    assert _world() == before
    assert list(AuditEntry.objects.filter(seq__gt=start).values_list("result", flat=True)) == [
        "denied"
    ]
    assert AuditEntry.objects.get(seq=start + 1).action.startswith("denied")


def test_the_auditor_cannot_remove_a_membership(org):
    membership = org.edu_staff.memberships.get()
    client = signed_in(org.auditor)
    before = _world()

    api = client.delete(f"/api/v1/memberships/{membership.pk}")
    page = client.post(f"/orgs/memberships/{membership.pk}/remove/")

    assert (api.status_code in (403, 404), page.status_code in (403, 404)) == (True, True)
    assert _world() == before


PAGE_WRITES = [
    pytest.param(
        lambda o: (
            f"/orgs/units/new/?parent={o.city.pk}",
            {"code": "x1", "name": "x", "kind": "department", "sort_order": 0},
        ),
        id="unit-create",
    ),
    pytest.param(
        lambda o: (
            "/orgs/units/new/",
            {"code": "x1", "name": "x", "kind": "city", "sort_order": 0},
        ),
        id="unit-create-top",
    ),
    pytest.param(
        lambda o: (
            f"/orgs/units/{o.edu.pk}/edit/",
            {"name": "改名", "kind": "department", "sort_order": 0},
        ),
        id="unit-edit",
    ),
    pytest.param(
        lambda o: (f"/orgs/units/{o.edu_s1.pk}/move/", {"parent": o.health.pk}), id="unit-move"
    ),
    pytest.param(
        lambda o: (f"/orgs/units/{o.edu_p1.pk}/active/", {"active": "0"}), id="unit-deactivate"
    ),
    pytest.param(
        lambda o: ("/orgs/groups/", {"code": "g1", "name": "组"}),
        id="group-create",
    ),
    pytest.param(
        lambda o: ("/orgs/people/new/", {"username": "newbie", "name": "新人"}), id="person-create"
    ),
    pytest.param(
        lambda o: (
            f"/orgs/people/{o.edu_staff.pk}/edit/",
            {"username": "edu_staff", "name": "改名"},
        ),
        id="person-edit",
    ),
    pytest.param(
        lambda o: (f"/orgs/people/{o.edu_staff.pk}/deactivate/", {}), id="person-deactivate"
    ),
    pytest.param(
        lambda o: (f"/orgs/people/{o.edu_staff.pk}/password/", {"password": "Temp#Pass2026"}),
        id="person-password",
    ),
    pytest.param(lambda o: (f"/orgs/people/{o.edu_staff.pk}/unlock/", {}), id="person-unlock"),
    pytest.param(
        lambda o: (f"/orgs/people/{o.edu_staff.pk}/reset-otp/", {}), id="person-reset-otp"
    ),
    pytest.param(
        lambda o: (
            f"/orgs/people/{o.edu_staff.pk}/memberships/",
            {"unit": o.health.pk, "role": "staff"},
        ),
        id="membership-add",
    ),
]


@pytest.mark.parametrize("build", PAGE_WRITES)
def test_the_auditor_is_refused_every_page_write(org, build):
    url, data = build(org)
    client = signed_in(org.auditor)
    before, start = _world(), _last_seq()

    response = client.post(url, data)

    assert _world() == before
    assert response.status_code in (403, 404)
    assert list(AuditEntry.objects.filter(seq__gt=start).values_list("result", flat=True)) == [
        "denied"
    ]
