"""The import, export and mapping pages and API: upload, preview, confirm, progress, history."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from govperf.data.models import CodeMapping, DataValue, ImportJob
from tests.helpers import signed_in

CSV = b"indicator,unit,period,value\nENR,edu,202603,12\nCAP,edu,202603,20\n"


def upload(client, data=CSV, name="v.csv", **extra):
    return client.post(reverse("data:import"), {"file": SimpleUploadedFile(name, data), **extra})


def test_upload_previews_then_confirm_imports(org, lib):
    client = signed_in(org.edu_coord)
    response = upload(client)
    job = ImportJob.objects.get()
    assert (
        response.status_code == 302 and job.status == "checked" and DataValue.objects.count() == 0
    )
    page = client.get(reverse("data:import_job", args=[job.pk]))
    assert b'data-testid="import-preview"' in page.content and b"ENR" in page.content
    client.post(reverse("data:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "done" and job.counts["created"] == 2
    assert DataValue.objects.filter(source="import").count() == 2


def test_errors_are_shown_and_confirm_is_refused(org, lib):
    client = signed_in(org.edu_coord)
    upload(client, b"indicator,unit,period,value\nENR,edu,202603,x\n")
    job = ImportJob.objects.get()
    assert job.status == "refused" and job.errors[0]["row"] == 2
    page = client.get(reverse("data:import_job", args=[job.pk]))
    assert b'data-testid="import-errors"' in page.content and b"import-confirm" not in page.content
    response = client.post(reverse("data:import_confirm", args=[job.pk]))
    assert response.status_code == 409 and DataValue.objects.count() == 0


def test_large_file_runs_as_a_task_with_progress(org, lib, settings):
    settings.DATA_IMPORT_TASK_ROWS = 1
    client = signed_in(org.edu_coord)
    upload(client)
    job = ImportJob.objects.get()
    assert job.status == "checked" and (job.progress_done, job.percent) == (2, 100)
    fragment = client.get(reverse("data:import_job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert b'id="job-bar"' in fragment.content and b"<html" not in fragment.content


def test_other_peoples_jobs_are_not_found(org, lib):
    upload(signed_in(org.edu_coord))
    job = ImportJob.objects.get()
    assert (
        signed_in(org.health_leader).get(reverse("data:import_job", args=[job.pk])).status_code
        == 404
    )
    assert signed_in(org.office).get(reverse("data:import_jobs")).status_code == 200


def test_export_page_downloads_a_template(org, lib):
    client = signed_in(org.edu_coord)
    response = client.get(
        reverse("data:export"), {"format": "template-xlsx", "unit": "edu", "period": "202603"}
    )
    assert response.status_code == 200
    assert (
        response["Content-Disposition"] == 'attachment; filename="govperf-template-edu-202603.xlsx"'
    )


def test_mappings_page_is_for_the_office(org):
    assert signed_in(org.edu_coord).get(reverse("data:mappings")).status_code == 403
    client = signed_in(org.office)
    client.post(reverse("data:mappings"), {"kind": "orgUnit", "external": "X1", "code": "edu"})
    client.post(
        reverse("data:mappings"),
        {"file": SimpleUploadedFile("MAP.csv", b"kind,external,code\ndataElement,D1,ENR\n")},
    )
    assert sorted(CodeMapping.objects.values_list("kind", "external", "code")) == [
        ("dataElement", "D1", "ENR"),
        ("orgUnit", "X1", "edu"),
    ]


def test_api_import_dry_run_then_import(org, lib):
    client = signed_in(org.edu_coord)
    response = client.post("/api/v1/data/imports", {"file": SimpleUploadedFile("v.csv", CSV)})
    assert response.status_code == 200 and response.json()["status"] == "checked"
    assert DataValue.objects.count() == 0
    response = client.post(
        "/api/v1/data/imports", {"file": SimpleUploadedFile("v.csv", CSV), "dry_run": "false"}
    )
    body = response.json()
    assert (response.status_code, body["status"], body["counts"]["created"]) == (200, "done", 2)
    listed = client.get("/api/v1/data/imports").json()
    assert listed["count"] == 2


def test_api_refusal_is_located(org, lib):
    client = signed_in(org.edu_coord)
    response = client.post(
        "/api/v1/data/imports",
        {
            "file": SimpleUploadedFile(
                "v.csv", b"indicator,unit,period,value\nENR,health,202603,1\n"
            ),
            "dry_run": "false",
        },
    )
    body = response.json()
    assert body["status"] == "refused"
    assert body["errors"] == [
        {
            "message": "You may not enter data for this unit.",
            "field": None,
            "row": 2,
            "column": "B (unit)",
            "value": "health",  # as the file says it
        }
    ]


def test_api_mappings(org):
    client = signed_in(org.office)
    created = client.post(
        "/api/v1/data/mappings",
        {"kind": "orgUnit", "external": "X1", "code": "edu"},
        content_type="application/json",
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    patched = client.patch(
        f"/api/v1/data/mappings/{pk}", {"code": "health"}, content_type="application/json"
    )
    assert patched.json()["code"] == "health"
    assert client.delete(f"/api/v1/data/mappings/{pk}").status_code == 204
    assert signed_in(org.edu_coord).get("/api/v1/data/mappings").status_code == 403
