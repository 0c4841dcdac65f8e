"""Writes to the indicator library: taxonomies and their categories, rubrics, indicators.

One function per step, keyword-only, one transaction each. Every write needs
``Action.MANAGE_LIBRARY`` (the performance office) and is recorded in the
audit log. Edits carry the version the editor saw; a stale one is a conflict.

Indicators are versioned: :func:`update_indicator` edits the current version
in place while nothing uses it, and creates version N+1 (pointing
``Indicator.current`` at it) once ``usage.version_in_use`` says something
does — see ``indicators.usage`` for how other apps declare their references
(``register_version_user``, re-exported here).
"""

from __future__ import annotations

import dataclasses
import decimal
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from govperf.audit.services import record, snapshot
from govperf.core.errors import Conflict, ErrorDetail, ValidationFailed
from govperf.core.validation import CONTROL_RE, check_version
from govperf.engine.formula import FormulaSyntaxError, parse, references
from govperf.indicators.formulas import FormulaCheck, Library, check_formula
from govperf.indicators.models import Indicator, IndicatorVersion, Rubric, Tag, Taxonomy
from govperf.indicators.usage import register_version_user, version_in_use
from govperf.orgs import policy
from govperf.orgs.models import Person, Unit
from govperf.orgs.policy import Action

__all__ = [
    "CODE_RE",
    "DEFAULT_LEVELS",
    "Definition",
    "create_indicator",
    "create_rubric",
    "create_tag",
    "create_taxonomy",
    "delete_tag",
    "load_presets",
    "register_version_user",
    "set_indicator_active",
    "update_indicator",
    "update_rubric",
    "update_tag",
    "update_taxonomy",
    "version_in_use",
]

# Indicator codes appear in formulas as #{CODE}: ASCII letters, digits, '_', '.', '-'.
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
SLUG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
WHITESPACE_RE = re.compile(r"[\t\r\n]+")
BAND_LIMIT = Decimal("1e14")  # DecimalField(max_digits=20, decimal_places=6)
MAX_DECIMALS = 6

V = IndicatorVersion
DEFAULT_LEVELS: list[dict[str, Any]] = [
    {"name": "达成", "description": "目标全面完成，质量和效果达到要求", "min": 0.8, "max": 1.0},
    {"name": "部分达成", "description": "目标部分完成，存在明显不足", "min": 0.6, "max": 0.8},
    {"name": "未达成", "description": "目标未完成或效果差", "min": 0.0, "max": 0.6},
]


def _fail_if(details: list[ErrorDetail], message: str) -> None:
    if details:
        raise ValidationFailed(message, details)


def _text(
    details: list[ErrorDetail],
    field: str,
    value: str | None,
    *,
    max_length: int | None = None,
    required: bool = False,
    multiline: bool = False,
) -> str:
    text = ("" if value is None else str(value)).strip()
    if not multiline:
        text = WHITESPACE_RE.sub(" ", text)
    if required and not text:
        details.append(ErrorDetail(field=field, message=_("This field is required.")))
    elif max_length is not None and len(text) > max_length:
        details.append(
            ErrorDetail(
                field=field,
                message=_("At most %(n)d characters (this has %(len)d).")
                % {"n": max_length, "len": len(text)},
            )
        )
    if CONTROL_RE.search(text):
        details.append(ErrorDetail(field=field, message=_("Control characters are not allowed.")))
    return text


def code_error(field: str, code: str, pattern: re.Pattern[str]) -> ErrorDetail | None:
    if pattern.match(code or ""):
        return None
    message = (
        _("Use 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit.")
        if pattern is CODE_RE
        else _("Use 1–64 letters, digits, '_' or '-', starting with a letter or digit.")
    )
    return ErrorDetail(field=field, value=code, message=message)


# --- taxonomies and categories -------------------------------------------------------------


def _taxonomy_fields(
    *, name: str, description: str, sort_order: int
) -> tuple[dict[str, Any], list[ErrorDetail]]:
    details: list[ErrorDetail] = []
    values = {
        "name": _text(details, "name", name, max_length=100, required=True),
        "description": _text(details, "description", description, multiline=True),
        "sort_order": sort_order,
    }
    if not -1_000_000 <= sort_order <= 1_000_000:
        details.append(ErrorDetail(field="sort_order", message=_("Out of range.")))
    return values, details


def create_taxonomy(
    *, actor: Person, code: str, name: str, description: str = "", sort_order: int = 0
) -> Taxonomy:
    policy.require(actor, Action.MANAGE_LIBRARY)
    code = (code or "").strip()
    values, details = _taxonomy_fields(name=name, description=description, sort_order=sort_order)
    error = code_error("code", code, SLUG_RE)
    if error:
        details.insert(0, error)
    elif Taxonomy.objects.filter(code__iexact=code).exists():
        details.insert(
            0, ErrorDetail(field="code", value=code, message=_("This code is already used."))
        )
    _fail_if(details, _("The taxonomy could not be saved."))
    with transaction.atomic():
        taxonomy = Taxonomy.objects.create(code=code, **values)
        record(action="taxonomy.create", actor=actor, obj=taxonomy, after=snapshot(taxonomy))
    return taxonomy


def update_taxonomy(
    *,
    actor: Person,
    taxonomy: Taxonomy,
    expected_version: int | None,
    name: str,
    description: str = "",
    sort_order: int = 0,
) -> Taxonomy:
    policy.require(actor, Action.MANAGE_LIBRARY)
    values, details = _taxonomy_fields(name=name, description=description, sort_order=sort_order)
    _fail_if(details, _("The taxonomy could not be saved."))
    with transaction.atomic():
        taxonomy = Taxonomy.objects.select_for_update().get(pk=taxonomy.pk)
        check_version(taxonomy, expected_version, _("The taxonomy"))
        before = snapshot(taxonomy)
        for key, value in values.items():
            setattr(taxonomy, key, value)
        taxonomy.version += 1
        taxonomy.save(update_fields=[*values, "version"])
        record(
            action="taxonomy.update",
            actor=actor,
            obj=taxonomy,
            before=before,
            after=snapshot(taxonomy),
        )
    return taxonomy


def _tag_fields(
    *,
    taxonomy: Taxonomy,
    tag: Tag | None,
    name: str,
    description: str,
    parent: Tag | None,
    sort_order: int,
) -> tuple[dict[str, Any], list[ErrorDetail]]:
    details: list[ErrorDetail] = []
    values = {
        "name": _text(details, "name", name, max_length=100, required=True),
        "description": _text(details, "description", description, max_length=200),
        "parent": parent,
        "sort_order": sort_order,
    }
    if not -1_000_000 <= sort_order <= 1_000_000:
        details.append(ErrorDetail(field="sort_order", message=_("Out of range.")))
    if parent is not None:
        if parent.taxonomy_id != taxonomy.pk:
            details.append(
                ErrorDetail(
                    field="parent",
                    value=parent.code,
                    message=_("The parent category belongs to another taxonomy."),
                )
            )
        elif parent.parent_id is not None:
            details.append(
                ErrorDetail(
                    field="parent",
                    value=parent.code,
                    message=_("Categories have two levels: the parent must be a top-level one."),
                )
            )
        elif tag is not None and (parent.pk == tag.pk or tag.children.exists()):
            details.append(
                ErrorDetail(
                    field="parent",
                    value=parent.code,
                    message=_(
                        "A category with sub-categories, or the category itself, cannot be the parent."
                    ),
                )
            )
    return values, details


def create_tag(
    *,
    actor: Person,
    taxonomy: Taxonomy,
    code: str,
    name: str,
    description: str = "",
    parent: Tag | None = None,
    sort_order: int = 0,
) -> Tag:
    policy.require(actor, Action.MANAGE_LIBRARY)
    code = (code or "").strip()
    values, details = _tag_fields(
        taxonomy=taxonomy,
        tag=None,
        name=name,
        description=description,
        parent=parent,
        sort_order=sort_order,
    )
    error = code_error("code", code, SLUG_RE)
    if error:
        details.insert(0, error)
    elif Tag.objects.filter(taxonomy=taxonomy, code__iexact=code).exists():
        details.insert(
            0,
            ErrorDetail(
                field="code", value=code, message=_("This code is already used in the taxonomy.")
            ),
        )
    _fail_if(details, _("The category could not be saved."))
    with transaction.atomic():
        tag = Tag.objects.create(taxonomy=taxonomy, code=code, **values)
        record(action="tag.create", actor=actor, obj=tag, after=_tag_state(tag))
    return tag


def _tag_state(tag: Tag) -> dict[str, Any]:
    state = snapshot(tag, ("taxonomy", "code", "name", "description", "parent", "sort_order"))
    state["key"] = tag.key
    return state


def update_tag(
    *,
    actor: Person,
    tag: Tag,
    expected_version: int | None,
    name: str,
    description: str = "",
    parent: Tag | None = None,
    sort_order: int = 0,
) -> Tag:
    policy.require(actor, Action.MANAGE_LIBRARY)
    values, details = _tag_fields(
        taxonomy=tag.taxonomy,
        tag=tag,
        name=name,
        description=description,
        parent=parent,
        sort_order=sort_order,
    )
    _fail_if(details, _("The category could not be saved."))
    with transaction.atomic():
        tag = Tag.objects.select_for_update().select_related("taxonomy").get(pk=tag.pk)
        check_version(tag, expected_version, _("The category"))
        before = _tag_state(tag)
        for key, value in values.items():
            setattr(tag, key, value)
        tag.version += 1
        tag.save(update_fields=[*values, "version"])
        record(action="tag.update", actor=actor, obj=tag, before=before, after=_tag_state(tag))
    return tag


def delete_tag(*, actor: Person, tag: Tag) -> None:
    """Delete a category no indicator version ever had; a used one stays, for the history."""
    policy.require(actor, Action.MANAGE_LIBRARY)
    with transaction.atomic():
        tag = Tag.objects.select_for_update().select_related("taxonomy").get(pk=tag.pk)
        if tag.children.exists() or tag.indicator_versions.exists():
            raise Conflict(
                _(
                    "This category has sub-categories or is used by indicators (now or in their history); it cannot be deleted."
                ),
                code="in_use",
            )
        before = _tag_state(tag)
        pk = tag.pk
        tag.delete()
        record(
            action="tag.delete",
            actor=actor,
            object_type="indicators.tag",
            object_id=pk,
            object_repr=before["key"],
            before=before,
        )


# --- rubrics ------------------------------------------------------------------------------------


def _share(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (decimal.InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def clean_levels(levels: Sequence[Any]) -> tuple[list[dict[str, Any]], list[ErrorDetail]]:
    """Graded levels, best first: names, descriptions, score ranges as shares 0..1 not overlapping."""
    details: list[ErrorDetail] = []
    cleaned: list[dict[str, Any]] = []

    def problem(index: int, message: str, value: Any = None) -> None:
        details.append(
            ErrorDetail(
                field="levels",
                value=value,
                message=_("Level %(n)d: %(message)s") % {"n": index + 1, "message": message},
            )
        )

    if not isinstance(levels, Sequence) or isinstance(levels, str) or len(levels) < 2:
        details.append(
            ErrorDetail(field="levels", message=_("A rubric needs at least two levels."))
        )
        return cleaned, details
    if len(levels) > 20:
        details.append(ErrorDetail(field="levels", message=_("At most 20 levels.")))
        return cleaned, details
    names: set[str] = set()
    for index, level in enumerate(levels):
        if not isinstance(level, dict):
            problem(index, _("not a level."))
            continue
        own: list[ErrorDetail] = []
        name = _text(own, "name", level.get("name"), max_length=50, required=True)
        description = _text(own, "description", level.get("description"), max_length=500)
        for d in own:
            problem(index, d.message)
        if name and name in names:
            problem(index, _("the name %(name)s is used twice.") % {"name": name}, name)
        names.add(name)
        low, high = _share(level.get("min")), _share(level.get("max"))
        if low is None or high is None:
            problem(index, _("the range needs two numbers between 0 and 1."))
            continue
        if not (0 <= low < high <= 1):
            problem(
                index,
                _("the range must satisfy 0 ≤ from < to ≤ 1 (got %(low)s–%(high)s).")
                % {"low": low, "high": high},
            )
            continue
        cleaned.append(
            {"name": name, "description": description, "min": float(low), "max": float(high)}
        )
    if details:
        return cleaned, details
    for index in range(1, len(cleaned)):
        above, below = cleaned[index - 1], cleaned[index]
        if below["max"] > above["min"]:
            if below["min"] >= above["max"]:
                problem(index, _("list the levels best first (highest range first)."))
            else:
                problem(
                    index,
                    _("its range %(r)s overlaps the range %(s)s of level %(m)d.")
                    % {
                        "r": f"{below['min']:g}–{below['max']:g}",
                        "s": f"{above['min']:g}–{above['max']:g}",
                        "m": index,
                    },
                )
    return cleaned, details


def _rubric_fields(
    *, name: str, description: str, levels: Sequence[Any]
) -> tuple[dict[str, Any], list[ErrorDetail]]:
    details: list[ErrorDetail] = []
    values: dict[str, Any] = {
        "name": _text(details, "name", name, max_length=100, required=True),
        "description": _text(details, "description", description, multiline=True),
    }
    values["levels"], more = clean_levels(levels)
    return values, details + more


def create_rubric(
    *,
    actor: Person,
    code: str,
    name: str,
    description: str = "",
    levels: Sequence[Any] = (),
) -> Rubric:
    policy.require(actor, Action.MANAGE_LIBRARY)
    code = (code or "").strip()
    values, details = _rubric_fields(name=name, description=description, levels=levels)
    error = code_error("code", code, SLUG_RE)
    if error:
        details.insert(0, error)
    elif Rubric.objects.filter(code__iexact=code).exists():
        details.insert(
            0, ErrorDetail(field="code", value=code, message=_("This code is already used."))
        )
    _fail_if(details, _("The rubric could not be saved."))
    with transaction.atomic():
        rubric = Rubric.objects.create(code=code, **values)
        record(action="rubric.create", actor=actor, obj=rubric, after=snapshot(rubric))
    return rubric


def update_rubric(
    *,
    actor: Person,
    rubric: Rubric,
    expected_version: int | None,
    name: str,
    description: str = "",
    levels: Sequence[Any] = (),
) -> Rubric:
    """Change a rubric. Its levels stay fixed once an indicator version in use grades by it."""
    policy.require(actor, Action.MANAGE_LIBRARY)
    values, details = _rubric_fields(name=name, description=description, levels=levels)
    _fail_if(details, _("The rubric could not be saved."))
    with transaction.atomic():
        rubric = Rubric.objects.select_for_update().get(pk=rubric.pk)
        check_version(rubric, expected_version, _("The rubric"))
        if values["levels"] != rubric.levels and any(
            version_in_use(v) for v in rubric.versions.all()
        ):
            raise Conflict(
                _(
                    "Indicators in use are graded by this rubric, so its levels cannot change; create a new rubric instead."
                ),
                code="in_use",
            )
        before = snapshot(rubric)
        for key, value in values.items():
            setattr(rubric, key, value)
        rubric.version += 1
        rubric.save(update_fields=[*values, "version"])
        record(
            action="rubric.update", actor=actor, obj=rubric, before=before, after=snapshot(rubric)
        )
    return rubric


# --- indicators ------------------------------------------------------------------------------


def _decimal_text(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class Definition:
    """What an indicator version says: every field of C2 except the code."""

    name: str
    definition: str = ""
    unit_of_measure: str = ""
    caliber: str = ""
    formula: str = ""
    data_source: str = ""
    collecting_unit: Unit | None = None
    frequency: str = V.Frequency.MONTHLY
    time_aggregation: str = V.Aggregation.SUM
    direction: str = V.Direction.HIGHER
    band_low: Decimal | None = None
    band_high: Decimal | None = None
    kind: str = V.Kind.QUANTITATIVE
    rubric: Rubric | None = None
    horizon: str = V.Horizon.ANNUAL
    decimals: int = 2
    origin: str = ""
    tags: tuple[Tag, ...] = ()

    FIELDS = (
        "name",
        "definition",
        "unit_of_measure",
        "caliber",
        "formula",
        "data_source",
        "collecting_unit",
        "frequency",
        "time_aggregation",
        "direction",
        "band_low",
        "band_high",
        "kind",
        "rubric",
        "horizon",
        "decimals",
        "origin",
    )

    @classmethod
    def of(cls, version: IndicatorVersion) -> Definition:
        values = {f: getattr(version, f) for f in cls.FIELDS}
        tags = sorted(version.tags.all(), key=lambda t: (t.taxonomy.code, t.code))
        return cls(**values, tags=tuple(tags))

    def replace(self, **changes: Any) -> Definition:
        return dataclasses.replace(self, **changes)

    def state(self) -> dict[str, Any]:
        """Plain values for comparing two definitions and for the audit log."""
        state: dict[str, Any] = {f: getattr(self, f) for f in self.FIELDS}
        state["collecting_unit"] = self.collecting_unit.code if self.collecting_unit else None
        state["rubric"] = self.rubric.code if self.rubric else None
        state["band_low"] = _decimal_text(self.band_low)
        state["band_high"] = _decimal_text(self.band_high)
        state["tags"] = sorted({t.key for t in self.tags})
        return state


def _band_value(details: list[ErrorDetail], field: str, value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    number = _share(value)
    if number is None:
        details.append(ErrorDetail(field=field, value=value, message=_("Not a number.")))
        return None
    if abs(number) >= BAND_LIMIT:
        details.append(ErrorDetail(field=field, value=value, message=_("Out of range.")))
        return None
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMALS:
        details.append(
            ErrorDetail(field=field, value=value, message=_("At most 6 decimal places."))
        )
        return None
    return number


def clean_definition(
    definition: Definition, *, own_code: str | None, library: Library | None = None
) -> tuple[Definition, FormulaCheck, list[ErrorDetail]]:
    """Check every field; returns the cleaned definition (canonical formula), the formula check
    and the located errors (empty when it may be saved)."""
    d = definition
    details: list[ErrorDetail] = []
    texts = {
        "name": _text(details, "name", d.name, max_length=200, required=True),
        "definition": _text(details, "definition", d.definition, multiline=True),
        "unit_of_measure": _text(details, "unit_of_measure", d.unit_of_measure, max_length=32),
        "caliber": _text(details, "caliber", d.caliber, multiline=True),
        "data_source": _text(details, "data_source", d.data_source, max_length=200),
        "origin": _text(details, "origin", d.origin, max_length=200),
    }
    choices = {
        "frequency": V.Frequency,
        "time_aggregation": V.Aggregation,
        "direction": V.Direction,
        "kind": V.Kind,
        "horizon": V.Horizon,
    }
    for field, enum in choices.items():
        if getattr(d, field) not in enum.values:
            details.append(
                ErrorDetail(field=field, value=getattr(d, field), message=_("Not a valid choice."))
            )
    if isinstance(d.decimals, bool) or not isinstance(d.decimals, int) or not 0 <= d.decimals <= 6:
        details.append(
            ErrorDetail(
                field="decimals", value=d.decimals, message=_("A whole number from 0 to 6.")
            )
        )
    low = _band_value(details, "band_low", d.band_low)
    high = _band_value(details, "band_high", d.band_high)
    if d.direction == V.Direction.BAND:
        if d.band_low in (None, "") or d.band_high in (None, ""):
            details.append(
                ErrorDetail(
                    field="band_low" if d.band_low in (None, "") else "band_high",
                    message=_("A band needs both its low and its high limit."),
                )
            )
        elif low is not None and high is not None and not low < high:
            details.append(
                ErrorDetail(
                    field="band_high",
                    value=d.band_high,
                    message=_("The band's high limit must be above its low limit."),
                )
            )
    elif d.band_low not in (None, "") or d.band_high not in (None, ""):
        details.append(
            ErrorDetail(
                field="band_low" if d.band_low not in (None, "") else "band_high",
                message=_("Only an indicator whose direction is a band has band limits."),
            )
        )
    if d.kind == V.Kind.QUALITATIVE:
        if d.rubric is None:
            details.append(
                ErrorDetail(field="rubric", message=_("A qualitative indicator needs a rubric."))
            )
        if (d.formula or "").strip():
            details.append(
                ErrorDetail(
                    field="formula", message=_("A qualitative indicator cannot have a formula.")
                )
            )
    elif d.rubric is not None:
        details.append(
            ErrorDetail(
                field="rubric",
                value=d.rubric.code,
                message=_("Only a qualitative indicator has a rubric."),
            )
        )
    if d.collecting_unit is not None and not d.collecting_unit.is_active:
        details.append(
            ErrorDetail(
                field="collecting_unit",
                value=d.collecting_unit.code,
                message=_("The unit is inactive."),
            )
        )
    check = check_formula(d.formula, own_code=own_code, library=library)
    for problem in check.errors:
        details.append(ErrorDetail(field="formula", value=problem.code, message=problem.message))
    tags: dict[int, Tag] = {t.pk: t for t in d.tags}
    cleaned = d.replace(
        **texts,
        formula=check.text if check.ok else (d.formula or "").strip(),
        band_low=low,
        band_high=high,
        tags=tuple(sorted(tags.values(), key=lambda t: (t.taxonomy.code, t.code))),
    )
    return cleaned, check, details


def formula_codes(text: str) -> set[str]:
    try:
        return {ref.code for ref in references(parse(text))} if (text or "").strip() else set()
    except FormulaSyntaxError:
        return set()


def _lock_indicators(pks: Iterable[int]) -> dict[int, Indicator]:
    # Locked in primary-key order, so that two editors never wait on each other in a circle.
    return {
        i.pk: i
        for i in Indicator.objects.select_for_update().filter(pk__in=set(pks)).order_by("pk")
    }


def _version_fields(definition: Definition) -> dict[str, Any]:
    return {f: getattr(definition, f) for f in Definition.FIELDS}


def _indicator_state(indicator: Indicator, version: IndicatorVersion, d: Definition) -> dict:
    return {
        "code": indicator.code,
        "is_active": indicator.is_active,
        "version_number": version.number,
        **d.state(),
    }


def create_indicator(
    *, actor: Person, code: str, definition: Definition, change_note: str = ""
) -> Indicator:
    """A new indicator with its first version."""
    policy.require(actor, Action.MANAGE_LIBRARY)
    code = (code or "").strip()
    details: list[ErrorDetail] = []
    error = code_error("code", code, CODE_RE)
    if error:
        details.append(error)
    elif Indicator.objects.filter(code__iexact=code).exists():
        details.append(
            ErrorDetail(
                field="code", value=code, message=_("This code is already used by an indicator.")
            )
        )
    note = _text(details, "change_note", change_note, max_length=200)
    with transaction.atomic():
        inputs = _lock_indicators(
            Indicator.objects.filter(code__in=formula_codes(definition.formula)).values_list(
                "pk", flat=True
            )
        )
        cleaned, check, more = clean_definition(definition, own_code=code or None)
        _fail_if(details + more, _("The indicator could not be saved."))
        try:
            with transaction.atomic():
                indicator = Indicator.objects.create(code=code)
        except IntegrityError as exc:
            raise Conflict(
                _("Someone else has just created an indicator with this code."), code="duplicate"
            ) from exc
        version = IndicatorVersion.objects.create(
            indicator=indicator,
            number=1,
            change_note=note,
            created_by=actor,
            **_version_fields(cleaned),
        )
        version.tags.set(cleaned.tags)
        version.inputs.set([i for i in inputs.values() if i.code in check.codes])
        indicator.current = version
        indicator.save(update_fields=["current"])
        record(
            action="indicator.create",
            actor=actor,
            obj=indicator,
            after=_indicator_state(indicator, version, cleaned),
        )
    return indicator


def update_indicator(
    *,
    actor: Person,
    indicator: Indicator,
    expected_version: int | None,
    definition: Definition,
    change_note: str = "",
) -> Indicator:
    """Change an indicator's definition: in place while its current version is not in use,
    else as a new version. An unchanged definition changes nothing."""
    policy.require(actor, Action.MANAGE_LIBRARY)
    details: list[ErrorDetail] = []
    note = _text(details, "change_note", change_note, max_length=200)
    with transaction.atomic():
        input_pks = Indicator.objects.filter(
            code__in=formula_codes(definition.formula)
        ).values_list("pk", flat=True)
        locked = _lock_indicators([indicator.pk, *input_pks])
        indicator = locked[indicator.pk]
        check_version(indicator, expected_version, _("The indicator"))
        cleaned, check, more = clean_definition(definition, own_code=indicator.code)
        _fail_if(details + more, _("The indicator could not be saved."))
        current = IndicatorVersion.objects.prefetch_related("tags__taxonomy").get(
            pk=indicator.current_id
        )
        before = Definition.of(current)
        if before.state() == cleaned.state():
            return indicator
        inputs = [i for i in locked.values() if i.code in check.codes]
        before_state = _indicator_state(indicator, current, before)
        if version_in_use(current):
            number = (indicator.versions.aggregate(n=Max("number"))["n"] or 0) + 1
            version = IndicatorVersion.objects.create(
                indicator=indicator,
                number=number,
                change_note=note,
                created_by=actor,
                **_version_fields(cleaned),
            )
            action = "indicator.new_version"
        else:
            version = current
            for key, value in _version_fields(cleaned).items():
                setattr(version, key, value)
            version.change_note = note or version.change_note
            version.save(update_fields=[*Definition.FIELDS, "change_note"])
            action = "indicator.update"
        version.tags.set(cleaned.tags)
        version.inputs.set(inputs)
        indicator.current = version
        indicator.version += 1
        indicator.updated_at = timezone.now()
        indicator.save(update_fields=["current", "version", "updated_at"])
        record(
            action=action,
            actor=actor,
            obj=indicator,
            before=before_state,
            after=_indicator_state(indicator, version, cleaned),
        )
    return indicator


def formula_users(indicator: Indicator, *, active_only: bool = True) -> list[Indicator]:
    """Indicators whose current formula refers to ``indicator``."""
    qs = Indicator.objects.filter(
        pk__in=IndicatorVersion.inputs.through.objects.filter(
            indicator_id=indicator.pk,
            indicatorversion_id__in=Indicator.objects.values("current_id"),
        ).values("indicatorversion__indicator_id")
    )
    if active_only:
        qs = qs.filter(is_active=True)
    return list(qs.select_related("current").order_by("code"))


def set_indicator_active(
    *, actor: Person, indicator: Indicator, active: bool, expected_version: int | None
) -> Indicator:
    policy.require(actor, Action.MANAGE_LIBRARY)
    with transaction.atomic():
        current_inputs = (
            IndicatorVersion.inputs.through.objects.filter(
                indicatorversion_id=indicator.current_id
            ).values_list("indicator_id", flat=True)
            if active
            else []
        )
        users = formula_users(indicator) if not active else []
        locked = _lock_indicators([indicator.pk, *current_inputs, *(u.pk for u in users)])
        indicator = locked[indicator.pk]
        check_version(indicator, expected_version, _("The indicator"))
        if indicator.is_active == active:
            return indicator
        if not active:
            users = formula_users(indicator)
            if users:
                raise Conflict(
                    _("Active indicators compute their formula from this one: %(codes)s.")
                    % {"codes": ", ".join(u.code for u in users)},
                    code="in_use",
                    details=[
                        ErrorDetail(
                            field="is_active",
                            value=u.code,
                            message=_("Used in the formula of %(code)s.") % {"code": u.code},
                        )
                        for u in users
                    ],
                )
        else:
            inactive = [
                i.code for pk, i in locked.items() if pk != indicator.pk and not i.is_active
            ]
            if inactive:
                raise ValidationFailed(
                    _("Its formula refers to inactive indicators: %(codes)s.")
                    % {"codes": ", ".join(sorted(inactive))},
                    [
                        ErrorDetail(
                            field="formula", value=code, message=_("This indicator is inactive.")
                        )
                        for code in sorted(inactive)
                    ],
                )
        before = {"code": indicator.code, "is_active": indicator.is_active}
        indicator.is_active = active
        indicator.version += 1
        indicator.updated_at = timezone.now()
        indicator.save(update_fields=["is_active", "version", "updated_at"])
        record(
            action="indicator.activate" if active else "indicator.deactivate",
            actor=actor,
            obj=indicator,
            before=before,
            after={"code": indicator.code, "is_active": active},
        )
    return indicator


# --- presets ---------------------------------------------------------------------------------

# (code, name, description, [(tag code, name, [(sub-tag code, name), ...]), ...])
PRESET_TAXONOMIES: list[tuple[str, str, str, list[tuple[str, str, list[tuple[str, str]]]]]] = [
    (
        "dimension",
        "绩效维度",
        "政府绩效评价的四个维度（R003 §3.2.4）",
        [
            ("economy", "经济发展", []),
            ("society", "社会民生", []),
            ("environment", "生态环境", []),
            ("government", "政府自身建设", []),
        ],
    ),
    (
        "budget",
        "预算绩效指标",
        "预算项目绩效目标的指标体系：成本、产出、效益、满意度及其二级指标",
        [
            (
                "cost",
                "成本",
                [
                    ("cost-economic", "经济成本"),
                    ("cost-social", "社会成本"),
                    ("cost-ecological", "生态环境成本"),
                ],
            ),
            (
                "output",
                "产出",
                [
                    ("output-quantity", "数量"),
                    ("output-quality", "质量"),
                    ("output-timeliness", "时效"),
                ],
            ),
            (
                "benefit",
                "效益",
                [
                    ("benefit-economic", "经济效益"),
                    ("benefit-social", "社会效益"),
                    ("benefit-ecological", "生态效益"),
                    ("benefit-sustainable", "可持续影响"),
                ],
            ),
            ("satisfaction", "满意度", [("satisfaction-clients", "服务对象满意度")]),
        ],
    ),
    (
        "newyork",
        "纽约模式指标类型",
        "纽约市绩效指标的四类：工作数量、工作质量、资源消耗、绩效优化信息（R003 §5.1）",
        [
            ("quantity", "数量", []),
            ("quality", "质量", []),
            ("resource", "资源", []),
            ("optimisation", "优化", []),
        ],
    ),
    (
        "r004",
        "目标绩效指标类型",
        "产出、质量、效率、效果、满意度（R004）",
        [
            ("output", "产出", []),
            ("quality", "质量", []),
            ("efficiency", "效率", []),
            ("effectiveness", "效果", []),
            ("satisfaction", "满意度", []),
        ],
    ),
]

PRESET_RUBRIC = ("three-level", "三级评定（达成/部分达成/未达成）", DEFAULT_LEVELS)


def load_presets(*, actor: Person | None = None) -> dict[str, int]:
    """Create the preset taxonomies, their categories and the default rubric where missing.

    Idempotent, and never overwrites: what the office renamed or added stays. Run
    by ``govperf load_taxonomies`` (an operator's command, so no permission check)
    and by the demo.
    """
    counts = {"taxonomies": 0, "categories": 0, "rubrics": 0}
    with transaction.atomic():
        for t_order, (code, name, description, tags) in enumerate(PRESET_TAXONOMIES, start=1):
            taxonomy, created = Taxonomy.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "description": description,
                    "is_preset": True,
                    "sort_order": t_order * 10,
                },
            )
            counts["taxonomies"] += created
            for order, (tag_code, tag_name, children) in enumerate(tags, start=1):
                parent, created = Tag.objects.get_or_create(
                    taxonomy=taxonomy,
                    code=tag_code,
                    defaults={"name": tag_name, "sort_order": order * 10},
                )
                counts["categories"] += created
                for c_order, (child_code, child_name) in enumerate(children, start=1):
                    _child, created = Tag.objects.get_or_create(
                        taxonomy=taxonomy,
                        code=child_code,
                        defaults={
                            "name": child_name,
                            "parent": parent,
                            "sort_order": order * 10 + c_order,
                        },
                    )
                    counts["categories"] += created
        rubric_code, rubric_name, levels = PRESET_RUBRIC
        _rubric, created = Rubric.objects.get_or_create(
            code=rubric_code,
            defaults={"name": rubric_name, "levels": levels, "is_preset": True},
        )
        counts["rubrics"] += created
        if any(counts.values()):
            record(
                action="taxonomy.load_presets",
                actor=actor,
                actor_label="" if actor else "load_taxonomies",
                object_type="indicators.taxonomy",
                after=counts,
            )
    return counts
