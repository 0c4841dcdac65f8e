"""`govperf data import FILE …`, `govperf data export FILE …`, `govperf data connectors`
and `govperf data connector-run NAME [--wait]`.

Import prints one JSON object: the counts, exit 0 (with ``--dry-run``: what would be
written, nothing written); or every located error, exit 1, nothing written. It runs
the same code as the import page, the API and the worker (``data.importing``).
Without ``--as`` a command acts as the system (whoever runs the server owns it),
reaching every unit, audited as ``system`` via ``cli``.

``connectors`` prints the connectors (name, kind, schedule, last run). ``connector-run``
runs one now, in this process, and prints the run: its counts, exit 0; or its errors,
exit 1 (a source that cannot be read, or data refused: nothing written). With
``--wait`` a source that cannot be read is tried again, as the worker would.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from govperf.audit import context
from govperf.core.commands import find_account, read_file
from govperf.core.errors import DomainError
from govperf.data import exporting, importing
from govperf.data.exchange import services as exchange
from govperf.data.exchange.connectors import redact
from govperf.data.exchange.mapping import parse_file
from govperf.data.tasks import CONNECTOR_RETRIES, CONNECTOR_RETRY_DELAY
from govperf.data.writer import SYSTEM


def _actor(username: str | None):
    """The account named, else the system (imports from the command line act as it)."""
    return find_account(username) if username else SYSTEM


def _mapping_rows(path: str | None) -> list[list[str]] | None:
    if not path:
        return None
    data = read_file(Path(path))
    return [list(row) for row in parse_file(data).rows()]


class Command(BaseCommand):
    help = "Import or export data values: CSV, Excel, the entry template, DHIS2 JSON/CSV."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        imp = sub.add_parser("import", help="Import values from a file, all or nothing.")
        imp.add_argument("file")
        imp.add_argument("--format", choices=importing.FORMATS, help="Default: from the file name.")
        imp.add_argument("--unit", help="Unit code, for a template without its unit row.")
        imp.add_argument("--period", help="Period code, for a template without its period row.")
        imp.add_argument("--mapping", help="MAP.csv (kind,external,code) for DHIS2 ids.")
        imp.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")
        imp.add_argument("--as", dest="username", help="Act as this account (default: the system).")
        exp = sub.add_parser("export", help="Export values to a file.")
        exp.add_argument("file")
        exp.add_argument("--format", choices=("csv", "xlsx", "dhis2-json", "dhis2-csv"))
        exp.add_argument(
            "--template",
            action="store_true",
            help="The entry template (needs --unit and --period).",
        )
        exp.add_argument("--unit")
        exp.add_argument("--period")
        exp.add_argument("--indicator")
        exp.add_argument("--mapping", help="MAP.csv (kind,external,code) for DHIS2 ids.")
        exp.add_argument("--as", dest="username", help="Act as this account (default: the system).")
        lst = sub.add_parser("connectors", help="List the connectors and their last runs.")
        lst.add_argument("--as", dest="username", help="Act as this account (default: the system).")
        run = sub.add_parser(
            "connector-run", help="Run a connector now, in this process; exit 1 if it fails."
        )
        run.add_argument("name", metavar="NAME", help="The connector's name.")
        run.add_argument(
            "--wait",
            action="store_true",
            help="Try a source that cannot be read again, as the worker would "
            f"({CONNECTOR_RETRIES} more times, --retry-delay apart).",
        )
        run.add_argument(
            "--retry-delay",
            type=float,
            default=CONNECTOR_RETRY_DELAY,
            help=f"Seconds between attempts with --wait (default {CONNECTOR_RETRY_DELAY}).",
        )
        run.add_argument("--as", dest="username", help="Act as this account (default: the system).")

    def handle(self, *args, **options):
        with context.using(context.AuditContext(via="cli")):
            try:
                handler = {
                    "export": self._export,
                    "connectors": self._connectors,
                    "connector-run": self._connector_run,
                }.get(options["subcommand"], self._import)
                handler(options)
            except DomainError as exc:
                self._fail(exc.as_dict()["details"] or [{"message": str(exc.message)}])

    def _import(self, options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"cannot read {path}: no such file")
        outcome = importing.import_file(
            actor=_actor(options["username"]),
            stream=path,
            filename=path.name,
            fmt=options["format"],
            unit=options["unit"],
            period=options["period"],
            mapping_rows=_mapping_rows(options["mapping"]),
            dry_run=options["dry_run"],
            preview_rows=0,
        )
        body = outcome.as_dict()
        self.stdout.write(json.dumps(body, ensure_ascii=False, default=str))
        if not outcome.ok:
            sys.exit(1)

    def _export(self, options) -> None:
        path = Path(options["file"])
        fmt = options["format"] or {".xlsx": "xlsx", ".json": "dhis2-json"}.get(
            path.suffix.lower(), "csv"
        )
        if options["template"]:
            if fmt not in ("csv", "xlsx"):
                raise CommandError("a template is .xlsx or .csv")
            fmt = f"template-{fmt}"
        export = exporting.export_values(
            user=_actor(options["username"]),
            fmt=fmt,
            unit=options["unit"],
            period=options["period"],
            indicator=options["indicator"],
            mapping_rows=_mapping_rows(options["mapping"]),
        )
        path.write_bytes(export.data)
        self.stdout.write(
            json.dumps(
                {"exported": export.count, "format": fmt, "file": str(path)}, ensure_ascii=False
            )
        )

    def _connectors(self, options) -> None:
        rows = exchange.visible_connectors(_actor(options["username"]))
        self.stdout.write(
            json.dumps(
                {
                    "connectors": [
                        {
                            "name": c.name,
                            "kind": c.kind,
                            "schedule": c.schedule,
                            "active": c.is_active,
                            "last_run_at": c.last_run_at.isoformat() if c.last_run_at else None,
                            "last_run_status": c.last_run_status,
                        }
                        for c in rows
                    ]
                },
                ensure_ascii=False,
            )
        )

    def _connector_run(self, options) -> None:
        actor = _actor(options["username"])
        connector = exchange.get_connector_named(actor, options["name"])
        if options["retry_delay"] < 0:
            raise CommandError("--retry-delay cannot be negative")
        run = exchange.run_connector_here(
            actor=actor,
            connector=connector,
            retries=CONNECTOR_RETRIES if options["wait"] else 0,
            retry_delay=options["retry_delay"],
        )
        ok = run.status == run.Status.OK
        body = {
            "ok": ok,
            "connector": connector.name,
            "run": run.pk,
            "status": run.status,
            "attempt": run.attempt,
            **{"rows": run.rows, **run.counts},
            "duration_ms": run.duration_ms,
        }
        if not ok:
            message = redact(connector, run.message)
            body["message"] = message
            body["errors"] = run.errors or [{"message": message}]
        self.stdout.write(json.dumps(body, ensure_ascii=False, default=str))
        if not ok:
            sys.exit(1)

    def _fail(self, errors: list[dict]) -> None:
        self.stdout.write(
            json.dumps({"ok": False, "errors": errors}, ensure_ascii=False, default=str)
        )
        sys.exit(1)
