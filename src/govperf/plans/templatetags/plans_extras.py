"""Template helpers of the plans pages."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from govperf.plans.rollup import number

register = template.Library()

STATUS_CLASSES = {
    "draft": "text-bg-secondary",
    "submitted": "text-bg-primary",
    "returned": "text-bg-warning",
    "approved": "text-bg-info",
    "in_execution": "text-bg-success",
    "revision_requested": "text-bg-warning",
    "resubmitted": "text-bg-primary",
    "revision_returned": "text-bg-warning",
}

# The fields a revision diff names (govperf.plans.snapshots.VALUE_FIELDS), as a person reads them.
DIFF_LABELS = {
    "weight": _("weight"),
    "is_core": _("core KPI"),
    "baseline": _("baseline"),
    "floor": _("floor"),
    "target": _("target"),
    "challenge": _("challenge"),
    "deadline": _("deadline"),
}


@register.filter
def diff_label(field: str) -> str:
    return DIFF_LABELS.get(field, field)


@register.filter
def diff_value(value) -> str:
    """One side of a diff: yes/no for a flag, a dash for nothing."""
    if value is True or value is False:
        return _("yes") if value else _("no")
    return "—" if value is None or value == "" else str(value)


@register.filter
def num(value) -> str:
    """A stored decimal as a person writes it: 20, 0.5 (empty for none)."""
    return number(value) if value is not None and value != "" else ""


@register.filter
def status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "text-bg-light")


@register.filter
def severity_class(severity: str) -> str:
    return "text-bg-danger" if severity == "block" else "text-bg-warning"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
