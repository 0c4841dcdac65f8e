"""The indicator library (PRODUCT.md C2): taxonomies, rubrics, indicators and their versions.

An ``Indicator`` is the stable identity (its code); what it means lives in
``IndicatorVersion``. Editing an indicator that plans, targets or results
already use creates a new version, so that what was planned and scored keeps
the definition it was planned and scored with (``indicators.usage`` decides
what "in use" means). Everything here is written only by ``indicators.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Taxonomy(models.Model):
    """A way of classifying indicators: the four dimensions, the budget taxonomy, ..."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    is_preset = models.BooleanField(_("preset"), default=False)
    sort_order = models.IntegerField(_("order"), default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("taxonomy")
        verbose_name_plural = _("taxonomies")

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    """A category of a taxonomy; ``parent`` gives the second level (成本 → 经济成本)."""

    taxonomy = models.ForeignKey(Taxonomy, on_delete=models.CASCADE, related_name="tags")
    code = models.SlugField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=200, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent category"),
    )
    sort_order = models.IntegerField(_("order"), default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["taxonomy__sort_order", "taxonomy__code", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["taxonomy", "code"], name="indicators_tag_unique")
        ]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    @property
    def key(self) -> str:
        """``taxonomy:tag``, as spreadsheets and the API spell a tag."""
        return f"{self.taxonomy.code}:{self.code}"


class Rubric(models.Model):
    """Graded levels of a qualitative indicator (R001 §3.1.2).

    ``levels``: ``[{"name": "达成", "description": "...", "min": 0.8, "max": 1.0}, ...]``,
    shares of the indicator's weight, best level first, not overlapping.
    """

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    levels = models.JSONField(_("levels"), default=list)
    is_preset = models.BooleanField(_("preset"), default=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["code"]
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")

    def __str__(self) -> str:
        return self.name

    def engine_levels(self) -> dict[str, list[float]]:
        """The levels as the scoring engine's rubric rule reads them: ``{name: [lo, hi]}``."""
        return {level["name"]: [level["min"], level["max"]] for level in self.levels}


class Indicator(models.Model):
    code = models.CharField(_("code"), max_length=64, unique=True)
    current = models.ForeignKey(
        "IndicatorVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("current version"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)  # optimistic lock over any edit
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return f"{self.code} {self.current.name}" if self.current_id else self.code


class IndicatorVersion(models.Model):
    class Frequency(models.TextChoices):
        # Values are the period kinds of govperf.engine.periods.
        YEARLY = "Yearly", _("yearly")
        SIX_MONTHLY = "SixMonthly", _("half-yearly")
        QUARTERLY = "Quarterly", _("quarterly")
        MONTHLY = "Monthly", _("monthly")
        WEEKLY = "Weekly", _("weekly")

    class Aggregation(models.TextChoices):
        SUM = "sum", _("sum")
        AVERAGE = "mean", _("average")
        LAST = "last", _("last value")

    class Direction(models.TextChoices):
        HIGHER = "higher", _("higher is better")
        LOWER = "lower", _("lower is better")
        BAND = "band", _("within a band")
        EQUAL = "equal", _("equal to the target")

    class Kind(models.TextChoices):
        QUANTITATIVE = "quantitative", _("quantitative")
        QUALITATIVE = "qualitative", _("qualitative")

    class Horizon(models.TextChoices):
        ANNUAL = "annual", _("annual")
        LONG_TERM = "long_term", _("long-term")

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    definition = models.TextField(_("definition"), blank=True)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=32, blank=True)
    caliber = models.TextField(_("statistical caliber"), blank=True)
    # Canonical text (engine.formula.to_text); its references are kept in ``inputs``.
    formula = models.TextField(_("formula"), blank=True)
    inputs = models.ManyToManyField(
        Indicator,
        blank=True,
        related_name="used_in_formulas",
        verbose_name=_("indicators the formula refers to"),
    )
    data_source = models.CharField(_("data source"), max_length=200, blank=True)
    collecting_unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("collecting unit"),
    )
    frequency = models.CharField(
        _("frequency"), max_length=16, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    time_aggregation = models.CharField(
        _("time aggregation"), max_length=8, choices=Aggregation.choices, default=Aggregation.SUM
    )
    direction = models.CharField(
        _("direction"), max_length=8, choices=Direction.choices, default=Direction.HIGHER
    )
    band_low = models.DecimalField(
        _("band low"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    band_high = models.DecimalField(
        _("band high"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=Kind.choices, default=Kind.QUANTITATIVE
    )
    rubric = models.ForeignKey(
        Rubric,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=_("rubric"),
    )
    horizon = models.CharField(
        _("horizon"), max_length=16, choices=Horizon.choices, default=Horizon.ANNUAL
    )
    decimals = models.PositiveSmallIntegerField(_("decimals"), default=2)
    origin = models.CharField(
        _("origin"),
        max_length=200,
        blank=True,
        help_text=_("Where the indicator was adopted from, if not defined here."),
    )
    tags = models.ManyToManyField(
        Tag, blank=True, related_name="indicator_versions", verbose_name=_("categories")
    )
    change_note = models.CharField(_("change note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["indicator", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "number"], name="indicators_version_unique"
            )
        ]
        verbose_name = _("indicator version")
        verbose_name_plural = _("indicator versions")

    def __str__(self) -> str:
        return f"{self.indicator.code} v{self.number} {self.name}"

    def band_display(self) -> str:
        """``[low, high]`` without trailing zeros, or "" when the direction is not a band."""
        if self.band_low is None or self.band_high is None:
            return ""
        low, high = (format(b.normalize(), "f") for b in (self.band_low, self.band_high))
        return f"[{low}, {high}]"
