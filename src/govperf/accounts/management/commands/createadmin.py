"""`govperf createadmin`: the first system administrator."""

from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError

from govperf.accounts.services import bootstrap_admin
from govperf.audit import context
from govperf.core.errors import ValidationFailed
from govperf.orgs.models import Unit


class Command(BaseCommand):
    help = "Create a system administrator account (creates a top-level unit when there is none)."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--name", required=True, help="Full name, e.g. 系统管理员")
        parser.add_argument(
            "--unit",
            help="Code of the unit to attach the role to (default: the first top-level unit).",
        )
        parser.add_argument(
            "--password", help="Avoid on shared machines; prompted for when omitted."
        )

    def handle(self, *args, **options):
        password = options.get("password")
        if not password:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        unit = None
        if options.get("unit"):
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"No unit with code {options['unit']!r}.")
        with context.using(context.AuditContext(via="cli")):
            try:
                person = bootstrap_admin(
                    username=options["username"], name=options["name"], password=password, unit=unit
                )
            except ValidationFailed as exc:
                lines = [f"  {d.field}: {d.message}" for d in exc.details]
                raise CommandError("\n".join([str(exc.message), *lines])) from exc
        self.stdout.write(self.style.SUCCESS(f"Created system administrator {person.username}."))
