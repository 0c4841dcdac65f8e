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


@dataclass(frozen=True)
class _Checkpoint:
    """A (seq, hash) the chain must still contain: an exported anchor, or the head row."""

    seq: int
    hash: str
    is_anchor: bool


def _read_head() -> tuple[int, str] | None:
    return AuditHead.objects.filter(pk=1).values_list("seq", "hash").first()


def verify_chain(*, anchor: dict[str, Any] | None = None, chunk_size: int = 5000) -> VerifyReport:
    """Walk the chain in sequence order.

    ``anchor`` is a head exported earlier ({"seq", "hash"}); the chain must still
    contain that entry with that hash, which detects a cut-off tail even when the
    head row was rewound too. Safe while others append: the head is read before
    the entries (every entry up to it has committed), and entries appended after
    the walk began are left for the next run.
    """
    checkpoints = []
    if anchor is not None:
        checkpoints.append(_Checkpoint(int(anchor["seq"]), str(anchor["hash"]), True))
    head_before = _read_head()
    if head_before is not None:
        checkpoints.append(_Checkpoint(head_before[0], head_before[1], False))
    wanted = {c.seq for c in checkpoints}
    seen: dict[int, tuple[str, int | None]] = {0: (GENESIS_HASH, None)}

    report = VerifyReport(ok=True, checked=0, head_seq=0, head_hash=GENESIS_HASH)

    def fail(entry: AuditEntry | int | None, seq: int | None, problem: str) -> VerifyReport:
        report.ok = False
        report.broken_seq = seq
        report.broken_id = entry.pk if isinstance(entry, AuditEntry) else entry
        report.problem = problem
        return report

    prev_hash = GENESIS_HASH
    expected_seq = 1
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
        if entry.seq in wanted:
            seen[entry.seq] = (entry.hash, entry.pk)
        prev_hash = entry.hash
        expected_seq += 1
        report.checked += 1

    last = report.checked
    report.head_seq, report.head_hash = last, prev_hash
    for point in sorted(checkpoints, key=lambda c: c.seq):
        if point.seq > last:
            message = (
                _(
                    "the chain ends at #%(last)s but the exported anchor is #%(seq)s: the tail was cut off"
                )
                if point.is_anchor
                else _(
                    "the chain ends at #%(last)s but its head records #%(seq)s: the tail was cut off"
                )
            )
            return fail(None, last + 1, message % {"last": last, "seq": point.seq})
        found_hash, found_id = seen.get(point.seq, ("", None))
        if found_hash != point.hash:
            message = (
                _("entry #%(seq)s differs from the exported anchor: the chain was rewritten")
                if point.is_anchor
                else _("entry #%(seq)s differs from the chain head: the chain was rewritten")
            )
            return fail(found_id, point.seq, message % {"seq": point.seq})

    head_now = _read_head()
    if head_now is None:
        if last:
            return fail(None, last, _("the chain head row is missing"))
    elif head_now[0] < last:
        return fail(
            None,
            head_now[0] + 1,
            (
                _("entry #%(last)s comes after the recorded head: a row was added")
                if last - head_now[0] == 1
                else _(
                    "entries #%(first)s to #%(last)s come after the recorded head: rows were added"
                )
            )
            % {"first": head_now[0] + 1, "last": last},
        )
    elif head_now[0] == last and head_now[1] != prev_hash:
        return fail(
            None,
            last,
            _("entry #%(seq)s differs from the chain head: the chain was rewritten")
            % {"seq": last},
        )
    # head_now beyond the walk: entries appended since it began; the head read
    # before the walk already vouches for everything up to it.
    return report
