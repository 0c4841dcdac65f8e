"""A small library, plan and data for the data tests.

Indicators of the education department (``edu``), monthly unless said:
``ENR`` enrolled pupils and ``CAP`` school places (sums), ``RATE`` = ENR / CAP × 100
(a formula), ``USE`` = RATE × 2 (a formula of a formula), ``OPEN`` a yearly
qualitative indicator with a rubric, ``SCORE`` a yearly number. Every one of them
has a 2026 target for ``edu``, in a plan in execution.
"""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pytest
from django.core.management import call_command
from django.utils import translation

from govperf.data.batch import ValueBatch
from govperf.data.models import DataValue
from govperf.indicators.models import Indicator, IndicatorVersion, Rubric
from govperf.plans.models import Cycle, Plan, PlanItem, Target

LEVELS = [
    {"name": "达成", "description": "", "min": 0.8, "max": 1.0},
    {"name": "部分达成", "description": "", "min": 0.6, "max": 0.8},
    {"name": "未达成", "description": "", "min": 0.0, "max": 0.6},
]


def make_indicator(
    code: str,
    name: str = "",
    *,
    frequency: str = "Monthly",
    aggregation: str = "sum",
    formula: str = "",
    kind: str = "quantitative",
    rubric: Rubric | None = None,
    unit_of_measure: str = "人",
) -> Indicator:
    indicator = Indicator.objects.create(code=code)
    version = IndicatorVersion.objects.create(
        indicator=indicator,
        number=1,
        name=name or code,
        frequency=frequency,
        time_aggregation=aggregation,
        formula=formula,
        kind=kind,
        rubric=rubric,
        unit_of_measure=unit_of_measure,
    )
    indicator.current = version
    indicator.save(update_fields=["current"])
    return indicator


class Library:
    def __init__(self, org) -> None:
        self.rubric = Rubric.objects.create(code="three", name="三级", levels=LEVELS)
        self.enr = make_indicator("ENR", "在校生数")
        self.cap = make_indicator("CAP", "学位数")
        self.rate = make_indicator(
            "RATE", "学位使用率", aggregation="mean", formula="#{ENR} / #{CAP} * 100"
        )
        self.use = make_indicator("USE", "使用指数", aggregation="mean", formula="#{RATE} * 2")
        self.open = make_indicator(
            "OPEN",
            "政务公开",
            frequency="Yearly",
            aggregation="last",
            kind="qualitative",
            rubric=self.rubric,
            unit_of_measure="",
        )
        self.score = make_indicator("SCORE", "满意度", frequency="Yearly", aggregation="last")
        self.cycle = Cycle.objects.create(
            code="2026",
            name="2026年度",
            period="2026",
            start_date="2026-01-01",
            end_date="2026-12-31",
            status="active",
        )
        self.plan = Plan.objects.create(unit=org.edu, cycle=self.cycle, status="in_execution")
        self.targets = {}
        for n, ind in enumerate([self.enr, self.cap, self.rate, self.use, self.open, self.score]):
            target = Target.objects.create(
                indicator=ind,
                indicator_version=ind.current,
                unit=org.edu,
                period="2026",
                target=Decimal(100),
            )
            PlanItem.objects.create(plan=self.plan, target=target, weight=10, sort_order=n)
            self.targets[ind.code] = target


@pytest.fixture(autouse=True)
def in_english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def lib(org) -> Library:
    return Library(org)


def batch(items: list[tuple], **extra) -> ValueBatch:
    """A batch from ``(indicator, unit, period, value)`` tuples (value as text or "")."""
    return ValueBatch(
        indicator_ids=np.asarray([r[0].pk for r in items], dtype=np.int64),
        unit_ids=np.asarray([r[1].pk for r in items], dtype=np.int64),
        periods=[r[2] for r in items],
        values=[str(r[3]) for r in items],
        **extra,
    )


def stored(
    indicator, unit, period: str, value=None, *, status: str = "draft", **extra
) -> DataValue:
    """A value put straight into the table (arranging a test, not the thing tested)."""
    from govperf.engine.periods import Period

    return DataValue.objects.create(
        indicator=indicator,
        unit=unit,
        period=period,
        period_start=Period.parse(period).start,
        value=None if value is None else Decimal(str(value)),
        status=status,
        **extra,
    )


def cli(capsys, *args) -> tuple[int, dict]:
    """``govperf data ARGS``: its exit code and the JSON object of its last line."""
    code = 0
    try:
        call_command("data", *args)
    except SystemExit as exc:
        code = exc.code
    return code, json.loads(capsys.readouterr().out.strip().splitlines()[-1])


@pytest.fixture
def server():
    """A local HTTP source: ``server.routes[path] = (status, content type, body)``;
    ``server.seen`` holds each request's path and headers."""
    routes: dict[str, tuple[int, str, bytes]] = {}
    seen: list[tuple[str, dict[str, str]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.path, dict(self.headers)))
            status, ctype, body = routes.get(self.path, (404, "text/plain", b"no"))
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.routes = routes
    httpd.seen = seen
    httpd.base = f"http://127.0.0.1:{httpd.server_port}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()
