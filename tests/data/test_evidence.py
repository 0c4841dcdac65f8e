"""Evidence files: whitelisted and sniffed types, a size limit, sha256, and downloads only for
people who may see the value (never a public URL)."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from govperf.audit.models import AuditEntry
from govperf.core.errors import Conflict, NotFound, ValidationFailed
from govperf.data import services
from govperf.data.models import EvidenceFile
from tests.data.conftest import stored
from tests.helpers import signed_in

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def office_file(kind: str) -> bytes:
    buffer = io.BytesIO()
    part = "xl/workbook.xml" if kind == "xlsx" else "word/document.xml"
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def value(org, lib):
    return stored(lib.enr, org.edu, "202603", 90)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def test_a_pdf_is_stored_under_evidence_with_its_hash(org, value, media):
    evidence = services.add_evidence(
        actor=org.edu_coord,
        data_value=value,
        upload=upload("会议纪要.pdf", PDF),
        description="纪要",
    )
    assert (evidence.name, evidence.size, evidence.content_type) == (
        "会议纪要.pdf",
        len(PDF),
        "application/pdf",
    )
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    assert evidence.file.name.startswith("evidence/") and evidence.file.name.endswith(".pdf")
    assert (media / evidence.file.name).read_bytes() == PDF
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.actor_id) == ("data.evidence_add", org.edu_coord.pk)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.png", PNG),
        ("photo.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 16),
        ("sheet.xlsx", office_file("xlsx")),
        ("report.docx", office_file("docx")),
        ("data.csv", "单位,数值\n教育局,90\n".encode("gb18030")),
    ],
)
def test_accepted_types(org, value, name, content):
    assert services.add_evidence(
        actor=org.edu_coord, data_value=value, upload=upload(name, content)
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("tool.exe", b"MZ\x90\x00", "This type of file is not accepted."),
        ("fake.pdf", b"<html>not a pdf</html>", "The file's content does not match its type."),
        ("fake.xlsx", office_file("docx"), "The file's content does not match its type."),
        ("fake.png", PDF, "The file's content does not match its type."),
        ("binary.csv", b"a,b\x00\x01", "The file's content does not match its type."),
        ("empty.pdf", b"", "The file's content does not match its type."),
        ("noextension", PDF, "This type of file is not accepted."),
    ],
)
def test_refused_types_store_nothing(org, value, media, name, content, message):
    with pytest.raises(ValidationFailed) as exc:
        services.add_evidence(actor=org.edu_coord, data_value=value, upload=upload(name, content))
    assert exc.value.message == message
    assert exc.value.details[0].field == "file"
    assert EvidenceFile.objects.count() == 0
    assert not (media / "evidence").exists()


def test_the_size_limit_is_configurable(org, value, settings):
    settings.DATA_EVIDENCE_MAX_BYTES = 100
    services.add_evidence(actor=org.edu_coord, data_value=value, upload=upload("ok.pdf", PDF))
    with pytest.raises(ValidationFailed) as exc:
        services.add_evidence(
            actor=org.edu_coord, data_value=value, upload=upload("big.pdf", PDF + b"0" * 100)
        )
    assert exc.value.message == "The file is too large."
    assert EvidenceFile.objects.count() == 1


def test_only_those_who_enter_the_units_data_attach(org, value):
    with pytest.raises(NotFound):
        services.add_evidence(
            actor=org.health_leader, data_value=value, upload=upload("a.pdf", PDF)
        )
    assert EvidenceFile.objects.count() == 0


def test_a_locked_value_takes_no_new_evidence_and_a_submitted_one_loses_none(org, value):
    evidence = services.add_evidence(
        actor=org.edu_coord, data_value=value, upload=upload("a.pdf", PDF)
    )
    value.status = "submitted"
    value.save(update_fields=["status"])
    with pytest.raises(Conflict):
        services.delete_evidence(actor=org.edu_coord, evidence=evidence)
    value.status = "locked"
    value.save(update_fields=["status"])
    with pytest.raises(Conflict):
        services.add_evidence(actor=org.edu_coord, data_value=value, upload=upload("b.pdf", PDF))
    assert EvidenceFile.objects.count() == 1


def test_deleting_a_draft_values_evidence_removes_the_file(
    org, value, media, django_capture_on_commit_callbacks
):
    evidence = services.add_evidence(
        actor=org.edu_coord, data_value=value, upload=upload("a.pdf", PDF)
    )
    path = media / evidence.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_evidence(actor=org.edu_coord, evidence=evidence)
    assert EvidenceFile.objects.count() == 0
    assert not path.exists()


def test_download_streams_the_file_to_those_who_see_the_value(org, value):
    evidence = services.add_evidence(
        actor=org.edu_coord, data_value=value, upload=upload("纪要.pdf", PDF)
    )
    url = reverse("data:evidence", args=[evidence.pk])
    for person in (org.edu_leader, org.edu_coord, org.office, org.leader):
        response = signed_in(person).get(url)
        assert response.status_code == 200, person
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]
        assert response["Cache-Control"] == "private, no-store"
    for person in (org.health_leader, org.edu_staff, org.evaluator, org.admin):
        assert signed_in(person).get(url).status_code == 404, person


def test_no_public_url_serves_evidence(org, value, client):
    evidence = services.add_evidence(
        actor=org.edu_coord, data_value=value, upload=upload("a.pdf", PDF)
    )
    assert client.get(reverse("data:evidence", args=[evidence.pk])).status_code == 302  # sign in
    assert client.get("/media/" + evidence.file.name).status_code == 404
    assert signed_in(org.edu_leader).get("/" + evidence.file.name).status_code == 404


def test_upload_and_delete_through_the_value_page(org, value):
    client = signed_in(org.edu_coord)
    url = reverse("data:evidence_add", args=[value.pk])
    response = client.post(url, {"file": upload("纪要.pdf", PDF), "description": "会议"})
    assert response.status_code == 302
    evidence = EvidenceFile.objects.get()
    page = client.get(reverse("data:value", args=[value.pk])).content.decode()
    assert "纪要.pdf" in page and evidence.sha256 in page
    response = client.post(url, {"file": upload("x.exe", b"MZ")}, follow=True)
    assert "This type of file is not accepted." in response.content.decode()
    client.post(reverse("data:evidence_delete", args=[evidence.pk]))
    assert EvidenceFile.objects.count() == 0
