"""`govperf indicators import FILE [--dry-run] [--user NAME]` and `govperf indicators export FILE`.

Both print one JSON document. Import exits 0 with the counts, or 1 with every
located error (row, column, message); with ``--dry-run`` nothing is written.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from govperf.core.commands import find_account, import_and_report, read_file
from govperf.indicators import importing
from govperf.indicators.models import Indicator
from govperf.orgs.roles import Role


class Command(BaseCommand):
    help = "Import or export the indicator library as .xlsx or .csv."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        imp = sub.add_parser("import", help="Create or update indicators from a file.")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")
        imp.add_argument(
            "--user",
            help="Act as this account (default: the first performance-office account).",
        )
        exp = sub.add_parser("export", help="Write the current versions to a file.")
        exp.add_argument("file", help="Ends in .xlsx or .csv.")

    def handle(self, *args, **options):
        if options["subcommand"] == "export":
            self._export(Path(options["file"]))
        else:
            self._import(Path(options["file"]), options["dry_run"], options.get("user"))

    def _export(self, path: Path) -> None:
        if path.suffix.lower() not in (".xlsx", ".csv"):
            raise CommandError("the file name must end in .xlsx or .csv")
        data = (
            importing.export_csv() if path.suffix.lower() == ".csv" else importing.export_workbook()
        )
        path.write_bytes(data)
        count = Indicator.objects.filter(current__isnull=False).count()
        self.stdout.write(json.dumps({"exported": count, "file": str(path)}, ensure_ascii=False))

    def _import(self, path: Path, dry_run: bool, username: str | None) -> None:
        data = read_file(path)
        actor = find_account(
            username,
            default_role=Role.PERF_OFFICE,
            missing="no active performance-office account; name one with --user",
        )
        import_and_report(
            self.stdout,
            importing.plan_file,
            importing.apply_plan,
            actor=actor,
            data=data,
            filename=path.name,
            dry_run=dry_run,
        )
