"""Parsing formulas: trees, precedence, positions, errors, canonical text."""

from __future__ import annotations

import pytest

from govperf.engine.formula import (
    BinOp,
    Call,
    FormulaSyntaxError,
    Number,
    Offset,
    Reference,
    UnaryOp,
    UnknownFunctionError,
    parse,
    to_text,
)
from govperf.engine.formula.parser import MAX_DEPTH

A, B, C = Reference("A"), Reference("B"), Reference("C")


def n(value: float) -> Number:
    return Number(value)


# -- trees ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("2 + 3 * 4", BinOp("+", n(2), BinOp("*", n(3), n(4)))),
        ("2 * 3 + 4", BinOp("+", BinOp("*", n(2), n(3)), n(4))),
        ("(2 + 3) * 4", BinOp("*", BinOp("+", n(2), n(3)), n(4))),
        ("10 - 4 - 3", BinOp("-", BinOp("-", n(10), n(4)), n(3))),
        ("2 / 2 / 2", BinOp("/", BinOp("/", n(2), n(2)), n(2))),
        ("8 / 4 * 2", BinOp("*", BinOp("/", n(8), n(4)), n(2))),
        ("-2 * 3", BinOp("*", UnaryOp("-", n(2)), n(3))),
        ("2 * -3", BinOp("*", n(2), UnaryOp("-", n(3)))),
        ("2 - -3", BinOp("-", n(2), UnaryOp("-", n(3)))),
        ("--2", UnaryOp("-", UnaryOp("-", n(2)))),
        ("-(2 + 3)", UnaryOp("-", BinOp("+", n(2), n(3)))),
        ("1 + 2 < 4", BinOp("<", BinOp("+", n(1), n(2)), n(4))),
        ("#{A} >= #{B} * 2", BinOp(">=", A, BinOp("*", B, n(2)))),
        ("not 1 < 2", UnaryOp("not", BinOp("<", n(1), n(2)))),
        ("not 1 and 2", BinOp("and", UnaryOp("not", n(1)), n(2))),
        ("1 or 2 and 3", BinOp("or", n(1), BinOp("and", n(2), n(3)))),
        ("1 and 2 or 3", BinOp("or", BinOp("and", n(1), n(2)), n(3))),
        ("1 or 2 or 3", BinOp("or", BinOp("or", n(1), n(2)), n(3))),
        ("not not 0", UnaryOp("not", UnaryOp("not", n(0)))),
        ("#{A} == 1 or #{B} != 2", BinOp("or", BinOp("==", A, n(1)), BinOp("!=", B, n(2)))),
        ("sum(#{A}, #{C})", Call("sum", (A, C))),
        ("round(2.345, 2)", Call("round", (n(2.345), n(2)))),
        ("round(1234, -2)", Call("round", (n(1234), UnaryOp("-", n(2))))),
        ("if(#{A} > 5, 1, 0)", Call("if", (BinOp(">", A, n(5)), n(1), n(0)))),
        (
            "max(abs(-#{A}), avg(1, 2))",
            Call("max", (Call("abs", (UnaryOp("-", A),)), Call("avg", (n(1), n(2))))),
        ),
        ("#{A@prev}", Reference("A", Offset.PREV)),
        ("#{A@lastyear}", Reference("A", Offset.LASTYEAR)),
        ("0.25", n(0.25)),
        ("007", n(7)),
    ],
)  # fmt: skip
def test_it_builds_the_tree(text: str, tree: object):
    assert parse(text) == tree


@pytest.mark.parametrize(
    "text",
    ["2+3*4", "  2 +\t3 *\n4  ", "2\u3000+ 3 * 4", "(2) + ((3 * 4))"],
)
def test_spaces_and_redundant_parentheses_are_free(text: str):
    assert parse(text) == parse("2 + 3 * 4")


@pytest.mark.parametrize(
    "code",
    ["A", "gdp_2026", "EC.01", "x-y", "Ab9", "经济发展.01", "DiszpKrYNg8", "123", "and", "sum"],
)
def test_codes_take_letters_digits_underscore_dot_and_dash(code: str):
    assert parse(f"#{{{code}}}") == Reference(code)


def test_codes_are_case_sensitive():
    assert parse("#{abc}") != parse("#{ABC}")


def test_a_keyword_prefix_does_not_split_a_name():
    # `notes` and `order` are names, not `not es` / `or der`: they reach the function check.
    with pytest.raises(UnknownFunctionError, match="'notes'"):
        parse("notes(1)")
    with pytest.raises(UnknownFunctionError, match="'order'"):
        parse("1 + order(2)")


def test_nodes_carry_positions():
    tree = parse("#{A} / sum(-1, #{B@prev})")

    assert isinstance(tree, BinOp)
    assert tree.position == 6
    assert tree.left.position == 1
    call = tree.right
    assert isinstance(call, Call)
    assert call.position == 8
    assert [arg.position for arg in call.args] == [12, 16]


def test_positions_take_no_part_in_equality():
    assert Reference("A", position=3) == Reference("A", position=9)
    assert hash(Number(1, position=1)) == hash(Number(1, position=7))


def test_nodes_refuse_values_the_grammar_cannot_write():
    with pytest.raises(ValueError):
        Number(-1)
    with pytest.raises(ValueError):
        Number(float("inf"))
    with pytest.raises(ValueError):
        Reference("A B")
    with pytest.raises(ValueError):
        Reference("A", "next")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        BinOp("^", Number(1), Number(2))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        UnaryOp("+", Number(1))  # type: ignore[arg-type]


def test_reference_keys_round_trip():
    ref = Reference("A", Offset.LASTYEAR)

    assert ref.key == "A@lastyear"
    assert str(ref) == "#{A@lastyear}"
    assert Reference.from_key("A@lastyear") == ref
    assert Reference.from_key("A") == Reference("A")
    with pytest.raises(ValueError):
        Reference.from_key("A@tomorrow")


# -- errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("2 + * 3", 5),
        ("max(1, 2", 9),
        ("", 1),
        ("   ", 4),
        ("1 +", 4),
        ("1 + ", 5),  # the end of the text + 1, trailing spaces included
        ("(1 + 2", 7),
        ("((1)", 5),
        ("(1 + 2))", 8),
        (")", 1),
        ("1 2", 3),
        ("2 $ 3", 3),
        ("1 = 2", 3),
        ("1 < 2 < 3", 7),
        ("1 ! 2", 3),
        ("#", 1),
        ("#{", 3),
        ("#{}", 3),
        ("#{A", 4),
        ("#{A@", 5),
        ("#{A@prev", 9),
        ("#{A B}", 5),
        ("# {A}", 1),
        ("1.", 2),
        (".5", 1),
        ("1e3", 2),
        ("A + 1", 3),
        ("sum(1,)", 7),
        ("sum(,1)", 5),
        ("sum 1", 5),
        ("1（", 2),
        ("2 ** 3", 4),
        ("not", 4),
        ("1 and", 6),
        ("-", 2),
        ("#{A}#{B}", 5),
        ("max(1, 2) max", 11),
    ],
)
def test_syntax_errors_point_at_the_first_character_that_cannot_be_parsed(text: str, position: int):
    with pytest.raises(FormulaSyntaxError) as info:
        parse(text)

    assert info.value.position == position
    assert info.value.issues[0].kind == "syntax"
    assert "/" in info.value.message  # bilingual: "中文 / English"


def test_messages_say_what_was_expected():
    def message(text: str) -> str:
        with pytest.raises(FormulaSyntaxError) as info:
            parse(text)
        return info.value.message

    assert message("2 + * 3") == (
        "第 5 列：不能出现 '*'，应为数字、引用 #{…}、函数或 '(' / "
        "column 5: unexpected '*', expected a number, a reference #{…}, a function or '('"
    )
    assert message("max(1, 2").endswith(
        "the formula ends too early, expected an operator or ')' or ','"
    )
    assert message("") == "公式为空 / the formula is empty"
    assert "expected '@' or '}'" in message("#{A")
    assert "write == to compare" in message("1 = 2")
    assert "comparisons cannot be chained" in message("1 < 2 < 3")
    assert "write a reference as #{A}" in message("A + 1")
    assert "half-width" in message("sum(1，2)")


@pytest.mark.parametrize(
    ("text", "name", "position"),
    [
        ("foo(1)", "foo", 1),
        ("1 + bar(2, 3)", "bar", 5),
        ("SUM(1, 2)", "SUM", 1),
        ("if(1, Max(1), 0)", "Max", 7),
        ("sqrt(#{A})", "sqrt", 1),
    ],
)
def test_unknown_functions_are_refused_naming_them(text: str, name: str, position: int):
    with pytest.raises(UnknownFunctionError) as info:
        parse(text)

    assert info.value.name == name
    assert info.value.position == position
    assert f"'{name}'" in info.value.message
    assert info.value.issues[0].kind == "unknown_function"


def test_a_function_in_the_wrong_case_gets_a_hint():
    with pytest.raises(UnknownFunctionError, match="function names are lower case: sum"):
        parse("SUM(1, 2)")


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("abs(1, 2)", 1, "abs takes 1 argument, got 2"),
        ("abs()", 1, "abs takes 1 argument, got 0"),
        ("round(1)", 1, "round takes 2 arguments, got 1"),
        ("round(1, 2, 3)", 1, "round takes 2 arguments, got 3"),
        ("if(1, 2)", 1, "if takes 3 arguments, got 2"),
        ("1 + if(1, 2, 3, 4)", 5, "if takes 3 arguments, got 4"),
        ("sum()", 1, "sum takes at least 1 argument, got 0"),
        ("max()", 1, "max takes at least 1 argument, got 0"),
    ],
)
def test_wrong_argument_counts_are_refused(text: str, position: int, words: str):
    with pytest.raises(FormulaSyntaxError, match=words) as info:
        parse(text)

    assert info.value.position == position
    assert info.value.issues[0].kind == "arity"


@pytest.mark.parametrize(
    ("text", "position"),
    [("round(1, #{N})", 10), ("round(1, 1.5)", 10), ("round(1, 16)", 10), ("round(1, 1 + 1)", 10)],
)
def test_round_digits_must_be_a_whole_number_literal(text: str, position: int):
    with pytest.raises(FormulaSyntaxError) as info:
        parse(text)

    assert info.value.position == position
    assert info.value.issues[0].kind == "argument"


@pytest.mark.parametrize("text", ["#{A@next}", "#{A@PREV}", "#{A@last_year}"])
def test_unknown_offsets_are_refused(text: str):
    with pytest.raises(FormulaSyntaxError, match="@prev or @lastyear") as info:
        parse(text)

    assert info.value.position == 5
    assert info.value.issues[0].kind == "offset"


def test_every_issue_after_parsing_is_reported_leftmost_first():
    with pytest.raises(FormulaSyntaxError) as info:
        parse("abs(1, 2) + foo(1) + #{A@x}")

    assert [(i.position, i.kind) for i in info.value.issues] == [
        (1, "arity"),
        (13, "unknown_function"),
        (26, "offset"),
    ]
    # The first issue decides the type and the headline.
    assert not isinstance(info.value, UnknownFunctionError)
    assert info.value.position == 1


def test_a_syntax_error_wins_over_an_unknown_function():
    with pytest.raises(FormulaSyntaxError) as info:
        parse("foo(1) + * 2")

    assert info.value.position == 10
    assert info.value.issues[0].kind == "syntax"


def test_a_number_too_large_for_float64_is_refused():
    with pytest.raises(FormulaSyntaxError, match="number too large") as info:
        parse("1 + " + "9" * 400)

    assert info.value.position == 5


def test_nesting_is_limited_but_a_long_chain_fits():
    assert isinstance(parse(" + ".join(f"#{{A{i}}}" for i in range(MAX_DEPTH))), BinOp)
    deep = "(" * (MAX_DEPTH + 5) + "1" + ")" * (MAX_DEPTH + 5)
    assert parse(deep) == Number(1)  # parentheses add no depth

    with pytest.raises(FormulaSyntaxError) as info:
        parse("-" * (MAX_DEPTH + 1) + "1")
    assert info.value.issues[0].kind == "depth"


def test_parse_refuses_a_non_string():
    with pytest.raises(TypeError):
        parse(12)  # type: ignore[arg-type]


# -- canonical text --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("2+3*4", "2 + 3 * 4"),
        ("(2+3)*4", "(2 + 3) * 4"),
        ("10-(4-3)", "10 - (4 - 3)"),
        ("(10-4)-3", "10 - 4 - 3"),
        ("2/(2/2)", "2 / (2 / 2)"),
        ("2*(3*4)", "2 * (3 * 4)"),
        ("-(-2)", "-(-2)"),
        ("--2", "-(-2)"),
        ("2 - -3", "2 - -3"),
        ("-(2*3)", "-(2 * 3)"),
        ("(not 1) + 2", "(not 1) + 2"),
        ("not (1 and 2)", "not (1 and 2)"),
        ("not(1)", "not 1"),
        ("(1 < 2) < 3", "(1 < 2) < 3"),
        ("1 < (2 < 3)", "1 < (2 < 3)"),
        ("1 or (2 or 3)", "1 or (2 or 3)"),
        ("(1 or 2) and 3", "(1 or 2) and 3"),
        ("sum( #{A},#{B@prev} )", "sum(#{A}, #{B@prev})"),
        ("round(2.50, 2)", "round(2.5, 2)"),
        ("0.000001", "0.000001"),
        ("12345678901234567890", "12345678901234567000"),  # float64's shortest form
        ("if(#{A}>5,1,0)", "if(#{A} > 5, 1, 0)"),
    ],
)
def test_to_text_prints_the_canonical_form(text: str, canonical: str):
    assert to_text(parse(text)) == canonical
    assert parse(canonical) == parse(text)


def test_to_text_prints_trees_built_in_code():
    tree = BinOp("-", Number(1e-7), BinOp("-", Reference("经济.01"), Number(1e20)))

    assert to_text(tree) == "0.0000001 - (#{经济.01} - 100000000000000000000)"
    assert parse(to_text(tree)) == tree
