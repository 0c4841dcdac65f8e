"""The `govperf` console command.

Engine commands (`evaluate`, `weights`, `formula`) run without Django so that
analysts' what-if runs start fast; everything else is a Django management
command (`govperf migrate`, `govperf demo`, ...).
"""

from __future__ import annotations

import importlib
import os
import sys

# name -> "module:function"; each function takes argv (without the command) and returns an exit code.
ENGINE_COMMANDS = {
    "evaluate": "govperf.engine.casefile:main",
    "weights": "govperf.engine.weightfile:main",
    "formula": "govperf.engine.formula.cli:main",
}

# Friendly names for management commands.
ALIASES = {"worker": "run_huey"}


def _run_engine_command(target: str, argv: list[str]) -> int:
    module_name, func_name = target.split(":")
    func = getattr(importlib.import_module(module_name), func_name)
    return int(func(argv) or 0)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ENGINE_COMMANDS:
        return _run_engine_command(ENGINE_COMMANDS[argv[0]], argv[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govperf.settings")
    from django.core.management import execute_from_command_line

    if argv:
        argv[0] = ALIASES.get(argv[0], argv[0])
    execute_from_command_line(["govperf", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
