"""Reading and writing the spreadsheets offices exchange: .xlsx and .csv.

CSV may come in UTF-8, UTF-8 with BOM or GB18030 (what Excel saves on a
Chinese Windows). Every problem is reported with its row and column, the way
a person finds it in the sheet: rows counted from 1 with the header as row 1,
columns by letter and header.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from govperf.core.errors import ErrorDetail, ValidationFailed

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# Spreadsheet programs run text starting with these as a formula (CSV/formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cells)
    errors: list[ErrorDetail] = field(default_factory=list)

    def column_label(self, index: int) -> str:
        header = self.headers[index] if index < len(self.headers) else ""
        return (
            f"{get_column_letter(index + 1)} ({header})" if header else get_column_letter(index + 1)
        )


def detect_format(filename: str) -> str:
    name = filename.lower()
    if name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith(".csv") or name.endswith(".txt"):
        return "csv"
    raise ValidationFailed(
        _("Unsupported file type; upload .xlsx or .csv."),
        [
            ErrorDetail(
                field="file",
                value=filename,
                message=_("Unsupported file type; upload .xlsx or .csv."),
            )
        ],
    )


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030; anything else is refused, never guessed."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            _("The file is not in UTF-8 or GB18030 encoding."),
            [
                ErrorDetail(
                    field="file",
                    row=data[: exc.start].count(b"\n") + 1,
                    message=_("This line cannot be read; save the file as UTF-8 CSV."),
                )
            ],
        ) from exc


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    return str(value).strip()


def read_table(
    data: bytes, filename: str, *, fmt: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Table:
    if len(data) > max_bytes:
        raise ValidationFailed(
            _("The file is too large."),
            [
                ErrorDetail(
                    field="file",
                    message=_("%(size)d bytes; at most %(max)d are accepted.")
                    % {"size": len(data), "max": max_bytes},
                )
            ],
        )
    fmt = fmt or detect_format(filename)
    raw_rows = _xlsx_rows(data) if fmt == "xlsx" else _csv_rows(data)
    table = Table(headers=[], rows=[])
    for number, cells in raw_rows:
        if not table.headers:
            if not any(cells):
                continue
            table.headers = [c.strip() for c in cells]
            while table.headers and not table.headers[-1]:
                table.headers.pop()
            continue
        if any(c for c in cells):
            table.rows.append((number, cells))
    if not table.headers:
        raise ValidationFailed(
            _("The file is empty."), [ErrorDetail(field="file", message=_("No header row found."))]
        )
    return table


def _csv_rows(data: bytes) -> Iterable[tuple[int, list[str]]]:
    text = decode_text(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for number, row in enumerate(reader, start=1):
            yield number, [c.strip() for c in row]
    except csv.Error as exc:
        raise ValidationFailed(
            _("The CSV file is malformed."),
            [ErrorDetail(row=reader.line_num, message=str(exc))],
        ) from exc


def _xlsx_rows(data: bytes) -> Iterable[tuple[int, list[str]]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise ValidationFailed(
            _("The file is not a readable .xlsx workbook."),
            [ErrorDetail(field="file", message=type(exc).__name__)],
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        formulas: list[ErrorDetail] = []
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = []
            for index, value in enumerate(row):
                if isinstance(value, str) and value.startswith("="):
                    formulas.append(
                        ErrorDetail(
                            row=number,
                            column=get_column_letter(index + 1),
                            value=value[:40],
                            message=_("Formula cells are not accepted; paste the values instead."),
                        )
                    )
                cells.append(cell_text(value))
            yield number, cells
        if formulas:
            raise ValidationFailed(_("The workbook contains formulas."), formulas[:100])
    finally:
        workbook.close()


def map_columns(
    table: Table, spec: Mapping[str, Sequence[str]], *, required: Iterable[str]
) -> dict[str, int]:
    """Match headers to fields by any of their aliases (case-insensitive); unknown or missing ones are errors."""
    lookup = {
        alias.strip().lower(): name for name, aliases in spec.items() for alias in (name, *aliases)
    }
    found: dict[str, int] = {}
    errors: list[ErrorDetail] = []
    for index, header in enumerate(table.headers):
        name = lookup.get(header.strip().lower())
        column = table.column_label(index)
        if name is None:
            errors.append(
                ErrorDetail(row=1, column=column, value=header, message=_("Unknown column."))
            )
        elif name in found:
            errors.append(
                ErrorDetail(row=1, column=column, value=header, message=_("Duplicate column."))
            )
        else:
            found[name] = index
    for name in required:
        if name not in found:
            errors.append(
                ErrorDetail(
                    row=1,
                    column=name,
                    message=_("Required column is missing (accepted headers: %(h)s).")
                    % {"h": " / ".join((name, *spec[name]))},
                )
            )
    if errors:
        raise ValidationFailed(_("The columns of the file are not as expected."), errors)
    return found


def neutralise(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula, so it is shown as text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_xlsx(
    headers: Sequence[str], rows: Iterable[Sequence[object]], *, title: str = "data"
) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(list(headers))
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_csv(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    # A BOM, so that Excel on Chinese Windows opens UTF-8 correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
