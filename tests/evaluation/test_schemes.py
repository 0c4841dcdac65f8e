"""Stored schemes: validation located to the JSON path, versioning, presets."""

import copy

import pytest
from django.core.management import call_command

from govperf.audit.models import AuditEntry
from govperf.core.errors import Conflict, Forbidden, ValidationFailed
from govperf.evaluation import presets, selectors, services
from govperf.evaluation.models import Scheme, SchemeVersion
from tests.evaluation.conftest import SCHEME


def fields(exc: ValidationFailed) -> dict[str, str]:
    return {d.field: d.message for d in exc.details}


def broken(change) -> dict:
    definition = copy.deepcopy(SCHEME)
    change(definition)
    return definition


def create(world, definition, code="s"):
    return services.create_scheme(actor=world.office, code=code, name="方案", definition=definition)


def test_weights_not_totalling_100_are_refused_naming_the_field(world):
    def change(d):
        d["components"][0]["indicators"][0]["weight"] = 40

    with pytest.raises(ValidationFailed) as caught:
        create(world, broken(change))
    assert list(fields(caught.value)) == ["scheme.components[0].indicators"]
    assert "must total 100 (got 90" in caught.value.details[0].message
    assert not Scheme.objects.exists()


def test_component_weights_not_totalling_100_name_the_components(world):
    def change(d):
        d["components"][2]["weight"] = 5

    with pytest.raises(ValidationFailed) as caught:
        create(world, broken(change))
    assert list(fields(caught.value)) == ["scheme.components"]


def test_a_rule_with_no_target_is_refused_naming_the_rule(world):
    def change(d):
        del d["components"][0]["indicators"][1]["rule"]["target"]

    with pytest.raises(ValidationFailed) as caught:
        create(world, broken(change))
    assert fields(caught.value) == {
        "scheme.components[0].indicators[1].rule.target": "缺少 target / target is required"
    }


def test_a_rubric_range_outside_0_100_is_refused(world):
    def change(d):
        d["components"][2]["rubric"][0]["max"] = 120

    with pytest.raises(ValidationFailed) as caught:
        create(world, broken(change))
    assert fields(caught.value) == {
        "scheme.components[2].rubric[0].max": "A score between 0 and 100."
    }


def test_overlapping_rubric_levels_are_refused(world):
    def change(d):
        d["components"][2]["rubric"][1]["max"] = 95

    with pytest.raises(ValidationFailed) as caught:
        create(world, broken(change))
    assert fields(caught.value) == {"scheme.components[2].rubric": "Levels 较好 and 好 overlap."}


def test_from_plan_is_refused_where_the_plan_has_no_such_value(world):
    def change(d):
        d["components"][0]["indicators"][1]["rule"] = {"kind": "deduction", "per": "from_plan"}

    with pytest.raises(ValidationFailed) as caught:
        create(world, broken(change))
    assert "scheme.components[0].indicators[1].rule.per" in fields(caught.value)


def test_tasks_need_evaluator_kinds_and_know_only_real_ones(world):
    def change(d):
        d["components"][2]["evaluators"] = ["boss"]
        d["components"][0]["indicators"][2]["evaluators"] = []

    with pytest.raises(ValidationFailed) as caught:
        create(world, broken(change))
    got = fields(caught.value)
    assert got["scheme.components[2].evaluators"].startswith("Unknown evaluator kind boss")
    assert got["scheme.components[0].indicators[2].evaluators"] == (
        "Name the evaluator kinds that score this indicator."
    )


def test_an_unknown_library_indicator_is_refused(world):
    def change(d):
        d["components"][0]["indicators"][1]["indicator"] = "NOPE"

    with pytest.raises(ValidationFailed) as caught:
        create(world, broken(change))
    assert fields(caught.value) == {
        "scheme.components[0].indicators[1].indicator": "Unknown library indicator NOPE."
    }


def test_sources_default_from_the_library(world):
    spec = selectors.spec_of(SCHEME)
    assert [(i.code, i.source, i.link.code if i.link else None) for i in spec.indicators] == [
        ("ENR", "data", "ENR"),
        ("WAIT", "data", "WAIT"),
        ("OPEN", "tasks", "OPEN"),
    ]
    # The rubric rule takes the library indicator's levels; WAIT its time aggregation.
    open_rule = spec.engine.indicators[2].rule
    assert dict(open_rule.levels) == {
        "达成": (0.8, 1.0),
        "部分达成": (0.6, 0.8),
        "未达成": (0.0, 0.6),
    }
    assert spec.engine.indicators[1].time_aggregate == "mean"
    assert spec.task_components() == [("goal", "expert"), ("leader", "superior")]


def test_editing_an_unused_scheme_changes_its_version_in_place(world):
    scheme = create(world, SCHEME)
    definition = broken(lambda d: d.update(precision=1))
    services.update_scheme(
        actor=world.office, scheme=scheme, expected_version=1, definition=definition
    )
    scheme.refresh_from_db()
    assert SchemeVersion.objects.filter(scheme=scheme).count() == 1
    assert scheme.current.definition["precision"] == 1
    assert scheme.version == 2


def test_editing_a_used_scheme_makes_a_new_version_and_the_round_keeps_its_own(world):
    round_ = world.open_round()
    scheme = round_.scheme_version.scheme
    definition = broken(lambda d: d.update(bonus_cap=5))
    services.update_scheme(
        actor=world.office, scheme=scheme, expected_version=scheme.version, definition=definition,
        change_note="加分上限调整为5分",
    )  # fmt: skip
    scheme.refresh_from_db()
    round_.refresh_from_db()
    assert [v.number for v in selectors.versions(scheme)] == [2, 1]
    assert scheme.current.number == 2 and scheme.current.definition["bonus_cap"] == 5
    assert round_.scheme_version.number == 1
    assert round_.scheme_version.definition["bonus_cap"] == 3
    entry = AuditEntry.objects.filter(action="scheme.update").get()
    assert '"new_version":2' in entry.after


def test_a_stale_edit_is_a_conflict_and_changes_nothing(world):
    scheme = create(world, SCHEME)
    with pytest.raises(Conflict):
        services.update_scheme(actor=world.office, scheme=scheme, expected_version=9, name="改名")
    scheme.refresh_from_db()
    assert (scheme.name, scheme.version) == ("方案", 1)


def test_only_the_office_creates_schemes(world):
    with pytest.raises(Forbidden):
        create_as = world.org.edu_leader
        services.create_scheme(actor=create_as, code="x", name="x", definition=SCHEME)
    assert not Scheme.objects.exists()


def test_presets_load_once_and_are_valid(world):
    call_command("load_schemes")
    call_command("load_schemes")
    assert sorted(Scheme.objects.values_list("code", flat=True)) == [
        "budget-project",
        "hangzhou-3plus1",
        "tcity-multi-subject",
    ]
    assert SchemeVersion.objects.count() == 3
    for code, definition in presets.PRESETS:
        scheme = Scheme.objects.get(code=code)
        assert scheme.is_preset and scheme.current.definition == definition
        selectors.spec_of(definition)  # valid against this library too


def test_presets_are_editable_and_a_reload_keeps_the_edit(world):
    services.load_presets(actor=world.office)
    scheme = Scheme.objects.get(code="hangzhou-3plus1")
    definition = copy.deepcopy(scheme.current.definition)
    definition["bonus_cap"] = 2
    services.update_scheme(
        actor=world.office, scheme=scheme, expected_version=1, definition=definition
    )
    assert services.load_presets(actor=world.office) == []
    scheme.refresh_from_db()
    assert scheme.current.definition["bonus_cap"] == 2


def test_hangzhou_preset_is_3_plus_1(world):
    spec = selectors.spec_of(presets.HANGZHOU)
    assert [(c.label, c.weight) for c in spec.components] == [
        ("社会评价", 50.0),
        ("目标考核", 45.0),
        ("领导考评", 5.0),
    ]
    assert spec.engine.bonus_cap == 3.0 and spec.bonus_label == "创新创优"


def test_budget_preset_scores_the_budget_part_against_the_budget(world):
    spec = selectors.spec_of(presets.BUDGET)
    assert [(c.label, c.weight) for c in spec.components] == [
        ("产出", 50.0),
        ("效益", 30.0),
        ("满意度", 10.0),
        ("预算执行率", 10.0),
    ]
    spent = next(i for i in spec.indicators if i.code == "spent")
    assert (spent.kind, spent.plan_fields, spent.source) == ("higher_better", ("target",), "import")
