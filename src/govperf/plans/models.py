"""Goals, their decomposition, targets and performance plans (PRODUCT.md C3).

A ``Goal`` tree runs strategic → unit → section → post; a child says how it
was decomposed from its parent (by level, by time or by content, R003 §3.3.1).
A ``Target`` sets baseline, floor (基本值), target (目标值) and challenge
(挑战值) for one indicator × unit × period; targets decompose the same three
ways. A ``Plan`` gathers a unit's targets for a cycle with weights and moves
through the workflow in ``plans.workflow``; every step is a ``PlanEvent``.
Everything here is written only by ``plans.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def _amount(verbose_name):
    return models.DecimalField(verbose_name, max_digits=20, decimal_places=6, null=True, blank=True)


class Decomposition(models.TextChoices):
    LEVEL = "level", _("by level")
    TIME = "time", _("by time")
    CONTENT = "content", _("by content")


class Cycle(models.Model):
    """A performance cycle (考核周期), usually a calendar year."""

    class Status(models.TextChoices):
        PLANNING = "planning", _("planning")
        ACTIVE = "active", _("in execution")
        CLOSED = "closed", _("closed")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    period = models.CharField(_("period"), max_length=16, help_text=_("A period code, e.g. 2026."))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNING
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-start_date", "code"]
        verbose_name = _("cycle")
        verbose_name_plural = _("cycles")

    def __str__(self) -> str:
        return self.name


class Goal(models.Model):
    class Level(models.TextChoices):
        STRATEGIC = "strategic", _("strategic")
        UNIT = "unit", pgettext_lazy("goal level", "unit")
        SECTION = "section", pgettext_lazy("goal level", "section")
        POST = "post", pgettext_lazy("goal level", "post")

    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent goal"),
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    decomposition = models.CharField(
        _("decomposed"), max_length=16, choices=Decomposition.choices, blank=True
    )
    owner_unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="goals", verbose_name=_("owner unit")
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("responsible person"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    completion_standard = models.TextField(_("completion standard"), blank=True)
    measures = models.TextField(_("measures"), blank=True)
    indicator = models.ForeignKey(
        "indicators.Indicator",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("indicator"),
        help_text=_("The indicator the target value is measured by, if any."),
    )
    dimension = models.ForeignKey(
        "indicators.Tag",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("dimension"),
    )
    target_value = _amount(_("target value"))
    unit_of_measure = models.CharField(_("unit of measure"), max_length=32, blank=True)
    start_period = models.CharField(_("start period"), max_length=16)
    end_period = models.CharField(_("end period"), max_length=16)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    sort_order = models.IntegerField(_("order"), default=0)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        indexes = [models.Index(fields=["owner_unit", "start_period"])]

    def __str__(self) -> str:
        return self.title


class Target(models.Model):
    """Target values of one indicator for one unit (the owner) and one period."""

    indicator = models.ForeignKey(
        "indicators.Indicator",
        on_delete=models.PROTECT,
        related_name="targets",
        verbose_name=_("indicator"),
    )
    indicator_version = models.ForeignKey(
        "indicators.IndicatorVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("indicator version"),
    )
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="targets", verbose_name=_("owner unit")
    )
    period = models.CharField(_("period"), max_length=16)
    goal = models.ForeignKey(
        Goal,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="targets",
        verbose_name=_("goal"),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent target"),
    )
    decomposition = models.CharField(
        _("decomposed"), max_length=16, choices=Decomposition.choices, blank=True
    )
    baseline = _amount(_("baseline"))
    floor = _amount(_("floor"))
    target = _amount(_("target"))
    challenge = _amount(_("challenge"))
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("responsible person"),
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    basis = models.TextField(
        _("basis"),
        blank=True,
        help_text=_("How the values were worked out; published for comment."),
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["unit__path", "indicator__code", "period"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "period"], name="plans_target_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator_version.name} · {self.period}"


class Plan(models.Model):
    """A unit's performance plan (绩效计划) for a cycle."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned with comments")
        APPROVED = "approved", _("approved and filed")
        IN_EXECUTION = "in_execution", _("in execution")
        REVISION_REQUESTED = "revision_requested", _("revision requested")
        RESUBMITTED = "resubmitted", _("revision submitted")
        REVISION_RETURNED = "revision_returned", _("revision returned with comments")

    class RevisionReason(models.TextChoices):
        POLICY = "policy", _("policy change")
        MARKET = "market", _("market change")
        EMERGENCY = "emergency", _("emergency")

    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="plans", verbose_name=_("unit")
    )
    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="plans", verbose_name=_("cycle")
    )
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.DRAFT
    )
    round = models.PositiveIntegerField(
        _("approval round"), default=0, help_text=_("How many times the plan has been submitted.")
    )
    measures = models.TextField(_("measures"), blank=True)
    approved_snapshot = models.JSONField(_("approved version"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    revision_reason_kind = models.CharField(
        _("revision reason"), max_length=16, choices=RevisionReason.choices, blank=True
    )
    revision_reason = models.TextField(_("revision explanation"), blank=True)
    comment_open_until = models.DateTimeField(_("open for comment until"), null=True, blank=True)
    comment_public = models.BooleanField(_("open to the public"), default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["cycle", "unit__path"]
        verbose_name = _("performance plan")
        verbose_name_plural = _("performance plans")
        constraints = [models.UniqueConstraint(fields=["unit", "cycle"], name="plans_plan_unique")]

    def __str__(self) -> str:
        return f"{self.unit.name} · {self.cycle.name}"

    def comments_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.comment_open_until is not None and now < self.comment_open_until


class PlanItem(models.Model):
    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="items", verbose_name=_("plan")
    )
    target = models.ForeignKey(
        Target, on_delete=models.PROTECT, related_name="plan_items", verbose_name=_("target")
    )
    weight = models.DecimalField(_("weight"), max_digits=20, decimal_places=6, default=0)
    is_core = models.BooleanField(_("core KPI"), default=False)
    sort_order = models.IntegerField(_("order"), default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["plan", "sort_order", "pk"]
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        constraints = [models.UniqueConstraint(fields=["plan", "target"], name="plans_item_unique")]

    def __str__(self) -> str:
        return f"{self.plan} · {self.target}"


class PlanEvent(models.Model):
    """One step of a plan's workflow: who moved it from where to where, and why."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=32)
    from_status = models.CharField(_("from"), max_length=24, choices=Plan.Status.choices)
    to_status = models.CharField(_("to"), max_length=24, choices=Plan.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(_("comment"), blank=True)
    reason_kind = models.CharField(
        _("revision reason"), max_length=16, choices=Plan.RevisionReason.choices, blank=True
    )
    round = models.PositiveIntegerField(_("approval round"), default=0)
    diff = models.JSONField(null=True, blank=True)
    findings = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("plan event")
        verbose_name_plural = _("plan events")

    def __str__(self) -> str:
        return f"{self.plan_id} {self.action} {self.from_status}→{self.to_status}"


class PlanComment(models.Model):
    """A comment on a draft plan by staff or the public, with the unit's answer (R003 §3.2.2)."""

    class Source(models.TextChoices):
        STAFF = "staff", _("staff")
        PUBLIC = "public", _("public")

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting moderation")
        PUBLISHED = "published", _("published")
        REJECTED = "rejected", _("rejected")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="comments")
    item = models.ForeignKey(
        PlanItem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
        verbose_name=_("plan item"),
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50, blank=True)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    body = models.TextField(_("comment"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderation_note = models.CharField(_("moderation note"), max_length=200, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    adopted = models.BooleanField(_("adopted"), null=True, blank=True)
    not_adopted_reason = models.TextField(_("why not adopted"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("plan comment")
        verbose_name_plural = _("plan comments")
        indexes = [models.Index(fields=["plan", "status"])]

    def __str__(self) -> str:
        return f"{self.plan_id} #{self.pk}"


class CheckerSetting(models.Model):
    """How the office wants one plan-checker finding treated: block, warn or off."""

    class Mode(models.TextChoices):
        BLOCK = "block", _("blocks submission")
        WARN = "warn", _("warns only")
        OFF = "off", _("not checked")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    mode = models.CharField(_("treatment"), max_length=8, choices=Mode.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("checker setting")
        verbose_name_plural = _("checker settings")

    def __str__(self) -> str:
        return self.code
