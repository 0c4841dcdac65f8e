"""`govperf data import FILE …` and `govperf data export FILE …`.

Import prints one JSON object: the counts, exit 0 (with ``--dry-run``: what would be
written, nothing written); or every located error, exit 1, nothing written. It runs
the same code as the import page, the API and the worker (``data.importing``).
Without ``--as`` the import acts as the system (whoever runs the server owns it),
reaching every unit, audited as ``system`` via ``cli``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from govperf.audit import context
from govperf.core.errors import DomainError
from govperf.data import exporting, importing
from govperf.data.exchange.mapping import parse_file
from govperf.data.writer import SYSTEM


def _actor(username: str | None):
    from govperf.orgs.models import Person

    if not username:
        return SYSTEM
    person = Person.objects.filter(is_active=True, username__iexact=username).first()
    if person is None:
        raise CommandError(f"no active account named {username!r}")
    return person


def _mapping_rows(path: str | None) -> list[list[str]] | None:
    if not path:
        return None
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
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

    def handle(self, *args, **options):
        with context.using(context.AuditContext(via="cli")):
            try:
                if options["subcommand"] == "export":
                    self._export(options)
                else:
                    self._import(options)
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

    def _fail(self, errors: list[dict]) -> None:
        self.stdout.write(
            json.dumps({"ok": False, "errors": errors}, ensure_ascii=False, default=str)
        )
        sys.exit(1)
