"""The examples in the formula package's docstrings stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "govperf.engine.formula",
    "govperf.engine.formula.dependencies",
    "govperf.engine.formula.evaluator",
    "govperf.engine.formula.parser",
    "govperf.engine.formula.printer",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)

    assert result.failed == 0
    assert result.attempted > 0
