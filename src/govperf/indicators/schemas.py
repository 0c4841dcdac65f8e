from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum

from ninja import Field, Schema
from pydantic import StrictFloat, StrictInt

from govperf.indicators.models import IndicatorVersion

V = IndicatorVersion


def _enum(name: str, choices) -> type[Enum]:
    # OpenAPI names enums by class; the models' inner names (Kind, Direction, ...) are too
    # generic to stay unique across the apps' routers.
    return Enum(name, {value: value for value in choices.values}, type=str)


Frequency = _enum("IndicatorFrequency", V.Frequency)
Aggregation = _enum("IndicatorAggregation", V.Aggregation)
Direction = _enum("IndicatorDirection", V.Direction)
Kind = _enum("IndicatorKind", V.Kind)
Horizon = _enum("IndicatorHorizon", V.Horizon)

BAND = {"max_digits": 20, "decimal_places": 6}


# --- taxonomies, categories, rubrics -----------------------------------------------------


class CategoryOut(Schema):
    code: str
    key: str = Field(description="taxonomy:category, as indicators and spreadsheets name it.")
    name: str
    description: str
    parent: str | None = Field(None, description="Code of the parent category (second level).")
    sort_order: StrictInt
    version: StrictInt

    @staticmethod
    def resolve_parent(obj) -> str | None:
        return obj.parent.code if obj.parent_id else None


class TaxonomyOut(Schema):
    code: str
    name: str
    description: str
    is_preset: bool
    sort_order: StrictInt
    version: StrictInt
    tags: list[CategoryOut]

    @staticmethod
    def resolve_tags(obj) -> list:
        return list(obj.tags.all())


class TaxonomyIn(Schema):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=100)
    description: str = Field("", max_length=5000)
    sort_order: StrictInt = Field(0, ge=-1_000_000, le=1_000_000)


class TaxonomyPatch(Schema):
    version: StrictInt = Field(description="The version you read; a newer one is a conflict (409).")
    name: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = Field(None, max_length=5000)
    sort_order: StrictInt | None = Field(None, ge=-1_000_000, le=1_000_000)


class CategoryIn(Schema):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=100)
    description: str = Field("", max_length=200)
    parent: str | None = Field(None, description="Code of a top-level category of the taxonomy.")
    sort_order: StrictInt = Field(0, ge=-1_000_000, le=1_000_000)


class CategoryPatch(Schema):
    version: StrictInt
    name: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = Field(None, max_length=200)
    parent: str | None = Field(None, description="Code of the new parent; null for top level.")
    sort_order: StrictInt | None = Field(None, ge=-1_000_000, le=1_000_000)


class RubricLevel(Schema):
    name: str = Field(min_length=1, max_length=50)
    description: str = Field("", max_length=500)
    min: StrictFloat = Field(
        ge=0, le=1, description="Lowest share of the weight this level scores."
    )
    max: StrictFloat = Field(
        ge=0, le=1, description="Highest share of the weight this level scores."
    )


class RubricOut(Schema):
    code: str
    name: str
    description: str
    levels: list[RubricLevel]
    is_preset: bool
    version: StrictInt


class RubricIn(Schema):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=100)
    description: str = Field("", max_length=5000)
    levels: list[RubricLevel] = Field(
        min_length=2, max_length=20, description="Best level first; ranges must not overlap."
    )


class RubricPatch(Schema):
    version: StrictInt
    name: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = Field(None, max_length=5000)
    levels: list[RubricLevel] | None = Field(None, min_length=2, max_length=20)


# --- indicators -----------------------------------------------------------------------


class IndicatorVersionOut(Schema):
    number: int
    name: str
    definition: str
    unit_of_measure: str
    caliber: str
    formula: str
    references: list[str] = Field(description="Codes of the indicators the formula refers to.")
    data_source: str
    collecting_unit: str | None = Field(None, description="Unit code.")
    frequency: Frequency
    time_aggregation: Aggregation
    direction: Direction
    band_low: float | None
    band_high: float | None
    kind: Kind
    rubric: str | None = Field(None, description="Rubric code (qualitative indicators).")
    horizon: Horizon
    decimals: StrictInt
    origin: str
    tags: list[str] = Field(description="Categories as taxonomy:category.")
    change_note: str
    created_at: dt.datetime
    created_by: str | None = None

    @staticmethod
    def resolve_references(obj) -> list[str]:
        return sorted(i.code for i in obj.inputs.all())

    @staticmethod
    def resolve_collecting_unit(obj) -> str | None:
        return obj.collecting_unit.code if obj.collecting_unit_id else None

    @staticmethod
    def resolve_band_low(obj) -> float | None:
        return float(obj.band_low) if obj.band_low is not None else None

    @staticmethod
    def resolve_band_high(obj) -> float | None:
        return float(obj.band_high) if obj.band_high is not None else None

    @staticmethod
    def resolve_rubric(obj) -> str | None:
        return obj.rubric.code if obj.rubric_id else None

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return sorted(t.key for t in obj.tags.all())

    @staticmethod
    def resolve_created_by(obj) -> str | None:
        return obj.created_by.username if obj.created_by_id else None


class IndicatorOut(Schema):
    id: int
    code: str
    is_active: bool
    version: StrictInt = Field(description="Send it back when you change the indicator.")
    current: IndicatorVersionOut


class IndicatorUsageOut(Schema):
    model: str
    name: str
    count: int
    versions: list[int]


class IndicatorDetailOut(IndicatorOut):
    versions: list[IndicatorVersionOut] = Field(description="Every version, newest first.")
    used_in_formulas: list[str] = Field(
        description="Codes of indicators whose current formula refers to this one."
    )
    usages: list[IndicatorUsageOut] = Field(
        description="Records that use a version of this indicator."
    )


class IndicatorFields(Schema):
    definition: str = Field("", max_length=20000)
    unit_of_measure: str = Field("", max_length=32)
    caliber: str = Field("", max_length=20000)
    formula: str = Field(
        "", max_length=4000, description="In the formula language, e.g. #{A} / #{B} * 100."
    )
    data_source: str = Field("", max_length=200)
    collecting_unit: str | None = Field(None, max_length=64, description="Unit code.")
    frequency: Frequency = Frequency.Monthly
    time_aggregation: Aggregation = Aggregation.sum
    direction: Direction = Direction.higher
    band_low: Decimal | None = Field(None, **BAND)
    band_high: Decimal | None = Field(None, **BAND)
    kind: Kind = Kind.quantitative
    rubric: str | None = Field(None, max_length=64, description="Rubric code.")
    horizon: Horizon = Horizon.annual
    decimals: StrictInt = Field(2, ge=0, le=6)
    origin: str = Field("", max_length=200)
    tags: list[str] = Field(default_factory=list, max_length=100, description="taxonomy:category")
    change_note: str = Field("", max_length=200)


class IndicatorIn(IndicatorFields):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)


class IndicatorPatch(Schema):
    """Only the fields sent change; any change of an indicator in use makes a new version."""

    version: StrictInt = Field(description="The version you read; a newer one is a conflict (409).")
    name: str | None = Field(None, min_length=1, max_length=200)
    definition: str | None = Field(None, max_length=20000)
    unit_of_measure: str | None = Field(None, max_length=32)
    caliber: str | None = Field(None, max_length=20000)
    formula: str | None = Field(None, max_length=4000)
    data_source: str | None = Field(None, max_length=200)
    collecting_unit: str | None = Field(None, max_length=64)
    frequency: Frequency | None = None
    time_aggregation: Aggregation | None = None
    direction: Direction | None = None
    band_low: Decimal | None = Field(None, **BAND)
    band_high: Decimal | None = Field(None, **BAND)
    kind: Kind | None = None
    rubric: str | None = Field(None, max_length=64)
    horizon: Horizon | None = None
    decimals: StrictInt | None = Field(None, ge=0, le=6)
    origin: str | None = Field(None, max_length=200)
    tags: list[str] | None = Field(None, max_length=100)
    change_note: str = Field("", max_length=200)


class IndicatorActiveIn(Schema):
    version: StrictInt = Field(description="The version you read; a newer one is a conflict (409).")


class IndicatorFilter(Schema):
    q: str = Field("", max_length=200, description="Part of the code, name or definition.")
    taxonomy: str = Field("", max_length=64, description="Taxonomy code.")
    tag: str = Field("", max_length=130, description="A category as taxonomy:category.")
    kind: Kind | None = None
    direction: Direction | None = None
    frequency: Frequency | None = None
    horizon: Horizon | None = None
    active: bool | None = None


class FormulaCheckIn(Schema):
    text: str = Field(max_length=4000)
    code: str | None = Field(
        None,
        max_length=64,
        description="The indicator the formula belongs to, for the cycle check; none for a new one.",
    )


class FormulaErrorOut(Schema):
    position: int | None = Field(description="1-based column in the text; null if not located.")
    message: str


class FormulaCheckOut(Schema):
    ok: bool
    text: str = Field(description="The canonical text of the formula.")
    references: list[str] = Field(description="References as A, A@prev, A@lastyear.")
    errors: list[FormulaErrorOut]


class IndicatorImportChange(Schema):
    row: int
    code: str
    change: str = Field(description="create or update")
    new_version: bool = False


class IndicatorImportOut(Schema):
    dry_run: bool
    rows: int
    create: int
    update: int
    unchanged: int
    changes: list[IndicatorImportChange]
