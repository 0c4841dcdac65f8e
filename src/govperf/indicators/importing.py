"""Excel/CSV import and export of the indicator library.

Export writes the current version of every indicator, one row each, tags as
``taxonomy:tag;…``. Import reads the same columns (headers in Chinese or
English, choices as values or labels in either language) in two passes:
:func:`plan_file` checks the whole file without writing and returns either
located errors (row and column) or the changes — the dry-run preview;
:func:`apply_plan` runs the plan through the services in one transaction, so
versioning applies and the file is imported completely or not at all. A
column left out of the file leaves that field of existing indicators as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from govperf.audit.services import record
from govperf.core.errors import Conflict, DomainError, ErrorDetail, ValidationFailed
from govperf.core.tabular import (
    FORMULA_PREFIXES,
    Table,
    map_columns,
    read_table,
    write_csv,
    write_xlsx,
)
from govperf.engine.formula import evaluation_order
from govperf.indicators import services
from govperf.indicators.formulas import Library, overlay
from govperf.indicators.models import Indicator, IndicatorVersion, Rubric, Tag, Taxonomy
from govperf.indicators.services import Definition
from govperf.indicators.usage import version_in_use
from govperf.orgs import policy
from govperf.orgs.models import Person, Unit
from govperf.orgs.policy import Action

V = IndicatorVersion
MAX_BYTES = 10 * 1024 * 1024

# field -> accepted headers besides the field name; the first one is the Chinese header.
COLUMNS: dict[str, list[str]] = {
    "code": ["指标编码", "编码"],
    "name": ["指标名称", "名称"],
    "definition": ["指标定义", "定义"],
    "unit_of_measure": ["计量单位", "unit"],
    "caliber": ["统计口径", "口径"],
    "formula": ["计算公式", "公式"],
    "data_source": ["数据来源"],
    "collecting_unit": ["采集单位", "采集单位编码", "collecting_unit_code"],
    "frequency": ["采集频率", "频率"],
    "time_aggregation": ["时间汇总方式", "汇总方式", "aggregation"],
    "direction": ["指标方向", "方向"],
    "band_low": ["区间下限"],
    "band_high": ["区间上限"],
    "kind": ["指标性质", "定量定性", "kind_of_indicator"],
    "rubric": ["评分标准", "评分标准编码"],
    "horizon": ["期限", "时限"],
    "decimals": ["小数位数", "小数位"],
    "origin": ["指标出处", "出处"],
    "tags": ["分类", "标签", "categories"],
    "active": ["是否启用", "启用", "is_active"],
    "change_note": ["修改说明"],
}
CHOICES = {
    "frequency": V.Frequency,
    "time_aggregation": V.Aggregation,
    "direction": V.Direction,
    "kind": V.Kind,
    "horizon": V.Horizon,
}
EXPORT_FIELDS = [f for f in COLUMNS if f != "change_note"]
# Words offices write besides the labels.
SYNONYMS = {
    "frequency": {
        "年": "Yearly",
        "按年": "Yearly",
        "半年": "SixMonthly",
        "季": "Quarterly",
        "按季": "Quarterly",
        "月": "Monthly",
        "按月": "Monthly",
        "周": "Weekly",
        "按周": "Weekly",
    },
    "time_aggregation": {
        "合计": "sum",
        "累计": "sum",
        "平均": "mean",
        "均值": "mean",
        "期末": "last",
        "末值": "last",
        "最新值": "last",
    },
    "direction": {"正向": "higher", "逆向": "lower", "区间": "band", "等于": "equal"},
    "kind": {},
    "horizon": {"长期": "long_term", "中长期": "long_term"},
}
TRUE_WORDS = {"1", "yes", "y", "true", "是", "启用", "active"}
FALSE_WORDS = {"0", "no", "n", "false", "否", "停用", "inactive"}


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


def _unneutralise(text: str) -> str:
    # Export prefixes formula-looking text with an apostrophe (core.tabular.neutralise).
    if text.startswith("'") and text[1:2] and text[1:2] in FORMULA_PREFIXES:
        return text[1:]
    return text


@dataclass
class ImportPlan:
    rows: int = 0
    creates: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    errors: list[ErrorDetail] = field(default_factory=list)
    order: list[str] = field(default_factory=list)  # codes, referenced ones first

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


class _Row:
    """One row's cells with located errors."""

    def __init__(self, table: Table, columns: dict[str, int], number: int, cells: list[str]):
        self.table, self.columns, self.number, self.cells = table, columns, number, cells
        self.errors: list[ErrorDetail] = []

    def has(self, name: str) -> bool:
        return name in self.columns

    def cell(self, name: str) -> str:
        index = self.columns.get(name)
        if index is None or index >= len(self.cells):
            return ""
        return _unneutralise(self.cells[index].strip())

    def column(self, name: str) -> str:
        index = self.columns.get(name)
        return self.table.column_label(index) if index is not None else name

    def error(self, name: str, message: str, value: Any = None) -> None:
        self.errors.append(
            ErrorDetail(
                row=self.number,
                column=self.column(name),
                value=value if value not in ("", None) else None,
                message=message,
            )
        )


@dataclass
class _Lookups:
    units: dict[str, Unit]
    rubrics: dict[str, Rubric]
    taxonomies: dict[str, Taxonomy]
    tags: dict[tuple[int, str], Tag]
    existing: dict[str, Indicator]
    current: dict[str, Definition]
    choices: dict[str, dict[str, str]]

    @classmethod
    def load(cls) -> _Lookups:
        taxonomies: dict[str, Taxonomy] = {}
        for t in Taxonomy.objects.all():
            taxonomies.setdefault(t.code.lower(), t)
            taxonomies.setdefault(t.name.strip().lower(), t)
        tags: dict[tuple[int, str], Tag] = {}
        for tag in Tag.objects.select_related("taxonomy"):
            tags.setdefault((tag.taxonomy_id, tag.code.lower()), tag)
            tags.setdefault((tag.taxonomy_id, tag.name.strip().lower()), tag)
        existing = {
            i.code: i
            for i in Indicator.objects.filter(current__isnull=False).select_related(
                "current", "current__collecting_unit", "current__rubric"
            )
        }
        versions = IndicatorVersion.objects.filter(
            pk__in=[i.current_id for i in existing.values()]
        ).prefetch_related("tags__taxonomy")
        by_pk = {v.pk: v for v in versions}
        for indicator in existing.values():
            indicator.current = by_pk[indicator.current_id]
        return cls(
            units={u.code: u for u in Unit.objects.all()},
            rubrics={r.code.lower(): r for r in Rubric.objects.all()},
            taxonomies=taxonomies,
            tags=tags,
            existing=existing,
            current={code: Definition.of(i.current) for code, i in existing.items()},
            choices={
                name: {**SYNONYMS[name], **_choice_lookup(enum)} for name, enum in CHOICES.items()
            },
        )


def _read_row(row: _Row, base: Definition, lookups: _Lookups) -> Definition:
    """The definition a row asks for: its cells over ``base`` (the current one, or defaults)."""
    values: dict[str, Any] = {}
    for name in ("name", "definition", "unit_of_measure", "caliber", "formula", "data_source"):
        if row.has(name):
            values[name] = row.cell(name)
    if row.has("origin"):
        values["origin"] = row.cell("origin")
    for name, lookup in lookups.choices.items():
        if not row.has(name):
            continue
        raw = row.cell(name)
        if not raw:
            continue  # left empty: the default or the current value
        value = lookup.get(raw.lower())
        if value is None:
            row.error(name, _("Not a valid choice."), raw)
        else:
            values[name] = value
    if row.has("collecting_unit"):
        raw = row.cell("collecting_unit")
        unit = lookups.units.get(raw) if raw else None
        if raw and unit is None:
            row.error("collecting_unit", _("Unknown unit code."), raw)
        values["collecting_unit"] = unit
    if row.has("rubric"):
        raw = row.cell("rubric")
        rubric = lookups.rubrics.get(raw.lower()) if raw else None
        if raw and rubric is None:
            row.error("rubric", _("Unknown rubric."), raw)
        values["rubric"] = rubric
    for name in ("band_low", "band_high"):
        if row.has(name):
            raw = row.cell(name)
            values[name] = raw or None  # checked by the service's rules
    if row.has("decimals"):
        raw = row.cell("decimals")
        if raw:
            try:
                values["decimals"] = int(raw)
            except ValueError:
                row.error("decimals", _("Not a whole number."), raw)
    if row.has("tags"):
        values["tags"] = tuple(_read_tags(row, lookups))
    return base.replace(**values)


def _read_tags(row: _Row, lookups: _Lookups) -> list[Tag]:
    raw = row.cell("tags")
    for sep in ("；", ",", "，", "\n"):
        raw = raw.replace(sep, ";")
    found: list[Tag] = []
    for item in (p.strip() for p in raw.split(";")):
        if not item:
            continue
        taxonomy_key, sep, tag_key = item.replace("：", ":").partition(":")
        taxonomy = lookups.taxonomies.get(taxonomy_key.strip().lower()) if sep else None
        if taxonomy is None:
            row.error(
                "tags", _("Write categories as taxonomy:category; this one is unknown."), item
            )
            continue
        tag = lookups.tags.get((taxonomy.pk, tag_key.strip().lower()))
        if tag is None:
            row.error("tags", _("Unknown category."), item)
            continue
        found.append(tag)
    return found


def _read_active(row: _Row) -> bool | None:
    if not row.has("active"):
        return None
    raw = row.cell("active").lower()
    if not raw:
        return None
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    row.error("active", _("Write 1 or 0 (yes or no)."), raw)
    return None


def plan_table(*, actor: Person, table: Table) -> ImportPlan:
    policy.require(actor, Action.MANAGE_LIBRARY)
    columns = map_columns(table, COLUMNS, required=("code",))
    plan = ImportPlan(rows=len(table.rows))
    lookups = _Lookups.load()
    parsed: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        row = _Row(table, columns, number, cells)
        code = row.cell("code")
        error = services.code_error("code", code, services.CODE_RE)
        existing = lookups.existing.get(code)
        if error:
            row.error("code", _("Invalid or empty code."), code)
        elif code.lower() in seen:
            row.error("code", _("Duplicate of row %(row)d.") % {"row": seen[code.lower()]}, code)
        else:
            seen[code.lower()] = number
            if existing is None and any(c.lower() == code.lower() for c in lookups.existing):
                row.error(
                    "code", _("An indicator with this code in other letter case exists."), code
                )
        if existing is None and not row.has("name"):
            row.error("name", _("A new indicator needs a name."))
        base = lookups.current.get(code) if existing else Definition(name="")
        definition = _read_row(row, base or Definition(name=""), lookups)
        active = _read_active(row)
        plan.errors += row.errors
        parsed.append(
            {
                "row": row,
                "code": code,
                "definition": definition,
                "active": active,
                "existing": existing,
                "change_note": row.cell("change_note"),
            }
        )
    if plan.errors:
        return plan
    # Formulas are checked against the library as it will be after the import.
    library = overlay(
        Library.load(),
        [
            (
                p["code"],
                services.formula_codes(p["definition"].formula),
                p["active"]
                if p["active"] is not None
                else (p["existing"].is_active if p["existing"] else True),
            )
            for p in parsed
        ],
    )
    # An indicator switched off may keep a formula over others switched off with it.
    lenient = Library(known=library.known, active=library.known, graph=library.graph)
    for item in parsed:
        row: _Row = item["row"]
        existing: Indicator | None = item["existing"]
        ends_active = item["code"] in library.active
        cleaned, check, details = services.clean_definition(
            item["definition"],
            own_code=item["code"],
            library=library if ends_active else lenient,
        )
        item["definition"], item["codes"] = cleaned, check.codes
        active = item["active"]
        if existing is not None:
            same = cleaned.state() == lookups.current[item["code"]].state()
            toggles = active is not None and active != existing.is_active
            if same and not toggles:
                plan.unchanged += 1
                continue
            item["changed"] = [
                f
                for f, v in cleaned.state().items()
                if v != lookups.current[item["code"]].state()[f]
            ]
            item["toggles"] = toggles
        for d in details:
            row.error(d.field or "code", d.message, d.value)
        plan.errors += row.errors
        entry = {
            "row": row.number,
            "code": item["code"],
            "name": cleaned.name,
            "definition": cleaned,
            "active": active,
            "change_note": item["change_note"],
            "create": existing is None,
        }
        if existing is None:
            plan.creates.append(entry)
        else:
            entry["changed"] = item["changed"]
            entry["changed_labels"] = [
                str(V._meta.get_field(f).verbose_name) for f in item["changed"]
            ]
            entry["toggles"] = item["toggles"]
            entry["new_version"] = bool(item["changed"]) and version_in_use(existing.current)
            plan.updates.append(entry)
    if plan.errors:
        return plan
    graph = {
        e["code"]: set(services.formula_codes(e["definition"].formula))
        for e in plan.creates + plan.updates
    }
    plan.order = evaluation_order(graph)
    return plan


def plan_file(*, actor: Person, data: bytes, filename: str) -> ImportPlan:
    policy.require(actor, Action.MANAGE_LIBRARY)
    return plan_table(actor=actor, table=read_table(data, filename, max_bytes=MAX_BYTES))


@transaction.atomic
def apply_plan(*, actor: Person, plan: ImportPlan, filename: str = "") -> dict[str, int]:
    """Import a checked plan through the services, all or nothing."""
    if not plan.ok:
        raise ValidationFailed(_("The file has errors; nothing was imported."), plan.errors)
    by_code = {e["code"]: e for e in plan.creates + plan.updates}
    ordered = [by_code[c] for c in plan.order if c in by_code]
    deactivate = []
    for item in ordered:
        with _located(item):
            indicator = Indicator.objects.filter(code=item["code"]).first()
            if item["create"] and indicator is not None:
                raise Conflict(
                    _("An indicator with this code was created since the file was checked."),
                    details=[
                        ErrorDetail(
                            field="code",
                            value=item["code"],
                            message=_("This code is already used by an indicator."),
                        )
                    ],
                )
            if indicator is None:
                indicator = services.create_indicator(
                    actor=actor,
                    code=item["code"],
                    definition=item["definition"],
                    change_note=item["change_note"],
                )
            elif item.get("changed"):
                indicator = services.update_indicator(
                    actor=actor,
                    indicator=indicator,
                    expected_version=None,
                    definition=item["definition"],
                    change_note=item["change_note"],
                )
            if item["active"] is True and not indicator.is_active:
                services.set_indicator_active(
                    actor=actor, indicator=indicator, active=True, expected_version=None
                )
            elif item["active"] is False and indicator.is_active:
                deactivate.append((item, indicator))
    # Users of an indicator go before it, so that a formula no longer needs what is switched off.
    for item, indicator in reversed(deactivate):
        with _located(item):
            services.set_indicator_active(
                actor=actor, indicator=indicator, active=False, expected_version=None
            )
    summary = plan.summary()
    record(
        action="import.indicators",
        actor=actor,
        object_type="import",
        object_id=filename[:64],
        after=summary,
    )
    return summary


@contextmanager
def _located(item: dict[str, Any]) -> Iterator[None]:
    """Turn a service's refusal into a located error of the row being imported."""
    try:
        yield
    except DomainError as exc:
        details = exc.details or [ErrorDetail(message=str(exc.message))]
        raise ValidationFailed(
            _("Row %(row)d could not be imported; nothing was imported.") % {"row": item["row"]},
            [
                ErrorDetail(
                    row=item["row"], column=d.field or d.column, value=d.value, message=d.message
                )
                for d in details
            ],
        ) from exc


# --- export and template ----------------------------------------------------------------------


def headers() -> list[str]:
    """Column headers in the current language."""
    if (translation.get_language() or "").startswith("zh"):
        return [COLUMNS[f][0] for f in EXPORT_FIELDS]
    return list(EXPORT_FIELDS)


def _yes_no(value: bool) -> str:
    if (translation.get_language() or "").startswith("zh"):
        return "是" if value else "否"
    return "yes" if value else "no"


def _number(value: Decimal | None) -> Decimal | str:
    return "" if value is None else value.normalize()


def version_row(indicator: Indicator, version: IndicatorVersion) -> list[object]:
    values: dict[str, object] = {
        "code": indicator.code,
        "name": version.name,
        "definition": version.definition,
        "unit_of_measure": version.unit_of_measure,
        "caliber": version.caliber,
        "formula": version.formula,
        "data_source": version.data_source,
        "collecting_unit": version.collecting_unit.code if version.collecting_unit else "",
        "frequency": version.get_frequency_display(),
        "time_aggregation": version.get_time_aggregation_display(),
        "direction": version.get_direction_display(),
        "band_low": _number(version.band_low),
        "band_high": _number(version.band_high),
        "kind": version.get_kind_display(),
        "rubric": version.rubric.code if version.rubric else "",
        "horizon": version.get_horizon_display(),
        "decimals": version.decimals,
        "origin": version.origin,
        "tags": ";".join(sorted(t.key for t in version.tags.all())),
        "active": _yes_no(indicator.is_active),
    }
    return [values[f] for f in EXPORT_FIELDS]


def export_rows(queryset=None) -> list[list[object]]:
    from govperf.indicators.selectors import with_current

    qs = with_current(queryset if queryset is not None else Indicator.objects.all())
    return [version_row(i, i.current) for i in qs.filter(current__isnull=False).order_by("code")]


def export_workbook(queryset=None) -> bytes:
    return write_xlsx(headers(), export_rows(queryset), title="indicators")


def export_csv(queryset=None) -> bytes:
    return write_csv(headers(), export_rows(queryset))


def template_workbook() -> bytes:
    """The columns in the current language with two example rows."""
    examples: list[dict[str, object]] = [
        {
            "code": "EXAMPLE-001",
            "name": "政务服务事项按时办结率",
            "definition": "按承诺时限办结的政务服务事项占办结事项总数的比例",
            "unit_of_measure": "%",
            "caliber": "统计期内本部门受理并办结的全部依申请政务服务事项",
            "formula": "",
            "data_source": "政务服务网办件系统",
            "collecting_unit": "",
            "frequency": V.Frequency.MONTHLY.label,
            "time_aggregation": V.Aggregation.AVERAGE.label,
            "direction": V.Direction.HIGHER.label,
            "kind": V.Kind.QUANTITATIVE.label,
            "horizon": V.Horizon.ANNUAL.label,
            "decimals": 2,
            "tags": "dimension:government",
            "active": _yes_no(True),
        },
        {
            "code": "EXAMPLE-002",
            "name": "依法行政水平",
            "definition": "依法行政工作的综合评定",
            "frequency": V.Frequency.YEARLY.label,
            "time_aggregation": V.Aggregation.LAST.label,
            "direction": V.Direction.HIGHER.label,
            "kind": V.Kind.QUALITATIVE.label,
            "rubric": services.PRESET_RUBRIC[0],
            "horizon": V.Horizon.ANNUAL.label,
            "decimals": 0,
            "tags": "dimension:government",
            "active": _yes_no(True),
        },
    ]
    rows = [[str(e.get(f, "")) for f in EXPORT_FIELDS] for e in examples]
    return write_xlsx(headers(), rows, title="indicators")
