"""Exact numbers, intervals and the conversions officers expect.

Every number kaohe computes with is an ``int`` or a :class:`fractions.Fraction`:
``45.5`` is read as 91/2, never as a binary float, so six lesson scores 45.5, 52.1,
49.3, 48.2, 50.0, 48.9 average exactly 49.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from .errors import Problem
from .limits import decimal_fits

__all__ = [
    "INF",
    "ExactList",
    "Interval",
    "exact",
    "format_number",
    "over_common_denominator",
    "parse_interval",
    "ratio",
    "to_json_number",
]

INF = float("inf")


class ExactList(list):
    """A checked list of numbers that remembers its exact total as ``(n, d)``, the sum
    being n / d: reading a record's lesson scores already adds them over one common
    denominator, so ``sum()`` and ``mean()`` need not add them again. It is a copy of the
    record's list, so the total cannot go stale."""

    __slots__ = ("total",)


def exact(value: Any) -> int | Fraction:
    """An exact number from an int, Decimal, Fraction, float or decimal text.

    A float is read by its shortest decimal text (48.2 is 482/10), which is what the
    person who typed it meant. Raises ValueError for NaN, infinities and non-numbers.
    """
    kind = type(value)
    if kind is int or kind is Fraction:
        return value
    if kind is bool:
        raise ValueError("a yes/no value is not a number")
    if kind is float:
        if value != value or value in (INF, -INF):
            raise ValueError("not a finite number")
        value = repr(value)
    elif kind is Decimal:
        if not value.is_finite():
            raise ValueError("not a finite number")
        value = str(value)
    if isinstance(value, str):
        try:
            number = Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"{value!r} is not a number") from None
        return number.numerator if number.denominator == 1 else number
    raise ValueError(f"{value!r} is not a number")


def over_common_denominator(xs: Iterable[int | Fraction]) -> tuple[list, int]:
    """Whole numbers and fractions as numerators over their least common denominator:
    ``[1/2, 3, 7/10]`` is ``([5, 30, 7], 10)``; comparing or adding these is exact and
    builds no Fraction."""
    pairs = [x.as_integer_ratio() for x in xs]  # one call per item, not three attribute reads
    common = math.lcm(*{d for _, d in pairs})
    return [n * (common // d) for n, d in pairs], common


def ratio(n: int, d: int) -> int | Fraction:
    """n / d exactly, for whole numbers with d != 0: an int when it is whole, else a Fraction."""
    if d == 1:
        return n
    q = Fraction(n, d)
    return q.numerator if q.denominator == 1 else q


def to_json_number(value: Any) -> int | float:
    """An int where exact, otherwise a float rounded to 6 decimal places (half to even,
    as ``round(value, 6)``), computed on whole numbers: the float of the rounded fraction
    without building it."""
    if type(value) is Fraction:
        n, d = value.numerator, value.denominator
        if d == 1:
            return n
        q, r = divmod(n * 1_000_000, d)
        twice = 2 * r
        if twice > d or (twice == d and q & 1):
            q += 1
        return q / 1_000_000  # int / int: the correctly rounded float, as float(Fraction) gives
    return value


def format_number(value: object) -> str:
    """A number as an officer writes it: 49, 0.5, 0.285714 (6 places at most)."""
    if type(value) is Fraction:
        if value.denominator == 1:
            return str(value.numerator)
        text = format(Decimal(value.numerator) / Decimal(value.denominator), ".6f")
        return text.rstrip("0").rstrip(".")
    return str(value)


_INTERVAL = re.compile(r"^\s*([\[(])\s*([^,\s]*)\s*,\s*([^\])\s]*)\s*([\])])\s*$")
_INFINITE = {"inf", "+inf", "∞", "+∞", "", "-inf", "-∞"}


@dataclass(frozen=True)
class Interval:
    """A range of numbers with explicit ends: ``[0.40, 0.50)`` includes 0.40, not 0.50.

    ``lo``/``hi`` are None for an unbounded end.
    """

    lo: Fraction | int | None
    lo_closed: bool
    hi: Fraction | int | None
    hi_closed: bool
    text: str = ""

    def __contains__(self, x: Any) -> bool:  # a number or a date, as the bounds are
        if self.lo is not None and (x < self.lo or (x == self.lo and not self.lo_closed)):
            return False
        return not (self.hi is not None and (x > self.hi or (x == self.hi and not self.hi_closed)))

    def predicate(self) -> Callable[[object], bool]:
        """A function x -> bool equivalent to ``x in self``. Whole numbers and fractions are
        compared by cross-multiplying integers, without Fraction's generic comparison."""
        holds = self.ratio_predicate()
        interval = self

        def inside(x):
            kind = type(x)
            if kind is int:
                return holds(x, 1)
            if kind is Fraction:
                return holds(x.numerator, x.denominator)
            return interval.__contains__(x)

        return inside

    def ratio_predicate(self) -> Callable[[int, int], bool]:
        """A function (n, d) -> bool, for d > 0, equivalent to ``Fraction(n, d) in self``
        without building the Fraction: a list of numbers scaled to one common denominator
        is checked by its smallest and largest numerator."""
        lo, hi, lo_closed, hi_closed = self.lo, self.hi, self.lo_closed, self.hi_closed
        lo_n, lo_d = (lo.numerator, lo.denominator) if lo is not None else (0, 1)
        hi_n, hi_d = (hi.numerator, hi.denominator) if hi is not None else (0, 1)
        has_lo, has_hi = lo is not None, hi is not None

        def holds(n, d):
            if has_lo:
                c = n * lo_d - lo_n * d
                if c < 0 or (c == 0 and not lo_closed):
                    return False
            if has_hi:
                c = n * hi_d - hi_n * d
                if c > 0 or (c == 0 and not hi_closed):
                    return False
            return True

        return holds

    def covers(self, lo: int | Fraction, hi: int | Fraction) -> bool:
        """Whether every number from ``lo`` to ``hi`` (both included) lies inside."""
        inside = self.predicate()
        return inside(lo) and inside(hi)

    def is_empty(self) -> bool:
        if self.lo is None or self.hi is None:
            return False
        return self.lo > self.hi or (self.lo == self.hi and not (self.lo_closed and self.hi_closed))

    def __str__(self) -> str:
        return self.text or (
            f"{'[' if self.lo_closed else '('}{'-inf' if self.lo is None else format_number(self.lo)}, "
            f"{'inf' if self.hi is None else format_number(self.hi)}{']' if self.hi_closed else ')'}"
        )


def _end(text: str, low: bool):
    if text in _INFINITE:
        if text.startswith("-") and not low:
            raise Problem("interval.upper-minus-inf")
        if not text.startswith("-") and text and low:
            raise Problem("interval.lower-plus-inf")
        return None
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        raise Problem("interval.end-not-number", value=repr(text)) from None
    if not number.is_finite() or not decimal_fits(number):
        raise Problem("interval.end-too-large", value=repr(text))
    return exact(number)


def parse_interval(text: str) -> Interval:
    """Parse ``[a, b)``, ``(a, b]``, ``[a, inf)``, ``(-inf, b)``; raise a :class:`Problem`
    (``interval.*``) saying what is wrong."""
    match = _INTERVAL.match(str(text))
    if not match:
        raise Problem("interval.form", value=repr(text))
    left, lo_text, hi_text, right = match.groups()
    lo, hi = _end(lo_text, True), _end(hi_text, False)
    if (lo is None and left == "[") or (hi is None and right == "]"):
        raise Problem("interval.open-end", value=repr(text))
    interval = Interval(lo, left == "[", hi, right == "]", str(text).strip())
    if interval.is_empty():
        raise Problem("interval.empty", value=repr(text))
    return interval
