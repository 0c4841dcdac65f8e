"""Exports from the stored rows: Excel through core.tabular, PDF through WeasyPrint with the
CJK font, checked for its Chinese text."""

import io
import re
import zlib

from django.urls import reverse
from openpyxl import load_workbook

from tests.helpers import signed_in


def streams(data: bytes) -> list[bytes]:
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            out.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return out


def pdf_characters(data: bytes) -> set[str]:
    """The characters a PDF can show: the Unicode side of its fonts' ToUnicode maps."""
    chars: set[str] = set()
    for text in streams(data):
        if b"begincmap" not in text:
            continue
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
            for unicode_hex in re.findall(rb"<[0-9A-Fa-f]+>\s*<([0-9A-Fa-f]+)>", block):
                chars.add(bytes.fromhex(unicode_hex.decode()).decode("utf-16-be"))
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
            for lo, hi, start in re.findall(
                rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
            ):
                first = int(start, 16)
                for k in range(int(hi, 16) - int(lo, 16) + 1):
                    chars.add(chr(first + k))
    return chars


def test_results_to_excel(world, published):
    response = signed_in(world.office).get(reverse("evaluation:export_xlsx", args=[published.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "Unit code", "Unit", "Comparable group", "目标考核 (goal)", "社会评价 (social)",
        "领导考评 (leader)", "Bonus", "Composite score", "Grade", "Rank", "Veto",
    )  # fmt: skip
    by_code = {r[0]: r for r in rows[1:]}
    assert by_code["edu"][3:10] == (98, 87.67, 92, 2, 96.3, "优秀", 1)
    assert by_code["county"][6:9] == (3, 78.3, "合格")


def test_indicator_rows_to_excel_only_for_units_in_reach(world, published):
    office = load_workbook(io.BytesIO(
        signed_in(world.office).get(reverse("evaluation:export_indicators", args=[published.pk])).content
    )).active  # fmt: skip
    assert office.max_row == 1 + 9
    edu = load_workbook(io.BytesIO(
        signed_in(world.org.edu_leader).get(reverse("evaluation:export_indicators", args=[published.pk])).content
    )).active  # fmt: skip
    rows = list(edu.iter_rows(values_only=True))[1:]
    assert {r[0] for r in rows} == {"edu"} and len(rows) == 3
    enr = next(r for r in rows if r[3] == "ENR")
    assert enr[4:9] == (110, None, "higher_better(target=100.0)", 1, 50)


def test_results_to_pdf_with_chinese_text(world, published):
    response = signed_in(world.office).get(reverse("evaluation:export_pdf", args=[published.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF-") and len(data) > 8000
    # The CJK font is embedded (its name sits in a compressed object stream).
    fonts = {m for s in streams(data) for m in re.findall(rb"/BaseFont\s*/[A-Z]{6}\+([^\s/>]+)", s)}
    assert fonts == {b"Noto-Sans-CJK-SC", b"Noto-Sans-CJK-SC-Bold"}
    assert set("测试方案教育局卫健委东城区优秀良好合格") <= pdf_characters(data)


def test_a_units_pdf(world, published):
    client = signed_in(world.org.edu_leader)
    response = client.get(reverse("evaluation:unit_pdf", args=[published.pk, world.org.edu.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert set("教育局目标考核社会评价领导考评") <= pdf_characters(response.content)
    assert (
        client.get(
            reverse("evaluation:unit_pdf", args=[published.pk, world.org.health.pk])
        ).status_code
        == 404
    )
