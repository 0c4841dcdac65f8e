"""The organisation pages, as each kind of user sees them."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile

from govperf.orgs.models import Membership, Person, Unit
from tests.helpers import signed_in


def test_tree_shows_the_visible_roots(org):
    page = signed_in(org.edu_leader).get("/orgs/").content.decode()
    assert f'href="/orgs/units/{org.edu.pk}/"' in page
    assert f'href="/orgs/units/{org.health.pk}/"' not in page
    page = signed_in(org.office).get("/orgs/").content.decode()
    assert f'href="/orgs/units/{org.city.pk}/"' in page


def test_tree_children_fragment_and_search(org):
    client = signed_in(org.office)
    fragment = client.get(f"/orgs/units/{org.edu.pk}/children/").content.decode()
    assert "基础教育科" in fragment and "<html" not in fragment
    results = client.get("/orgs/?q=教育", HTTP_HX_REQUEST="true").content.decode()
    assert "unit-search-results" in results and "<html" not in results
    assert results.count("<li") == 3  # 教育局, 基础教育科, 东城区教育局


def test_unit_detail_shows_members_and_actions_by_role(org):
    page = signed_in(org.office).get(f"/orgs/units/{org.edu.pk}/").content.decode()
    assert "教育局长" in page and f"/orgs/units/{org.edu.pk}/edit/" in page
    page = signed_in(org.edu_staff).get(f"/orgs/units/{org.edu.pk}/").content.decode()
    assert f"/orgs/units/{org.edu.pk}/edit/" not in page
    assert "教育局长" not in page  # staff see the people of their own section only
    assert signed_in(org.edu_staff).get(f"/orgs/units/{org.health.pk}/").status_code == 404


def test_edit_unit_with_stale_version_shows_the_conflict(org):
    client = signed_in(org.office)
    data = {"code": "edu", "name": "市教育局", "kind": "department", "sort_order": 1, "version": 1}
    assert client.post(f"/orgs/units/{org.edu.pk}/edit/", data).status_code == 302
    response = client.post(f"/orgs/units/{org.edu.pk}/edit/", {**data, "name": "又改"})
    assert response.status_code == 409
    assert Unit.objects.get(pk=org.edu.pk).name == "市教育局"


def test_move_page_offers_only_units_outside_the_subtree(org):
    page = signed_in(org.office).get(f"/orgs/units/{org.edu.pk}/move/").content.decode()
    assert f'value="{org.health.pk}"' in page
    assert f'value="{org.edu_s1.pk}"' not in page


def test_people_list_filters_and_pages(org):
    client = signed_in(org.admin)
    page = client.get("/orgs/people/?role=unit_leader").content.decode()
    assert "edu_leader" in page and "health_leader" in page and "edu_staff" not in page
    assert signed_in(org.edu_staff).get("/orgs/people/").status_code == 200
    assert "health_leader" not in signed_in(org.edu_staff).get("/orgs/people/").content.decode()


def test_admin_person_actions(org):
    client = signed_in(org.admin)
    url = f"/orgs/people/{org.edu_staff.pk}/"
    client.post(url + "password/", {"password": "Fresh#Pass2026x"})
    org.edu_staff.refresh_from_db()
    assert org.edu_staff.check_password("Fresh#Pass2026x") and org.edu_staff.must_change_password
    client.post(url + "memberships/", {"unit": org.health.pk, "role": "evaluator", "title": "评委"})
    assert Membership.objects.filter(
        person=org.edu_staff, unit=org.health, role="evaluator"
    ).exists()
    client.post(url + "deactivate/", {"version": org.edu_staff.version})
    assert not Person.objects.get(pk=org.edu_staff.pk).is_active
    assert signed_in(org.office).post(url + "activate/").status_code == 403


def test_import_page_preview_then_confirm(org):
    client = signed_in(org.admin)
    upload = SimpleUploadedFile(
        "units.csv", b"code,name,kind,parent\nnew-sec,New,section,edu\n", "text/csv"
    )
    preview = client.post("/orgs/import/", {"kind": "units", "file": upload})
    html = preview.content.decode()
    assert (
        'data-testid="import-preview"' in html and not Unit.objects.filter(code="new-sec").exists()
    )
    stash = html.split('name="stash" value="')[1].split('"')[0]
    done = client.post("/orgs/import/", {"stash": stash})
    assert 'data-testid="import-done"' in done.content.decode()
    assert Unit.objects.get(code="new-sec").parent_id == org.edu.pk
    # The stash is used once.
    again = client.post("/orgs/import/", {"stash": stash})
    assert again.status_code == 302


def test_import_page_shows_located_errors(org):
    client = signed_in(org.admin)
    upload = SimpleUploadedFile("units.csv", b"code,name,kind\nx,,section\n", "text/csv")
    html = client.post("/orgs/import/", {"kind": "units", "file": upload}).content.decode()
    assert 'data-testid="import-errors"' in html
    assert "B (name)" in html


def test_import_template_download(org):
    response = signed_in(org.admin).get("/orgs/import/template/people.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    from openpyxl import load_workbook

    headers = [
        c.value
        for c in next(load_workbook(io.BytesIO(response.content)).active.iter_rows(max_row=1))
    ]
    assert headers[0] == "用户名"


def test_groups_page(org):
    client = signed_in(org.office)
    client.post("/orgs/groups/", {"code": "econ", "name": "经济类", "description": ""})
    assert "经济类" in client.get("/orgs/groups/").content.decode()
    assert (
        "<form"
        not in signed_in(org.leader)
        .get("/orgs/groups/")
        .content.decode()
        .split("<main")[1]
        .split("</main>")[0]
    )
