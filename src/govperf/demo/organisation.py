"""The demo city's organisation (示例市): the city with its leadership group, office and
forty working departments with sections and posts, three counties with their own
departments, comparable groups, and about three hundred people in every role.

The named accounts of :data:`NAMED` (and ``admin``) are the ones to try each role with;
every demo account takes the demo password (:func:`govperf.demo.loader.demo_password`)."""

from __future__ import annotations

import random
from collections.abc import Callable

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from govperf.accounts.services import bootstrap_admin
from govperf.audit.services import record
from govperf.demo.loader import demo_password, throwaway_password
from govperf.orgs import services
from govperf.orgs.models import Person, Unit
from govperf.orgs.roles import Role, UnitKind

CITY = ("city", "示例市人民政府")

GROUPS = [
    ("econ", "经济发展类部门", "经济调节、产业与投资类部门"),
    ("social", "社会民生类部门", "教育、卫生、社保、民政等公共服务部门"),
    ("regulation", "执法监管类部门", "市场监管、公安、应急、城管、生态环境等执法部门"),
    ("service", "服务窗口类部门", "直接面向办事群众和企业的服务窗口"),
    ("counties", "区县", "市辖区县"),
]

# code, name, comparable group, sections. The first twenty carry the demo's plans, data and
# evaluations in detail; the rest make up a city's forty-odd working departments.
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
    ("gxj", "市工业和信息化局", "econ", ["办公室", "产业发展科", "信息化推进科"]),
    ("kjj", "市科学技术局", "econ", ["办公室", "高新技术科", "成果转化科"]),
    ("gzw", "市国有资产监督管理委员会", "econ", ["办公室", "产权管理科", "考核分配科"]),
    ("jrb", "市地方金融管理局", "econ", ["办公室", "金融服务科"]),
    ("slj", "市水利局", "econ", ["办公室", "水资源科", "河湖管理科"]),
    ("lyj", "市林业局", "econ", ["办公室", "生态修复科"]),
    ("lsj", "市粮食和物资储备局", "econ", ["办公室", "储备管理科"]),
    ("sjj", "市审计局", "econ", ["办公室", "财政审计科", "经济责任审计科"]),
    ("ybj", "市医疗保障局", "social", ["办公室", "待遇保障科", "基金监管科"]),
    ("tyjrj", "市退役军人事务局", "social", ["办公室", "优抚安置科"]),
    ("tyj", "市体育局", "social", ["办公室", "群众体育科"]),
    ("mzzj", "市民族宗教事务局", "social", ["办公室", "民族工作科"]),
    ("wsb", "市人民政府外事办公室", "social", ["办公室", "对外交流科"]),
    ("sfj", "市司法局", "regulation", ["办公室", "法治督察科", "公共法律服务科"]),
    ("rfb", "市人民防空办公室", "regulation", ["办公室", "工程管理科"]),
    ("szfb", "市人民政府办公室", "service", ["秘书科", "督查科", "政务公开科"]),
    ("xfj", "市信访局", "service", ["办公室", "接访科", "督办科"]),
    ("jgswj", "市机关事务管理局", "service", ["办公室", "公共机构节能科"]),
    ("gjj", "市住房公积金管理中心", "service", ["办公室", "归集管理科", "贷款管理科"]),
    ("ggzy", "市公共资源交易中心", "service", ["办公室", "交易服务科"]),
]

COUNTIES = [
    (
        "dongcheng",
        "东城区人民政府",
        ["教育局", "卫生健康局", "城市管理局", "民政局", "市场监管局", "住房和城乡建设局"],
    ),
    (
        "xishan",
        "西山县人民政府",
        ["教育局", "农业农村局", "生态环境分局", "卫生健康局", "交通运输局", "文化旅游局"],
    ),
    (
        "nanhu",
        "南湖县人民政府",
        ["教育局", "文化旅游局", "市场监管局", "农业农村局", "卫生健康局", "应急管理局"],
    ),
]
COUNTY_SECTIONS = ["办公室", "业务科"]

# The accounts to try each role with (ISSUE: admin, auditor, office, leader, coordinator,
# staff, evaluator, thirdparty): username → (unit code, role, title, name).
NAMED = {
    "auditor": ("city", Role.SECURITY_AUDITOR, "安全审计员", "审计员"),
    "office": ("city-pmo", Role.PERF_OFFICE, "绩效办主任", None),
    "leader": ("city-lg", Role.LEADER, "常务副市长、副组长", None),
    "coordinator": ("fgw", Role.UNIT_COORDINATOR, "绩效联络员", None),
    "staff": ("fgw-s1", Role.STAFF, "科员", None),
    "evaluator": ("fgw", Role.EVALUATOR, "互评评委", None),
    "thirdparty": ("experts", Role.THIRD_PARTY_EVALUATOR, "会计师事务所合伙人", None),
}

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

    # Bootstrapped with a throwaway password: every demo account gets the demo password below.
    admin = bootstrap_admin(
        username="admin",
        name="系统管理员",
        password=throwaway_password(),
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

    units: dict[str, Unit] = {CITY[0]: city}
    units["city-lg"] = unit("city-lg", "市绩效管理领导小组", UnitKind.LEADERSHIP_GROUP, city, 1)
    units["city-pmo"] = unit("city-pmo", "市绩效管理办公室", UnitKind.OFFICE, city, 2)
    units["experts"] = unit("experts", "第三方评估专家组", UnitKind.WORKING_GROUP, city, 3)

    def person(
        username: str, unit_: Unit, role: str, title: str = "", name: str | None = None
    ) -> Person:
        p = services.create_person(actor=admin, username=username, name=name or person_name())
        services.add_membership(actor=admin, person=p, unit=unit_, role=role, title=title)
        return p

    def named(username: str) -> Person:
        code, role, title, name = NAMED[username]
        return person(username, units[code], role, title, name)

    named("auditor")
    person("mayor", units["city-lg"], Role.LEADER, "市长、组长")
    named("leader")
    named("office")
    person("office2", units["city-pmo"], Role.PERF_OFFICE, "绩效办考评科科长")
    person("expert", units["experts"], Role.THIRD_PARTY_EVALUATOR, "高校教授")
    named("thirdparty")

    for order, (code, name, group, sections) in enumerate(DEPARTMENTS, start=10):
        dept = units[code] = unit(code, name, UnitKind.DEPARTMENT, city, order, group)
        team = unit(f"{code}-wg", f"{name}绩效工作小组", UnitKind.WORKING_GROUP, dept, 0)
        leader = person(f"{code}.leader", dept, Role.UNIT_LEADER, "局长")
        services.add_membership(
            actor=admin, person=leader, unit=team, role=Role.UNIT_LEADER, title="组长"
        )
        if code == NAMED["coordinator"][0]:
            named("coordinator")
            person(f"{code}.coord", dept, Role.UNIT_COORDINATOR, "绩效专员")
        else:
            person(f"{code}.coord", dept, Role.UNIT_COORDINATOR, "绩效联络员")
        if code == NAMED["evaluator"][0]:
            named("evaluator")
        else:
            person(f"{code}.eval", dept, Role.EVALUATOR, "互评评委")
        for s_order, section_name in enumerate(sections, start=1):
            section = units[f"{code}-s{s_order}"] = unit(
                f"{code}-s{s_order}", section_name, UnitKind.SECTION, dept, s_order
            )
            if section.code == NAMED["staff"][0]:
                named("staff")
            elif s_order == 1:
                person(f"{code}.staff", section, Role.STAFF, "科员")
            else:
                person(f"{code}.s{s_order}", section, Role.STAFF, "科员")
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
            d_code = f"{code}-d{d_order}"
            dept = unit(
                d_code,
                f"{name.removesuffix('人民政府')}{dept_name}",
                UnitKind.DEPARTMENT,
                county,
                d_order,
            )
            person(f"{d_code}.leader", dept, Role.UNIT_LEADER, "局长")
            person(f"{d_code}.coord", dept, Role.UNIT_COORDINATOR, "绩效联络员")
            for s_order, section_name in enumerate(COUNTY_SECTIONS, start=1):
                section = unit(
                    f"{d_code}-s{s_order}", section_name, UnitKind.SECTION, dept, s_order
                )
                if s_order == 1:
                    person(f"{d_code}.staff", section, Role.STAFF, "科员")

    # One password hash for every demo account: hashing it per person would take minutes.
    password_hash = make_password(demo_password(create=True))
    count = Person.objects.update(
        password=password_hash, must_change_password=False, password_changed_at=timezone.now()
    )
    record(
        action="demo.passwords", actor=admin, object_type="orgs.person", after={"accounts": count}
    )
    out(f"demo: {Unit.objects.count()} units, {Person.objects.count()} people")
