"""Two reviewers act on one plan at once (PostgreSQL): exactly one wins, the other gets a
conflict that names the state the plan is now in."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from govperf.core.errors import Conflict
from govperf.plans import services
from govperf.plans.models import Plan, PlanEvent
from tests.helpers import make_person
from tests.plans.conftest import Library, ready_plan

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every writer, so there is no race")


def _waiting_for_locks() -> int:
    with connection.cursor() as cursor:
        # Inside a transaction the statistics views are a snapshot: take a fresh one each time.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def _race(plan: Plan, acts) -> list:
    """Run ``acts`` in threads that all wait for the plan's row lock, then release it."""
    results: list = [None] * len(acts)

    def run(index, act):
        try:
            results[index] = act()
        except Exception as exc:  # reported by the test, not lost in the thread
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(acts)]
    with transaction.atomic():
        Plan.objects.select_for_update().get(pk=plan.pk)  # hold the row: both must queue
        for t in threads:
            t.start()
        deadline = time.monotonic() + 10
        while _waiting_for_locks() < len(acts) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _waiting_for_locks() == len(acts), results
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.fixture
def submitted(org):
    lib = Library()
    cycle = services.create_cycle(
        actor=org.office, code="2026", name="2026年度", period="2026", status="active"
    )
    plan = services.submit_plan(actor=org.edu_coord, plan=ready_plan(org, lib, cycle))
    second = make_person("office2", ("perf_office", org.office_unit), name="绩效办二")
    return plan, second


def test_two_approvals_at_once_one_wins(org, submitted):
    plan, second = submitted

    results = _race(
        plan,
        [
            lambda: services.approve_plan(
                actor=org.office, plan=plan, expected_version=plan.version
            ),
            lambda: services.approve_plan(actor=second, plan=plan, expected_version=plan.version),
        ],
    )

    won = [r for r in results if isinstance(r, Plan)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert (len(won), len(lost)) == (1, 1), results
    assert lost[0].code == "invalid_state"
    assert "approved and filed" in lost[0].message
    plan.refresh_from_db()
    assert (plan.status, plan.round) == ("approved", 1)
    assert PlanEvent.objects.filter(plan=plan, action="approve").count() == 1


def test_approve_and_return_at_once_one_wins(org, submitted):
    plan, second = submitted

    results = _race(
        plan,
        [
            lambda: services.approve_plan(actor=org.office, plan=plan),
            lambda: services.return_plan(actor=second, plan=plan, comment="目标偏低"),
        ],
    )

    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Plan"], results
    plan.refresh_from_db()
    assert plan.status in ("approved", "returned")
    assert PlanEvent.objects.filter(plan=plan).exclude(action="submit").count() == 1
