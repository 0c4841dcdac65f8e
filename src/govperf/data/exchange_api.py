"""API of the data exchange: file imports (with a dry run), their jobs, exports, and the
office's code mappings and connectors."""

from typing import Literal

from django.http import HttpRequest
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import Field

from govperf.core.http import attachment
from govperf.core.pagination import Pagination
from govperf.core.schemas import ERRORS, ErrorDetailOut, InputSchema
from govperf.data import conf, exporting
from govperf.data.exchange import jobs, services
from govperf.data.exchange.mapping import parse_file
from govperf.data.models import CodeMapping, ImportJob
from govperf.data.schemas import (
    ConnectorFilter,
    ConnectorIn,
    ConnectorOut,
    ConnectorPatch,
    ConnectorRunOut,
    error_items,
)

router = Router(tags=["data exchange"])

ImportFormat = Literal["csv", "xlsx", "dhis2-json", "dhis2-csv"]
ExportFormat = Literal["csv", "xlsx", "template-xlsx", "template-csv", "dhis2-json", "dhis2-csv"]
MappingKind = Literal["dataElement", "orgUnit", "categoryOptionCombo", "attributeOptionCombo"]


class ImportJobOut(Schema):
    id: int
    filename: str
    format: str
    size: int
    sha256: str
    dry_run: bool
    status: str
    progress_done: int
    progress_total: int
    percent: int
    counts: dict[str, int]
    errors: list[ErrorDetailOut]
    warnings: list[ErrorDetailOut]
    created_at: str
    finished_at: str | None

    @staticmethod
    def resolve_created_at(job: ImportJob) -> str:
        return job.created_at.isoformat()

    @staticmethod
    def resolve_finished_at(job: ImportJob) -> str | None:
        return job.finished_at.isoformat() if job.finished_at else None

    @staticmethod
    def resolve_errors(job: ImportJob) -> list[dict]:
        return error_items(job.errors)

    @staticmethod
    def resolve_warnings(job: ImportJob) -> list[dict]:
        return error_items(job.warnings)


class DataImportIn(InputSchema):
    format: ImportFormat | None = None
    unit: str | None = Field(default=None, max_length=64)
    period: str | None = Field(default=None, max_length=16)
    dry_run: bool = True  # a form field: "true"/"false" as text


class MappingOut(Schema):
    id: int
    kind: str
    external: str
    code: str
    note: str
    version: int


class MappingIn(InputSchema):
    kind: MappingKind
    external: str = Field(min_length=1, max_length=100)
    code: str = Field(default="", max_length=64)
    note: str = Field(default="", max_length=200)


class MappingPatch(InputSchema):
    version: int | None = None
    kind: MappingKind | None = None
    external: str | None = Field(default=None, min_length=1, max_length=100)
    code: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=200)


class ExportFilter(Schema):
    format: ExportFormat = "csv"
    unit: str | None = Field(default=None, max_length=64)
    period: str | None = Field(default=None, max_length=16)
    indicator: str | None = Field(default=None, max_length=64)


@router.post(
    "/data/imports",
    response={200: ImportJobOut, 202: ImportJobOut, **ERRORS},
    summary="Import values from a file (a dry run unless dry_run is false)",
)
def create_import(
    request: HttpRequest,
    file: File[UploadedFile],
    options: Form[DataImportIn],
    mapping: File[UploadedFile] | None = None,
):
    """CSV/Excel (long or template) or DHIS2 JSON/CSV. Checked first; with ``dry_run`` false a
    file without errors is then imported, all or nothing. Large files run in the background:
    the answer is 202 and ``GET /data/imports/{id}`` follows the progress."""
    data = file.read(conf.import_max_bytes() + 1)
    mapping_rows = (
        [list(r) for r in parse_file(mapping.read(1024 * 1024)).rows()] if mapping else None
    )
    job = jobs.create_job(
        actor=request.user,
        data=data,
        filename=file.name or "upload",
        fmt=options.format,
        unit=options.unit,
        period=options.period,
        mapping_rows=mapping_rows,
    )
    if not options.dry_run and job.status == ImportJob.Status.CHECKED:
        job = jobs.confirm_job(actor=request.user, job=job)
    return Status(200 if job.finished else 202, job)


@router.post(
    "/data/imports/{job_id}/confirm",
    response={200: ImportJobOut, 202: ImportJobOut, **ERRORS},
    summary="Import a checked file",
)
def confirm_import(request: HttpRequest, job_id: int):
    job = jobs.confirm_job(actor=request.user, job=jobs.get_job(request.user, job_id))
    return Status(200 if job.finished else 202, job)


@router.get("/data/imports", response={200: list[ImportJobOut], **ERRORS}, summary="Import jobs")
@paginate(Pagination)
def list_imports(request: HttpRequest):
    jobs.require_import(request.user)
    return jobs.visible_jobs(request.user)


@router.get(
    "/data/imports/{job_id}", response={200: ImportJobOut, **ERRORS}, summary="An import job"
)
def get_import(request: HttpRequest, job_id: int):
    return jobs.get_job(request.user, job_id)


@router.get(
    "/data/export",
    response={200: str, **ERRORS},
    summary="Export values as CSV, Excel, the entry template or DHIS2",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file",
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    "application/json": {"schema": {"type": "object"}},
                    exporting.XLSX: {"schema": {"type": "string", "format": "binary"}},
                },
            }
        }
    },
)
def export(request: HttpRequest, filters: Query[ExportFilter]):
    result = exporting.export_values(
        user=request.user,
        fmt=filters.format,
        unit=filters.unit,
        period=filters.period,
        indicator=filters.indicator,
    )
    return attachment(result.data, result.content_type, result.filename)


@router.get("/data/mappings", response={200: list[MappingOut], **ERRORS}, summary="Code mappings")
@paginate(Pagination)
def list_mappings(request: HttpRequest, kind: MappingKind | None = None):
    from govperf.orgs import policy
    from govperf.orgs.policy import Action

    policy.require(request.user, Action.IMPORT_DATA)
    qs = CodeMapping.objects.all()
    return qs.filter(kind=kind) if kind else qs


@router.post("/data/mappings", response={201: MappingOut, **ERRORS}, summary="Add a code mapping")
def create_mapping(request: HttpRequest, body: MappingIn):
    mapping = services.save_mapping(
        actor=request.user, kind=body.kind, external=body.external, code=body.code, note=body.note
    )
    return Status(201, mapping)


@router.patch(
    "/data/mappings/{mapping_id}",
    response={200: MappingOut, **ERRORS},
    summary="Change a code mapping",
)
def update_mapping(request: HttpRequest, mapping_id: int, body: MappingPatch):
    mapping = services.get_mapping(request.user, mapping_id)
    sent = body.dict(exclude_unset=True)
    return services.save_mapping(
        actor=request.user,
        mapping=mapping,
        expected_version=sent.get("version"),
        kind=sent.get("kind") or mapping.kind,
        external=sent.get("external") or mapping.external,
        code=sent["code"] if sent.get("code") is not None else mapping.code,
        note=sent["note"] if sent.get("note") is not None else mapping.note,
    )


@router.delete(
    "/data/mappings/{mapping_id}", response={204: None, **ERRORS}, summary="Delete a code mapping"
)
def delete_mapping(request: HttpRequest, mapping_id: int):
    services.delete_mapping(
        actor=request.user, mapping=services.get_mapping(request.user, mapping_id)
    )
    return Status(204, None)


# --- connectors ------------------------------------------------------------------------------------


@router.get("/data/connectors", response={200: list[ConnectorOut], **ERRORS}, summary="Connectors")
@paginate(Pagination)
def list_connectors(request: HttpRequest, filters: Query[ConnectorFilter]):
    """The office's connectors, each with its last run's status. Credentials are masked."""
    qs = services.visible_connectors(request.user)
    if filters.kind is not None:
        qs = qs.filter(kind=filters.kind)
    if filters.is_active is not None:
        qs = qs.filter(is_active=filters.is_active)
    return qs


@router.post("/data/connectors", response={201: ConnectorOut, **ERRORS}, summary="Add a connector")
def create_connector(request: HttpRequest, body: ConnectorIn):
    """The caller becomes its owner, told when a run fails."""
    connector = services.save_connector(actor=request.user, fields=body.model_dump(mode="json"))
    return Status(201, connector)


@router.get(
    "/data/connectors/{connector_id}", response={200: ConnectorOut, **ERRORS}, summary="A connector"
)
def get_connector(request: HttpRequest, connector_id: int):
    return services.get_connector(request.user, connector_id)


@router.patch(
    "/data/connectors/{connector_id}",
    response={200: ConnectorOut, **ERRORS},
    summary="Change, enable or disable a connector",
)
def update_connector(request: HttpRequest, connector_id: int, body: ConnectorPatch):
    """Only the fields sent change; ``version`` is the one you read (a newer one is 409).
    ``is_active: false`` disables the connector (its schedule stops; its runs stay);
    ``owner`` hands it to another account that can manage connectors."""
    connector = services.get_connector(request.user, connector_id)
    sent = body.model_dump(mode="json", exclude_unset=True)
    version = sent.pop("version")
    fields = {name: value for name, value in sent.items() if value is not None}
    if "owner" in fields:
        fields["owner"] = services.connector_owner(fields["owner"])
    return services.save_connector(
        actor=request.user, fields=fields, connector=connector, expected_version=version
    )


@router.delete(
    "/data/connectors/{connector_id}",
    response={204: None, **ERRORS},
    summary="Delete a connector and its run log",
)
def delete_connector(request: HttpRequest, connector_id: int):
    """The values it wrote stay. To stop it and keep its log, disable it instead."""
    services.delete_connector(
        actor=request.user, connector=services.get_connector(request.user, connector_id)
    )
    return Status(204, None)


@router.post(
    "/data/connectors/{connector_id}/run",
    response={202: ConnectorRunOut, **ERRORS},
    summary="Run a connector now",
)
def run_connector(request: HttpRequest, connector_id: int):
    """Queues one run and answers it, ``queued``; ``GET …/runs/{run_id}`` follows it. A source
    that cannot be read is retried; the owner is told when it finally fails."""
    connector = services.get_connector(request.user, connector_id)
    return Status(202, services.run_connector_now(actor=request.user, connector=connector))


@router.get(
    "/data/connectors/{connector_id}/runs",
    response={200: list[ConnectorRunOut], **ERRORS},
    summary="A connector's runs",
)
@paginate(Pagination)
def list_connector_runs(request: HttpRequest, connector_id: int):
    """The latest first, each with its counts and errors."""
    connector = services.get_connector(request.user, connector_id)
    return services.connector_runs(request.user, connector)


@router.get(
    "/data/connectors/{connector_id}/runs/{run_id}",
    response={200: ConnectorRunOut, **ERRORS},
    summary="A connector run",
)
def get_connector_run(request: HttpRequest, connector_id: int, run_id: int):
    connector = services.get_connector(request.user, connector_id)
    return services.get_connector_run(request.user, connector, run_id)
