"""verify_chain: a clean chain passes; every kind of tampering names the first broken entry.

On PostgreSQL the table refuses UPDATE and DELETE; the tamper tests first disable
those triggers, as a database administrator could.
"""

import pytest
from django.db import DatabaseError, connection, transaction

from govperf.audit.chain import entry_hash
from govperf.audit.models import GENESIS_HASH, AuditEntry, AuditHead
from govperf.audit.services import current_head, record
from govperf.audit.verify import verify_chain


def _chain(n: int = 6) -> list[AuditEntry]:
    return [
        record(action=f"test.step{i}", actor_label="tester", after={"i": i})
        for i in range(1, n + 1)
    ]


@pytest.fixture
def dba(db):
    """Past the append-only triggers (PostgreSQL); rolled back with the test's transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")


def _entry(seq: int) -> AuditEntry:
    return AuditEntry.objects.get(seq=seq)


def test_it_passes_a_clean_chain(db):
    entries = _chain(6)

    report = verify_chain()

    assert report.ok is True
    assert report.checked == 6
    assert (report.head_seq, report.head_hash) == (6, entries[-1].hash)
    assert current_head().as_dict() == {"seq": 6, "hash": entries[-1].hash}
    assert report.as_dict()["first_broken"] is None


def test_it_passes_an_empty_chain(db):
    report = verify_chain(anchor={"seq": 0, "hash": GENESIS_HASH})

    assert (report.ok, report.checked, report.head_hash) == (True, 0, GENESIS_HASH)


def test_each_entry_links_to_the_one_before(db):
    entries = _chain(3)

    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == GENESIS_HASH
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash


def test_it_names_an_edited_row(dba):
    _chain(6)
    AuditEntry.objects.filter(seq=3).update(after='{"i":300}')

    report = verify_chain()

    assert (report.ok, report.broken_seq, report.broken_id) == (False, 3, _entry(3).pk)
    assert "edited" in report.problem
    assert report.checked == 2


def test_an_edit_with_a_recomputed_hash_breaks_the_next_entry(dba):
    _chain(6)
    third = _entry(3)
    fields = {f: getattr(third, f) for f in ("seq", "created_at", "actor_id", "actor_label")}
    fields.update(
        action=third.action,
        object_type=third.object_type,
        object_id=third.object_id,
        object_repr=third.object_repr,
        before=third.before,
        after='{"i":300}',
        result=third.result,
        client_ip=third.client_ip,
        via=third.via,
    )
    AuditEntry.objects.filter(seq=3).update(
        after='{"i":300}', hash=entry_hash(third.prev_hash, fields)
    )

    report = verify_chain()

    assert (report.ok, report.broken_seq) == (False, 4)
    assert "does not follow" in report.problem


def test_it_names_a_deleted_middle_row(dba):
    _chain(6)
    AuditEntry.objects.filter(seq=3).delete()

    report = verify_chain()

    assert (report.ok, report.broken_seq, report.broken_id) == (False, 3, _entry(4).pk)
    assert "#3 is missing" in report.problem


def test_it_names_renumbered_rows_after_a_deletion(dba):
    _chain(6)
    AuditEntry.objects.filter(seq=3).delete()
    for seq in (4, 5, 6):
        AuditEntry.objects.filter(seq=seq).update(seq=seq - 1)
    AuditHead.objects.filter(pk=1).update(seq=5)

    report = verify_chain()

    assert (report.ok, report.broken_seq) == (False, 3)


def test_it_names_the_first_of_two_rows_whose_order_was_swapped(dba):
    _chain(6)
    second, fourth = _entry(2), _entry(4)
    AuditEntry.objects.filter(pk=second.pk).update(seq=-1)
    AuditEntry.objects.filter(pk=fourth.pk).update(seq=2)
    AuditEntry.objects.filter(pk=second.pk).update(seq=4)

    report = verify_chain()

    assert (report.ok, report.broken_seq, report.broken_id) == (False, 2, fourth.pk)
    assert "does not follow" in report.problem


def test_it_names_the_first_of_two_rows_whose_content_was_swapped(dba):
    _chain(6)
    second, fourth = _entry(2), _entry(4)
    content = ("action", "after", "prev_hash", "hash")
    with transaction.atomic():
        # hash is unique: park one row's value first.
        AuditEntry.objects.filter(pk=second.pk).update(hash="x" * 64)
        AuditEntry.objects.filter(pk=fourth.pk).update(**{f: getattr(second, f) for f in content})
        AuditEntry.objects.filter(pk=second.pk).update(**{f: getattr(fourth, f) for f in content})

    report = verify_chain()

    assert (report.ok, report.broken_seq, report.broken_id) == (False, 2, second.pk)


def test_it_detects_a_cut_off_tail_through_the_head_row(dba):
    _chain(6)
    AuditEntry.objects.filter(seq__gte=5).delete()

    report = verify_chain()

    assert (report.ok, report.broken_seq, report.checked) == (False, 5, 4)
    assert "head records #6" in report.problem


def test_it_detects_a_cut_off_tail_with_a_rewound_head_through_the_anchor(dba):
    entries = _chain(6)
    anchor = current_head().as_dict()
    AuditEntry.objects.filter(seq__gte=5).delete()
    AuditHead.objects.filter(pk=1).update(seq=4, hash=entries[3].hash)

    assert verify_chain().ok is True  # consistent without the anchor: why it is exported

    report = verify_chain(anchor=anchor)

    assert (report.ok, report.broken_seq, report.broken_id) == (False, 5, None)
    assert "anchor is #6" in report.problem


def test_it_accepts_an_anchor_older_than_the_head(db):
    entries = _chain(6)

    report = verify_chain(anchor={"seq": 4, "hash": entries[3].hash})

    assert (report.ok, report.checked) == (True, 6)


def test_it_detects_a_chain_rewritten_before_the_anchor(db):
    _chain(6)

    report = verify_chain(anchor={"seq": 4, "hash": "f" * 64})

    assert (report.ok, report.broken_seq, report.broken_id) == (False, 4, _entry(4).pk)
    assert "exported anchor" in report.problem


def test_it_detects_rows_added_after_the_head(db):
    entries = _chain(3)
    forged = {
        "seq": 4,
        "created_at": entries[-1].created_at,
        "actor_id": None,
        "actor_label": "intruder",
        "action": "test.forged",
        "object_type": "",
        "object_id": "",
        "object_repr": "",
        "before": "",
        "after": "",
        "result": "ok",
        "client_ip": "",
        "via": "system",
    }
    AuditEntry.objects.create(
        prev_hash=entries[-1].hash, hash=entry_hash(entries[-1].hash, forged), **forged
    )

    report = verify_chain()

    assert (report.ok, report.broken_seq) == (False, 4)
    assert "after the recorded head" in report.problem


@pytest.mark.postgres
def test_postgresql_refuses_update_and_delete(db):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only triggers exist on PostgreSQL only")
    _chain(3)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(seq=2).update(after="{}")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(seq=2).delete()

    assert AuditEntry.objects.count() == 3
    assert verify_chain().ok is True
