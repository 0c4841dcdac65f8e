"""Schemathesis over the whole OpenAPI document: no 5xx, every response matches the schema.

Runs in-process against the WSGI app, as the system administrator (write token) and as
the security auditor (read-only token), so that both allowed and refused paths are hit.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from govperf.accounts.services import create_token

# Loaded at collection: the schema endpoint is public and touches no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The WSGI app closes database connections after each request; Django's own test client
    turns that off, and so must this one, or the test's transaction goes with the connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def bearer(person) -> dict[str, str]:
    _token, secret = create_token(actor=person, owner=person, name="fuzz", can_write=True, units=[])
    return {"Authorization": f"Bearer {secret}"}


# ignored_auth sends a forged session cookie beside the valid token we pin, and counts the
# token's success as the cookie being ignored; the two schemes are alternatives, so it does not apply.
# positive_data_acceptance expects every schema-valid body to succeed; references to codes that do
# not exist, or a password the policy refuses, are schema-valid and rightly answered 422.
EXCLUDED = [ignored_auth, positive_data_acceptance]

FUZZ = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


@schema.parametrize()
@FUZZ
def test_api_as_system_admin(case, org):
    case.call_and_validate(headers=bearer(org.admin), excluded_checks=EXCLUDED)


@schema.parametrize()
@FUZZ
def test_api_as_security_auditor(case, org):
    case.call_and_validate(headers=bearer(org.auditor), excluded_checks=EXCLUDED)


@schema.parametrize()
@FUZZ
def test_api_as_unit_leader(case, org):
    case.call_and_validate(headers=bearer(org.edu_leader), excluded_checks=EXCLUDED)
