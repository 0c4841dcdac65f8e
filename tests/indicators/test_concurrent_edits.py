"""Two editors change one indicator at once on PostgreSQL: exactly one wins, the other gets a
conflict; editors of an indicator in use never make two versions with one number."""

import threading

import pytest
from django.db import connection, connections

from govperf.core.errors import Conflict
from govperf.indicators import services
from govperf.indicators.models import Indicator, IndicatorVersion
from govperf.indicators.services import Definition
from tests.helpers import Org
from tests.indicators.conftest import make_indicator

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every writer, so there is no race")


def _race(actions) -> list:
    start = threading.Barrier(len(actions))
    outcomes: list = [None] * len(actions)

    def run(i, action):
        try:
            start.wait()
            outcomes[i] = action()
        except Exception as exc:  # reported by the test, not lost in the thread
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_two_editors_with_the_same_version_one_wins():
    org = Org()
    indicator = make_indicator(org.office, "X", "甲")

    def edit(name):
        return lambda: services.update_indicator(
            actor=org.office,
            indicator=Indicator.objects.get(pk=indicator.pk),
            expected_version=1,
            definition=Definition.of(Indicator.objects.get(pk=indicator.pk).current).replace(
                name=name
            ),
        )

    outcomes = _race([edit("乙"), edit("丙")])
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "Indicator"]
    winner = next(o for o in outcomes if isinstance(o, Indicator))
    assert Indicator.objects.get(pk=indicator.pk).current.name == winner.current.name
    assert any(isinstance(o, Conflict) for o in outcomes)


def test_editors_without_a_version_queue_up_and_number_versions_in_turn(plan_lines):
    org = Org()
    indicator = make_indicator(org.office, "X", "甲")
    plan_lines.objects.create(version=indicator.current)

    def edit(name):
        def run():
            fresh = Indicator.objects.get(pk=indicator.pk)
            plan_lines.objects.get_or_create(version=fresh.current)
            return services.update_indicator(
                actor=org.office,
                indicator=fresh,
                expected_version=None,
                definition=Definition.of(fresh.current).replace(name=name),
            )

        return run

    outcomes = _race([edit(n) for n in ("乙", "丙", "丁")])
    assert [type(o).__name__ for o in outcomes] == ["Indicator"] * 3
    numbers = sorted(
        IndicatorVersion.objects.filter(indicator=indicator).values_list("number", flat=True)
    )
    assert numbers[0] == 1 and numbers == list(range(1, len(numbers) + 1))
