"""Period locks and corrections: a locked value changes only through an approved request."""

from __future__ import annotations

from decimal import Decimal

import pytest

from govperf.audit.models import AuditEntry
from govperf.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from govperf.core.models import Notification
from govperf.data import locks, services
from govperf.data.models import CorrectionRequest, DataValue, DataValueChange, PeriodLock
from govperf.data.services import Entry
from govperf.data.writer import write_batch
from tests.data.conftest import batch
from tests.helpers import make_unit


def save(org, unit, lib, period="202603", **values):
    entries = [Entry(indicator_id=getattr(lib, k).pk, value=str(v)) for k, v in values.items()]
    return services.save_draft(actor=org.edu_leader, unit=unit, period=period, entries=entries)


def approve(org, unit, period="202603"):
    services.submit_values(actor=org.edu_leader, unit=unit, period=period)
    services.approve_values(actor=org.edu_leader, unit=unit, period=period)


def status_of(indicator, unit, period="202603"):
    return DataValue.objects.get(indicator=indicator, unit=unit, period=period).status


def snapshot():
    return (
        list(DataValue.objects.order_by("pk").values_list("pk", "status", "value", "version")),
        DataValueChange.objects.count(),
        CorrectionRequest.objects.count(),
        PeriodLock.objects.filter(unlocked_at__isnull=True).count(),
    )


@pytest.fixture
def locked(org, lib):
    """edu's March 2026 approved and the year 2026 locked for every unit."""
    save(org, org.edu, lib, enr=90, cap=120)
    approve(org, org.edu)
    services.lock_period(actor=org.office, period="2026", reason="年度数据封存")
    return org


def test_a_yearly_lock_locks_its_approved_months_and_freezes_the_rest(org, lib):
    save(org, org.edu, lib, enr=90, cap=120)
    approve(org, org.edu)
    save(org, org.edu, lib, period="202604", enr=91)
    lock = services.lock_period(actor=org.office, period="2026")
    # March's four values; April's ENR is a draft (with no CAP, its RATE has no value).
    assert (lock.locked_count, lock.unapproved_count) == (4, 1)
    assert status_of(lib.enr, org.edu) == "locked"
    assert status_of(lib.enr, org.edu, "202604") == "draft"
    # Nothing in the period can be written any more, draft or not, by anyone.
    result = write_batch(
        batch([(lib.enr, org.edu, "202604", "92"), (lib.enr, org.edu, "202605", "1")]),
        actor=org.edu_leader,
        source="form",
    )
    assert [(e.row, e.column) for e in result.errors] == [(1, "period"), (2, "period")]
    assert DataValue.objects.get(indicator=lib.enr, period="202604").value == Decimal(91)
    # 2025 is not locked.
    assert write_batch(
        batch([(lib.enr, org.edu, "202512", "5")]), actor=org.edu_leader, source="form"
    ).ok


def test_a_unit_lock_covers_its_subtree_only(org, lib):
    lock = services.lock_period(actor=org.office, period="202603", unit=org.edu)
    assert locks.covering_lock(org.edu_s1, "202603") == lock
    assert locks.covering_lock(org.health, "202603") is None
    assert locks.covering_lock(org.edu, "202604") is None
    assert locks.covering_lock(org.edu, "2026Q1") is None  # the quarter is wider than the month
    mask = locks.locked_mask(
        batch([(lib.enr, org.edu_s1, "202603", "1"), (lib.enr, org.health, "202603", "1")])
    )
    assert mask.tolist() == [True, False]


def test_locking_twice_is_a_conflict_and_only_the_office_locks(locked, lib):
    org = locked
    before = snapshot()
    with pytest.raises(Conflict):
        services.lock_period(actor=org.office, period="2026")
    with pytest.raises(Forbidden):
        services.lock_period(actor=org.edu_leader, period="202605", unit=org.edu)
    with pytest.raises(Forbidden):
        services.lock_period(actor=org.leader, period="202605")
    assert snapshot() == before


def test_the_workflow_stops_in_a_locked_period(locked):
    before = snapshot()
    with pytest.raises(Conflict) as exc:
        services.reopen_values(
            actor=locked.edu_leader, unit=locked.edu, period="202603", comment="x"
        )
    assert exc.value.code == "locked"
    assert snapshot() == before


def test_unlocking_returns_locked_values_to_approved(locked, lib):
    org = locked
    lock = PeriodLock.objects.get(period="2026")
    with pytest.raises(ValidationFailed):
        services.unlock_period(actor=org.office, lock=lock, reason="")
    with pytest.raises(Forbidden):
        services.unlock_period(actor=org.edu_leader, lock=lock, reason="改")
    services.unlock_period(actor=org.office, lock=lock, reason="复核后重开")
    lock.refresh_from_db()
    assert (lock.unlocked_by, status_of(lib.enr, org.edu)) == (org.office, "approved")
    with pytest.raises(Conflict):
        services.unlock_period(actor=org.office, lock=lock, reason="again")
    # The period can be locked again afterwards.
    services.lock_period(actor=org.office, period="2026")
    assert status_of(lib.enr, org.edu) == "locked"


def test_a_value_stays_locked_while_another_lock_covers_it(locked, lib):
    org = locked
    services.lock_period(actor=org.office, period="202603", unit=org.edu)
    services.unlock_period(actor=org.office, lock=PeriodLock.objects.get(period="2026"), reason="x")
    assert status_of(lib.enr, org.edu) == "locked"


def test_a_correction_approved_by_the_office_changes_the_value_and_its_formulas(
    locked, lib, django_capture_on_commit_callbacks
):
    org = locked
    enr = DataValue.objects.get(indicator=lib.enr, unit=org.edu, period="202603")
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_correction(
            actor=org.edu_leader, data_value=enr, new_value="96", reason="统计口径更正"
        )
    assert (request.old_value, request.new_value, request.status) == (
        Decimal(90),
        Decimal(96),
        "pending",
    )
    assert (
        Notification.objects.filter(recipient=org.office, kind="data.correction_request").count()
        == 1
    )
    # Until decided, the value is as it was.
    assert DataValue.objects.get(pk=enr.pk).value == Decimal(90)

    with django_capture_on_commit_callbacks(execute=True):
        services.decide_correction(actor=org.office, request=request, approve=True, comment="同意")
    enr.refresh_from_db()
    assert (enr.value, enr.status) == (Decimal(96), "locked")
    rate = DataValue.objects.get(indicator=lib.rate, unit=org.edu, period="202603")
    assert (rate.value, rate.status) == (Decimal(80), "locked")
    change = enr.changes.order_by("-changed_at", "-id").first()
    # The requested change, written by the office that approved it (it does not enter data
    # otherwise: the writer lets exactly this key through), with who asked in the reason.
    assert (change.old_value, change.new_value, change.actor, change.source) == (
        Decimal(90),
        Decimal(96),
        org.office,
        "form",
    )
    assert change.reason == f"Correction #{request.pk}, approved by 绩效办: 统计口径更正"
    request.refresh_from_db()
    assert (request.status, request.decided_by) == ("approved", org.office)
    actions = list(
        AuditEntry.objects.filter(action__startswith="data.correction")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["data.correction_request", "data.correction_approve"]
    assert (
        Notification.objects.filter(
            recipient=org.edu_leader, kind="data.correction_decided"
        ).count()
        == 1
    )


def test_a_rejected_correction_changes_nothing(locked, lib):
    org = locked
    enr = DataValue.objects.get(indicator=lib.enr, period="202603")
    request = services.request_correction(
        actor=org.edu_leader, data_value=enr, new_value="96", reason="更正"
    )
    with pytest.raises(ValidationFailed):
        services.decide_correction(actor=org.office, request=request, approve=False, comment="")
    before = snapshot()
    services.decide_correction(actor=org.office, request=request, approve=False, comment="依据不足")
    assert snapshot()[:2] == before[:2]
    assert CorrectionRequest.objects.get(pk=request.pk).status == "rejected"
    with pytest.raises(Conflict):
        services.decide_correction(actor=org.office, request=request, approve=True)


def test_only_the_office_decides(locked, lib):
    org = locked
    enr = DataValue.objects.get(indicator=lib.enr, period="202603")
    request = services.request_correction(
        actor=org.edu_leader, data_value=enr, new_value="96", reason="更正"
    )
    before = snapshot()
    for person, error in ((org.edu_leader, Forbidden), (org.health_leader, NotFound)):
        with pytest.raises(error):
            services.decide_correction(actor=person, request=request, approve=True)
    assert snapshot() == before


def test_a_request_needs_a_lock_a_reason_a_change_and_no_other_pending(org, locked, lib):
    enr = DataValue.objects.get(indicator=lib.enr, period="202603")
    with pytest.raises(ValidationFailed):
        services.request_correction(
            actor=org.edu_leader, data_value=enr, new_value="96", reason=" "
        )
    with pytest.raises(ValidationFailed):
        services.request_correction(
            actor=org.edu_leader, data_value=enr, new_value="90", reason="x"
        )
    with pytest.raises(ValidationFailed):
        services.request_correction(
            actor=org.edu_leader, data_value=enr, new_value="abc", reason="x"
        )
    services.request_correction(actor=org.edu_leader, data_value=enr, new_value="96", reason="x")
    with pytest.raises(Conflict):
        services.request_correction(
            actor=org.edu_leader, data_value=enr, new_value="97", reason="y"
        )
    rate = DataValue.objects.get(indicator=lib.rate, period="202603")
    with pytest.raises(Conflict):
        services.request_correction(
            actor=org.edu_leader, data_value=rate, new_value="1", reason="y"
        )
    with pytest.raises(NotFound):
        services.request_correction(
            actor=org.health_leader, data_value=enr, new_value="1", reason="y"
        )


def test_an_unlocked_value_is_changed_in_the_form_not_by_a_request(org, lib):
    save(org, org.edu, lib, enr=90)
    enr = DataValue.objects.get(indicator=lib.enr, period="202603")
    with pytest.raises(Conflict) as exc:
        services.request_correction(
            actor=org.edu_leader, data_value=enr, new_value="96", reason="x"
        )
    assert exc.value.code == "not_locked"


def test_the_requester_may_withdraw(locked, lib):
    org = locked
    enr = DataValue.objects.get(indicator=lib.enr, period="202603")
    request = services.request_correction(
        actor=org.edu_leader, data_value=enr, new_value="96", reason="x"
    )
    with pytest.raises(Forbidden):
        services.withdraw_correction(actor=org.office, request=request)
    services.withdraw_correction(actor=org.edu_leader, request=request)
    assert CorrectionRequest.objects.get(pk=request.pk).status == "withdrawn"


def test_a_unit_created_under_a_locked_unit_is_locked_too(locked, lib):
    org = locked
    services.lock_period(actor=org.office, period="202501", unit=org.edu)
    new = make_unit("edu-s2", "section", org.edu)
    assert locks.covering_lock(new, "202501") is not None
