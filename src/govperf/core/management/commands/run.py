"""`govperf run`: the web server and its worker together, for one machine; Ctrl-C stops both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the app and run its worker on 127.0.0.1:$PORT (default 8000). Not for production: use gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, **options):
        env = os.environ.copy()
        # Plain http on the loopback: cookies cannot be marked Secure here.
        env.setdefault("GOVPERF_SECURE_COOKIES", "0")
        command = [sys.executable, "-m", "govperf.cli"]
        address = f"{options['host']}:{options['port']}"
        web = subprocess.Popen(  # noqa: S603  (our own interpreter and module)
            [*command, "runserver", "--noreload", "--insecure", address], env=env
        )
        worker = subprocess.Popen(  # noqa: S603
            [*command, "worker"], env=env
        )
        children = [web, worker]

        from govperf.demo.loader import demo_logins_text

        self.stdout.write(
            f"GovPerf: http://{address}/  (worker pid {worker.pid}, database {settings.DATABASES['default']['NAME']})"
        )
        logins = demo_logins_text()
        if logins:
            self.stdout.write(logins)
        self.stdout.write("Ctrl-C stops the server and the worker.")

        def stop(*_args):
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
        failed = [
            c for c in children if c.returncode not in (0, -signal.SIGTERM, -signal.SIGINT, None)
        ]
        if failed:
            sys.exit(1)
