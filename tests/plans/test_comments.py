"""The comment period: the office opens a draft plan to staff and the public, moderates the
public's comments, the unit answers each one and records whether it was adopted."""

import datetime as dt

import pytest
from django.utils import timezone

from govperf.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from govperf.core.models import Notification
from govperf.plans import services
from govperf.plans.models import PlanComment
from govperf.plans.services import RateLimited


def open_plan(org, plan, *, public=True, days=7):
    return services.open_comments(
        actor=org.office, plan=plan, until=timezone.now() + dt.timedelta(days=days), public=public
    )


def public_comment(plan, **extra):
    return services.add_public_comment(
        plan=plan,
        name=extra.pop("name", "王先生"),
        body=extra.pop("body", "建议提高目标"),
        client_key="198.51.100.7",
        **extra,
    )


def test_only_the_office_opens_a_draft_for_comment(org, plan):
    for person in (org.edu_leader, org.edu_coord, org.leader):
        with pytest.raises(Forbidden):
            services.open_comments(
                actor=person, plan=plan, until=timezone.now() + dt.timedelta(days=1), public=True
            )
    plan.refresh_from_db()
    assert plan.comment_open_until is None
    plan = open_plan(org, plan)
    assert plan.comments_open() and plan.comment_public


def test_the_window_must_lie_ahead_and_only_on_a_draft(org, plan):
    with pytest.raises(ValidationFailed) as exc:
        services.open_comments(
            actor=org.office, plan=plan, until=timezone.now() - dt.timedelta(hours=1), public=False
        )
    assert [d.field for d in exc.value.details] == ["until"]
    services.submit_plan(actor=org.edu_coord, plan=plan)
    with pytest.raises(Conflict):
        open_plan(org, plan)


def test_comments_only_while_the_window_is_open(org, plan):
    with pytest.raises(Conflict):
        services.add_staff_comment(actor=org.edu_staff, plan=plan, body="意见")
    with pytest.raises(NotFound):
        public_comment(plan)
    open_plan(org, plan, public=False)
    plan.refresh_from_db()
    with pytest.raises(NotFound):  # open to staff only
        public_comment(plan)
    assert PlanComment.objects.count() == 0


def test_staff_comments_show_at_once_and_reach_the_unit(
    org, plan, django_capture_on_commit_callbacks
):
    plan = open_plan(org, plan, public=False)
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.add_staff_comment(
            actor=org.health_leader, plan=plan, body="建议与卫健委口径一致", item=plan.items.first()
        )
    assert (comment.source, comment.status, comment.author_id, comment.name) == (
        "staff",
        "published",
        org.health_leader.pk,
        "卫健委主任",
    )
    assert sorted(
        Notification.objects.filter(kind="plan.comment").values_list(
            "recipient__username", flat=True
        )
    ) == ["edu_coord", "edu_leader"]


def test_public_comments_wait_for_moderation(org, plan):
    plan = open_plan(org, plan)
    comment = public_comment(plan, contact="13812345678")
    assert (comment.source, comment.status, comment.contact) == ("public", "pending", "13812345678")

    published = services.moderate_comment(actor=org.office, comment=comment, publish=True, note="")
    assert (published.status, published.moderated_by_id) == ("published", org.office.pk)
    with pytest.raises(Conflict):
        services.moderate_comment(actor=org.office, comment=comment, publish=False)

    spam = public_comment(plan, body="广告")
    rejected = services.moderate_comment(
        actor=org.office, comment=spam, publish=False, note="与计划无关"
    )
    assert (rejected.status, rejected.moderation_note) == ("rejected", "与计划无关")


def test_only_the_office_moderates(org, plan):
    plan = open_plan(org, plan)
    comment = public_comment(plan)
    for person in (org.edu_leader, org.edu_coord):
        with pytest.raises(Forbidden):
            services.moderate_comment(actor=person, comment=comment, publish=True)
    comment.refresh_from_db()
    assert comment.status == "pending"


def test_the_unit_answers_and_says_why_not_adopted(org, plan):
    plan = open_plan(org, plan)
    comment = services.moderate_comment(
        actor=org.office, comment=public_comment(plan), publish=True
    )

    with pytest.raises(ValidationFailed) as exc:
        services.answer_comment(actor=org.edu_coord, comment=comment, answer="感谢", adopted=False)
    assert [d.field for d in exc.value.details] == ["not_adopted_reason"]

    answered = services.answer_comment(
        actor=org.edu_coord,
        comment=comment,
        answer="感谢建议",
        adopted=False,
        not_adopted_reason="新增学位2027年才投入使用",
    )
    assert (answered.adopted, answered.not_adopted_reason, answered.answered_by_id) == (
        False,
        "新增学位2027年才投入使用",
        org.edu_coord.pk,
    )
    again = services.answer_comment(
        actor=org.edu_leader,
        comment=answered,
        answer="已采纳",
        adopted=True,
        not_adopted_reason="旧理由",
    )
    assert (again.adopted, again.not_adopted_reason, again.version) == (
        True,
        "",
        answered.version + 1,
    )


def test_answers_come_from_the_unit_and_only_to_published_comments(org, plan):
    plan = open_plan(org, plan)
    pending = public_comment(plan)
    with pytest.raises(Conflict):
        services.answer_comment(actor=org.edu_coord, comment=pending, answer="好", adopted=True)
    published = services.moderate_comment(actor=org.office, comment=pending, publish=True)
    for person in (org.office, org.health_leader):
        with pytest.raises((Forbidden, NotFound)):
            services.answer_comment(actor=person, comment=published, answer="好", adopted=True)
    published.refresh_from_db()
    assert published.answer == ""


def test_comments_stay_with_the_plan_after_the_window(org, plan):
    plan = open_plan(org, plan)
    comment = services.add_staff_comment(actor=org.edu_staff, plan=plan, body="意见")
    services.close_comments(actor=org.office, plan=plan)
    plan.refresh_from_db()
    assert not plan.comments_open()
    services.answer_comment(actor=org.edu_coord, comment=comment, answer="已采纳", adopted=True)
    services.submit_plan(actor=org.edu_coord, plan=plan)
    assert list(plan.comments.values_list("body", "answer")) == [("意见", "已采纳")]


def test_public_comments_are_rate_limited(org, plan):
    plan = open_plan(org, plan)
    for _i in range(services.PUBLIC_COMMENT_LIMIT[0]):
        public_comment(plan)
    with pytest.raises(RateLimited) as exc:
        public_comment(plan)
    assert exc.value.status == 429
    assert PlanComment.objects.count() == services.PUBLIC_COMMENT_LIMIT[0]


@pytest.mark.parametrize(
    ("name", "body", "contact", "field"),
    [
        ("", "意见", "", "name"),
        ("王", "", "", "body"),
        ("王", "x" * 2001, "", "body"),
        ("王\x00", "意见", "", "name"),
    ],
)
def test_bad_public_comments_are_refused(org, plan, name, body, contact, field):
    plan = open_plan(org, plan)
    with pytest.raises(ValidationFailed) as exc:
        services.add_public_comment(plan=plan, name=name, body=body, contact=contact)
    assert [d.field for d in exc.value.details] == [field]
    assert PlanComment.objects.count() == 0
