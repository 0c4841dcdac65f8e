"""Writing to the audit log. The only code that inserts ``AuditEntry`` rows."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from govperf.audit import context
from govperf.audit.chain import canonical_json, entry_hash
from govperf.audit.models import GENESIS_HASH, AuditEntry, AuditHead

log = logging.getLogger(__name__)

# Never copied into the log, whatever the model: password hashes, API token hashes.
SECRET_FIELDS = frozenset({"password", "key_hash"})


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The audited state of a model instance: concrete field values, foreign keys as ids."""
    names = list(fields) if fields is not None else None
    out: dict[str, Any] = {}
    for f in instance._meta.concrete_fields:
        if names is not None and f.name not in names:
            continue
        if f.name in SECRET_FIELDS:
            continue
        out[f.name] = getattr(instance, f.attname)
    return out


def _as_text(state: Any) -> str:
    return "" if state is None else canonical_json(state)


def record(
    *,
    action: str,
    actor=None,
    actor_label: str = "",
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: Any = "",
    object_repr: str = "",
    before: Any = None,
    after: Any = None,
    result: str = AuditEntry.Result.OK,
) -> AuditEntry:
    """Append one entry to the chain.

    Joins the caller's transaction, so the entry commits or rolls back with the
    change it describes. It locks the chain head until that transaction ends:
    services call it last, after their own writes.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
    ctx = context.current()
    with transaction.atomic():
        head = _locked_head()
        fields = {
            "seq": head.seq + 1,
            "created_at": timezone.now().astimezone(dt.UTC),
            "actor_id": getattr(actor, "pk", None),
            "actor_label": (actor_label or getattr(actor, "username", "") or "")[:150],
            "action": action[:64],
            "object_type": str(object_type)[:64],
            "object_id": str(object_id if object_id is not None else "")[:64],
            "object_repr": str(object_repr)[:255],
            "before": _as_text(before),
            "after": _as_text(after),
            "result": str(result),
            "client_ip": (ctx.client_ip or "")[:45],
            "via": ctx.via[:16],
        }
        digest = entry_hash(head.hash, fields)
        entry = AuditEntry.objects.create(prev_hash=head.hash, hash=digest, **fields)
        head.seq, head.hash = entry.seq, digest
        head.save(update_fields=["seq", "hash"])
    return entry


def record_denied(*, actor, action: str, target: str = "", reason: str = "") -> AuditEntry:
    """A refused attempt; called outside the refused work's (rolled back) transaction.

    ``target`` is "type:id" (e.g. "orgs.unit:5"), so the auditor's filters find it.
    """
    object_type, _sep, object_id = target.rpartition(":")
    return record(
        action=f"denied:{action}" if action else "denied",
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        object_type=object_type,
        object_id=object_id,
        object_repr=reason[:255],
        result=AuditEntry.Result.DENIED,
    )


def _locked_head() -> AuditHead:
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # The migration creates the row; only a test flush or a restore without it gets
        # here. Continue from the newest entry, or every later append would collide.
        last = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
        if last is not None:
            log.warning("Audit chain head missing; rebuilt from entry #%s.", last[0])
        seq, digest = last or (0, GENESIS_HASH)
        AuditHead.objects.get_or_create(pk=1, defaults={"seq": seq, "hash": digest})
        head = AuditHead.objects.select_for_update().get(pk=1)
    return head


@dataclass(frozen=True)
class ChainHead:
    seq: int
    hash: str

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash}


def current_head() -> ChainHead:
    head = AuditHead.objects.filter(pk=1).first() or AuditHead()
    return ChainHead(seq=head.seq, hash=head.hash)
