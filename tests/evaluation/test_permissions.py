"""Every write of the evaluation app, tried by every person of the test organisation: the
allowed ones change state, the refused ones change nothing (and raise)."""

import datetime as dt

import pytest

from govperf.audit.models import AuditEntry
from govperf.core.errors import DomainError
from govperf.evaluation import services
from govperf.evaluation.models import (
    Adjustment,
    Appeal,
    ComputeJob,
    ConflictDeclaration,
    EvaluationSettings,
    ImportedValue,
    ResultSet,
    Round,
    Scheme,
    ScoringTask,
    WorkdayCorrection,
)
from tests.evaluation.conftest import SCHEME, compute

PEOPLE = [
    "admin", "auditor", "office", "leader", "edu_leader", "edu_coord", "edu_staff",
    "health_leader", "evaluator", "expert",
]  # fmt: skip


class Ctx:
    """A published round and a draft one, made once per test by the office."""

    def __init__(self, world) -> None:
        self.world = world
        self.round = world.open_round()
        world.score_everything(self.round)
        rs = compute(world, self.round).result_set
        services.review_results(actor=world.office, result_set=rs)
        self.published = services.publish_results(actor=world.office, result_set=rs)
        self.appeal = services.file_appeal(
            actor=world.org.edu_leader, result_set=self.published, unit=world.org.edu, reason="一"
        )
        self.round2 = services.open_round(
            actor=world.office,
            cycle=world.cycle,
            period="2025",
            scheme_version=self.round.scheme_version,
            units=world.units,
            deadline=dt.date(2026, 2, 28),
            seed=3,
        )
        self.task = self.round2.tasks.get(component="leader", unit=world.org.health)
        self.adjustment = services.add_adjustment(
            actor=world.office,
            round_=self.round2,
            unit=world.org.edu,
            kind="bonus",
            points=1,
            reason="x",
        )
        self.correction = services.save_workday(
            actor=world.office, date=dt.date(2025, 9, 12), is_workday=False
        )


def state(ctx):
    return (
        list(Scheme.objects.order_by("pk").values_list("pk", "version", "name")),
        Round.objects.count(),
        list(Round.objects.order_by("pk").values_list("status", "version")),
        list(
            ScoringTask.objects.order_by("pk").values_list(
                "status", "evaluator_id", "score", "version"
            )
        ),
        ConflictDeclaration.objects.count(),
        ImportedValue.objects.count(),
        list(Adjustment.objects.order_by("pk").values_list("pk", "points")),
        ComputeJob.objects.count(),
        list(ResultSet.objects.order_by("pk").values_list("status", "version")),
        list(Appeal.objects.order_by("pk").values_list("status", "version")),
        list(EvaluationSettings.objects.values_list("appeal_days", "version")),
        list(WorkdayCorrection.objects.values_list("date", "is_workday")),
    )


WRITES = {
    "create_scheme": (
        {"office"},
        lambda ctx, a: services.create_scheme(
            actor=a, code="new", name="新方案", definition=SCHEME
        ),
    ),
    "update_scheme": (
        {"office"},
        lambda ctx, a: services.update_scheme(
            actor=a, scheme=ctx.round.scheme_version.scheme, expected_version=None, name="改名"
        ),
    ),
    "load_presets": ({"office"}, lambda ctx, a: services.load_presets(actor=a)),
    "set_component_weights": (
        {"office"},
        lambda ctx, a: services.set_component_weights(
            actor=a,
            scheme=ctx.round.scheme_version.scheme,
            expected_version=None,
            component=None,
            weights={"goal": 50, "social": 40, "leader": 10},
        ),
    ),
    "open_round": (
        {"office"},
        lambda ctx, a: services.open_round(
            actor=a,
            cycle=ctx.world.cycle,
            period="2025",
            scheme_version=ctx.round.scheme_version,
            units=[ctx.world.org.edu],
            deadline=dt.date(2026, 1, 31),
        ),
    ),
    "close_round": ({"office"}, lambda ctx, a: services.close_round(actor=a, round_=ctx.round2)),
    "assign_task": (
        {"office"},
        lambda ctx, a: services.assign_task(
            actor=a,
            round_=ctx.round2,
            unit=ctx.world.org.county,
            component="leader",
            kind="superior",
            evaluator=ctx.world.org.health_leader,
        ),
    ),
    "reassign_task": (
        {"office"},
        lambda ctx, a: services.reassign_task(
            actor=a, task=ctx.task, evaluator=ctx.world.org.edu_leader
        ),
    ),
    "submit_score": (
        {"leader"},
        lambda ctx, a: services.submit_score(actor=a, task=ctx.task, score=88, level="较好"),
    ),
    "declare_conflict": (
        {"leader", "edu_leader", "edu_coord", "health_leader", "evaluator", "expert"},
        lambda ctx, a: services.declare_conflict(actor=a, unit=ctx.world.org.county, reason="亲属"),
    ),
    "import_values": (
        {"office"},
        lambda ctx, a: services.import_values(
            actor=a,
            round_=ctx.round2,
            rows=[services.ImportRow(unit=ctx.world.org.edu, code="social", value=80)],
        ),
    ),
    "add_adjustment": (
        {"office"},
        lambda ctx, a: services.add_adjustment(
            actor=a, round_=ctx.round2, unit=ctx.world.org.health, kind="veto", reason="事故"
        ),
    ),
    "remove_adjustment": (
        {"office"},
        lambda ctx, a: services.remove_adjustment(actor=a, adjustment=ctx.adjustment),
    ),
    "start_computation": (
        {"office"},
        lambda ctx, a: services.start_computation(actor=a, round_=ctx.round2, enqueue=False),
    ),
    "lock_results": (
        {"office"},
        lambda ctx, a: (
            services.decide_appeal(actor=a, appeal=ctx.appeal, outcome="rejected", decision="维持"),
            services.lock_results(actor=a, result_set=ctx.published),
        ),
    ),
    # The county has no appeal yet; only a leader of the county may file one, and the
    # organisation has none: everyone is refused. edu's own leader files for edu.
    "file_appeal": (
        set(),
        lambda ctx, a: services.file_appeal(
            actor=a, result_set=ctx.published, unit=ctx.world.org.county, reason="二"
        ),
    ),
    "file_appeal_for_health": (
        {"health_leader"},
        lambda ctx, a: services.file_appeal(
            actor=a, result_set=ctx.published, unit=ctx.world.org.health, reason="二"
        ),
    ),
    "decide_appeal": (
        {"office"},
        lambda ctx, a: services.decide_appeal(
            actor=a, appeal=ctx.appeal, outcome="rejected", decision="维持"
        ),
    ),
    "withdraw_appeal": (
        {"edu_leader"},
        lambda ctx, a: services.withdraw_appeal(actor=a, appeal=ctx.appeal),
    ),
    "update_settings": (
        {"office"},
        lambda ctx, a: services.update_settings(actor=a, appeal_days=5),
    ),
    "save_workday": (
        {"office"},
        lambda ctx, a: services.save_workday(actor=a, date=dt.date(2025, 9, 13), is_workday=True),
    ),
    "delete_workday": (
        {"office"},
        lambda ctx, a: services.delete_workday(actor=a, correction=ctx.correction),
    ),
}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_every_write_by_every_person(world, write):
    allowed, do = WRITES[write]
    ctx = Ctx(world)
    people = world.org.people()
    for name in PEOPLE:
        actor = people[name]
        before = state(ctx)
        audited = AuditEntry.objects.filter(result="ok").count()
        if name in allowed:
            continue
        with pytest.raises(DomainError):
            do(ctx, actor)
        assert state(ctx) == before, (write, name)
        assert AuditEntry.objects.filter(result="ok").count() == audited, (write, name)
    for name in sorted(allowed):
        before = state(ctx)
        do(ctx, people[name])
        assert state(ctx) != before, (write, name)
