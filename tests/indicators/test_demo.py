"""The demo city's library: about 150 indicators across the four dimensions, the worked
examples of PRODUCT.md, formulas over indicators of the library, loaded fast."""

import time

from govperf.audit.verify import verify_chain
from govperf.demo import indicator_library
from govperf.demo.indicator_library import CODES_BY_DIMENSION, DEMO_INDICATORS, WORKED_EXAMPLES
from govperf.demo.organisation import load_organisation
from govperf.indicators.formulas import Library, check_formula
from govperf.indicators.models import Indicator, IndicatorVersion, Tag

PRODUCT_MD_EXAMPLES = [
    "政务服务事项按时办结率",
    "医院治愈率",
    "患者满意度",
    "社保业务办理时长",
    "投诉率",
    "农村贫困人口脱贫率",
    "地区生产总值增长率",
    "产业结构优化率",
    "固定资产投资完成率",
    "教育普及程度",
    "医疗卫生服务满意度",
    "社会保障覆盖率",
    "空气质量优良天数比例",
    "水污染治理达标率",
    "森林覆盖率",
    "审批事项办理时间",
    "办结率",
    "依法行政水平",
    "政务公开程度",
    "老旧小区改造完成数",
    "居民满意度",
    "垃圾分类准确率",
    "河流水质达标率",
    "接通电话数",
    "30秒内接听率",
    "平均等待时长",
    "每百万来电投诉数",
    "14日内信件回复率",
    "加班时长",
    "非中文来电占比",
    "毕业率",
]


def test_the_demo_library(db):
    load_organisation(lambda _line: None)
    started = time.perf_counter()
    lines = []
    indicator_library.load(lines.append)
    elapsed = time.perf_counter() - started
    assert elapsed < 10, elapsed
    assert lines == ["demo: 154 indicators in the library"]

    assert Indicator.objects.count() == len(DEMO_INDICATORS) == 154
    assert {d: len(codes) for d, codes in CODES_BY_DIMENSION.items()} == {
        "economy": 40,
        "society": 41,
        "environment": 35,
        "government": 38,
    }
    for dimension, codes in CODES_BY_DIMENSION.items():
        tagged = Indicator.objects.filter(
            current__tags__code=dimension, current__tags__taxonomy__code="dimension"
        )
        assert sorted(tagged.values_list("code", flat=True)) == sorted(codes)

    names = {i.code: i.current.name for i in Indicator.objects.select_related("current")}
    for example in PRODUCT_MD_EXAMPLES:
        code = WORKED_EXAMPLES[example]
        assert example in names[code], (example, code, names[code])

    # every version complete: caliber, data source and collecting unit
    versions = IndicatorVersion.objects.all()
    assert not versions.filter(caliber="").exists()
    assert not versions.filter(data_source="").exists()
    assert not versions.filter(collecting_unit=None).exists()
    assert versions.filter(kind="qualitative", rubric__isnull=False).count() == 7
    assert versions.filter(horizon="long_term").count() == 7
    assert versions.filter(direction="band").count() == 2
    assert Tag.objects.get(taxonomy__code="newyork", code="quality").indicator_versions.count() == 5

    library = Library.load()
    formulas = versions.exclude(formula="")
    assert formulas.count() == 16
    for v in formulas.select_related("indicator"):
        assert check_formula(v.formula, own_code=v.indicator.code, library=library).ok, v
    assert Indicator.objects.get(code="GOV-001").current.formula == "#{GOV-002} / #{GOV-003} * 100"
    assert verify_chain().ok
