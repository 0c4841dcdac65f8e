"""Shared plumbing of the engine's commands: JSON on stdout, errors as exit 2."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, NoReturn

EXIT_OK, EXIT_INCONSISTENT, EXIT_BAD_INPUT = 0, 1, 2


class UsageError(Exception):
    """The command line itself is wrong (reported like any bad input)."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage to stderr, so that bad
    input of any kind ends the same way: ``{"errors": [...]}`` and exit 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def print_json(obj: Any) -> None:
    # allow_nan=False: a NaN would be invalid JSON, and the engine promises none.
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=1, allow_nan=False) + "\n")


def fail(errors: list[dict[str, str]]) -> int:
    print_json({"errors": errors})
    return EXIT_BAD_INPUT


def usage_error(exc: UsageError) -> int:
    return fail([{"field": "argv", "message": f"命令行参数有误 / bad arguments: {exc}"}])


def file_error(path: str, exc: Exception) -> int:
    return fail([{"field": "file", "message": f"无法读取文件 {path} / cannot read {path}: {exc}"}])


def read_text(path: str, encodings: tuple[str, ...] = ("utf-8-sig",)) -> str:
    """Read ``path`` (``-`` is standard input), trying each encoding in turn."""
    raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    for encoding in encodings[:-1]:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode(encodings[-1])
