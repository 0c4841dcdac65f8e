"""The scoring form's rules: the rubric's ranges, comments for extreme scores, who may score."""

from decimal import Decimal

import pytest

from govperf.core.errors import Conflict, NotFound, ValidationFailed
from govperf.evaluation import services
from govperf.evaluation.models import ScoringTask


@pytest.fixture
def round_(world):
    return world.open_round()


def leader_task(world, round_, unit=None):
    return round_.tasks.get(component="leader", unit=unit or world.org.edu)


def expert_task(world, round_, unit=None):
    return round_.tasks.get(
        component="goal", evaluator=world.org.expert, unit=unit or world.org.edu
    )


def refused(call) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as caught:
        call()
    return [(d.field, d.message) for d in caught.value.details]


def unchanged(task):
    task.refresh_from_db()
    assert (task.status, task.score, task.version) == (ScoringTask.Status.PENDING, None, 1)


def test_a_score_within_the_chosen_level_is_saved(world, round_):
    task = leader_task(world, round_)
    saved = services.submit_score(actor=world.org.leader, task=task, score=92, level="好")
    assert (saved.status, saved.score, saved.level, saved.version) == (
        "submitted",
        Decimal(92),
        "好",
        2,
    )


def test_a_score_outside_the_rubric_range_is_refused(world, round_):
    task = leader_task(world, round_)
    assert refused(
        lambda: services.submit_score(actor=world.org.leader, task=task, score=85, level="好")
    ) == [("score", "A score for “好” lies between 90 and 100.")]
    unchanged(task)


def test_a_score_above_100_or_without_a_level_is_refused(world, round_):
    task = leader_task(world, round_)
    assert refused(
        lambda: services.submit_score(actor=world.org.leader, task=task, score=101, level="好")
    ) == [("score", "A score from 0 to 100.")]
    assert refused(lambda: services.submit_score(actor=world.org.leader, task=task, score=88)) == [
        ("level", "Choose one of the rubric's levels: 好、较好、一般、差.")
    ]
    unchanged(task)


@pytest.mark.parametrize(("score", "level"), [(95, "好"), ("59.99", "差")])
def test_an_extreme_score_needs_a_comment(world, round_, score, level):
    task = leader_task(world, round_)
    assert refused(
        lambda: services.submit_score(actor=world.org.leader, task=task, score=score, level=level)
    ) == [("comment", "A score of 95 or more, or below 60, needs a comment saying why.")]
    unchanged(task)
    saved = services.submit_score(
        actor=world.org.leader, task=task, score=score, level=level, comment="有据可查"
    )
    assert saved.status == "submitted"


def test_the_comment_marks_come_from_the_office_settings_when_the_round_opened(world):
    services.update_settings(actor=world.office, comment_at_or_above=90)
    round_ = world.open_round()
    task = leader_task(world, round_)
    services.update_settings(actor=world.office, comment_at_or_above=99)
    assert refused(
        lambda: services.submit_score(actor=world.org.leader, task=task, score=92, level="好")
    )[0][0] == ("comment")


def test_a_rubric_indicator_share_outside_its_level_is_refused(world, round_):
    task = expert_task(world, round_)
    assert refused(
        lambda: services.submit_score(
            actor=world.org.expert, task=task, items={"OPEN": {"level": "部分达成", "pct": "0.85"}}
        )
    ) == [("items.OPEN.pct", "A share for “部分达成” lies between 0.6 and 0.8.")]
    assert refused(
        lambda: services.submit_score(
            actor=world.org.expert, task=task, items={"OPEN": {"level": "满分", "pct": "0.9"}}
        )
    ) == [("items.OPEN.level", "Choose one of the rubric's levels: 达成、部分达成、未达成.")]
    unchanged(task)
    saved = services.submit_score(
        actor=world.org.expert, task=task, items={"OPEN": {"level": "部分达成", "pct": "0.75"}}
    )
    assert saved.items == {"OPEN": {"level": "部分达成", "pct": 0.75}}


def test_someone_else_cannot_score_a_task(world, round_):
    task = leader_task(world, round_)
    with pytest.raises(NotFound):
        services.submit_score(actor=world.office, task=task, score=92, level="好")
    with pytest.raises(NotFound):
        services.submit_score(actor=world.org.edu_leader, task=task, score=92, level="好")
    unchanged(task)


def test_scores_stop_when_the_round_closes(world, round_):
    services.close_round(actor=world.office, round_=round_)
    task = leader_task(world, round_)
    with pytest.raises(Conflict):
        services.submit_score(actor=world.org.leader, task=task, score=92, level="好")
    unchanged(task)


def test_a_stale_score_is_a_conflict(world, round_):
    task = leader_task(world, round_)
    services.submit_score(actor=world.org.leader, task=task, score=92, level="好")
    with pytest.raises(Conflict):
        services.submit_score(
            actor=world.org.leader, task=task, score=91, level="好", expected_version=1
        )
    task.refresh_from_db()
    assert task.score == Decimal(92)
