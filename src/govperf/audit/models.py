"""The append-only, hash-chained audit log.

Each entry stores sha256(previous hash + canonical JSON of its own fields), so
editing, deleting or reordering any row breaks the chain from that row on, and
``govperf audit verify`` names the first broken entry. ``AuditHead`` is the one
row every writer locks to append, which keeps the chain linear under
concurrency; exporting the head (seq, hash) elsewhere makes a cut-off tail
detectable too. On PostgreSQL, triggers also refuse UPDATE and DELETE.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditEntry(models.Model):
    class Result(models.TextChoices):
        OK = "ok", _("succeeded")
        DENIED = "denied", _("denied")
        FAILED = "failed", _("failed")

    seq = models.BigIntegerField(_("sequence"), unique=True)
    created_at = models.DateTimeField(_("time"), db_index=True)
    # Plain ids and labels, not foreign keys: nothing elsewhere may cascade into this table.
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    # Canonical JSON text, stored exactly as hashed.
    before = models.TextField(_("before"), blank=True)
    after = models.TextField(_("after"), blank=True)
    result = models.CharField(_("result"), max_length=8, choices=Result.choices, default=Result.OK)
    client_ip = models.CharField(_("client address"), max_length=45, blank=True)
    via = models.CharField(_("channel"), max_length=16, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """The newest (seq, hash); the single row that appenders lock."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"
