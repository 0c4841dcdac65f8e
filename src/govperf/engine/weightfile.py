"""``govperf weights ahp|entropy|critic FILE.csv``: weights from a CSV file.

- ``ahp MATRIX.csv``: a reciprocal n × n matrix, no header, cells numbers or
  fractions (``1/3``). Prints the weights and consistency; exit 1 when CR ≥ 0.1
  (with ``inconsistent_pair``).
- ``entropy|critic DATA.csv [--lower COL ...] [--minmax]``: rows are units,
  columns criteria; the header holds the codes, and a first column headed
  ``unit`` holds unit codes. Prints ``{"weights": {code: w}}``.

Bad input (unreadable file, a bad cell, a constant column, ...) prints
``{"errors": [...]}`` naming the cell or column and exits 2. Files may be
UTF-8 (with or without BOM) or GB18030, comma-, semicolon- or tab-separated.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence

import numpy as np

from govperf.engine._cli import (
    EXIT_INCONSISTENT,
    EXIT_OK,
    ArgumentParser,
    UsageError,
    fail,
    file_error,
    print_json,
    read_text,
    usage_error,
)
from govperf.engine.errors import EngineInputError, ErrorList
from govperf.engine.weighting import ahp, critic_weights, entropy_weights

ENCODINGS = ("utf-8-sig", "gb18030")
UNIT_HEADER = "unit"


def parse_cell(text: str) -> float | None:
    """A number or a fraction ``a/b``; None when it is neither (or not finite).

    >>> parse_cell("1/3") == 1 / 3, parse_cell(" 2.5 "), parse_cell("x"), parse_cell("1/0")
    (True, 2.5, None, None)
    """
    parts = text.strip().split("/")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        return None
    if len(numbers) == 1:
        value = numbers[0]
    elif len(numbers) == 2 and numbers[1] != 0:
        value = numbers[0] / numbers[1]
    else:
        return None
    return value if math.isfinite(value) else None


def read_rows(text: str) -> list[list[str]]:
    """CSV rows with blank lines dropped; the delimiter is sniffed."""
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = csv.reader(io.StringIO(text), dialect)
    return [[cell.strip() for cell in row] for row in rows if any(c.strip() for c in row)]


def read_matrix(text: str) -> np.ndarray:
    """The AHP matrix of a CSV text; bad cells are named ``matrix[i][j]`` (0-based)."""
    rows = read_rows(text)
    errors = ErrorList()
    if not rows:
        errors.add("matrix", "文件为空", "the file holds no matrix")
        errors.raise_if_any()
    n = len(rows)
    for i, row in enumerate(rows):
        if len(row) != n:
            errors.add(
                f"matrix[{i}]",
                f"第 {i + 1} 行有 {len(row)} 个数，方阵应为 {n} 个",
                f"row {i + 1} has {len(row)} cells; an n × n matrix needs {n}",
            )
    errors.raise_if_any()
    matrix = np.empty((n, n))
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            value = parse_cell(cell)
            if value is None:
                errors.add(
                    f"matrix[{i}][{j}]",
                    f"第 {i + 1} 行第 {j + 1} 列不是数值或分数（{cell!r}）",
                    f"row {i + 1}, column {j + 1} is not a number or fraction ({cell!r})",
                )
            else:
                matrix[i, j] = value
    errors.raise_if_any()
    return matrix


def read_data(text: str) -> tuple[list[str], np.ndarray]:
    """Criteria codes and the units × criteria values of a CSV text with a header."""
    rows = read_rows(text)
    errors = ErrorList()
    if not rows:
        errors.add("data", "文件为空", "the file is empty")
        errors.raise_if_any()
    header = rows[0]
    skip = 1 if header and header[0].lower() == UNIT_HEADER else 0
    codes = header[skip:]
    if not codes or any(not c for c in codes) or len(set(codes)) != len(codes):
        errors.add(
            "header", "表头须为不重复、非空的指标代码", "the header needs unique, non-empty codes"
        )
        errors.raise_if_any()
    body = rows[1:]
    values = np.empty((len(body), len(codes)))
    for r, row in enumerate(body):
        line = r + 2
        if len(row) != len(header):
            errors.add(
                f"rows[{r}]",
                f"第 {line} 行有 {len(row)} 格，表头有 {len(header)} 格",
                f"line {line} has {len(row)} cells; the header has {len(header)}",
            )
            continue
        for j, cell in enumerate(row[skip:]):
            value = parse_cell(cell)
            if value is None or "/" in cell:
                errors.add(
                    f"columns.{codes[j]}[{r}]",
                    f"列 {codes[j]} 第 {line} 行不是数值（{cell!r}）",
                    f"column {codes[j]}, line {line} is not a number ({cell!r})",
                )
            else:
                values[r, j] = value
    errors.raise_if_any()
    return codes, values


def main(argv: Sequence[str]) -> int:
    """Entry point of ``govperf weights``; returns the exit code."""
    parser = ArgumentParser(prog="govperf weights", description="Weights of criteria.")
    methods = parser.add_subparsers(dest="method", required=True)
    matrix_cmd = methods.add_parser("ahp", help="AHP from a pairwise comparison matrix")
    matrix_cmd.add_argument("file", help="n × n matrix, no header; fractions like 1/3 allowed")
    for name, text in (("entropy", "entropy weights"), ("critic", "CRITIC weights")):
        cmd = methods.add_parser(name, help=f"{text} from a units × criteria table")
        cmd.add_argument("file", help="CSV with a header of codes; first column may be 'unit'")
        cmd.add_argument(
            "--lower", nargs="+", action="extend", default=[], metavar="COL",
            help="criteria where lower is better (reversed min-max normalisation)",
        )  # fmt: skip
        cmd.add_argument(
            "--minmax", action="store_true",
            help="min-max normalise every column first (CRITIC always does)",
        )  # fmt: skip
    try:
        args = parser.parse_args(list(argv))
    except UsageError as exc:
        return usage_error(exc)
    try:
        text = read_text(args.file, ENCODINGS)
    except (OSError, UnicodeDecodeError) as exc:
        return file_error(args.file, exc)
    try:
        if args.method == "ahp":
            result = ahp(read_matrix(text))
            print_json(result.to_dict())
            return EXIT_OK if result.consistent else EXIT_INCONSISTENT
        codes, values = read_data(text)
        unknown = [c for c in args.lower if c not in codes]
        if unknown:
            errors = ErrorList()
            for code in unknown:
                errors.add(f"--lower {code}", f"没有 {code} 这一列", f"no column named {code}")
            errors.raise_if_any()
        lower = [codes.index(c) for c in args.lower]
        if args.method == "entropy":
            weights = entropy_weights(values, lower=lower, minmax=args.minmax, codes=codes)
        else:
            weights = critic_weights(values, lower=lower, codes=codes)
    except EngineInputError as exc:
        return fail(exc.errors)
    print_json({"weights": dict(zip(codes, weights.tolist(), strict=True))})
    return EXIT_OK
