"""Editing an indicator: in place while nothing uses its version, a new version once something does."""

import pytest

from govperf.audit.models import AuditEntry
from govperf.core.errors import Conflict
from govperf.indicators import services
from govperf.indicators.models import Indicator, IndicatorVersion
from govperf.indicators.services import Definition
from govperf.indicators.usage import usages, version_in_use
from tests.indicators.conftest import make_indicator


def edit(actor, indicator, expected_version=None, note="", **changes):
    indicator = Indicator.objects.get(pk=indicator.pk)
    return services.update_indicator(
        actor=actor,
        indicator=indicator,
        expected_version=expected_version,
        definition=Definition.of(indicator.current).replace(**changes),
        change_note=note,
    )


def test_it_edits_in_place_while_the_version_is_not_in_use(org, plan_lines):
    indicator = make_indicator(org.office, "GOV-1", "办结率", unit_of_measure="%")
    first = indicator.current
    saved = edit(org.office, indicator, expected_version=1, name="按时办结率", note="改名")
    assert saved.current_id == first.pk
    assert IndicatorVersion.objects.filter(indicator=indicator).count() == 1
    first.refresh_from_db()
    assert (first.number, first.name, first.change_note) == (1, "按时办结率", "改名")
    assert saved.version == 2
    assert AuditEntry.objects.filter(action="indicator.update").count() == 1


def test_it_creates_a_new_version_once_the_current_one_is_in_use(org, plan_lines):
    indicator = make_indicator(org.office, "GOV-1", "办结率", unit_of_measure="%")
    first = indicator.current
    plan_lines.objects.create(version=first)
    assert version_in_use(first)

    saved = edit(org.office, indicator, expected_version=1, definition="新定义", note="口径调整")

    assert saved.current.number == 2
    assert saved.current_id != first.pk
    assert saved.version == 2
    first.refresh_from_db()
    assert (first.definition, first.number) == ("", 1)  # what the plan used stays as it was
    assert (saved.current.definition, saved.current.change_note) == ("新定义", "口径调整")
    assert list(indicator.versions.order_by("number").values_list("number", flat=True)) == [1, 2]
    assert AuditEntry.objects.filter(action="indicator.new_version").count() == 1


def test_history_is_kept_across_several_versions(org, plan_lines):
    indicator = make_indicator(org.office, "X", "甲")
    for name in ("乙", "丙"):
        plan_lines.objects.create(version=Indicator.objects.get(pk=indicator.pk).current)
        edit(org.office, indicator, name=name)
    edit(org.office, indicator, name="丁")  # version 3 is not used yet: edited in place
    names = list(indicator.versions.order_by("number").values_list("number", "name"))
    assert names == [(1, "甲"), (2, "乙"), (3, "丁")]
    assert usages(Indicator.objects.get(pk=indicator.pk))[0].versions == (1, 2)
    assert usages(Indicator.objects.get(pk=indicator.pk))[0].count == 2


def test_tags_and_inputs_belong_to_the_version(org, plan_lines, presets):
    from govperf.indicators.models import Tag

    economy, society = Tag.objects.get(code="economy"), Tag.objects.get(code="society")
    make_indicator(org.office, "A")
    make_indicator(org.office, "B")
    rate = make_indicator(org.office, "R", formula="#{A} / #{B}", tags=(economy,))
    plan_lines.objects.create(version=rate.current)
    saved = edit(org.office, rate, formula="#{A} * 2", tags=(society,))
    old = IndicatorVersion.objects.get(indicator=rate, number=1)
    assert [t.code for t in old.tags.all()] == ["economy"]
    assert sorted(old.inputs.values_list("code", flat=True)) == ["A", "B"]
    assert [t.code for t in saved.current.tags.all()] == ["society"]
    assert list(saved.current.inputs.values_list("code", flat=True)) == ["A"]


def test_an_unchanged_definition_changes_nothing(org, plan_lines):
    indicator = make_indicator(org.office, "X", "甲", formula="")
    plan_lines.objects.create(version=indicator.current)
    before = AuditEntry.objects.count()
    saved = edit(org.office, indicator, expected_version=1, name=" 甲 ")
    assert (saved.version, saved.current_id) == (1, indicator.current_id)
    assert AuditEntry.objects.count() == before


def test_a_stale_version_is_a_conflict_and_changes_nothing(org):
    indicator = make_indicator(org.office, "X", "甲")
    edit(org.office, indicator, expected_version=1, name="乙")
    with pytest.raises(Conflict):
        edit(org.office, indicator, expected_version=1, name="丙")
    assert Indicator.objects.get(pk=indicator.pk).current.name == "乙"


def test_registering_a_user_twice_is_harmless(plan_lines, org):
    from govperf.indicators.usage import register_version_user, version_users

    register_version_user("indicators.PlanLine", "version")
    assert version_users().count(("indicators.PlanLine", "version")) == 1
