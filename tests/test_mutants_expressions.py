"""engine.language.expressions, pinned down: the size limit of exact arithmetic, the words of
the language functions' refusals, and the constants known at load. Each test kills mutants the
rest of the suite let survive (bench/mutation.py expressions; figures in bench/MUTATION.md)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from engine.base.errors import Location
from engine.language.expressions import EvalFailure, add, div, f_add_months, f_within, parse_expression


def refused(fn, *args) -> str:
    with pytest.raises(EvalFailure) as caught:
        fn(*args)
    return caught.value.render("en")


def test_a_fraction_is_refused_when_either_part_outgrows_512_bits():
    too_large = "a number grew beyond the allowed size (about 10**154)"
    assert div(Fraction(1, 2), 2**510) == Fraction(1, 2**511)  # a 512-bit denominator is allowed
    assert refused(div, Fraction(1, 2), 2**511) == too_large  # 513 bits below the line, 1 above
    assert add(Fraction(1, 3), Fraction(2**511, 3)) == Fraction(2**511 + 1, 3)
    assert refused(add, Fraction(1, 3), Fraction(2**512 + 2, 3)) == too_large  # 513 bits above the line


def test_the_functions_refusals_name_the_function():
    assert refused(add, None, 1) == "+ needs numbers, got an empty value"
    assert refused(f_add_months, "2021-06-30", 1).startswith("add_months() needs a date, got ")
    assert refused(f_within, "x", "day", dt.date(2021, 1, 1), dt.date(2021, 12, 31)).startswith(
        "within() needs a list, got "
    )


def test_true_and_false_are_constants_known_at_load():
    """An expression that reads no name is computed once, when the policy loads (a consequence
    whose condition is constantly false is then reported by lint)."""
    for text, value in (("false", False), ("true", True), ("1 + 2", 3), ("2 > 3", False)):
        expression = parse_expression(text, Location("p.yaml", 1, 1))
        assert expression.is_constant is True and expression.constant == value, text
    assert parse_expression("hours > 3", Location("p.yaml", 1, 1), {"hours": "number"}).is_constant is False
