"""`govperf demo`: load the demo city once (running it again adds only what is missing)."""

from django.core.management.base import BaseCommand

from govperf.demo.loader import demo_logins_text, load_demo


class Command(BaseCommand):
    help = "Load the demo city (idempotent)."

    def handle(self, *args, **options):
        ran = load_demo(self.stdout.write)
        self.stdout.write("demo: " + (f"loaded {', '.join(ran)}" if ran else "already loaded"))
        self.stdout.write(demo_logins_text())
