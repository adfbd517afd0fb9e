"""engine.base.numbers, pinned down value by value: each test here kills mutants that the
rest of the suite let survive (bench/mutation.py numbers; figures in bench/MUTATION.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from engine.base.errors import Problem
from engine.base.numbers import (
    Interval,
    exact,
    format_number,
    over_common_denominator,
    parse_interval,
    ratio,
    to_json_number,
)


def test_exact_reads_each_kind_exactly():
    assert exact(7) == 7 and type(exact(7)) is int
    assert exact(Fraction(1, 3)) == Fraction(1, 3)
    assert exact(48.2) == Fraction(482, 10)
    assert exact(Decimal("45.50")) == Fraction(91, 2)
    assert exact(" 12 ") == 12 and type(exact("12")) is int
    assert exact("0.1") == Fraction(1, 10)
    for bad in (True, float("nan"), float("inf"), -float("inf"), Decimal("NaN"), Decimal("Infinity"), "x", "1/0", []):
        with pytest.raises(ValueError):
            exact(bad)


def test_over_common_denominator():
    assert over_common_denominator([Fraction(1, 2), 3, Fraction(7, 10)]) == ([5, 30, 7], 10)
    assert over_common_denominator([4, 5]) == ([4, 5], 1)


def test_ratio_is_int_when_whole():
    assert ratio(6, 1) == 6 and type(ratio(6, 1)) is int
    assert ratio(6, 3) == 2 and type(ratio(6, 3)) is int
    assert ratio(1, 3) == Fraction(1, 3)
    assert ratio(-4, 2) == -2 and type(ratio(-4, 2)) is int


def test_to_json_number_rounds_half_to_even_at_six_places():
    assert to_json_number(Fraction(4, 2)) == 2 and type(to_json_number(Fraction(4, 2))) is int
    assert to_json_number(5) == 5
    assert to_json_number(Fraction(1, 3)) == 0.333333
    assert to_json_number(Fraction(2, 3)) == 0.666667
    assert to_json_number(Fraction(1, 8_000_000)) == 0.0  # 0.000000125: below half, down
    assert to_json_number(Fraction(1, 2_000_000)) == 0.0  # exactly half, 0 is even: stays
    assert to_json_number(Fraction(3, 2_000_000)) == 0.000002  # exactly half, 1 is odd: up
    for n, d in ((1, 7), (22, 7), (-5, 3), (123456789, 1000)):
        assert to_json_number(Fraction(n, d)) == round(Fraction(n, d), 6).__float__()


def test_format_number_as_an_officer_writes_it():
    assert format_number(Fraction(6, 2)) == "3"
    assert format_number(Fraction(1, 2)) == "0.5"
    assert format_number(Fraction(2, 7)) == "0.285714"
    assert format_number(Fraction(10, 3)) == "3.333333"
    assert format_number(Fraction(1, 10_000_000)) == "0"  # rounds to nothing, no "0." left
    assert format_number(Fraction(201, 2)) == "100.5"
    assert format_number(49) == "49"
    assert format_number(dt.date(2022, 5, 14)) == "2022-05-14"


@pytest.mark.parametrize(
    ("text", "inside", "outside"),
    [
        ("[0.4, 0.5)", [Fraction(2, 5), Fraction(9, 20)], [Fraction(1, 2), Fraction(39, 100), 0, 1]),
        ("(0.4, 0.5]", [Fraction(1, 2), Fraction(41, 100)], [Fraction(2, 5), Fraction(51, 100)]),
        ("[1, 2]", [1, 2, Fraction(3, 2)], [0, 3, Fraction(1, 2), Fraction(5, 2)]),
        ("(1, 2)", [Fraction(3, 2)], [1, 2]),
        ("[3, inf)", [3, 10**9, Fraction(7, 2)], [2, Fraction(5, 2)]),
        ("(-inf, 3)", [2, -(10**9), Fraction(5, 2)], [3, 4, Fraction(7, 2)]),
        ("(-inf, inf)", [0, -5, Fraction(1, 3)], []),
    ],
)
def test_membership_agrees_on_every_path(text, inside, outside):
    interval = parse_interval(text)
    pred, holds = interval.predicate(), interval.ratio_predicate()
    for x, want in [(x, True) for x in inside] + [(x, False) for x in outside]:
        n, d = (x, 1) if type(x) is int else (x.numerator, x.denominator)
        assert (x in interval) is want, (text, x)
        assert pred(x) is want, (text, x)
        assert holds(n, d) is want, (text, x)


def test_membership_by_comparison_for_other_values():
    days = Interval(dt.date(2022, 1, 1), True, dt.date(2022, 5, 14), True)
    assert dt.date(2022, 5, 14) in days and dt.date(2022, 1, 1) in days
    assert dt.date(2022, 5, 15) not in days and dt.date(2021, 12, 31) not in days
    open_days = Interval(dt.date(2022, 1, 1), False, dt.date(2022, 5, 14), False)
    assert dt.date(2022, 1, 1) not in open_days and dt.date(2022, 5, 14) not in open_days
    assert dt.date(2022, 3, 1) in open_days
    inside = parse_interval("[0.5, 1)").predicate()  # a float (never a threshold) falls back to comparison
    assert inside(0.75) is True and inside(1.0) is False and inside(0.25) is False


def test_covers_needs_both_ends_inside():
    interval = parse_interval("[0, 10)")
    assert interval.covers(0, 9)
    assert not interval.covers(0, 10)
    assert not interval.covers(-1, 9)
    assert not interval.covers(-1, 10)


def test_is_empty():
    assert Interval(2, True, 1, True).is_empty()
    assert Interval(1, True, 1, False).is_empty()
    assert Interval(1, False, 1, True).is_empty()
    assert not Interval(1, True, 1, True).is_empty()
    assert not Interval(1, True, 2, False).is_empty()
    assert not Interval(None, False, 1, False).is_empty()
    assert not Interval(1, True, None, False).is_empty()


def test_str_keeps_the_written_text_else_builds_it():
    assert str(parse_interval("  [0.40, 0.50) ")) == "[0.40, 0.50)"
    assert str(Interval(Fraction(2, 5), True, Fraction(1, 2), False)) == "[0.4, 0.5)"
    assert str(Interval(Fraction(2, 5), False, Fraction(1, 2), True)) == "(0.4, 0.5]"
    assert str(Interval(None, False, 3, False)) == "(-inf, 3)"
    assert str(Interval(3, True, None, False)) == "[3, inf)"


def test_parse_interval_ends():
    interval = parse_interval("( 0.4 , 0.5 ]")
    assert (interval.lo, interval.lo_closed, interval.hi, interval.hi_closed) == (
        Fraction(2, 5),
        False,
        Fraction(1, 2),
        True,
    )
    assert parse_interval("[1, +inf)").hi is None
    assert parse_interval("[1, ∞)").hi is None
    assert parse_interval("[1, )").hi is None
    assert parse_interval("(-∞, 1]").lo is None
    assert parse_interval("(, 1]").lo is None
    assert parse_interval("[1.5, 2]").lo == Fraction(3, 2)
    assert type(parse_interval("[1, 2]").lo) is int


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("0.4, 0.5", "interval.form", "0.4, 0.5"),
        ("[0.4; 0.5)", "interval.form", "[0.4; 0.5)"),
        ("[1, -inf)", "interval.upper-minus-inf", None),
        ("(inf, 2)", "interval.lower-plus-inf", None),
        ("(+∞, 2)", "interval.lower-plus-inf", None),
        ("[a, 2)", "interval.end-not-number", "a"),
        ("[1, 1e999)", "interval.end-too-large", "1e999"),
        ("[NaN, 2)", "interval.end-too-large", "NaN"),
        ("[-inf, 2)", "interval.open-end", "[-inf, 2)"),
        ("(1, inf]", "interval.open-end", "(1, inf]"),
        ("[2, 1]", "interval.empty", "[2, 1]"),
        ("[1, 1)", "interval.empty", "[1, 1)"),
    ],
)
def test_parse_interval_refuses_with_a_reason(text, key, value):
    with pytest.raises(Problem) as caught:
        parse_interval(text)
    assert caught.value.key == key
    assert caught.value.params == ({} if value is None else {"value": repr(value)})


def test_parse_interval_accepts_a_point():
    assert parse_interval("[1, 1]").covers(1, 1)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "a yes/no value is not a number"),
        (float("nan"), "not a finite number"),
        (float("inf"), "not a finite number"),
        (-float("inf"), "not a finite number"),
        (Decimal("NaN"), "not a finite number"),
        (Decimal("-Infinity"), "not a finite number"),
        ("4o", "'4o' is not a number"),
        ("1/0", "'1/0' is not a number"),
        ([4], "[4] is not a number"),
    ],
)
def test_exact_says_why_a_value_is_not_a_number(value, message):
    with pytest.raises(ValueError) as caught:
        exact(value)
    assert str(caught.value) == message
