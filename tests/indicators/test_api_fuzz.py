"""Schemathesis over the library's endpoints as the performance office, so that the writes
get past the permission check: no 5xx, every response matches the schema, malformed requests
are refused. Requests the schema allows may still break a rule of the library (a formula, a
rubric's levels), so a 422 for them is not a failure here."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from govperf.accounts.services import create_token
from govperf.indicators import services
from govperf.indicators.models import Indicator
from tests.indicators.conftest import make_indicator

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application()).include(
    path_regex=r"^/api/v1/(indicators|taxonomies|rubrics)"
)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The WSGI app closes database connections after each request; keep the test's one."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


@schema.parametrize()
@FUZZ
def test_library_api_as_the_office(case, org):
    # Hypothesis runs many examples in one test transaction: build the library once.
    if not Indicator.objects.filter(code="A").exists():
        services.load_presets()
        make_indicator(org.office, "A", "甲")
        make_indicator(org.office, "R", "率", formula="#{A} * 2")
    _token, secret = create_token(
        actor=org.office, owner=org.office, name="fuzz", can_write=True, units=[]
    )
    case.call_and_validate(
        headers={"Authorization": f"Bearer {secret}"},
        excluded_checks=[ignored_auth, positive_data_acceptance],
    )
