"""orgs.services for people and memberships: validation, separated duties, the last admin."""

import pytest

from govperf.accounts.models import ApiToken
from govperf.accounts.services import create_token
from govperf.audit.models import AuditEntry
from govperf.core.errors import Conflict, Forbidden, ValidationFailed
from govperf.orgs import services
from govperf.orgs.models import Membership, Person
from govperf.orgs.roles import Role


def test_create_person_without_password_cannot_log_in(org):
    person = services.create_person(actor=org.admin, username="li.si", name="李四")
    assert not person.has_usable_password()
    assert person.must_change_password
    entry = AuditEntry.objects.get(action="person.create", object_id=str(person.pk))
    assert "password" not in entry.after


def test_create_person_checks_password_policy_and_uniqueness(org):
    with pytest.raises(ValidationFailed) as exc:
        services.create_person(
            actor=org.admin, username="EDU_LEADER", name="", email="not-mail", password="short"
        )
    fields = sorted({d.field for d in exc.value.details})
    assert fields == ["email", "name", "password", "username"]
    assert not Person.objects.filter(name="").exists()


def test_only_the_system_admin_manages_people(org):
    for actor in (org.office, org.auditor, org.leader, org.edu_leader):
        with pytest.raises(Forbidden):
            services.create_person(actor=actor, username="x1", name="x")
    assert not Person.objects.filter(username="x1").exists()


def test_update_person_conflict_on_stale_version(org):
    services.update_person(actor=org.admin, person=org.edu_staff, expected_version=1, name="新名字")
    with pytest.raises(Conflict):
        services.update_person(
            actor=org.admin, person=org.edu_staff, expected_version=1, name="旧名字"
        )
    org.edu_staff.refresh_from_db()
    assert org.edu_staff.name == "新名字"


def test_deactivate_person_revokes_tokens(org):
    _token, _secret = create_token(
        actor=org.edu_leader, owner=org.edu_leader, name="sys", can_write=False, units=[]
    )
    services.set_person_active(
        actor=org.admin, person=org.edu_leader, active=False, expected_version=None
    )
    assert ApiToken.objects.get(owner=org.edu_leader).revoked_at is not None


def test_admin_cannot_deactivate_self(org):
    with pytest.raises(ValidationFailed):
        services.set_person_active(
            actor=org.admin, person=org.admin, active=False, expected_version=None
        )


def test_last_admin_cannot_be_removed(org):
    membership = Membership.objects.get(person=org.admin, role=Role.SYSTEM_ADMIN)
    with pytest.raises(Conflict):
        services.remove_membership(actor=org.admin, membership=membership)
    second = services.create_person(actor=org.admin, username="admin2", name="第二管理员")
    services.add_membership(actor=org.admin, person=second, unit=org.city, role=Role.SYSTEM_ADMIN)
    services.remove_membership(actor=second, membership=membership)
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_separated_duties_roles_cannot_be_combined(org):
    with pytest.raises(ValidationFailed):
        services.add_membership(actor=org.admin, person=org.auditor, unit=org.edu, role=Role.STAFF)
    with pytest.raises(ValidationFailed):
        services.add_membership(
            actor=org.admin, person=org.edu_staff, unit=org.city, role=Role.SYSTEM_ADMIN
        )
    with pytest.raises(ValidationFailed):
        services.add_membership(
            actor=org.admin, person=org.admin, unit=org.city, role=Role.SECURITY_AUDITOR
        )
    assert Membership.objects.filter(person=org.auditor).count() == 1


def test_add_membership_duplicate_and_inactive_unit(org):
    with pytest.raises(Conflict):
        services.add_membership(
            actor=org.admin, person=org.edu_leader, unit=org.edu, role=Role.UNIT_LEADER
        )
    org.county_edu.is_active = False
    org.county_edu.save()
    with pytest.raises(ValidationFailed):
        services.add_membership(
            actor=org.admin, person=org.edu_staff, unit=org.county_edu, role=Role.STAFF
        )


def test_membership_change_takes_effect_for_the_same_person_object(org):
    from govperf.orgs import policy

    person = org.edu_staff
    assert not policy.can(person, policy.Action.APPROVE_DATA, org.health)
    services.add_membership(actor=org.admin, person=person, unit=org.health, role=Role.UNIT_LEADER)
    assert policy.can(person, policy.Action.APPROVE_DATA, org.health)
