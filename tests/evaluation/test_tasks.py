"""Scoring tasks: who scores whom when a round opens, conflicts, and who sees which task."""

import datetime as dt

import pytest

from govperf.core.errors import NotFound, ValidationFailed
from govperf.evaluation import presets, selectors, services
from govperf.evaluation.models import ScoringTask


@pytest.fixture
def tcity(world):
    return world.open_round(presets.TCITY, experts_per_unit=0)


def assignments(round_) -> set[tuple[str, str, str]]:
    return {
        (t.unit.code, t.kind, t.evaluator.username)
        for t in round_.tasks.exclude(status="cancelled").select_related("unit", "evaluator")
    }


def test_the_multi_subject_scheme_assigns_every_subject(world, tcity):
    assert assignments(tcity) == {
        # self: the unit's own leader
        ("edu", "self", "edu_leader"),
        ("health", "self", "health_leader"),
        # superior: the leaders
        ("edu", "superior", "leader"),
        ("health", "superior", "leader"),
        ("county", "superior", "leader"),
        # peers: evaluators of the other units of the same comparable group
        ("edu", "peer", "evaluator"),
        ("health", "peer", "edu_eval"),
        # third party: every expert (experts_per_unit 0)
        ("edu", "third_party", "expert"),
        ("edu", "third_party", "expert2"),
        ("health", "third_party", "expert"),
        ("health", "third_party", "expert2"),
        ("county", "third_party", "expert"),
        ("county", "third_party", "expert2"),
    }
    # The county has no leader of its own and no peer in its group: the gaps are listed.
    assert tcity.rules["gaps"] == [
        {"unit": "county", "component": "self", "kind": "self"},
        {"unit": "county", "component": "peer", "kind": "peer"},
    ]
    assert {t.deadline for t in tcity.tasks.all()} == {dt.date(2026, 1, 31)}


def test_no_one_scores_a_unit_they_belong_to(world, tcity):
    for task in tcity.tasks.exclude(kind="self").select_related("unit", "evaluator"):
        paths = task.evaluator.memberships.values_list("unit__path", flat=True)
        assert not any(p.startswith(task.unit.path) for p in paths), task


def test_declared_conflicts_are_left_out_of_the_draw(world):
    services.declare_conflict(
        actor=world.org.evaluator, unit=world.org.edu, reason="配偶在教育局工作"
    )
    round_ = world.open_round(presets.TCITY, experts_per_unit=0)
    assert ("edu", "peer", "evaluator") not in assignments(round_)
    assert {"unit": "edu", "component": "peer", "kind": "peer"} in round_.rules["gaps"]


def test_the_draw_is_seeded(world):
    first = world.open_round(presets.TCITY, experts_per_unit=1, seed=11)
    experts = {
        t.unit.code: t.evaluator.username
        for t in first.tasks.filter(kind="third_party").select_related("unit", "evaluator")
    }
    assert len(experts) == 3 and set(experts.values()) <= {"expert", "expert2"}
    second = services.open_round(
        actor=world.office,
        cycle=world.cycle,
        period="2025",
        scheme_version=first.scheme_version,
        units=world.units,
        deadline=dt.date(2026, 1, 31),
        experts_per_unit=1,
        seed=11,
    )
    assert {
        t.unit.code: t.evaluator.username
        for t in second.tasks.filter(kind="third_party").select_related("unit", "evaluator")
    } == experts


def test_experts_see_only_their_own_tasks(world, tcity):
    mine = list(selectors.my_tasks(world.org.expert))
    assert {t.evaluator_id for t in mine} == {world.org.expert.pk}
    assert len(mine) == 3
    other = tcity.tasks.get(kind="third_party", evaluator=world.expert2, unit=world.org.edu)
    with pytest.raises(NotFound):
        selectors.get_task(world.org.expert, other.pk)
    assert list(selectors.round_tasks(world.org.expert, tcity)) == mine


def test_an_evaluator_assigned_to_their_own_unit_is_refused_naming_the_field(world, tcity):
    before = tcity.tasks.count()
    with pytest.raises(ValidationFailed) as caught:
        services.assign_task(
            actor=world.office,
            round_=tcity,
            unit=world.org.edu,
            component="peer",
            kind="peer",
            evaluator=world.edu_eval,
        )
    assert [(d.field, d.message) for d in caught.value.details] == [
        ("evaluator", "An evaluator cannot score their own unit.")
    ]
    assert tcity.tasks.count() == before


def test_a_conflict_declared_later_cancels_pending_tasks_and_tells_the_office(
    world, tcity, django_capture_on_commit_callbacks
):
    from govperf.core.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        services.declare_conflict(
            actor=world.expert2, unit=world.org.health, reason="曾任该单位顾问"
        )
    task = tcity.tasks.get(evaluator=world.expert2, unit=world.org.health)
    assert task.status == ScoringTask.Status.CANCELLED
    assert (
        Notification.objects.filter(recipient=world.office, kind="evaluation.conflict").count() == 1
    )
    with pytest.raises(ValidationFailed) as caught:
        services.reassign_task(actor=world.office, task=task, evaluator=world.expert2)
    assert caught.value.details[0].field == "evaluator"
    task.refresh_from_db()
    assert (task.status, task.evaluator_id) == (ScoringTask.Status.CANCELLED, world.expert2.pk)


def test_assignees_are_told_once_each(world, django_capture_on_commit_callbacks):
    from govperf.core.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        world.open_round(presets.TCITY, experts_per_unit=0)
    notes = Notification.objects.filter(kind="evaluation.tasks")
    assert sorted(n.recipient.username for n in notes) == [
        "edu_eval", "edu_leader", "evaluator", "expert", "expert2", "health_leader", "leader",
    ]  # fmt: skip
    assert notes.get(recipient=world.org.leader).message.startswith("You have 3 scoring tasks")


def test_reminders_before_the_deadline_and_when_overdue(
    world, tcity, django_capture_on_commit_callbacks
):
    from govperf.core.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_task_reminders(dt.date(2026, 1, 20)) == {"due_soon": 0, "overdue": 0}
        assert services.send_task_reminders(dt.date(2026, 1, 28)) == {"due_soon": 13, "overdue": 0}
        assert services.send_task_reminders(dt.date(2026, 1, 29)) == {"due_soon": 0, "overdue": 0}
        task = tcity.tasks.get(kind="self", unit=world.org.edu)
        services.submit_score(actor=world.org.edu_leader, task=task, score=88)
        assert services.send_task_reminders(dt.date(2026, 2, 1)) == {"due_soon": 0, "overdue": 12}
        assert services.send_task_reminders(dt.date(2026, 2, 2)) == {"due_soon": 0, "overdue": 0}
    assert (
        Notification.objects.filter(kind="evaluation.reminder", recipient=world.org.leader).count()
        == 3
    )
    assert (
        Notification.objects.filter(kind="evaluation.overdue", recipient=world.office).count() == 1
    )


def _econ_group(world):
    """Five departments of one comparable group, two evaluators each, and one department
    of another group whose evaluators must never be drawn."""
    from govperf.orgs.models import ComparableGroup
    from tests.helpers import make_person, make_unit

    econ = ComparableGroup.objects.create(code="econ", name="经济发展类")
    units, staff = [], {}
    for i in range(5):
        unit = make_unit(f"econ{i}", "department", world.org.city, name=f"经济部门{i}")
        unit.groups.add(econ)
        units.append(unit)
        for j in range(2):
            person = make_person(f"econ{i}_eval{j}", ("evaluator", unit))
            staff[person.pk] = unit
    return units, staff


def test_peers_are_drawn_at_random_from_the_other_units_of_the_group(world):
    units, staff = _econ_group(world)
    world.units = units
    # Declared before the round: econ1's first evaluator never scores econ0.
    conflicted = next(p for p, u in staff.items() if u == units[1])
    services.declare_conflict(
        actor=type(world.office).objects.get(pk=conflicted), unit=units[0], reason="亲属任职"
    )
    draws = []
    version = None
    for seed in (1, 2, 3):
        if version is None:
            round_ = world.open_round(presets.TCITY, peers_per_unit=3, experts_per_unit=1, seed=1)
            version = round_.scheme_version
        else:
            round_ = services.open_round(
                actor=world.office, cycle=world.cycle, period="2025", scheme_version=version,
                units=units, deadline=dt.date(2026, 1, 31), peers_per_unit=3, seed=seed,
            )  # fmt: skip
        peers = {}
        for task in round_.tasks.filter(kind="peer"):
            peers.setdefault(task.unit_id, set()).add(task.evaluator_id)
        for unit in units:
            drawn = peers[unit.pk]
            # Three of the eight evaluators of the four other units of the group.
            assert len(drawn) == 3
            assert all(staff[p] != unit for p in drawn)
            assert all(staff[p] in units for p in drawn)
        assert conflicted not in peers[units[0].pk]
        draws.append(peers)
    # Seeded, so repeatable, but random: different seeds draw differently.
    assert draws[0] != draws[1] or draws[0] != draws[2]
