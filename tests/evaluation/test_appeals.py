"""Appeals: a window of working days after publication, a decision deadline, overdue flags,
and a recomputation on an upheld appeal; each step audited."""

import datetime as dt
from decimal import Decimal

import pytest

from govperf.audit.models import AuditEntry
from govperf.core.errors import Conflict, Forbidden
from govperf.core.models import Notification
from govperf.evaluation import services
from govperf.evaluation.models import Appeal, ImportedValue, ResultSet, UnitResult
from tests.evaluation.conftest import compute, publish

D = dt.date


@pytest.fixture
def published(world):
    # Published on Tuesday 30 September 2025, the eve of National Day (1–8 October off,
    # Saturday 11 October worked): 3 working days run to 11 October.
    return publish(world, today=D(2025, 9, 30))


def edu_appeals(world, published, reason, today, by=None):
    return services.file_appeal(
        actor=by or world.org.edu_leader,
        result_set=published,
        unit=world.org.edu,
        reason=reason,
        today=today,
    )


def test_the_window_counts_working_days_over_the_holiday(world, published):
    assert published.appeal_until == D(2025, 10, 11)


def test_a_unit_appeals_within_the_window_and_the_office_decides_within_10_working_days(
    world, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appeal = edu_appeals(
            world, published, "社会评价样本中有两份问卷不属于本局服务对象。", D(2025, 10, 11)
        )
    # Saturday 11 October (worked) + 10 working days: 13–17 and 20–24 October.
    assert appeal.due_date == D(2025, 10, 24)
    assert appeal.status == Appeal.Status.FILED
    assert (
        Notification.objects.filter(recipient=world.office, kind="evaluation.appeal").count() == 1
    )
    assert (
        AuditEntry.objects.filter(action="evaluation.appeal.file", object_id=str(appeal.pk)).count()
        == 1
    )


def test_an_appeal_after_the_window_is_refused(world, published):
    with pytest.raises(Conflict) as caught:
        edu_appeals(world, published, "迟到的申诉", D(2025, 10, 13))
    assert caught.value.code == "window_closed"
    assert not Appeal.objects.exists()


def test_only_a_units_leader_appeals_for_it(world, published):
    for actor in (world.org.health_leader, world.org.edu_coord, world.org.evaluator):
        with pytest.raises((Forbidden, Exception)):
            edu_appeals(world, published, "x", D(2025, 10, 9), by=actor)
    assert not Appeal.objects.exists()


def test_one_open_appeal_per_unit(world, published):
    edu_appeals(world, published, "一", D(2025, 10, 9))
    with pytest.raises(Conflict):
        edu_appeals(world, published, "二", D(2025, 10, 9))
    assert Appeal.objects.count() == 1


def test_overdue_decisions_are_flagged_once(world, published, django_capture_on_commit_callbacks):
    appeal = edu_appeals(world, published, "一", D(2025, 10, 9))
    # Thursday 9 October + 10 working days: 10, 11 (a worked Saturday), 13–17, 20–22.
    assert appeal.due_date == D(2025, 10, 22)
    assert not appeal.is_overdue(D(2025, 10, 22)) and appeal.is_overdue(D(2025, 10, 23))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.flag_overdue_appeals(D(2025, 10, 22)) == 0
        assert services.flag_overdue_appeals(D(2025, 10, 23)) == 1
        assert services.flag_overdue_appeals(D(2025, 10, 24)) == 0
    assert Notification.objects.filter(kind="evaluation.appeal_overdue").count() == 1


def test_locking_waits_for_every_decision(world, published):
    appeal = edu_appeals(world, published, "一", D(2025, 10, 9))
    with pytest.raises(Conflict):
        services.lock_results(actor=world.office, result_set=published)
    services.decide_appeal(
        actor=world.office, appeal=appeal, outcome="rejected", decision="问卷样本符合口径。"
    )
    locked = services.lock_results(actor=world.office, result_set=published)
    assert locked.status == ResultSet.Status.LOCKED


def test_locked_results_are_final(world, published):
    services.lock_results(actor=world.office, result_set=published)
    # A later computation is kept as a draft to look at, but cannot replace them.
    later = compute(world, published.round, reason="数据更正").result_set
    services.review_results(actor=world.office, result_set=later)
    before = AuditEntry.objects.count()
    with pytest.raises(Conflict) as caught:
        services.publish_results(actor=world.office, result_set=later)
    assert caught.value.code == "locked"
    later.refresh_from_db()
    published.refresh_from_db()
    assert (later.status, published.status) == (ResultSet.Status.REVIEWED, ResultSet.Status.LOCKED)
    assert AuditEntry.objects.count() == before


def test_an_upheld_appeal_recomputes_and_the_new_version_diffs_against_the_published(
    world, published, django_capture_on_commit_callbacks
):
    round_ = published.round
    appeal = edu_appeals(world, published, "样本有误", D(2025, 10, 9))
    # The office corrects the survey (drops the two questionnaires) before deciding.
    ImportedValue.objects.filter(
        round=round_, unit=world.org.edu, code="social", position__in=[3, 4]
    ).delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_appeal(
            actor=world.office,
            appeal=appeal,
            outcome="upheld",
            decision="剔除两份不属于服务对象的问卷后重新计算。",
            recompute=True,
        )
    appeal.refresh_from_db()
    new = appeal.recomputed
    assert new is not None and new.number == 2 and new.previous == published
    # edu's social scores 90, 85, 95 → trimmed mean 90: 98 × 0.6 + 90 × 0.3 + 9.2 + 2 = 97.
    assert UnitResult.objects.get(result_set=new, unit=world.org.edu).composite == Decimal(97)
    assert new.diff == [
        {
            "unit_id": world.org.edu.pk,
            "unit": "edu",
            "composite_before": 96.3,
            "composite_after": 97.0,
            "grade_before": "优秀",
            "grade_after": "优秀",
            "rank_before": 1,
            "rank_after": 1,
        }
    ]
    assert AuditEntry.objects.filter(action="evaluation.appeal.decide").count() == 1
    assert (
        AuditEntry.objects.filter(action="evaluation.compute", object_id=str(new.pk)).count() == 1
    )
    # Publishing the new version supersedes the old one.
    services.review_results(actor=world.office, result_set=new)
    services.publish_results(actor=world.office, result_set=new, today=D(2025, 10, 20))
    published.refresh_from_db()
    assert published.status == ResultSet.Status.SUPERSEDED
