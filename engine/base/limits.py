"""The one size limit on numbers: every number kaohe reads or computes with stays below
2**512 (about 10**154), so no policy or record can make a computation stall."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

__all__ = ["MAX_BITS", "MAX_DIGITS", "MAX_MAGNITUDE", "decimal_fits", "fits"]

#: every whole number, numerator and denominator has at most this many bits
MAX_BITS = 512
#: the same bound in decimal digits: a decimal below 10**154, with at most 154 decimal places
MAX_DIGITS = 154
#: 2**512: every whole number kaohe computes with is strictly smaller in size
MAX_MAGNITUDE = 1 << MAX_BITS


def fits(value: int | Fraction) -> bool:
    """Whether a whole number or fraction stays within the limit."""
    if type(value) is int:
        return value.bit_length() <= MAX_BITS
    return value.numerator.bit_length() <= MAX_BITS and value.denominator.bit_length() <= MAX_BITS


def decimal_fits(number: Decimal) -> bool:
    """Whether a finite decimal is below 10**154 with at most 154 decimal places, checked
    without expanding its digits (``1e999999999`` is refused at once)."""
    if not number:
        return True
    if number.adjusted() >= MAX_DIGITS:
        return False
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # a finite decimal's exponent is a number ("n", "N", "F" mark NaN, infinity)
    return exponent >= -MAX_DIGITS
