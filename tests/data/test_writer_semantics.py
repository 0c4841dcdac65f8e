"""The writer: all or nothing, upsert on the key, history, one audit entry per batch."""

from __future__ import annotations

from decimal import Decimal

from govperf.audit.models import AuditEntry
from govperf.data import selectors
from govperf.data.models import DataValue, DataValueChange
from govperf.data.writer import write_batch
from tests.data.conftest import batch


def values():
    return sorted(
        (v.indicator.code, v.unit.code, v.period, v.value, v.level, v.comment, v.status, v.version)
        for v in DataValue.objects.select_related("indicator", "unit")
    )


def test_it_creates_values_with_history_and_one_audit_entry(org, lib):
    entries = AuditEntry.objects.count()
    result = write_batch(
        batch(
            [(lib.enr, org.edu, "202603", "12"), (lib.cap, org.edu, "202603", "20.5")],
            comments=["first", ""],
        ),
        actor=org.edu_coord,
        source="form",
        batch_id="b1",
    )
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    assert [v[:8] for v in values() if v[0] in ("ENR", "CAP")] == [
        ("CAP", "edu", "202603", Decimal("20.500000"), "", "", "draft", 1),
        ("ENR", "edu", "202603", Decimal("12.000000"), "", "first", "draft", 1),
    ]
    # A creation is kept on the value row, not as a history row (half the writes of an
    # import); the history shows it as its first entry. (RATE and USE, recomputed from
    # them, are the formulas' own writes.)
    assert not DataValueChange.objects.exclude(source="formula").exists()
    created = sorted(
        DataValue.objects.exclude(source="formula").values_list(
            "indicator__code", "created_source", "created_by__username", "created_batch"
        )
    )
    assert created == [("CAP", "form", "edu_coord", "b1"), ("ENR", "form", "edu_coord", "b1")]
    enr = DataValue.objects.get(indicator=lib.enr)
    assert [
        (c.id, c.old_value, c.new_value, c.new_status, c.source, c.actor.username, c.batch)
        for c in selectors.history(enr)
    ] == [(0, None, Decimal("12.000000"), "draft", "form", "edu_coord", "b1")]
    assert AuditEntry.objects.count() == entries + 1
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.object_id, entry.actor_id) == (
        "data.write.form",
        "b1",
        org.edu_coord.pk,
    )


def test_history_shows_the_creation_then_every_change(org, lib):
    write_batch(
        batch([(lib.enr, org.edu, "202603", "12")]),
        actor=org.edu_coord,
        source="import",
        batch_id="b1",
    )
    write_batch(
        batch([(lib.enr, org.edu, "202603", "13")]),
        actor=org.edu_leader,
        source="form",
        batch_id="b2",
        reason="recount",
    )
    enr = DataValue.objects.get(indicator=lib.enr)
    assert [
        (c.old_value, c.new_value, c.source, c.actor.username, c.batch, c.reason)
        for c in selectors.history(enr)
    ] == [
        (Decimal("12.000000"), Decimal("13.000000"), "form", "edu_leader", "b2", "recount"),
        (None, Decimal("12.000000"), "import", "edu_coord", "b1", ""),
    ]
    assert DataValueChange.objects.count() == 1


def test_a_formula_value_is_refused_unless_it_says_what_is_computed(org, lib):
    write_batch(
        batch([(lib.enr, org.edu, "202603", "30"), (lib.cap, org.edu, "202603", "60")]),
        actor=org.edu_coord,
        source="form",
    )
    assert DataValue.objects.get(indicator=lib.rate).value == 50
    before = values()
    # The computed value given back (an export imported again) is simply unchanged ...
    same = write_batch(
        batch([(lib.rate, org.edu, "202603", "50"), (lib.enr, org.edu, "202603", "30")]),
        actor=org.edu_coord,
        source="import",
    )
    assert same.ok and (same.created, same.updated, same.unchanged) == (0, 0, 2)
    # ... another number for it is refused, located, and nothing is written.
    other = write_batch(
        batch([(lib.enr, org.edu, "202603", "31"), (lib.rate, org.edu, "202603", "51")]),
        actor=org.edu_coord,
        source="import",
    )
    assert [(e.row, e.column, e.value) for e in other.errors] == [(2, "indicator", lib.rate.pk)]
    assert values() == before
