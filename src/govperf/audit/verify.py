"""Recompute the hash chain and name the first broken entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from govperf.audit.chain import HASHED_FIELDS, entry_hash
from govperf.audit.models import GENESIS_HASH, AuditEntry, AuditHead


@dataclass
class VerifyReport:
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    broken_id: int | None = None
    problem: str = ""
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "head": {"seq": self.head_seq, "hash": self.head_hash},
            "first_broken": None
            if self.ok
            else {"seq": self.broken_seq, "id": self.broken_id, "problem": self.problem},
            "warnings": self.warnings,
        }


def verify_chain(*, anchor: dict[str, Any] | None = None, chunk_size: int = 5000) -> VerifyReport:
    """Walk the chain in sequence order.

    ``anchor`` is a head exported earlier ({"seq", "hash"}); the chain must still
    contain that entry with that hash, which detects a cut-off tail.
    """
    prev_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    anchor_seen = False
    report = VerifyReport(ok=True, checked=0, head_seq=0, head_hash=GENESIS_HASH)

    def fail(entry: AuditEntry | None, seq: int | None, problem: str) -> VerifyReport:
        report.ok = False
        report.broken_seq = seq
        report.broken_id = entry.pk if entry is not None else None
        report.problem = problem
        report.checked = checked
        return report

    rows = AuditEntry.objects.order_by("seq").only("pk", "prev_hash", "hash", *HASHED_FIELDS)
    for entry in rows.iterator(chunk_size=chunk_size):
        if entry.seq != expected_seq:
            return fail(
                entry,
                expected_seq,
                _(
                    "entry #%(expected)s is missing (next entry found is #%(found)s): rows were deleted"
                )
                % {"expected": expected_seq, "found": entry.seq},
            )
        if entry.prev_hash != prev_hash:
            return fail(
                entry,
                entry.seq,
                _(
                    "entry #%(seq)s does not follow the entry before it: rows were reordered or replaced"
                )
                % {"seq": entry.seq},
            )
        fields = {name: getattr(entry, name) for name in HASHED_FIELDS}
        if entry_hash(prev_hash, fields) != entry.hash:
            return fail(
                entry,
                entry.seq,
                _("entry #%(seq)s does not match its hash: the row was edited")
                % {"seq": entry.seq},
            )
        if anchor and entry.seq == int(anchor["seq"]):
            if entry.hash != anchor["hash"]:
                return fail(
                    entry,
                    entry.seq,
                    _("entry #%(seq)s differs from the exported anchor") % {"seq": entry.seq},
                )
            anchor_seen = True
        prev_hash = entry.hash
        expected_seq += 1
        checked += 1

    report.checked = checked
    report.head_seq, report.head_hash = checked, prev_hash
    if anchor and not anchor_seen:
        return fail(
            None,
            int(anchor["seq"]),
            _(
                "the chain ends at #%(last)s but the exported anchor is #%(anchor)s: the tail was cut off"
            )
            % {"last": checked, "anchor": anchor["seq"]},
        )
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.hash) != (checked, prev_hash):
        return fail(
            None,
            min(head.seq, checked + 1),
            _(
                "the chain ends at #%(last)s but its head records #%(head)s: entries were removed or added"
            )
            % {"last": checked, "head": head.seq},
        )
    return report
