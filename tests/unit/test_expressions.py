"""Expressions: exact arithmetic, the whitelist, limits, and fast == reference."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.base.errors import Location
from engine.base.numbers import to_json_number
from engine.language.expressions import EvalFailure, ExpressionProblem, parse_expression

HERE = Location("test", 1, 1)


def ev(text, **names):
    expr = parse_expression(text, HERE, {n: "" for n in names})
    fast = expr.fast(dict(names))
    assert expr.reference(dict(names)) == fast
    return fast


def test_lesson_average_is_exact():
    scores = [Fraction(s) for s in ("45.5", "52.1", "49.3", "48.2", "50.0", "48.9")]
    assert ev("mean(xs)", xs=scores) == 49
    assert ev("mean(xs) >= 49", xs=scores) is True
    # binary floating point gets this wrong, which is why kaohe never uses it
    assert sum([45.5, 52.1, 49.3, 48.2, 50.0, 48.9]) / 6 < 49


def test_decimal_literals_are_exact():
    assert ev("0.1 + 0.2 == 0.3") is True
    assert ev("x / y", x=7, y=2) == Fraction(7, 2)
    assert ev("x / y >= 0.3", x=2, y=7) is False and ev("x / y >= 0.3", x=3, y=10) is True


def test_functions():
    assert ev("capped_sum(xs, 4)", xs=[5, 2, 9, 4]) == 14
    assert ev("cap(xs, 4)", xs=[5, 2]) == [4, 2]
    assert ev("ceil(x / 10)", x=101) == 11
    assert ev("round(2.345, 2)") == Fraction("2.35")
    assert ev("round(2.5)") == 3
    assert ev("days_between(date('2021-06-01'), date('2021-07-01'))") == 30
    assert ev("count(xs)", xs=[True, False, True]) == 2
    assert ev("distinct(xs)", xs=["a", "b", "a"]) == 2
    assert ev("given(x)", x=None) is False


@pytest.mark.parametrize(
    "text, code",
    [
        ("().__class__.__mro__[1].__subclasses__()", "expr.forbidden"),
        ("x.ljust(10**9)", "expr.forbidden"),
        ("__import__('os')", "expr.unknown-function"),
        ("rand()", "expr.unknown-function"),
        ("[y for y in x]", "expr.forbidden"),
        ("lambda: 1", "expr.forbidden"),
        ("x[0]", "expr.forbidden"),
        ("9**9**9", "expr.limit"),
        ("4000000**4000000", "expr.limit"),
        ("1 << 100", "expr.forbidden"),
        ("x +", "expr.syntax"),
        ("usage_ratoi > 1", "expr.unknown-name"),
        ("mean(x", "expr.syntax"),
        ("date('2021-02-30')", "expr.constant"),
        ("'a' * 10", "expr.constant"),
        ("x" * 3000, "expr.limit"),
        ("abs(" * 60 + "1" + ")" * 60, "expr.limit"),
    ],
)
def test_refused_when_the_policy_loads(text, code):
    with pytest.raises(ExpressionProblem) as info:
        parse_expression(text, HERE, {"x": "", "usage_ratio": ""})
    assert info.value.code == code


def test_unknown_name_suggests_the_close_one():
    with pytest.raises(ExpressionProblem) as info:
        parse_expression("usage_ratoi >= 0.4", HERE, {"usage_ratio": ""})
    assert info.value.hint == "did you mean 'usage_ratio'?"


def test_growth_at_run_time_stops_for_that_record():
    expr = parse_expression("x * x * x * x * x * x", HERE, {"x": ""})
    with pytest.raises(EvalFailure):
        expr.fast({"x": 10**100})
    with pytest.raises(EvalFailure):
        expr.reference({"x": 10**100})
    assert expr.fast({"x": 10}) == 10**6


def test_text_cannot_be_multiplied_into_a_large_string():
    expr = parse_expression("s * n", HERE, {"s": "", "n": ""})
    with pytest.raises(EvalFailure):
        expr.fast({"s": "a", "n": 10**9})


def test_names_read_are_recorded():
    expr = parse_expression("a + b if c else min(a, 1)", HERE, {"a": "", "b": "", "c": ""})
    assert expr.names == {"a", "b", "c"}
    assert expr.functions == {"min"}


# --- numbers as JSON ----------------------------------------------------------------------------


@given(st.fractions(max_denominator=10**12).filter(lambda f: abs(f) < 10**15))
def test_json_numbers_are_the_rounded_fraction(value):
    """to_json_number rounds on whole numbers; it gives exactly float(round(value, 6))."""
    expected = value.numerator if value.denominator == 1 else float(round(value, 6))
    got = to_json_number(value)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize(
    "value, shown",
    [
        (Fraction(1, 2_000_000), 0.0),
        (Fraction(3, 2_000_000), 0.000002),
        (Fraction(-3, 2_000_000), -0.000002),
        (Fraction(2, 3), 0.666667),
        (Fraction(7, 2), 3.5),
        (Fraction(10, 5), 2),
    ],
)
def test_json_numbers_round_half_to_even(value, shown):
    assert to_json_number(value) == shown
