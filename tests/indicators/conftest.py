"""Builders shared by the indicator tests: indicators made through the services, and a
stand-in for the apps (plans, data, evaluation) that keep the indicator version they used."""

import pytest
from django.apps import apps
from django.db import connection, models

from govperf.indicators import services
from govperf.indicators.models import Indicator, IndicatorVersion
from govperf.indicators.services import Definition
from govperf.indicators.usage import (
    register_version_user,
    unregister_version_user,
    version_users,
)


@pytest.fixture(autouse=True)
def only_the_stand_in_uses_versions():
    """The library's tests do not depend on which other apps register users of versions."""
    others = version_users()
    for pair in others:
        unregister_version_user(*pair)
    yield
    for pair in others:
        register_version_user(*pair)


def _plan_line_model() -> type[models.Model]:
    class PlanLine(models.Model):
        """A row that uses an indicator version, as a plan line or a result will."""

        version = models.ForeignKey(IndicatorVersion, on_delete=models.PROTECT, related_name="+")

        class Meta:
            app_label = "indicators"
            managed = False
            db_table = "test_indicators_planline"
            verbose_name_plural = "plan lines"

        def __str__(self) -> str:
            return f"plan line {self.pk}"

    return PlanLine


@pytest.fixture
def plan_lines(db):
    """A stand-in model registered as a user of versions, for one test: its table lives inside
    the test's transaction and the model leaves the app registry afterwards, so that nothing
    else (makemigrations --check) ever sees it."""
    model = _plan_line_model()
    # The schema editor's context refuses to open inside SQLite's transaction; only the
    # CREATE TABLE is needed (its constraints are left out).
    editor = connection.schema_editor()
    editor.deferred_sql = []
    sql, params = editor.table_sql(model)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    register_version_user("indicators.PlanLine", "version")
    yield model
    unregister_version_user("indicators.PlanLine", "version")
    # Rolled back with the test's transaction; committed in a transactional test.
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {connection.ops.quote_name(model._meta.db_table)}")
    del apps.all_models["indicators"]["planline"]
    apps.clear_cache()


def make_indicator(actor, code: str, name: str = "", **fields) -> Indicator:
    return services.create_indicator(
        actor=actor, code=code, definition=Definition(name=name or code, **fields)
    )


@pytest.fixture
def presets(db):
    services.load_presets()
