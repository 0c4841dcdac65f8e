"""The library's pages as the office (edits) and as a unit leader (reads only)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from govperf.indicators.models import Indicator, Rubric, Tag, Taxonomy
from govperf.indicators.services import Definition
from tests.helpers import signed_in
from tests.indicators.conftest import make_indicator

EDIT_MARKERS = ('data-testid="new-indicator"', 'data-testid="indicator-actions"')


@pytest.fixture
def library(org, presets):
    economy = Tag.objects.get(code="economy")
    government = Tag.objects.get(code="government")
    make_indicator(org.office, "A", "按时办结件数", unit_of_measure="件", tags=(government,))
    make_indicator(org.office, "B", "办结件数", unit_of_measure="件", tags=(government,))
    make_indicator(
        org.office, "R", "政务服务事项按时办结率", formula="#{A}/#{B}*100", tags=(government,)
    )
    make_indicator(org.office, "G", "地区生产总值", frequency="Quarterly", tags=(economy,))
    make_indicator(
        org.office,
        "Q",
        "依法行政水平",
        kind="qualitative",
        rubric=Rubric.objects.get(code="three-level"),
        frequency="Yearly",
    )
    return org


def test_the_library_lists_and_filters(library):
    client = signed_in(library.edu_leader)
    page = client.get("/indicators/").content.decode()
    assert page.count('href="/indicators/') >= 5
    assert "政务服务事项按时办结率" in page and "地区生产总值" in page
    economy = Tag.objects.get(code="economy")
    fragment = client.get(f"/indicators/?tag={economy.pk}", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment
    assert "地区生产总值" in fragment and "按时办结件数" not in fragment
    fragment = client.get("/indicators/?kind=qualitative", HTTP_HX_REQUEST="true").content.decode()
    assert "依法行政水平" in fragment and "地区生产总值" not in fragment
    fragment = client.get("/indicators/?q=办结", HTTP_HX_REQUEST="true").content.decode()
    assert fragment.count("<tr>") == 1 + 3  # header and three indicators
    fragment = client.get(
        "/indicators/?frequency=Quarterly&direction=higher", HTTP_HX_REQUEST="true"
    )
    assert "地区生产总值" in fragment.content.decode()


def test_the_library_is_paginated(org):
    for n in range(30):
        make_indicator(org.office, f"X{n:02d}", f"指标{n:02d}")
    client = signed_in(org.edu_staff)
    first = client.get("/indicators/").content.decode()
    assert "X24" in first and "X25" not in first and 'data-testid="next-page"' in first
    second = client.get("/indicators/?page=2", HTTP_HX_REQUEST="true").content.decode()
    assert "X25" in second and "X29" in second and "X00" not in second


def test_a_filter_for_inactive_indicators(org):
    from govperf.indicators import services

    x = make_indicator(org.office, "X", "停用的指标")
    services.set_indicator_active(actor=org.office, indicator=x, active=False, expected_version=1)
    client = signed_in(org.office)
    assert "停用的指标" not in client.get("/indicators/").content.decode()
    assert "停用的指标" in client.get("/indicators/?active=0").content.decode()
    assert "停用的指标" in client.get("/indicators/?active=").content.decode()


def test_only_the_office_sees_edit_buttons(library):
    rate = Indicator.objects.get(code="R")
    office = signed_in(library.office)
    leader = signed_in(library.edu_leader)
    for url in ("/indicators/", f"/indicators/{rate.pk}/"):
        office_page = office.get(url).content.decode()
        leader_page = leader.get(url).content.decode()
        assert any(m in office_page for m in EDIT_MARKERS)
        assert not any(m in leader_page for m in EDIT_MARKERS)
        assert f"/indicators/{rate.pk}/edit/" not in leader_page
    for url in (
        f"/indicators/{rate.pk}/edit/",
        "/indicators/new/",
        "/indicators/import/",
        "/indicators/rubrics/new/",
    ):
        assert leader.get(url).status_code == 403
        assert office.get(url).status_code == 200


def test_the_detail_shows_the_definition_history_and_use(library, plan_lines):
    from govperf.indicators import services

    rate = Indicator.objects.get(code="R")
    plan_lines.objects.create(version=rate.current)
    services.update_indicator(
        actor=library.office,
        indicator=rate,
        expected_version=1,
        definition=Definition.of(rate.current).replace(name="按时办结率", unit_of_measure="%"),
        change_note="名称简化",
    )
    page = signed_in(library.edu_leader).get(f"/indicators/{rate.pk}/").content.decode()
    assert "#{A} / #{B} * 100" in page
    assert 'data-testid="version-diff"' in page
    assert "政务服务事项按时办结率" in page and "按时办结率" in page and "名称简化" in page
    assert "plan lines" in page  # where it is used
    a = Indicator.objects.get(code="A")
    a_page = signed_in(library.edu_leader).get(f"/indicators/{a.pk}/").content.decode()
    assert f'href="/indicators/{rate.pk}/"' in a_page  # used in R's formula
    q = Indicator.objects.get(code="Q")
    q_page = signed_in(library.edu_leader).get(f"/indicators/{q.pk}/").content.decode()
    assert 'data-testid="rubric-levels"' in q_page and "部分达成" in q_page and "60–80%" in q_page


def test_the_editor_creates_and_edits(library):
    client = signed_in(library.office)
    economy = Tag.objects.get(code="economy")
    form = {
        "code": "ECO-9",
        "name": "固定资产投资完成率",
        "unit_of_measure": "%",
        "formula": "#{G} * 2",
        "frequency": "Monthly",
        "time_aggregation": "last",
        "direction": "higher",
        "kind": "quantitative",
        "horizon": "annual",
        "decimals": "2",
        "tags": [str(economy.pk)],
    }
    response = client.post("/indicators/new/", form)
    assert response.status_code == 302
    created = Indicator.objects.get(code="ECO-9")
    assert (created.current.formula, [t.code for t in created.current.tags.all()]) == (
        "#{G} * 2",
        ["economy"],
    )
    response = client.post(
        f"/indicators/{created.pk}/edit/", {**form, "name": "投资完成率", "version": "1"}
    )
    assert response.status_code == 302
    assert Indicator.objects.get(code="ECO-9").current.name == "投资完成率"


def test_the_editor_shows_formula_errors_on_the_field(library):
    client = signed_in(library.office)
    response = client.post(
        "/indicators/new/",
        {
            "code": "BAD",
            "name": "坏公式",
            "formula": "#{A} + #{NOPE}",
            "frequency": "Monthly",
            "time_aggregation": "sum",
            "direction": "higher",
            "kind": "quantitative",
            "horizon": "annual",
            "decimals": "2",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "Column 8: there is no indicator with the code NOPE." in response.content.decode()
    assert not Indicator.objects.filter(code="BAD").exists()


def test_a_stale_edit_is_a_conflict(library):
    client = signed_in(library.office)
    g = Indicator.objects.get(code="G")
    data = {
        "name": "GDP",
        "frequency": "Quarterly",
        "time_aggregation": "sum",
        "direction": "higher",
        "kind": "quantitative",
        "horizon": "annual",
        "decimals": "2",
        "version": "1",
    }
    assert client.post(f"/indicators/{g.pk}/edit/", data).status_code == 302
    assert client.post(f"/indicators/{g.pk}/edit/", {**data, "name": "又改"}).status_code == 409
    assert Indicator.objects.get(code="G").current.name == "GDP"


def test_taxonomy_pages(library):
    office, leader = signed_in(library.office), signed_in(library.edu_leader)
    assert "服务对象满意度" in leader.get("/indicators/taxonomies/").content.decode()
    page = leader.get("/indicators/taxonomies/budget/").content.decode()
    assert "/indicators/taxonomies/budget/cost/" not in page
    assert (
        "/indicators/taxonomies/budget/cost/"
        in office.get("/indicators/taxonomies/budget/").content.decode()
    )
    response = office.post(
        "/indicators/taxonomies/budget/",
        {
            "add_tag": "1",
            "tag-code": "cost-time",
            "tag-name": "时间成本",
            "tag-sort_order": "5",
            "tag-parent": str(Tag.objects.get(code="cost").pk),
        },
    )
    assert response.status_code == 302
    assert Tag.objects.get(code="cost-time").parent.code == "cost"
    response = office.post(
        "/indicators/taxonomies/", {"code": "bsc", "name": "平衡计分卡", "sort_order": "50"}
    )
    assert response.status_code == 302 and Taxonomy.objects.filter(code="bsc").exists()
    assert (
        leader.post(
            "/indicators/taxonomies/", {"code": "x", "name": "X", "sort_order": "1"}
        ).status_code
        == 403
    )
    assert not Taxonomy.objects.filter(code="x").exists()


def test_rubric_editor(library):
    client = signed_in(library.office)
    page = client.get("/indicators/rubrics/new/").content.decode()
    assert 'value="部分达成"' in page  # the default levels are offered
    data = {
        "code": "four",
        "name": "四级",
        "levels-TOTAL_FORMS": "5",
        "levels-INITIAL_FORMS": "0",
        "levels-0-name": "优秀",
        "levels-0-min": "0.9",
        "levels-0-max": "1",
        "levels-1-name": "良好",
        "levels-1-min": "0.75",
        "levels-1-max": "0.9",
        "levels-2-name": "一般",
        "levels-2-min": "0.6",
        "levels-2-max": "0.75",
        "levels-3-name": "差",
        "levels-3-min": "0",
        "levels-3-max": "0.6",
    }
    assert client.post("/indicators/rubrics/new/", data).status_code == 302
    assert [lv["name"] for lv in Rubric.objects.get(code="four").levels] == [
        "优秀",
        "良好",
        "一般",
        "差",
    ]
    bad = {**data, "code": "bad", "levels-1-min": "0.5"}
    response = client.post("/indicators/rubrics/new/", bad, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert (
        "Level 3: its range 0.6–0.75 overlaps the range 0.5–0.9 of level 2."
        in response.content.decode()
    )
    assert not Rubric.objects.filter(code="bad").exists()


def test_import_page_previews_then_imports(library):
    client = signed_in(library.office)
    csv = "code,name,unit_of_measure\nNEW-1,新指标,个\nA,按时办结件数,件\n".encode()
    response = client.post("/indicators/import/", {"file": SimpleUploadedFile("i.csv", csv)})
    page = response.content.decode()
    assert 'data-testid="import-preview"' in page and 'name="stash"' in page
    assert not Indicator.objects.filter(code="NEW-1").exists()
    stash = page.split('name="stash" value="')[1].split('"')[0]
    done = client.post("/indicators/import/", {"stash": stash}).content.decode()
    assert 'data-testid="import-done"' in done
    assert Indicator.objects.get(code="NEW-1").current.unit_of_measure == "个"


def test_import_page_lists_located_errors(library):
    client = signed_in(library.office)
    csv = "code,name,frequency\nN1,新,hourly\n".encode()
    page = client.post(
        "/indicators/import/", {"file": SimpleUploadedFile("i.csv", csv)}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Row 2, column C (frequency): Not a valid choice." in page
    assert 'name="stash"' not in page


def test_template_and_export_downloads(library):
    leader = signed_in(library.edu_leader)
    response = leader.get("/indicators/export/")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    response = leader.get("/indicators/export/?format=csv")
    assert "政务服务事项按时办结率" in response.content.decode("utf-8-sig")
    assert leader.get("/indicators/import/template.xlsx").status_code == 403
    assert signed_in(library.office).get("/indicators/import/template.xlsx").status_code == 200


def test_the_library_page_and_list_api_take_as_many_queries_for_30_indicators_as_for_3(
    org, presets
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    economy, government = Tag.objects.get(code="economy"), Tag.objects.get(code="government")
    client = signed_in(org.edu_leader)
    counts = []
    for batch in (3, 27):
        for i in range(batch):
            make_indicator(org.office, f"N{batch}-{i}", tags=(economy, government))
        client.get("/indicators/")  # warm the session
        with CaptureQueriesContext(connection) as page:
            client.get("/indicators/")
        with CaptureQueriesContext(connection) as api:
            client.get("/api/v1/indicators")
        counts.append((len(page), len(api)))
    assert counts[0] == counts[1]
