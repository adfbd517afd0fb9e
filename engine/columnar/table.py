"""Tables in, tables out: ``policy.evaluate_table(table)`` and the flat result table that
Parquet output and the API share.

The result table has one row per record, in order: ``record`` (1-based), ``id``,
``entity``, ``grade``, one column per reported value (numbers as the JSON output shows
them: whole numbers exactly, others rounded to 6 places), ``credit_total``, ``sanctions``
and ``awards`` (lists of codes), ``error_code`` and ``error_message`` (empty for results).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from fractions import Fraction
from math import gcd
from typing import TYPE_CHECKING, Any

from ..base.numbers import to_json_number
from ..runtime.policy import Policy
from ..runtime.result import Failure, Result

if TYPE_CHECKING:
    import pyarrow as pa

    from ..language.model import Entity, PolicySpec
    from .plan import Plan

__all__ = ["as_arrow", "evaluate_table", "integer_columns", "outcomes_table", "plan_table"]

#: Below this many records ``auto`` keeps the row engine (DuckDB's start-up, about a second
#: on the development machine, costs more than it gains); measured by bench/columnar.py.
#: ``auto`` runs DuckDB only on Parquet inputs: for records read as dicts (JSONL, CSV, xlsx)
#: the row engine was as fast or faster there.
AUTO_THRESHOLD = 5_000


def as_arrow(table: Any) -> pa.Table:
    """An Arrow table from an Arrow table, a pandas or polars DataFrame, or a list of dicts."""
    import pyarrow as pa

    if isinstance(table, pa.Table):
        return table
    if isinstance(table, pa.RecordBatch):
        return pa.Table.from_batches([table])
    if hasattr(table, "to_arrow"):  # polars
        return table.to_arrow()
    if hasattr(table, "__dataframe__") or type(table).__module__.startswith("pandas"):
        return pa.Table.from_pandas(table, preserve_index=False)
    if isinstance(table, list):
        return pa.Table.from_pylist(table)
    raise TypeError(f"expected an Arrow table or a DataFrame, got {type(table).__name__}")


def _json_number(n, d):
    if d == 1:
        return n
    q, r = divmod(n * 1_000_000, d)
    if r == 0 and q % 1_000_000 == 0:
        return q // 1_000_000
    twice = 2 * r
    if twice > d or (twice == d and q & 1):
        q += 1
    return q / 1_000_000


def integer_columns(spec: PolicySpec, entity: Entity) -> frozenset:
    """The result columns that hold whole numbers for every record: reported values the plan
    types as integers (from the input declarations), and ``credit_total`` when every credit is
    a whole constant. Every other number column is a double, whichever engine ran."""
    from .plan import Unsupported, build_plan, declared_kinds

    names = set()
    try:
        plan = build_plan(spec, entity, declared_kinds(entity), spec.effective_from)
    except Unsupported:
        return frozenset()
    for o in plan.values:
        if o.kind == "num" and o.columns[1] == 1:
            names.add(o.name)
    credits = [c for c in entity.consequences if c.kind == "credit" and c.amount is not None]
    if all(c.amount.is_constant and type(c.amount.constant) is int for c in credits):
        names.add("credit_total")
    return frozenset(names)


def outcomes_table(outcomes: Iterable[Result | Failure], entity: Entity, spec: PolicySpec | None = None) -> pa.Table:
    """The flat result table of a sequence of outcomes (Result or Failure)."""
    reported = list(entity.reported)
    rows: dict = {
        k: []
        for k in (
            "record",
            "id",
            "entity",
            "grade",
            *reported,
            "credit_total",
            "sanctions",
            "awards",
            "error_code",
            "error_message",
        )
    }
    for i, outcome in enumerate(outcomes, 1):
        d = outcome.to_dict()
        rows["record"].append(i)
        rows["id"].append(d["id"])
        rows["entity"].append(d["entity"])
        err = d.get("error")
        grade = d.get("grade")
        rows["grade"].append(grade["code"] if grade else None)
        scores = d.get("scores") or {}
        for name in reported:
            rows[name].append(scores.get(name))
        rows["credit_total"].append(d.get("credit_total") if not err else None)
        rows["sanctions"].append([s["code"] for s in d.get("sanctions", [])] if not err else None)
        rows["awards"].append([s["code"] for s in d.get("awards", [])] if not err else None)
        rows["error_code"].append(err["code"] if err else None)
        rows["error_message"].append(err["message"] if err else None)
        if spec is None and isinstance(outcome, Result):
            spec = outcome.spec
    return _table(rows, reported, integer_columns(spec, entity) if spec is not None else frozenset())


def _table(rows, reported, integers):
    import pyarrow as pa

    arrays = {}
    for k, v in rows.items():
        typ = None
        if k in ("record",):
            typ = pa.int64()
        elif k in ("id", "entity", "grade", "error_code", "error_message"):
            typ = pa.string()
        elif k in ("sanctions", "awards"):
            typ = pa.list_(pa.string())
        elif k in integers:
            typ = pa.int64()
        elif (k in reported or k == "credit_total") and all(
            x is None or (isinstance(x, (int, float)) and not isinstance(x, bool)) for x in v
        ):
            typ = pa.float64()
            v = [None if x is None else float(x) for x in v]
        try:
            arrays[k] = pa.array(v, type=typ)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            arrays[k] = pa.array([None if x is None else str(x) for x in v], type=pa.string())
    return pa.table(arrays)


def evaluate_table(
    policy: Policy, table: Any, entity: str, *, as_of: dt.date | None = None, allow_outside: bool = False
) -> pa.Table:
    """Evaluate every row of ``table`` (Arrow or a DataFrame) and return the result table.

    Rows the plan proves valid are decided by DuckDB; the rest, and every entity the plan
    cannot express, by the row engine, with its own diagnostics."""
    from .plan import Unsupported
    from .run import plan_for, row_outcomes, run_plan

    day = policy.check_period(as_of, allow_outside)
    table = as_arrow(table)
    ent = policy.runtime(entity).entity
    try:
        plan = plan_for(policy, entity, table, day)
    except Unsupported:
        return outcomes_table(row_outcomes(policy, entity, table, day), ent, policy.spec)
    out = run_plan(plan, table)
    return plan_table(policy, entity, plan, out, table.take, day)


def plan_table(
    policy: Policy, entity: str, plan: Plan, out: pa.Table, fetch: Callable[[list[int]], pa.Table], day: dt.date
) -> pa.Table:
    """The result table from the plan's output ``out``; ``fetch(indices)`` gives the input
    rows (an Arrow table) the plan did not decide, for the row engine."""
    from .run import row_outcomes

    ent = plan.entity
    reported = list(ent.reported)
    cols = {name: out.column(name).to_pylist() for name in out.column_names}
    ok = cols["__ok"]
    n = len(ok)
    bad = [i for i in range(n) if not ok[i]]
    rows: dict = {"record": list(range(1, n + 1))}
    rows["id"] = [x if x is None or isinstance(x, str) else str(x) for x in cols["__id"]]
    rows["entity"] = [ent.name] * n
    rows["grade"] = cols.get("__grade", [None] * n)
    for o in plan.values:
        if o.kind == "num":
            num = cols[o.columns[0]]
            if isinstance(o.columns[1], str):
                den = cols[o.columns[1]]
                rows[o.name] = [None if a is None else _json_number(a, b) for a, b in zip(num, den)]
            else:
                dc = o.columns[1]
                rows[o.name] = num if dc == 1 else [None if a is None else _json_number(a, dc) for a in num]
        else:
            rows[o.name] = cols[o.columns[0]]
    # credits, sanctions and awards from the fired flags; credit totals as whole numbers
    # over one common denominator
    common = 1
    for cons, _cname, amount in plan.consequences:
        if cons.kind == "credit" and cons.amount is not None and amount is None:
            common = (
                common
                * Fraction(cons.amount.constant).denominator
                // gcd(common, Fraction(cons.amount.constant).denominator)
            )
    totals = [0] * n
    exact: list = [None] * n  # a computed amount: the total as a Fraction
    sanctions: list[list[str]] = [[] for _ in range(n)]
    awards: list[list[str]] = [[] for _ in range(n)]
    for cons, cname, amount in plan.consequences:
        flags = cols[cname]
        if cons.kind == "credit" and cons.amount is not None:
            times = len(cons.periods)
            if amount is None:
                add = int(Fraction(cons.amount.constant) * times * common)
                totals = [t + add if f else t for t, f in zip(totals, flags)]
            else:
                num = cols[amount.columns[0]]
                den = cols[amount.columns[1]] if isinstance(amount.columns[1], str) else [amount.columns[1]] * n
                for i, (f, a, b) in enumerate(zip(flags, num, den)):
                    if f:
                        exact[i] = (exact[i] or 0) + Fraction(int(a), int(b)) * times
        elif cons.kind in ("sanction", "obligation", "award"):
            target = awards if cons.kind == "award" else sanctions
            for i, f in enumerate(flags):
                if f:
                    target[i].append(cons.code)
    rows["credit_total"] = [
        _json_number(t, common) if x is None else to_json_number(Fraction(t, common) + x) for t, x in zip(totals, exact)
    ]
    rows["sanctions"] = sanctions
    rows["awards"] = awards
    rows["error_code"] = [None] * n
    rows["error_message"] = [None] * n
    if bad:
        fixed = outcomes_table(row_outcomes(policy, entity, fetch(bad), day), ent, policy.spec)
        fcols = {k: fixed.column(k).to_pylist() for k in fixed.column_names}
        for j, i in enumerate(bad):
            for k in rows:
                if k != "record":
                    rows[k][i] = fcols[k][j]
    return _table(rows, reported, integer_columns(policy.spec, ent))
