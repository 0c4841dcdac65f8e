"""Excel/CSV import and export of plan items.

One row is one item of one plan: unit × cycle × indicator × period, with its
weight, core-KPI flag and target values. ``plan_import`` reads and checks the
whole file without writing and returns either located errors (row and column)
or the changes: items to create, to update and — since the file is the plan —
items of the named plans that the file leaves out, to remove. ``apply_import``
runs the same changes through the services in one transaction: a file is
imported completely or not at all.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from govperf.audit.services import record
from govperf.core.errors import DomainError, ErrorDetail, ValidationFailed
from govperf.core.tabular import Table, map_columns, read_table, write_xlsx
from govperf.engine.periods import Period
from govperf.indicators.models import Indicator
from govperf.orgs import policy
from govperf.orgs.models import Person
from govperf.orgs.policy import Action
from govperf.plans import services, workflow
from govperf.plans.models import Cycle, Plan, PlanItem, Target
from govperf.plans.rollup import number

COLUMNS = {
    "unit": ["unit_code", "单位编码"],
    "cycle": ["cycle_code", "考核周期"],
    "indicator": ["indicator_code", "指标编码"],
    "indicator_name": ["指标名称"],
    "period": ["期间"],
    "weight": ["权重"],
    "core": ["is_core", "核心指标"],
    "baseline": ["基线值"],
    "floor": ["基本值"],
    "target": ["目标值"],
    "challenge": ["挑战值"],
    "deadline": ["完成时限"],
    "basis": ["测算依据"],
}
HEADERS_ZH = [
    "单位编码",
    "考核周期",
    "指标编码",
    "指标名称",
    "期间",
    "权重",
    "核心指标",
    "基线值",
    "基本值",
    "目标值",
    "挑战值",
    "完成时限",
    "测算依据",
]
REQUIRED = ("unit", "cycle", "indicator", "weight", "target")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
YES = {"1", "y", "yes", "true", "是", "√", "核心"}
NO = {"", "0", "n", "no", "false", "否", "×"}
VALUES = ("baseline", "floor", "target", "challenge")


@dataclass
class ImportPlan:
    rows: int = 0
    plans: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    creates: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    removes: list[tuple[int, PlanItem]] = field(default_factory=list)  # (row of its plan, item)
    errors: list[ErrorDetail] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "plans": len(self.plans),
            "create": len(self.creates),
            "update": len(self.updates),
            "remove": len(self.removes),
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


def _decimal(text: str) -> Decimal:
    value = Decimal(text.replace(",", "").replace("，", ""))
    if not value.is_finite() or abs(value) >= services.AMOUNT_LIMIT:
        raise InvalidOperation(text)
    if value != value.quantize(Decimal("0.000001")):
        raise InvalidOperation(text)
    return value


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text.replace("/", "-")[:10])


def plan_import(*, actor: Person, table: Table) -> ImportPlan:
    """Check the whole file and list the changes; writes nothing."""
    policy.require(actor, Action.EDIT_PLAN)
    columns = map_columns(table, COLUMNS, required=REQUIRED)
    plan = ImportPlan(rows=len(table.rows))
    units = {u.code: u for u in policy.units(actor, Action.EDIT_PLAN).filter(is_active=True)}
    cycles = {c.code: c for c in Cycle.objects.all()}
    # Only well-formed codes reach the database (PostgreSQL refuses NUL characters in text).
    codes = {
        code
        for _n, cells in table.rows
        if CODE_RE.match(code := _cell(cells, columns, "indicator"))
    }
    indicators = {
        i.code: i for i in Indicator.objects.filter(code__in=codes).select_related("current")
    }
    seen: dict[tuple[str, str, str, str], int] = {}
    for number_, cells in table.rows:

        def err(name: str, message: str, value: str = "", row: int = number_) -> None:
            plan.errors.append(_error(table, columns, row, name, message, value))

        unit_code, cycle_code = _cell(cells, columns, "unit"), _cell(cells, columns, "cycle")
        unit, cycle = units.get(unit_code), cycles.get(cycle_code)
        if unit is None:
            err("unit", _("Unknown unit, or you may not edit its plan."), unit_code)
        if cycle is None:
            err("cycle", _("Unknown cycle."), cycle_code)
        elif cycle.status == Cycle.Status.CLOSED:
            err("cycle", _("The cycle is closed."), cycle_code)
        code = _cell(cells, columns, "indicator")
        indicator = indicators.get(code)
        if indicator is None or not indicator.is_active or indicator.current is None:
            err("indicator", _("Unknown or inactive indicator."), code)
        period_text = _cell(cells, columns, "period") or (cycle.period if cycle else "")
        period = None
        try:
            period = Period.parse(period_text)
        except ValueError:
            err("period", _("Not a period code (e.g. 2026, 2026Q1, 202603)."), period_text)
        if (
            period is not None
            and cycle is not None
            and not Period.parse(cycle.period).contains(period)
        ):
            err("period", _("The period lies outside the cycle."), period_text)
        row: dict[str, Any] = {"row": number_, "unit": unit, "cycle": cycle, "indicator": indicator}
        row["period"] = period.code if period else ""
        weight_text = _cell(cells, columns, "weight")
        try:
            row["weight"] = _decimal(weight_text)
            if not 0 <= row["weight"] <= 100:
                err("weight", _("A weight lies between 0 and 100."), weight_text)
        except (InvalidOperation, ValueError):
            err("weight", _("Not a number."), weight_text)
        core_text = _cell(cells, columns, "core").lower()
        if core_text in YES:
            row["is_core"] = True
        elif core_text in NO:
            row["is_core"] = False
        else:
            err("core", _("Write 是 or 否 (yes or no)."), core_text)
        for name in VALUES:
            text = _cell(cells, columns, name)
            row[name] = None
            if not text:
                if name == "target":
                    err(name, _("A target value is required."))
                continue
            try:
                row[name] = _decimal(text)
            except (InvalidOperation, ValueError):
                err(name, _("Not a number."), text)
        deadline_text = _cell(cells, columns, "deadline")
        row["deadline"] = None
        if deadline_text:
            try:
                row["deadline"] = _date(deadline_text)
            except ValueError:
                err("deadline", _("Not a date (YYYY-MM-DD)."), deadline_text)
        row["basis"] = _cell(cells, columns, "basis")
        if len(row["basis"]) > 5000:
            err("basis", _("At most %(n)d characters.") % {"n": 5000})
        if indicator is not None and indicator.current is not None:
            for d in services.check_target_order(
                indicator.current.direction, {k: row.get(k) for k in VALUES}
            ):
                err(d.field or "target", d.message, d.value or "")
        if unit and cycle and indicator:
            key = (unit.code, cycle.code, indicator.code, row["period"])
            if key in seen:
                err("indicator", _("Duplicate of row %(row)d.") % {"row": seen[key]}, code)
            seen[key] = number_
            group = plan.plans.setdefault(
                (unit.code, cycle.code),
                {"unit": unit, "cycle": cycle, "rows": [], "first": number_},
            )
            group["rows"].append(row)
    if plan.errors:
        return plan
    _list_changes(plan, table, columns)
    return plan


def _list_changes(plan: ImportPlan, table: Table, columns: dict[str, int]) -> None:
    existing = {
        (p.unit.code, p.cycle.code): p
        for p in Plan.objects.filter(
            unit__code__in={k[0] for k in plan.plans}, cycle__code__in={k[1] for k in plan.plans}
        ).select_related("unit", "cycle")
    }
    for key, group in plan.plans.items():
        current = existing.get(key)
        group["plan"] = current
        items: dict[tuple[int, str], PlanItem] = {}
        if current is not None:
            if current.status not in workflow.EDITABLE:
                plan.errors.append(
                    _error(
                        table,
                        columns,
                        group["first"],
                        "unit",
                        _("The plan of %(unit)s is “%(state)s”; it cannot be changed now.")
                        % {"unit": current.unit.name, "state": current.get_status_display()},
                        key[0],
                    )
                )
                continue
            items = {
                (i.target.indicator_id, i.target.period): i
                for i in current.items.select_related("target")
            }
        wanted = set()
        for row in group["rows"]:
            found = items.get((row["indicator"].pk, row["period"]))
            wanted.add((row["indicator"].pk, row["period"]))
            if found is None:
                plan.creates.append(row)
            elif _changed(found, row):
                plan.updates.append({**row, "item": found})
        plan.removes += [(group["first"], i) for k, i in items.items() if k not in wanted]


def _changed(item: PlanItem, row: dict[str, Any]) -> bool:
    target = item.target
    return (
        item.weight != row["weight"]
        or item.is_core != row["is_core"]
        or any(getattr(target, k) != row[k] for k in VALUES)
        or target.deadline != row["deadline"]
        or target.basis != row["basis"]
    )


@transaction.atomic
def apply_import(*, actor: Person, plan: ImportPlan, filename: str = "") -> dict[str, int]:
    if not plan.ok:
        raise ValidationFailed(_("The file has errors; nothing was imported."), plan.errors)
    plans: dict[tuple[str, str], Plan] = {}
    for key, group in plan.plans.items():
        plans[key] = group["plan"] or _guard(
            group["first"],
            lambda g=group: services.create_plan(actor=actor, unit=g["unit"], cycle=g["cycle"]),
        )
    for row, item in plan.removes:
        _guard(row, lambda i=item: services.remove_item(actor=actor, item=i))
    for row in plan.creates + plan.updates:
        target_plan = plans[(row["unit"].code, row["cycle"].code)]
        _guard(row["row"], lambda r=row, p=target_plan: _apply_row(actor, p, r))
    summary = plan.summary()
    record(
        action="import.plans",
        actor=actor,
        object_type="import",
        object_id=filename[:64],
        after=summary,
    )
    return summary


def _guard(row: int, step):
    try:
        return step()
    except DomainError as exc:
        details = exc.details or [ErrorDetail(message=str(exc.message))]
        raise ValidationFailed(
            _("Row %(row)d could not be imported; nothing was imported.") % {"row": row},
            [
                ErrorDetail(row=row, column=d.field or d.column, value=d.value, message=d.message)
                for d in details
            ],
        ) from exc


def _apply_row(actor: Person, plan: Plan, row: dict[str, Any]) -> None:
    values = {k: row[k] for k in VALUES}
    target = Target.objects.filter(
        indicator=row["indicator"], unit=row["unit"], period=row["period"]
    ).first()
    if target is None:
        target = services.create_target(
            actor=actor,
            indicator=row["indicator"],
            unit=row["unit"],
            period=row["period"],
            deadline=row["deadline"],
            basis=row["basis"],
            **values,
        )
    item = plan.items.filter(target=target).first()
    if item is None:
        item = services.add_item(
            actor=actor, plan=plan, target=target, weight=row["weight"], is_core=row["is_core"]
        )
    services.update_item(
        actor=actor,
        item=item,
        expected_version=None,
        weight=row["weight"],
        is_core=row["is_core"],
        baseline=values["baseline"],
        floor=values["floor"],
        target_value=values["target"],
        challenge=values["challenge"],
        deadline=row["deadline"],
        basis=row["basis"],
    )


def plan_file(*, actor: Person, data: bytes, filename: str) -> ImportPlan:
    table = read_table(data, filename, max_bytes=5 * 1024 * 1024)
    return plan_import(actor=actor, table=table)


# --- export ---------------------------------------------------------------------------------------


def _headers() -> list[str]:
    return HEADERS_ZH if translation.get_language() == "zh-hans" else list(COLUMNS)


def export_plan(plan: Plan) -> bytes:
    items = plan.items.select_related("target__indicator", "target__indicator_version").order_by(
        "sort_order", "pk"
    )
    rows = [
        [
            plan.unit.code,
            plan.cycle.code,
            i.target.indicator.code,
            i.target.indicator_version.name,
            i.target.period,
            number(i.weight),
            "是" if i.is_core else "否",
            number(i.target.baseline),
            number(i.target.floor),
            number(i.target.target),
            number(i.target.challenge),
            i.target.deadline.isoformat() if i.target.deadline else "",
            i.target.basis,
        ]
        for i in items
    ]
    return write_xlsx(_headers(), rows, title=plan.cycle.code)


def template_workbook() -> bytes:
    example = [
        "zjj",
        "2026",
        "ZJ-001",
        "老旧小区改造完成数",
        "2026",
        "20",
        "是",
        "0",
        "18",
        "20",
        "22",
        "2026-12-31",
        "按三年50个小区的计划，第一年完成20个",
    ]
    return write_xlsx(_headers(), [example], title="plan")
