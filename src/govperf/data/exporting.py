"""Exporting values: the long table (CSV, Excel), the entry template per unit and period,
and DHIS2 ``dataValueSets`` (JSON, CSV) through the code mapping.

Whoever exports sees only the values of units ``VIEW_DATA`` reaches. Spreadsheet
cells that a spreadsheet program would run as a formula are neutralised by
``core.tabular``; numbers are written as numbers, so a negative value stays one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from govperf.core.errors import ErrorDetail, NotFound, ValidationFailed
from govperf.core.http import CSV, XLSX
from govperf.core.tabular import neutralise, write_csv, write_xlsx
from govperf.data import validation
from govperf.data.exchange import dhis2
from govperf.data.exchange.mapping import KIND_FIELDS, mapping_for
from govperf.data.locks import values_inside
from govperf.engine.periods import Period

EXPORT_FORMATS = ("csv", "xlsx", "template-xlsx", "template-csv", "dhis2-json", "dhis2-csv")
CONTENT_TYPES = {
    "csv": CSV,
    "xlsx": XLSX,
    "template-xlsx": XLSX,
    "template-csv": CSV,
    "dhis2-json": "application/json",
    "dhis2-csv": CSV,
}
EXTENSIONS = {
    "csv": "csv",
    "xlsx": "xlsx",
    "template-xlsx": "xlsx",
    "template-csv": "csv",
    "dhis2-json": "json",
    "dhis2-csv": "csv",
}
LONG_HEADERS = [
    "indicator",
    "indicator_name",
    "unit",
    "unit_name",
    "period",
    "category",
    "attribute",
    "value",
    "level",
    "comment",
    "status",
    "updated_at",
]
LONG_HEADERS_ZH = [
    "指标编码",
    "指标名称",
    "单位编码",
    "单位名称",
    "期间",
    "分类",
    "属性",
    "数值",
    "等级",
    "备注",
    "状态",
    "更新时间",
]
TEMPLATE_HEADERS = ["indicator", "name", "unit_of_measure", "target", "value", "level", "comment"]
TEMPLATE_HEADERS_ZH = ["指标编码", "指标名称", "计量单位", "目标值", "数值", "等级", "备注"]


@dataclass
class Export:
    data: bytes
    filename: str
    content_type: str
    count: int


def plain(number: Decimal | None) -> Decimal | None:
    """A stored decimal without trailing zeros and never in exponent form (10001, not 1.0001E+4)."""
    if number is None:
        return None
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number.normalize()


def _text(number: Decimal | None) -> str:
    return "" if number is None else format(plain(number), "f")


def _scope_filter(user):
    from govperf.data.writer import SystemActor
    from govperf.orgs import policy
    from govperf.orgs.policy import Action

    if isinstance(user, SystemActor):
        return None
    return policy.unit_scope(user, Action.VIEW_DATA)


def values_queryset(
    *, user, unit: str | None = None, period: str | None = None, indicator: str | None = None
):
    """The values ``user`` may read, filtered by unit code, period (and the periods inside it)
    and indicator code."""
    from govperf.data.models import DataValue
    from govperf.indicators.models import Indicator
    from govperf.orgs.models import Unit

    qs = DataValue.objects.all()
    scope = _scope_filter(user)
    if scope is not None:
        qs = qs.filter(scope.q("unit__"))
    if unit:
        found = Unit.objects.filter(code=unit).first()
        if found is None or (scope is not None and not scope.contains(found)):
            raise NotFound(_("Unit not found."))
        qs = qs.filter(unit=found)
    if indicator:
        found_ind = Indicator.objects.filter(code=indicator).first()
        if found_ind is None:
            raise NotFound(_("Indicator not found."))
        qs = qs.filter(indicator=found_ind)
    if period:
        span = _period(period)
        qs = values_inside(qs, span.start, span.end)
    return qs.order_by(
        "indicator__code", "unit__code", "period_start", "period", "category", "attribute"
    )


def _period(code: str) -> Period:
    try:
        return Period.parse(code)
    except ValueError as exc:
        raise ValidationFailed(
            _("Not a period code."),
            [
                ErrorDetail(
                    field="period",
                    value=code,
                    message=_("Not a period code (e.g. 2026, 2026Q1, 202603)."),
                )
            ],
        ) from exc


def _rows(qs) -> Iterator[dict[str, Any]]:
    fields = (
        "indicator__code",
        "indicator__current__name",
        "unit__code",
        "unit__name",
        "period",
        "category",
        "attribute",
        "value",
        "level",
        "comment",
        "status",
        "updated_at",
        "updated_by__username",
        "origin__stored_by",
        "origin__followup",
        "origin__last_updated",
        "origin__data_set",
        "origin__completed_date",
        "pk",
    )
    for row in qs.values_list(*fields).iterator(chunk_size=5000):
        yield dict(zip(fields, row, strict=True))


def export_values(
    *,
    user,
    fmt: str,
    unit: str | None = None,
    period: str | None = None,
    indicator: str | None = None,
    mapping_rows: list[list[str]] | None = None,
) -> Export:
    if fmt not in EXPORT_FORMATS:
        raise ValidationFailed(
            _("Unknown format."),
            [ErrorDetail(field="format", value=fmt, message=_("Unknown format."))],
        )
    stem = "-".join(x for x in ("govperf-values", unit, period, indicator) if x)
    if fmt.startswith("template"):
        if not unit or not period:
            raise ValidationFailed(
                _("A template is per unit and period."),
                [
                    ErrorDetail(
                        field="unit" if not unit else "period",
                        message=_("Choose a unit and a period."),
                    )
                ],
            )
        data, count = template(user=user, unit=unit, period=period, fmt=fmt.split("-")[1])
        return Export(
            data, f"govperf-template-{unit}-{period}.{EXTENSIONS[fmt]}", CONTENT_TYPES[fmt], count
        )
    qs = values_queryset(user=user, unit=unit, period=period, indicator=indicator)
    if fmt.startswith("dhis2"):
        data, count = _dhis2(qs, fmt, mapping_rows)
    else:
        data, count = _long(qs, fmt)
    return Export(data, f"{stem}.{EXTENSIONS[fmt]}", CONTENT_TYPES[fmt], count)


def _long(qs, fmt: str) -> tuple[bytes, int]:
    from govperf.data.models import DataValue

    statuses = dict(DataValue.Status.choices)
    count = 0

    def rows():
        nonlocal count
        for r in _rows(qs):
            count += 1
            yield [
                r["indicator__code"],
                r["indicator__current__name"] or "",
                r["unit__code"],
                r["unit__name"],
                r["period"],
                r["category"],
                r["attribute"],
                plain(r["value"]),
                r["level"],
                r["comment"],
                str(statuses.get(r["status"], r["status"])),
                r["updated_at"].isoformat(timespec="seconds") if r["updated_at"] else "",
            ]

    headers = LONG_HEADERS_ZH if translation.get_language() == "zh-hans" else LONG_HEADERS
    data = (
        write_csv(headers, rows()) if fmt == "csv" else write_xlsx(headers, rows(), title="values")
    )
    return data, count


def _dhis2(qs, fmt: str, mapping_rows) -> tuple[bytes, int]:
    reverse = mapping_for(mapping_rows).reverse
    records = []
    names = {name: kind for kind, name in KIND_FIELDS.items()}
    for r in _rows(qs):
        ours = {
            "indicator": r["indicator__code"],
            "unit": r["unit__code"],
            "category": r["category"],
            "attribute": r["attribute"],
        }
        # A code without a mapping is written as it is.
        ext = {name: reverse[names[name]].get(code, code) for name, code in ours.items()}
        has_origin = (
            r["origin__followup"] is not None or r["origin__stored_by"] or r["origin__last_updated"]
        )
        value = _text(r["value"]) if r["value"] is not None else r["level"]
        records.append(
            {
                **ext,
                "period": r["period"],
                "value": value,
                "value_cell": plain(r["value"]) if r["value"] is not None else r["level"],
                "stored_by": r["origin__stored_by"]
                if has_origin
                else (r["updated_by__username"] or ""),
                "last_updated": r["origin__last_updated"] or "",
                "comment": r["comment"],
                "followup": r["origin__followup"],
                "data_set": r["origin__data_set"] or "",
                "completed": r["origin__completed_date"] or "",
            }
        )
    data = dhis2.write_json(records) if fmt == "dhis2-json" else dhis2.write_csv_file(records)
    return data, len(records)


# --- the entry template ----------------------------------------------------------------------------


def template_rows(*, user, unit: str, period: str) -> tuple[Any, Period, list[dict[str, Any]]]:
    """The unit, the period and one row per indicator the unit reports for it, with its target
    and any value already stored."""
    from govperf.data.models import DataValue
    from govperf.indicators.models import Indicator
    from govperf.orgs import policy
    from govperf.orgs.models import Unit
    from govperf.orgs.policy import Action
    from govperf.plans.models import Target

    found = Unit.objects.filter(code=unit, is_active=True).first()
    if found is None:
        raise NotFound(_("Unit not found."))
    from govperf.data.writer import SystemActor

    if not isinstance(user, SystemActor) and not (
        policy.can(user, Action.ENTER_DATA, found) or policy.can(user, Action.VIEW_DATA, found)
    ):
        policy.require(user, Action.ENTER_DATA, found)
    span = _period(period)
    containing = validation.containing(span.code)
    targets: dict[int, tuple[int, Decimal | None]] = {}
    for ind_id, per, value in Target.objects.filter(unit=found, period__in=containing).values_list(
        "indicator_id", "period", "target"
    ):
        rank = containing.index(per)
        if ind_id not in targets or rank < targets[ind_id][0]:
            targets[ind_id] = (rank, value)
    stored = {
        v.indicator_id: v
        for v in DataValue.objects.filter(unit=found, period=span.code, category="", attribute="")
    }
    wanted = set(targets) | set(stored)
    qs = Indicator.objects.filter(is_active=True, current__frequency=str(span.kind)).select_related(
        "current"
    )
    indicators = [i for i in qs.filter(pk__in=wanted)] if wanted else list(qs)
    rows = []
    for ind in sorted(indicators, key=lambda i: i.code):
        if ind.current.formula.strip():
            continue
        value = stored.get(ind.pk)
        rows.append(
            {
                "indicator": ind.code,
                "name": ind.current.name,
                "unit_of_measure": ind.current.unit_of_measure,
                "target": plain(targets[ind.pk][1]) if ind.pk in targets else None,
                "value": plain(value.value) if value is not None else None,
                "level": value.level if value is not None else "",
                "comment": value.comment if value is not None else "",
            }
        )
    return found, span, rows


def template(*, user, unit: str, period: str, fmt: str = "xlsx") -> tuple[bytes, int]:
    found, span, rows = template_rows(user=user, unit=unit, period=period)
    zh = translation.get_language() == "zh-hans"
    headers = TEMPLATE_HEADERS_ZH if zh else TEMPLATE_HEADERS
    first = ["单位编码" if zh else "unit", found.code, neutralise(found.name)]
    body: list[list[Any]] = [
        ["期间" if zh else "period", span.code],
        [],
        headers,
        *(
            [
                r["indicator"],
                r["name"],
                r["unit_of_measure"],
                r["target"],
                r["value"],
                r["level"],
                r["comment"],
            ]
            for r in rows
        ),
    ]
    if fmt == "csv":
        return write_csv(first, body), len(rows)
    return write_xlsx(first, body, title=f"{found.code} {span.code}"), len(rows)
