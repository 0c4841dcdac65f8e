"""Goals: strategic → unit → section → post, decomposed by level, time or content."""

import pytest

from govperf.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from govperf.plans import services
from govperf.plans.models import Goal


def strategic(org, **extra):
    return services.create_goal(
        actor=org.office,
        owner_unit=org.city,
        level="strategic",
        title="民生福祉持续增进",
        start_period="2026",
        end_period="2028",
        **extra,
    )


def test_only_the_office_sets_strategic_goals(org):
    for person in (org.edu_leader, org.leader, org.admin):
        with pytest.raises((Forbidden, NotFound)):
            services.create_goal(
                actor=person, owner_unit=org.city, level="strategic", title="x", start_period="2026"
            )
    assert Goal.objects.count() == 0
    assert strategic(org).level == "strategic"


def test_a_department_decomposes_down_to_post(org):
    top = strategic(org)
    unit = services.create_goal(
        actor=org.edu_coord,
        owner_unit=org.edu,
        level="unit",
        parent=top,
        decomposition="level",
        title="教育普及",
        start_period="2026",
    )
    section = services.create_goal(
        actor=org.edu_leader,
        owner_unit=org.edu_s1,
        level="section",
        parent=unit,
        decomposition="level",
        title="学前教育",
        start_period="2026",
    )
    post = services.create_goal(
        actor=org.edu_leader,
        owner_unit=org.edu_p1,
        level="post",
        parent=section,
        decomposition="level",
        title="入园率统计",
        start_period="2026",
    )
    assert [g.parent_id for g in (unit, section, post)] == [top.pk, unit.pk, section.pk]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"level": "strategic"}, "level"),  # by level goes down a level
        ({"owner_unit": "health"}, "owner_unit"),  # below the parent's owner
        ({"decomposition": ""}, "decomposition"),
        ({"start_period": "2025"}, "start_period"),  # inside the parent's span
        ({"start_period": "2026", "end_period": "2025"}, "end_period"),
        ({"title": ""}, "title"),
        ({"target_value": "x"}, "target_value"),
    ],
)
def test_placement_rules(org, changes, field):
    parent = services.create_goal(
        actor=org.office,
        owner_unit=org.edu,
        level="unit",
        title="教育",
        start_period="2026",
        end_period="2028",
    )
    values = {
        "actor": org.office,
        "owner_unit": org.edu_s1,
        "level": "section",
        "parent": parent,
        "decomposition": "level",
        "title": "科室目标",
        "start_period": "2026",
        "end_period": "2026",
    }
    if "owner_unit" in changes:
        changes = {**changes, "owner_unit": org.health}
    with pytest.raises(ValidationFailed) as exc:
        services.create_goal(**{**values, **changes})
    assert field in [d.field for d in exc.value.details]
    assert Goal.objects.count() == 1


def test_by_time_and_content_stay_at_the_parents_level(org):
    parent = services.create_goal(
        actor=org.edu_coord,
        owner_unit=org.edu,
        level="unit",
        title="三年",
        start_period="2026",
        end_period="2028",
    )
    for kind in ("time", "content"):
        child = services.create_goal(
            actor=org.edu_coord,
            owner_unit=org.edu,
            level="unit",
            parent=parent,
            decomposition=kind,
            title=kind,
            start_period="2027",
            completion_standard="验收合格",
        )
        assert child.decomposition == kind


def test_a_unit_edits_its_goals_others_do_not(org):
    goal = services.create_goal(
        actor=org.edu_coord, owner_unit=org.edu, level="unit", title="教育", start_period="2026"
    )
    services.update_goal(
        actor=org.edu_leader, goal=goal, expected_version=1, title="教育高质量发展"
    )
    for person, error in (
        (org.edu_staff, NotFound),
        (org.health_leader, NotFound),
        (org.leader, Forbidden),
    ):
        with pytest.raises(error):
            services.update_goal(actor=person, goal=goal, expected_version=2, title="改")
    goal.refresh_from_db()
    assert (goal.title, goal.version) == ("教育高质量发展", 2)


def test_a_stale_goal_edit_is_a_conflict_and_place_cannot_change(org):
    goal = services.create_goal(
        actor=org.edu_coord, owner_unit=org.edu, level="unit", title="教育", start_period="2026"
    )
    services.update_goal(actor=org.edu_coord, goal=goal, expected_version=1, measures="督导")
    with pytest.raises(Conflict):
        services.update_goal(actor=org.edu_coord, goal=goal, expected_version=1, measures="再改")
    with pytest.raises(ValidationFailed) as exc:
        services.update_goal(
            actor=org.edu_coord, goal=goal, expected_version=2, owner_unit=org.health
        )
    assert [d.field for d in exc.value.details] == ["owner_unit"]


def test_delete_only_a_goal_without_parts(org, lib):
    top = strategic(org)
    services.create_goal(
        actor=org.office,
        owner_unit=org.edu,
        level="unit",
        parent=top,
        decomposition="level",
        title="教育",
        start_period="2026",
    )
    with pytest.raises(Conflict):
        services.delete_goal(actor=org.office, goal=top)
    leaf = Goal.objects.get(title="教育")
    services.delete_goal(actor=org.edu_coord, goal=leaf)
    assert list(Goal.objects.values_list("title", flat=True)) == ["民生福祉持续增进"]
