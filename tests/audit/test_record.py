"""audit.services.record / record_denied / snapshot: what one entry holds."""

import datetime as dt
import hashlib
import json

from govperf.audit import context
from govperf.audit.models import AuditEntry, AuditHead
from govperf.audit.services import current_head, record, record_denied, snapshot
from govperf.audit.verify import verify_chain


def test_an_entry_names_its_object_from_the_instance(org):
    entry = record(action="unit.touch", actor=org.office, obj=org.edu, after={"a": 1})

    assert (entry.seq, entry.actor_id, entry.actor_label) == (1, org.office.pk, "office")
    assert (entry.object_type, entry.object_id, entry.object_repr) == (
        "orgs.unit",
        str(org.edu.pk),
        "教育局",
    )
    assert (entry.before, entry.after, entry.result) == ("", '{"a":1}', "ok")


def test_outside_a_request_the_channel_is_system(db):
    entry = record(action="x", actor_label="cron")

    assert (entry.client_ip, entry.via, entry.actor_id) == ("", "system", None)


def test_the_context_gives_address_and_channel(db):
    with context.using(context.AuditContext(client_ip="2001:db8::1", via="cli")):
        entry = record(action="x")

    assert (entry.client_ip, entry.via) == ("2001:db8::1", "cli")


def test_before_and_after_are_canonical_json(db):
    entry = record(action="x", before={"b": 2, "a": "示范"}, after=[3, {"z": None}])

    assert entry.before == '{"a":"示范","b":2}'
    assert entry.after == '[3,{"z":null}]'


def test_long_values_are_cut_to_their_columns(db):
    entry = record(action="a" * 100, actor_label="u" * 200, object_repr="r" * 300)

    assert (len(entry.action), len(entry.actor_label), len(entry.object_repr)) == (64, 150, 255)
    assert verify_chain().ok is True


def test_a_refusal_names_its_target(org):
    entry = record_denied(
        actor=org.auditor, action="manage_units", target="orgs.unit:5", reason="不允许"
    )

    assert (entry.action, entry.result, entry.actor_label) == (
        "denied:manage_units",
        "denied",
        "auditor",
    )
    assert (entry.object_type, entry.object_id, entry.object_repr) == ("orgs.unit", "5", "不允许")


def test_an_anonymous_refusal(db):
    from django.contrib.auth.models import AnonymousUser

    entry = record_denied(actor=AnonymousUser(), action="", target="")

    assert (entry.action, entry.actor_id, entry.object_type, entry.object_id) == (
        "denied",
        None,
        "",
        "",
    )


def test_a_snapshot_holds_field_values_and_foreign_keys_as_ids(org):
    assert snapshot(org.edu_s1, ("code", "parent", "depth")) == {
        "code": "edu-s1",
        "parent": org.edu.pk,
        "depth": 2,
    }
    assert "password" not in snapshot(org.edu_staff)


def test_a_missing_head_row_is_rebuilt_from_the_newest_entry(db):
    for i in range(3):
        record(action=f"x{i}")
    AuditHead.objects.all().delete()

    entry = record(action="after restore")

    assert entry.seq == 4
    assert entry.prev_hash == AuditEntry.objects.get(seq=3).hash
    assert current_head().as_dict() == {"seq": 4, "hash": entry.hash}
    assert verify_chain().ok is True


def test_the_hash_is_sha256_of_the_previous_hash_and_the_canonical_entry(db):
    first = record(action="x")
    entry = record(action="unit.update", actor_label="office", after={"k": 1})

    payload = {
        "action": "unit.update",
        "actor_id": None,
        "actor_label": "office",
        "after": '{"k":1}',
        "before": "",
        "client_ip": "",
        "created_at": entry.created_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "object_id": "",
        "object_repr": "",
        "object_type": "",
        "result": "ok",
        "seq": 2,
        "via": "system",
    }
    text = first.hash + json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert entry.prev_hash == first.hash
    assert entry.hash == hashlib.sha256(text.encode()).hexdigest()
