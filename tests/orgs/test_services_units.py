"""orgs.services for units and groups: paths, versions, audit, refusals."""

import pytest

from govperf.audit.models import AuditEntry
from govperf.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from govperf.orgs import services
from govperf.orgs.models import Unit


def test_create_unit_sets_path_depth_and_audits(org):
    unit = services.create_unit(
        actor=org.admin, code="edu-s2", name="职教科", kind="section", parent=org.edu
    )
    assert unit.path == f"{org.edu.path}{unit.pk:010d}/"
    assert unit.depth == org.edu.depth + 1
    entry = AuditEntry.objects.get(action="unit.create", object_id=str(unit.pk))
    assert entry.actor_label == "admin"
    assert '"code":"edu-s2"' in entry.after
    assert entry.before == ""


def test_create_unit_refuses_bad_fields_and_writes_nothing(org):
    before = Unit.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.create_unit(actor=org.admin, code="edu", name="", kind="planet", parent=org.city)
    fields = sorted(d.field for d in exc.value.details)
    assert fields == ["code", "kind", "name"]
    assert Unit.objects.count() == before


def test_top_level_unit_needs_whole_organisation_scope(org):
    with pytest.raises(Forbidden):
        services.create_unit(actor=org.edu_leader, code="x", name="x", kind="city", parent=None)
    top = services.create_unit(
        actor=org.office, code="prov", name="省", kind="province", parent=None
    )
    assert top.path == f"/{top.pk:010d}/"


def test_update_unit_with_stale_version_is_a_conflict(org):
    unit = services.update_unit(
        actor=org.admin,
        unit=org.edu,
        expected_version=1,
        name="市教育局",
        kind="department",
        sort_order=3,
        groups=[],
    )
    assert unit.version == 2
    with pytest.raises(Conflict):
        services.update_unit(
            actor=org.office,
            unit=org.edu,
            expected_version=1,
            name="其他",
            kind="department",
            sort_order=0,
            groups=[],
        )
    org.edu.refresh_from_db()
    assert org.edu.name == "市教育局"
    entry = AuditEntry.objects.filter(action="unit.update").get()
    assert '"name":"教育局"' in entry.before and '"name":"市教育局"' in entry.after


def test_move_unit_rehangs_the_whole_subtree(org):
    moved = services.move_unit(
        actor=org.admin, unit=org.edu_s1, new_parent=org.county_edu, expected_version=None
    )
    org.edu_p1.refresh_from_db()
    assert moved.path == f"{org.county_edu.path}{org.edu_s1.pk:010d}/"
    assert moved.depth == 3
    assert org.edu_p1.path == f"{moved.path}{org.edu_p1.pk:010d}/"
    assert org.edu_p1.depth == 4
    assert moved.parent_id == org.county_edu.pk


def test_move_under_own_subtree_is_refused(org):
    with pytest.raises(ValidationFailed) as exc:
        services.move_unit(
            actor=org.admin, unit=org.edu, new_parent=org.edu_p1, expected_version=None
        )
    assert exc.value.details[0].field == "parent"
    org.edu.refresh_from_db()
    assert org.edu.parent_id == org.city.pk


def test_deactivate_needs_children_inactive_first(org):
    with pytest.raises(ValidationFailed):
        services.set_unit_active(
            actor=org.admin, unit=org.edu_s1, active=False, expected_version=None
        )
    services.set_unit_active(actor=org.admin, unit=org.edu_p1, active=False, expected_version=None)
    unit = services.set_unit_active(
        actor=org.admin, unit=org.edu_s1, active=False, expected_version=None
    )
    assert unit.is_active is False


def test_delete_unit_in_use_is_refused(org):
    with pytest.raises(Conflict):
        services.delete_unit(actor=org.admin, unit=org.edu)  # has sub-units and members
    empty = services.create_unit(
        actor=org.admin, code="tmp", name="tmp", kind="section", parent=org.health
    )
    services.delete_unit(actor=org.admin, unit=empty)
    assert not Unit.objects.filter(code="tmp").exists()
    assert AuditEntry.objects.filter(action="unit.delete", object_id=str(empty.pk)).count() == 1


def test_unit_leader_cannot_manage_units(org):
    with pytest.raises(Forbidden):
        services.create_unit(
            actor=org.edu_leader, code="x", name="x", kind="section", parent=org.edu
        )
    with pytest.raises(NotFound):  # a unit they cannot even see
        services.create_unit(
            actor=org.edu_leader, code="y", name="y", kind="section", parent=org.health
        )
    assert not Unit.objects.filter(code__in=["x", "y"]).exists()


def test_groups_are_managed_by_whole_organisation_roles(org):
    group = services.save_group(actor=org.office, code="econ", name="经济类")
    assert group.version == 1
    group = services.save_group(
        actor=org.admin, group=group, code="econ", name="经济发展类", expected_version=1
    )
    assert group.version == 2
    with pytest.raises(Conflict):
        services.save_group(actor=org.admin, group=group, code="econ", name="x", expected_version=1)
    with pytest.raises(Forbidden):
        services.save_group(actor=org.edu_leader, code="z", name="z")
