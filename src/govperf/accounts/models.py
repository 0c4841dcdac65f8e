"""API tokens for other systems."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A bearer token acting for its owner, narrowed to units and to reading or writing.

    Only sha256 of the secret is stored; the secret is shown once, at creation.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("token id"), max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    can_write = models.BooleanField(_("may write"), default=False)
    units = models.ManyToManyField(
        "orgs.Unit",
        verbose_name=_("units"),
        blank=True,
        related_name="+",
        help_text=_("Empty: all of the owner's units."),
    )
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    def unit_paths(self) -> list[str] | None:
        cached = getattr(self, "_unit_paths", None)
        if cached is None:
            cached = [u.path for u in self.units.all()]
            self._unit_paths = cached
        return cached or None
