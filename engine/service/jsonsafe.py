"""The one place the service makes results JSON-ready: exact numbers that ``Result.to_dict()``
may still hand over as Fractions become JSON numbers, dates become ISO text. Used as the
``default`` hook of ``json.dumps``, so it costs nothing for values that are JSON already.
Delete once Result.to_dict() gives JSON-ready data itself."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from ..base.numbers import to_json_number

__all__ = ["json_default"]


def json_default(value: object) -> int | float | str:
    if isinstance(value, Fraction):
        return to_json_number(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)
