"""Evaluation (PRODUCT.md C6): schemes, rounds, scoring tasks, result sets and appeals.

A ``Scheme`` is the stable identity of an evaluation scheme; what it says lives in
``SchemeVersion.definition`` (the scheme object of ``CASES.md`` plus labels, sources
and evaluator kinds, see ``evaluation.schemes``). A version that a round has used is
never edited: editing it makes a new version.

A ``Round`` evaluates a set of units (``RoundUnit``) for one period of a cycle with
one scheme version. Evaluators score through ``ScoringTask`` rows; the office adds
imported values (``ImportedValue``) and bonus points or vetoes (``Adjustment``).
Each computation (``ComputeJob``, run by the worker) stores a new ``ResultSet``
version with a ``UnitResult`` per unit (the engine's breakdown kept as JSON) and an
``IndicatorResult`` per unit × indicator. Result sets go draft → reviewed →
published → locked; a newer published version supersedes the older one. A unit may
``Appeal`` a published result within a number of working days.

Everything here is written only by ``evaluation.services`` (results in bulk by
``evaluation.storing``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def _amount(verbose_name, **extra):
    return models.DecimalField(verbose_name, max_digits=20, decimal_places=6, **extra)


class EvaluatorKind(models.TextChoices):
    """Who scores (R003 §3.2.4). The public takes part through imported survey values."""

    SELF = "self", _("self-evaluation")
    SUPERIOR = "superior", _("superior")
    PEER = "peer", _("peer department")
    EXPERT = "expert", _("expert")
    THIRD_PARTY = "third_party", _("third party")


class Scheme(models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_preset = models.BooleanField(_("preset"), default=False)
    current = models.ForeignKey(
        "SchemeVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("current version"),
    )
    version = models.PositiveIntegerField(default=1)  # optimistic lock over any edit
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("evaluation scheme")
        verbose_name_plural = _("evaluation schemes")

    def __str__(self) -> str:
        return self.name


class SchemeVersion(models.Model):
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(pgettext_lazy("scheme", "definition"))
    change_note = models.CharField(_("change note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["scheme", "-number"]
        verbose_name = _("scheme version")
        verbose_name_plural = _("scheme versions")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "number"], name="evaluation_scheme_version")
        ]

    def __str__(self) -> str:
        return f"{self.scheme.code} v{self.number}"


class EvaluationSettings(models.Model):
    """The office's presets for evaluation (*config*): one row, edited on the settings page."""

    appeal_days = models.PositiveSmallIntegerField(_("appeal window (working days)"), default=3)
    decision_days = models.PositiveSmallIntegerField(
        _("decision deadline (working days)"), default=10
    )
    comment_at_or_above = _amount(_("comment required at or above"), default=95)
    comment_below = _amount(_("comment required below"), default=60)
    reminder_days = models.PositiveSmallIntegerField(
        _("remind this many days before a deadline"), default=3
    )
    value_statuses = models.CharField(
        _("data values used"),
        max_length=64,
        default="approved,locked",
        help_text=_("Statuses of data values that results are computed from, comma-separated."),
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("evaluation settings")
        verbose_name_plural = _("evaluation settings")

    def __str__(self) -> str:
        return "evaluation settings"


class WorkdayCorrection(models.Model):
    """A day the calendar gets wrong for this government: a holiday or a working weekend."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["date"]
        verbose_name = _("working-day correction")
        verbose_name_plural = _("working-day corrections")

    def __str__(self) -> str:
        return f"{self.date} {'work' if self.is_workday else 'off'}"


class ConflictDeclaration(models.Model):
    """An evaluator declares a conflict of interest with a unit: no task of theirs scores it."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="evaluation_conflicts",
        verbose_name=_("person"),
    )
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    reason = models.CharField(_("reason"), max_length=300)
    declared_at = models.DateTimeField(_("declared"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        ordering = ["-declared_at", "-pk"]
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "unit"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="evaluation_conflict_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} ↔ {self.unit_id}"


class RoundStatus(models.TextChoices):
    OPEN = "open", _("open for scoring")
    CLOSED = "closed", _("scoring closed")


class Round(models.Model):
    """One evaluation of a set of units for a period, with one scheme version."""

    Status = RoundStatus

    cycle = models.ForeignKey(
        "plans.Cycle", on_delete=models.PROTECT, related_name="+", verbose_name=_("cycle")
    )
    period = models.CharField(_("period"), max_length=16)
    name = models.CharField(_("name"), max_length=200)
    scheme_version = models.ForeignKey(
        SchemeVersion,
        on_delete=models.PROTECT,
        related_name="rounds",
        verbose_name=_("scheme version"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    deadline = models.DateField(_("scoring deadline"))
    seed = models.BigIntegerField(_("draw seed"), default=0)
    peers_per_unit = models.PositiveSmallIntegerField(_("peers per unit"), default=3)
    experts_per_unit = models.PositiveSmallIntegerField(
        _("experts per unit"), default=2, help_text=_("0: every expert scores every unit.")
    )
    # The office's presets when the round opened (comment thresholds), so that a later
    # change of the settings does not change the rules of a round under way.
    rules = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("evaluation round")
        verbose_name_plural = _("evaluation rounds")

    def __str__(self) -> str:
        return self.name


class RoundUnit(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="round_units")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    # The comparable group the unit is ranked in, as it was when the round opened.
    group = models.CharField(_("comparable group"), max_length=64, blank=True)

    class Meta:
        ordering = ["round", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["round", "unit"], name="evaluation_round_unit")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.unit_id}"


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("to score")
    SUBMITTED = "submitted", _("submitted")
    CANCELLED = "cancelled", _("cancelled")


class ScoringTask(models.Model):
    """One evaluator scoring one unit on one component of the round's scheme."""

    Status = TaskStatus

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="tasks")
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit scored")
    )
    component = models.CharField(_("component"), max_length=64)
    kind = models.CharField(_("evaluator kind"), max_length=16, choices=EvaluatorKind.choices)
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="scoring_tasks",
        verbose_name=_("evaluator"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    deadline = models.DateField(_("deadline"))
    score = _amount(_("score"), null=True, blank=True)
    level = models.CharField(pgettext_lazy("rubric", "level"), max_length=64, blank=True)
    # Rubric indicators scored in this task: {code: {"level": name, "pct": share}}.
    items = models.JSONField(default=dict, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["deadline", "round", "unit__path", "component", "pk"]
        verbose_name = _("scoring task")
        verbose_name_plural = _("scoring tasks")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "unit", "component", "evaluator"], name="evaluation_task_unique"
            )
        ]
        indexes = [
            models.Index(fields=["evaluator", "status"]),
            models.Index(fields=["round", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.unit_id}:{self.component}:{self.evaluator_id}"

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status == self.Status.PENDING and self.deadline < today


class ImportedValue(models.Model):
    """A value the office enters or imports for a round: an indicator's value, or one of a
    panel's scores (``position`` numbers them), e.g. a satisfaction survey's result."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="imported")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("code"), max_length=64)
    position = models.PositiveSmallIntegerField(default=0)
    value = _amount(_("value"), null=True, blank=True)
    level = models.CharField(pgettext_lazy("rubric", "level"), max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["round", "unit", "code", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "unit", "code", "position"], name="evaluation_imported_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.unit_id}:{self.code}[{self.position}]"


class AdjustmentKind(models.TextChoices):
    BONUS = "bonus", _("bonus points")
    VETO = "veto", _("veto")


class Adjustment(models.Model):
    """Bonus points (创新创优) or a veto (一票否决) for a unit in a round."""

    Kind = AdjustmentKind

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="adjustments")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(pgettext_lazy("adjustment", "kind"), max_length=8, choices=Kind.choices)
    points = _amount(_("points"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["round", "unit", "kind", "pk"]
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")

    def __str__(self) -> str:
        return f"{self.round_id}:{self.unit_id} {self.kind}"


class ResultStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    REVIEWED = "reviewed", _("reviewed")
    PUBLISHED = "published", _("published")
    LOCKED = "locked", _("locked")
    SUPERSEDED = "superseded", _("superseded")


class ResultSet(models.Model):
    """One computed version of a round's results."""

    Status = ResultStatus

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="result_sets")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    scheme_version = models.ForeignKey(SchemeVersion, on_delete=models.PROTECT, related_name="+")
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # Per unit whose composite, grade or rank changed against ``previous``.
    diff = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(pgettext_lazy("results", "computed"), default=timezone.now)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    appeal_until = models.DateField(_("appeals until"), null=True, blank=True)
    locked_at = models.DateTimeField(_("locked"), null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["round", "-number"]
        verbose_name = _("result set")
        verbose_name_plural = _("result sets")
        constraints = [
            models.UniqueConstraint(fields=["round", "number"], name="evaluation_result_version")
        ]

    def __str__(self) -> str:
        return f"{self.round} v{self.number}"

    @property
    def is_public(self) -> bool:
        """Seen by the units evaluated (not only the office)."""
        return self.status in (self.Status.PUBLISHED, self.Status.LOCKED, self.Status.SUPERSEDED)


class UnitResult(models.Model):
    result_set = models.ForeignKey(ResultSet, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    position = models.PositiveIntegerField(default=0)
    group = models.CharField(max_length=64, blank=True)
    composite = _amount(_("composite score"))
    grade = models.CharField(_("grade"), max_length=32, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    veto = models.CharField(_("veto"), max_length=300, blank=True)
    bonus = _amount(_("bonus"), default=0)
    components = models.JSONField(default=dict)
    # Unrounded component scores and bonus applied, in scheme order, for the sensitivity view.
    raw = models.JSONField(default=dict)
    # The engine's explanation of every point (components, composite, grade, rank and each
    # indicator), as ``explain_unit`` returns it, with plan targets put back in.
    breakdown = models.JSONField(default=dict)

    class Meta:
        ordering = ["result_set", "position"]
        constraints = [
            models.UniqueConstraint(fields=["result_set", "unit"], name="evaluation_unit_result")
        ]

    def __str__(self) -> str:
        return f"{self.result_set_id}:{self.unit_id} {self.composite}"


class IndicatorResult(models.Model):
    id = models.BigAutoField(primary_key=True)
    result_set = models.ForeignKey(
        ResultSet, on_delete=models.CASCADE, related_name="indicators", db_index=False
    )
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    code = models.CharField(max_length=64)
    component = models.CharField(max_length=64)
    position = models.PositiveSmallIntegerField(default=0)
    value = _amount(_("value"), null=True, blank=True)
    level = models.CharField(max_length=64, blank=True)
    # The rule applied, with this unit's plan target where the scheme takes it from the plan.
    rule = models.JSONField(default=dict)
    pct = _amount(_("share earned"))
    points = _amount(_("points"))

    class Meta:
        ordering = ["result_set", "unit", "position"]
        indexes = [models.Index(fields=["result_set", "unit"])]

    def __str__(self) -> str:
        return f"{self.result_set_id}:{self.unit_id}:{self.code}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ComputeJob(models.Model):
    """A computation of a round's results, run by the worker, polled by the round page."""

    Status = JobStatus

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="jobs")
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    stage = models.CharField(_("stage"), max_length=32, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    error = models.TextField(blank=True)
    details = models.JSONField(default=list, blank=True)
    result_set = models.ForeignKey(
        ResultSet, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    appeal = models.ForeignKey(
        "Appeal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("computation")
        verbose_name_plural = _("computations")

    def __str__(self) -> str:
        return f"{self.round_id} #{self.pk} {self.status}"

    STAGES = {
        "loading": _("loading the inputs"),
        "scoring": _("scoring"),
        "explaining": _("explaining every point"),
        "storing": _("storing the results"),
        "done": _("finished"),
    }

    @property
    def stage_label(self) -> str:
        return str(self.STAGES.get(self.stage, self.stage))

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class AppealStatus(models.TextChoices):
    FILED = "filed", _("filed")
    UPHELD = "upheld", _("upheld")
    PARTLY_UPHELD = "partly_upheld", _("partly upheld")
    REJECTED = "rejected", pgettext_lazy("appeal", "rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Appeal(models.Model):
    """A unit's appeal (申诉) against its published result."""

    Status = AppealStatus

    result_set = models.ForeignKey(ResultSet, on_delete=models.PROTECT, related_name="appeals")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="appeals")
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    reason = models.TextField(_("reason"))
    requested_change = models.TextField(_("change asked for"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.FILED
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filed_at = models.DateTimeField(_("filed"), default=timezone.now)
    due_date = models.DateField(_("decision due"))
    decision = models.TextField(_("decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    recomputed = models.ForeignKey(
        ResultSet,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recomputed results"),
    )
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-filed_at", "-pk"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [
            models.UniqueConstraint(
                fields=["result_set", "unit"],
                condition=models.Q(status="filed"),
                name="evaluation_appeal_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.unit_id} {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.FILED

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.is_open and self.due_date < today
