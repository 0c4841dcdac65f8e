"""Reads of the indicator library. Every signed-in user may read the whole library."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from govperf.core.errors import NotFound
from govperf.indicators.models import Indicator, IndicatorVersion, Rubric, Tag, Taxonomy
from govperf.indicators.services import Definition

V = IndicatorVersion


def indicators(
    *,
    search: str = "",
    taxonomy: str = "",
    tag: str = "",
    kind: str = "",
    direction: str = "",
    frequency: str = "",
    horizon: str = "",
    active: bool | None = None,
) -> QuerySet[Indicator]:
    """The library, filtered. ``tag`` is ``taxonomy:tag`` (or a tag's pk); a top-level
    category also matches its sub-categories."""
    qs = Indicator.objects.filter(current__isnull=False)
    if search:
        qs = qs.filter(
            Q(code__icontains=search)
            | Q(current__name__icontains=search)
            | Q(current__definition__icontains=search)
        )
    if taxonomy:
        qs = qs.filter(current__tags__taxonomy__code=taxonomy)
    if tag:
        found = find_tag(tag)
        if found is None:
            return qs.none()
        qs = qs.filter(Q(current__tags=found) | Q(current__tags__parent=found))
    if kind:
        qs = qs.filter(current__kind=kind)
    if direction:
        qs = qs.filter(current__direction=direction)
    if frequency:
        qs = qs.filter(current__frequency=frequency)
    if horizon:
        qs = qs.filter(current__horizon=horizon)
    if active is not None:
        qs = qs.filter(is_active=active)
    if taxonomy or tag:
        # The joins through the categories can repeat an indicator; keep one row each.
        qs = Indicator.objects.filter(pk__in=qs.values("pk"))
    return with_current(qs).order_by("code")


def with_current(qs: QuerySet[Indicator]) -> QuerySet[Indicator]:
    return qs.select_related(
        "current", "current__collecting_unit", "current__rubric"
    ).prefetch_related(Prefetch("current__tags", queryset=Tag.objects.select_related("taxonomy")))


def find_tag(key: str) -> Tag | None:
    if key.isdigit():
        return Tag.objects.select_related("taxonomy").filter(pk=int(key)).first()
    taxonomy, _sep, code = key.partition(":")
    if not code:
        return None
    return Tag.objects.select_related("taxonomy").filter(taxonomy__code=taxonomy, code=code).first()


def get_indicator(pk: int | str) -> Indicator:
    found = with_current(Indicator.objects.filter(pk=pk)).first() if str(pk).isdigit() else None
    if found is None or found.current_id is None:
        raise NotFound(_("Indicator not found."))
    return found


def get_indicator_by_code(code: str) -> Indicator:
    found = with_current(Indicator.objects.filter(code=code)).first()
    if found is None or found.current_id is None:
        raise NotFound(_("Indicator not found."))
    return found


def versions(indicator: Indicator) -> list[IndicatorVersion]:
    """Every version, newest first."""
    return list(
        indicator.versions.select_related("collecting_unit", "rubric", "created_by")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.select_related("taxonomy")))
        .order_by("-number")
    )


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: Any
    after: Any


def diff(older: IndicatorVersion, newer: IndicatorVersion) -> list[Change]:
    """The fields that differ between two versions, as a reader sees them."""
    a, b = Definition.of(older).state(), Definition.of(newer).state()
    changes = []
    for field in [*Definition.FIELDS, "tags"]:
        if a[field] == b[field]:
            continue
        label = (
            V._meta.get_field(field).verbose_name
            if field != "tags"
            else V._meta.get_field("tags").verbose_name
        )
        changes.append(
            Change(field, str(label), _display(older, field, a), _display(newer, field, b))
        )
    return changes


def _display(version: IndicatorVersion, field: str, state: dict[str, Any]) -> Any:
    if field in ("frequency", "time_aggregation", "direction", "kind", "horizon"):
        return getattr(version, f"get_{field}_display")()
    if field == "collecting_unit":
        return version.collecting_unit.name if version.collecting_unit else ""
    if field == "rubric":
        return version.rubric.name if version.rubric else ""
    if field == "tags":
        return ", ".join(f"{t.taxonomy.name}:{t.name}" for t in version.tags.all())
    value = state[field]
    return "" if value is None else value


def taxonomies() -> list[Taxonomy]:
    """Every taxonomy with its categories (top level first, each followed by its children)."""
    found = list(
        Taxonomy.objects.prefetch_related(
            Prefetch(
                "tags",
                queryset=Tag.objects.annotate(
                    indicator_count=Count(
                        "indicator_versions",
                        filter=Q(
                            indicator_versions__indicator__current_id=F("indicator_versions__id")
                        ),
                        distinct=True,
                    )
                ).order_by("sort_order", "code"),
            )
        )
    )
    for taxonomy in found:
        tags = list(taxonomy.tags.all())
        top = [t for t in tags if t.parent_id is None]
        ordered = []
        for parent in top:
            ordered.append(parent)
            ordered.extend(t for t in tags if t.parent_id == parent.pk)
        taxonomy.ordered_tags = ordered
    return found


def get_taxonomy(code: str) -> Taxonomy:
    found = Taxonomy.objects.filter(code=code).first()
    if found is None:
        raise NotFound(_("Taxonomy not found."))
    return found


def get_tag(taxonomy: Taxonomy, code: str) -> Tag:
    found = (
        Tag.objects.select_related("taxonomy", "parent")
        .filter(taxonomy=taxonomy, code=code)
        .first()
    )
    if found is None:
        raise NotFound(_("Category not found."))
    return found


def rubrics() -> QuerySet[Rubric]:
    return Rubric.objects.annotate(version_count=Count("versions")).order_by("code")


def get_rubric(code: str) -> Rubric:
    found = Rubric.objects.filter(code=code).first()
    if found is None:
        raise NotFound(_("Rubric not found."))
    return found
