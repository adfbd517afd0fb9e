"""The evaluation modes and the failures that blame a record rather than the engine."""

from __future__ import annotations

from ..language.expressions import EvalFailure

__all__ = ["FAILURES", "FAST", "REFERENCE"]

FAST, REFERENCE = "fast", "reference"
FAILURES = (
    EvalFailure,
    TypeError,
    ValueError,
    ZeroDivisionError,
    OverflowError,
    ArithmeticError,
    RecursionError,
    MemoryError,
)
