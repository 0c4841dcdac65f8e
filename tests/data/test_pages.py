"""Pages of the data app for the office, a unit leader, a coordinator and staff, including
the entry grid's htmx cell check."""

from __future__ import annotations

import pytest
from django.urls import reverse

from govperf.data import services
from govperf.data.models import CorrectionRequest, DataValue, PeriodLock, QualityRun, ValidationRule
from govperf.data.services import Entry
from tests.data.conftest import stored
from tests.helpers import signed_in


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def entered(org, lib):
    services.save_draft(
        actor=org.edu_coord,
        unit=org.edu,
        period="202603",
        entries=[
            Entry(indicator_id=lib.enr.pk, value="90"),
            Entry(indicator_id=lib.cap.pk, value="120"),
        ],
    )
    return org


def test_home_for_each_role(org, lib, entered):
    page = html(signed_in(org.edu_coord).get(reverse("data:home") + "?period=202603"))
    assert "教育局" in page and reverse("data:entry", args=[org.edu.pk, "202603"]) in page
    assert "卫健委" not in page
    office = html(signed_in(org.office).get(reverse("data:home")))
    assert reverse("data:locks") in office and reverse("data:quality") in office
    staff = html(signed_in(org.edu_staff).get(reverse("data:home")))
    assert "基础教育科" in staff and reverse("data:locks") not in staff
    assert signed_in(org.evaluator).get(reverse("data:home")).status_code == 403


def test_the_entry_grid_shows_the_plans_indicators_targets_and_last_values(org, lib, entered):
    stored(lib.enr, org.edu, "202602", 88)
    page = html(signed_in(org.edu_coord).get(reverse("data:entry", args=[org.edu.pk, "202603"])))
    for code in ("ENR", "CAP", "RATE", "USE"):
        assert f'data-code="{code}"' in page
    assert 'data-code="OPEN"' not in page  # yearly: in the year's grid
    assert f'name="v-{lib.enr.pk}" value="90"' in page
    assert ">88<" in page  # February's value shown as the last one
    assert "100 <span" in page and "(2026)" in page  # the yearly target
    assert "75" in page  # RATE, computed, read-only
    assert f'name="v-{lib.rate.pk}"' not in page
    check = reverse("data:check", args=[org.edu.pk, "202603"])
    assert f'hx-post="{check}"' in page
    yearly = html(signed_in(org.edu_coord).get(reverse("data:entry", args=[org.edu.pk, "2026"])))
    assert "<select" in yearly and "部分达成" in yearly  # the rubric's levels


def test_saving_the_grid_writes_only_changed_cells(org, lib, entered):
    client = signed_in(org.edu_coord)
    url = reverse("data:entry", args=[org.edu.pk, "202603"])
    enr = DataValue.objects.get(indicator=lib.enr, period="202603")
    response = client.post(
        url,
        {f"v-{lib.enr.pk}": "95", f"ver-{lib.enr.pk}": enr.version, f"v-{lib.cap.pk}": "120"},
    )
    assert response.status_code == 302
    assert DataValue.objects.get(pk=enr.pk).value == 95
    assert DataValue.objects.get(indicator=lib.cap, period="202603").version == 1


def test_a_refused_save_shows_the_errors_at_their_cells(org, lib, entered):
    ValidationRule.objects.create(
        code="enr-max", name="上限", kind="range", indicator=lib.enr, params={"max": "100"}
    )
    response = signed_in(org.edu_coord).post(
        reverse("data:entry", args=[org.edu.pk, "202603"]), {f"v-{lib.enr.pk}": "150"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Above the maximum 100 (rule enr-max)" in page
    assert 'value="150"' in page  # what was typed stays in the cell
    assert DataValue.objects.get(indicator=lib.enr, period="202603").value == 90


def test_the_cell_check_as_the_user_leaves_a_cell(org, lib, entered):
    ValidationRule.objects.create(
        code="enr-max", name="上限", kind="range", indicator=lib.enr, params={"max": "100"}
    )
    ValidationRule.objects.create(
        code="enr-jump",
        name="跳变",
        kind="jump",
        indicator=lib.enr,
        params={"compare": "prev", "max_percent": "10"},
        severity="warn",
    )
    stored(lib.enr, org.edu, "202602", 50)
    client = signed_in(org.edu_coord)
    url = reverse("data:check", args=[org.edu.pk, "202603"])
    blocked = html(client.post(url, {f"v-{lib.enr.pk}": "150"}, HTTP_HX_REQUEST="true"))
    assert (
        'data-testid="cell-error"' in blocked and "Above the maximum 100 (rule enr-max)" in blocked
    )
    assert "<html" not in blocked  # a fragment
    warned = html(client.post(url, {f"v-{lib.enr.pk}": "80"}, HTTP_HX_REQUEST="true"))
    assert 'data-testid="cell-warning"' in warned and "against the previous period (50)" in warned
    assert 'data-testid="cell-error"' not in warned
    fine = html(
        client.post(reverse("data:check", args=[org.edu.pk, "202603"]), {f"v-{lib.cap.pk}": "120"})
    )
    assert 'data-testid="cell-ok"' in fine
    typo = html(client.post(url, {f"v-{lib.enr.pk}": "9O"}))
    assert "Not a number." in typo
    # Nothing is written by a check.
    assert DataValue.objects.get(indicator=lib.enr, period="202603").value == 90
    assert signed_in(org.health_leader).post(url, {f"v-{lib.enr.pk}": "1"}).status_code == 404


def test_submit_approve_and_return_through_the_pages(org, lib, entered):
    coord, leader = signed_in(org.edu_coord), signed_in(org.edu_leader)
    coord.post(reverse("data:act", args=[org.edu.pk, "202603", "submit"]), {"comment": "三月数据"})
    assert set(DataValue.objects.values_list("status", flat=True)) == {"submitted"}
    queue = html(leader.get(reverse("data:approvals")))
    assert reverse("data:approval", args=[org.edu.pk, "202603"]) in queue
    page = html(leader.get(reverse("data:approval", args=[org.edu.pk, "202603"])))
    assert 'data-testid="approve"' in page and "在校生数" in page
    enr = DataValue.objects.get(indicator=lib.enr, period="202603")
    leader.post(
        reverse("data:act", args=[org.edu.pk, "202603", "approve"]),
        {"values": [enr.pk], "next": "approval"},
    )
    assert DataValue.objects.get(pk=enr.pk).status == "approved"
    leader.post(
        reverse("data:act", args=[org.edu.pk, "202603", "return"]),
        {"comment": "学位数有误", "next": "approval"},
    )
    assert DataValue.objects.get(indicator=lib.cap, period="202603").status == "draft"
    # The coordinator may not approve: refused, nothing changes.
    coord.post(reverse("data:act", args=[org.edu.pk, "202603", "submit"]))
    response = coord.post(reverse("data:act", args=[org.edu.pk, "202603", "approve"]))
    assert response.status_code == 403
    assert DataValue.objects.get(indicator=lib.cap, period="202603").status == "submitted"


def test_the_value_page_history_and_correction(org, lib, entered):
    services.submit_values(actor=org.edu_coord, unit=org.edu, period="202603")
    services.approve_values(actor=org.edu_leader, unit=org.edu, period="202603")
    services.lock_period(actor=org.office, period="202603")
    enr = DataValue.objects.get(indicator=lib.enr, period="202603")
    coord = signed_in(org.edu_coord)
    page = html(coord.get(reverse("data:value", args=[enr.pk])))
    assert 'data-testid="value-history"' in page and 'data-testid="correction-form"' in page
    coord.post(
        reverse("data:correction_request", args=[enr.pk]), {"new_value": "92", "reason": "漏报"}
    )
    request = CorrectionRequest.objects.get()
    office = signed_in(org.office)
    queue = html(office.get(reverse("data:corrections")))
    assert "漏报" in queue and 'data-testid="decide-form"' in queue
    office.post(
        reverse("data:correction_decide", args=[request.pk]),
        {
            f"c{request.pk}-decision": "approve",
            f"c{request.pk}-comment": "同意",
            f"c{request.pk}-version": request.version,
        },
    )
    assert DataValue.objects.get(pk=enr.pk).value == 92
    assert signed_in(org.health_leader).get(reverse("data:value", args=[enr.pk])).status_code == 404


def test_the_office_locks_and_unlocks_through_the_page(org, lib, entered):
    office = signed_in(org.office)
    page = html(office.get(reverse("data:locks")))
    assert 'data-testid="lock-form"' in page
    office.post(reverse("data:locks"), {"period": "2026", "reason": "年度封存"})
    lock = PeriodLock.objects.get()
    assert lock.unit is None and lock.reason == "年度封存"
    office.post(reverse("data:unlock", args=[lock.pk]), {"reason": "重开"})
    assert PeriodLock.objects.get().unlocked_at is not None
    assert signed_in(org.edu_leader).get(reverse("data:locks")).status_code == 403


def test_rules_pages(org, lib):
    office = signed_in(org.office)
    response = office.post(
        reverse("data:rule_create"),
        {
            "code": "enr-cap",
            "name": "在校生不超过学位",
            "kind": "expression",
            "indicator": lib.enr.pk,
            "severity": "block",
            "left": "#{ENR}",
            "op": "<=",
            "right": "#{CAP}",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    rule = ValidationRule.objects.get()
    assert rule.params == {"left": "#{ENR}", "op": "<=", "right": "#{CAP}"}
    bad = office.post(
        reverse("data:rule_create"),
        {
            "code": "bad",
            "name": "坏",
            "kind": "range",
            "indicator": lib.enr.pk,
            "severity": "block",
            "min": "x",
        },
    )
    assert bad.status_code == 200 and "Not a number." in bad.content.decode()
    listing = html(signed_in(org.edu_staff).get(reverse("data:rules")))
    assert "enr-cap" in listing and reverse("data:rule_create") not in listing
    assert signed_in(org.edu_leader).get(reverse("data:rule_create")).status_code == 403


def test_quality_pages(org, lib, entered, django_capture_on_commit_callbacks):
    office = signed_in(org.office)
    page = html(office.get(reverse("data:quality")))
    assert 'data-testid="quality-form"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(reverse("data:quality"), {"period": "2026", "due_days": "10"})
    run = QualityRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "data:quality_run", args=[run.pk]
    )
    page = html(office.get(reverse("data:quality_run", args=[run.pk])))
    assert 'data-testid="quality-results"' in page and "教育局" in page
    progress = office.get(
        reverse("data:quality_run", args=[run.pk]) + "?progress=1", HTTP_HX_REQUEST="true"
    )
    assert progress.status_code == 204 and progress["HX-Refresh"] == "true"
    unit = html(office.get(reverse("data:quality_unit", args=[run.pk, org.edu.pk])))
    assert 'data-testid="flags"' in unit
    # The unit leader sees its own unit's result, not the form; the staff sees nothing.
    leader = html(signed_in(org.edu_leader).get(reverse("data:quality")))
    assert 'data-testid="quality-form"' not in leader and "教育局" in leader
    assert signed_in(org.edu_staff).get(reverse("data:quality")).status_code == 403
    assert (
        signed_in(org.health_leader)
        .get(reverse("data:quality_unit", args=[run.pk, org.edu.pk]))
        .status_code
        == 404
    )
