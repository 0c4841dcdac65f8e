"""``govperf formula eval|check``: the formula language on the command line.

stdout carries one JSON document and nothing else. Exit 0 on success (a
formula without a value is a success), 2 on any error in the input.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from govperf.engine.formula.dependencies import references
from govperf.engine.formula.errors import FormulaSyntaxError
from govperf.engine.formula.evaluator import evaluate
from govperf.engine.formula.nodes import Reference
from govperf.engine.formula.parser import parse
from govperf.engine.formula.printer import to_text

USAGE = """\
usage: govperf formula eval "EXPR" [--values VALUES.json]
       govperf formula check "EXPR"

  eval   evaluate EXPR; VALUES.json maps references to numbers or null,
         e.g. {"A": 10, "A@prev": 8, "A@lastyear": 7} ("-" reads standard input)
  check  parse EXPR and list its references and canonical text
"""


class _UsageError(Exception):
    pass


def main(argv: Sequence[str]) -> int:
    """Run ``govperf formula ...``; ``argv`` starts with the subcommand."""
    args = list(argv)
    if args and args[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return 0
    try:
        if not args:
            raise _UsageError(f"缺少子命令 / missing command\n{USAGE}")
        command, rest = args[0], args[1:]
        text, values_path = _split(command, rest)
        if command == "check":
            return _check(text)
        return _eval(text, values_path)
    except _UsageError as exc:
        return _fail([{"position": None, "message": str(exc), "kind": "usage"}])


def _split(command: str, rest: list[str]) -> tuple[str, str | None]:
    # Hand-rolled because a formula may begin with "-" ("-#{A} + 1"), which
    # argparse would take for an option.
    if command not in ("eval", "check"):
        raise _UsageError(f"未知子命令 / unknown command {command!r}; use eval or check")
    positional: list[str] = []
    values_path: str | None = None
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg == "--":
            positional.extend(rest[i + 1 :])
            break
        if arg == "--values" and command == "eval":
            if i + 1 >= len(rest):
                raise _UsageError("--values 需要文件名 / --values needs a file name")
            values_path = rest[i + 1]
            i += 2
            continue
        if arg.startswith("--values=") and command == "eval":
            values_path = arg.removeprefix("--values=")
        else:
            positional.append(arg)
        i += 1
    if len(positional) != 1:
        raise _UsageError(f"需要恰好一个公式 / expected exactly one formula\n{USAGE}")
    return positional[0], values_path


def _eval(text: str, values_path: str | None) -> int:
    try:
        expr = parse(text)
    except FormulaSyntaxError as exc:
        return _fail([issue.as_dict() for issue in exc.issues])
    values: dict[str, float | None] = {}
    if values_path is not None:
        try:
            values = _read_values(values_path)
        except ValueError as exc:
            return _fail([{"position": None, "message": str(exc), "kind": "values"}])
    result = evaluate(expr, values)
    out: dict[str, Any] = {"value": _json_number(result.value)}
    if result.value is None:
        out["reason"] = result.reason
    _print(out)
    return 0


def _check(text: str) -> int:
    try:
        expr = parse(text)
    except FormulaSyntaxError as exc:
        return _fail([issue.as_dict() for issue in exc.issues])
    keys = sorted(ref.key for ref in references(expr))
    _print({"ok": True, "text": to_text(expr), "references": keys})
    return 0


def _read_values(path: str) -> dict[str, float | None]:
    """The values file as {reference key: number or None}; ValueError if it is not one."""
    try:
        raw = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8-sig")
        data = json.loads(raw)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"无法读取取值文件 / cannot read values file {path!r}: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"取值文件须为 JSON 对象 / values file {path!r} must hold a JSON object")
    values: dict[str, float | None] = {}
    for key, value in data.items():
        # Accept the key as written in a formula too: "#{A@prev}" for "A@prev".
        bare = key[2:-1] if key.startswith("#{") and key.endswith("}") else key
        try:
            Reference.from_key(bare)
        except ValueError as exc:
            raise ValueError(f"取值文件 / values file {path!r}: {exc}") from None
        if value is None:
            values[bare] = None
            continue
        try:
            # bool is an int to Python but not a number in a values file.
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError
            values[bare] = float(value)
        except (TypeError, OverflowError):
            raise ValueError(
                f"取值文件中 {key!r} 须为数字或 null / values file {path!r}: {key!r} must be "
                f"a number or null, got {value!r}"
            ) from None
    return values


def _json_number(value: float | None) -> int | float | None:
    """Integral values print as integers ({"value": 14}), others as floats."""
    if value is None or not math.isfinite(value):
        return None
    if value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _print(document: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False) + "\n")


def _fail(errors: list[dict[str, Any]]) -> int:
    _print({"errors": errors})
    return 2
