"""Code mappings between another system's ids (DHIS2 UIDs) and our codes.

A mapping is the office's stored ``CodeMapping`` rows, overlaid for one import or
export by a ``MAP.csv`` file (``kind,external,code``). Both directions must be
one to one within a kind, so that an export gives back the ids an import took.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from govperf.core.errors import ErrorDetail, ValidationFailed

KINDS = ("dataElement", "orgUnit", "categoryOptionCombo", "attributeOptionCombo")
# The field of ours each kind maps to, for messages.
KIND_FIELDS = {
    "dataElement": "indicator",
    "orgUnit": "unit",
    "categoryOptionCombo": "category",
    "attributeOptionCombo": "attribute",
}
_KIND_LOOKUP = {k.lower(): k for k in KINDS}


@dataclass
class Mapping:
    forward: dict[str, dict[str, str]] = field(default_factory=lambda: {k: {} for k in KINDS})

    def __post_init__(self) -> None:
        for kind in KINDS:
            self.forward.setdefault(kind, {})

    @property
    def reverse(self) -> dict[str, dict[str, str]]:
        return {
            kind: {code: ext for ext, code in ids.items()} for kind, ids in self.forward.items()
        }

    def __len__(self) -> int:
        return sum(len(v) for v in self.forward.values())

    def rows(self) -> list[tuple[str, str, str]]:
        return [
            (kind, ext, code) for kind in KINDS for ext, code in sorted(self.forward[kind].items())
        ]

    def overlay(self, other: Mapping) -> Mapping:
        merged = {kind: {**self.forward[kind], **other.forward[kind]} for kind in KINDS}
        return Mapping(merged)


def stored_mapping() -> Mapping:
    from govperf.data.models import CodeMapping

    mapping = Mapping()
    for kind, external, code in CodeMapping.objects.values_list("kind", "external", "code"):
        if kind in mapping.forward:
            mapping.forward[kind][external] = code
    return mapping


def parse_rows(rows: Iterable[tuple[int, list[str]]]) -> Mapping:
    """``kind,external,code`` rows (a header row is skipped); every problem is located."""
    mapping = Mapping()
    errors: list[ErrorDetail] = []
    seen_code: dict[tuple[str, str], tuple[str, int]] = {}
    for number, cells in rows:
        cells = [c.strip() for c in cells] + ["", "", ""]
        kind_raw, external, code = cells[0], cells[1], cells[2]
        if not any((kind_raw, external, code)):
            continue
        if kind_raw.lower() == "kind" and external.lower() == "external":
            continue
        kind = _KIND_LOOKUP.get(kind_raw.lower())
        if kind is None:
            errors.append(
                ErrorDetail(
                    row=number,
                    column="A (kind)",
                    value=kind_raw,
                    message=_("Unknown kind; use one of %(kinds)s.") % {"kinds": ", ".join(KINDS)},
                )
            )
            continue
        if not external:
            errors.append(
                ErrorDetail(
                    row=number, column="B (external)", message=_("The external id is empty.")
                )
            )
            continue
        if not code and kind in ("dataElement", "orgUnit"):
            errors.append(
                ErrorDetail(
                    row=number, column="C (code)", value=external, message=_("Our code is empty.")
                )
            )
            continue
        if external in mapping.forward[kind]:
            errors.append(
                ErrorDetail(
                    row=number,
                    column="B (external)",
                    value=external,
                    message=_("This external id is mapped twice."),
                )
            )
            continue
        other = seen_code.get((kind, code))
        if other is not None:
            errors.append(
                ErrorDetail(
                    row=number,
                    column="C (code)",
                    value=code,
                    message=_(
                        "Our code is already mapped from %(other)s (row %(row)d); a mapping is one to one."
                    )
                    % {"other": other[0], "row": other[1]},
                )
            )
            continue
        seen_code[(kind, code)] = (external, number)
        mapping.forward[kind][external] = code
    if errors:
        raise ValidationFailed(_("The code mapping has errors."), errors)
    return mapping


def parse_file(data: bytes) -> Mapping:
    import io

    from govperf.data.exchange.readers import csv_sheet

    sheet = csv_sheet(io.BytesIO(data))
    try:
        return parse_rows(sheet.rows())
    finally:
        sheet.close()


def mapping_for(rows: list[list[str]] | None) -> Mapping:
    """The stored mapping, overlaid by the rows of a MAP.csv when one is given."""
    base = stored_mapping()
    if not rows:
        return base
    return base.overlay(Mapping({k: dict(v) for k, v in _group(rows).items()}))


def _group(rows: list[list[str]]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {k: {} for k in KINDS}
    for kind, external, code in rows:
        out[kind][external] = code
    return out
