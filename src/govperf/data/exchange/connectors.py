"""Connectors: values pulled on a schedule from an HTTP endpoint (JSON or CSV) or an SQL query.

A run reads the source, maps its fields to indicator, unit, period and value with the
connector's ``field_map``, and writes through ``data.writer`` with source
``connector``, all or nothing like any import. Every attempt is logged as a
``ConnectorRun``. A source that cannot be read (network, HTTP status, SQL error)
raises :class:`SourceUnavailable`, which the worker retries; when the last attempt
fails too, the owner is told. Data the writer refuses is not retried (the same data
would be refused again): the run is logged as refused and the owner is told at once.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from django.utils import timezone
from django.utils.translation import gettext as _
from huey import crontab

from govperf.core.errors import ErrorDetail, ValidationFailed
from govperf.core.notifications import notify
from govperf.core.tabular import cell_text
from govperf.data import conf
from govperf.data.models import Connector, ConnectorRun

logger = logging.getLogger(__name__)

REQUIRED_FIELDS = ("indicator", "unit", "period", "value")
OPTIONAL_FIELDS = ("level", "comment", "category", "attribute")
CHUNK = 50_000


class SourceUnavailable(Exception):
    """The source could not be read; worth trying again later."""


# --- secrets in a source's configuration --------------------------------------------------------
#
# A source may need credentials: request headers (``Authorization``, an API key), a password in
# the URL or a token in its query. None of them is ever shown back: answers and pages carry
# ``MASK`` in their place, and a form or API client that sends ``MASK`` back keeps the stored one.

MASK = "********"
# Query parameters whose value is a credential.
_SECRET_NAME = re.compile(r"auth|token|key|secret|pass|pwd|sig|credential|session|cookie", re.I)
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")
MAX_HEADERS = 50


def public_url(url: str) -> str:
    """``url`` with the password and the values of secret query parameters masked."""
    if not url:
        return url
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _at, host = netloc.rpartition("@")
        user, colon, _password = userinfo.partition(":")
        netloc = f"{user}:{MASK}@{host}" if colon else netloc
    query = "&".join(
        f"{name}={MASK}" if sep and value and _SECRET_NAME.search(unquote(name)) else piece
        for piece in parts.query.split("&")
        for name, sep, value in [piece.partition("=")]
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def public_headers(headers: dict[str, Any] | None) -> dict[str, str]:
    """The header names, every value masked (any header may carry a credential)."""
    return {str(name): MASK for name in (headers or {})}


def unmask(
    *, url: str, headers: dict[str, Any], stored: Connector | None
) -> tuple[str, dict[str, Any]]:
    """Put the stored secrets back where a client sent ``MASK`` (it sent back what it read)."""
    if stored is None:
        return url, headers
    if url and url == public_url(stored.url):
        url = stored.url
    old = stored.headers or {}
    headers = {
        name: old[name] if value == MASK and name in old else value
        for name, value in (headers or {}).items()
    }
    return url, headers


def secrets(connector: Connector) -> list[str]:
    """The credentials in a connector's configuration, longest first (to mask them in text)."""
    found = [str(v) for v in (connector.headers or {}).values() if len(str(v)) >= 4]
    parts = urlsplit(connector.url or "")
    if parts.password:
        found += [parts.password, unquote(parts.password)]
    for piece in parts.query.split("&"):
        name, _sep, value = piece.partition("=")
        if value and _SECRET_NAME.search(unquote(name)):
            found += [value, unquote(value)]
    return sorted({s for s in found if len(s) >= 4}, key=len, reverse=True)


def redact(connector: Connector, text: str) -> str:
    """``text`` (a run's message, say) with the connector's credentials masked."""
    for secret in secrets(connector):
        text = text.replace(secret, MASK)
    return text


# --- configuration checks (the form and the API use them) ---------------------------------------


def check_schedule(
    minute: str, hour: str, day: str, month: str, day_of_week: str
) -> list[ErrorDetail]:
    try:
        crontab(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week)
    except ValueError as exc:
        return [
            ErrorDetail(
                field="minute",
                value=f"{minute} {hour} {day} {month} {day_of_week}",
                message=_("Not a valid crontab schedule: %(reason)s") % {"reason": exc},
            )
        ]
    return []


def check_field_map(field_map: Any) -> list[ErrorDetail]:
    if not isinstance(field_map, dict):
        return [
            ErrorDetail(field="field_map", message=_("An object: our field → the source's field."))
        ]
    errors = [
        ErrorDetail(
            field="field_map",
            value=name,
            message=_("Say which source field holds the %(name)s.") % {"name": name},
        )
        for name in REQUIRED_FIELDS
        if not str(field_map.get(name) or "").strip()
    ]
    errors += [
        ErrorDetail(
            field="field_map",
            value=name,
            message=_("Unknown field; use %(fields)s.")
            % {"fields": ", ".join(REQUIRED_FIELDS + OPTIONAL_FIELDS)},
        )
        for name in field_map
        if name not in REQUIRED_FIELDS + OPTIONAL_FIELDS
    ]
    return errors


def check_headers(headers: Any) -> list[ErrorDetail]:
    if not isinstance(headers, dict) or len(headers) > MAX_HEADERS:
        return [
            ErrorDetail(
                field="headers",
                message=_("An object of at most %(n)d headers: name → value.") % {"n": MAX_HEADERS},
            )
        ]
    errors = []
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.match(name):
            errors.append(
                ErrorDetail(field="headers", value=str(name)[:100], message=_("Not a header name."))
            )
        elif value == MASK:
            errors.append(
                ErrorDetail(
                    field="headers",
                    value=name,
                    message=_("Give the credential: %(mask)s stands only for the stored one.")
                    % {"mask": MASK},
                )
            )
        elif not isinstance(value, str) or len(value) > 4000 or any(c in value for c in "\r\n\0"):
            errors.append(
                ErrorDetail(
                    field="headers",
                    value=name,
                    message=_("A header value is text of one line (at most 4000 characters)."),
                )
            )
    return errors


def check_source(*, kind: str, url: str, database: str, query: str) -> list[ErrorDetail]:
    if kind not in Connector.Kind.values:
        return [ErrorDetail(field="kind", value=str(kind), message=_("Unknown kind."))]
    if kind == Connector.Kind.HTTP:
        if urlsplit(url).scheme not in ("http", "https"):
            return [
                ErrorDetail(
                    field="url", value=url, message=_("An http:// or https:// address is needed.")
                )
            ]
        if MASK in url:
            return [
                ErrorDetail(
                    field="url",
                    value=public_url(url),
                    message=_("Give the credential: %(mask)s stands only for the stored one.")
                    % {"mask": MASK},
                )
            ]
        return []
    errors = []
    if database not in conf.connector_databases():
        errors.append(
            ErrorDetail(
                field="database",
                value=database,
                message=_("Not one of the configured databases (%(names)s).")
                % {"names": ", ".join(sorted(conf.connector_databases())) or "-"},
            )
        )
    if not query.strip():
        errors.append(ErrorDetail(field="query", message=_("A query is needed.")))
    return errors


def is_due(connector: Connector, when) -> bool:
    local = timezone.localtime(when).replace(tzinfo=None)
    try:
        check = crontab(
            minute=connector.minute,
            hour=connector.hour,
            day=connector.day,
            month=connector.month,
            day_of_week=connector.day_of_week,
        )
    except ValueError:
        return False
    return bool(check(local))


# --- reading the source ------------------------------------------------------------------------------


def fetch(connector: Connector) -> list[dict[str, Any]]:
    """The source's records, as dicts from field name to value."""
    if connector.kind == Connector.Kind.SQL:
        return _query(connector)
    return _http(connector)


def _http(connector: Connector) -> list[dict[str, Any]]:
    import requests

    limit = conf.import_max_bytes()
    try:
        response = requests.request(
            connector.method or "GET",
            connector.url,
            headers={str(k): str(v) for k, v in (connector.headers or {}).items()},
            timeout=conf.connector_timeout(),
            stream=True,
        )
        body = response.raw.read(limit + 1, decode_content=True)
    except requests.RequestException as exc:
        raise SourceUnavailable(f"{type(exc).__name__}: {exc}") from exc
    if response.status_code >= 400:
        raise SourceUnavailable(f"HTTP {response.status_code}")
    if len(body) > limit:
        raise ValidationFailed(
            _("The response is too large."),
            [ErrorDetail(field="url", message=_("The response is too large."))],
        )
    if connector.response_format == Connector.Format.CSV:
        return _csv_records(body)
    return _json_records(body, connector.records_path)


def _json_records(body: bytes, path: str) -> list[dict[str, Any]]:
    import json

    try:
        doc = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(
            _("The response is not valid JSON."),
            [ErrorDetail(field="response", message=str(exc)[:200])],
        ) from exc
    for key in [k for k in path.split(".") if k]:
        doc = doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(doc, list) or not all(isinstance(r, dict) for r in doc):
        raise ValidationFailed(
            _("The response holds no list of records at the records path."),
            [
                ErrorDetail(
                    field="records_path",
                    value=path,
                    message=_("A list of objects is expected here."),
                )
            ],
        )
    return doc


def _csv_records(body: bytes) -> list[dict[str, Any]]:
    from govperf.data.exchange.readers import detect_encoding

    stream = io.BytesIO(body)
    text = io.TextIOWrapper(stream, encoding=detect_encoding(stream), newline="")
    return [dict(row) for row in csv.DictReader(text)]


def _query(connector: Connector) -> list[dict[str, Any]]:
    dsn = conf.connector_databases().get(connector.database)
    if dsn is None:
        raise ValidationFailed(
            _("Unknown database."),
            [
                ErrorDetail(
                    field="database", value=connector.database, message=_("Unknown database.")
                )
            ],
        )
    try:
        if dsn.startswith("sqlite:///"):
            return _sqlite(dsn.removeprefix("sqlite:///"), connector.query)
        return _postgres(dsn, connector.query)
    except ValidationFailed:
        raise
    except Exception as exc:  # every driver error means the source could not be read
        raise SourceUnavailable(f"{type(exc).__name__}: {exc}") from exc


def _sqlite(path: str, query: str) -> list[dict[str, Any]]:
    import sqlite3

    # Read-only: the file is opened in ro mode, so no statement can change it.
    conn = sqlite3.connect(
        f"file:/{path.lstrip('/')}?mode=ro", uri=True, timeout=conf.connector_timeout()
    )
    try:
        cur = conn.execute(query)
        names = [d[0] for d in cur.description or []]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        conn.close()


def _postgres(dsn: str, query: str) -> list[dict[str, Any]]:
    import psycopg

    timeout_ms = conf.connector_timeout() * 1000
    with psycopg.connect(
        dsn,
        connect_timeout=conf.connector_timeout(),
        options=f"-c default_transaction_read_only=on -c statement_timeout={timeout_ms}",
    ) as conn:
        conn.read_only = True
        with conn.cursor() as cur:
            cur.execute(query)
            names = [d.name for d in cur.description or []]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def columns(
    records: list[dict[str, Any]], field_map: dict[str, str]
) -> Iterator[tuple[list[int], dict[str, list[str] | None]]]:
    names = [n for n in REQUIRED_FIELDS + OPTIONAL_FIELDS if field_map.get(n)]
    for start in range(0, len(records), CHUNK):
        part = records[start : start + CHUNK]
        cols: dict[str, list[str] | None] = {
            name: [cell_text(r.get(field_map[name])) for r in part] for name in names
        }
        cols.setdefault("comment", None)
        yield list(range(start + 1, start + len(part) + 1)), cols


# --- a run -----------------------------------------------------------------------------------------


def run(
    connector: Connector,
    *,
    attempt: int = 1,
    final: bool = True,
    log: ConnectorRun | None = None,
) -> ConnectorRun:
    """One attempt: read, write, log. Raises ``SourceUnavailable`` (after logging) to be retried.

    ``log`` is the run queued by "run now" (still ``running``, not yet started), which this
    attempt fills in; without it, or when it has been filled in already, a new run is logged.
    """
    from govperf.audit import context
    from govperf.data.importing import import_columns
    from govperf.data.writer import SystemActor

    if log is not None:
        # Claimed once: a second delivery of the same task logs a run of its own.
        claimed = ConnectorRun.objects.filter(
            pk=log.pk, connector=connector, status=ConnectorRun.Status.QUEUED
        ).update(status=ConnectorRun.Status.RUNNING, attempt=attempt, started_at=timezone.now())
        log = ConnectorRun.objects.get(pk=log.pk) if claimed else None
    if log is None:
        log = ConnectorRun.objects.create(connector=connector, attempt=attempt)
    started = time.monotonic()
    Connector.objects.filter(pk=connector.pk).update(last_run_at=timezone.now())
    try:
        records = fetch(connector)
        labels = {name: str(source) for name, source in (connector.field_map or {}).items()}
        with context.using(context.AuditContext(via="task")):
            result = import_columns(
                actor=SystemActor(f"connector:{connector.name}"[:150]),
                chunks=columns(records, connector.field_map or {}),
                labels=labels,
                source="connector",
                batch_id=f"connector-{log.pk}",
                filename=connector.name,
            )
        log.rows = result.rows
        log.counts = result.counts()
        log.errors = [d.as_dict() for d in result.errors]
        log.status = ConnectorRun.Status.OK if result.ok else ConnectorRun.Status.REFUSED
        if not result.ok:
            log.message = _("%(n)d errors; nothing was written.") % {
                "n": len(result.errors) + result.more_errors
            }
    except ValidationFailed as exc:
        log.status = ConnectorRun.Status.REFUSED
        log.message = str(exc.message)
        log.errors = [d.as_dict() for d in exc.details]
    except SourceUnavailable as exc:
        log.status = ConnectorRun.Status.FAILED
        log.message = str(exc)[:2000]
    except Exception as exc:  # anything else failed the run too: logged, retried, the owner told
        logger.exception("connector %s: run %s failed", connector.pk, log.pk)
        log.status = ConnectorRun.Status.FAILED
        log.message = f"{type(exc).__name__}: {exc}"[:2000]
    log.message = redact(connector, log.message)[:2000]
    log.finished_at = timezone.now()
    log.duration_ms = int((time.monotonic() - started) * 1000)
    log.save(
        update_fields=[
            "rows",
            "counts",
            "errors",
            "status",
            "message",
            "finished_at",
            "duration_ms",
        ]
    )
    if log.status == ConnectorRun.Status.REFUSED or (
        log.status == ConnectorRun.Status.FAILED and final
    ):
        _tell_owner(connector, log)
    if log.status == ConnectorRun.Status.FAILED:
        raise SourceUnavailable(log.message)
    return log


def run_task(connector_id: int, *, run_id: int | None, attempt: int, final: bool) -> None:
    """The worker's attempt: an active connector runs (filling in the run "run now" queued);
    a connector disabled or deleted since is skipped, its queued run closed as failed."""
    connector = (
        Connector.objects.filter(pk=connector_id, is_active=True).select_related("owner").first()
    )
    queued = ConnectorRun.objects.filter(pk=run_id, status=ConnectorRun.Status.QUEUED).first()
    if connector is not None:
        run(connector, attempt=attempt, final=final, log=queued)
    elif queued is not None:
        queued.status = ConnectorRun.Status.FAILED
        queued.message = _("The connector was disabled before the run started.")
        queued.finished_at = timezone.now()
        queued.save(update_fields=["status", "message", "finished_at"])


def _tell_owner(connector: Connector, log: ConnectorRun) -> None:
    from django.urls import reverse

    if log.status == ConnectorRun.Status.FAILED:
        message = _("Connector %(name)s failed after %(n)d attempts: %(reason)s") % {
            "name": connector.name,
            "n": log.attempt,
            "reason": log.message[:200],
        }
    else:
        message = _(
            "Connector %(name)s: the data were refused; nothing was written. %(reason)s"
        ) % {
            "name": connector.name,
            "reason": log.message[:200],
        }
    notify(
        [connector.owner_id],
        message,
        url=reverse("data:connector", args=[connector.pk]),
        kind="data.connector",
    )
