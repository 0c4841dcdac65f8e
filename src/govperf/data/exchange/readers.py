"""Streaming readers of the files values arrive in: CSV, Excel and JSON.

Rows come out in chunks (``CHUNK`` rows), never the whole file as row objects, so
that a million-row CSV is read in flat memory. Encodings follow
``core.tabular``: UTF-8, UTF-8 with BOM or GB18030, checked over the whole file
before the first row is used (a file that is neither is refused, never guessed).
Excel cells holding formulas, and merged cells touching the header row, are
refused: both hide what the cell really says.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import IO
from xml.parsers.expat import ExpatError

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from govperf.core.errors import ErrorDetail, ValidationFailed

CHUNK = 50_000
_BLOCK = 1 << 20


def file_error(message: str, **where) -> ValidationFailed:
    return ValidationFailed(message, [ErrorDetail(field="file", message=message, **where)])


def check_size(stream: IO[bytes], max_bytes: int) -> int:
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size > max_bytes:
        raise ValidationFailed(
            _("The file is too large."),
            [
                ErrorDetail(
                    field="file",
                    value=size,
                    message=_("%(size)d bytes; at most %(max)d are accepted.")
                    % {"size": size, "max": max_bytes},
                )
            ],
        )
    return size


def detect_encoding(stream: IO[bytes]) -> str:
    """``utf-8-sig``, ``utf-8`` or ``gb18030``, decided over the whole file in blocks."""
    stream.seek(0)
    head = stream.read(3)
    candidates = ["utf-8-sig"] if head == codecs.BOM_UTF8 else ["utf-8", "gb18030"]
    first_bad_line: int | None = None
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        stream.seek(0)
        lines = 1
        try:
            while block := stream.read(_BLOCK):
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    lines += block[: max(exc.start, 0)].count(b"\n")
                    raise
                lines += block.count(b"\n")
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            if first_bad_line is None:
                first_bad_line = lines
            continue
        stream.seek(0)
        return encoding
    stream.seek(0)
    raise ValidationFailed(
        _("The file is not in UTF-8 or GB18030 encoding."),
        [
            ErrorDetail(
                field="file",
                row=first_bad_line,
                message=_("This line cannot be read; save the file as UTF-8 CSV."),
            )
        ],
    )


Chunk = tuple[list[int], list[list[str]]]


@dataclass
class Sheet:
    """Rows of a table file: ``chunks`` yields (row numbers, rows of cells), ``CHUNK`` at a time."""

    chunks: Iterator[Chunk]
    merged: list[tuple[int, int, int, int]]  # (min_col, min_row, max_col, max_row)
    close: Callable[[], object]

    def merged_touching(self, row: int) -> list[str]:
        return [
            f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"
            for c1, r1, c2, r2 in self.merged
            if r1 <= row <= r2
        ]

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        for numbers, rows in self.chunks:
            yield from zip(numbers, rows, strict=True)


def _release(text: io.TextIOWrapper) -> None:
    """Hand the caller's stream back: a text wrapper collected while still attached would
    close it (with a ResourceWarning), and the stream is the caller's to close."""
    with contextlib.suppress(ValueError):  # detached already
        text.detach()


def csv_sheet(stream: IO[bytes]) -> Sheet:
    encoding = detect_encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    reader = csv.reader(text)

    def chunks() -> Iterator[Chunk]:
        start = 1
        try:
            while True:
                try:
                    # csv.reader makes one record per row (a quoted line break stays in its cell).
                    rows = list(islice(reader, CHUNK))
                except csv.Error as exc:
                    raise ValidationFailed(
                        _("The CSV file is malformed."),
                        [ErrorDetail(row=reader.line_num, message=str(exc))],
                    ) from exc
                if not rows:
                    return
                yield list(range(start, start + len(rows))), rows
                start += len(rows)
        finally:
            _release(text)

    return Sheet(chunks=chunks(), merged=[], close=lambda: _release(text))


def xlsx_sheet(stream: IO[bytes]) -> Sheet:
    """The first worksheet's rows (``exchange.xlsx``); formula cells are refused, located."""
    from govperf.data.exchange.xlsx import XlsxError, open_workbook

    try:
        workbook = open_workbook(stream)
        merged = workbook.merged()
    except (XlsxError, ExpatError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ValidationFailed(
            _("The file is not a readable .xlsx workbook."),
            [ErrorDetail(field="file", message=str(exc) or type(exc).__name__)],
        ) from exc

    def numbered() -> Iterator[tuple[int, list[str]]]:
        formulas: list[ErrorDetail] = []
        try:
            for row in workbook.rows():
                for index, text in row.formulas:
                    formulas.append(
                        ErrorDetail(
                            row=row.number,
                            column=get_column_letter(index),
                            value=text[:40],
                            message=_("Formula cells are not accepted; paste the values instead."),
                        )
                    )
                    if len(formulas) >= 100:
                        raise ValidationFailed(_("The workbook contains formulas."), formulas)
                yield row.number, row.cells
        except (XlsxError, ExpatError, KeyError, IndexError, ValueError, zipfile.BadZipFile) as exc:
            raise ValidationFailed(
                _("The file is not a readable .xlsx workbook."),
                [ErrorDetail(field="file", message=type(exc).__name__)],
            ) from exc
        if formulas:
            raise ValidationFailed(_("The workbook contains formulas."), formulas)

    def chunks() -> Iterator[Chunk]:
        rows = numbered()
        while part := list(islice(rows, CHUNK)):
            yield [n for n, _c in part], [c for _n, c in part]

    return Sheet(chunks=chunks(), merged=merged, close=workbook.close)


def json_document(stream: IO[bytes]):
    import json

    encoding = detect_encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding)
    try:
        return json.load(text)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(
            _("The file is not valid JSON."),
            [ErrorDetail(field="file", row=exc.lineno, column=str(exc.colno), message=exc.msg)],
        ) from exc
    finally:
        _release(text)


class RowStream:
    """The first rows of a sheet one at a time (headers, the template's unit and period rows),
    then the rest chunk by chunk."""

    def __init__(self, chunks: Iterator[Chunk]) -> None:
        self._chunks = iter(chunks)
        self._numbers: list[int] = []
        self._rows: list[list[str]] = []
        self._pos = 0

    def peek(self) -> tuple[int, list[str]] | None:
        """The next row with any content (blank rows before it are skipped), not consumed."""
        while True:
            while self._pos < len(self._rows):
                if any(self._rows[self._pos]):
                    return self._numbers[self._pos], self._rows[self._pos]
                self._pos += 1
            chunk = next(self._chunks, None)
            if chunk is None:
                return None
            self._numbers, self._rows = chunk
            self._pos = 0

    def take(self) -> tuple[int, list[str]] | None:
        row = self.peek()
        if row is not None:
            self._pos += 1
        return row

    def rest(self) -> Iterator[Chunk]:
        """The remaining rows, blank rows dropped, in chunks."""
        first = (self._numbers[self._pos :], self._rows[self._pos :])
        self._numbers, self._rows, self._pos = [], [], 0
        yield from _non_blank(first)
        for chunk in self._chunks:
            yield from _non_blank(chunk)


def _non_blank(chunk: Chunk) -> Iterator[Chunk]:
    numbers, rows = chunk
    if not rows:
        return
    if all(rows):  # the common case: csv gives [] for an empty line
        yield numbers, rows
        return
    kept = [i for i, r in enumerate(rows) if r and any(r)]
    if kept:
        yield [numbers[i] for i in kept], [rows[i] for i in kept]
