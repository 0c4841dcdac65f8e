"""``govperf load_schemes``: load the preset evaluation schemes (idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from govperf.audit import context


class Command(BaseCommand):
    help = "Load the preset evaluation schemes of PRODUCT.md C6; presets already there are kept."

    def handle(self, *args, **options) -> None:
        from govperf.evaluation.services import load_presets

        with context.using(context.AuditContext(via="cli")):
            created = load_presets(actor=None)
        for scheme in created:
            self.stdout.write(f"loaded {scheme.code} ({scheme.name})")
        if not created:
            self.stdout.write("presets already loaded; nothing changed")
