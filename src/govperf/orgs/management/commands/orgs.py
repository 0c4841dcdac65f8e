"""`govperf orgs import units|people FILE [--dry-run] [--user NAME]` and
`govperf orgs template units|people FILE`.

Import prints one JSON document: the counts (and the initial passwords of new accounts,
shown only here) and exits 0, or every located error (row, column, message) and exits 1.
The whole file is imported or nothing is; with ``--dry-run`` nothing is written.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from govperf.core.commands import check_and_apply, find_account, read_file
from govperf.orgs import importing
from govperf.orgs.roles import Role

KINDS = ("units", "people")


class Command(BaseCommand):
    help = "Import units or people (with their roles) from .xlsx or .csv; write an empty template."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        imp = sub.add_parser("import", help="Create or update units or people from a file.")
        imp.add_argument("kind", choices=KINDS)
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")
        imp.add_argument(
            "--user", help="Act as this account (default: the first system administrator)."
        )
        tpl = sub.add_parser("template", help="Write the import template (.xlsx).")
        tpl.add_argument("kind", choices=KINDS)
        tpl.add_argument("file", help="Ends in .xlsx.")

    def handle(self, *args, **options):
        kind, path = options["kind"], Path(options["file"])
        if options["subcommand"] == "template":
            if path.suffix.lower() != ".xlsx":
                raise CommandError("the file name must end in .xlsx")
            path.write_bytes(importing.template_workbook(kind))
            self.stdout.write(json.dumps({"template": kind, "file": str(path)}))
            return
        data = read_file(path)
        actor = find_account(
            options.get("user"),
            default_role=Role.SYSTEM_ADMIN,
            missing="no active system administrator; create one with `govperf createadmin`",
        )
        dry_run = options["dry_run"]

        def apply(plan) -> list[tuple[str, str]]:
            if kind == "units":
                importing.apply_units(actor=actor, plan=plan, filename=path.name)
                return []
            return importing.apply_people(actor=actor, plan=plan, filename=path.name)[1]

        plan, passwords = check_and_apply(
            self.stdout,
            lambda: importing.plan_file(actor=actor, kind=kind, data=data, filename=path.name),
            apply,
            dry_run=dry_run,
        )
        out = {"dry_run": dry_run, "kind": kind, **plan.summary()}
        if passwords:
            out["initial_passwords"] = [{"username": u, "password": p} for u, p in passwords]
        self.stdout.write(json.dumps(out, ensure_ascii=False))
