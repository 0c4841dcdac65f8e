"""Pages of the organisation: the unit tree, units, comparable groups, people and import."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govperf.accounts import services as account_services
from govperf.core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from govperf.core.forms import apply_errors
from govperf.core.http import XLSX, attachment
from govperf.orgs import importing, policy, selectors, services
from govperf.orgs.forms import (
    GroupForm,
    ImportForm,
    MembershipForm,
    MoveUnitForm,
    PersonForm,
    SetPasswordForm,
    UnitForm,
)
from govperf.orgs.models import ComparableGroup
from govperf.orgs.policy import Action
from govperf.orgs.roles import Role, UnitKind


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- tree and units -------------------------------------------------------------------


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Action.VIEW_UNITS)
    search = request.GET.get("q", "").strip()
    context = {
        "search": search,
        "kinds": UnitKind.choices,
        "can_manage": policy.can(request.user, Action.MANAGE_UNITS),
    }
    if search:
        context["results"] = selectors.visible_units(request.user, search=search)[:200]
    else:
        roots = selectors.tree_roots(request.user)
        # Open the first level: a city's departments are what people look for first.
        for root in roots:
            root.open_children = selectors.children(request.user, root) if root.child_count else []
        context["roots"] = roots
    template = "orgs/tree.html#results" if request.htmx else "orgs/tree.html"
    return render(request, template, context)


@login_required
def children(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.get_unit(request.user, pk)
    return render(
        request, "orgs/_tree_nodes.html", {"nodes": selectors.children(request.user, unit)}
    )


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    unit = selectors.get_unit(user, pk)
    context = {
        "unit": unit,
        "ancestors": [a for a in selectors.ancestors(unit) if policy.can_see(user, a)],
        "children": selectors.children(user, unit),
        "members": selectors.unit_members(user, unit),
        "can_manage": policy.can(user, Action.MANAGE_UNITS, unit),
        "can_view_people": policy.can(user, Action.VIEW_PEOPLE, unit),
    }
    return render(request, "orgs/unit_detail.html", context)


@login_required
def unit_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    parent = (
        selectors.get_unit(user, request.GET["parent"], Action.MANAGE_UNITS)
        if request.GET.get("parent")
        else None
    )
    if parent is None:
        policy.require(user, Action.MANAGE_UNITS)
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = services.create_unit(
                actor=user,
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                parent=parent,
                sort_order=data["sort_order"] or 0,
                groups=list(data["groups"]),
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Unit %(name)s created.") % {"name": unit.name})
            return redirect("orgs:unit", unit.pk)
    return render(request, "orgs/unit_form.html", {"form": form, "parent": parent})


@login_required
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    unit = selectors.get_unit(user, pk, Action.MANAGE_UNITS)
    initial = {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "sort_order": unit.sort_order,
        "groups": list(unit.groups.all()),
        "version": unit.version,
    }
    form = UnitForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_unit(
                actor=user,
                unit=unit,
                expected_version=data["version"],
                name=data["name"],
                kind=data["kind"],
                sort_order=data["sort_order"] or 0,
                groups=list(data["groups"]),
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Unit saved."))
            return redirect("orgs:unit", unit.pk)
    return render(request, "orgs/unit_form.html", {"form": form, "unit": unit})


@login_required
def unit_move(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    unit = selectors.get_unit(user, pk, Action.MANAGE_UNITS)
    parents = (
        policy.units(user, Action.MANAGE_UNITS)
        .filter(is_active=True)
        .exclude(path__startswith=unit.path)
    )
    form = MoveUnitForm(
        request.POST or None,
        parents=parents,
        initial={"parent": unit.parent_id, "version": unit.version},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.move_unit(
                actor=user,
                unit=unit,
                new_parent=form.cleaned_data["parent"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Unit moved."))
            return redirect("orgs:unit", unit.pk)
    return render(request, "orgs/unit_move.html", {"form": form, "unit": unit})


@login_required
@require_POST
def unit_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.get_unit(request.user, pk, Action.MANAGE_UNITS)
    active = request.POST.get("active") == "1"
    services.set_unit_active(
        actor=request.user,
        unit=unit,
        active=active,
        expected_version=_int_or_none(request.POST.get("version")),
    )
    messages.success(request, _("Unit activated.") if active else _("Unit deactivated."))
    return redirect("orgs:unit", unit.pk)


# --- comparable groups -------------------------------------------------------------------


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Action.VIEW_UNITS)
    can_manage = policy.unit_scope(request.user, Action.MANAGE_UNITS).everything
    if request.method == "POST" and not can_manage:
        raise Forbidden(
            _("You do not have permission to do this."), action=str(Action.MANAGE_UNITS)
        )
    form = GroupForm(request.POST or None) if can_manage else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_group(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                description=data["description"],
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Comparable group saved."))
            return redirect("orgs:groups")
    return render(request, "orgs/groups.html", {"groups": selectors.groups(), "form": form})


@login_required
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = ComparableGroup.objects.filter(pk=pk).first()
    if group is None:
        raise NotFound(_("Comparable group not found."))
    initial = {
        "code": group.code,
        "name": group.name,
        "description": group.description,
        "version": group.version,
    }
    form = GroupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_group(
                actor=request.user,
                group=group,
                code=data["code"],
                name=data["name"],
                description=data["description"],
                expected_version=data["version"],
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Comparable group saved."))
            return redirect("orgs:groups")
    elif request.method == "GET":
        policy.require(request.user, Action.MANAGE_UNITS)
    return render(request, "orgs/group_form.html", {"form": form, "group": group})


# --- people ------------------------------------------------------------------------------


@login_required
def people(request: HttpRequest) -> HttpResponse:
    user = request.user
    policy.require(user, Action.VIEW_PEOPLE)
    search = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    unit = (
        selectors.get_unit(user, request.GET["unit"])
        if request.GET.get("unit", "").isdigit()
        else None
    )
    qs = selectors.visible_people(
        user, search=search, role=role if role in Role.values else "", unit=unit
    )
    page = Paginator(qs.prefetch_related("memberships__unit"), 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "search": search,
        "role": role,
        "unit": unit,
        "roles": Role.choices,
        "can_manage": policy.can(user, Action.MANAGE_PEOPLE),
    }
    template = "orgs/people.html#results" if request.htmx else "orgs/people.html"
    return render(request, template, context)


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    person = selectors.get_person(user, pk)
    can_manage = policy.can(user, Action.MANAGE_PEOPLE)
    context = {
        "person": person,
        "memberships": [
            m for m in selectors.memberships_of(person) if policy.can_see(user, m.unit)
        ],
        "can_manage": can_manage,
        "membership_form": MembershipForm(
            units=policy.units(user, Action.MANAGE_MEMBERSHIPS).filter(is_active=True)
        )
        if policy.can(user, Action.MANAGE_MEMBERSHIPS)
        else None,
        "password_form": SetPasswordForm() if can_manage else None,
        "has_otp": account_services.confirmed_totp_device(person) is not None,
    }
    return render(request, "orgs/person_detail.html", context)


@login_required
def person_create(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Action.MANAGE_PEOPLE)
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.create_person(
                actor=request.user,
                username=data["username"],
                name=data["name"],
                email=data["email"],
                phone=data["phone"],
                employee_no=data["employee_no"],
                password=data["password"] or None,
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("Account %(username)s created.") % {"username": person.username}
            )
            return redirect("orgs:person", person.pk)
    return render(request, "orgs/person_form.html", {"form": form})


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    policy.require(user, Action.MANAGE_PEOPLE)
    person = selectors.get_person(user, pk)
    initial = {
        f: getattr(person, f)
        for f in ("username", "name", "email", "phone", "employee_no", "version")
    }
    form = PersonForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_person(
                actor=user,
                person=person,
                expected_version=data["version"],
                name=data["name"],
                email=data["email"],
                phone=data["phone"],
                employee_no=data["employee_no"],
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("orgs:person", person.pk)
    return render(request, "orgs/person_form.html", {"form": form, "person": person})


@login_required
@require_POST
def person_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The administrator's buttons on a person: activate, deactivate, set password, unlock, reset 2FA."""
    user = request.user
    person = selectors.get_person(user, pk)
    version = _int_or_none(request.POST.get("version"))
    if action in ("activate", "deactivate"):
        services.set_person_active(
            actor=user, person=person, active=action == "activate", expected_version=version
        )
        messages.success(
            request, _("Account activated.") if action == "activate" else _("Account deactivated.")
        )
    elif action == "password":
        form = SetPasswordForm(request.POST)
        if form.is_valid():
            try:
                account_services.set_password(
                    actor=user, person=person, new_password=form.cleaned_data["password"]
                )
            except ValidationFailed as exc:
                for d in exc.details:
                    messages.error(request, d.message)
            else:
                messages.success(
                    request, _("Password set; the person must change it at the next sign-in.")
                )
    elif action == "unlock":
        account_services.unlock(actor=user, person=person)
        messages.success(request, _("Sign-in lock lifted."))
    elif action == "reset-otp":
        account_services.reset_totp(actor=user, person=person)
        messages.success(
            request, _("Second factor cleared; the person sets it up again at the next sign-in.")
        )
    else:
        raise NotFound(_("Unknown action."))
    return redirect("orgs:person", person.pk)


@login_required
@require_POST
def membership_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    policy.require(user, Action.MANAGE_MEMBERSHIPS)
    person = selectors.get_person(user, pk)
    form = MembershipForm(
        request.POST, units=policy.units(user, Action.MANAGE_MEMBERSHIPS).filter(is_active=True)
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_membership(
                actor=user, person=person, unit=data["unit"], role=data["role"], title=data["title"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Role assigned."))
    else:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
    return redirect("orgs:person", person.pk)


@login_required
@require_POST
def membership_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = selectors.get_membership(request.user, pk)
    person_pk = membership.person_id
    try:
        services.remove_membership(actor=request.user, membership=membership)
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Role removed."))
    return redirect("orgs:person", person_pk)


# --- import ---------------------------------------------------------------------------------


IMPORT_STASH_KEY = "orgs_import_stash"


def _stash_upload(request: HttpRequest, *, kind: str, filename: str, data: bytes) -> str:
    """Keep a previewed file until it is confirmed, so the user does not upload it twice."""
    folder = settings.MEDIA_ROOT / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    stash_id = secrets.token_hex(16)
    (folder / stash_id).write_bytes(data)
    request.session[IMPORT_STASH_KEY] = {"id": stash_id, "kind": kind, "filename": filename}
    return stash_id


def _take_stash(request: HttpRequest, stash_id: str) -> tuple[str, str, bytes] | None:
    stash = request.session.get(IMPORT_STASH_KEY)
    if not stash or stash["id"] != stash_id:
        return None
    path = settings.MEDIA_ROOT / "imports" / stash["id"]
    if not path.exists():
        return None
    data = path.read_bytes()
    path.unlink()
    del request.session[IMPORT_STASH_KEY]
    return stash["kind"], stash["filename"], data


@login_required
def import_view(request: HttpRequest) -> HttpResponse:
    """Upload → preview (nothing written) → confirm (all or nothing)."""
    user = request.user
    if not policy.can(user, Action.MANAGE_UNITS):
        policy.require(user, Action.MANAGE_PEOPLE)
    confirming = request.method == "POST" and "stash" in request.POST
    form = ImportForm(
        None if confirming else (request.POST or None),
        None if confirming else (request.FILES or None),
    )
    context: dict = {"form": form}
    try:
        if confirming:
            taken = _take_stash(request, request.POST["stash"])
            if taken is None:
                messages.error(request, _("The previewed file has expired; upload it again."))
                return redirect("orgs:import")
            kind, filename, data = taken
            plan = importing.plan_file(actor=user, kind=kind, data=data, filename=filename)
            if kind == "units":
                summary, passwords = (
                    importing.apply_units(actor=user, plan=plan, filename=filename),
                    [],
                )
            else:
                summary, passwords = importing.apply_people(
                    actor=user, plan=plan, filename=filename
                )
            context.update(imported=summary, passwords=passwords)
        elif request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            plan = importing.plan_file(
                actor=user, kind=form.cleaned_data["kind"], data=data, filename=upload.name
            )
            context["plan"] = plan
            if plan.ok:
                context["stash"] = _stash_upload(
                    request, kind=plan.kind, filename=upload.name, data=data
                )
    except ValidationFailed as exc:
        context["error"] = exc
    return render(request, "orgs/import.html", context)


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in ("units", "people"):
        raise NotFound(_("Unknown template."))
    policy.require(request.user, Action.MANAGE_UNITS if kind == "units" else Action.MANAGE_PEOPLE)
    return attachment(importing.template_workbook(kind), XLSX, f"govperf-{kind}-template.xlsx")
