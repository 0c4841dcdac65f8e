"""A small evaluation world for the evaluation tests.

``Org`` (tests.helpers) plus: an evaluator in the education bureau (``edu_eval``) so
that the two social departments can score each other, a second expert, and indicators
with 2025 targets and approved monthly data:

- ``ENR`` (monthly, sum, higher is better, target from each unit's plan):
  edu 11 approved months of 10 and a draft December → 110 against 100;
  health 12 × 7.5 = 90 against 100; county 12 × 8 = 96 against 120.
- ``WAIT`` (monthly, mean, lower is better, target 10 in the scheme):
  edu 8, health 12, county 15 (every month). A disaggregated health value of 100 and
  a 2024 value are there to be left out.
- ``OPEN`` (yearly, qualitative, rubric 达成/部分达成/未达成), scored by experts.

``SCHEME`` weighs goal 60 (ENR 50, WAIT 30, OPEN 20), social 30 (imported survey scores,
trimmed mean) and leader 10 (superiors, by rubric), with 创新创优 bonus capped at 3.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from govperf.data.models import DataValue
from govperf.engine.periods import Period
from govperf.evaluation import services
from govperf.evaluation.models import Round
from govperf.indicators.models import Indicator, IndicatorVersion, Rubric
from govperf.orgs.models import ComparableGroup
from govperf.plans.models import Cycle, Target
from tests.helpers import Org, make_person

LEVELS = [
    {"name": "达成", "description": "全面落实", "min": 0.8, "max": 1.0},
    {"name": "部分达成", "description": "基本落实", "min": 0.6, "max": 0.8},
    {"name": "未达成", "description": "落实不到位", "min": 0.0, "max": 0.6},
]

SCHEME = {
    "name": "测试方案",
    "precision": 2,
    "grades": [
        {"name": "优秀", "min": 90},
        {"name": "良好", "min": 80},
        {"name": "合格", "min": 60},
        {"name": "不合格", "min": 0},
    ],
    "ranking": "group",
    "bonus_cap": 3,
    "bonus_label": "创新创优",
    "components": [
        {
            "code": "goal",
            "label": "目标考核",
            "weight": 60,
            "indicators": [
                {
                    "code": "ENR",
                    "weight": 50,
                    "rule": {"kind": "higher_better", "target": "from_plan"},
                },
                {"code": "WAIT", "weight": 30, "rule": {"kind": "lower_better", "target": 10}},
                {
                    "code": "OPEN",
                    "weight": 20,
                    "rule": {"kind": "rubric"},
                    "source": "tasks",
                    "evaluators": ["expert"],
                },
            ],
        },
        {
            "code": "social",
            "label": "社会评价",
            "weight": 30,
            "panel": {"aggregate": "trimmed_mean", "trim": 1},
            "source": "import",
        },
        {
            "code": "leader",
            "label": "领导考评",
            "weight": 10,
            "panel": {"aggregate": "mean"},
            "evaluators": ["superior"],
            "rubric": [
                {"name": "好", "min": 90, "max": 100},
                {"name": "较好", "min": 80, "max": 90},
                {"name": "一般", "min": 60, "max": 80},
                {"name": "差", "min": 0, "max": 60},
            ],
        },
    ],
}


def make_indicator(code, name, *, frequency="Monthly", aggregation="sum", direction="higher",
                   kind="quantitative", rubric=None) -> Indicator:  # fmt: skip
    indicator = Indicator.objects.create(code=code)
    version = IndicatorVersion.objects.create(
        indicator=indicator,
        number=1,
        name=name,
        frequency=frequency,
        time_aggregation=aggregation,
        direction=direction,
        kind=kind,
        rubric=rubric,
    )
    indicator.current = version
    indicator.save(update_fields=["current"])
    return indicator


def value(indicator, unit, period: str, number, *, status="approved", category="") -> DataValue:
    return DataValue.objects.create(
        indicator=indicator,
        unit=unit,
        period=period,
        period_start=Period.parse(period).start,
        category=category,
        value=None if number is None else Decimal(str(number)),
        status=status,
    )


class World:
    def __init__(self) -> None:
        org = self.org = Org()
        self.office = org.office
        self.edu_eval = make_person("edu_eval", ("evaluator", org.edu), name="教育局评委")
        self.expert2 = make_person("expert2", ("third_party_evaluator", org.experts), name="专家二")
        self.counties = ComparableGroup.objects.create(code="counties", name="区县")
        org.county.groups.add(self.counties)
        self.rubric = Rubric.objects.create(code="three", name="三级", levels=LEVELS)
        self.enr = make_indicator("ENR", "在校生数")
        self.wait = make_indicator("WAIT", "平均等候时间", aggregation="mean", direction="lower")
        self.open = make_indicator(
            "OPEN", "政务公开", frequency="Yearly", aggregation="last", kind="qualitative",
            rubric=self.rubric,
        )  # fmt: skip
        self.cycle = Cycle.objects.create(
            code="2025",
            name="2025年度",
            period="2025",
            start_date=dt.date(2025, 1, 1),
            end_date=dt.date(2025, 12, 31),
            status="active",
        )
        for unit, target in ((org.edu, 100), (org.health, 100), (org.county, 120)):
            Target.objects.create(
                indicator=self.enr,
                indicator_version=self.enr.current,
                unit=unit,
                period="2025",
                target=Decimal(target),
            )
        months = [f"2025{m:02d}" for m in range(1, 13)]
        for m in months:
            value(self.enr, org.edu, m, 10, status="draft" if m == "202512" else "approved")
            value(self.enr, org.health, m, "7.5")
            value(self.enr, org.county, m, 8, status="locked")
            value(self.wait, org.edu, m, 8)
            value(self.wait, org.health, m, 12)
            value(self.wait, org.county, m, 15)
        value(self.wait, org.health, "202506", 100, category="male")
        value(self.enr, org.edu, "202412", 500)
        self.units = [org.edu, org.health, org.county]

    def open_round(self, definition=None, **extra) -> Round:
        scheme = services.create_scheme(
            actor=self.office, code="test", name="测试方案", definition=definition or SCHEME
        )
        options = {"peers_per_unit": 3, "experts_per_unit": 2, "seed": 7}
        options.update(extra)
        return services.open_round(
            actor=self.office,
            cycle=self.cycle,
            period="2025",
            scheme_version=scheme.current,
            units=self.units,
            deadline=dt.date(2026, 1, 31),
            **options,
        )

    def score_everything(self, round_: Round) -> None:
        """The scores of the module docstring's worked example."""
        org = self.org
        rubric = {
            org.edu: ("达成", "0.9"),
            org.health: ("部分达成", "0.7"),
            org.county: ("达成", "1.0"),
        }
        leader = {org.edu: ("好", 92), org.health: ("较好", 85), org.county: ("一般", 78)}
        for task in round_.tasks.select_related("unit", "evaluator"):
            if task.component == "goal":
                level, pct = rubric[task.unit]
                comment = "落实到位，资料齐全" if Decimal(pct) >= Decimal("0.95") else ""
                if task.evaluator == org.expert:
                    services.submit_score(
                        actor=task.evaluator,
                        task=task,
                        items={"OPEN": {"level": level, "pct": pct}},
                        comment=comment,
                    )
            elif task.component == "leader":
                level, score = leader[task.unit]
                services.submit_score(actor=task.evaluator, task=task, score=score, level=level)
        survey = {org.edu: [90, 85, 95, 70, 88], org.health: [80, 82, 84], org.county: [60, 75, 90]}
        rows = [
            services.ImportRow(unit=unit, code="social", value=score, position=i)
            for unit, scores in survey.items()
            for i, score in enumerate(scores)
        ]
        services.import_values(actor=self.office, round_=round_, rows=rows)
        services.add_adjustment(
            actor=self.office,
            round_=round_,
            unit=org.edu,
            kind="bonus",
            points=2,
            reason="改革创新",
        )
        services.add_adjustment(
            actor=self.office,
            round_=round_,
            unit=org.county,
            kind="bonus",
            points=5,
            reason="省级表彰",
        )


@pytest.fixture(autouse=True)
def in_english(settings):
    """These tests read messages in English (the source language)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def world(db) -> World:
    return World()


def compute(world: World, round_: Round, reason: str = ""):
    """Start and run a computation the way the worker does; returns the finished job."""
    job = services.start_computation(
        actor=world.office, round_=round_, reason=reason, enqueue=False
    )
    return services.run_computation(job.pk)


def publish(world: World, today: dt.date | None = None):
    """A round of the worked example, scored, computed, reviewed and published."""
    round_ = world.open_round()
    world.score_everything(round_)
    rs = compute(world, round_).result_set
    services.review_results(actor=world.office, result_set=rs)
    return services.publish_results(actor=world.office, result_set=rs, today=today)


@pytest.fixture
def published(world):
    return publish(world)
