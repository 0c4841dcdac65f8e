"""`govperf plans import FILE --user NAME [--dry-run]`, `govperf plans export UNIT CYCLE FILE`
and `govperf plans template FILE`.

Import reads the same .xlsx/.csv as the plan import page and acts as the named account
(whose permissions apply): it prints one JSON document with the counts and exits 0, or
every located error (row, column, message) and exits 1; the whole file is imported or
nothing is, and with ``--dry-run`` nothing is written. Export writes a plan's items in the
import's columns, so that a plan can be edited in Excel and imported back.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from govperf.core.commands import find_account, import_and_report, read_file
from govperf.plans import importing
from govperf.plans.models import Plan


class Command(BaseCommand):
    help = "Import performance plans from .xlsx or .csv, export a plan, write the template."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        imp = sub.add_parser("import", help="Create or update plan items from a file.")
        imp.add_argument("file")
        imp.add_argument("--user", required=True, help="Act as this account (its permissions).")
        imp.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")
        exp = sub.add_parser("export", help="Write one plan's items (.xlsx).")
        exp.add_argument("unit", help="The unit's code.")
        exp.add_argument("cycle", help="The cycle's code, e.g. 2026.")
        exp.add_argument("file", help="Ends in .xlsx.")
        tpl = sub.add_parser("template", help="Write the import template (.xlsx).")
        tpl.add_argument("file", help="Ends in .xlsx.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        command = options["subcommand"]
        if command in ("export", "template") and path.suffix.lower() != ".xlsx":
            raise CommandError("the file name must end in .xlsx")
        if command == "template":
            path.write_bytes(importing.template_workbook())
            self.stdout.write(json.dumps({"template": "plans", "file": str(path)}))
        elif command == "export":
            plan = (
                Plan.objects.select_related("unit", "cycle")
                .filter(unit__code=options["unit"], cycle__code=options["cycle"])
                .first()
            )
            if plan is None:
                raise CommandError(f"no plan of {options['unit']!r} for cycle {options['cycle']!r}")
            path.write_bytes(importing.export_plan(plan))
            out = {"plan": plan.pk, "items": plan.items.count(), "file": str(path)}
            self.stdout.write(json.dumps(out, ensure_ascii=False))
        else:
            self._import(path, options["user"], options["dry_run"])

    def _import(self, path: Path, username: str, dry_run: bool) -> None:
        data = read_file(path)
        actor = find_account(username)
        import_and_report(
            self.stdout,
            importing.plan_file,
            importing.apply_import,
            actor=actor,
            data=data,
            filename=path.name,
            dry_run=dry_run,
        )
