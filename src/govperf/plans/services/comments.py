"""The comment period: staff and public comments, moderation, the unit's answers."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from govperf.audit.services import record, snapshot
from govperf.core.errors import (
    Conflict,
    ErrorDetail,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from govperf.core.notifications import notify
from govperf.core.validation import check_version, touch
from govperf.orgs import policy
from govperf.orgs.models import Person
from govperf.orgs.policy import Action
from govperf.orgs.selectors import office_people
from govperf.plans import workflow
from govperf.plans.models import (
    Plan,
    PlanComment,
    PlanItem,
)
from govperf.plans.services.common import (
    PUBLIC_COMMENT_LIMIT,
    Problems,
    RateLimited,
    plan_url,
    unit_people,
)
from govperf.plans.services.plans import lock_plan, plan_state

# --- comments -----------------------------------------------------------------------------------

COMMENT_FIELDS = ("plan", "item", "source", "status", "adopted", "not_adopted_reason", "answer")


def open_comments(
    *,
    actor: Person,
    plan: Plan,
    until: dt.datetime,
    public: bool,
    expected_version: int | None = None,
) -> Plan:
    """Open a draft plan for comment by staff (and the public, if ``public``) until ``until``."""
    policy.require(actor, Action.REVIEW_PLAN, plan.unit)
    now = timezone.now()
    if until is None or timezone.is_naive(until) or until <= now:
        raise ValidationFailed(
            _("The comment period could not be opened."),
            [ErrorDetail(field="until", message=_("Choose a moment in the future."))],
        )
    if until > now + dt.timedelta(days=366):
        raise ValidationFailed(
            _("The comment period could not be opened."),
            [ErrorDetail(field="until", message=_("At most a year ahead."))],
        )
    with transaction.atomic():
        plan = lock_plan(plan)
        check_version(plan, expected_version, _("The plan"))
        if plan.status not in workflow.EDITABLE:
            raise Conflict(
                _("Only a draft plan is opened for comment; this one is “%(state)s”.")
                % {"state": plan.get_status_display()},
                code="invalid_state",
            )
        before = plan_state(plan)
        plan.comment_open_until, plan.comment_public = until, bool(public)
        touch(plan, "comment_open_until", "comment_public")
        record(
            action="plan.comments.open",
            actor=actor,
            obj=plan,
            before=before,
            after=plan_state(plan),
        )
        notify(
            unit_people(plan.unit),
            _("Your plan for %(cycle)s is open for comment until %(until)s.")
            % {
                "cycle": plan.cycle.name,
                "until": timezone.localtime(until).strftime("%Y-%m-%d %H:%M"),
            },
            url=plan_url(plan),
            kind="plan.comments",
        )
    return plan


def close_comments(*, actor: Person, plan: Plan) -> Plan:
    policy.require(actor, Action.REVIEW_PLAN, plan.unit)
    with transaction.atomic():
        plan = lock_plan(plan)
        if not plan.comments_open():
            return plan
        before = plan_state(plan)
        plan.comment_open_until = timezone.now()
        touch(plan, "comment_open_until")
        record(
            action="plan.comments.close",
            actor=actor,
            obj=plan,
            before=before,
            after=plan_state(plan),
        )
    return plan


def _comment_body(p: Problems, body: str) -> str:
    return p.text(body, "body", max_length=2000, required=True)


def _check_item(p: Problems, plan: Plan, item: PlanItem | None) -> None:
    if item is not None and item.plan_id != plan.pk:
        p.add("item", _("This item belongs to another plan."), item.pk)


def add_staff_comment(
    *, actor: Person, plan: Plan, body: str, item: PlanItem | None = None
) -> PlanComment:
    """A signed-in person comments while the plan is open for comment; shown at once."""
    if not getattr(actor, "is_authenticated", False):
        raise Forbidden(_("Sign in to comment as staff."))
    if not plan.comments_open():
        raise Conflict(_("The plan is not open for comment."), code="closed")
    p = Problems()
    body = _comment_body(p, body)
    _check_item(p, plan, item)
    p.raise_if_any(_("The comment could not be saved."))
    with transaction.atomic():
        comment = PlanComment.objects.create(
            plan=plan,
            item=item,
            source=PlanComment.Source.STAFF,
            author=actor,
            name=actor.name[:50],
            body=body,
            status=PlanComment.Status.PUBLISHED,
        )
        record(
            action="plan.comment.staff",
            actor=actor,
            obj=comment,
            after=snapshot(comment, COMMENT_FIELDS),
        )
        notify(
            unit_people(plan.unit),
            _("%(name)s commented on your plan for %(cycle)s.")
            % {"name": actor.name or actor.username, "cycle": plan.cycle.name},
            url=plan_url(plan),
            kind="plan.comment",
        )
    return comment


def _rate_limit(client_key: str) -> None:
    limit, seconds = PUBLIC_COMMENT_LIMIT
    key = f"plans:public-comment:{client_key or 'unknown'}"
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        count = 1
    if count > limit:
        raise RateLimited(
            _("Too many comments from your connection; please try again in a few minutes.")
        )


def add_public_comment(
    *,
    plan: Plan,
    name: str,
    body: str,
    contact: str = "",
    item: PlanItem | None = None,
    client_key: str = "",
) -> PlanComment:
    """A member of the public comments on a plan open to the public; shown after moderation."""
    if not (plan.comments_open() and plan.comment_public):
        raise NotFound(_("This plan is not open for public comment."))
    p = Problems()
    name = p.text(name, "name", max_length=50, required=True)
    contact = p.text(contact, "contact", max_length=100)
    body = _comment_body(p, body)
    _check_item(p, plan, item)
    p.raise_if_any(_("The comment could not be saved."))
    _rate_limit(client_key)
    with transaction.atomic():
        comment = PlanComment.objects.create(
            plan=plan,
            item=item,
            source=PlanComment.Source.PUBLIC,
            name=name,
            contact=contact,
            body=body,
            status=PlanComment.Status.PENDING,
        )
        # The log keeps no personal data of the commenter: not the name, not the contact.
        record(
            action="plan.comment.public",
            actor_label="public",
            obj=comment,
            after=snapshot(comment, COMMENT_FIELDS),
        )
        notify(
            office_people(),
            _("A public comment on the plan of %(unit)s awaits moderation.")
            % {"unit": plan.unit.name},
            url=reverse("plans:review", args=[plan.pk]),
            kind="plan.comment.moderate",
        )
    return comment


def moderate_comment(
    *,
    actor: Person,
    comment: PlanComment,
    publish: bool,
    note: str = "",
    expected_version: int | None = None,
) -> PlanComment:
    policy.require(actor, Action.REVIEW_PLAN, comment.plan.unit)
    p = Problems()
    note = p.text(note, "note", max_length=200)
    p.raise_if_any(_("The moderation could not be saved."))
    with transaction.atomic():
        comment = PlanComment.objects.select_for_update().get(pk=comment.pk)
        check_version(comment, expected_version, _("The comment"))
        if comment.status != PlanComment.Status.PENDING:
            raise Conflict(
                _("This comment was already moderated (“%(state)s”).")
                % {"state": comment.get_status_display()},
                code="invalid_state",
            )
        before = snapshot(comment, COMMENT_FIELDS)
        comment.status = PlanComment.Status.PUBLISHED if publish else PlanComment.Status.REJECTED
        comment.moderated_by, comment.moderated_at, comment.moderation_note = (
            actor,
            timezone.now(),
            note,
        )
        touch(comment, "status", "moderated_by", "moderated_at", "moderation_note")
        record(
            action="plan.comment.publish" if publish else "plan.comment.reject",
            actor=actor,
            obj=comment,
            before=before,
            after=snapshot(comment, COMMENT_FIELDS),
        )
    return comment


def answer_comment(
    *,
    actor: Person,
    comment: PlanComment,
    answer: str,
    adopted: bool,
    not_adopted_reason: str = "",
    expected_version: int | None = None,
) -> PlanComment:
    """The unit answers a comment and records whether it was adopted, and why not (R003 §3.2.2)."""
    policy.require(actor, Action.EDIT_PLAN, comment.plan.unit)
    p = Problems()
    answer = p.text(answer, "answer", max_length=5000, required=True)
    reason = p.text(not_adopted_reason, "not_adopted_reason", max_length=5000)
    if not adopted and not reason:
        p.add("not_adopted_reason", _("Say why the comment was not adopted."))
    p.raise_if_any(_("The answer could not be saved."))
    with transaction.atomic():
        comment = PlanComment.objects.select_for_update().get(pk=comment.pk)
        check_version(comment, expected_version, _("The comment"))
        if comment.status != PlanComment.Status.PUBLISHED:
            raise Conflict(
                _("Only published comments are answered; this one is “%(state)s”.")
                % {"state": comment.get_status_display()},
                code="invalid_state",
            )
        before = snapshot(comment, COMMENT_FIELDS)
        comment.answer, comment.adopted = answer, bool(adopted)
        comment.not_adopted_reason = "" if adopted else reason
        comment.answered_by, comment.answered_at = actor, timezone.now()
        touch(comment, "answer", "adopted", "not_adopted_reason", "answered_by", "answered_at")
        record(
            action="plan.comment.answer",
            actor=actor,
            obj=comment,
            before=before,
            after=snapshot(comment, COMMENT_FIELDS),
        )
        if comment.author_id:
            notify(
                [comment.author_id],
                _("Your comment on the plan of %(unit)s was answered.")
                % {"unit": comment.plan.unit.name},
                url=plan_url(comment.plan),
                kind="plan.comment.answer",
            )
    return comment
