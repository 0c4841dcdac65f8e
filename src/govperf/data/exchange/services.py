"""Writes of the data exchange: code mappings and connectors (the office's, ``IMPORT_DATA``).

The pages, the API and ``govperf data`` call these; none of them writes on its own."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from govperf.audit.services import record, snapshot
from govperf.core.errors import Conflict, ErrorDetail, NotFound, ValidationFailed
from govperf.data.exchange import connectors
from govperf.data.exchange.mapping import KINDS, Mapping
from govperf.data.models import CodeMapping, Connector, ConnectorRun
from govperf.orgs import policy
from govperf.orgs.policy import Action


def _fail_if(errors: list[ErrorDetail], message: str) -> None:
    if errors:
        raise ValidationFailed(message, errors)


def get_mapping(user, pk: Any) -> CodeMapping:
    policy.require(user, Action.IMPORT_DATA)
    found = CodeMapping.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound(_("Mapping not found."))
    return found


def save_mapping(
    *,
    actor,
    kind: str,
    external: str,
    code: str,
    note: str = "",
    mapping: CodeMapping | None = None,
    expected_version: int | None = None,
) -> CodeMapping:
    policy.require(actor, Action.IMPORT_DATA)
    kind, external, code, note = kind.strip(), external.strip(), code.strip(), note.strip()
    errors = []
    if kind not in KINDS:
        errors.append(ErrorDetail(field="kind", value=kind, message=_("Unknown kind.")))
    if not external or len(external) > 100:
        errors.append(
            ErrorDetail(field="external", value=external[:100], message=_("1 to 100 characters."))
        )
    if len(code) > 64 or (not code and kind in ("dataElement", "orgUnit")):
        errors.append(
            ErrorDetail(
                field="code",
                value=code[:64],
                message=_("Our code is needed (at most 64 characters)."),
            )
        )
    if len(note) > 200:
        errors.append(ErrorDetail(field="note", message=_("At most 200 characters.")))
    _fail_if(errors, _("The mapping could not be saved."))
    with transaction.atomic():
        twin = CodeMapping.objects.filter(kind=kind, external=external).exclude(
            pk=getattr(mapping, "pk", None)
        )
        reverse = CodeMapping.objects.filter(kind=kind, code=code).exclude(
            pk=getattr(mapping, "pk", None)
        )
        if twin.exists():
            errors.append(
                ErrorDetail(
                    field="external",
                    value=external,
                    message=_("This external id is mapped already."),
                )
            )
        if code and reverse.exists():
            errors.append(
                ErrorDetail(
                    field="code",
                    value=code,
                    message=_(
                        "Our code is mapped from another id already; a mapping is one to one."
                    ),
                )
            )
        _fail_if(errors, _("The mapping could not be saved."))
        if mapping is None:
            mapping = CodeMapping.objects.create(
                kind=kind, external=external, code=code, note=note, updated_by=actor
            )
            record(action="data.mapping.create", actor=actor, obj=mapping, after=snapshot(mapping))
            return mapping
        locked = CodeMapping.objects.select_for_update().get(pk=mapping.pk)
        if expected_version is not None and locked.version != expected_version:
            raise Conflict(_("Someone else has changed this mapping; reload and try again."))
        before = snapshot(locked)
        locked.kind, locked.external, locked.code, locked.note = kind, external, code, note
        locked.version += 1
        locked.updated_at = timezone.now()
        locked.updated_by = actor
        locked.save(
            update_fields=[
                "kind",
                "external",
                "code",
                "note",
                "version",
                "updated_at",
                "updated_by",
            ]
        )
        record(
            action="data.mapping.update",
            actor=actor,
            obj=locked,
            before=before,
            after=snapshot(locked),
        )
        return locked


def delete_mapping(*, actor, mapping: CodeMapping) -> None:
    policy.require(actor, Action.IMPORT_DATA)
    with transaction.atomic():
        before = snapshot(mapping)
        mapping.delete()
        record(
            action="data.mapping.delete",
            actor=actor,
            object_type="data.codemapping",
            object_id=before["id"],
            before=before,
        )


def import_mappings(*, actor, mapping: Mapping, filename: str = "") -> dict[str, int]:
    """Add or change the mappings of a MAP.csv, all or nothing."""
    policy.require(actor, Action.IMPORT_DATA)
    created = updated = unchanged = 0
    with transaction.atomic():
        existing = {(m.kind, m.external): m for m in CodeMapping.objects.select_for_update()}
        for kind, external, code in mapping.rows():
            found = existing.get((kind, external))
            if found is None:
                CodeMapping.objects.create(
                    kind=kind, external=external, code=code, updated_by=actor
                )
                created += 1
            elif found.code != code:
                found.code, found.version, found.updated_at, found.updated_by = (
                    code,
                    found.version + 1,
                    timezone.now(),
                    actor,
                )
                found.save(update_fields=["code", "version", "updated_at", "updated_by"])
                updated += 1
            else:
                unchanged += 1
        codes = [(k, c) for k, c in CodeMapping.objects.values_list("kind", "code") if c]
        if len(codes) != len(set(codes)):
            raise ValidationFailed(
                _("The file would map two ids to one code; a mapping is one to one."),
                [ErrorDetail(field="file", message=_("Two external ids for the same code."))],
            )
        counts = {"created": created, "updated": updated, "unchanged": unchanged}
        record(
            action="data.mapping.import",
            actor=actor,
            object_type="data.codemapping",
            object_id=filename[:64],
            after=counts,
        )
    return counts


# --- connectors -------------------------------------------------------------------------------------


CONNECTOR_FIELDS = (
    "name",
    "kind",
    "owner",
    "is_active",
    "minute",
    "hour",
    "day",
    "month",
    "day_of_week",
    "url",
    "method",
    "headers",
    "response_format",
    "records_path",
    "database",
    "query",
    "field_map",
)
METHODS = ("GET", "POST")
_LENGTHS = {
    "name": 100,
    "minute": 64,
    "hour": 64,
    "day": 64,
    "month": 64,
    "day_of_week": 64,
    "url": 500,
    "records_path": 200,
    "database": 64,
    "query": 20_000,
}


def require_connectors(user) -> None:
    """Connectors are the office's (``IMPORT_DATA``) over the whole organisation: a run writes
    as the system into any unit, so a token narrowed to some units may not keep or run them.
    The console operator (``govperf data`` without ``--as``) may."""
    from govperf.data.writer import SystemActor

    if isinstance(user, SystemActor):
        return
    policy.require_everything(
        user,
        Action.IMPORT_DATA,
        _("Connectors write into every unit; a token limited to some units may not use them."),
    )


def visible_connectors(user) -> QuerySet[Connector]:
    """Every connector (for those who may keep them), with its last run's status."""
    require_connectors(user)
    last = ConnectorRun.objects.filter(connector=OuterRef("pk")).order_by("-started_at", "-pk")
    return Connector.objects.select_related("owner").annotate(
        last_run_status=Subquery(last.values("status")[:1])
    )


def get_connector(user, pk: Any) -> Connector:
    try:
        found = visible_connectors(user).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise NotFound(_("Connector not found."))
    return found


def get_connector_named(user, name: str) -> Connector:
    found = visible_connectors(user).filter(name=name.strip()).first()
    if found is None:
        raise NotFound(_("Connector not found."))
    return found


def connector_runs(user, connector: Connector) -> QuerySet[ConnectorRun]:
    """A connector's runs, the latest first."""
    require_connectors(user)
    return ConnectorRun.objects.filter(connector=connector).select_related("connector")


def get_connector_run(user, connector: Connector, pk: Any) -> ConnectorRun:
    try:
        found = connector_runs(user, connector).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise NotFound(_("Run not found."))
    return found


def connector_snapshot(connector: Connector) -> dict[str, Any]:
    """The audited state, its credentials masked."""
    state = snapshot(connector)
    state["url"] = connectors.public_url(connector.url)
    state["headers"] = connectors.public_headers(connector.headers)
    return state


def connector_owner(username: str):
    """The active account named ``username`` (any case), to own a connector; a located
    error if there is none."""
    from django.contrib.auth import get_user_model

    found = get_user_model().objects.filter(username__iexact=username, is_active=True).first()
    if found is None:
        raise ValidationFailed(
            _("The connector could not be saved."),
            [
                ErrorDetail(
                    field="owner", value=username, message=_("No active account has this name.")
                )
            ],
        )
    return found


def _can_own_connectors(user) -> bool:
    return (
        policy.can(user, Action.IMPORT_DATA)
        and policy.unit_scope(user, Action.IMPORT_DATA).everything
    )


def _check_connector(data: dict[str, Any]) -> list[ErrorDetail]:
    errors = []
    if not str(data["name"]).strip():
        errors.append(ErrorDetail(field="name", message=_("A name is needed.")))
    owner = data["owner"]
    if owner is None or not owner.is_active or not _can_own_connectors(owner):
        errors.append(
            ErrorDetail(
                field="owner",
                value=getattr(owner, "username", None),
                message=_(
                    "The owner is told when a run fails and must be able to manage connectors."
                ),
            )
        )
    errors += [
        ErrorDetail(
            field=name,
            message=_("At most %(n)d characters.") % {"n": limit},
        )
        for name, limit in _LENGTHS.items()
        if not isinstance(data[name], str) or len(data[name]) > limit
    ]
    if data["method"] not in METHODS:
        errors.append(
            ErrorDetail(field="method", value=str(data["method"]), message=_("GET or POST."))
        )
    if data["response_format"] not in Connector.Format.values:
        errors.append(
            ErrorDetail(
                field="response_format",
                value=str(data["response_format"]),
                message=_("JSON or CSV."),
            )
        )
    if errors:  # the checks below need text
        return errors
    errors += connectors.check_schedule(
        data["minute"], data["hour"], data["day"], data["month"], data["day_of_week"]
    )
    errors += connectors.check_field_map(data["field_map"])
    errors += connectors.check_headers(data["headers"])
    errors += connectors.check_source(
        kind=data["kind"], url=data["url"], database=data["database"], query=data["query"]
    )
    return errors


def save_connector(
    *,
    actor,
    fields: dict[str, Any],
    connector: Connector | None = None,
    expected_version: int | None = None,
) -> Connector:
    """Create a connector, or change one: ``fields`` holds what is given (the rest keeps its
    value, or the default; the owner of a new connector is the actor). A credential sent
    back masked, as it was shown, keeps its stored value."""
    require_connectors(actor)
    unknown = set(fields) - set(CONNECTOR_FIELDS)
    if unknown:
        raise TypeError(f"not connector fields: {sorted(unknown)}")
    if connector is None:
        data = {
            name: Connector._meta.get_field(name).get_default()
            for name in CONNECTOR_FIELDS
            if name != "owner"
        }
        data["owner"] = actor
    else:
        data = {name: getattr(connector, name) for name in CONNECTOR_FIELDS}
    data.update(fields)
    data["name"] = str(data["name"] or "").strip()
    data["url"], data["headers"] = connectors.unmask(
        url=data["url"] or "", headers=data["headers"], stored=connector
    )
    errors = _check_connector(data)
    if (
        data["name"]
        and Connector.objects.filter(name=data["name"])
        .exclude(pk=getattr(connector, "pk", None))
        .exists()
    ):
        errors.append(
            ErrorDetail(field="name", value=data["name"], message=_("This name is used already."))
        )
    _fail_if(errors, _("The connector could not be saved."))
    with transaction.atomic():
        if connector is None:
            connector = Connector.objects.create(**data)
            record(
                action="data.connector.create",
                actor=actor,
                obj=connector,
                after=connector_snapshot(connector),
            )
            return connector
        locked = Connector.objects.select_for_update().get(pk=connector.pk)
        if expected_version is not None and locked.version != expected_version:
            raise Conflict(_("Someone else has changed this connector; reload and try again."))
        before = connector_snapshot(locked)
        for name, value in data.items():
            setattr(locked, name, value)
        locked.version += 1
        locked.updated_at = timezone.now()
        locked.save(update_fields=[*CONNECTOR_FIELDS, "version", "updated_at"])
        record(
            action="data.connector.update",
            actor=actor,
            obj=locked,
            before=before,
            after=connector_snapshot(locked),
        )
        return locked


def delete_connector(*, actor, connector: Connector) -> None:
    """Delete a connector and its run log (the values it wrote stay; disabling keeps both)."""
    require_connectors(actor)
    with transaction.atomic():
        locked = Connector.objects.select_for_update().filter(pk=connector.pk).first()
        if locked is None:
            raise NotFound(_("Connector not found."))
        before = connector_snapshot(locked)
        locked.delete()
        record(
            action="data.connector.delete",
            actor=actor,
            object_type="data.connector",
            object_id=before["id"],
            object_repr=before["name"],
            before=before,
        )


def _require_active(connector: Connector) -> None:
    if not connector.is_active:
        raise Conflict(_("This connector is disabled; enable it to run it."))


def run_connector_now(*, actor, connector: Connector) -> ConnectorRun:
    """Queue one run now and return it, queued (the worker fills it in, and retries the
    source if it cannot be read)."""
    from govperf.data.tasks import run_connector

    require_connectors(actor)
    _require_active(connector)
    with transaction.atomic():
        queued = ConnectorRun.objects.create(connector=connector, status=ConnectorRun.Status.QUEUED)
        record(action="data.connector.run", actor=actor, obj=connector, after={"run": queued.pk})
        transaction.on_commit(lambda: run_connector(connector.pk, queued.pk))
    queued.refresh_from_db()  # a worker in immediate mode has run it already
    return queued


def run_connector_here(
    *, actor, connector: Connector, retries: int = 0, retry_delay: float = 0
) -> ConnectorRun:
    """Run now in this process (the command line) and return the finished run. A source that
    cannot be read is tried ``retries`` more times, ``retry_delay`` seconds apart, as the
    worker would; the owner is told when the last attempt fails or the data are refused."""
    import time

    require_connectors(actor)
    _require_active(connector)
    with transaction.atomic():
        record(action="data.connector.run", actor=actor, obj=connector, after={"in_process": True})
    attempt = 1
    while True:
        log = ConnectorRun.objects.create(
            connector=connector, attempt=attempt, status=ConnectorRun.Status.QUEUED
        )
        try:
            return connectors.run(connector, attempt=attempt, final=attempt > retries, log=log)
        except connectors.SourceUnavailable:
            if attempt > retries:
                log.refresh_from_db()
                return log
        attempt += 1
        time.sleep(retry_delay)
