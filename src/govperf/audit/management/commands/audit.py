"""`govperf audit verify [--anchor FILE]` and `govperf audit head`."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from govperf.audit import context
from govperf.audit.services import current_head
from govperf.audit.verify import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain, or print its head for safe keeping."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser(
            "verify", help="Recompute the chain; exit 1 naming the first broken entry."
        )
        verify.add_argument(
            "--anchor",
            help="A head exported earlier (JSON file with seq and hash), or - for stdin.",
        )
        sub.add_parser("head", help="Print the newest entry's sequence and hash as JSON.")

    def handle(self, *args, **options):
        with context.using(context.AuditContext(via="cli")):
            if options["subcommand"] == "head":
                self.stdout.write(json.dumps(current_head().as_dict()))
                return
            anchor = None
            if options.get("anchor"):
                try:
                    if options["anchor"] == "-":
                        raw = sys.stdin.read()
                    else:
                        with open(options["anchor"], encoding="utf-8") as handle:
                            raw = handle.read()
                    anchor = json.loads(raw)
                    anchor = {"seq": int(anchor["seq"]), "hash": str(anchor["hash"])}
                except (OSError, ValueError, KeyError, TypeError) as exc:
                    raise CommandError(f"cannot read the anchor: {exc}") from exc
            report = verify_chain(anchor=anchor)
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
            if not report.ok:
                sys.exit(1)
