"""The demo city's organisation: city, leadership group, office, departments with
sections and posts, three counties, comparable groups, and people in every role."""

from __future__ import annotations

import random
from collections.abc import Callable

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from govperf.accounts.services import bootstrap_admin
from govperf.audit.services import record
from govperf.demo.loader import DEMO_PASSWORD
from govperf.orgs import services
from govperf.orgs.models import Person, Unit
from govperf.orgs.roles import Role, UnitKind

CITY = ("city", "示范市人民政府")

GROUPS = [
    ("econ", "经济发展类部门", "经济调节、产业与投资类部门"),
    ("social", "社会民生类部门", "教育、卫生、社保、民政等公共服务部门"),
    ("regulation", "执法监管类部门", "市场监管、公安、应急、城管、生态环境等执法部门"),
    ("service", "服务窗口类部门", "直接面向办事群众和企业的服务窗口"),
    ("counties", "区县", "市辖区县"),
]

# code, name, comparable group, sections
DEPARTMENTS = [
    ("fgw", "市发展和改革委员会", "econ", ["办公室", "规划科", "投资科", "价格科"]),
    ("czj", "市财政局", "econ", ["办公室", "预算科", "绩效管理科", "国库科"]),
    ("swj", "市商务局", "econ", ["办公室", "外贸科", "招商科"]),
    ("tjj", "市统计局", "econ", ["办公室", "综合科", "数据质量科"]),
    ("zrzyj", "市自然资源和规划局", "econ", ["办公室", "规划科", "耕地保护科"]),
    ("nyncj", "市农业农村局", "econ", ["办公室", "乡村振兴科", "农田建设科"]),
    ("jtj", "市交通运输局", "econ", ["办公室", "建设科", "运输科"]),
    ("jyj", "市教育局", "social", ["办公室", "基础教育科", "职业教育科", "学生资助科"]),
    ("wjw", "市卫生健康委员会", "social", ["办公室", "医政科", "疾控科", "基层卫生科"]),
    ("mzj", "市民政局", "social", ["办公室", "社会救助科", "养老服务科"]),
    ("rsj", "市人力资源和社会保障局", "social", ["办公室", "就业科", "社会保险科"]),
    ("whlyj", "市文化广电旅游局", "social", ["办公室", "公共服务科", "旅游发展科"]),
    ("zjj", "市住房和城乡建设局", "social", ["办公室", "城市更新科", "住房保障科"]),
    ("scjgj", "市市场监督管理局", "regulation", ["办公室", "食品安全科", "质量监管科"]),
    ("gaj", "市公安局", "regulation", ["办公室", "治安科", "交警支队"]),
    ("yjglj", "市应急管理局", "regulation", ["办公室", "安全生产科", "防灾减灾科"]),
    ("cgj", "市城市管理局", "regulation", ["办公室", "市容环卫科", "执法科"]),
    ("sthjj", "市生态环境局", "regulation", ["办公室", "大气环境科", "水生态环境科"]),
    ("xzspj", "市行政审批服务局", "service", ["办公室", "综合受理科", "投资审批科"]),
    ("dsjj", "市大数据局", "service", ["办公室", "数据资源科", "12345热线中心"]),
]

COUNTIES = [
    ("dongcheng", "东城区人民政府", ["教育局", "卫生健康局", "城市管理局"]),
    ("xishan", "西山县人民政府", ["教育局", "农业农村局", "生态环境分局"]),
    ("nanhu", "南湖县人民政府", ["教育局", "文化旅游局", "市场监管局"]),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国红梅志鹏晨宇欣怡浩然子涵雨轩思远佳琪博文"


def load_organisation(out: Callable[[str], None]) -> None:
    rng = random.Random(2026)
    used_names: set[str] = set()

    def person_name() -> str:
        while True:
            name = rng.choice(SURNAMES) + "".join(
                rng.choice(GIVEN) for _i in range(rng.choice((1, 2)))
            )
            if name not in used_names:
                used_names.add(name)
                return name

    admin = bootstrap_admin(
        username="admin",
        name="系统管理员",
        password=DEMO_PASSWORD,
        root_code=CITY[0],
        root_name=CITY[1],
    )
    city = Unit.objects.get(pk=admin.memberships.get().unit_id)

    groups = {
        code: services.save_group(actor=admin, code=code, name=name, description=desc)
        for code, name, desc in GROUPS
    }

    def unit(
        code: str, name: str, kind: str, parent: Unit, order: int = 0, group: str | None = None
    ) -> Unit:
        return services.create_unit(
            actor=admin,
            code=code,
            name=name,
            kind=kind,
            parent=parent,
            sort_order=order,
            groups=[groups[group]] if group else [],
        )

    leadership = unit("city-lg", "市绩效管理领导小组", UnitKind.LEADERSHIP_GROUP, city, 1)
    office = unit("city-pmo", "市绩效管理办公室", UnitKind.OFFICE, city, 2)
    experts = unit("experts", "第三方评估专家组", UnitKind.WORKING_GROUP, city, 3)

    people: list[tuple[Person, Unit, str, str]] = []

    def person(
        username: str, unit_: Unit, role: str, title: str = "", name: str | None = None
    ) -> Person:
        p = services.create_person(actor=admin, username=username, name=name or person_name())
        services.add_membership(actor=admin, person=p, unit=unit_, role=role, title=title)
        people.append((p, unit_, role, title))
        return p

    person("auditor", city, Role.SECURITY_AUDITOR, "安全审计员", "审计员")
    person("mayor", leadership, Role.LEADER, "市长、组长")
    person("vicemayor", leadership, Role.LEADER, "常务副市长、副组长")
    person("office", office, Role.PERF_OFFICE, "绩效办主任")
    person("office2", office, Role.PERF_OFFICE, "绩效办考评科科长")
    person("expert", experts, Role.THIRD_PARTY_EVALUATOR, "高校教授")
    person("expert2", experts, Role.THIRD_PARTY_EVALUATOR, "会计师事务所合伙人")

    for order, (code, name, group, sections) in enumerate(DEPARTMENTS, start=10):
        dept = unit(code, name, UnitKind.DEPARTMENT, city, order, group)
        team = unit(f"{code}-wg", f"{name}绩效工作小组", UnitKind.WORKING_GROUP, dept, 0)
        leader = person(f"{code}.leader", dept, Role.UNIT_LEADER, "局长")
        services.add_membership(
            actor=admin, person=leader, unit=team, role=Role.UNIT_LEADER, title="组长"
        )
        person(f"{code}.coord", dept, Role.UNIT_COORDINATOR, "绩效联络员")
        person(f"{code}.eval", dept, Role.EVALUATOR, "互评评委")
        for s_order, section_name in enumerate(sections, start=1):
            section = unit(f"{code}-s{s_order}", section_name, UnitKind.SECTION, dept, s_order)
            if s_order == 1:
                person(f"{code}.staff", section, Role.STAFF, "科员")
            if code in ("jyj", "wjw", "zjj") and s_order == 2:
                post = unit(
                    f"{code}-s{s_order}-p1", f"{section_name}项目专员岗", UnitKind.POST, section, 1
                )
                person(f"{code}.post", post, Role.STAFF, "项目专员")

    for order, (code, name, depts) in enumerate(COUNTIES, start=100):
        county = unit(code, name, UnitKind.COUNTY, city, order, "counties")
        person(f"{code}.leader", county, Role.UNIT_LEADER, "区县长")
        person(f"{code}.coord", county, Role.UNIT_COORDINATOR, "绩效办主任")
        for d_order, dept_name in enumerate(depts, start=1):
            unit(
                f"{code}-d{d_order}",
                f"{name.removesuffix('人民政府')}{dept_name}",
                UnitKind.DEPARTMENT,
                county,
                d_order,
            )

    # One password hash for every demo account: hashing it per person would take minutes.
    password_hash = make_password(DEMO_PASSWORD)
    demo_people = Person.objects.exclude(pk=admin.pk)
    count = demo_people.update(
        password=password_hash, must_change_password=False, password_changed_at=timezone.now()
    )
    record(
        action="demo.passwords", actor=admin, object_type="orgs.person", after={"accounts": count}
    )
    out(f"demo: {Unit.objects.count()} units, {Person.objects.count()} people")
