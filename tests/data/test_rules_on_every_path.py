"""One blocking rule refuses the same value on every path — the entry form, a file import, an
API push and a connector — naming the rule, and writes nothing; a warning rule lets the value
through on each path with its warning."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from govperf.core.errors import ValidationFailed
from govperf.data import services
from govperf.data.exchange import connectors
from govperf.data.importing import import_file
from govperf.data.models import Connector, DataValue, ValidationRule
from govperf.data.services import Entry
from tests.data.test_idempotency import one, push, token_client

TOO_MANY = "1500"  # ENR at most 1000


@pytest.fixture
def source(server):
    body = json.dumps([{"ind": "ENR", "org": "edu", "pe": "202603", "val": TOO_MANY}]).encode()
    server.routes["/values"] = (200, "application/json", body)
    return f"{server.base}/values"


def rule(lib, severity: str) -> ValidationRule:
    return ValidationRule.objects.create(
        code="enr-max",
        name="在校生不超过1000",
        kind="range",
        indicator=lib.enr,
        params={"max": "1000"},
        severity=severity,
    )


def by_form(org, lib):
    result = services.save_draft(
        actor=org.edu_coord,
        unit=org.edu,
        period="202603",
        entries=[Entry(indicator_id=lib.enr.pk, value=TOO_MANY)],
    )
    return [(w.row, w.message) for w in result.warnings]


def by_import(org, lib):
    outcome = import_file(
        actor=org.edu_coord,
        stream=f"indicator,unit,period,value\nENR,edu,202603,{TOO_MANY}\n".encode(),
        filename="v.csv",
    )
    if not outcome.ok:
        raise ValidationFailed("refused", outcome.result.errors)
    return [(w.row, w.message) for w in outcome.result.warnings]


def by_api(org, lib):
    response = push(token_client(org.edu_coord), [one(TOO_MANY)])
    body = response.json()
    if response.status_code != 200:
        raise ValidationFailed("refused", body["details"])
    return [(w["row"], w["message"]) for w in body["warnings"]]


def by_connector(org, lib, url):
    connector = Connector.objects.create(
        name="c",
        kind="http",
        owner=org.office,
        url=url,
        field_map={"indicator": "ind", "unit": "org", "period": "pe", "value": "val"},
    )
    run = connectors.run(connector)
    if run.status != "ok":
        raise ValidationFailed("refused", run.errors)
    return run


PATHS = ["form", "import", "api", "connector"]


def write(path, org, lib, url):
    if path == "connector":
        return by_connector(org, lib, url)
    return {"form": by_form, "import": by_import, "api": by_api}[path](org, lib)


@pytest.mark.parametrize("path", PATHS)
def test_a_blocking_rule_refuses_the_value_on_every_path(org, lib, source, path):
    rule(lib, "block")
    with pytest.raises(ValidationFailed) as refused:
        write(path, org, lib, source)
    details = refused.value.details
    messages = [d["message"] if isinstance(d, dict) else d.message for d in details]
    assert messages == ["Above the maximum 1000 (rule enr-max)"]
    assert DataValue.objects.count() == 0


@pytest.mark.parametrize("path", PATHS)
def test_a_warning_rule_lets_the_value_through_on_every_path(org, lib, source, path):
    rule(lib, "warn")
    found = write(path, org, lib, source)
    if path != "connector":  # a connector's run has no one to show a warning to
        assert [message for _row, message in found] == ["Above the maximum 1000 (rule enr-max)"]
    value = DataValue.objects.get(indicator=lib.enr)
    assert (value.value, value.source) == (Decimal(TOO_MANY), path)
