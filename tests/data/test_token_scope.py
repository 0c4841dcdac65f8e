"""API tokens write only to their own units: the policy's ENTER_DATA, narrowed by the token.

A unit the token cannot see at all is an unknown code (422, as for any object out of
sight); a unit it sees but may not enter data for is refused (403). Either way nothing
of the batch is written.
"""

from __future__ import annotations

from govperf.data.models import DataValue
from tests.data.test_idempotency import one, push, token_client


def test_a_token_scoped_to_a_section_writes_there_only(org, lib):
    client = token_client(org.edu_coord, units=[org.edu_s1])
    assert push(client, [one("5", unit="edu-s1")], key="a").status_code == 200
    refused = push(
        client, [one("5", unit="edu-s1", period="202604"), one("9", unit="edu")], key="b"
    )
    assert refused.status_code == 422
    assert refused.json()["details"] == [
        {
            "message": "Unknown unit.",
            "row": 1,
            "column": "unit",
            "field": "values.1.unit",
            "value": "edu",
        }
    ]
    assert sorted(DataValue.objects.values_list("unit__code", "period")) == [("edu-s1", "202603")]


def test_without_unit_scope_the_token_reaches_the_owners_subtree(org, lib):
    client = token_client(org.edu_coord)
    assert push(client, [one("5", unit="edu-s1"), one("9", unit="edu")], key="a").status_code == 200
    unknown = push(client, [one("1", unit="health"), one("1", indicator="NOPE")], key="c")
    assert unknown.status_code == 422
    assert [(d["row"], d["field"]) for d in unknown.json()["details"]] == [
        (0, "values.0.unit"),
        (1, "values.1.indicator"),
    ]
    assert DataValue.objects.filter(unit=org.health).count() == 0


def test_a_unit_in_sight_but_not_writable_is_403_located(org, lib):
    client = token_client(org.edu_staff)
    assert push(client, [one("1", unit="edu-s1")], key="a").status_code == 200
    refused = push(
        client, [one("2", unit="edu-s1", period="202604"), one("1", unit="edu-p1")], key="b"
    )
    assert refused.status_code == 403
    assert refused.json()["details"] == [
        {
            "message": "You may not enter data for this unit.",
            "row": 1,
            "column": "unit",
            "field": "values.1.unit",
            "value": "edu-p1",
        }
    ]
    first = push(client, [one("1", unit="edu-p1")], key="c")
    assert (first.status_code, first.json()["details"][0]["value"]) == (403, "edu-p1")
    assert list(DataValue.objects.values_list("unit__code", "period")) == [("edu-s1", "202603")]


def test_a_leader_sees_everything_and_writes_nothing(org, lib):
    refused = push(token_client(org.leader), [one("1", unit="edu")], key="a")
    assert refused.status_code == 403
    assert DataValue.objects.count() == 0


def test_a_read_only_token_writes_nothing(org, lib):
    client = token_client(org.edu_coord, can_write=False)
    assert push(client, [one("5")], key="a").status_code == 403
    assert DataValue.objects.count() == 0
