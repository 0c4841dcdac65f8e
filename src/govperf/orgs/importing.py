"""Excel/CSV import of units and of people with their roles.

Two passes: ``plan_*`` reads and checks the whole file without writing and
returns either located errors or the list of changes (the dry-run preview);
``apply_*`` runs the same plan through the services in one transaction, so a
file is imported completely or not at all.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from govperf.audit.services import record
from govperf.core.errors import DomainError, ErrorDetail, ValidationFailed
from govperf.core.tabular import Table, map_columns, read_table, write_xlsx
from govperf.orgs import policy, services
from govperf.orgs.models import ComparableGroup, Membership, Person, Unit
from govperf.orgs.policy import Action
from govperf.orgs.roles import Role, UnitKind

UNIT_COLUMNS = {
    "code": ["编码", "单位编码"],
    "name": ["名称", "单位名称"],
    "kind": ["type", "类型", "单位类型"],
    "parent": ["parent_code", "上级编码", "上级单位编码"],
    "groups": ["可比组", "comparable_groups"],
    "sort_order": ["order", "排序"],
}
PEOPLE_COLUMNS = {
    "username": ["用户名", "账号"],
    "name": ["姓名"],
    "email": ["邮箱", "电子邮箱"],
    "phone": ["电话", "手机"],
    "employee_no": ["工号"],
    "unit": ["unit_code", "单位编码"],
    "role": ["角色"],
    "title": ["职务"],
}


def _choice_lookup(choices: Any) -> dict[str, str]:
    """Values and their labels in every language map to the value."""
    lookup: dict[str, str] = {}
    for lang in ("en", "zh-hans"):
        with translation.override(lang):
            for value, label in choices.choices:
                lookup[str(label).strip().lower()] = value
    for value in choices.values:
        lookup[value.lower()] = value
    return lookup


@dataclass
class ImportPlan:
    kind: str
    rows: int = 0
    creates: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    errors: list[ErrorDetail] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "create": len(self.creates),
            "update": len(self.updates),
            "unchanged": self.unchanged,
        }


def _cell(cells: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return cells[index].strip() if index is not None and index < len(cells) else ""


def _error(
    table: Table, columns: dict[str, int], row: int, name: str, message: str, value: str = ""
) -> ErrorDetail:
    index = columns.get(name)
    column = table.column_label(index) if index is not None else name
    return ErrorDetail(row=row, column=column, value=value or None, message=message)


# --- units -------------------------------------------------------------------------


def plan_units(*, actor: Person, table: Table) -> ImportPlan:
    policy.require(actor, Action.MANAGE_UNITS)
    columns = map_columns(table, UNIT_COLUMNS, required=("code", "name", "kind"))
    plan = ImportPlan(kind="units", rows=len(table.rows))
    kinds = _choice_lookup(UnitKind)
    existing = {u.code: u for u in Unit.objects.prefetch_related("groups")}
    group_codes = set(ComparableGroup.objects.values_list("code", flat=True))
    seen: dict[str, int] = {}
    parsed: list[dict[str, Any]] = []
    for number, cells in table.rows:
        code, name = _cell(cells, columns, "code"), _cell(cells, columns, "name")
        kind_raw, parent = _cell(cells, columns, "kind"), _cell(cells, columns, "parent")
        row_errors = []
        if not services.CODE_RE.match(code):
            row_errors.append(
                _error(table, columns, number, "code", _("Invalid or empty code."), code)
            )
        elif code in seen:
            row_errors.append(
                _error(
                    table,
                    columns,
                    number,
                    "code",
                    _("Duplicate of row %(row)d.") % {"row": seen[code]},
                    code,
                )
            )
        else:
            seen[code] = number
        if not name:
            row_errors.append(_error(table, columns, number, "name", _("A name is required.")))
        kind = kinds.get(kind_raw.lower())
        if kind is None:
            row_errors.append(
                _error(table, columns, number, "kind", _("Unknown unit type."), kind_raw)
            )
        groups = [
            g.strip()
            for g in _cell(cells, columns, "groups").replace("；", ";").replace(",", ";").split(";")
            if g.strip()
        ]
        for g in groups:
            if g not in group_codes:
                row_errors.append(
                    _error(table, columns, number, "groups", _("Unknown comparable group."), g)
                )
        order_raw = _cell(cells, columns, "sort_order") or "0"
        try:
            sort_order = int(order_raw)
        except ValueError:
            row_errors.append(
                _error(table, columns, number, "sort_order", _("Not a whole number."), order_raw)
            )
            sort_order = 0
        plan.errors += row_errors
        parsed.append(
            {
                "row": number,
                "code": code,
                "name": name,
                "kind": kind,
                "parent": parent,
                "groups": sorted(groups),
                "sort_order": sort_order,
            }
        )
    file_codes = {p["code"] for p in parsed}
    for item in parsed:
        parent = item["parent"]
        if parent and parent not in file_codes and parent not in existing:
            plan.errors.append(
                _error(table, columns, item["row"], "parent", _("Unknown parent unit."), parent)
            )
        if parent == item["code"]:
            plan.errors.append(
                _error(
                    table,
                    columns,
                    item["row"],
                    "parent",
                    _("A unit cannot be its own parent."),
                    parent,
                )
            )
    if plan.errors:
        return plan
    try:
        ordered = _parents_first(parsed, existing)
    except ValidationFailed as exc:
        plan.errors += exc.details
        return plan
    for item in ordered:
        unit = existing.get(item["code"])
        if unit is None:
            plan.creates.append(item)
            continue
        current = {
            "name": unit.name,
            "kind": unit.kind,
            "parent": unit.parent.code if unit.parent_id else "",
            "groups": sorted(g.code for g in unit.groups.all()),
            "sort_order": unit.sort_order,
        }
        wanted = {k: item[k] for k in current}
        if "groups" not in columns:
            wanted["groups"] = current["groups"]
        if "sort_order" not in columns:
            wanted["sort_order"] = current["sort_order"]
        if "parent" not in columns:
            wanted["parent"] = current["parent"]
        if wanted != current:
            plan.updates.append({**item, **wanted, "before": current})
        else:
            plan.unchanged += 1
    return plan


def _parents_first(parsed: list[dict[str, Any]], existing: dict[str, Unit]) -> list[dict[str, Any]]:
    by_code = {p["code"]: p for p in parsed}
    ordered: list[dict[str, Any]] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(item: dict[str, Any]) -> None:
        code = item["code"]
        if state.get(code) == 2:
            return
        if state.get(code) == 1:
            raise ValidationFailed(
                _("The parent codes form a loop."),
                [
                    ErrorDetail(
                        row=item["row"],
                        column="parent",
                        value=code,
                        message=_("The parent codes form a loop."),
                    )
                ],
            )
        state[code] = 1
        parent = by_code.get(item["parent"])
        if parent is not None:
            visit(parent)
        state[code] = 2
        ordered.append(item)

    for item in parsed:
        visit(item)
    return ordered


@transaction.atomic
def apply_units(*, actor: Person, plan: ImportPlan, filename: str = "") -> dict[str, int]:
    if not plan.ok:
        raise ValidationFailed(_("The file has errors; nothing was imported."), plan.errors)
    groups = {g.code: g for g in ComparableGroup.objects.all()}
    for item in plan.creates + plan.updates:
        try:
            _apply_unit(actor, item, groups)
        except DomainError as exc:
            details = exc.details or [ErrorDetail(message=str(exc.message))]
            raise ValidationFailed(
                _("Row %(row)d could not be imported; nothing was imported.")
                % {"row": item["row"]},
                [
                    ErrorDetail(
                        row=item["row"],
                        column=d.field or d.column,
                        value=d.value,
                        message=d.message,
                    )
                    for d in details
                ],
            ) from exc
    summary = plan.summary()
    record(
        action="import.units",
        actor=actor,
        object_type="import",
        object_id=filename[:64],
        after=summary,
    )
    return summary


def _apply_unit(actor: Person, item: dict[str, Any], groups: dict[str, ComparableGroup]) -> None:
    parent = Unit.objects.get(code=item["parent"]) if item["parent"] else None
    unit = Unit.objects.filter(code=item["code"]).first()
    chosen = [groups[g] for g in item["groups"]]
    if unit is None:
        services.create_unit(
            actor=actor,
            code=item["code"],
            name=item["name"],
            kind=item["kind"],
            parent=parent,
            sort_order=item["sort_order"],
            groups=chosen,
        )
        return
    if parent is not None and unit.parent_id != parent.pk:
        unit = services.move_unit(actor=actor, unit=unit, new_parent=parent, expected_version=None)
    services.update_unit(
        actor=actor,
        unit=unit,
        expected_version=None,
        name=item["name"],
        kind=item["kind"],
        sort_order=item["sort_order"],
        groups=chosen,
    )


# --- people -------------------------------------------------------------------------


def plan_people(*, actor: Person, table: Table) -> ImportPlan:
    policy.require(actor, Action.MANAGE_PEOPLE)
    columns = map_columns(table, PEOPLE_COLUMNS, required=("username", "name"))
    plan = ImportPlan(kind="people", rows=len(table.rows))
    roles = _choice_lookup(Role)
    units = {u.code: u for u in Unit.objects.filter(is_active=True)}
    existing = {p.username.lower(): p for p in Person.objects.all()}
    held = {(m.person_id, m.unit_id, m.role) for m in Membership.objects.all()}
    people: dict[str, dict[str, Any]] = {}
    seen_memberships: dict[tuple[str, str, str], int] = {}
    for number, cells in table.rows:
        username = _cell(cells, columns, "username")
        fields = {f: _cell(cells, columns, f) for f in ("name", "email", "phone", "employee_no")}
        if not services.USERNAME_RE.match(username):
            plan.errors.append(
                _error(
                    table, columns, number, "username", _("Invalid or empty username."), username
                )
            )
            continue
        if not fields["name"]:
            plan.errors.append(_error(table, columns, number, "name", _("A name is required.")))
        key = username.lower()
        if key in people:
            first = people[key]
            for f, value in fields.items():
                if value and first[f] and value != first[f]:
                    plan.errors.append(
                        _error(
                            table,
                            columns,
                            number,
                            f,
                            _("Differs from row %(row)d for the same username.")
                            % {"row": first["row"]},
                            value,
                        )
                    )
        else:
            people[key] = {"row": number, "username": username, **fields, "memberships": []}
        unit_code, role_raw = _cell(cells, columns, "unit"), _cell(cells, columns, "role")
        if unit_code or role_raw:
            unit = units.get(unit_code)
            role = roles.get(role_raw.lower())
            if unit is None:
                plan.errors.append(
                    _error(
                        table, columns, number, "unit", _("Unknown or inactive unit."), unit_code
                    )
                )
            if role is None:
                plan.errors.append(
                    _error(table, columns, number, "role", _("Unknown role."), role_raw)
                )
            if unit is not None and role is not None:
                mkey = (key, unit.code, role)
                if mkey in seen_memberships:
                    plan.errors.append(
                        _error(
                            table,
                            columns,
                            number,
                            "role",
                            _("Duplicate of row %(row)d.") % {"row": seen_memberships[mkey]},
                            role_raw,
                        )
                    )
                seen_memberships[mkey] = number
                people[key]["memberships"].append(
                    {
                        "row": number,
                        "unit": unit.code,
                        "role": role,
                        "title": _cell(cells, columns, "title"),
                    }
                )
    if plan.errors:
        return plan
    for key, item in people.items():
        person = existing.get(key)
        if person is None:
            plan.creates.append(item)
            continue
        changed = {
            f: item[f]
            for f in ("name", "email", "phone", "employee_no")
            if f in columns and item[f] != getattr(person, f)
        }
        new_memberships = [
            m
            for m in item["memberships"]
            if (person.pk, units[m["unit"]].pk, m["role"]) not in held
        ]
        if changed or new_memberships:
            plan.updates.append({**item, "changed": changed, "memberships": new_memberships})
        else:
            plan.unchanged += 1
    return plan


def _initial_password() -> str:
    # Twelve characters from all four classes; the owner must replace it at first sign-in.
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = (
            "".join(secrets.choice(alphabet) for _i in range(10))
            + secrets.choice("!@#%&*")
            + secrets.choice(string.digits)
        )
        if any(c.islower() for c in candidate) and any(c.isupper() for c in candidate):
            return candidate


@transaction.atomic
def apply_people(
    *, actor: Person, plan: ImportPlan, filename: str = ""
) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Import; returns the summary and the initial passwords of new accounts (shown once)."""
    if not plan.ok:
        raise ValidationFailed(_("The file has errors; nothing was imported."), plan.errors)
    units = {u.code: u for u in Unit.objects.filter(is_active=True)}
    passwords: list[tuple[str, str]] = []
    for item in plan.creates + plan.updates:
        try:
            person = Person.objects.filter(username__iexact=item["username"]).first()
            if person is None:
                password = _initial_password()
                person = services.create_person(
                    actor=actor,
                    username=item["username"],
                    name=item["name"],
                    email=item["email"],
                    phone=item["phone"],
                    employee_no=item["employee_no"],
                    password=password,
                )
                passwords.append((person.username, password))
            elif item.get("changed"):
                values = {
                    f: item["changed"].get(f, getattr(person, f))
                    for f in ("name", "email", "phone", "employee_no")
                }
                person = services.update_person(
                    actor=actor, person=person, expected_version=None, **values
                )
            for m in item["memberships"]:
                services.add_membership(
                    actor=actor,
                    person=person,
                    unit=units[m["unit"]],
                    role=m["role"],
                    title=m["title"],
                )
        except DomainError as exc:
            details = exc.details or [ErrorDetail(message=str(exc.message))]
            raise ValidationFailed(
                _("Row %(row)d could not be imported; nothing was imported.")
                % {"row": item["row"]},
                [
                    ErrorDetail(
                        row=item["row"],
                        column=d.field or d.column,
                        value=d.value,
                        message=d.message,
                    )
                    for d in details
                ],
            ) from exc
    summary = plan.summary()
    record(
        action="import.people",
        actor=actor,
        object_type="import",
        object_id=filename[:64],
        after=summary,
    )
    return summary, passwords


# --- shared entry points ---------------------------------------------------------------


MAX_BYTES = 5 * 1024 * 1024


def plan_file(*, actor: Person, kind: str, data: bytes, filename: str) -> ImportPlan:
    table = read_table(data, filename, max_bytes=MAX_BYTES)
    return (
        plan_units(actor=actor, table=table)
        if kind == "units"
        else plan_people(actor=actor, table=table)
    )


def template_workbook(kind: str) -> bytes:
    """An empty template with the headers in the current language and one example row."""
    zh = translation.get_language() == "zh-hans"
    if kind == "units":
        headers = (
            ["编码", "名称", "类型", "上级编码", "可比组", "排序"] if zh else list(UNIT_COLUMNS)
        )
        example = ["edu", "教育局", "department", "city", "service", 10]
    else:
        headers = (
            ["用户名", "姓名", "邮箱", "电话", "工号", "单位编码", "角色", "职务"]
            if zh
            else list(PEOPLE_COLUMNS)
        )
        example = [
            "zhangsan",
            "张三",
            "zhangsan@example.gov.cn",
            "",
            "A001",
            "edu",
            "unit_coordinator",
            "科员",
        ]
    return write_xlsx(headers, [example], title=kind)
