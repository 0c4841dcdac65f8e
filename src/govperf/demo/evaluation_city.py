"""The demo city's evaluations (PRODUCT.md C6), through the evaluation services.

- The preset schemes are loaded.
- 2025 (the closed cycle): the Hangzhou-style "3+1" round of the twenty city
  departments. Goal assessment reads the 2025 data of the government indicators every
  department shares, against 2025 targets the office sets from the city's common
  requirements; the 满意单位/不满意单位 vote and surveys give five groups' scores per
  department (imported); both leaders and both experts score; three departments earn
  创新创优 points and one takes a veto. The results are computed, reviewed and
  published; 市教育局 appealed and was refused, 市卫生健康委员会's appeal waits.
- 2026: the round is open, its tasks assigned; the mayor and one expert have scored
  some of them.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone

from govperf.evaluation import services
from govperf.evaluation.models import Scheme
from govperf.indicators.models import Indicator
from govperf.orgs.models import Person, Unit
from govperf.plans import services as plan_services
from govperf.plans.models import Cycle, Target

# 2025 targets the office sets for the shared indicators: (floor, target, challenge).
TARGETS_2025 = {
    "GOV-029": (Decimal(95), Decimal(100), None),
    "GOV-027": (Decimal(88), Decimal(93), Decimal(97)),
    "GOV-030": (Decimal(88), Decimal(93), Decimal(97)),
}
VOTERS = ["市民代表", "企业代表", "人大代表", "政协委员", "新闻媒体"]
BONUS = {
    "xzspj": (Decimal("2.5"), "“一件事一次办”改革获评省级创新案例"),
    "dsjj": (Decimal(2), "12345热线工单智能分派在全省推广"),
    "sthjj": (Decimal(4), "河长制工作获国务院督查激励（超过上限按3分计）"),
}
VETO = {"yjglj": "年度内发生较大生产安全责任事故"}
LEADER_LEVELS = ((90, "好"), (80, "较好"), (60, "一般"), (0, "差"))


def load(out: Callable[[str], None]) -> None:
    office = Person.objects.filter(username="office").first()
    if office is None:
        out("demo: evaluation — no performance office; nothing created")
        return
    created = services.load_presets(actor=office)
    cycles = {c.code: c for c in Cycle.objects.filter(code__in=["2025", "2026"])}
    departments = list(
        Unit.objects.filter(kind="department", parent__code="city").order_by("sort_order")
    )
    if len(cycles) < 2 or not departments:
        out(
            f"demo: evaluation — {len(created)} preset schemes; no cycles or departments for rounds"
        )
        return
    Demo(office, cycles, departments, out).run()


def _scorer(round_, username: str, kind: str) -> Person | None:
    """The demo account ``username`` if it has tasks of ``kind`` in the round, else the
    first evaluator who has (the demo's accounts may be renamed)."""
    tasks = round_.tasks.filter(kind=kind).order_by("evaluator__username")
    mine = tasks.filter(evaluator__username=username).first() or tasks.first()
    return mine.evaluator if mine is not None else None


def _level(score: float) -> str:
    return next(name for low, name in LEADER_LEVELS if score >= low)


class Demo:
    def __init__(
        self, office: Person, cycles: dict[str, Cycle], departments: list[Unit], out
    ) -> None:
        self.rng = random.Random(2025)
        self.office = office
        self.cycles = cycles
        self.departments = departments
        self.out = out
        self.scheme = Scheme.objects.get(code="hangzhou-3plus1")

    def run(self) -> None:
        self._targets_2025()
        last = self._round_2025()
        current = self._round_2026()
        self.out(
            f"demo: evaluation — 3 preset schemes; 2025 round #{last.pk} published with 2 appeals; "
            f"2026 round #{current.pk} open with {current.tasks.count()} tasks"
        )

    def _targets_2025(self) -> None:
        """The city's common requirements of 2025 for every department (as in 2026)."""
        library = {i.code: i for i in Indicator.objects.filter(code__in=list(TARGETS_2025))}
        have = set(
            Target.objects.filter(
                period="2025", indicator__code__in=list(TARGETS_2025)
            ).values_list("indicator__code", "unit_id")
        )
        for code, (floor, target, challenge) in TARGETS_2025.items():
            indicator = library.get(code)
            if indicator is None:
                continue
            for dept in self.departments:
                if (code, dept.pk) in have:
                    continue
                plan_services.create_target(
                    actor=self.office,
                    indicator=indicator,
                    unit=dept,
                    period="2025",
                    floor=floor,
                    target=target,
                    challenge=challenge,
                    deadline=dt.date(2025, 12, 31),
                    basis="市政府对各部门的共性要求（2025年度）。",
                )

    def _round_2025(self):
        round_ = services.open_round(
            actor=self.office,
            cycle=self.cycles["2025"],
            period="2025",
            scheme_version=self.scheme.current,
            units=self.departments,
            deadline=dt.date(2026, 1, 20),
            name="2025年度市直部门综合考评",
            seed=2025,
            experts_per_unit=2,
        )
        rng = self.rng
        quality = {d.pk: rng.uniform(-6, 6) for d in self.departments}
        for task in round_.tasks.select_related("unit", "evaluator").order_by("pk"):
            base = 86 + quality[task.unit_id]
            if task.component == "leader":
                score = round(min(max(base + rng.uniform(-4, 4), 62), 97), 1)
                services.submit_score(
                    actor=task.evaluator,
                    task=task,
                    score=Decimal(str(score)),
                    level=_level(score),
                    comment="工作成效显著，群众认可度高。" if score >= 95 else "",
                )
            else:
                share = round(
                    min(
                        max(0.82 + quality[task.unit_id] / 40 + rng.uniform(-0.05, 0.05), 0.5), 1.0
                    ),
                    2,
                )
                level = "达成" if share >= 0.8 else "部分达成" if share >= 0.6 else "未达成"
                services.submit_score(
                    actor=task.evaluator,
                    task=task,
                    items={"GOV-035": {"level": level, "pct": Decimal(str(share))}},
                    comment="责任清单和台账完整，落实到位。"
                    if share >= 0.95 or share < 0.6
                    else "",
                )
        rows = []
        for dept in self.departments:
            for position, _voter in enumerate(VOTERS):
                score = round(min(max(84 + quality[dept.pk] + rng.uniform(-7, 7), 55), 99), 1)
                rows.append(
                    services.ImportRow(
                        unit=dept, code="social", value=Decimal(str(score)), position=position
                    )
                )
        services.import_values(actor=self.office, round_=round_, rows=rows)
        by_code = {d.code: d for d in self.departments}
        for code, (points, reason) in BONUS.items():
            if code in by_code:
                services.add_adjustment(
                    actor=self.office,
                    round_=round_,
                    unit=by_code[code],
                    kind="bonus",
                    points=points,
                    reason=reason,
                )
        for code, reason in VETO.items():
            if code in by_code:
                services.add_adjustment(
                    actor=self.office, round_=round_, unit=by_code[code], kind="veto", reason=reason
                )
        services.close_round(actor=self.office, round_=round_)
        job = services.start_computation(
            actor=self.office, round_=round_, reason="年度考评", enqueue=False
        )
        job = services.run_computation(job.pk)
        if job.result_set is None:
            self.out(f"demo: the 2025 computation failed: {job.error} {job.details[:3]}")
            return round_
        rs = services.review_results(actor=self.office, result_set=job.result_set)
        rs = services.publish_results(actor=self.office, result_set=rs)
        jyj, wjw = by_code.get("jyj"), by_code.get("wjw")
        if jyj is not None:
            refused = services.file_appeal(
                actor=Person.objects.get(username="jyj.leader"),
                result_set=rs,
                unit=jyj,
                reason="社会评价中企业代表组样本较少，且部分受访企业与我局业务无关，请求复核社会评价得分。",
                requested_change="剔除与我局业务无关的企业样本后重新计算社会评价得分。",
            )
            services.decide_appeal(
                actor=self.office,
                appeal=refused,
                outcome="rejected",
                decision="经复核，企业代表组样本按全市统一规则随机抽取，覆盖所有市直部门，不存在针对单个部门的偏差，维持原评价结果。",
            )
        if wjw is not None:
            services.file_appeal(
                actor=Person.objects.get(username="wjw.leader"),
                result_set=rs,
                unit=wjw,
                reason="整改任务按期完成率第四季度数据未包含12月底完成的3项整改任务，数据已申请更正。",
                requested_change="数据更正审核通过后重新计算目标考核得分。",
            )
        return round_

    def _round_2026(self):
        round_ = services.open_round(
            actor=self.office,
            cycle=self.cycles["2026"],
            period="2026",
            scheme_version=self.scheme.current,
            units=self.departments,
            deadline=timezone.localdate() + dt.timedelta(days=45),
            name="2026年度市直部门综合考评",
            seed=2026,
            experts_per_unit=1,
        )
        rng = self.rng
        # Part of the scoring is done by accounts other than the named demo logins
        # (leader, thirdparty), who find their own tasks still to do.
        mayor = _scorer(round_, "mayor", "superior")
        for task in round_.tasks.filter(evaluator=mayor, component="leader").select_related("unit")[
            :8
        ]:
            score = round(rng.uniform(82, 94), 1)
            services.submit_score(
                actor=mayor, task=task, score=Decimal(str(score)), level=_level(score)
            )
        expert = _scorer(round_, "expert", "expert")
        for task in round_.tasks.filter(evaluator=expert).select_related("unit")[:5]:
            share = round(rng.uniform(0.8, 0.94), 2)
            services.submit_score(
                actor=expert,
                task=task,
                items={"GOV-035": {"level": "达成", "pct": Decimal(str(share))}},
            )
        return round_
