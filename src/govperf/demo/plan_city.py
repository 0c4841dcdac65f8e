"""The demo city's goals and performance plans (PRODUCT.md C3), loaded through the plans
services as the people who would do it.

- Cycles 2025 (closed; its targets are "last year" for the checker) and 2026 (current).
- A strategic goal per dimension of the four-dimension taxonomy, 2026–2028, set by the office.
- Every department decomposes them into its unit goals, sets its 2026 targets and drafts a
  plan of 5–12 indicators (weights total 100, 3–5 core KPIs); its coordinator submits,
  the office approves and files it, the coordinator puts it into execution. Common
  government-building indicators are set for the city by the office and decomposed by level
  to every department.
- 老旧小区改造 (R003 §3.3.1): 50 communities in 2026–2028 owned by 市住房和城乡建设局, decomposed
  by time 20 / 15 / 15 with monthly milestones, by content into infrastructure, public
  facilities and environment with their completion standards, and by level to its section
  and post.
- For the workflow to show: 市发改委's plan went back once (round 2), 市商务局's is under
  revision for a market change, and 东城区's draft is open for public comment.

Indicators come from the library by code (``govperf.demo.indicator_library``); when the
library is empty nothing is created, and a missing indicator is skipped.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils import timezone

from govperf.engine.periods import Period, PeriodKind
from govperf.indicators.models import Indicator, IndicatorVersion, Tag
from govperf.orgs.models import Person, Unit
from govperf.plans import services
from govperf.plans.models import Goal, Plan, PlanComment, Target

CYCLE = "2026"
LAST = "2025"
DEADLINE = dt.date(2026, 12, 31)

# dimension tag code → (strategic goal, what a department's goal in it is called)
STRATEGIC = {
    "economy": ("经济高质量发展：稳增长、调结构、优环境", "经济发展目标"),
    "society": ("民生福祉持续增进：教育、健康、保障、安居", "社会民生目标"),
    "environment": ("生态环境质量持续改善：蓝天、碧水、净土", "生态环境目标"),
    "government": ("建设人民满意的服务型政府：高效、法治、廉洁、公开", "政府自身建设目标"),
}
DIMENSION_NAMES = {
    "economy": "经济发展",
    "society": "社会民生",
    "environment": "生态环境",
    "government": "政府自身建设",
}

# Set for the city by the office, decomposed by level to every department (shared work).
COMMON = ["GOV-029", "GOV-027", "GOV-030", "GOV-009", "GOV-035"]
COMMON_CITY_VALUES = {  # baseline, floor, target, challenge
    "GOV-029": ("96", "95", "100", "100"),
    "GOV-027": ("90", "90", "95", "98"),
    "GOV-030": ("92", "90", "95", "98"),
}

RENOVATION = "SOC-032"  # 老旧小区改造完成数 (monthly, sum)
RENOVATION_LONG = "SOC-034"  # 三年老旧小区改造累计完成数 (long-term)
PARKING = "SOC-035"  # 改造小区停车位新增数
# Monthly milestones per year: construction happens from spring to winter.
MONTHLY = {
    "2026": [0, 0, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3],
    "2027": [0, 0, 1, 1, 1, 2, 2, 2, 2, 1, 2, 1],
    "2028": [0, 0, 1, 1, 1, 2, 2, 2, 2, 1, 2, 1],
}
YEARLY = {"2026": ("18", "20", "22"), "2027": ("13", "15", "17"), "2028": ("13", "15", "17")}
CONTENT = [
    (
        "基础设施改造：水电气管网与道路",
        "水、电、气管道更新改造达到国家相关标准；道路修缮后的平整度符合城镇道路施工与质量验收规范。",
        Decimal(50),
        "个小区",
    ),
    (
        "公共服务设施完善：社区活动中心、停车场、健身设施",
        "每个小区建成面积不小于200平方米的社区活动中心；按居民停车需求调查结果配建停车位；配建健身设施。",
        None,
        "",
    ),
    (
        "环境整治：绿化、垃圾清理、卫生",
        "小区绿化面积较改造前增加；垃圾和杂物清理到位；小区卫生状况经街道验收合格。",
        None,
        "",
    ),
]

MAGNITUDE = {  # unit of measure → a plausible range of yearly values
    "亿元": (50, 800),
    "亿美元": (5, 60),
    "万元": (200, 3000),
    "元": (20000, 60000),
    "元/月": (700, 1100),
    "万人": (20, 300),
    "万人次": (500, 3000),
    "万吨": (100, 900),
    "万亩": (50, 600),
    "万次": (100, 900),
    "天": (20, 300),
    "秒": (10, 40),
    "小时": (500, 3000),
    "个工作日": (3, 15),
    "平方米": (1, 20),
    "平方公里": (500, 2000),
}


def load(out: Callable[[str], None]) -> None:
    library = {
        i.code: i
        for i in Indicator.objects.filter(is_active=True, current__isnull=False)
        .select_related("current__collecting_unit", "current__rubric")
        .prefetch_related("current__tags__taxonomy", "current__tags__parent")
    }
    if not library:
        out("demo: goals and plans — the indicator library is empty; nothing created")
        return
    Demo(library, out).run()


class Demo:
    def __init__(self, library: dict[str, Indicator], out: Callable[[str], None]) -> None:
        self.rng = random.Random(2026)
        self.library = library
        self.out = out
        self.office = Person.objects.get(username="office")
        self.units = {u.code: u for u in Unit.objects.all()}
        self.dimension_of = _dimensions(library)
        self.departments = [
            u
            for u in Unit.objects.filter(kind="department", parent__code="city").order_by(
                "sort_order"
            )
        ]
        self.coords = {
            p.username.split(".")[0]: p for p in Person.objects.filter(username__endswith=".coord")
        }
        # The named demo account drafts its department's plan, so that it has something to do.
        named = Person.objects.filter(username="coordinator").first()
        if named is not None:
            for m in named.memberships.filter(role="unit_coordinator").select_related("unit"):
                self.coords[m.unit.code] = named
        self.unit_goals: dict[tuple[str, str], Goal] = {}
        self.plans: dict[str, Plan] = {}

    def run(self) -> None:
        self.cycle = services.create_cycle(
            actor=self.office, code=CYCLE, name="2026年度", period=CYCLE, status="active"
        )
        services.create_cycle(
            actor=self.office, code=LAST, name="2025年度", period=LAST, status="closed"
        )
        self.strategic = self._strategic_goals()
        picks = {d.code: self._pick(d) for d in self.departments}
        for dept in self.departments:
            self._unit_goals(dept, picks[dept.code])
        self._renovation()
        common = self._common_targets()
        for dept in self.departments:
            self._plan(dept, picks[dept.code], common.get(dept.code, []))
        self._workflow()
        self._county_draft()
        self.out(
            f"demo: {Goal.objects.count()} goals, {Target.objects.count()} targets, "
            f"{Plan.objects.count()} plans"
        )

    # --- goals ----------------------------------------------------------------------------

    def _strategic_goals(self) -> dict[str, Goal]:
        tags = {
            t.code: t for t in Tag.objects.filter(taxonomy__code="dimension", parent__isnull=True)
        }
        goals = {}
        for order, (dim, (title, _unit_title)) in enumerate(STRATEGIC.items(), start=1):
            goals[dim] = services.create_goal(
                actor=self.office,
                owner_unit=self.units["city"],
                level=Goal.Level.STRATEGIC,
                title=title,
                start_period="2026",
                end_period="2028",
                dimension=tags.get(dim),
                description=f"市政府三年行动目标（{DIMENSION_NAMES[dim]}维度），由各部门分解落实。",
                deadline=dt.date(2028, 12, 31),
                sort_order=order,
            )
        return goals

    def _pick(self, dept: Unit) -> list[Indicator]:
        """The department's own indicators: what it collects, but not plan denominators."""
        own = [
            i
            for code, i in sorted(self.library.items())
            if i.current.collecting_unit_id == dept.pk
            and i.current.direction != IndicatorVersion.Direction.EQUAL
            and code not in COMMON
            and code not in (RENOVATION_LONG,)
        ]
        return own[:7]

    def _unit_goals(self, dept: Unit, picked: list[Indicator]) -> None:
        coord = self.coords[dept.code]
        dims = {self.dimension_of.get(i.code) for i in picked} | {"government"}
        for dim in STRATEGIC:
            if dim not in dims:
                continue
            self.unit_goals[(dept.code, dim)] = services.create_goal(
                actor=coord,
                owner_unit=dept,
                level=Goal.Level.UNIT,
                parent=self.strategic[dim],
                decomposition="level",
                title=f"{dept.name}{STRATEGIC[dim][1]}",
                start_period=CYCLE,
                end_period=CYCLE,
                deadline=DEADLINE,
                responsible=coord,
                description=f"落实市政府{DIMENSION_NAMES[dim]}目标的年度部门目标。",
            )

    def _renovation(self) -> None:
        zjj = self.units.get("zjj")
        indicator = self.library.get(RENOVATION)
        if zjj is None or indicator is None or ("zjj", "society") not in self.unit_goals:
            return
        coord = self.coords["zjj"]
        leader = Person.objects.filter(username="zjj.leader").first()
        goal = services.create_goal(
            actor=coord,
            owner_unit=zjj,
            level=Goal.Level.UNIT,
            parent=self.strategic["society"],
            decomposition="level",
            title="三年完成50个老旧小区改造",
            start_period="2026",
            end_period="2028",
            indicator=indicator,
            target_value=Decimal(50),
            unit_of_measure="个",
            deadline=dt.date(2028, 12, 31),
            responsible=leader,
            description="对全市50个老旧小区进行全面改造，提升居民居住环境质量（R003 §3.3.1）。",
            completion_standard="50个小区全部通过竣工联合验收；基础设施、公共设施、环境整治三类内容全部完成。",
            measures="建立项目管理系统，责任部门定期报送进度，市政府实地检查；改造前入户调查停车需求。",
        )
        yearly = services.decompose_goal_by_time(
            actor=coord,
            goal=goal,
            parts=[
                {
                    "period": year,
                    "floor": Decimal(floor),
                    "target": Decimal(target),
                    "challenge": Decimal(challenge),
                    "baseline": Decimal(0),
                    "deadline": dt.date(int(year), 12, 31),
                    "responsible": leader,
                    "basis": "按三年50个小区的计划，首年20个、其后每年15个；依据各小区前期调查和资金安排。",
                }
                for year, (floor, target, challenge) in YEARLY.items()
            ],
        )
        for target in yearly:
            services.decompose_target(
                actor=coord,
                target=target,
                kind="time",
                parts=[
                    {"period": month.code, "target": Decimal(count)}
                    for month, count in zip(
                        Period.parse(target.period).children(PeriodKind.MONTHLY),
                        MONTHLY[target.period],
                        strict=True,
                    )
                ],
            )
        section, post = self.units.get("zjj-s2"), self.units.get("zjj-s2-p1")
        if section is not None:
            section_goal = services.create_goal(
                actor=coord,
                owner_unit=section,
                level=Goal.Level.SECTION,
                parent=goal,
                decomposition="level",
                title="城市更新科：组织实施50个老旧小区改造",
                start_period="2026",
                end_period="2028",
                indicator=indicator,
                target_value=Decimal(50),
                unit_of_measure="个",
                deadline=dt.date(2028, 12, 31),
                completion_standard="按年度计划完成改造并组织竣工联合验收。",
            )
            services.decompose_target(
                actor=coord,
                target=yearly[0],
                kind="level",
                parts=[{"unit": section, "target": Decimal(20), "goal": section_goal}],
            )
            if post is not None:
                services.create_goal(
                    actor=coord,
                    owner_unit=post,
                    level=Goal.Level.POST,
                    parent=section_goal,
                    decomposition="level",
                    title="项目专员岗：2026年度改造小区的现场调度",
                    start_period="2026",
                    end_period="2026",
                    deadline=DEADLINE,
                    completion_standard="每周现场巡查，按月报送进度；问题在3个工作日内协调解决。",
                )
        for order, (title, standard, value, unit) in enumerate(CONTENT, start=1):
            sub = services.create_goal(
                actor=coord,
                owner_unit=zjj,
                level=Goal.Level.UNIT,
                parent=goal,
                decomposition="content",
                title=title,
                start_period="2026",
                end_period="2028",
                target_value=value,
                unit_of_measure=unit,
                completion_standard=standard,
                deadline=dt.date(2028, 12, 31),
                sort_order=order,
            )
            if order == 2 and PARKING in self.library:
                services.create_target(
                    actor=coord,
                    indicator=self.library[PARKING],
                    unit=zjj,
                    period=CYCLE,
                    goal=sub,
                    baseline=Decimal(0),
                    floor=Decimal(500),
                    target=Decimal(600),
                    challenge=Decimal(700),
                    deadline=DEADLINE,
                    basis="按改造小区入户调查的停车需求测算（吸取停车需求预估不足的教训）。",
                )
        self.renovation_goal = goal

    def _common_targets(self) -> dict[str, list[Target]]:
        """City targets of the shared indicators, decomposed by level to every department."""
        out: dict[str, list[Target]] = {}
        for code in COMMON:
            indicator = self.library.get(code)
            if indicator is None:
                continue
            values = COMMON_CITY_VALUES.get(code)
            city = services.create_target(
                actor=self.office,
                indicator=indicator,
                unit=self.units["city"],
                period=CYCLE,
                goal=self.strategic["government"],
                deadline=DEADLINE,
                basis="市政府对各部门的共性要求，各部门目标值与全市相同。",
                **_tiers(values),
            )
            parts = [
                {
                    "unit": dept,
                    "goal": self.unit_goals[(dept.code, "government")],
                    "deadline": DEADLINE,
                    **_tiers(values),
                }
                for dept in self.departments
            ]
            for child in services.decompose_target(
                actor=self.office, target=city, kind="level", parts=parts
            ):
                out.setdefault(child.unit.code, []).append(child)
        return out

    # --- plans ------------------------------------------------------------------------------

    def _plan(self, dept: Unit, picked: list[Indicator], common: list[Target]) -> None:
        coord = self.coords[dept.code]
        qualitative = [t for t in common if t.indicator_version.kind == "qualitative"]
        # A department with little of its own (a small bureau) takes both qualitative ones.
        qualitative = qualitative[: 1 if len(picked) > 1 else 2]
        shared = [t for t in common if t.indicator_version.kind != "qualitative"]
        room = 12 - len(qualitative)
        own = picked[: max(room - len(shared), 5 - len(qualitative) - len(shared), 0)]
        targets: list[Target] = []
        for indicator in own:
            existing = Target.objects.filter(indicator=indicator, unit=dept, period=CYCLE).first()
            if existing is not None:
                targets.append(existing)
                continue
            values, last_year = self._values(indicator.current)
            goal = self.unit_goals.get((dept.code, self.dimension_of.get(indicator.code, "")))
            if indicator.code == RENOVATION:
                goal = getattr(self, "renovation_goal", goal)
            if last_year is not None:
                services.create_target(
                    actor=coord,
                    indicator=indicator,
                    unit=dept,
                    period=LAST,
                    target=last_year,
                    deadline=dt.date(2025, 12, 31),
                )
            targets.append(
                services.create_target(
                    actor=coord,
                    indicator=indicator,
                    unit=dept,
                    period=CYCLE,
                    goal=goal,
                    deadline=DEADLINE,
                    responsible=coord,
                    basis=_basis(indicator.current, values),
                    **values,
                )
            )
        if dept.code == "zjj" and RENOVATION_LONG in self.library:
            targets.append(
                services.create_target(
                    actor=coord,
                    indicator=self.library[RENOVATION_LONG],
                    unit=dept,
                    period=CYCLE,
                    goal=getattr(self, "renovation_goal", None),
                    baseline=Decimal(0),
                    floor=Decimal(18),
                    target=Decimal(20),
                    challenge=Decimal(22),
                    deadline=DEADLINE,
                    basis="三年累计50个，2026年末累计20个。",
                )
            )
        targets = (targets + shared + qualitative)[:12]
        if len(targets) < 5:
            self.out(f"demo: {dept.name} has too few indicators for a plan; skipped")
            return
        # The key task first, then the department's own work: the heaviest weights go first.
        targets.sort(key=lambda t: t.indicator.code != RENOVATION)
        weights = sorted(_weights(self.rng, len(targets)), reverse=True)
        core = set(
            sorted(range(len(targets)), key=lambda i: -weights[i])[: self.rng.choice((3, 4, 5))]
        )
        plan = services.create_plan(
            actor=coord,
            unit=dept,
            cycle=self.cycle,
            measures=f"{dept.name}成立绩效工作小组，局长任组长；目标分解到科室和岗位，按月调度、按季通报，"
            "重点任务实行台账管理，偏差及时纠正。",
        )
        for index, target in enumerate(targets):
            services.add_item(
                actor=coord,
                plan=plan,
                target=target,
                weight=weights[index],
                is_core=index in core,
            )
        self.plans[dept.code] = services.submit_plan(actor=coord, plan=plan)

    def _workflow(self) -> None:
        """The office files every plan; one goes back once, one is being revised."""
        fgw = self.plans.get("fgw")
        if fgw is not None:
            services.return_plan(
                actor=self.office,
                plan=fgw,
                comment="请补充重点项目开工率的测算依据，并说明产业结构优化率目标与上年的衔接。",
            )
            item = fgw.items.select_related("target").order_by("sort_order").first()
            services.update_item(
                actor=self.coords["fgw"],
                item=item,
                expected_version=None,
                basis="按年度重点项目计划及各县区申报的开工计划测算，已与市统计局核对口径。",
            )
            self.plans["fgw"] = services.submit_plan(
                actor=self.coords["fgw"], plan=fgw, comment="已按意见补充测算依据。"
            )
        for code, plan in self.plans.items():
            approved = services.approve_plan(
                actor=self.office, plan=plan, comment="目标设置合理，予以审核备案。"
            )
            self.plans[code] = services.start_execution(actor=self.coords[code], plan=approved)
        swj = self.plans.get("swj")
        if swj is not None:
            coord = self.coords["swj"]
            plan = services.request_revision(
                actor=coord,
                plan=swj,
                reason_kind=Plan.RevisionReason.MARKET,
                reason="受外部需求下降影响，进出口订单明显减少，申请下调进出口总额目标并相应调整权重。",
            )
            items = list(plan.items.select_related("target__indicator").order_by("sort_order"))
            first = next((i for i in items if i.target.indicator.code == "ECO-014"), items[0])
            target = first.target
            if target.target is not None and target.floor is not None:
                lower = target.floor if target.floor < target.target else target.target
                services.update_item(
                    actor=coord,
                    item=first,
                    expected_version=None,
                    target_value=lower,
                    challenge=target.target,
                    basis=(target.basis + "；年中按外贸形势下调。").lstrip("；"),
                )

    def _county_draft(self) -> None:
        """东城区's draft plan, open to staff and the public for comment."""
        county = self.units.get("dongcheng")
        coord = Person.objects.filter(username="dongcheng.coord").first()
        picks = [
            self.library.get(c) for c in ("SOC-002", "SOC-013", "ENV-018", "GOV-007", "GOV-010")
        ]
        picks = [i for i in picks if i is not None]
        if county is None or coord is None or len(picks) < 3:
            return
        plan = services.create_plan(
            actor=coord,
            unit=county,
            cycle=self.cycle,
            measures="区政府统筹，各街道和区直部门分解落实；重点民生事项向社会公开征求意见。",
        )
        weights = _weights(self.rng, len(picks))
        for index, indicator in enumerate(picks):
            values, _last = self._values(indicator.current)
            services.add_indicator(
                actor=coord,
                plan=plan,
                indicator=indicator,
                weight=weights[index],
                is_core=index < 3,
                deadline=DEADLINE,
                basis=_basis(indicator.current, values),
                **values,
            )
        plan = services.open_comments(
            actor=self.office,
            plan=plan,
            until=timezone.now() + dt.timedelta(days=30),
            public=True,
        )
        first = plan.items.order_by("sort_order").first()
        answered = services.add_public_comment(
            plan=plan,
            name="王先生",
            contact="13812345678",
            body="建议把学前教育入园率目标再提高一些，我们小区附近的幼儿园学位很紧张。",
            item=first,
            client_key="demo",
        )
        services.moderate_comment(actor=self.office, comment=answered, publish=True)
        services.answer_comment(
            actor=coord,
            comment=PlanComment.objects.get(pk=answered.pk),
            answer="感谢建议。今年新建两所公办幼儿园，目标已按新增学位测算，暂不再提高。",
            adopted=False,
            not_adopted_reason="新增学位要到2027年秋季才能投入使用，2026年目标已含全部可用学位。",
        )
        services.add_public_comment(
            plan=plan,
            name="李女士",
            contact="li@example.cn",
            body="垃圾分类准确率的计算口径是什么？希望公布各街道的数据。",
            client_key="demo",
        )
        services.add_staff_comment(
            actor=Person.objects.get(username="jyj.staff"),
            plan=plan,
            body="建议与市教育局的入园率目标口径保持一致。",
        )

    # --- values ---------------------------------------------------------------------------------

    def _values(self, version: IndicatorVersion) -> tuple[dict[str, Any], Decimal | None]:
        """Baseline, floor, target and challenge that a department would propose, and last
        year's target; exact decimals of at most one place."""
        rng = self.rng
        if version.kind == "qualitative":
            return {}, None
        if (
            version.direction == "band"
            and version.band_low is not None
            and version.band_high is not None
        ):
            middle = (version.band_low + version.band_high) / 2
            return {"baseline": middle, "target": middle}, None
        unit = version.unit_of_measure
        higher = version.direction != "lower"
        if unit in ("%", "‰") or unit == "分":
            if higher:
                base = Decimal(rng.randint(700, 960)) / 10
                target = min(base + Decimal(rng.randint(5, 25)) / 10, Decimal(100))
                challenge = min(target + Decimal(rng.randint(5, 20)) / 10, Decimal(100))
                return {
                    "baseline": base,
                    "floor": base,
                    "target": target,
                    "challenge": challenge,
                }, base
            base = Decimal(rng.randint(20, 150)) / 10
            target = base - Decimal(rng.randint(1, 10)) / 10
            challenge = max(target - Decimal(rng.randint(1, 5)) / 10, Decimal("0.1"))
            return {"baseline": base, "floor": base, "target": target, "challenge": challenge}, base
        low, high = MAGNITUDE.get(unit, (50, 5000))
        base = rng.randint(low, high)
        step = max(base * rng.randint(3, 12) // 100, 1)
        extra = max(base * rng.randint(2, 6) // 100, 1)
        if higher:
            return {
                "baseline": Decimal(base),
                "floor": Decimal(base),
                "target": Decimal(base + step),
                "challenge": Decimal(base + step + extra),
            }, Decimal(base)
        target = max(base - step, 2)
        return {
            "baseline": Decimal(base),
            "floor": Decimal(base),
            "target": Decimal(target),
            "challenge": Decimal(max(target - extra, 1)),
        }, Decimal(base)


def _dimensions(library: dict[str, Indicator]) -> dict[str, str]:
    out = {}
    for code, indicator in library.items():
        for tag in indicator.current.tags.all():
            if tag.taxonomy.code == "dimension":
                out[code] = tag.parent.code if tag.parent_id else tag.code
    return out


def _tiers(values: tuple[str, str, str, str] | None) -> dict[str, Decimal]:
    if values is None:
        return {}
    return dict(
        zip(("baseline", "floor", "target", "challenge"), map(Decimal, values), strict=True)
    )


def _weights(rng: random.Random, n: int) -> list[Decimal]:
    """``n`` whole-number weights totalling 100 (largest remainders get the leftover points)."""
    raw = [rng.randint(6, 20) for _i in range(n)]
    total = sum(raw)
    weights = [r * 100 // total for r in raw]
    order = sorted(range(n), key=lambda i: -(raw[i] * 100 % total))
    for i in order[: 100 - sum(weights)]:
        weights[i] += 1
    return [Decimal(w) for w in weights]


def _basis(version: IndicatorVersion, values: dict[str, Any]) -> str:
    if "target" not in values:
        return "按评定细则确定等级目标。"
    return (
        f"以上年实际值{values.get('baseline', '')}{version.unit_of_measure}为基线，"
        f"结合本年重点工作和资源安排测算；口径：{version.caliber[:60]}"
    )
