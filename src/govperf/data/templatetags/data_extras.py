"""Template helpers of the data pages."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

# Nigrini's conformity classes of the first-digit MAD.
CONFORMITY = {
    "close": _("close conformity"),
    "acceptable": _("acceptable conformity"),
    "marginal": _("marginally acceptable conformity"),
    "nonconformity": _("nonconformity"),
    "not_applicable": _("not applicable"),
}

STATUS_CLASSES = {
    "draft": "text-bg-secondary",
    "submitted": "text-bg-info",
    "approved": "text-bg-success",
    "locked": "text-bg-dark",
}
FLAG_CLASSES = {
    "missing": "text-bg-secondary",
    "late": "text-bg-warning",
    "rule": "text-bg-danger",
    "outlier": "text-bg-primary",
    "benford": "text-bg-danger",
    "contradiction": "text-bg-danger",
    "smooth": "text-bg-danger",
}


@register.filter
def status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "text-bg-light")


# Units named after their job inside a department (办公室, 综合科 …) are told apart by it.
INNER_KINDS = ("section", "post", "working_group")


@register.filter
def unit_label(unit) -> str:
    """The unit's name, after its parent's for a section, post or working group."""
    if unit is None:
        return ""
    if unit.kind in INNER_KINDS and unit.parent_id:
        return f"{unit.parent.name} · {unit.name}"
    return unit.name


@register.filter
def status_label(status: str) -> str:
    """A value's status as the reader's language names it ("draft" → 草稿)."""
    from govperf.data.models import DataValue

    return str(dict(DataValue.Status.choices).get(status, status))


@register.filter
def source_label(source: str) -> str:
    """Where a value came from, in the reader's language ("import" → 导入)."""
    from govperf.data.models import DataValue

    return str(dict(DataValue.Source.choices).get(source, source))


@register.filter
def flag_class(kind: str) -> str:
    return FLAG_CLASSES.get(kind, "text-bg-light")


@register.filter
def amount(value) -> str:
    """A stored amount without trailing zeros; "—" for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


@register.filter
def percent(value) -> str:
    """A share 0–1 as a whole percentage; "—" when there is none."""
    if value is None:
        return "—"
    return f"{value * 100:.0f}%"


@register.filter
def score_class(score) -> str:
    if score is None:
        return "text-bg-light"
    if score >= 90:
        return "text-bg-success"
    if score >= 75:
        return "text-bg-info"
    if score >= 60:
        return "text-bg-warning"
    return "text-bg-danger"


@register.filter
def get(mapping, key):
    return mapping.get(key, 0) if mapping else 0


@register.filter
def conformity(code: str) -> str:
    return str(CONFORMITY.get(code, code))


@register.filter
def pvalue(p) -> str:
    """A p-value as people read it: 0.23, 0.004, or 3.1e-12."""
    if p is None:
        return "—"
    if p >= 0.01:
        return f"{p:.2f}"
    if p >= 0.001:
        return f"{p:.3f}"
    return f"{p:.1e}"
