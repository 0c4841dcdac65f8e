"""`govperf load_taxonomies`: the preset taxonomies, categories and default rubric (idempotent)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from govperf.audit import context
from govperf.indicators.services import load_presets


class Command(BaseCommand):
    help = (
        "Create the preset taxonomies (four dimensions, budget, New York, R004), their "
        "categories and the default three-level rubric where missing. Safe to run again: "
        "what the office edited stays."
    )

    def handle(self, *args, **options):
        with context.using(context.AuditContext(via="cli")):
            counts = load_presets()
        self.stdout.write(json.dumps({"created": counts}, ensure_ascii=False))
