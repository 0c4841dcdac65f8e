"""The plan workflow: every role × every transition of the table, rounds, revisions with
their reason and diff, and what refuses a submission."""

import pytest

from govperf.audit.models import AuditEntry
from govperf.core.errors import Conflict, DomainError, ValidationFailed
from govperf.core.models import Notification
from govperf.plans import services, snapshots, workflow
from govperf.plans.models import Plan, PlanEvent
from tests.helpers import Org

ROLES = [
    "admin",
    "auditor",
    "office",
    "leader",
    "edu_leader",
    "edu_coord",
    "edu_staff",
    "health_leader",
    "evaluator",
    "expert",
]
# Who may take each verb on 教育局's plan (the hand-written expectation).
MAY = {
    "submit": {"edu_leader", "edu_coord"},
    "start": {"edu_leader", "edu_coord"},
    "request_revision": {"edu_leader", "edu_coord"},
    "return": {"office"},
    "approve": {"office"},
}
ARGS = {
    "return": {"comment": "请补充测算依据"},
    "request_revision": {"reason_kind": "policy", "reason": "上级政策调整"},
}


def _state(plan: Plan) -> tuple:
    plan.refresh_from_db()
    return (plan.status, plan.round, plan.version, PlanEvent.objects.filter(plan=plan).count())


def _put(plan: Plan, status: str) -> Plan:
    snapshot = snapshots.plan_snapshot(plan) if status in workflow.IN_REVISION else None
    Plan.objects.filter(pk=plan.pk).update(status=status, approved_snapshot=snapshot)
    plan.refresh_from_db()
    return plan


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("step", workflow.TRANSITIONS, ids=lambda t: f"{t.verb}:{t.source}")
def test_transition_matrix(org: Org, plan, role, step):
    plan = _put(plan, step.source)
    actor = org.people()[role]
    before = _state(plan)

    if role in MAY[step.verb]:
        moved = services.TRANSITION_SERVICES[step.verb](
            actor=actor, plan=plan, **ARGS.get(step.verb, {})
        )
        assert moved.status == step.target
        event = PlanEvent.objects.get(plan=plan)
        assert (event.action, event.from_status, event.to_status, event.actor_id) == (
            step.verb,
            step.source,
            step.target,
            actor.pk,
        )
        assert moved.round == before[1] + (1 if step.verb == "submit" else 0)
    else:
        with pytest.raises(DomainError) as exc:
            services.TRANSITION_SERVICES[step.verb](
                actor=actor, plan=plan, **ARGS.get(step.verb, {})
            )
        assert exc.value.status in (403, 404)
        assert _state(plan) == before


@pytest.mark.parametrize("verb", sorted(MAY))
def test_a_transition_not_in_the_table_is_a_conflict_naming_the_state(org, plan, verb):
    allowed_from = {t.source for t in workflow.TRANSITIONS if t.verb == verb}
    actor = org.office if verb in ("return", "approve") else org.edu_coord
    for status in Plan.Status.values:
        if status in allowed_from:
            continue
        plan = _put(plan, status)
        before = _state(plan)
        with pytest.raises(Conflict) as exc:
            services.TRANSITION_SERVICES[verb](actor=actor, plan=plan, **ARGS.get(verb, {}))
        assert exc.value.code == "invalid_state"
        assert plan.get_status_display() in exc.value.message
        assert _state(plan) == before


def test_rounds_count_every_submission(org, plan):
    coord, office = org.edu_coord, org.office
    plan = services.submit_plan(actor=coord, plan=plan)
    plan = services.return_plan(actor=office, plan=plan, comment="目标偏低")
    plan = services.submit_plan(actor=coord, plan=plan)
    plan = services.approve_plan(actor=office, plan=plan)
    plan = services.start_execution(actor=coord, plan=plan)
    plan = services.request_revision(actor=coord, plan=plan, reason_kind="emergency", reason="汛情")
    plan = services.submit_plan(actor=coord, plan=plan)
    plan = services.return_plan(actor=office, plan=plan, comment="理由不足")
    plan = services.submit_plan(actor=coord, plan=plan)
    plan = services.approve_plan(actor=office, plan=plan)

    assert (plan.status, plan.round) == ("in_execution", 4)
    assert list(
        PlanEvent.objects.filter(plan=plan).values_list("action", "to_status", "round")
    ) == [
        ("submit", "submitted", 1),
        ("return", "returned", 1),
        ("submit", "submitted", 2),
        ("approve", "approved", 2),
        ("start", "in_execution", 2),
        ("request_revision", "revision_requested", 2),
        ("submit", "resubmitted", 3),
        ("return", "revision_returned", 3),
        ("submit", "resubmitted", 4),
        ("approve", "in_execution", 4),
    ]


def test_each_transition_is_audited(org, plan):
    start = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    services.submit_plan(actor=org.edu_coord, plan=plan)
    services.approve_plan(actor=org.office, plan=plan)

    entries = list(
        AuditEntry.objects.filter(seq__gt=start)
        .order_by("seq")
        .values_list("action", "actor_label", "object_id")
    )
    assert entries == [
        ("plan.submit", "edu_coord", str(plan.pk)),
        ("plan.approve", "office", str(plan.pk)),
    ]


def test_the_people_concerned_are_notified(org, plan, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_plan(actor=org.edu_coord, plan=plan)
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [
        ("office", "plan.submit")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        services.return_plan(actor=org.office, plan=plan, comment="请补充")
    assert sorted(
        Notification.objects.filter(kind="plan.return").values_list(
            "recipient__username", flat=True
        )
    ) == ["edu_coord", "edu_leader"]


def test_return_needs_comments(org, plan):
    services.submit_plan(actor=org.edu_coord, plan=plan)
    with pytest.raises(ValidationFailed) as exc:
        services.return_plan(actor=org.office, plan=plan, comment="  ")
    assert [d.field for d in exc.value.details] == ["comment"]
    plan.refresh_from_db()
    assert plan.status == "submitted"


def test_a_stale_version_is_a_conflict(org, plan):
    seen = plan.version
    services.update_plan(actor=org.edu_coord, plan=plan, expected_version=seen, measures="新措施")
    with pytest.raises(Conflict):
        services.submit_plan(actor=org.edu_coord, plan=plan, expected_version=seen)
    assert _state(plan)[0:2] == ("draft", 0)


# --- what refuses a submission ------------------------------------------------------------------


def test_weights_that_do_not_total_100_are_refused_with_the_field_named(org, plan):
    item = plan.items.order_by("sort_order").first()
    services.update_item(actor=org.edu_coord, item=item, expected_version=None, weight=20)

    with pytest.raises(ValidationFailed) as exc:
        services.submit_plan(actor=org.edu_coord, plan=plan)

    assert [(d.field, d.value) for d in exc.value.details] == [("weight", "95")]
    assert "95" in exc.value.details[0].message
    assert _state(plan)[0:2] == ("draft", 0)
    assert not PlanEvent.objects.exists()


def test_an_empty_plan_cannot_be_submitted(org, lib, cycle):
    plan = services.create_plan(actor=org.edu_coord, unit=org.edu_s1, cycle=cycle)
    with pytest.raises(ValidationFailed) as exc:
        services.submit_plan(actor=org.edu_coord, plan=plan)
    assert [d.field for d in exc.value.details] == ["items"]


def test_a_blocking_finding_refuses_and_a_warning_does_not(org, plan):
    for item in plan.items.filter(is_core=True).order_by("sort_order")[:3]:
        services.update_item(actor=org.edu_coord, item=item, expected_version=None, is_core=False)

    with pytest.raises(ValidationFailed) as exc:
        services.submit_plan(actor=org.edu_coord, plan=plan)
    assert [d.field for d in exc.value.details] == ["is_core"]

    services.update_checker_setting(actor=org.office, code="core_kpi_count", mode="warn")
    plan = services.submit_plan(actor=org.edu_coord, plan=plan)
    event = PlanEvent.objects.get(plan=plan)
    assert [(f["code"], f["severity"]) for f in event.findings] == [("core_kpi_count", "warn")]


# --- revision -----------------------------------------------------------------------------------


def _in_execution(org, plan) -> Plan:
    plan = services.submit_plan(actor=org.edu_coord, plan=plan)
    plan = services.approve_plan(actor=org.office, plan=plan)
    return services.start_execution(actor=org.edu_coord, plan=plan)


@pytest.mark.parametrize(
    ("kind", "reason", "fields"),
    [
        ("", "政策调整", ["reason_kind"]),
        ("policy", " ", ["reason"]),
        ("whim", "", ["reason_kind", "reason"]),
    ],
)
def test_a_revision_needs_its_reason(org, plan, kind, reason, fields):
    plan = _in_execution(org, plan)
    with pytest.raises(ValidationFailed) as exc:
        services.request_revision(actor=org.edu_coord, plan=plan, reason_kind=kind, reason=reason)
    assert [d.field for d in exc.value.details] == fields
    assert _state(plan)[0] == "in_execution"


def test_a_revision_shows_its_diff_against_the_approved_version(org, lib, plan):
    plan = _in_execution(org, plan)
    plan = services.request_revision(
        actor=org.edu_coord, plan=plan, reason_kind="market", reason="外部需求下降"
    )
    items = {i.target.indicator.code: i for i in plan.items.select_related("target__indicator")}
    services.update_item(
        actor=org.edu_coord, item=items["GDP"], expected_version=None, weight=20, target_value="5.5"
    )
    services.remove_item(actor=org.edu_coord, item=items["OPEN"])
    services.add_indicator(
        actor=org.edu_coord, plan=plan, indicator=lib.invest, weight=15, target=90, deadline=None
    )

    change = snapshots.diff(plan.approved_snapshot, snapshots.plan_snapshot(plan))
    assert [(a["indicator"], a["weight"], a["target"]) for a in change["added"]] == [
        ("INV", "15", "90")
    ]
    assert [r["indicator"] for r in change["removed"]] == ["OPEN"]
    assert change["changed"] == [
        {
            "target_id": items["GDP"].target_id,
            "indicator": "GDP",
            "name": "地区生产总值增长率",
            "period": "2026",
            "fields": {"weight": ["25", "20"], "target": ["6", "5.5"]},
        }
    ]
    assert change["measures"] is None

    plan = services.submit_plan(actor=org.edu_coord, plan=plan)
    event = PlanEvent.objects.filter(plan=plan, action="submit").last()
    assert (event.to_status, event.diff["removed"][0]["indicator"]) == ("resubmitted", "OPEN")
    plan = services.approve_plan(actor=org.office, plan=plan)
    assert plan.status == "in_execution" and plan.revision_reason == ""
    assert [i["indicator"] for i in plan.approved_snapshot["items"]] == [
        "GDP",
        "EDU",
        "RENOV",
        "AIR",
        "TIME",
        "INV",
    ]
    approval = PlanEvent.objects.filter(plan=plan, action="approve").last()
    assert approval.reason_kind == "market"
