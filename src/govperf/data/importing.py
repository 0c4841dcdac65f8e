"""Importing values from files: Excel and CSV (long or the per-unit template), DHIS2 JSON and CSV.

One entry point, :func:`import_file`, for the import page, the API, the CLI, the
worker and the benchmark. It streams the file into one writer session
(``data.writer``), which resolves codes to ids and checks everything in SQL, so the
whole file is checked, then written in one transaction or not at all. A long-format
CSV file goes into the session as its bytes (on PostgreSQL: ``WriteSession.copy_csv``);
any other file, or a CSV file the fast path does not take exactly, is read in chunks
(``exchange.readers``), DHIS2 ids mapped to our codes first. Every problem comes back
located: the row and column of a spreadsheet, or ``dataValues[i].field`` of a JSON file.

Formats:

- **long** (``csv`` / ``xlsx``): one value per row, columns ``indicator, unit,
  period, value`` and optionally ``level, comment, category, attribute`` (our
  export's name, status and timestamp columns are accepted and ignored);
- **template** (``csv`` / ``xlsx``): the sheet downloaded per unit and period —
  a ``unit`` row and a ``period`` row above a table of indicators with their
  name and target and one value column; blank values are left out. Without the
  two rows, ``--unit`` and ``--period`` say which;
- **DHIS2** ``dataValueSets`` (``dhis2-json``, ``dhis2-csv``), through a mapping.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from govperf.core.errors import ErrorDetail, ValidationFailed
from govperf.core.tabular import Table, map_columns
from govperf.data import conf
from govperf.data.exchange import dhis2
from govperf.data.exchange.mapping import KIND_FIELDS, Mapping, mapping_for
from govperf.data.exchange.readers import (
    RowStream,
    Sheet,
    check_size,
    csv_sheet,
    detect_encoding,
    json_document,
    xlsx_sheet,
)
from govperf.data.writer import WriteResult, WriteSession, open_session

FORMATS = ("csv", "xlsx", "dhis2-json", "dhis2-csv")
PREVIEW_ROWS = 20

LONG_COLUMNS = {
    "indicator": ["indicator_code", "指标编码", "指标代码"],
    "indicator_name": ["指标名称", "指标"],
    "unit": ["unit_code", "单位编码", "单位代码"],
    "unit_name": ["单位名称", "单位"],
    "period": ["period_code", "期间", "期间代码"],
    "category": ["disaggregation", "分类"],
    "attribute": ["属性"],
    "value": ["数值", "值", "实际值"],
    "level": ["rubric_level", "等级", "评价等级"],
    "comment": ["备注", "说明"],
    "status": ["状态"],
    "updated_at": ["更新时间"],
}
TEMPLATE_COLUMNS = {
    "indicator": ["indicator_code", "指标编码", "指标代码"],
    "name": ["indicator_name", "指标名称", "指标"],
    "unit_of_measure": ["计量单位"],
    "target": ["目标值"],
    "value": ["数值", "值", "实际值"],
    "level": ["rubric_level", "等级", "评价等级"],
    "comment": ["备注", "说明"],
}
# Headers that make a file the long format (the template has neither).
KEY_HEADERS = {
    "unit",
    "unit_code",
    "单位编码",
    "单位代码",
    "period",
    "period_code",
    "期间",
    "期间代码",
}
UNIT_LABELS = {"unit", "unit_code", "单位", "单位编码"}
PERIOD_LABELS = {"period", "period_code", "期间", "期间代码"}
# DHIS2 field names for errors located in a JSON file.
JSON_NAMES = {**dhis2.JSON_FIELDS, "level": "value"}

Chunk = tuple[list[int], dict[str, list[str]]]


@dataclass
class ImportOutcome:
    format: str
    layout: str  # long, template, dhis2
    filename: str
    size: int
    sha256: str
    result: WriteResult
    preview: list[dict[str, str]] = field(default_factory=list)
    blank: int = 0
    # The file went into the writer as its bytes (``WriteSession.copy_csv``), not row by row.
    fast: bool = False

    @property
    def ok(self) -> bool:
        return self.result.ok

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ok": self.ok,
            "dry_run": self.result.dry_run,
            "format": self.format,
            "file": self.filename,
            "sha256": self.sha256,
            **self.result.counts(),
            "blank": self.blank,
            "batch": self.result.batch_id,
        }
        if self.result.errors:
            out["errors"] = [d.as_dict() for d in self.result.errors]
            if self.result.more_errors:
                out["more_errors"] = self.result.more_errors
        if self.result.warnings:
            out["warnings"] = [d.as_dict() for d in self.result.warnings]
        return out


def detect_format(filename: str, head: bytes = b"") -> str:
    name = filename.lower()
    if name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith(".json"):
        return "dhis2-json"
    if name.endswith((".csv", ".txt")):
        first = head.split(b"\n", 1)[0].lower()
        return "dhis2-csv" if b"dataelement" in first else "csv"
    raise ValidationFailed(
        _("Unsupported file type; upload .xlsx, .csv or .json."),
        [
            ErrorDetail(
                field="file",
                value=filename,
                message=_("Unsupported file type; upload .xlsx, .csv or .json."),
            )
        ],
    )


def count_rows(stream: IO[bytes], fmt: str) -> int:
    """A quick estimate of the rows in a file, to decide whether it runs as a task."""
    stream.seek(0)
    if fmt in ("csv", "dhis2-csv"):
        lines = 0
        while block := stream.read(1 << 20):
            lines += block.count(b"\n")
        stream.seek(0)
        return lines
    if fmt == "xlsx":
        from govperf.data.exchange.xlsx import XlsxError, open_workbook

        try:
            workbook = open_workbook(stream)
            try:
                rows = workbook.dimension_rows()
            finally:
                workbook.close()
        except (XlsxError, KeyError, ValueError):  # refused, with its reason, by the import
            rows = 0
        stream.seek(0)
        return rows
    data = stream.read()
    stream.seek(0)
    return data.count(b'"dataElement"')


# --- the one entry point ------------------------------------------------------------------


def import_file(
    *,
    actor,
    stream: IO[bytes] | bytes | Path,
    filename: str,
    fmt: str | None = None,
    unit: str | None = None,
    period: str | None = None,
    mapping_rows: list[list[str]] | None = None,
    dry_run: bool = False,
    batch_id: str = "",
    source: str = "import",
    progress: Callable[[int], None] | None = None,
    preview_rows: int = PREVIEW_ROWS,
) -> ImportOutcome:
    """Check and (unless ``dry_run``) import one file; never raises for a bad file."""
    close = None
    if isinstance(stream, Path):
        stream = close = stream.open("rb")
    elif isinstance(stream, bytes | bytearray):
        stream = io.BytesIO(stream)
    try:
        return _import(
            actor=actor,
            stream=stream,
            filename=filename,
            fmt=fmt,
            unit=unit,
            period=period,
            mapping_rows=mapping_rows,
            dry_run=dry_run,
            batch_id=batch_id,
            source=source,
            progress=progress,
            preview_rows=preview_rows,
        )
    finally:
        if close is not None:
            close.close()


def _import(
    *,
    actor,
    stream,
    filename,
    fmt,
    unit,
    period,
    mapping_rows,
    dry_run,
    batch_id,
    source,
    progress,
    preview_rows,
) -> ImportOutcome:
    outcome = ImportOutcome(
        format=fmt or "",
        layout="",
        filename=filename,
        size=0,
        sha256="",
        result=WriteResult(dry_run=dry_run, batch_id=batch_id),
    )
    try:
        outcome.size = check_size(stream, conf.import_max_bytes())
        outcome.sha256 = _sha256(stream)
        head = stream.read(4096)
        stream.seek(0)
        outcome.format = fmt = fmt or detect_format(filename, head)
        if fmt not in FORMATS:
            raise ValidationFailed(
                _("Unknown format."),
                [ErrorDetail(field="format", value=fmt, message=_("Unknown format."))],
            )
        plan = _fast_plan(stream) if fmt == "csv" else None
        if plan is None:
            source_rows = _records(stream, fmt, unit=unit, period=period, outcome=outcome)
        else:
            outcome.layout = "long"
            source_rows = (plan.labels, _later(stream, fmt, unit, period, outcome), None)
    except ValidationFailed as exc:
        outcome.result.errors = list(exc.details) or [
            ErrorDetail(field="file", message=str(exc.message))
        ]
        return outcome
    labels, chunks, mapping = source_rows
    if fmt.startswith("dhis2"):
        try:
            mapping = mapping_for(mapping_rows)
        except ValidationFailed as exc:
            outcome.result.errors = list(exc.details)
            return outcome
    result = import_columns(
        actor=actor,
        chunks=chunks,
        labels=labels,
        source=source,
        batch_id=batch_id,
        dry_run=dry_run,
        filename=filename,
        file_hash=outcome.sha256,
        mapping=mapping,
        fmt=fmt,
        progress=progress,
        outcome=outcome,
        preview_rows=preview_rows,
        fast=None if plan is None else plan.staging(stream, progress),
    )
    if fmt == "dhis2-json":
        result.errors = [_json_location(d) for d in result.errors]
        result.warnings = [_json_location(d) for d in result.warnings]
    outcome.result = result
    return outcome


def import_columns(
    *,
    actor,
    chunks: Iterable[Chunk],
    labels: dict[str, str],
    source: str,
    batch_id: str = "",
    dry_run: bool = False,
    filename: str = "",
    file_hash: str = "",
    mapping: Mapping | None = None,
    fmt: str = "",
    progress: Callable[[int], None] | None = None,
    outcome: ImportOutcome | None = None,
    preview_rows: int = 0,
    fast: Callable[[WriteSession], bool] | None = None,
) -> WriteResult:
    """Write chunks of (row numbers, columns of codes and texts) through one writer session.

    The columns are ``indicator, unit, period, value`` and optionally ``level, comment``
    (``None``: keep stored comments), ``category, attribute``, and DHIS2's extras. With a
    ``mapping`` the ids are external and mapped first. Used by file imports and connectors.
    ``fast``, when given, may stage the whole source itself (returning True); the chunks
    are read only when it does not.
    """
    sink = outcome or ImportOutcome(
        format=fmt, layout="", filename=filename, size=0, sha256="", result=WriteResult()
    )
    with open_session(
        actor=actor,
        source=source,
        batch_id=batch_id,
        dry_run=dry_run,
        filename=filename,
        file_hash=file_hash,
        columns=labels,
    ) as session:
        if fast is not None and fast(session):
            sink.fast = True
            sink.blank += session.result.blank
            if preview_rows:
                sink.preview = session.preview(preview_rows)
            return session.finish()
        unknown: dict[tuple[str, str], list[int]] = {}
        done = 0
        try:
            for numbers, cols in chunks:
                for needed in ("indicator", "unit", "period", "value"):
                    if cols.get(needed) is None:
                        raise ValidationFailed(
                            _("The source has no %(name)s.") % {"name": needed},
                            [ErrorDetail(field=needed, message=_("Required field is missing."))],
                        )
                numbers, cols = _drop_blank(numbers, cols, sink)
                if mapping is not None:
                    numbers, cols = _map_ids(numbers, cols, mapping, unknown)
                if preview_rows and len(sink.preview) < preview_rows:
                    _add_preview(sink, numbers, cols, preview_rows)
                session.add_codes(numbers, cols)
                done += len(numbers)
                if progress is not None:
                    progress(done)
        except ValidationFailed as exc:
            session.reject(exc.details or [ErrorDetail(field="file", message=str(exc.message))])
        for (kind, external), rows in sorted(unknown.items()):
            session.reject([_unknown_id(kind, external, rows, labels, fmt)])
        return session.finish()


def _sha256(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    while block := stream.read(1 << 20):
        digest.update(block)
    stream.seek(0)
    return digest.hexdigest()


def _records(stream, fmt: str, *, unit, period, outcome: ImportOutcome):
    """(column labels, chunks of (rows, columns), mapping placeholder) for the format."""
    if fmt == "dhis2-json":
        outcome.layout = "dhis2"
        doc = json_document(stream)
        labels = {name: key for name, key in JSON_NAMES.items()}
        return labels, dhis2.json_records(doc), Mapping()
    sheet = xlsx_sheet(stream) if fmt == "xlsx" else csv_sheet(stream)
    if fmt == "dhis2-csv":
        outcome.layout = "dhis2"
        labels, chunks = dhis2.csv_records(sheet)
        return labels, chunks, Mapping()
    labels, chunks = _table_records(sheet, unit=unit, period=period, outcome=outcome)
    return labels, chunks, None


# --- long-format CSV: its bytes straight into the writer -------------------------------------------

# Our field → the writer's staged column.
STAGED = {
    "indicator": "ind",
    "unit": "unit",
    "period": "period",
    "value": "value",
    "level": "level",
    "comment": "comment",
    "category": "category",
    "attribute": "attribute",
}


@dataclass
class FastPlan:
    """How a long-format CSV file goes into the writer as bytes (``WriteSession.copy_csv``)."""

    encoding: str
    offset: int  # where the data rows start
    names: list[str | None]  # staged column of each of the file's columns
    labels: dict[str, str]

    def staging(self, stream, progress) -> Callable[[WriteSession], bool]:
        def stage(session: WriteSession) -> bool:
            return session.copy_csv(
                stream,
                encoding=self.encoding,
                offset=self.offset,
                names=self.names,
                first_row=2,
                progress=progress,
            )

        return stage


def _fast_plan(stream: IO[bytes]) -> FastPlan | None:
    """A plan when the file is a long-format CSV whose header is its first line, unquoted;
    None sends it through the reader (which also reports a header's problems)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    encoding = detect_encoding(stream)
    stream.seek(0)
    first = stream.readline()
    stream.seek(0)
    text = first.decode(encoding)
    if encoding == "utf-8-sig":
        text = text.removeprefix("\ufeff")
    line = text.rstrip("\r\n")
    if '"' in line or not line.strip() or not first.endswith(b"\n"):
        return None
    cells = line.split(",")
    headers = [c.strip() for c in cells]
    while headers and not headers[-1]:
        headers.pop()
    if not headers or headers[0].lower() in UNIT_LABELS | PERIOD_LABELS:
        return None
    if not {h.lower() for h in headers} & KEY_HEADERS:
        return None
    table = Table(headers=headers, rows=[])
    try:
        columns = map_columns(
            table, LONG_COLUMNS, required=("indicator", "unit", "period", "value")
        )
    except ValidationFailed:
        return None
    by_index = {i: name for name, i in columns.items()}
    names = [STAGED.get(by_index.get(i, "")) for i in range(len(cells))]
    labels = {name: table.column_label(i) for name, i in columns.items()}
    return FastPlan(encoding=encoding, offset=len(first), names=names, labels=labels)


def _later(stream, fmt, unit, period, outcome) -> Iterator[Chunk]:
    """The file's chunks through the reader, made only if the fast path declined it."""
    stream.seek(0)
    _labels, chunks, _mapping = _records(stream, fmt, unit=unit, period=period, outcome=outcome)
    yield from chunks


# --- spreadsheets: long and template ----------------------------------------------------------


def _table_records(sheet: Sheet, *, unit: str | None, period: str | None, outcome: ImportOutcome):
    stream = RowStream(sheet.chunks)
    meta: dict[str, tuple[int, str]] = {}
    # The template's unit and period rows come before its header.
    while (row := stream.peek()) is not None:
        number, cells = row
        first = cells[0].strip().lower()
        label = "unit" if first in UNIT_LABELS else "period" if first in PERIOD_LABELS else None
        if label is None:
            break
        meta[label] = (number, cells[1].strip() if len(cells) > 1 else "")
        stream.take()
    header = stream.take()
    if header is None:
        raise ValidationFailed(
            _("The file is empty."), [ErrorDetail(field="file", message=_("No header row found."))]
        )
    header_row, header_cells = header
    merged = sheet.merged_touching(header_row) + [
        r for row, _code in meta.values() for r in sheet.merged_touching(row)
    ]
    if merged:
        raise ValidationFailed(
            _("Merged cells in the header are not accepted; unmerge them."),
            [
                ErrorDetail(
                    row=header_row, column=ref, message=_("Merged cells in the header row.")
                )
                for ref in sorted(set(merged))
            ],
        )
    headers = [c.strip() for c in header_cells]
    while headers and not headers[-1]:
        headers.pop()
    table = Table(headers=headers, rows=[])
    lowered = {h.lower() for h in headers}
    template = bool(meta) or not (lowered & KEY_HEADERS)
    if template:
        outcome.layout = "template"
        columns = map_columns(table, TEMPLATE_COLUMNS, required=("indicator", "value"))
        fixed_unit = _fixed(meta, "unit", unit, _("unit"))
        fixed_period = _fixed(meta, "period", period, _("period"))
    else:
        outcome.layout = "long"
        columns = map_columns(
            table, LONG_COLUMNS, required=("indicator", "unit", "period", "value")
        )
        fixed_unit = fixed_period = None
    labels = {name: table.column_label(i) for name, i in columns.items()}
    if template:
        labels["unit"] = f"B{meta['unit'][0]}" if "unit" in meta else "--unit"
        labels["period"] = f"B{meta['period'][0]}" if "period" in meta else "--period"
    width = len(headers)
    wanted = [name for name in STAGED if name in columns]

    def generate() -> Iterator[Chunk]:
        for numbers, rows in stream.rest():
            if min(map(len, rows)) < width:
                rows = [r + [""] * (width - len(r)) for r in rows]
            transposed = list(zip(*rows, strict=False))
            # Cells are taken as they are; codes and periods with stray spaces are
            # tidied where they are looked up, which keeps the common case fast.
            cols: dict[str, list[str] | None] = {
                name: list(transposed[columns[name]]) for name in wanted
            }
            if fixed_unit is not None:
                cols["unit"] = [fixed_unit] * len(numbers)
                cols["period"] = [fixed_period] * len(numbers)
            if "comment" not in cols:
                cols["comment"] = None  # keep stored comments
            yield numbers, cols

    return labels, generate()


def _fixed(meta, name: str, given: str | None, label: str) -> str:
    in_file = meta.get(name, (0, ""))[1]
    if given and in_file and given != in_file:
        raise ValidationFailed(
            _("The file is for another %(what)s.") % {"what": label},
            [
                ErrorDetail(
                    row=meta[name][0],
                    column="B",
                    value=in_file,
                    message=_("The file says %(file)s; %(given)s was asked for.")
                    % {"file": in_file, "given": given},
                )
            ],
        )
    code = given or in_file
    if not code:
        raise ValidationFailed(
            _("The template does not say which %(what)s it is for.") % {"what": label},
            [
                ErrorDetail(
                    field=name,
                    message=_("Give the %(what)s (--%(name)s) or keep the template's %(what)s row.")
                    % {"what": label, "name": name},
                )
            ],
        )
    return code


def _drop_blank(
    numbers: list[int], cols: dict[str, list[str] | None], outcome: ImportOutcome
) -> Chunk:
    """Rows without a value or level are not imported (an unfilled template row)."""
    values = cols["value"]
    levels = cols.get("level")
    if levels is None:
        keep = [i for i, v in enumerate(values) if v]
    else:
        keep = [i for i, (v, lv) in enumerate(zip(values, levels, strict=True)) if v or lv]
    if len(keep) == len(numbers):
        return numbers, cols
    outcome.blank += len(numbers) - len(keep)
    return _rows_at(keep, numbers, cols)


def _map_ids(
    numbers: list[int],
    cols: dict[str, list[str]],
    mapping: Mapping,
    unknown: dict[tuple[str, str], list[int]],
) -> Chunk:
    """External ids → our codes; rows with an unmapped id are set aside and reported once per id."""
    bad: set[int] = set()
    out = dict(cols)
    for kind, name in KIND_FIELDS.items():
        table = mapping.forward[kind]
        column = cols[name]
        optional = name in ("category", "attribute")
        mapped = []
        for pos, ext in enumerate(column):
            if optional and not ext:
                mapped.append("")
                continue
            code = table.get(ext)
            if code is None:
                unknown.setdefault((kind, ext), []).append(numbers[pos])
                bad.add(pos)
                mapped.append("")
            else:
                mapped.append(code)
        out[name] = mapped
    # DHIS2 marks removed values "deleted": they are not imported.
    deleted = [i for i, d in enumerate(cols.get("deleted") or []) if d.lower() == "true"]
    bad.update(deleted)
    if not bad:
        return numbers, out
    return _rows_at([i for i in range(len(numbers)) if i not in bad], numbers, out)


def _rows_at(keep: list[int], numbers: list[int], cols: dict[str, list[str] | None]) -> Chunk:
    """The chunk's rows at positions ``keep``."""
    return [numbers[i] for i in keep], {
        name: ([col[i] for i in keep] if col is not None else None) for name, col in cols.items()
    }


def _unknown_id(kind: str, external: str, rows: list[int], labels, fmt: str) -> ErrorDetail:
    name = KIND_FIELDS[kind]
    message = _("Unknown %(kind)s id %(id)s: it is not in the code mapping (%(n)d rows).") % {
        "kind": kind,
        "id": external,
        "n": len(rows),
    }
    if fmt == "dhis2-json":
        return ErrorDetail(field=f"dataValues[{rows[0]}].{kind}", value=external, message=message)
    return ErrorDetail(row=rows[0], column=labels.get(name, kind), value=external, message=message)


def _json_location(detail: ErrorDetail) -> ErrorDetail:
    """Row/column errors of a JSON file as ``dataValues[i].field``."""
    if detail.row is None or detail.field:
        return detail
    name = JSON_NAMES.get(detail.column or "", detail.column or "value")
    return ErrorDetail(
        field=f"dataValues[{detail.row}].{name}", value=detail.value, message=detail.message
    )


def _add_preview(
    outcome: ImportOutcome, numbers: list[int], cols: dict[str, list[str] | None], limit: int
) -> None:
    names = ("indicator", "unit", "period", "category", "attribute", "value", "level", "comment")
    for i in range(min(len(numbers), limit - len(outcome.preview))):
        outcome.preview.append(
            {
                "row": numbers[i],
                **{name: (cols[name][i] if cols.get(name) is not None else "") for name in names},
            }
        )
