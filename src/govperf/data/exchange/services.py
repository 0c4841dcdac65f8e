"""Writes of the data exchange: code mappings and connectors (the office's, ``IMPORT_DATA``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govperf.audit.services import record, snapshot
from govperf.core.errors import Conflict, ErrorDetail, NotFound, ValidationFailed
from govperf.data.exchange import connectors
from govperf.data.exchange.mapping import KINDS, Mapping
from govperf.data.models import CodeMapping, Connector
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


def get_connector(user, pk: Any) -> Connector:
    policy.require(user, Action.IMPORT_DATA)
    found = Connector.objects.select_related("owner").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("Connector not found."))
    return found


def save_connector(
    *,
    actor,
    fields: dict[str, Any],
    connector: Connector | None = None,
    expected_version: int | None = None,
) -> Connector:
    policy.require(actor, Action.IMPORT_DATA)
    errors = connectors.check_schedule(
        fields["minute"], fields["hour"], fields["day"], fields["month"], fields["day_of_week"]
    )
    errors += connectors.check_field_map(fields["field_map"])
    errors += connectors.check_source(
        kind=fields["kind"],
        url=fields.get("url", ""),
        database=fields.get("database", ""),
        query=fields.get("query", ""),
    )
    if (
        Connector.objects.filter(name=fields["name"])
        .exclude(pk=getattr(connector, "pk", None))
        .exists()
    ):
        errors.append(
            ErrorDetail(field="name", value=fields["name"], message=_("This name is used already."))
        )
    _fail_if(errors, _("The connector could not be saved."))
    with transaction.atomic():
        if connector is None:
            connector = Connector.objects.create(**fields)
            record(
                action="data.connector.create",
                actor=actor,
                obj=connector,
                after=snapshot(connector),
            )
            return connector
        locked = Connector.objects.select_for_update().get(pk=connector.pk)
        if expected_version is not None and locked.version != expected_version:
            raise Conflict(_("Someone else has changed this connector; reload and try again."))
        before = snapshot(locked)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.version += 1
        locked.updated_at = timezone.now()
        locked.save(update_fields=[*fields, "version", "updated_at"])
        record(
            action="data.connector.update",
            actor=actor,
            obj=locked,
            before=before,
            after=snapshot(locked),
        )
        return locked


def run_connector_now(*, actor, connector: Connector) -> None:
    """Queue one run now (the worker retries it if the source cannot be read)."""
    from govperf.data.tasks import run_connector

    policy.require(actor, Action.IMPORT_DATA)
    record(action="data.connector.run", actor=actor, obj=connector)
    transaction.on_commit(lambda: run_connector(connector.pk))
