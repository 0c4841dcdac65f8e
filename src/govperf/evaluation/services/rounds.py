"""Rounds and their scoring tasks, scores, conflicts of interest, imported values and adjustments."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from govperf.audit.services import record, snapshot
from govperf.core.errors import (
    Conflict,
    ErrorDetail,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from govperf.core.notifications import notify
from govperf.engine.periods import Period
from govperf.evaluation import conf
from govperf.evaluation.models import (
    Adjustment,
    ConflictDeclaration,
    EvaluatorKind,
    ImportedValue,
    Round,
    RoundUnit,
    SchemeVersion,
    ScoringTask,
)
from govperf.evaluation.schemes import SchemeSpec
from govperf.evaluation.services.common import (
    SCORE_PLACES,
    SHARE_PLACES,
    Problems,
    check_definition,
    check_version,
    comment_marks,
    lock_row,
    office_people,
    plain_number,
    refuse_unless_open,
    require_office,
    round_spec,
    touch,
)
from govperf.orgs import policy
from govperf.orgs.models import Membership, Person, Unit
from govperf.orgs.policy import Action
from govperf.orgs.roles import Role

# --- rounds and task generation ------------------------------------------------------------------


@dataclass(frozen=True)
class _Member:
    person_id: int
    role: str
    unit_id: int
    path: str


def _members() -> list[_Member]:
    rows = Membership.objects.filter(person__is_active=True, unit__is_active=True).values_list(
        "person_id", "role", "unit_id", "unit__path"
    )
    return [_Member(*row) for row in rows]


def _active_conflicts() -> set[tuple[int, int]]:
    return set(
        ConflictDeclaration.objects.filter(withdrawn_at__isnull=True).values_list(
            "person_id", "unit_id"
        )
    )


def _own(member_paths: Iterable[str], unit: Unit) -> bool:
    """A person belongs to ``unit`` when a membership of theirs is in its subtree."""
    return any(path.startswith(unit.path) for path in member_paths)


def open_round(
    *,
    actor: Person,
    cycle,
    period: str,
    scheme_version: SchemeVersion,
    units: Sequence[Unit],
    deadline: dt.date,
    name: str = "",
    seed: int | None = None,
    peers_per_unit: int = 3,
    experts_per_unit: int = 2,
    groups: dict[int, str] | None = None,
) -> Round:
    """Open a round for ``units`` and generate its scoring tasks (R003 §3.2.4)."""
    require_office(actor)
    p = Problems()
    try:
        parsed = Period.parse(str(period or "").strip())
    except ValueError:
        p.add("period", _("Not a period code (e.g. 2026, 2026Q1, 202603)."), period)
        parsed = None
    name = p.text(name, "name", max_length=200) or (
        f"{cycle.name} · {scheme_version.scheme.name}" if cycle is not None else ""
    )
    unit_list = list(dict.fromkeys(units))
    if not unit_list:
        p.add("units", _("Choose at least one unit."))
    inactive = [u.code for u in unit_list if not u.is_active]
    if inactive:
        p.add(
            "units",
            _("Inactive units cannot be evaluated: %(codes)s.") % {"codes": ", ".join(inactive)},
        )
    for key, value, limit in (
        ("peers_per_unit", peers_per_unit, 20),
        ("experts_per_unit", experts_per_unit, 50),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
            p.add(key, _("A whole number from 0 to %(n)d.") % {"n": limit}, value)
    if not isinstance(deadline, dt.date):
        p.add("deadline", _("A date is required."))
    p.raise_if_any(_("The round could not be opened."))
    spec = check_definition(scheme_version.definition)
    settings_row = conf.office_settings()
    rules = {
        "comment_at_or_above": str(settings_row.comment_at_or_above),
        "comment_below": str(settings_row.comment_below),
    }
    group_of = dict(groups or {})
    missing = [u for u in unit_list if u.pk not in group_of]
    if missing:
        for unit in Unit.objects.filter(pk__in=[u.pk for u in missing]).prefetch_related("groups"):
            codes = sorted(g.code for g in unit.groups.all())
            group_of[unit.pk] = codes[0] if codes else ""
    with transaction.atomic():
        round_ = Round.objects.create(
            cycle=cycle,
            period=parsed.code,
            name=name,
            scheme_version=scheme_version,
            deadline=deadline,
            seed=seed if seed is not None else random.SystemRandom().randrange(1, 2**31),
            peers_per_unit=peers_per_unit,
            experts_per_unit=experts_per_unit,
            rules=rules,
            created_by=actor,
        )
        RoundUnit.objects.bulk_create(
            [RoundUnit(round=round_, unit=u, group=group_of.get(u.pk, "")) for u in unit_list]
        )
        tasks, gaps = _draw_tasks(round_, spec, unit_list, group_of)
        ScoringTask.objects.bulk_create(tasks, batch_size=1000)
        round_.rules = {**rules, "gaps": gaps}
        round_.save(update_fields=["rules"])
        record(
            action="evaluation.round.open",
            actor=actor,
            obj=round_,
            after={
                "period": round_.period,
                "scheme_version": scheme_version.pk,
                "units": [u.code for u in unit_list],
                "tasks": len(tasks),
                "seed": round_.seed,
                "gaps": gaps,
            },
        )
        _notify_assignees(round_, tasks)
    return round_


def _draw_tasks(
    round_: Round, spec: SchemeSpec, units: list[Unit], group_of: dict[int, str]
) -> tuple[list[ScoringTask], list[dict[str, str]]]:
    """The tasks of every (unit, component, evaluator kind) pair the scheme asks for.

    - self: the unit's leader, else its coordinator;
    - superior: every leader (市领导);
    - peer: ``peers_per_unit`` evaluators drawn at random (seeded by the round) from the
      other units of the same comparable group in the round;
    - expert and third party: ``experts_per_unit`` third-party evaluators drawn at random
      (0: all of them).
    Nobody scores a unit they belong to, and declared conflicts are left out.
    """
    pairs = spec.task_components()
    if not pairs:
        return [], []
    members = _members()
    paths_of: dict[int, list[str]] = defaultdict(list)
    for m in members:
        paths_of[m.person_id].append(m.path)
    conflicts = _active_conflicts()
    leaders = sorted({m.person_id for m in members if m.role == Role.LEADER})
    experts = sorted({m.person_id for m in members if m.role == Role.THIRD_PARTY_EVALUATOR})
    evaluators = [m for m in members if m.role == Role.EVALUATOR]

    def eligible(person_id: int, unit: Unit) -> bool:
        return (person_id, unit.pk) not in conflicts and not _own(paths_of[person_id], unit)

    def draw(pool: list[int], count: int, unit: Unit, kind: str) -> list[int]:
        pool = sorted(p for p in set(pool) if eligible(p, unit))
        if count == 0 or len(pool) <= count:
            return pool
        rng = random.Random(f"{round_.seed}:{unit.pk}:{kind}")
        return sorted(rng.sample(pool, count))

    chosen: dict[tuple[int, str], list[int]] = {}
    gaps: list[dict[str, str]] = []
    tasks: list[ScoringTask] = []
    for unit in units:
        for component, kind in pairs:
            key = (unit.pk, kind)
            if key not in chosen:
                if kind == EvaluatorKind.SELF:
                    own = [
                        (m.role != Role.UNIT_LEADER, m.person_id)
                        for m in members
                        if m.unit_id == unit.pk
                        and m.role in (Role.UNIT_LEADER, Role.UNIT_COORDINATOR)
                    ]
                    chosen[key] = [min(own)[1]] if own else []
                elif kind == EvaluatorKind.SUPERIOR:
                    chosen[key] = [p for p in leaders if eligible(p, unit)]
                elif kind == EvaluatorKind.PEER:
                    group = group_of.get(unit.pk, "")
                    peers = (
                        [
                            other
                            for other in units
                            if other.pk != unit.pk and group_of.get(other.pk, "") == group
                        ]
                        if group
                        else []
                    )
                    pool = [
                        m.person_id
                        for m in evaluators
                        if any(m.path.startswith(other.path) for other in peers)
                    ]
                    chosen[key] = draw(pool, round_.peers_per_unit, unit, kind)
                else:
                    chosen[key] = draw(experts, round_.experts_per_unit, unit, kind)
            people = chosen[key]
            if not people:
                gaps.append({"unit": unit.code, "component": component, "kind": kind})
            tasks += [
                ScoringTask(
                    round=round_,
                    unit=unit,
                    component=component,
                    kind=kind,
                    evaluator_id=person_id,
                    deadline=round_.deadline,
                )
                for person_id in people
            ]
    return tasks, gaps


def _notify_assignees(round_: Round, tasks: Sequence[ScoringTask]) -> None:
    counts: dict[int, int] = defaultdict(int)
    for task in tasks:
        counts[task.evaluator_id] += 1
    url = reverse("evaluation:tasks")
    by_count: dict[int, list[int]] = defaultdict(list)
    for person_id, count in counts.items():
        by_count[count].append(person_id)
    for count, people in by_count.items():
        notify(
            people,
            _("You have %(n)d scoring tasks in %(round)s, due %(date)s.")
            % {"n": count, "round": round_.name, "date": round_.deadline.isoformat()},
            url=url,
            kind="evaluation.tasks",
        )


def _check_assignee(p: Problems, round_: Round, unit: Unit, kind: str, evaluator: Person) -> None:
    """The office may assign anyone who may score, except to a unit they belong to or
    have declared a conflict with (self-evaluation is the unit's own)."""
    paths = list(
        Membership.objects.filter(person=evaluator, unit__is_active=True).values_list(
            "unit__path", flat=True
        )
    )
    if not evaluator.is_active or not policy.can(evaluator, Action.SCORE):
        p.add("evaluator", _("This person may not score."), evaluator.username)
    elif kind == EvaluatorKind.SELF:
        if not Membership.objects.filter(
            person=evaluator,
            unit=unit,
            role__in=[Role.UNIT_LEADER, Role.UNIT_COORDINATOR],
        ).exists():
            p.add("evaluator", _("Self-evaluation is by the unit's own leader or coordinator."))
    elif _own(paths, unit):
        p.add("evaluator", _("An evaluator cannot score their own unit."), evaluator.username)
    elif ConflictDeclaration.objects.filter(
        person=evaluator, unit=unit, withdrawn_at__isnull=True
    ).exists():
        p.add(
            "evaluator",
            _("This evaluator has declared a conflict of interest with the unit."),
            evaluator.username,
        )


def assign_task(
    *,
    actor: Person,
    round_: Round,
    unit: Unit,
    component: str,
    kind: str,
    evaluator: Person,
    deadline: dt.date | None = None,
) -> ScoringTask:
    """Add a task by hand (an extra expert, a replacement)."""
    require_office(actor)
    refuse_unless_open(round_)
    spec = round_spec(round_)
    p = Problems()
    if not RoundUnit.objects.filter(round=round_, unit=unit).exists():
        p.add("unit", _("The unit is not evaluated in this round."), unit.code)
    if (component, kind) not in spec.task_components():
        p.add(
            "kind",
            _("The scheme has no %(kind)s scoring of %(component)s.")
            % {"kind": kind, "component": component},
        )
    p.raise_if_any(_("The task could not be assigned."))
    _check_assignee(p, round_, unit, kind, evaluator)
    p.raise_if_any(_("The task could not be assigned."))
    try:
        with transaction.atomic():
            task = ScoringTask.objects.create(
                round=round_,
                unit=unit,
                component=component,
                kind=kind,
                evaluator=evaluator,
                deadline=deadline or round_.deadline,
            )
            record(
                action="evaluation.task.assign",
                actor=actor,
                obj=task,
                after=snapshot(
                    task, ["round", "unit", "component", "kind", "evaluator", "deadline"]
                ),
            )
            _notify_assignees(round_, [task])
    except IntegrityError as exc:
        raise Conflict(_("This evaluator already has this task.")) from exc
    return task


def reassign_task(
    *, actor: Person, task: ScoringTask, evaluator: Person, expected_version: int | None = None
) -> ScoringTask:
    require_office(actor)
    p = Problems()
    _check_assignee(p, task.round, task.unit, task.kind, evaluator)
    p.raise_if_any(_("The task could not be reassigned."))
    try:
        with transaction.atomic():
            task = (
                ScoringTask.objects.select_for_update(of=("self",))
                .select_related("round")
                .get(pk=task.pk)
            )
            refuse_unless_open(task.round)
            check_version(task, expected_version, _("The task"))
            if task.status == ScoringTask.Status.SUBMITTED:
                raise Conflict(_("A submitted task cannot be reassigned."), code="invalid_state")
            before = snapshot(task, ["evaluator", "status"])
            task.evaluator = evaluator
            task.status = ScoringTask.Status.PENDING
            task.reminded_at = task.overdue_notified_at = None
            touch(task, "evaluator", "status", "reminded_at", "overdue_notified_at")
            record(
                action="evaluation.task.reassign",
                actor=actor,
                obj=task,
                before=before,
                after=snapshot(task, ["evaluator", "status"]),
            )
            _notify_assignees(task.round, [task])
    except IntegrityError as exc:
        raise Conflict(_("This evaluator already has this task.")) from exc
    return task


def close_round(*, actor: Person, round_: Round, expected_version: int | None = None) -> Round:
    return _set_round_status(actor, round_, expected_version, Round.Status.CLOSED)


def reopen_round(*, actor: Person, round_: Round, expected_version: int | None = None) -> Round:
    return _set_round_status(actor, round_, expected_version, Round.Status.OPEN)


def _set_round_status(actor: Person, round_: Round, expected: int | None, status: str) -> Round:
    require_office(actor)
    with transaction.atomic():
        round_ = lock_row(Round, round_)
        check_version(round_, expected, _("The round"))
        if round_.status == status:
            raise Conflict(
                _("The round is already %(s)s.") % {"s": round_.get_status_display()},
                code="invalid_state",
            )
        before = round_.status
        round_.status = status
        touch(round_, "status")
        record(
            action=f"evaluation.round.{'close' if status == Round.Status.CLOSED else 'reopen'}",
            actor=actor,
            obj=round_,
            before={"status": before},
            after={"status": status},
        )
    return round_


# --- scoring -----------------------------------------------------------------------------------------


def submit_score(
    *,
    actor: Person,
    task: ScoringTask,
    score: Any = None,
    level: str = "",
    items: dict[str, dict[str, Any]] | None = None,
    comment: str = "",
    expected_version: int | None = None,
) -> ScoringTask:
    """Score a task: by the rubric when the scheme gives one, with a comment for extreme
    scores. A submitted score may be changed while the round is open."""
    if task.evaluator_id != getattr(actor, "pk", None):
        raise NotFound(_("Scoring task not found."))
    if not policy.can(actor, Action.SCORE):
        raise Forbidden(_("You may not score."), action=str(Action.SCORE))
    spec = round_spec(task.round)
    high, low = comment_marks(task.round)
    p = Problems()
    comment = p.text(comment, "comment", max_length=5000)
    level = p.text(level, "level", max_length=64)
    clean_items: dict[str, dict[str, Any]] = {}
    value: Decimal | None = None
    extreme = False
    panel = spec.panel(task.component)
    if panel is not None:
        value = p.number(score, "score", places=SCORE_PLACES)
        if value is None and not any(d.field == "score" for d in p.details):
            p.add("score", _("A score is required."))
        elif value is not None and not Decimal(0) <= value <= Decimal(100):
            p.add("score", _("A score from 0 to 100."), score)
        elif value is not None and panel.rubric:
            chosen = next((lv for lv in panel.rubric if lv["name"] == level), None)
            if chosen is None:
                p.add(
                    "level",
                    _("Choose one of the rubric's levels: %(levels)s.")
                    % {"levels": "、".join(lv["name"] for lv in panel.rubric)},
                    level,
                )
            elif not Decimal(str(chosen["min"])) <= value <= Decimal(str(chosen["max"])):
                p.add(
                    "score",
                    _("A score for “%(level)s” lies between %(min)s and %(max)s.")
                    % {
                        "level": level,
                        "min": plain_number(chosen["min"]),
                        "max": plain_number(chosen["max"]),
                    },
                    score,
                )
        if value is not None and (value >= high or value < low):
            extreme = True
        if not panel.rubric:
            level = ""
    else:
        level = ""
        wanted = spec.task_indicators(task.component, task.kind)
        given = items or {}
        for key in given:
            if key not in {ind.code for ind in wanted}:
                p.add(f"items.{key}", _("This indicator is not scored in this task."))
        for ind in wanted:
            entry = given.get(ind.code)
            field = f"items.{ind.code}"
            levels = spec.rubric_levels(ind)
            if not isinstance(entry, dict) or not entry.get("level"):
                p.add(f"{field}.level", _("Choose a level."))
                continue
            name = str(entry["level"])
            share = p.number(entry.get("pct"), f"{field}.pct", places=SHARE_PLACES)
            if name not in levels:
                p.add(
                    f"{field}.level",
                    _("Choose one of the rubric's levels: %(levels)s.")
                    % {"levels": "、".join(levels)},
                    name,
                )
                continue
            if share is None:
                if not any(d.field == f"{field}.pct" for d in p.details):
                    p.add(f"{field}.pct", _("A share of the weight is required."))
                continue
            low_share, high_share = levels[name]
            if not Decimal(str(low_share)) <= share <= Decimal(str(high_share)):
                p.add(
                    f"{field}.pct",
                    _("A share for “%(level)s” lies between %(min)s and %(max)s.")
                    % {
                        "level": name,
                        "min": plain_number(low_share),
                        "max": plain_number(high_share),
                    },
                    entry.get("pct"),
                )
                continue
            if share * 100 >= high or share * 100 < low:
                extreme = True
            clean_items[ind.code] = {"level": name, "pct": float(share)}
    if extreme and not comment and not p.details:
        p.add(
            "comment",
            _("A score of %(high)s or more, or below %(low)s, needs a comment saying why.")
            % {"high": plain_number(high), "low": plain_number(low)},
        )
    p.raise_if_any(_("The score could not be saved."))
    with transaction.atomic():
        task = (
            ScoringTask.objects.select_for_update(of=("self",))
            .select_related("round")
            .get(pk=task.pk)
        )
        refuse_unless_open(task.round)
        check_version(task, expected_version, _("The task"))
        if task.status == ScoringTask.Status.CANCELLED:
            raise Conflict(_("This task was cancelled."), code="invalid_state")
        before = snapshot(task, ["status", "score", "level", "items", "comment"])
        task.score = value
        task.level = level
        task.items = clean_items
        task.comment = comment
        task.status = ScoringTask.Status.SUBMITTED
        task.submitted_at = timezone.now()
        touch(task, "score", "level", "items", "comment", "status", "submitted_at")
        record(
            action="evaluation.task.score",
            actor=actor,
            obj=task,
            before=before,
            after=snapshot(task, ["status", "score", "level", "items", "comment"]),
        )
    return task


# --- conflicts of interest ------------------------------------------------------------------------


def declare_conflict(*, actor: Person, unit: Unit, reason: str) -> ConflictDeclaration:
    """Declare a conflict of interest: pending tasks scoring the unit are cancelled and the
    office is told to assign someone else."""
    if not policy.can(actor, Action.SCORE):
        raise Forbidden(
            _("Only evaluators declare conflicts of interest."), action=str(Action.SCORE)
        )
    p = Problems()
    reason = p.text(reason, "reason", max_length=300, required=True)
    p.raise_if_any(_("The declaration could not be saved."))
    try:
        with transaction.atomic():
            declaration = ConflictDeclaration.objects.create(person=actor, unit=unit, reason=reason)
            cancelled = list(
                ScoringTask.objects.select_for_update()
                .filter(
                    evaluator=actor,
                    unit=unit,
                    status=ScoringTask.Status.PENDING,
                    round__status=Round.Status.OPEN,
                )
                .order_by("pk")
            )
            for task in cancelled:
                task.status = ScoringTask.Status.CANCELLED
                touch(task, "status")
            record(
                action="evaluation.conflict.declare",
                actor=actor,
                obj=declaration,
                after={
                    "unit": unit.code,
                    "reason": reason,
                    "cancelled_tasks": [t.pk for t in cancelled],
                },
            )
            if cancelled:
                notify(
                    office_people(),
                    _(
                        "%(person)s declared a conflict of interest with %(unit)s; %(n)d tasks need another evaluator."
                    )
                    % {
                        "person": actor.name or actor.username,
                        "unit": unit.name,
                        "n": len(cancelled),
                    },
                    url=reverse("evaluation:round", args=[cancelled[0].round_id]),
                    kind="evaluation.conflict",
                )
    except IntegrityError as exc:
        raise Conflict(_("You have already declared a conflict with this unit.")) from exc
    return declaration


def withdraw_conflict(*, actor: Person, declaration: ConflictDeclaration) -> ConflictDeclaration:
    if declaration.person_id != actor.pk:
        raise NotFound(_("Declaration not found."))
    with transaction.atomic():
        declaration = lock_row(ConflictDeclaration, declaration)
        if declaration.withdrawn_at is not None:
            raise Conflict(_("The declaration was withdrawn already."), code="invalid_state")
        declaration.withdrawn_at = timezone.now()
        declaration.save(update_fields=["withdrawn_at"])
        record(action="evaluation.conflict.withdraw", actor=actor, obj=declaration)
    return declaration


# --- imported values and adjustments ---------------------------------------------------------------


@dataclass(frozen=True)
class ImportRow:
    unit: Unit
    code: str
    value: Any = None
    level: str = ""
    position: int = 0
    note: str = ""
    row: int | None = None


def import_values(
    *, actor: Person, round_: Round, rows: Sequence[ImportRow], replace: bool = True
) -> int:
    """Values the office brings in for the round: indicators sourced ``import``, panel
    scores sourced ``import`` (several per unit, by position) and targets of
    from-plan indicators outside the library (``CODE.target``). With ``replace``, the
    codes given lose their earlier values for the units given first."""
    require_office(actor)
    spec = round_spec(round_)
    members = set(RoundUnit.objects.filter(round=round_).values_list("unit_id", flat=True))
    by_code = {ind.code: ind for ind in spec.indicators}
    p = Problems()
    clean: list[ImportedValue] = []
    seen: set[tuple[int, str, int]] = set()

    def where(i: int, row: ImportRow, name: str) -> str:
        return f"rows[{row.row if row.row is not None else i}].{name}"

    for i, row in enumerate(rows):
        if row.unit.pk not in members:
            p.add(
                where(i, row, "unit"), _("The unit is not evaluated in this round."), row.unit.code
            )
            continue
        code = str(row.code or "").strip()
        base, _dot, field_name = code.rpartition(".")
        ind = by_code.get(code)
        panel = spec.panel(code)
        target_of = by_code.get(base)
        kind = None
        if ind is not None and ind.source == "import":
            kind = "rubric" if ind.kind == "rubric" else "indicator"
        elif panel is not None and panel.source == "import":
            kind = "panel"
        elif (
            target_of is not None and field_name in target_of.plan_fields and target_of.link is None
        ):
            kind = "target"
        if kind is None:
            p.add(
                where(i, row, "code"),
                _("Nothing in the scheme takes imported values under this code."),
                code,
            )
            continue
        value = p.number(row.value, where(i, row, "value"))
        level = str(row.level or "").strip()[:64]
        if kind == "panel" and value is not None and not Decimal(0) <= value <= Decimal(100):
            p.add(where(i, row, "value"), _("A score from 0 to 100."), row.value)
        if kind in ("indicator", "panel", "target") and value is None and not p.details:
            p.add(where(i, row, "value"), _("A value is required."))
        if kind == "rubric" and not level:
            p.add(where(i, row, "level"), _("Choose a level."))
        if kind != "panel" and row.position:
            p.add(where(i, row, "position"), _("Only a panel takes several values per unit."))
        key = (row.unit.pk, code, row.position)
        if key in seen:
            p.add(where(i, row, "code"), _("Given twice for this unit."), code)
        seen.add(key)
        clean.append(
            ImportedValue(
                round=round_,
                unit=row.unit,
                code=code,
                position=row.position,
                value=value,
                level=level,
                note=str(row.note or "")[:200],
                updated_by=actor,
            )
        )
    p.raise_if_any(_("The values could not be imported."))
    with transaction.atomic():
        if replace:
            for code in {v.code for v in clean}:
                ImportedValue.objects.filter(
                    round=round_,
                    code=code,
                    unit_id__in=[v.unit_id for v in clean if v.code == code],
                ).delete()
        ImportedValue.objects.bulk_create(
            clean,
            update_conflicts=not replace,
            unique_fields=None if replace else ["round", "unit", "code", "position"],
            update_fields=None
            if replace
            else ["value", "level", "note", "updated_by", "updated_at"],
        )
        record(
            action="evaluation.import",
            actor=actor,
            obj=round_,
            after={"rows": len(clean), "codes": sorted({v.code for v in clean})},
        )
    return len(clean)


def import_values_file(*, actor: Person, round_: Round, data: bytes, filename: str) -> int:
    """A spreadsheet with columns unit, code, value, level, position, note."""
    from govperf.core import tabular

    require_office(actor)
    table = tabular.read_table(data, filename)
    headers = [h.strip().lower() for h in table.headers]
    needed = ("unit", "code")
    missing = [h for h in needed if h not in headers]
    if missing:
        raise ValidationFailed(
            _("The file is not valid."),
            [
                ErrorDetail(
                    field="file",
                    message=_("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)},
                )
            ],
        )
    units = {u.code: u for u in Unit.objects.filter(pk__in=round_.round_units.values("unit_id"))}
    rows: list[ImportRow] = []
    p = Problems()
    for number, cells in table.rows:
        cell = dict(zip(headers, cells, strict=False))
        unit = units.get(cell.get("unit", "").strip())
        if unit is None:
            p.add(
                f"rows[{number}].unit",
                _("The unit is not evaluated in this round."),
                cell.get("unit"),
            )
            continue
        position = cell.get("position", "").strip() or "0"
        if not position.isdigit() or int(position) > 999:
            p.add(f"rows[{number}].position", _("A whole number from 0 to 999."), position)
            continue
        rows.append(
            ImportRow(
                unit=unit,
                code=cell.get("code", ""),
                value=cell.get("value", "") or None,
                level=cell.get("level", ""),
                position=int(position),
                note=cell.get("note", ""),
                row=number,
            )
        )
    p.raise_if_any(_("The values could not be imported."))
    return import_values(actor=actor, round_=round_, rows=rows)


def add_adjustment(
    *, actor: Person, round_: Round, unit: Unit, kind: str, reason: str, points: Any = None
) -> Adjustment:
    """Bonus points (创新创优, capped by the scheme) or a veto (一票否决) for a unit."""
    require_office(actor)
    p = Problems()
    if kind not in Adjustment.Kind.values:
        p.add("kind", _("Bonus or veto."), kind)
    reason = p.text(reason, "reason", max_length=300, required=True)
    value = p.number(points, "points", places=SCORE_PLACES)
    if kind == Adjustment.Kind.BONUS and value is None and not p.details:
        p.add("points", _("Give the bonus points."))
    if (
        kind == Adjustment.Kind.BONUS
        and value is not None
        and not Decimal(0) < value <= Decimal(100)
    ):
        p.add("points", _("More than 0 and at most 100 points."), points)
    if kind == Adjustment.Kind.VETO:
        value = None
    if not RoundUnit.objects.filter(round=round_, unit=unit).exists():
        p.add("unit", _("The unit is not evaluated in this round."), unit.code)
    p.raise_if_any(_("The adjustment could not be saved."))
    with transaction.atomic():
        adjustment = Adjustment.objects.create(
            round=round_, unit=unit, kind=kind, points=value, reason=reason, created_by=actor
        )
        record(
            action="evaluation.adjustment.add",
            actor=actor,
            obj=adjustment,
            after=snapshot(adjustment, ["round", "unit", "kind", "points", "reason"]),
        )
    return adjustment


def remove_adjustment(*, actor: Person, adjustment: Adjustment) -> None:
    require_office(actor)
    with transaction.atomic():
        before = snapshot(adjustment, ["round", "unit", "kind", "points", "reason"])
        pk = adjustment.pk
        adjustment.delete()
        record(
            action="evaluation.adjustment.remove",
            actor=actor,
            object_type="evaluation.adjustment",
            object_id=pk,
            before=before,
        )
