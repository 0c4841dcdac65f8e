"""API: units, comparable groups, people and memberships."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from govperf.core.errors import ErrorDetail, NotFound, ValidationFailed
from govperf.core.pagination import Pagination
from govperf.core.schemas import ERRORS
from govperf.orgs import importing, policy, selectors, services
from govperf.orgs.models import ComparableGroup, Membership
from govperf.orgs.policy import Action
from govperf.orgs.schemas import (
    GroupIn,
    GroupOut,
    MembershipIn,
    MembershipOut,
    OrgImportOut,
    PersonFilter,
    PersonIn,
    PersonOut,
    PersonPatch,
    UnitFilter,
    UnitIn,
    UnitOut,
    UnitPatch,
)

router = Router(tags=["organisation"])


def _groups(codes: list[str]) -> list[ComparableGroup]:
    found = {g.code: g for g in ComparableGroup.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationFailed(
            _("Unknown comparable group."),
            [
                ErrorDetail(field="groups", value=c, message=_("Unknown comparable group."))
                for c in missing
            ],
        )
    return [found[c] for c in dict.fromkeys(codes)]


def _import(request: HttpRequest, kind: str, file: UploadedFile, dry_run: bool) -> dict:
    data = file.read(importing.MAX_BYTES + 1)
    plan = importing.plan_file(actor=request.user, kind=kind, data=data, filename=file.name or "")
    if not plan.ok:
        raise ValidationFailed(_("The file has errors; nothing was imported."), plan.errors)
    passwords: list[tuple[str, str]] = []
    if not dry_run:
        if kind == "units":
            importing.apply_units(actor=request.user, plan=plan, filename=file.name or "")
        else:
            _summary, passwords = importing.apply_people(
                actor=request.user, plan=plan, filename=file.name or ""
            )
    return {
        "dry_run": dry_run,
        **plan.summary(),
        "initial_passwords": [{"username": u, "password": p} for u, p in passwords],
    }


# --- units ---------------------------------------------------------------------------


@router.get("/units", response={200: list[UnitOut], **ERRORS}, summary="Units the caller may see")
@paginate(Pagination)
def list_units(request: HttpRequest, filters: Query[UnitFilter]):
    policy.require(request.user, Action.VIEW_UNITS)
    qs = selectors.visible_units(
        request.user,
        search=filters.q,
        kind=filters.kind or "",
        group=filters.group,
        active=filters.active,
    )
    if filters.parent:
        qs = qs.filter(parent__code=filters.parent)
    return qs.select_related("parent").prefetch_related("groups")


@router.post(
    "/units/import",
    response={200: OrgImportOut, **ERRORS},
    summary="Import units from .xlsx or .csv (all or nothing; ?dry_run=true only checks)",
)
def import_units(request: HttpRequest, file: File[UploadedFile], dry_run: bool = False):
    return _import(request, "units", file, dry_run)


@router.get("/units/{code}", response={200: UnitOut, **ERRORS}, summary="One unit")
def get_unit(request: HttpRequest, code: str):
    return selectors.get_unit_by_code(request.user, code)


@router.post("/units", response={201: UnitOut, **ERRORS}, summary="Create a unit")
def create_unit(request: HttpRequest, payload: UnitIn):
    parent = selectors.get_unit_by_code(request.user, payload.parent) if payload.parent else None
    unit = services.create_unit(
        actor=request.user,
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        parent=parent,
        sort_order=payload.sort_order,
        groups=_groups(payload.groups),
    )
    return Status(201, unit)


@router.patch(
    "/units/{code}",
    response={200: UnitOut, **ERRORS},
    summary="Change, move, activate or deactivate a unit",
)
def patch_unit(request: HttpRequest, code: str, payload: UnitPatch):
    user = request.user
    unit = selectors.get_unit_by_code(user, code, Action.MANAGE_UNITS)
    version = payload.version
    if payload.parent is not None and payload.parent != (
        unit.parent.code if unit.parent_id else None
    ):
        new_parent = selectors.get_unit_by_code(user, payload.parent, Action.MANAGE_UNITS)
        unit = services.move_unit(
            actor=user, unit=unit, new_parent=new_parent, expected_version=version
        )
        version = unit.version
    fields = payload.dict(exclude_unset=True)
    if {"name", "kind", "sort_order", "groups"} & fields.keys():
        unit = services.update_unit(
            actor=user,
            unit=unit,
            expected_version=version,
            name=payload.name if payload.name is not None else unit.name,
            kind=payload.kind if payload.kind is not None else unit.kind,
            sort_order=payload.sort_order if payload.sort_order is not None else unit.sort_order,
            groups=_groups(payload.groups)
            if payload.groups is not None
            else list(unit.groups.all()),
        )
        version = unit.version
    if payload.is_active is not None and payload.is_active != unit.is_active:
        unit = services.set_unit_active(
            actor=user, unit=unit, active=payload.is_active, expected_version=version
        )
    return unit


@router.delete(
    "/units/{code}", response={204: None, **ERRORS}, summary="Delete a unit nothing refers to"
)
def delete_unit(request: HttpRequest, code: str):
    unit = selectors.get_unit_by_code(request.user, code, Action.MANAGE_UNITS)
    services.delete_unit(actor=request.user, unit=unit)
    return Status(204, None)


# --- comparable groups ----------------------------------------------------------------


@router.get("/groups", response={200: list[GroupOut], **ERRORS}, summary="Comparable groups")
@paginate(Pagination)
def list_groups(request: HttpRequest):
    policy.require(request.user, Action.VIEW_UNITS)
    return ComparableGroup.objects.order_by("code")


@router.post("/groups", response={201: GroupOut, **ERRORS}, summary="Create a comparable group")
def create_group(request: HttpRequest, payload: GroupIn):
    group = services.save_group(
        actor=request.user, code=payload.code, name=payload.name, description=payload.description
    )
    return Status(201, group)


# --- people ---------------------------------------------------------------------------


@router.get(
    "/people", response={200: list[PersonOut], **ERRORS}, summary="People the caller may see"
)
@paginate(Pagination)
def list_people(request: HttpRequest, filters: Query[PersonFilter]):
    user = request.user
    policy.require(user, Action.VIEW_PEOPLE)
    unit = selectors.get_unit_by_code(user, filters.unit) if filters.unit else None
    return selectors.visible_people(
        user, search=filters.q, role=filters.role or "", unit=unit, active=filters.active
    )


@router.post(
    "/people/import",
    response={200: OrgImportOut, **ERRORS},
    summary="Import people and their roles from .xlsx or .csv (all or nothing; ?dry_run=true only checks)",
)
def import_people(request: HttpRequest, file: File[UploadedFile], dry_run: bool = False):
    return _import(request, "people", file, dry_run)


@router.get("/people/{username}", response={200: PersonOut, **ERRORS}, summary="One person")
def get_person(request: HttpRequest, username: str):
    person = policy.people(request.user).filter(username__iexact=username).first()
    if person is None:
        raise NotFound(_("Person not found."))
    return person


@router.post("/people", response={201: PersonOut, **ERRORS}, summary="Create an account")
def create_person(request: HttpRequest, payload: PersonIn):
    person = services.create_person(
        actor=request.user,
        username=payload.username,
        name=payload.name,
        email=payload.email,
        phone=payload.phone,
        employee_no=payload.employee_no,
        password=payload.password,
    )
    return Status(201, person)


@router.patch(
    "/people/{username}",
    response={200: PersonOut, **ERRORS},
    summary="Change or (de)activate an account",
)
def patch_person(request: HttpRequest, username: str, payload: PersonPatch):
    user = request.user
    policy.require(user, Action.MANAGE_PEOPLE)
    person = get_person(request, username)
    version = payload.version
    fields = payload.dict(exclude_unset=True)
    if {"name", "email", "phone", "employee_no"} & fields.keys():
        person = services.update_person(
            actor=user,
            person=person,
            expected_version=version,
            **{
                f: fields[f] if fields.get(f) is not None else getattr(person, f)
                for f in ("name", "email", "phone", "employee_no")
            },
        )
        version = person.version
    if payload.is_active is not None and payload.is_active != person.is_active:
        person = services.set_person_active(
            actor=user, person=person, active=payload.is_active, expected_version=version
        )
    return person


# --- memberships ------------------------------------------------------------------------


@router.get(
    "/memberships",
    response={200: list[MembershipOut], **ERRORS},
    summary="Memberships in units the caller may see",
)
@paginate(Pagination)
def list_memberships(request: HttpRequest, unit: str = "", username: str = ""):
    user = request.user
    scope = policy.unit_scope(user, Action.VIEW_PEOPLE)
    qs = (
        Membership.objects.filter(scope.q("unit__")).select_related("person", "unit").order_by("pk")
    )
    if unit:
        qs = qs.filter(unit__code=unit)
    if username:
        qs = qs.filter(person__username__iexact=username)
    return qs


@router.post(
    "/memberships",
    response={201: MembershipOut, **ERRORS},
    summary="Give a person a role in a unit",
)
def create_membership(request: HttpRequest, payload: MembershipIn):
    user = request.user
    policy.require(user, Action.MANAGE_MEMBERSHIPS)
    person = get_person(request, payload.username)
    unit = selectors.get_unit_by_code(user, payload.unit, Action.MANAGE_MEMBERSHIPS)
    membership = services.add_membership(
        actor=user, person=person, unit=unit, role=payload.role, title=payload.title
    )
    return Status(201, membership)


@router.delete(
    "/memberships/{membership_id}", response={204: None, **ERRORS}, summary="Remove a role"
)
def delete_membership(request: HttpRequest, membership_id: int):
    membership = selectors.get_membership(request.user, membership_id)
    services.remove_membership(actor=request.user, membership=membership)
    return Status(204, None)
