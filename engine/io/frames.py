"""pandas in and out (the ``pandas`` extra): a DataFrame of records, a DataFrame of results.

::

    import pandas as pd
    from kaohe.io.frames import evaluate_frame        # engine.io.frames in a checkout

    sheet = pd.read_excel("teachers.xlsx")             # headers 工号, 性别, ... as officers write them
    results = evaluate_frame(policy, sheet, "teacher", as_of="2020-01-10", keep=["姓名"])

Empty cells (NaN, None, NaT) are left out of the record, as the file readers leave out empty
cells. Headers are mapped as the file readers map them. A number that is not whole is handed
on as its shortest decimal text (45.5, never 45.499999...) and read exactly. The result has
one row per input row, in order, failures included (their ``error`` column says why), with
flat columns: id, the ``keep`` columns, entity, grade, grade_label, the reported values,
credit_total, credits, sanctions, awards, error.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..base.errors import Diagnostic, KaoheError
from .text import flat_row

if TYPE_CHECKING:
    import pandas

    from ..runtime.policy import Policy

__all__ = ["evaluate_frame", "frame_records"]


def _pandas():
    try:
        import pandas
    except ImportError:
        raise KaoheError(Diagnostic.of("usage.pandas")) from None
    return pandas


def _cell(value):
    """A DataFrame cell as a raw field; None for an empty cell."""
    if value is None:
        return None
    item = getattr(value, "item", None)  # numpy scalars -> Python
    if item is not None and not isinstance(value, (str, bytes)):
        try:
            value = item()
        except (TypeError, ValueError):
            pass
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return repr(value)  # the shortest decimal text, read exactly by the coercer
    if isinstance(value, dt.datetime):
        return value.date()
    if type(value).__name__ in ("NaTType", "NAType"):
        return None
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp
        return value.to_pydatetime().date()
    return value


def frame_records(frame: pandas.DataFrame) -> Iterator[dict]:
    """The rows of a DataFrame as records: empty cells left out, numbers exact."""
    columns = [str(c) for c in frame.columns]
    for row in frame.itertuples(index=False, name=None):
        record = {}
        for column, value in zip(columns, row):
            cell = _cell(value)
            if cell is not None and not (isinstance(cell, str) and not cell.strip()):
                record[column] = cell
        yield record


def evaluate_frame(
    policy: Policy,
    frame: pandas.DataFrame,
    entity: str,
    *,
    as_of: dt.date | None = None,
    lang: str | None = None,
    keep: Sequence[str] = (),
    **options: Any,
) -> pandas.DataFrame:
    """Evaluate every row of ``frame``; a DataFrame of flat rows, failures included.

    ``keep`` names input columns (姓名, 学校, ...) to carry into the result unchanged;
    ``options`` go to :meth:`Policy.evaluate_many` (``allow_outside``, ``mode``)."""
    pandas = _pandas()
    if not isinstance(frame, pandas.DataFrame):
        raise KaoheError(Diagnostic.of("usage.frame", kind=type(frame).__name__))
    missing = [c for c in keep if c not in frame.columns]
    if missing:
        shown, have = ", ".join(map(str, missing)), ", ".join(map(str, frame.columns))
        raise KaoheError(Diagnostic.of("usage.frame/keep", missing=shown, columns=have))
    lang = lang or policy.spec.language
    reported = list(policy.runtime(entity).entity.reported)
    columns = ["id", *keep, "entity", "grade", "grade_label", *reported]
    columns += ["credit_total", "credits", "sanctions", "awards", "error"]
    kept = frame[list(keep)].itertuples(index=False, name=None) if keep else None
    rows = []
    for outcome in policy.evaluate_many(frame_records(frame), entity, as_of=as_of, **options):
        row = flat_row(outcome, lang)
        if kept is not None:
            row.update(zip(keep, (_cell(v) for v in next(kept))))
        rows.append(row)
    return pandas.DataFrame(rows, columns=columns, index=frame.index)
