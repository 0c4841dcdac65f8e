"""Taxonomies and their categories: the presets command, then editing by the office."""

import json

import pytest
from django.core.management import call_command
from django.utils import translation

from govperf.audit.models import AuditEntry
from govperf.core.errors import Conflict, ValidationFailed
from govperf.indicators import services
from govperf.indicators.models import Rubric, Tag, Taxonomy
from tests.indicators.conftest import make_indicator

PRESETS = {
    "dimension": ["经济发展", "社会民生", "生态环境", "政府自身建设"],
    "budget": [
        "成本",
        "经济成本",
        "社会成本",
        "生态环境成本",
        "产出",
        "数量",
        "质量",
        "时效",
        "效益",
        "经济效益",
        "社会效益",
        "生态效益",
        "可持续影响",
        "满意度",
        "服务对象满意度",
    ],
    "newyork": ["数量", "质量", "资源", "优化"],
    "r004": ["产出", "质量", "效率", "效果", "满意度"],
}


def tree(code: str) -> list[str]:
    from govperf.indicators.selectors import taxonomies

    taxonomy = next(t for t in taxonomies() if t.code == code)
    return [t.name for t in taxonomy.ordered_tags]


def test_the_presets_command_loads_everything_once(db, capsys):
    call_command("load_taxonomies")
    assert json.loads(capsys.readouterr().out) == {
        "created": {"taxonomies": 4, "categories": 28, "rubrics": 1}
    }
    assert list(Taxonomy.objects.values_list("code", flat=True)) == [
        "dimension",
        "budget",
        "newyork",
        "r004",
    ]
    assert all(Taxonomy.objects.values_list("is_preset", flat=True))
    assert {code: tree(code) for code in PRESETS} == PRESETS
    assert Tag.objects.get(code="output-timeliness").parent.code == "output"
    assert Rubric.objects.get(code="three-level").levels == services.DEFAULT_LEVELS
    entries = AuditEntry.objects.filter(action="taxonomy.load_presets")
    assert [(e.actor_label, e.via) for e in entries] == [("load_taxonomies", "cli")]

    call_command("load_taxonomies")
    assert json.loads(capsys.readouterr().out) == {
        "created": {"taxonomies": 0, "categories": 0, "rubrics": 0}
    }
    assert (Taxonomy.objects.count(), Tag.objects.count(), entries.count()) == (4, 28, 1)


def test_the_presets_stay_as_the_office_edited_them(org, presets):
    dimension = Taxonomy.objects.get(code="dimension")
    services.update_taxonomy(
        actor=org.office, taxonomy=dimension, expected_version=1, name="四个维度"
    )
    Tag.objects.filter(code="economy").delete()
    counts = services.load_presets()
    assert counts == {"taxonomies": 0, "categories": 1, "rubrics": 0}
    assert Taxonomy.objects.get(code="dimension").name == "四个维度"


def test_the_office_adds_a_taxonomy_with_two_levels(org):
    taxonomy = services.create_taxonomy(actor=org.office, code="bsc", name="平衡计分卡")
    customer = services.create_tag(
        actor=org.office, taxonomy=taxonomy, code="customer", name="客户"
    )
    child = services.create_tag(
        actor=org.office, taxonomy=taxonomy, code="customer-sat", name="满意度", parent=customer
    )
    assert (child.key, child.parent_id) == ("bsc:customer-sat", customer.pk)
    renamed = services.update_tag(
        actor=org.office, tag=child, expected_version=1, name="客户满意度", parent=customer
    )
    assert (renamed.name, renamed.version) == ("客户满意度", 2)
    assert list(AuditEntry.objects.order_by("seq").values_list("action", flat=True)) == [
        "taxonomy.create",
        "tag.create",
        "tag.create",
        "tag.update",
    ]


@translation.override("en")
def test_categories_have_two_levels_within_their_taxonomy(org, presets):
    budget, r004 = Taxonomy.objects.get(code="budget"), Taxonomy.objects.get(code="r004")
    second = Tag.objects.get(code="output-quantity")
    with pytest.raises(ValidationFailed) as caught:
        services.create_tag(actor=org.office, taxonomy=budget, code="x", name="X", parent=second)
    assert [d.message for d in caught.value.details] == [
        "Categories have two levels: the parent must be a top-level one."
    ]
    with pytest.raises(ValidationFailed) as caught:
        services.create_tag(
            actor=org.office, taxonomy=r004, code="x", name="X", parent=Tag.objects.get(code="cost")
        )
    assert [d.message for d in caught.value.details] == [
        "The parent category belongs to another taxonomy."
    ]
    output = Tag.objects.get(code="output", taxonomy=budget)
    with pytest.raises(ValidationFailed):
        services.update_tag(
            actor=org.office,
            tag=output,
            expected_version=1,
            name="产出",
            parent=Tag.objects.get(code="cost"),
        )
    assert Tag.objects.get(pk=output.pk).parent_id is None


@translation.override("en")
def test_codes_are_checked(org, presets):
    dimension = Taxonomy.objects.get(code="dimension")
    with pytest.raises(ValidationFailed) as caught:
        services.create_tag(actor=org.office, taxonomy=dimension, code="Economy", name="重复")
    assert [(d.field, d.message) for d in caught.value.details] == [
        ("code", "This code is already used in the taxonomy.")
    ]
    with pytest.raises(ValidationFailed) as caught:
        services.create_taxonomy(actor=org.office, code="经济", name="")
    assert [d.field for d in caught.value.details] == ["code", "name"]
    assert Taxonomy.objects.count() == 4


def test_a_stale_taxonomy_version_is_a_conflict(org, presets):
    dimension = Taxonomy.objects.get(code="dimension")
    services.update_taxonomy(actor=org.office, taxonomy=dimension, expected_version=1, name="A")
    with pytest.raises(Conflict):
        services.update_taxonomy(actor=org.office, taxonomy=dimension, expected_version=1, name="B")
    assert Taxonomy.objects.get(code="dimension").name == "A"


def test_a_category_an_indicator_ever_had_cannot_be_deleted(org, presets):
    economy = Tag.objects.get(code="economy")
    make_indicator(org.office, "X", tags=(economy,))
    with pytest.raises(Conflict):
        services.delete_tag(actor=org.office, tag=economy)
    with pytest.raises(Conflict):  # it has sub-categories
        services.delete_tag(actor=org.office, tag=Tag.objects.get(code="cost"))
    services.delete_tag(actor=org.office, tag=Tag.objects.get(code="cost-social"))
    assert not Tag.objects.filter(code="cost-social").exists()
    assert Tag.objects.filter(code="economy").exists()
