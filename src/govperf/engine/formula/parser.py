"""Text → syntax tree, with exact error positions and bilingual messages.

Parsing is two steps. lark's LALR(1) parser reads ``grammar.lark`` and stops at
the first token that cannot continue a formula, whose column becomes the
error position. The tree is then built bottom-up, and checked for what the
grammar cannot know: function names, argument counts, ``round``'s digits,
period offsets. Those checks collect every issue, leftmost first.
"""

from __future__ import annotations

import math
import re
from functools import cache
from importlib.resources import files

from lark import Lark, Token, Transformer_NonRecursive
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from govperf.engine.formula.errors import FormulaSyntaxError, Issue, UnknownFunctionError
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

__all__ = ["MAX_DEPTH", "MAX_ROUND_DIGITS", "parse"]

# Evaluation and printing recurse once per level; this keeps them far from
# Python's recursion limit while allowing a chain of 200 additions.
MAX_DEPTH = 200
# float64 holds about 15 significant digits; more would round nothing.
MAX_ROUND_DIGITS = 15


@cache
def _lark() -> Lark:
    grammar = files(__package__).joinpath("grammar.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", lexer="contextual", maybe_placeholders=True)


def parse(text: str) -> Expr:
    """Parse a formula into its syntax tree.

    Raises :class:`FormulaSyntaxError` (:class:`UnknownFunctionError` when the
    first issue is an unknown function) with the 1-based column of the first
    character that cannot be parsed.

    Examples
    --------
    >>> parse("2 + 3 * 4")  # doctest: +NORMALIZE_WHITESPACE
    BinOp(op='+', left=Number(value=2.0),
          right=BinOp(op='*', left=Number(value=3.0), right=Number(value=4.0)))
    >>> try:
    ...     parse("max(1, 2")
    ... except FormulaSyntaxError as exc:
    ...     print(exc.position, exc.message.split(" / ")[1])
    9 column 9: the formula ends too early, expected an operator or ')' or ','
    """
    if not isinstance(text, str):
        raise TypeError(f"a formula is a string, got {type(text).__name__}")
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as exc:
        raise FormulaSyntaxError([_syntax_issue(text, exc)]) from None
    builder = _Builder()
    expr: Expr = builder.transform(tree)
    issues = sorted(builder.issues, key=lambda issue: issue.position)
    if not issues:
        issues = _depth_issues(expr)
    if issues:
        first = issues[0]
        if first.kind == "unknown_function":
            raise UnknownFunctionError(issues, name=builder.unknown_names[first.position])
        raise FormulaSyntaxError(issues)
    return expr


# -- syntax errors ---------------------------------------------------------------

# What each terminal of grammar.lark means to a person: (Chinese, English).
_OPERAND = ("数字、引用 #{…}、函数或 '('", "a number, a reference #{…}, a function or '('")
_EXPECTED: dict[str, tuple[str, str]] = {
    "_RPAR": ("')'", "')'"),
    "_COMMA": ("','", "','"),
    "_LPAR": ("'('", "'('"),
    "CODE": ("代码", "a code"),
    "_AT": ("'@'", "'@'"),
    "_RBRACE": ("'}'", "'}'"),
    "OFFSET": ("prev 或 lastyear", "prev or lastyear"),
    "$END": ("公式结尾", "the end of the formula"),
}
_OPERATORS = {"PLUS", "MINUS", "STAR", "SLASH", "COMPARE", "AND", "OR"}
_FULL_WIDTH = re.compile(r"[\uff01-\uff5e\u3001\u3002\u00d7\u00f7\u2212]")
_TRAILING_NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*$")


def _syntax_issue(text: str, exc: UnexpectedInput) -> Issue:
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        position = len(text) + 1
        if not text.strip():
            return Issue(position, "公式为空 / the formula is empty")
        zh, en = _describe(_accepted(text, position, exc))
        return Issue(
            position,
            f"第 {position} 列：公式不完整，应为{zh} / "
            f"column {position}: the formula ends too early, expected {en}",
        )
    if isinstance(exc, UnexpectedCharacters):
        position, found = exc.pos_in_stream + 1, text[exc.pos_in_stream]
    else:
        token = exc.token  # type: ignore[attr-defined]
        position, found = token.start_pos + 1, str(token.value)
    if len(found) > 20:
        found = found[:20] + "…"
    expected = _accepted(text, position, exc)
    zh, en = _describe(expected)
    zh = f"第 {position} 列：不能出现 '{found}'，应为{zh}"
    en = f"column {position}: unexpected '{found}', expected {en}"
    hint = _hint(text, position, found, expected)
    if hint:
        zh, en = f"{zh}；{hint[0]}", f"{en}; {hint[1]}"
    return Issue(position, f"{zh} / {en}")


def _accepted(text: str, position: int, exc: UnexpectedInput) -> set[str]:
    """Terminals that could come at ``position``, given the text before it."""
    # Replayed from the prefix because the state lark attaches to the error has
    # already made the reductions the bad token triggered (LALR merges
    # lookaheads), which hides, e.g., the operators that could follow `max(1, 2`.
    try:
        parser = _lark().parse_interactive(text[: position - 1])
        parser.exhaust_lexer()
        return set(parser.accepts())
    except UnexpectedInput:  # pragma: no cover - the prefix was read once already
        return set(getattr(exc, "expected", None) or getattr(exc, "allowed", None) or ())


def _describe(expected: set[str]) -> tuple[str, str]:
    parts: list[tuple[str, str]] = []
    if "NUMBER" in expected:
        parts.append(_OPERAND)
    # Where an operand may come, "-" is its sign, not an operator.
    operators = expected & _OPERATORS - ({"MINUS"} if "NUMBER" in expected else set())
    if operators:
        parts.append(("运算符", "an operator"))
    for name, words in _EXPECTED.items():
        if name in expected and not (name == "_LPAR" and "NUMBER" in expected):
            parts.append(words)
    if not parts:  # pragma: no cover - every state of the grammar expects something above
        parts.append(("其他内容", "something else"))
    # The operand group is itself a list: set the alternatives apart with a comma.
    listed = any("、" in zh for zh, _ in parts)
    zh_or, en_or = ("，或", ", or ") if listed else ("或", " or ")
    return zh_or.join(zh for zh, _ in parts), en_or.join(en for _, en in parts)


def _hint(text: str, position: int, found: str, expected: set[str]) -> tuple[str, str] | None:
    if _FULL_WIDTH.match(found):
        return ("请使用半角符号", "use half-width (ASCII) symbols")
    if found == "=":
        return ("比较相等请用 ==", "write == to compare")
    if found in {"<", "<=", ">", ">=", "==", "!="} and "AND" in expected:
        return ("比较不能连写，请用 and 连接", "comparisons cannot be chained; join them with and")
    if expected == {"_LPAR"}:
        match = _TRAILING_NAME.search(text[: position - 1])
        if match:
            name = match.group(1)
            return (f"引用须写作 #{{{name}}}", f"write a reference as #{{{name}}}")
    return None


# -- building and checking the tree ---------------------------------------------------


def _column(token: Token) -> int:
    return (token.start_pos or 0) + 1


def _start_column(expr: Expr) -> int:
    """Column of the first character of ``expr``'s text (its anchor may be further right)."""
    while isinstance(expr, BinOp):
        expr = expr.left
    return expr.position


class _Builder(Transformer_NonRecursive):
    """Builds nodes from lark's tree and records issues instead of stopping at the first."""

    def __init__(self) -> None:
        super().__init__()
        self.issues: list[Issue] = []
        self.unknown_names: dict[int, str] = {}

    def number(self, children: list[Token]) -> Number:
        (token,) = children
        value = float(token)
        if math.isinf(value):
            column = _column(token)
            self.issues.append(
                Issue(
                    column,
                    f"第 {column} 列：数字过大 / column {column}: number too large",
                    "number",
                )
            )
            value = 0.0
        return Number(value, position=_column(token))

    def reference(self, children: list[Token]) -> Reference:
        opener, code, *rest = children
        offset = Offset.CURRENT
        if rest:
            (word,) = rest
            if word in (Offset.PREV, Offset.LASTYEAR):
                offset = Offset(str(word))
            else:
                column = _column(word)
                self.issues.append(
                    Issue(
                        column,
                        f"第 {column} 列：未知的期间偏移 '@{word}'，可用 @prev、@lastyear / "
                        f"column {column}: unknown period offset '@{word}'; use @prev or @lastyear",
                        "offset",
                    )
                )
        return Reference(str(code), offset, position=_column(opener))

    def arguments(self, children: list[Expr]) -> tuple[Expr, ...]:
        return tuple(children)

    def call(self, children: list[Token | tuple[Expr, ...] | None]) -> Call:
        name_token, args = children
        assert isinstance(name_token, Token)
        args = args or ()
        assert isinstance(args, tuple)
        name, column = str(name_token), _column(name_token)
        if name not in FUNCTIONS:
            self.unknown_names[column] = name
            self.issues.append(Issue(column, _unknown_function(name, column), "unknown_function"))
        else:
            self._check_arity(name, column, args)
            if name == "round" and len(args) == 2:
                self._check_digits(args[1])
        return Call(name, args, position=column)

    def unary(self, children: list[Token | Expr]) -> UnaryOp:
        op, operand = children
        assert isinstance(op, Token)
        return UnaryOp(str(op), operand, position=_column(op))  # type: ignore[arg-type]

    def binary(self, children: list[Token | Expr]) -> BinOp:
        left, op, right = children
        assert isinstance(op, Token)
        return BinOp(str(op), left, right, position=_column(op))  # type: ignore[arg-type]

    def _check_arity(self, name: str, column: int, args: tuple[Expr, ...]) -> None:
        low, high = FUNCTIONS[name]
        if low <= len(args) and (high is None or len(args) <= high):
            return
        if high is None:
            zh_need, en_need = f"至少 {low} 个参数", f"at least {low} argument{'s' * (low > 1)}"
        else:
            zh_need, en_need = f" {low} 个参数", f"{low} argument{'s' * (low > 1)}"
        self.issues.append(
            Issue(
                column,
                f"第 {column} 列：函数 {name} 需要{zh_need}，实际 {len(args)} 个 / "
                f"column {column}: {name} takes {en_need}, got {len(args)}",
                "arity",
            )
        )

    def _check_digits(self, digits: Expr) -> None:
        # The digits must be known before any data is read, so that one rounding
        # applies to a whole array; a literal integer, possibly negative.
        literal = digits.operand if isinstance(digits, UnaryOp) and digits.op == "-" else digits
        if (
            isinstance(literal, Number)
            and literal.value.is_integer()
            and literal.value <= MAX_ROUND_DIGITS
        ):
            return
        column = _start_column(digits)
        self.issues.append(
            Issue(
                column,
                f"第 {column} 列：round 的位数须为 "
                f"-{MAX_ROUND_DIGITS} 到 {MAX_ROUND_DIGITS} 的整数 / "
                f"column {column}: round's digits must be a whole number from "
                f"-{MAX_ROUND_DIGITS} to {MAX_ROUND_DIGITS}",
                "argument",
            )
        )


def _unknown_function(name: str, column: int) -> str:
    known = ", ".join(FUNCTIONS)
    zh = f"第 {column} 列：未知函数 '{name}'，可用函数：{known}"
    en = f"column {column}: unknown function '{name}'; the functions are {known}"
    lower = name.lower()
    if lower in FUNCTIONS:
        zh, en = f"{zh}；函数名须小写：{lower}", f"{en}; function names are lower case: {lower}"
    return f"{zh} / {en}"


def _depth_issues(expr: Expr) -> list[Issue]:
    """An issue at the first node nested deeper than MAX_DEPTH, found without recursion."""
    stack: list[tuple[Expr, int]] = [(expr, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            column = _start_column(node)
            return [
                Issue(
                    column,
                    f"第 {column} 列：公式嵌套超过 {MAX_DEPTH} 层 / "
                    f"column {column}: the formula nests deeper than {MAX_DEPTH} levels",
                    "depth",
                )
            ]
        match node:
            case UnaryOp(operand=operand):
                stack.append((operand, depth + 1))
            case BinOp(left=left, right=right):
                stack.extend(((right, depth + 1), (left, depth + 1)))
            case Call(args=args):
                stack.extend((arg, depth + 1) for arg in reversed(args))
    return []
