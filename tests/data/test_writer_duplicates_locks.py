"""The writer refuses duplicates, locked periods, values past draft, unknown ids and units out of
reach; each refusal is located and writes nothing."""

from __future__ import annotations

import numpy as np

from govperf.data.batch import ValueBatch
from govperf.data.models import DataValue, DataValueChange, PeriodLock
from govperf.data.writer import write_batch
from govperf.engine.periods import Period
from tests.data.conftest import batch, stored


def test_a_key_given_twice_is_refused_naming_both_rows(org, lib):
    result = write_batch(
        batch(
            [
                (lib.enr, org.edu, "202603", "1"),
                (lib.cap, org.edu, "202603", "2"),
                (lib.enr, org.edu, "202603", "3"),
            ],
            rows=[2, 3, 4],
        ),
        actor=org.edu_coord,
        source="import",
    )
    assert [(e.row, e.message) for e in result.errors] == [
        (4, "Duplicate of row 2 (same indicator, unit, period and disaggregation).")
    ]
    assert DataValue.objects.count() == 0


def test_a_locked_period_is_refused(org, lib):
    p = Period.parse("2026Q1")
    PeriodLock.objects.create(
        period="2026Q1", period_start=p.start, period_end=p.end, locked_by=org.office
    )
    result = write_batch(
        batch([(lib.enr, org.edu, "202603", "1"), (lib.enr, org.edu, "202604", "1")]),
        actor=org.edu_coord,
        source="form",
    )
    assert [(e.row, e.column, e.value) for e in result.errors] == [(1, "period", "202603")]
    assert DataValue.objects.count() == 0


def test_a_submitted_value_is_not_overwritten_but_may_be_repeated(org, lib):
    stored(lib.enr, org.edu, "202603", 5, status="submitted")
    same = write_batch(
        batch([(lib.enr, org.edu, "202603", "5")]), actor=org.edu_coord, source="form"
    )
    assert same.ok and same.unchanged == 1
    changed = write_batch(
        batch([(lib.enr, org.edu, "202603", "6")]), actor=org.edu_coord, source="form"
    )
    assert [(e.row, e.value, e.message) for e in changed.errors] == [
        (1, "6", "The stored value is submitted and can no longer be changed here.")
    ]
    assert DataValue.objects.get().value == 5


def test_units_out_of_reach_are_forbidden(org, lib):
    result = write_batch(
        batch([(lib.enr, org.health, "202603", "1")]), actor=org.edu_coord, source="form"
    )
    assert result.forbidden and [(e.row, e.column) for e in result.errors] == [(1, "unit")]
    assert DataValue.objects.count() == 0


def test_a_token_scoped_to_a_unit_writes_only_there(org, lib):
    from govperf.accounts.services import create_token

    token, _secret = create_token(
        actor=org.edu_leader, owner=org.edu_leader, name="t", can_write=True, units=[org.edu_s1]
    )
    org.edu_leader.api_token = token
    result = write_batch(
        batch([(lib.enr, org.edu_s1, "202603", "1"), (lib.enr, org.edu, "202603", "1")]),
        actor=org.edu_leader,
        source="api",
    )
    assert result.forbidden and [e.row for e in result.errors] == [2]
    assert DataValue.objects.count() == 0


def test_unknown_ids_wrong_types_and_formula_indicators_are_located(org, lib):
    b = ValueBatch(
        indicator_ids=np.array(
            [999999, lib.enr.pk, lib.enr.pk, lib.rate.pk, lib.open.pk, lib.enr.pk]
        ),
        unit_ids=np.array([org.edu.pk] * 6),
        periods=["202603", "202604", "2026", "202603", "2026", "2026X"],
        values=["1", "abc", "1", "1", "优秀", "1"],
    )
    result = write_batch(b, actor=org.edu_coord, source="import")
    assert sorted((e.row, e.column) for e in result.errors) == [
        (1, "indicator"),
        (2, "value"),
        (3, "period"),
        (4, "indicator"),
        (5, "value"),
        (6, "period"),
    ]
    assert DataValue.objects.count() == 0


def test_dry_run_counts_but_writes_nothing(org, lib):
    stored(lib.enr, org.edu, "202603", 5)
    result = write_batch(
        batch(
            [
                (lib.enr, org.edu, "202603", "6"),
                (lib.cap, org.edu, "202603", "7"),
                (lib.enr, org.edu, "202604", ""),
            ]
        ),
        actor=org.edu_coord,
        source="import",
        dry_run=True,
    )
    assert result.ok and (result.created, result.updated, result.unchanged) == (2, 1, 0)
    assert DataValue.objects.count() == 1 and DataValueChange.objects.count() == 0


def test_an_update_keeps_history_and_bumps_the_version(org, lib):
    value = stored(lib.enr, org.edu, "202603", 5)
    result = write_batch(
        batch([(lib.enr, org.edu, "202603", "7.25")]),
        actor=org.edu_coord,
        source="import",
        batch_id="b2",
        reason="revised",
    )
    assert (result.created, result.updated) == (0, 1)
    value.refresh_from_db()
    assert (value.value, value.version, value.source) == (7.25, 2, "import")
    change = DataValueChange.objects.get(batch="b2", data_value=value)
    assert (change.old_value, change.new_value, change.reason) == (5, 7.25, "revised")
