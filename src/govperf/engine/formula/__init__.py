"""The formula language of computed indicators and validation rules (shared/FORMULAS.md).

>>> from govperf.engine.formula import parse, evaluate, to_text
>>> evaluate(parse("round(#{A} / #{B} * 100, 2)"), {"A": 1, "B": 3}).value
33.33
>>> to_text(parse("sum( #{A},#{B@lastyear} )"))
'sum(#{A}, #{B@lastyear})'

Modules: ``grammar.lark`` (the syntax), ``parser`` (text → tree, errors with
positions), ``nodes`` (the tree), ``printer`` (tree → canonical text),
``evaluator`` (NumPy evaluation with "no value"), ``dependencies``
(references and cycles), ``cli`` (``govperf formula``).

Where FORMULAS.md is silent, the language decides:

* Precedence, loosest first: ``or`` < ``and`` < ``not`` < comparisons <
  ``+ -`` < ``* /`` < unary minus. ``not #{A} > 1`` is ``not (#{A} > 1)``.
  Comparisons do not chain: ``1 < 2 < 3`` is a syntax error. No unary plus.
* Numbers are plain decimals (``12``, ``0.25``): no exponent, no ``.5``.
* A code in ``#{…}`` is one or more Unicode letters or digits (CJK included),
  ``_``, ``.`` or ``-``; offsets are exactly ``@prev`` and ``@lastyear``.
* ``round``'s digits are a literal whole number from -15 to 15 (``round(x, -2)``
  rounds to hundreds), so that one rounding applies to a whole array.
* Comparisons give 1 or 0 and treat numbers within a relative 1e-12 as equal;
  any non-zero number is true; ``and``/``or``/``not`` with no value give no value.
* Errors: ``position`` is a 1-based character offset into the text (the column
  for one-line formulas). Nesting is limited to 200 levels.
* A self-reference through another period (``#{A@prev}`` in A) is a cycle too.
"""

from govperf.engine.formula.dependencies import (
    dependency_graph,
    evaluation_order,
    find_cycle,
    references,
)
from govperf.engine.formula.errors import (
    FormulaCycleError,
    FormulaSyntaxError,
    Issue,
    UnknownFunctionError,
)
from govperf.engine.formula.evaluator import ArrayResult, Result, evaluate, evaluate_array
from govperf.engine.formula.nodes import (
    FUNCTIONS,
    BinOp,
    Call,
    Expr,
    Number,
    Offset,
    Reference,
    UnaryOp,
)
from govperf.engine.formula.parser import parse
from govperf.engine.formula.printer import to_text

__all__ = [
    "FUNCTIONS",
    "ArrayResult",
    "BinOp",
    "Call",
    "Expr",
    "FormulaCycleError",
    "FormulaSyntaxError",
    "Issue",
    "Number",
    "Offset",
    "Reference",
    "Result",
    "UnaryOp",
    "UnknownFunctionError",
    "dependency_graph",
    "evaluate",
    "evaluate_array",
    "evaluation_order",
    "find_cycle",
    "parse",
    "references",
    "to_text",
]
