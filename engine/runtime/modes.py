"""The evaluation modes and the failures that blame a record rather than the engine.

A policy is type-checked when it loads (engine/language/types.py), so an operand of the
wrong kind cannot reach an operation: a ``TypeError`` or ``ValueError`` during evaluation
is a fault of kaohe, reported as an internal error, never as a message about the record.
What a record can cause is an :class:`EvalFailure` (an empty value, an empty list, a limit,
a date beyond the calendar) or an arithmetic failure.
"""

from __future__ import annotations

from ..language.expressions import EvalFailure

__all__ = ["FAILURES", "FAST", "REFERENCE"]

FAST, REFERENCE = "fast", "reference"
FAILURES = (
    EvalFailure,
    ArithmeticError,  # ZeroDivisionError, OverflowError
    RecursionError,
    MemoryError,
)
