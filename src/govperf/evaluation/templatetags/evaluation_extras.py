"""Template helpers of the evaluation pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import get_language

register = template.Library()

GRADE_CLASSES = {
    "优秀": "text-bg-success",
    "优": "text-bg-success",
    "良好": "text-bg-primary",
    "良": "text-bg-primary",
    "合格": "text-bg-warning",
    "中": "text-bg-warning",
    "不合格": "text-bg-danger",
    "差": "text-bg-danger",
}
STATUS_CLASSES = {
    "draft": "text-bg-secondary",
    "reviewed": "text-bg-info",
    "published": "text-bg-success",
    "locked": "text-bg-dark",
    "superseded": "text-bg-light border",
    "pending": "text-bg-warning",
    "submitted": "text-bg-success",
    "cancelled": "text-bg-light border",
    "open": "text-bg-success",
    "closed": "text-bg-secondary",
    "filed": "text-bg-warning",
    "upheld": "text-bg-success",
    "partly_upheld": "text-bg-info",
    "rejected": "text-bg-danger",
    "withdrawn": "text-bg-light border",
    "queued": "text-bg-secondary",
    "running": "text-bg-info",
    "done": "text-bg-success",
    "failed": "text-bg-danger",
}


@register.filter
def get(mapping: Any, key: Any) -> Any:
    if mapping is None:
        return None
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def num(value: Any, places: int | None = None) -> str:
    """A number without trailing zeros ("85.20" → "85.2"), or "—" for none."""
    if value is None or value == "":
        return "—"
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-int(places)))
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


@register.filter
def text(value: Any) -> str:
    """The engine's bilingual text ({"zh", "en"}) in the page's language."""
    if not isinstance(value, dict):
        return "" if value is None else str(value)
    lang = (get_language() or "zh-hans").lower()
    return value.get("en" if lang.startswith("en") else "zh") or value.get("zh") or ""


@register.filter
def component_label(task: Any) -> str:
    """A scoring task's component as its scheme labels it (the code when unlabelled)."""
    for component in task.round.scheme_version.definition.get("components", []):
        if component.get("code") == task.component:
            return str(component.get("label") or task.component)
    return str(task.component)


@register.filter
def grade_class(name: Any) -> str:
    return GRADE_CLASSES.get(str(name or ""), "text-bg-secondary")


@register.filter
def status_class(value: Any) -> str:
    return STATUS_CLASSES.get(str(value or ""), "text-bg-secondary")


@register.inclusion_tag("evaluation/_nav.html", takes_context=True)
def evaluation_nav(context, active: str = "") -> dict:
    from govperf.evaluation import selectors
    from govperf.orgs import policy
    from govperf.orgs.policy import Action

    user = context["request"].user
    office = selectors.is_office(user)
    return {
        "active": active,
        "office": office,
        "can_score": policy.can(user, Action.SCORE),
        "can_read": office or policy.can(user, Action.VIEW_RESULTS),
        "can_appeal": office or policy.can(user, Action.APPEAL),
    }
