"""API: the indicator library — indicators and their versions, taxonomies, rubrics,
the formula check and the spreadsheet import. Reading needs a sign-in; every
write needs the performance office's MANAGE_LIBRARY."""

from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from govperf.core.errors import ErrorDetail, ValidationFailed
from govperf.core.http import CSV, XLSX, attachment
from govperf.core.pagination import Pagination
from govperf.core.schemas import ERRORS
from govperf.indicators import importing, selectors, services
from govperf.indicators.formulas import check_formula
from govperf.indicators.models import Indicator, Rubric, Tag, Taxonomy
from govperf.indicators.schemas import (
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    FormulaCheckIn,
    FormulaCheckOut,
    IndicatorActiveIn,
    IndicatorDetailOut,
    IndicatorFilter,
    IndicatorImportOut,
    IndicatorIn,
    IndicatorOut,
    IndicatorPatch,
    RubricIn,
    RubricOut,
    RubricPatch,
    TaxonomyIn,
    TaxonomyOut,
    TaxonomyPatch,
)
from govperf.indicators.services import Definition
from govperf.indicators.usage import usages
from govperf.orgs import policy
from govperf.orgs.models import Unit
from govperf.orgs.policy import Action

router = Router(tags=["indicators"])

NULLABLE = {"collecting_unit", "rubric", "band_low", "band_high"}


def _unit(code: str | None) -> Unit | None:
    if not code:
        return None
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise ValidationFailed(
            _("Unknown unit."),
            [ErrorDetail(field="collecting_unit", value=code, message=_("Unknown unit code."))],
        )
    return unit


def _rubric(code: str | None) -> Rubric | None:
    if not code:
        return None
    rubric = Rubric.objects.filter(code=code).first()
    if rubric is None:
        raise ValidationFailed(
            _("Unknown rubric."),
            [ErrorDetail(field="rubric", value=code, message=_("Unknown rubric."))],
        )
    return rubric


def _tags(keys: list[str]) -> tuple[Tag, ...]:
    found, missing = [], []
    for key in dict.fromkeys(keys):
        tag = selectors.find_tag(key) if ":" in key else None
        if tag is None:
            missing.append(key)
        else:
            found.append(tag)
    if missing:
        raise ValidationFailed(
            _("Unknown category."),
            [
                ErrorDetail(
                    field="tags", value=k, message=_("Unknown category (write taxonomy:category).")
                )
                for k in missing
            ],
        )
    return tuple(found)


def _definition(base: Definition, fields: dict[str, Any]) -> Definition:
    """``base`` with the sent fields; a null for a field that cannot be empty leaves it."""
    changes: dict[str, Any] = {}
    for name, value in fields.items():
        if name in ("version", "code", "change_note"):
            continue
        if value is None and name not in NULLABLE:
            continue
        if name == "collecting_unit":
            value = _unit(value)
        elif name == "rubric":
            value = _rubric(value)
        elif name == "tags":
            value = _tags(value)
        elif hasattr(value, "value"):  # an enum member
            value = value.value
        changes[name] = value
    return base.replace(**changes)


def _detail(indicator: Indicator) -> dict[str, Any]:
    return {
        "id": indicator.pk,
        "code": indicator.code,
        "is_active": indicator.is_active,
        "version": indicator.version,
        "current": indicator.current,
        "versions": selectors.versions(indicator),
        "used_in_formulas": [i.code for i in services.formula_users(indicator, active_only=False)],
        "usages": [
            {"model": u.model_label, "name": u.name, "count": u.count, "versions": list(u.versions)}
            for u in usages(indicator)
        ],
    }


def _indicator(code: str) -> Indicator:
    return selectors.get_indicator_by_code(code)


# --- the formula check and the import (before /indicators/{code}) ------------------------


@router.post(
    "/indicators/formula-check",
    response={200: FormulaCheckOut, **ERRORS},
    summary="Check a formula against the library (the editor's live check)",
)
def formula_check(request: HttpRequest, payload: FormulaCheckIn):
    return check_formula(payload.text, own_code=payload.code or None).as_dict()


@router.post(
    "/indicators/import",
    response={200: IndicatorImportOut, **ERRORS},
    summary="Import indicators from .xlsx or .csv (all or nothing; ?dry_run=1 only checks)",
)
def import_indicators(request: HttpRequest, file: File[UploadedFile], dry_run: bool = False):
    data = file.read(importing.MAX_BYTES + 1)
    plan = importing.plan_file(actor=request.user, data=data, filename=file.name or "")
    if not plan.ok:
        raise ValidationFailed(_("The file has errors; nothing was imported."), plan.errors)
    if not dry_run:
        importing.apply_plan(actor=request.user, plan=plan, filename=file.name or "")
    changes = [{"row": c["row"], "code": c["code"], "change": "create"} for c in plan.creates] + [
        {"row": u["row"], "code": u["code"], "change": "update", "new_version": u["new_version"]}
        for u in plan.updates
    ]
    return {"dry_run": dry_run, **plan.summary(), "changes": changes}


FILE_RESPONSE = {
    "responses": {
        200: {
            "description": "The file",
            "content": {
                XLSX: {"schema": {"type": "string", "format": "binary"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    }
}


@router.get(
    "/indicators/export",
    response={200: str, **ERRORS},
    summary="The current versions of the whole library as .xlsx or .csv (the import's columns)",
    openapi_extra=FILE_RESPONSE,
)
def export_indicators(request: HttpRequest, format: Literal["xlsx", "csv"] = "xlsx"):
    filename = f"govperf-indicators.{format}"
    if format == "csv":
        return attachment(importing.export_csv(), CSV, filename)
    return attachment(importing.export_workbook(), XLSX, filename)


@router.get(
    "/indicators/import-template",
    response={200: str, **ERRORS},
    summary="The import template (.xlsx), with the columns in the caller's language",
    openapi_extra=FILE_RESPONSE,
)
def indicator_template(request: HttpRequest):
    policy.require(request.user, Action.MANAGE_LIBRARY)
    return attachment(importing.template_workbook(), XLSX, "govperf-indicator-template.xlsx")


# --- indicators ---------------------------------------------------------------------------


@router.get(
    "/indicators", response={200: list[IndicatorOut], **ERRORS}, summary="The indicator library"
)
@paginate(Pagination)
def list_indicators(request: HttpRequest, filters: Query[IndicatorFilter]):
    return selectors.indicators(
        search=filters.q.strip(),
        taxonomy=filters.taxonomy,
        tag=filters.tag,
        kind=filters.kind or "",
        direction=filters.direction or "",
        frequency=filters.frequency or "",
        horizon=filters.horizon or "",
        active=filters.active,
    ).prefetch_related("current__inputs", "current__created_by")


@router.get(
    "/indicators/{code}",
    response={200: IndicatorDetailOut, **ERRORS},
    summary="One indicator with its versions and where it is used",
)
def get_indicator(request: HttpRequest, code: str):
    return _detail(_indicator(code))


@router.post(
    "/indicators", response={201: IndicatorDetailOut, **ERRORS}, summary="Create an indicator"
)
def create_indicator(request: HttpRequest, payload: IndicatorIn):
    fields = payload.dict()
    indicator = services.create_indicator(
        actor=request.user,
        code=payload.code,
        definition=_definition(Definition(name=payload.name), fields),
        change_note=payload.change_note,
    )
    return Status(201, _detail(selectors.get_indicator(indicator.pk)))


@router.patch(
    "/indicators/{code}",
    response={200: IndicatorDetailOut, **ERRORS},
    summary="Change an indicator (a new version when its current one is in use)",
)
def patch_indicator(request: HttpRequest, code: str, payload: IndicatorPatch):
    indicator = _indicator(code)
    services.update_indicator(
        actor=request.user,
        indicator=indicator,
        expected_version=payload.version,
        definition=_definition(Definition.of(indicator.current), payload.dict(exclude_unset=True)),
        change_note=payload.change_note,
    )
    return _detail(selectors.get_indicator(indicator.pk))


@router.post(
    "/indicators/{code}/deactivate",
    response={200: IndicatorDetailOut, **ERRORS},
    summary="Deactivate an indicator (refused while active formulas use it)",
)
def deactivate_indicator(request: HttpRequest, code: str, payload: IndicatorActiveIn):
    indicator = _indicator(code)
    services.set_indicator_active(
        actor=request.user, indicator=indicator, active=False, expected_version=payload.version
    )
    return _detail(selectors.get_indicator(indicator.pk))


@router.post(
    "/indicators/{code}/reactivate",
    response={200: IndicatorDetailOut, **ERRORS},
    summary="Reactivate an indicator",
)
def reactivate_indicator(request: HttpRequest, code: str, payload: IndicatorActiveIn):
    indicator = _indicator(code)
    services.set_indicator_active(
        actor=request.user, indicator=indicator, active=True, expected_version=payload.version
    )
    return _detail(selectors.get_indicator(indicator.pk))


# --- taxonomies and categories ----------------------------------------------------------------


@router.get(
    "/taxonomies",
    response={200: list[TaxonomyOut], **ERRORS},
    summary="Taxonomies with their categories",
)
@paginate(Pagination)
def list_taxonomies(request: HttpRequest):
    return Taxonomy.objects.prefetch_related("tags__parent").order_by("sort_order", "code")


@router.get("/taxonomies/{code}", response={200: TaxonomyOut, **ERRORS}, summary="One taxonomy")
def get_taxonomy(request: HttpRequest, code: str):
    return selectors.get_taxonomy(code)


@router.post("/taxonomies", response={201: TaxonomyOut, **ERRORS}, summary="Create a taxonomy")
def create_taxonomy(request: HttpRequest, payload: TaxonomyIn):
    taxonomy = services.create_taxonomy(
        actor=request.user,
        code=payload.code,
        name=payload.name,
        description=payload.description,
        sort_order=payload.sort_order,
    )
    return Status(201, taxonomy)


@router.patch(
    "/taxonomies/{code}", response={200: TaxonomyOut, **ERRORS}, summary="Change a taxonomy"
)
def patch_taxonomy(request: HttpRequest, code: str, payload: TaxonomyPatch):
    taxonomy = selectors.get_taxonomy(code)
    return services.update_taxonomy(
        actor=request.user,
        taxonomy=taxonomy,
        expected_version=payload.version,
        name=payload.name if payload.name is not None else taxonomy.name,
        description=payload.description
        if payload.description is not None
        else taxonomy.description,
        sort_order=payload.sort_order if payload.sort_order is not None else taxonomy.sort_order,
    )


def _parent(taxonomy: Taxonomy, code: str | None) -> Tag | None:
    if not code:
        return None
    parent = Tag.objects.filter(taxonomy=taxonomy, code=code).first()
    if parent is None:
        raise ValidationFailed(
            _("Unknown category."),
            [ErrorDetail(field="parent", value=code, message=_("Unknown category."))],
        )
    return parent


@router.post(
    "/taxonomies/{code}/tags",
    response={201: CategoryOut, **ERRORS},
    summary="Add a category to a taxonomy",
)
def create_tag(request: HttpRequest, code: str, payload: CategoryIn):
    taxonomy = selectors.get_taxonomy(code)
    tag = services.create_tag(
        actor=request.user,
        taxonomy=taxonomy,
        code=payload.code,
        name=payload.name,
        description=payload.description,
        parent=_parent(taxonomy, payload.parent),
        sort_order=payload.sort_order,
    )
    return Status(201, tag)


@router.patch(
    "/taxonomies/{code}/tags/{tag_code}",
    response={200: CategoryOut, **ERRORS},
    summary="Change a category",
)
def patch_tag(request: HttpRequest, code: str, tag_code: str, payload: CategoryPatch):
    taxonomy = selectors.get_taxonomy(code)
    tag = selectors.get_tag(taxonomy, tag_code)
    sent = payload.dict(exclude_unset=True)
    return services.update_tag(
        actor=request.user,
        tag=tag,
        expected_version=payload.version,
        name=payload.name if payload.name is not None else tag.name,
        description=payload.description if payload.description is not None else tag.description,
        parent=_parent(taxonomy, payload.parent) if "parent" in sent else tag.parent,
        sort_order=payload.sort_order if payload.sort_order is not None else tag.sort_order,
    )


@router.delete(
    "/taxonomies/{code}/tags/{tag_code}",
    response={204: None, **ERRORS},
    summary="Delete a category no indicator ever had",
)
def delete_tag(request: HttpRequest, code: str, tag_code: str):
    taxonomy = selectors.get_taxonomy(code)
    services.delete_tag(actor=request.user, tag=selectors.get_tag(taxonomy, tag_code))
    return Status(204, None)


# --- rubrics -----------------------------------------------------------------------------------


@router.get("/rubrics", response={200: list[RubricOut], **ERRORS}, summary="Rubrics")
@paginate(Pagination)
def list_rubrics(request: HttpRequest):
    return Rubric.objects.order_by("code")


@router.get("/rubrics/{code}", response={200: RubricOut, **ERRORS}, summary="One rubric")
def get_rubric(request: HttpRequest, code: str):
    return selectors.get_rubric(code)


@router.post("/rubrics", response={201: RubricOut, **ERRORS}, summary="Create a rubric")
def create_rubric(request: HttpRequest, payload: RubricIn):
    rubric = services.create_rubric(
        actor=request.user,
        code=payload.code,
        name=payload.name,
        description=payload.description,
        levels=[level.dict() for level in payload.levels],
    )
    return Status(201, rubric)


@router.patch(
    "/rubrics/{code}",
    response={200: RubricOut, **ERRORS},
    summary="Change a rubric (its levels stay fixed while indicators in use grade by it)",
)
def patch_rubric(request: HttpRequest, code: str, payload: RubricPatch):
    rubric = selectors.get_rubric(code)
    return services.update_rubric(
        actor=request.user,
        rubric=rubric,
        expected_version=payload.version,
        name=payload.name if payload.name is not None else rubric.name,
        description=payload.description if payload.description is not None else rubric.description,
        levels=[level.dict() for level in payload.levels]
        if payload.levels is not None
        else rubric.levels,
    )
