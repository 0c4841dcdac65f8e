"""Files sent as downloads: one place for their content types and headers."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def attachment(data: bytes | str, content_type: str, filename: str) -> HttpResponse:
    """``data`` as a download named ``filename`` (quoted for any script, Chinese included)."""
    return HttpResponse(
        data,
        content_type=content_type,
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )
