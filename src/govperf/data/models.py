"""Data values (PRODUCT.md C4): one number, or one rubric level, per indicator × unit × period.

The key also carries DHIS2's two disaggregations (category option combo and
attribute option combo), as our codes after mapping; both are empty for plain
values. A value's history is its creation (on the value row: ``created_*``) and every
later change (``DataValueChange``); ``data.selectors.history`` shows both.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

AMOUNT = {"max_digits": 24, "decimal_places": 6}


class DataValue(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        APPROVED = "approved", _("approved")
        LOCKED = "locked", _("locked")

    class Source(models.TextChoices):
        FORM = "form", _("form")
        IMPORT = "import", _("import")
        API = "api", _("API")
        CONNECTOR = "connector", _("connector")
        FORMULA = "formula", _("formula")

    id = models.BigAutoField(primary_key=True)
    # No database-level foreign keys on this table and its history: at import volume each
    # costs a trigger call per row (measured on PostgreSQL 15, a million values: 3.9 s
    # without the four, 11.7 s with them). The one writer (``data.writer``) checks every
    # id before writing; Django applies on_delete itself. Indexes: the unique key (which,
    # leading with the indicator, also serves every lookup by indicator) and one by unit
    # and period; a second by indicator and period cost 1.8 s per million values written
    # and served nothing the key does not.
    indicator = models.ForeignKey(
        "indicators.Indicator",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    period = models.CharField(_("period"), max_length=16)
    # The first day of the period, so that ranges and orderings need no parsing.
    period_start = models.DateField()
    category = models.CharField(_("disaggregation"), max_length=64, blank=True, default="")
    attribute = models.CharField(_("attribute"), max_length=64, blank=True, default="")
    value = models.DecimalField(_("value"), null=True, blank=True, **AMOUNT)
    level = models.CharField(_("rubric level"), max_length=64, blank=True, default="")
    comment = models.TextField(pgettext_lazy("data value", "comment"), blank=True, default="")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.FORM
    )
    version = models.PositiveIntegerField(default=1)
    # The value's creation, kept here rather than as a history row (``data.writer``):
    # when, by whom, how (the source) and in which batch (import job, API batch ...).
    # The value it was created with is the first change's old value, or the value itself.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    created_source = models.CharField(
        _("created from"), max_length=10, choices=Source.choices, blank=True, default=""
    )
    created_batch = models.CharField(max_length=64, blank=True, default="")
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        verbose_name = _("data value")
        verbose_name_plural = _("data values")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "period", "category", "attribute"],
                name="data_value_key",
            )
        ]
        indexes = [models.Index(fields=["unit", "period_start"])]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.unit_id}/{self.period}={self.value if self.value is not None else self.level}"


class DataValueChange(models.Model):
    """One change of a value: what it was, what it became, who, how and why."""

    id = models.BigAutoField(primary_key=True)
    data_value = models.ForeignKey(
        DataValue, on_delete=models.CASCADE, related_name="changes", db_constraint=False
    )
    old_value = models.DecimalField(null=True, blank=True, **AMOUNT)
    new_value = models.DecimalField(null=True, blank=True, **AMOUNT)
    old_level = models.CharField(max_length=64, blank=True, default="")
    new_level = models.CharField(max_length=64, blank=True, default="")
    old_status = models.CharField(max_length=10, blank=True, default="")
    new_status = models.CharField(max_length=10, blank=True, default="")
    source = models.CharField(max_length=10, blank=True, default="")
    reason = models.CharField(max_length=500, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    batch = models.CharField(
        max_length=64, blank=True, default="", help_text="Import job or API batch id."
    )
    # A value's history is read through data_value (indexed), newest first.
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("data value change")
        verbose_name_plural = _("data value changes")

    def __str__(self) -> str:
        return f"{self.data_value_id}: {self.old_value} → {self.new_value}"


# --- validation rules -------------------------------------------------------------------------


class ValidationRule(models.Model):
    """A check every write runs (``data.validation``): on entry, import, the API and connectors.

    ``params`` by kind:

    - ``range``: ``{"min": "0", "max": "100"}`` (either may be absent);
    - ``required``: ``{}`` — a value must exist where the unit has a target or a plan item;
    - ``expression``: ``{"left": "#{A}", "op": "<=", "right": "#{B} + #{C}"}``, in the
      formula language, for the unit and period of each value concerned;
    - ``jump``: ``{"compare": "prev" | "lastyear", "max_percent": "50"}``.

    A ``block`` rule refuses the write; a ``warn`` rule lets it through with a warning.
    Errors are located at the values of ``indicator``.
    """

    class Kind(models.TextChoices):
        RANGE = "range", _("range")
        REQUIRED = "required", _("required")
        EXPRESSION = "expression", _("expression")
        JUMP = "jump", _("jump")

    class Severity(models.TextChoices):
        BLOCK = "block", _("blocks the value")
        WARN = "warn", _("warns only")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(pgettext_lazy("data", "kind"), max_length=16, choices=Kind.choices)
    indicator = models.ForeignKey(
        "indicators.Indicator",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("indicator"),
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    severity = models.CharField(
        _("severity"), max_length=8, choices=Severity.choices, default=Severity.BLOCK
    )
    message = models.CharField(
        _("message"),
        max_length=300,
        blank=True,
        help_text=_("Shown to the person entering the value; a default is used when empty."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["indicator__code", "code"]
        verbose_name = _("validation rule")
        verbose_name_plural = _("validation rules")
        indexes = [models.Index(fields=["is_active", "indicator"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


# --- period locks and corrections -------------------------------------------------------------


class PeriodLock(models.Model):
    """The office has closed a period: for every unit, or for one unit and its subtree.

    A lock covers every value whose period lies inside ``period`` (locking ``2025``
    covers ``202503`` and ``2025Q1``). Unlocking keeps the row, with who and when.
    The writer refuses values a lock covers; an approved correction is written inside
    ``data.locks.applying_corrections(keys)``, which frees exactly its keys.
    """

    period = models.CharField(_("period"), max_length=16)
    period_start = models.DateField()
    period_end = models.DateField()
    unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unit"),
        help_text=_("Empty: every unit."),
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    locked_at = models.DateTimeField(_("locked at"), default=timezone.now)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    unlocked_at = models.DateTimeField(_("unlocked at"), null=True, blank=True)
    unlocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-period_start", "period", "unit__path"]
        verbose_name = _("period lock")
        verbose_name_plural = _("period locks")
        constraints = [
            models.UniqueConstraint(
                fields=["period"],
                condition=models.Q(unit__isnull=True, unlocked_at__isnull=True),
                name="data_lock_all_units_once",
            ),
            models.UniqueConstraint(
                fields=["period", "unit"],
                condition=models.Q(unit__isnull=False, unlocked_at__isnull=True),
                name="data_lock_unit_once",
            ),
        ]
        indexes = [models.Index(fields=["unlocked_at", "period_start", "period_end"])]

    def __str__(self) -> str:
        return f"{self.period} · {self.unit or '*'}"

    @property
    def is_active(self) -> bool:
        return self.unlocked_at is None


class CorrectionRequest(models.Model):
    """A change to a locked value, asked for with a reason and decided by the office."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved and applied")
        REJECTED = "rejected", pgettext_lazy("data", "rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")

    data_value = models.ForeignKey(
        DataValue, on_delete=models.CASCADE, related_name="corrections", verbose_name=_("value")
    )
    old_value = models.DecimalField(_("value before"), null=True, blank=True, **AMOUNT)
    old_level = models.CharField(_("level before"), max_length=64, blank=True, default="")
    new_value = models.DecimalField(_("corrected value"), null=True, blank=True, **AMOUNT)
    new_level = models.CharField(_("corrected level"), max_length=64, blank=True, default="")
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        constraints = [
            models.UniqueConstraint(
                fields=["data_value"],
                condition=models.Q(status="pending"),
                name="data_correction_one_pending",
            )
        ]
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.data_value_id} {self.status}"


# --- evidence ---------------------------------------------------------------------------------


def evidence_path(instance: EvidenceFile, filename: str) -> str:
    # A random name: the original name is kept in the row, never trusted as a path.
    import uuid

    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    now = timezone.now()
    return f"evidence/{now:%Y}/{now:%m}/{uuid.uuid4().hex}.{ext}"


class EvidenceFile(models.Model):
    """A file that supports a value (minutes, a statistics sheet, a photo).

    Stored under ``MEDIA_ROOT/evidence/`` and served only through ``data:evidence``,
    which checks that the reader may see the value; never under a public URL.
    """

    data_value = models.ForeignKey(
        DataValue, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("value")
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("description"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["data_value", "uploaded_at", "pk"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.name


# --- API idempotency ----------------------------------------------------------------------------


class IdempotencyRecord(models.Model):
    """One ``Idempotency-Key`` of an API push (draft-ietf-httpapi-idempotency-key-header).

    The first request with a key claims it (``in_progress``); its response is stored
    (``done``) and replayed to any retry with the same key and the same body until
    ``expires_at``. Keys are per owner: two clients may use the same key.
    """

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")

    key = models.CharField(max_length=255)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.ForeignKey(
        "accounts.ApiToken", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    state = models.CharField(max_length=12, choices=State.choices, default=State.IN_PROGRESS)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="data_idempotency_owner_key")
        ]

    def __str__(self) -> str:
        return f"{self.owner_id}:{self.key} {self.state}"


# --- the data-quality screen ----------------------------------------------------------------------


class QualityRun(models.Model):
    """One run of the quality screen over a period, for every unit or one unit's subtree."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    period = models.CharField(_("period"), max_length=16)
    unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unit"),
        help_text=_("Empty: every unit with a plan."),
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("quality screen run")
        verbose_name_plural = _("quality screen runs")

    def __str__(self) -> str:
        return f"{self.period} #{self.pk} {self.status}"

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 100 if self.status == self.Status.DONE else 0
        return round(100 * self.progress_done / self.progress_total)


class QualityResult(models.Model):
    """The screen's figures for one unit and period, and its data-quality score (0–100)."""

    run = models.ForeignKey(QualityRun, on_delete=models.CASCADE, related_name="results")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("period"), max_length=16)
    expected = models.PositiveIntegerField(_("expected values"), default=0)
    present = models.PositiveIntegerField(_("present values"), default=0)
    on_time = models.PositiveIntegerField(_("on time"), default=0)
    late = models.PositiveIntegerField(_("late"), default=0)
    completeness = models.FloatField(_("completeness"), null=True)
    timeliness = models.FloatField(_("timeliness"), null=True)
    violations = models.PositiveIntegerField(_("rule violations"), default=0)
    outliers = models.PositiveIntegerField(_("outliers"), default=0)
    contradictions = models.PositiveIntegerField(_("contradictions"), default=0)
    smooth_series = models.PositiveIntegerField(_("implausibly smooth series"), default=0)
    benford_n = models.PositiveIntegerField(default=0)
    benford_chi2 = models.FloatField(null=True)
    benford_p = models.FloatField(null=True)
    benford_mad = models.FloatField(null=True)
    benford_conformity = models.CharField(max_length=24, blank=True)
    benford_digits = models.JSONField(default=list, blank=True)
    benford_flagged = models.BooleanField(default=False)
    score = models.FloatField(_("data-quality score"), null=True)

    class Meta:
        ordering = ["run", "score", "unit__path"]
        verbose_name = _("quality result")
        verbose_name_plural = _("quality results")
        constraints = [
            models.UniqueConstraint(fields=["run", "unit"], name="data_quality_result_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.period} {self.score}"


class QualityFlag(models.Model):
    """A value (or a unit's whole set of values) the screen asks the office to look at."""

    class Kind(models.TextChoices):
        MISSING = "missing", _("missing")
        LATE = "late", _("late")
        RULE = "rule", _("rule violation")
        OUTLIER = "outlier", _("outlier")
        BENFORD = "benford", _("digit pattern")
        CONTRADICTION = "contradiction", _("contradiction")
        SMOOTH = "smooth", _("implausibly smooth")

    run = models.ForeignKey(QualityRun, on_delete=models.CASCADE, related_name="flags")
    result = models.ForeignKey(QualityResult, on_delete=models.CASCADE, related_name="flags")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(pgettext_lazy("data", "kind"), max_length=16, choices=Kind.choices)
    data_value = models.ForeignKey(
        DataValue, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    indicator = models.ForeignKey(
        "indicators.Indicator", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(_("period"), max_length=16, blank=True)
    value = models.DecimalField(null=True, blank=True, **AMOUNT)
    reason = models.CharField(_("reason"), max_length=500)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["run", "unit__path", "kind", "period", "pk"]
        verbose_name = _("quality flag")
        verbose_name_plural = _("quality flags")
        indexes = [models.Index(fields=["run", "unit", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.unit_id} {self.period}"


# --- data exchange: origins, code mappings, import jobs, connectors -----------------------------


class DataValueOrigin(models.Model):
    """What another system said about a value beyond its number: DHIS2's ``storedBy``,
    ``followup`` and ``lastUpdated``, and the ``dataSet`` and ``completedDate`` of the
    set it came in, kept so that an export gives them back unchanged.

    Written by ``data.writer`` only for batches that carry them (DHIS2 imports).
    """

    data_value = models.OneToOneField(
        DataValue, primary_key=True, on_delete=models.CASCADE, related_name="origin"
    )
    stored_by = models.CharField(_("stored by"), max_length=150, blank=True, default="")
    # None: the file did not say.
    followup = models.BooleanField(_("follow-up"), null=True, blank=True)
    last_updated = models.CharField(_("last updated"), max_length=40, blank=True, default="")
    data_set = models.CharField(_("data set"), max_length=64, blank=True, default="")
    completed_date = models.CharField(_("completed"), max_length=40, blank=True, default="")

    class Meta:
        verbose_name = _("value origin")
        verbose_name_plural = _("value origins")

    def __str__(self) -> str:
        return f"{self.data_value_id} {self.stored_by}"


class CodeMapping(models.Model):
    """One external id (DHIS2 UID or code) and our code it stands for, kept by the office.

    A ``MAP.csv`` (``kind,external,code``) given to an import overrides these rows for
    that import. An empty ``code`` maps a disaggregation to the plain value (DHIS2's
    default category option combo).
    """

    class Kind(models.TextChoices):
        DATA_ELEMENT = "dataElement", _("data element → indicator")
        ORG_UNIT = "orgUnit", _("organisation unit → unit")
        CATEGORY_OPTION_COMBO = "categoryOptionCombo", _("category option combo → disaggregation")
        ATTRIBUTE_OPTION_COMBO = "attributeOptionCombo", _("attribute option combo → attribute")

    kind = models.CharField(pgettext_lazy("data", "kind"), max_length=24, choices=Kind.choices)
    external = models.CharField(_("external id"), max_length=100)
    code = models.CharField(_("our code"), max_length=64, blank=True, default="")
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kind", "external"]
        verbose_name = _("code mapping")
        verbose_name_plural = _("code mappings")
        constraints = [
            models.UniqueConstraint(fields=["kind", "external"], name="data_mapping_external_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.external} → {self.code}"


class ImportJob(models.Model):
    """One uploaded file on its way in: checked (dry run), then imported, maybe as a task.

    Progress is written between chunks, outside the import's transaction, so that the
    page polling it sees the job move; the values themselves commit all at once.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        CHECKED = "checked", _("checked, ready to import")
        REFUSED = "refused", _("refused")
        DONE = "done", _("imported")
        FAILED = "failed", _("failed")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(_("file name"), max_length=200)
    format = models.CharField(_("format"), max_length=16)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(max_length=64)
    options = models.JSONField(default=dict, blank=True)  # unit, period, mapping rows
    dry_run = models.BooleanField(_("dry run"), default=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    phase = models.CharField(max_length=16, blank=True, default="")
    progress_done = models.PositiveBigIntegerField(default=0)
    progress_total = models.PositiveBigIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")

    def __str__(self) -> str:
        return f"#{self.pk} {self.filename} {self.status}"

    @property
    def batch_id(self) -> str:
        return f"import-{self.pk}"

    @property
    def percent(self) -> int:
        if self.status in (self.Status.CHECKED, self.Status.DONE, self.Status.REFUSED):
            return 100
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def finished(self) -> bool:
        return self.status not in (self.Status.QUEUED, self.Status.RUNNING)


class Connector(models.Model):
    """A scheduled pull of values from another system: an HTTP endpoint or an SQL query.

    ``field_map`` names the source's field (JSON key or CSV/SQL column) for each of
    ``indicator``, ``unit``, ``period`` and ``value`` (and optionally ``level``,
    ``comment``, ``category``, ``attribute``). The schedule is a crontab, checked each
    minute by ``data.tasks.dispatch_connectors``.
    """

    class Kind(models.TextChoices):
        HTTP = "http", _("HTTP endpoint")
        SQL = "sql", _("SQL query")

    class Format(models.TextChoices):
        JSON = "json", _("JSON")
        CSV = "csv", _("CSV")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(pgettext_lazy("data", "kind"), max_length=8, choices=Kind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=pgettext_lazy("data", "owner"),
        help_text=_("Told when a run fails."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    minute = models.CharField(_("minute"), max_length=64, default="0")
    hour = models.CharField(_("hour"), max_length=64, default="2")
    day = models.CharField(_("day of month"), max_length=64, default="*")
    month = models.CharField(_("month"), max_length=64, default="*")
    day_of_week = models.CharField(_("day of week"), max_length=64, default="*")
    url = models.URLField(_("URL"), max_length=500, blank=True)
    method = models.CharField(_("method"), max_length=8, default="GET")
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    response_format = models.CharField(
        _("response format"), max_length=8, choices=Format.choices, default=Format.JSON
    )
    records_path = models.CharField(
        _("records path"),
        max_length=200,
        blank=True,
        help_text=_("Dotted path to the list of records in a JSON response, e.g. data.items."),
    )
    database = models.CharField(
        _("database"), max_length=64, blank=True, help_text=_("A name from the configured list.")
    )
    query = models.TextField(_("query"), blank=True)
    field_map = models.JSONField(_("field mapping"), default=dict)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("connector")
        verbose_name_plural = _("connectors")

    def __str__(self) -> str:
        return self.name

    @property
    def schedule(self) -> str:
        """The crontab: minute hour day month day-of-week."""
        return f"{self.minute} {self.hour} {self.day} {self.month} {self.day_of_week}"


class ConnectorRun(models.Model):
    """One attempt of a connector: what it read and wrote, or why it failed."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        OK = "ok", _("succeeded")
        REFUSED = "refused", _("refused (bad data)")
        FAILED = "failed", _("failed")

    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="runs")
    attempt = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.RUNNING
    )
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("connector run")
        verbose_name_plural = _("connector runs")

    def __str__(self) -> str:
        return f"{self.connector_id} {self.started_at:%Y-%m-%d %H:%M} {self.status}"
