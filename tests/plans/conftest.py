"""A small indicator library, a cycle and a plan, for the plans tests.

The four dimensions (taxonomy ``dimension``), indicators of every kind the checker
distinguishes, and helpers to build a plan that is ready to submit.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import translation

from govperf.indicators.models import Indicator, IndicatorVersion, Tag, Taxonomy
from govperf.plans import services
from govperf.plans.models import Cycle, Plan

DIMENSIONS = [
    ("economic", "经济发展"),
    ("social", "社会民生"),
    ("ecology", "生态环境"),
    ("government", "政府自身建设"),
]


def make_indicator(
    code: str,
    name: str,
    *,
    dimension: Tag | None = None,
    aggregation: str = "sum",
    direction: str = "higher",
    kind: str = "quantitative",
    horizon: str = "annual",
    frequency: str = "Monthly",
    caliber: str = "按统计年鉴口径",
    formula: str = "#{X}",
    data_source: str = "统计局",
    origin: str = "",
    unit_of_measure: str = "个",
) -> Indicator:
    indicator = Indicator.objects.create(code=code)
    version = IndicatorVersion.objects.create(
        indicator=indicator,
        number=1,
        name=name,
        unit_of_measure=unit_of_measure,
        caliber=caliber,
        formula=formula,
        data_source=data_source,
        frequency=frequency,
        time_aggregation=aggregation,
        direction=direction,
        kind=kind,
        horizon=horizon,
        origin=origin,
    )
    if dimension is not None:
        version.tags.add(dimension)
    indicator.current = version
    indicator.save(update_fields=["current"])
    return indicator


class Library:
    def __init__(self) -> None:
        self.taxonomy = Taxonomy.objects.create(code="dimension", name="四个维度", is_preset=True)
        self.dims = {
            code: Tag.objects.create(taxonomy=self.taxonomy, code=code, name=name, sort_order=i)
            for i, (code, name) in enumerate(DIMENSIONS)
        }
        d = self.dims
        self.gdp = make_indicator(
            "GDP",
            "地区生产总值增长率",
            dimension=d["economic"],
            aggregation="last",
            unit_of_measure="%",
        )
        self.invest = make_indicator(
            "INV",
            "固定资产投资完成率",
            dimension=d["economic"],
            aggregation="last",
            unit_of_measure="%",
        )
        self.enrol = make_indicator(
            "EDU", "教育普及程度", dimension=d["social"], aggregation="mean", unit_of_measure="%"
        )
        self.renov = make_indicator(
            "RENOV", "老旧小区改造完成数", dimension=d["social"], aggregation="sum"
        )
        self.air = make_indicator(
            "AIR",
            "空气质量优良天数比例",
            dimension=d["ecology"],
            aggregation="mean",
            horizon="long_term",
            unit_of_measure="%",
        )
        self.time = make_indicator(
            "TIME",
            "审批事项平均办理时间",
            dimension=d["government"],
            aggregation="mean",
            direction="lower",
            unit_of_measure="天",
        )
        self.open = make_indicator(
            "OPEN",
            "政务公开程度",
            dimension=d["government"],
            kind="qualitative",
            formula="",
            aggregation="last",
        )
        self.copied = make_indicator(
            "COPY", "营商环境便利度", dimension=d["economic"], caliber="", origin="外省指标库"
        )


@pytest.fixture(autouse=True)
def in_english(settings):
    """These tests read messages; they read them in English (the source language)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Public comments are rate-limited in the cache; each test starts with none counted.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def lib(db) -> Library:
    return Library()


@pytest.fixture
def cycle(org) -> Cycle:
    return services.create_cycle(
        actor=org.office, code="2026", name="2026年度", period="2026", status="active"
    )


# Weights and values of a plan the checker finds nothing blocking in: five core KPIs,
# every dimension, a long-term and a qualitative indicator.
READY = [
    ("gdp", "25", True, {"baseline": "5.5", "floor": "5", "target": "6", "challenge": "7"}),
    ("enrol", "20", True, {"baseline": "95", "floor": "95", "target": "96", "challenge": "97"}),
    ("renov", "20", True, {"baseline": "0", "floor": "18", "target": "20", "challenge": "22"}),
    ("air", "15", True, {"baseline": "60", "floor": "65", "target": "70", "challenge": "75"}),
    ("time", "10", True, {"baseline": "10", "floor": "9", "target": "8", "challenge": "6"}),
    ("open", "10", False, {"target": "1"}),
]


def ready_plan(org, lib, cycle, *, unit=None, rows=READY) -> Plan:
    """A draft plan of ``unit`` (教育局 by default) that can be submitted as it is."""
    unit = unit or org.edu
    plan = services.create_plan(actor=org.edu_coord, unit=unit, cycle=cycle, measures="加强督导")
    for attr, weight, core, values in rows:
        services.add_indicator(
            actor=org.edu_coord,
            plan=plan,
            indicator=getattr(lib, attr),
            weight=Decimal(weight),
            is_core=core,
            deadline=cycle.end_date,
            **values,
        )
    return Plan.objects.get(pk=plan.pk)


@pytest.fixture
def plan(org, lib, cycle) -> Plan:
    return ready_plan(org, lib, cycle)


def set_target(org, indicator, unit, period, value, **extra):
    """A target set by the office (which may set any unit's), through the service."""
    return services.create_target(
        actor=org.office,
        indicator=indicator,
        unit=unit,
        period=period,
        target=Decimal(str(value)) if value is not None else None,
        **extra,
    )


def split(org, parent, kind, parts):
    """Decompose ``parent`` into ``parts``: [(period or unit, value), ...]."""
    return services.decompose_target(
        actor=org.office,
        target=parent,
        kind=kind,
        parts=[
            {("unit" if kind == "level" else "period"): key, "target": Decimal(str(value))}
            for key, value in parts
        ],
    )
