"""Writes to the organisation: units, comparable groups, people and memberships.

One function per step, keyword-only, one transaction each, permission checked
through ``orgs.policy`` and every change recorded in the audit log. Edits
carry the version the editor saw; a stale version is a conflict, never a
silent overwrite.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, ProtectedError, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from govperf.audit.services import record, snapshot
from govperf.core.errors import Conflict, ErrorDetail, Forbidden, ValidationFailed
from govperf.core.validation import check_version
from govperf.orgs import policy
from govperf.orgs.models import ComparableGroup, Membership, Person, Unit, child_path
from govperf.orgs.policy import Action
from govperf.orgs.roles import Role, UnitKind

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{1,149}$")
# Separated duties: these roles are never combined with any other role.
EXCLUSIVE_ROLES = {Role.SYSTEM_ADMIN, Role.SECURITY_AUDITOR}

UNIT_FIELDS = ("code", "name", "kind", "parent", "sort_order", "is_active")
PERSON_FIELDS = ("username", "name", "email", "phone", "employee_no", "is_active")


def _fail_if(details: list[ErrorDetail], message: str) -> None:
    if details:
        raise ValidationFailed(message, details)


# --- units ----------------------------------------------------------------------


def unit_state(unit: Unit) -> dict[str, Any]:
    state = snapshot(unit, UNIT_FIELDS)
    state["groups"] = sorted(g.code for g in unit.groups.all())
    return state


def _validate_unit_fields(
    *, code: str, name: str, kind: str, exclude_pk: int | None = None
) -> list[ErrorDetail]:
    details = []
    if not CODE_RE.match(code or ""):
        details.append(
            ErrorDetail(
                field="code",
                value=code,
                message=_(
                    "Use 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit."
                ),
            )
        )
    elif Unit.objects.filter(code=code).exclude(pk=exclude_pk).exists():
        details.append(
            ErrorDetail(
                field="code", value=code, message=_("This code is already used by another unit.")
            )
        )
    if not (name or "").strip():
        details.append(ErrorDetail(field="name", message=_("A name is required.")))
    elif len(name) > 200:
        details.append(ErrorDetail(field="name", message=_("At most 200 characters.")))
    if kind not in UnitKind.values:
        details.append(ErrorDetail(field="kind", value=kind, message=_("Unknown unit type.")))
    return details


def create_unit(
    *,
    actor: Person,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None,
    sort_order: int = 0,
    groups: list[ComparableGroup] | None = None,
) -> Unit:
    if parent is None:
        if not policy.unit_scope(actor, Action.MANAGE_UNITS).everything:
            raise Forbidden(
                _(
                    "Only administrators whose scope is the whole organisation may create a top-level unit."
                )
            )
    else:
        policy.require(actor, Action.MANAGE_UNITS, parent)
    details = _validate_unit_fields(code=code, name=name, kind=kind)
    if parent is not None and not parent.is_active:
        details.append(ErrorDetail(field="parent", message=_("The parent unit is inactive.")))
    _fail_if(details, _("The unit could not be saved."))
    with transaction.atomic():
        unit = Unit.objects.create(
            code=code,
            name=name.strip(),
            kind=kind,
            parent=parent,
            sort_order=sort_order,
            path="",
            depth=(parent.depth + 1) if parent else 0,
        )
        unit.path = child_path(parent.path if parent else "/", unit.pk)
        unit.save(update_fields=["path"])
        if groups:
            unit.groups.set(groups)
        record(action="unit.create", actor=actor, obj=unit, after=unit_state(unit))
    return unit


def update_unit(
    *,
    actor: Person,
    unit: Unit,
    expected_version: int | None,
    name: str,
    kind: str,
    sort_order: int,
    groups: list[ComparableGroup],
) -> Unit:
    policy.require(actor, Action.MANAGE_UNITS, unit)
    _fail_if(
        _validate_unit_fields(code=unit.code, name=name, kind=kind, exclude_pk=unit.pk),
        _("The unit could not be saved."),
    )
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        check_version(unit, expected_version, _("The unit"))
        before = unit_state(unit)
        unit.name, unit.kind, unit.sort_order = name.strip(), kind, sort_order
        unit.version += 1
        unit.updated_at = timezone.now()
        unit.save(update_fields=["name", "kind", "sort_order", "version", "updated_at"])
        unit.groups.set(groups)
        record(action="unit.update", actor=actor, obj=unit, before=before, after=unit_state(unit))
    return unit


def move_unit(*, actor: Person, unit: Unit, new_parent: Unit, expected_version: int | None) -> Unit:
    """Re-hang a unit and its whole subtree under another parent."""
    policy.require(actor, Action.MANAGE_UNITS, unit)
    policy.require(actor, Action.MANAGE_UNITS, new_parent)
    with transaction.atomic():
        unit, new_parent = _lock_in_pk_order(unit, new_parent)
        check_version(unit, expected_version, _("The unit"))
        if new_parent.path.startswith(unit.path):
            raise ValidationFailed(
                _("A unit cannot be moved under itself or one of its own sub-units."),
                [
                    ErrorDetail(
                        field="parent",
                        value=new_parent.code,
                        message=_("Choose a unit outside this subtree."),
                    )
                ],
            )
        before = unit_state(unit)
        old_path = unit.path
        new_path = child_path(new_parent.path, unit.pk)
        delta = new_parent.depth + 1 - unit.depth
        Unit.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + delta,
        )
        unit.refresh_from_db()
        unit.parent = new_parent
        unit.version += 1
        unit.updated_at = timezone.now()
        unit.save(update_fields=["parent", "version", "updated_at"])
        record(action="unit.move", actor=actor, obj=unit, before=before, after=unit_state(unit))
    return unit


def _lock_in_pk_order(*units: Unit) -> list[Unit]:
    # Always lock in primary-key order so that two movers never deadlock.
    locked = {
        u.pk: u
        for u in Unit.objects.select_for_update()
        .filter(pk__in=[u.pk for u in units])
        .order_by("pk")
    }
    return [locked[u.pk] for u in units]


def set_unit_active(
    *, actor: Person, unit: Unit, active: bool, expected_version: int | None
) -> Unit:
    policy.require(actor, Action.MANAGE_UNITS, unit)
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        check_version(unit, expected_version, _("The unit"))
        if not active and unit.children.filter(is_active=True).exists():
            raise ValidationFailed(
                _("Deactivate its sub-units first."),
                [
                    ErrorDetail(
                        field="is_active", message=_("This unit still has active sub-units.")
                    )
                ],
            )
        if active and unit.parent_id and not unit.parent.is_active:
            raise ValidationFailed(
                _("Activate its parent unit first."),
                [ErrorDetail(field="is_active", message=_("The parent unit is inactive."))],
            )
        before = unit_state(unit)
        unit.is_active = active
        unit.version += 1
        unit.updated_at = timezone.now()
        unit.save(update_fields=["is_active", "version", "updated_at"])
        record(
            action="unit.activate" if active else "unit.deactivate",
            actor=actor,
            obj=unit,
            before=before,
            after=unit_state(unit),
        )
    return unit


def delete_unit(*, actor: Person, unit: Unit) -> None:
    """Delete a unit nothing refers to; anything with history is deactivated instead."""
    policy.require(actor, Action.MANAGE_UNITS, unit)
    try:
        with transaction.atomic():
            unit = Unit.objects.select_for_update().get(pk=unit.pk)
            before = unit_state(unit)
            pk = unit.pk
            unit.delete()
            record(
                action="unit.delete",
                actor=actor,
                object_type="orgs.unit",
                object_id=pk,
                object_repr=before["name"],
                before=before,
            )
    except ProtectedError as exc:
        raise Conflict(
            _(
                "This unit cannot be deleted: it still has sub-units, members or records. Deactivate it instead."
            ),
            code="in_use",
        ) from exc


# --- comparable groups -------------------------------------------------------------


def save_group(
    *,
    actor: Person,
    code: str,
    name: str,
    description: str = "",
    group: ComparableGroup | None = None,
    expected_version: int | None = None,
) -> ComparableGroup:
    policy.require(actor, Action.MANAGE_UNITS)
    if not policy.unit_scope(actor, Action.MANAGE_UNITS).everything:
        raise Forbidden(
            _(
                "Only administrators whose scope is the whole organisation may manage comparable groups."
            )
        )
    details = []
    if not CODE_RE.match(code or ""):
        details.append(
            ErrorDetail(
                field="code", value=code, message=_("Use 1–64 letters, digits, '.', '_' or '-'.")
            )
        )
    elif ComparableGroup.objects.filter(code=code).exclude(pk=group.pk if group else None).exists():
        details.append(
            ErrorDetail(field="code", value=code, message=_("This code is already used."))
        )
    if not (name or "").strip():
        details.append(ErrorDetail(field="name", message=_("A name is required.")))
    _fail_if(details, _("The group could not be saved."))
    with transaction.atomic():
        if group is None:
            group = ComparableGroup.objects.create(
                code=code, name=name.strip(), description=description
            )
            record(action="group.create", actor=actor, obj=group, after=snapshot(group))
        else:
            group = ComparableGroup.objects.select_for_update().get(pk=group.pk)
            check_version(group, expected_version, _("The group"))
            before = snapshot(group)
            group.code, group.name, group.description = code, name.strip(), description
            group.version += 1
            group.save(update_fields=["code", "name", "description", "version"])
            record(
                action="group.update", actor=actor, obj=group, before=before, after=snapshot(group)
            )
    return group


# --- people ---------------------------------------------------------------------


def _validate_person_fields(
    *, username: str, name: str, email: str, exclude_pk: int | None = None
) -> list[ErrorDetail]:
    details = []
    if not USERNAME_RE.match(username or ""):
        details.append(
            ErrorDetail(
                field="username",
                value=username,
                message=_(
                    "Use 2–150 letters, digits or . _ @ + -, starting with a letter or digit."
                ),
            )
        )
    elif Person.objects.filter(username__iexact=username).exclude(pk=exclude_pk).exists():
        details.append(
            ErrorDetail(field="username", value=username, message=_("This username is taken."))
        )
    if not (name or "").strip():
        details.append(ErrorDetail(field="name", message=pgettext("person", "A name is required.")))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            details.append(
                ErrorDetail(field="email", value=email, message=_("Not a valid e-mail address."))
            )
    return details


def create_person(
    *,
    actor: Person,
    username: str,
    name: str,
    email: str = "",
    phone: str = "",
    employee_no: str = "",
    password: str | None = None,
) -> Person:
    """A new account. Without a password it cannot log in until an administrator sets one."""
    policy.require(actor, Action.MANAGE_PEOPLE)
    details = _validate_person_fields(username=username, name=name, email=email)
    candidate = Person(username=username, name=name, email=email)
    if password:
        try:
            password_validation.validate_password(password, candidate)
        except ValidationError as exc:
            details += [ErrorDetail(field="password", message=str(m)) for m in exc.messages]
    _fail_if(details, _("The person could not be saved."))
    with transaction.atomic():
        person = Person(
            username=username,
            name=name.strip(),
            email=email,
            phone=phone,
            employee_no=employee_no,
            must_change_password=True,
        )
        if password:
            person.set_password(password)
            person.password_changed_at = timezone.now()
        else:
            person.set_unusable_password()
        person.save()
        record(
            action="person.create", actor=actor, obj=person, after=snapshot(person, PERSON_FIELDS)
        )
    return person


def update_person(
    *,
    actor: Person,
    person: Person,
    expected_version: int | None,
    name: str,
    email: str = "",
    phone: str = "",
    employee_no: str = "",
) -> Person:
    policy.require(actor, Action.MANAGE_PEOPLE)
    _fail_if(
        _validate_person_fields(
            username=person.username, name=name, email=email, exclude_pk=person.pk
        ),
        _("The person could not be saved."),
    )
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        check_version(person, expected_version, _("The person"))
        before = snapshot(person, PERSON_FIELDS)
        person.name, person.email, person.phone, person.employee_no = (
            name.strip(),
            email,
            phone,
            employee_no,
        )
        person.version += 1
        person.save(update_fields=["name", "email", "phone", "employee_no", "version"])
        record(
            action="person.update",
            actor=actor,
            obj=person,
            before=before,
            after=snapshot(person, PERSON_FIELDS),
        )
    return person


def set_person_active(
    *, actor: Person, person: Person, active: bool, expected_version: int | None
) -> Person:
    policy.require(actor, Action.MANAGE_PEOPLE)
    if person.pk == actor.pk and not active:
        raise ValidationFailed(
            _("You cannot deactivate your own account."),
            [ErrorDetail(field="is_active", message=_("You cannot deactivate your own account."))],
        )
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        check_version(person, expected_version, _("The person"))
        if not active:
            _refuse_removing_last_admin(person)
        before = snapshot(person, PERSON_FIELDS)
        person.is_active = active
        person.version += 1
        person.save(update_fields=["is_active", "version"])
        if not active:
            person.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        record(
            action="person.activate" if active else "person.deactivate",
            actor=actor,
            obj=person,
            before=before,
            after=snapshot(person, PERSON_FIELDS),
        )
    return person


def _refuse_removing_last_admin(person: Person, membership: Membership | None = None) -> None:
    admins = Membership.objects.filter(role=Role.SYSTEM_ADMIN, person__is_active=True)
    remaining = (
        admins.exclude(person=person) if membership is None else admins.exclude(pk=membership.pk)
    )
    is_admin = (
        admins.filter(person=person).exists()
        if membership is None
        else membership.role == Role.SYSTEM_ADMIN
    )
    if is_admin and not remaining.exists():
        raise Conflict(
            _("This is the last active system administrator; appoint another one first."),
            code="last_admin",
        )


# --- memberships --------------------------------------------------------------------


def add_membership(
    *, actor: Person, person: Person, unit: Unit, role: str, title: str = ""
) -> Membership:
    policy.require(actor, Action.MANAGE_MEMBERSHIPS, unit)
    details = []
    if role not in Role.values:
        details.append(ErrorDetail(field="role", value=role, message=_("Unknown role.")))
    if not unit.is_active:
        details.append(
            ErrorDetail(field="unit", value=unit.code, message=_("The unit is inactive."))
        )
    if details:
        raise ValidationFailed(_("The membership could not be saved."), details)
    with transaction.atomic():
        # Lock the person so that two role changes for one person are checked one after the other.
        Person.objects.select_for_update().filter(pk=person.pk).first()
        held = set(person.memberships.values_list("role", flat=True))
        if Membership.objects.filter(person=person, unit=unit, role=role).exists():
            raise Conflict(_("This person already has this role in this unit."), code="duplicate")
        clash = (held | {role}) & EXCLUSIVE_ROLES
        if clash and len(held | {role}) > 1:
            raise ValidationFailed(
                _(
                    "Separated duties: the system administrator and the security auditor roles cannot be combined "
                    "with any other role."
                ),
                [
                    ErrorDetail(
                        field="role",
                        value=role,
                        message=_("This role conflicts with the person's other roles."),
                    )
                ],
            )
        membership = Membership.objects.create(person=person, unit=unit, role=role, title=title)
        record(action="membership.create", actor=actor, obj=membership, after=snapshot(membership))
    policy.forget(person)
    return membership


def remove_membership(*, actor: Person, membership: Membership) -> None:
    policy.require(actor, Action.MANAGE_MEMBERSHIPS, membership.unit)
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update().select_related("person").get(pk=membership.pk)
        )
        _refuse_removing_last_admin(membership.person, membership)
        before = snapshot(membership)
        pk = membership.pk
        membership.delete()
        record(
            action="membership.delete",
            actor=actor,
            object_type="orgs.membership",
            object_id=pk,
            object_repr=f"{before['person']}@{before['unit']}:{before['role']}",
            before=before,
        )
