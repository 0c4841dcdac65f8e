"""The status workflow draft → submitted → approved (→ locked), by role: allowed moves,
refused moves that change nothing, and the state machine's table."""

from __future__ import annotations

import pytest

from govperf.audit.models import AuditEntry
from govperf.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from govperf.core.models import Notification
from govperf.data import selectors, services, workflow
from govperf.data.models import DataValue, DataValueChange, ValidationRule
from govperf.data.services import Entry


def save(org, lib, person=None, period="202603", **values):
    entries = [Entry(indicator_id=getattr(lib, k).pk, value=str(v)) for k, v in values.items()]
    return services.save_draft(
        actor=person or org.edu_coord, unit=org.edu, period=period, entries=entries
    )


def state(org):
    return sorted(
        DataValue.objects.filter(unit=org.edu).values_list("indicator__code", "period", "status")
    )


def snapshot():
    return (
        list(DataValue.objects.order_by("pk").values_list("pk", "status", "value", "version")),
        DataValueChange.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def drafted(org, lib):
    save(org, lib, enr=90, cap=120)
    return org


@pytest.fixture
def submitted(drafted, lib):
    services.submit_values(actor=drafted.edu_coord, unit=drafted.edu, period="202603")
    return drafted


@pytest.fixture
def approved(submitted):
    services.approve_values(actor=submitted.edu_leader, unit=submitted.edu, period="202603")
    return submitted


def test_the_whole_path_with_history_audit_and_notifications(
    drafted, lib, django_capture_on_commit_callbacks
):
    org = drafted
    assert state(org) == [
        ("CAP", "202603", "draft"),
        ("ENR", "202603", "draft"),
        ("RATE", "202603", "draft"),
        ("USE", "202603", "draft"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.submit_values(
            actor=org.edu_coord, unit=org.edu, period="202603", comment="三月"
        )
    # Formula values move with their inputs: they are values of the unit and period too.
    assert len(moved) == 4
    assert {s for _c, _p, s in state(org)} == {"submitted"}
    assert Notification.objects.filter(recipient=org.edu_leader, kind="data.submit").count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.approve_values(actor=org.edu_leader, unit=org.edu, period="202603")
    assert {s for _c, _p, s in state(org)} == {"approved"}
    enr = DataValue.objects.get(indicator=lib.enr, unit=org.edu, period="202603")
    assert (enr.approved_by, enr.submitted_at is not None) == (org.edu_leader, True)
    assert Notification.objects.filter(recipient=org.edu_coord, kind="data.approve").count() == 1

    services.lock_period(actor=org.office, period="2026")
    assert {s for _c, _p, s in state(org)} == {"locked"}
    # The history: the creation (kept on the value row) and every change since.
    steps = [(c.old_status, c.new_status, c.reason) for c in reversed(selectors.history(enr))]
    assert steps == [
        ("", "draft", ""),
        ("draft", "submitted", "三月"),
        ("submitted", "approved", "approved"),
        ("approved", "locked", "locked"),
    ]
    actions = list(
        AuditEntry.objects.filter(action__startswith="data.")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["data.write.form", "data.submit", "data.approve", "data.lock"]


# verb, the fixture it starts from, who, and the outcome: True, Forbidden or NotFound.
MATRIX = [
    ("submit", "drafted", "edu_coord", True),
    ("submit", "drafted", "edu_leader", True),
    ("submit", "drafted", "edu_staff", NotFound),  # staff enters for its section only
    ("submit", "drafted", "office", Forbidden),
    ("submit", "drafted", "leader", Forbidden),
    ("submit", "drafted", "health_leader", NotFound),
    ("submit", "drafted", "auditor", Forbidden),
    ("approve", "submitted", "edu_leader", True),
    ("approve", "submitted", "edu_coord", Forbidden),
    ("approve", "submitted", "office", Forbidden),
    ("approve", "submitted", "health_leader", NotFound),
    ("approve", "submitted", "admin", Forbidden),
    ("return", "submitted", "edu_leader", True),
    ("return", "submitted", "edu_coord", Forbidden),
    ("return", "submitted", "leader", Forbidden),
    ("reopen", "approved", "edu_leader", True),
    ("reopen", "approved", "edu_coord", Forbidden),
    ("reopen", "approved", "office", Forbidden),
]


def _act(verb, org, person):
    kwargs = {"actor": person, "unit": org.edu, "period": "202603"}
    if verb == "submit":
        return services.submit_values(**kwargs)
    if verb == "approve":
        return services.approve_values(**kwargs)
    if verb == "return":
        return services.return_values(**kwargs, comment="请核对")
    return services.reopen_values(**kwargs, comment="需要修改")


@pytest.mark.parametrize(("verb", "start", "who", "outcome"), MATRIX)
def test_workflow_matrix(request, verb, start, who, outcome):
    org = request.getfixturevalue(start)
    person = getattr(org, who)
    before = snapshot()
    if outcome is True:
        moved = _act(verb, org, person)
        assert {v.status for v in moved} == {workflow.target(verb)}
        assert {s for _c, _p, s in state(org)} == {workflow.target(verb)}
    else:
        with pytest.raises(outcome):
            _act(verb, org, person)
        assert snapshot() == before


@pytest.mark.parametrize(
    ("verb", "start"),
    [
        ("approve", "drafted"),
        ("return", "drafted"),
        ("reopen", "submitted"),
        ("submit", "submitted"),
        ("submit", "approved"),
        ("approve", "approved"),
    ],
)
def test_moves_the_table_does_not_have_are_conflicts(request, verb, start):
    org = request.getfixturevalue(start)
    person = org.edu_leader
    before = snapshot()
    with pytest.raises(Conflict) as exc:
        _act(verb, org, person)
    assert exc.value.code == "invalid_state"
    assert snapshot() == before


def test_selected_values_must_all_be_in_the_state(submitted, lib):
    org = submitted
    enr = DataValue.objects.get(indicator=lib.enr, period="202603")
    services.approve_values(actor=org.edu_leader, unit=org.edu, period="202603", value_ids=[enr.pk])
    cap = DataValue.objects.get(indicator=lib.cap, period="202603")
    before = snapshot()
    with pytest.raises(Conflict) as exc:
        services.approve_values(
            actor=org.edu_leader, unit=org.edu, period="202603", value_ids=[enr.pk, cap.pk]
        )
    assert [d.value for d in exc.value.details] == [enr.pk]
    assert snapshot() == before


def test_return_needs_a_comment(submitted):
    before = snapshot()
    with pytest.raises(ValidationFailed):
        services.return_values(
            actor=submitted.edu_leader, unit=submitted.edu, period="202603", comment=" "
        )
    assert snapshot() == before


def test_return_notifies_whoever_entered_the_values(submitted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.return_values(
            actor=submitted.edu_leader, unit=submitted.edu, period="202603", comment="数字有误"
        )
    note = Notification.objects.get(recipient=submitted.edu_coord, kind="data.return")
    assert "数字有误" in note.message


def test_submit_is_refused_while_a_required_value_is_missing(org, lib):
    ValidationRule.objects.create(
        code="cap-req", name="学位数必填", kind="required", indicator=lib.cap
    )
    save(org, lib, enr=90)
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        services.submit_values(actor=org.edu_coord, unit=org.edu, period="202603")
    assert [(d.field, d.value) for d in exc.value.details] == [("values", "CAP")]
    assert snapshot() == before
    save(org, lib, cap=120)
    assert len(services.submit_values(actor=org.edu_coord, unit=org.edu, period="202603")) == 4


def test_a_warning_rule_does_not_stop_the_submission(org, lib):
    ValidationRule.objects.create(
        code="cap-req", name="学位数", kind="required", indicator=lib.cap, severity="warn"
    )
    save(org, lib, enr=90)
    assert len(services.submit_values(actor=org.edu_coord, unit=org.edu, period="202603")) == 1


def test_submit_runs_the_rules_again_on_stored_values(drafted, lib):
    org = drafted
    ValidationRule.objects.create(
        code="enr-max", name="在校生上限", kind="range", indicator=lib.enr, params={"max": "50"}
    )
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        services.submit_values(actor=org.edu_coord, unit=org.edu, period="202603")
    assert [(d.field, d.value, d.message) for d in exc.value.details] == [
        ("values", "ENR", "Above the maximum 50 (rule enr-max)")
    ]
    assert snapshot() == before


def test_a_submitted_value_is_not_edited_in_the_form(submitted, lib):
    org = submitted
    before = snapshot()
    with pytest.raises(Conflict) as exc:
        save(org, lib, enr=95)
    assert [(d.row, d.column) for d in exc.value.details] == [(1, "value")]
    assert snapshot() == before


def test_a_stale_form_is_a_conflict_naming_the_row(drafted, lib):
    org = drafted
    enr = DataValue.objects.get(indicator=lib.enr, period="202603")
    save(org, lib, enr=91)
    before = snapshot()
    with pytest.raises(Conflict) as exc:
        services.save_draft(
            actor=org.edu_coord,
            unit=org.edu,
            period="202603",
            entries=[
                Entry(indicator_id=lib.cap.pk, value="121", version=1),
                Entry(indicator_id=lib.enr.pk, value="92", version=enr.version),
            ],
        )
    assert [d.row for d in exc.value.details] == [2]
    assert snapshot() == before


def test_save_draft_refuses_what_is_not_a_number_by_row(org, lib):
    with pytest.raises(ValidationFailed) as exc:
        services.save_draft(
            actor=org.edu_coord,
            unit=org.edu,
            period="202603",
            entries=[
                Entry(indicator_id=lib.enr.pk, value="12"),
                Entry(indicator_id=lib.cap.pk, value="十二"),
            ],
        )
    assert [(d.row, d.value, d.message) for d in exc.value.details] == [
        (2, "十二", "Not a number.")
    ]
    assert DataValue.objects.count() == 0


def test_save_draft_refuses_an_outsider(org, lib):
    with pytest.raises(NotFound):
        save(org, lib, person=org.health_leader, enr=1)
    with pytest.raises(Forbidden):
        save(org, lib, person=org.office, enr=1)
    assert DataValue.objects.count() == 0


def test_the_table_has_one_action_per_verb():
    assert workflow.VERBS == {
        "submit": workflow.Action.ENTER_DATA,
        "return": workflow.Action.APPROVE_DATA,
        "approve": workflow.Action.APPROVE_DATA,
        "reopen": workflow.Action.APPROVE_DATA,
        "lock": workflow.Action.LOCK_PERIOD,
        "unlock": workflow.Action.LOCK_PERIOD,
    }
    assert frozenset({"draft"}) == workflow.WRITABLE
