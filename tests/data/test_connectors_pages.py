"""The connector pages call the same services as the API: credentials are shown masked and a
form sent back unchanged keeps them; "Run now" queues a run."""

from __future__ import annotations

import json

from django.urls import reverse

from govperf.data.models import Connector, ConnectorRun
from tests.helpers import signed_in

FIELDS = {"indicator": "ind", "unit": "org", "period": "pe", "value": "val"}
URL = "http://robot:pw-Secret-771@127.0.0.1:9/v?token=tok-Secret-9931"


def form_of(connector: Connector, **changes) -> dict:
    from govperf.data.exchange_forms import ConnectorForm

    data = {k: v for k, v in ConnectorForm.initial_from(connector).items() if v is not None}
    data["is_active"] = "on" if data.pop("is_active") else ""
    return {**data, **changes}


def test_the_edit_page_masks_credentials_and_keeps_them_when_sent_back(org):
    connector = Connector.objects.create(
        name="stats",
        kind="http",
        owner=org.office,
        url=URL,
        headers={"X-Api-Key": "hdr-Secret-4417"},
        field_map=FIELDS,
    )
    client = signed_in(org.office)
    page = client.get(reverse("data:connector_edit", args=[connector.pk])).content.decode()
    assert "Secret" not in page and "token=********" in page
    response = client.post(
        reverse("data:connector_edit", args=[connector.pk]), form_of(connector, hour="5")
    )
    assert response.status_code == 302
    connector.refresh_from_db()
    assert (connector.hour, connector.version, connector.url) == ("5", 2, URL)
    assert connector.headers == {"X-Api-Key": "hdr-Secret-4417"}


def test_a_new_connector_is_owned_by_its_author(org):
    client = signed_in(org.office)
    response = client.post(
        reverse("data:connector_create"),
        {
            "name": "new",
            "kind": "http",
            "is_active": "on",
            "minute": "0",
            "hour": "2",
            "day": "*",
            "month": "*",
            "day_of_week": "*",
            "url": "http://127.0.0.1:9/v",
            "method": "GET",
            "headers": "{}",
            "response_format": "json",
            "field_map": json.dumps(FIELDS),
        },
    )
    assert response.status_code == 302
    assert Connector.objects.get().owner == org.office


def test_run_now_queues_a_run(org):
    connector = Connector.objects.create(
        name="stats", kind="http", owner=org.office, url=URL, field_map=FIELDS
    )
    client = signed_in(org.office)
    response = client.post(reverse("data:connector_run", args=[connector.pk]))
    assert response.status_code == 302
    assert list(ConnectorRun.objects.values_list("status", flat=True)) == ["queued"]
    page = client.get(reverse("data:connector", args=[connector.pk])).content.decode()
    assert "queued" in page
    assert signed_in(org.edu_coord).get(reverse("data:connectors")).status_code == 403


def test_the_edit_page_hands_the_connector_to_another_office_member(org):
    from tests.helpers import make_person

    connector = Connector.objects.create(
        name="stats", kind="http", owner=org.office, url=URL, field_map=FIELDS
    )
    colleague = make_person("office2", ("perf_office", org.office_unit), name="绩效办二")
    client = signed_in(org.office)
    page = client.get(reverse("data:connector_edit", args=[connector.pk])).content.decode()
    assert "绩效办二 (office2)" in page
    edit = reverse("data:connector_edit", args=[connector.pk])
    assert client.post(edit, form_of(connector, owner=colleague.pk)).status_code == 302
    connector.refresh_from_db()
    assert (connector.owner, connector.version) == (colleague, 2)
    # Left empty, the owner stays.
    assert client.post(edit, form_of(connector, owner="")).status_code == 302
    connector.refresh_from_db()
    assert (connector.owner, connector.version) == (colleague, 3)
