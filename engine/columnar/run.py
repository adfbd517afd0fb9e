"""Running a columnar plan on DuckDB and turning its rows back into results.

Rows the plan proves valid become :class:`Result` objects built from the plan's columns
(numbers as exact fractions, so every writer prints what the row engine prints); every
other row is evaluated by the row engine from the record as given, so its diagnostic is
the row engine's own. Order is kept and records in = outcomes out.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from ..base.numbers import ratio
from ..runtime.policy import Policy
from ..runtime.result import Failure, Result
from .facts import table_facts
from .plan import Plan, Unsupported, build_plan, column_kind

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from ..language.model import Entity, PolicySpec

__all__ = [
    "Unsupported",
    "decoder",
    "exact_lists",
    "outcomes_from_table",
    "plan_for",
    "positions",
    "records_to_table",
    "row_outcomes",
    "run_plan",
    "table_kinds",
    "thread_connection",
    "with_rows",
]


def exact_lists(table: pa.Table, entity: Entity) -> tuple[pa.Table, dict]:
    """``table`` with each list-of-doubles column of a number-list input given as whole
    millionths (``list<int64>``) when every item of it is a decimal of at most 6 places below
    10**9, read as the plan reads one (rounded to millionths and back to the same double, so
    its shortest text is that decimal), in one vectorised pass by Arrow; and those columns'
    kinds (``list:scaled``). A column with any other item is left as it is: the plan checks
    it item by item. The caller keeps ``table`` for the rows the row engine evaluates."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kinds: dict = {}
    for name in table.column_names:
        inp = entity.inputs.get(name)
        typ = table.schema.field(name).type
        if inp is None or inp.items is None or inp.items.type != "number" or column_kind(typ) != "list:float":
            continue
        lists = table.column(name).combine_chunks()
        items = pc.list_flatten(lists)
        if items.null_count or not pa.types.is_float64(items.type):
            continue
        scaled = pc.round(pc.multiply(items, 1_000_000.0))
        exact = pc.and_(
            pc.less(pc.abs(items), 1e9),  # NaN and infinities fail this too
            pc.equal(pc.divide(scaled, 1_000_000.0), items),
        )
        if not pc.all(exact).as_py() and len(items):
            continue
        lengths = pc.fill_null(pc.list_value_length(lists), 0)
        offsets = pa.concat_arrays([pa.array([0], pa.int32()), pc.cumulative_sum(lengths).cast(pa.int32())])
        column = pa.ListArray.from_arrays(offsets, scaled.cast(pa.int64()), mask=pc.is_null(lists))
        table = table.set_column(table.column_names.index(name), name, column)
        kinds[name] = "list:scaled"
    return table, kinds


def table_kinds(table: pa.Table, entity: Entity, kinds: dict | None = None) -> dict:
    """``kinds`` (given by a reader) completed with the kind of each other column of
    ``table`` that is one of ``entity``'s inputs."""
    kinds = dict(kinds or {})
    for name in table.column_names:
        if name in entity.inputs and name not in kinds:
            kinds[name] = column_kind(table.schema.field(name).type)
    return kinds


def plan_for(policy: Policy, entity: str, table: pa.Table, as_of: dt.date, kinds: dict | None = None) -> Plan:
    """The plan of ``entity`` over ``table``'s columns (Unsupported if it cannot be built),
    for this table: what its list columns hold is known (engine.columnar.facts)."""
    ent = policy.runtime(entity).entity
    kinds = table_kinds(table, ent, kinds)
    listed = [n for n in table.column_names if n in ent.inputs and kinds.get(n) in ("list:int", "list:scaled")]
    facts = table_facts(table.select(listed)) if listed else None
    return build_plan(policy.spec, ent, kinds, as_of, facts=facts)


def run_plan(plan: Plan, table: pa.Table, connection: duckdb.DuckDBPyConnection | None = None) -> pa.Table:
    """The plan's result over an Arrow table, as an Arrow table ordered by record."""
    con = connection if connection is not None else thread_connection()
    con.register("records", with_rows(table))
    try:
        return con.sql(plan.sql("duckdb", pretty=False)).to_arrow_table()
    finally:
        con.unregister("records")


_LOCAL = threading.local()


def thread_connection() -> duckdb.DuckDBPyConnection:
    """This thread's DuckDB connection, made once (making one costs more than evaluating a
    small table). Callers register the table they query and unregister it when done."""
    import duckdb

    con = getattr(_LOCAL, "con", None)
    if con is None:
        con = _LOCAL.con = duckdb.connect()
    return con


#: DuckDB scans an Arrow table one record batch per task: a table of one large batch runs on
#: one core. Rows per batch at most, for the scan to spread over the cores.
SCAN_BATCH = 16_384


def with_rows(table: pa.Table) -> pa.Table:
    """``table`` with the ``__row`` column (0, 1, ...) the plan orders by, in batches of at
    most SCAN_BATCH rows (slices of the same buffers: nothing is copied)."""
    import pyarrow as pa

    numbered = table.append_column("__row", positions(table.num_rows))
    if numbered.num_rows <= SCAN_BATCH:
        return numbered
    return pa.Table.from_batches(numbered.to_batches(max_chunksize=SCAN_BATCH), schema=numbered.schema)


def positions(n: int, start: int = 0) -> pa.Array:
    """start, start + 1, ..., start + n - 1 as BIGINTs, made by Arrow (a running sum of
    ones: a million in milliseconds, where a Python range takes a quarter of a second)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.cumulative_sum(pa.repeat(pa.scalar(1, pa.int64()), n), start=start - 1)


def _number(n, d):
    return ratio(int(n), int(d))


def outcomes_from_table(
    policy: Policy,
    entity: str,
    table: pa.Table,
    as_of: dt.date,
    *,
    forced: set | None = None,
    originals: list | None = None,
    start: int = 1,
    kinds: dict | None = None,
    failures: dict | None = None,
    runner: Callable[[Plan, pa.Table], pa.Table] | None = None,
) -> Iterator[Result | Failure]:
    """One outcome per row of ``table``, in order. ``originals`` are the records as read (the
    row engine is given these for rows the plan does not prove valid); rows in ``forced``
    go to the row engine whatever the plan says; ``failures`` (index from 0 -> Failure) are
    rows a reader refused, given out in their place. ``runner`` runs the plan (default
    :func:`run_plan`, DuckDB; engine.columnar.spark gives Spark's)."""
    given = table  # the rows as given, for the row engine
    if kinds is None:  # an Arrow table's lists of doubles as exact millionths, when they all are
        table, kinds = exact_lists(table, policy.runtime(entity).entity)
    try:
        plan = plan_for(policy, entity, table, as_of, kinds)
    except Unsupported:  # e.g. a column whose kind the plan does not read: all on the row engine
        if originals is not None:
            outs = policy.evaluate_many(originals, entity, as_of=as_of, allow_outside=True, start=start)
            yield from _replaced(outs, failures)
        else:
            yield from row_outcomes(policy, entity, given, as_of, start=start, failures=failures)
        return
    out = (runner or run_plan)(plan, table)
    forced = set(forced or ()) | set(failures or ())
    outs = _outcomes(policy, entity, plan, out, given, as_of, forced, originals, start)
    yield from _replaced(outs, failures)


def _replaced(outcomes: Iterable, failures: dict | None) -> Iterator:
    """``outcomes`` with the one at each index of ``failures`` replaced by that failure."""
    if not failures:
        yield from outcomes
        return
    for i, outcome in enumerate(outcomes):
        yield failures.get(i, outcome)


def decoder(spec: PolicySpec, plan: Plan, out: pa.Table) -> Callable[[int], Result]:
    """The Result of row ``i`` of the plan's output ``out`` (a row the plan decided)."""
    ent = plan.entity
    levels = {}
    if ent.grade is not None:
        levels = {lv.code: lv for lv in ent.grade.all_levels}
    cols = {name: out.column(name).to_pylist() for name in out.column_names}
    ids = cols["__id"]
    grades = cols.get("__grade")
    values = []
    for o in plan.values:
        if o.kind == "num":
            n = cols[o.columns[0]]
            d = cols[o.columns[1]] if isinstance(o.columns[1], str) else None
            values.append((o.name, "num", n, d, o.columns[1]))
        else:
            values.append((o.name, o.kind, cols[o.columns[0]], None, None))
    cons = []
    for c, cname, amount in plan.consequences:
        fixed = c.amount.constant if c.amount is not None and c.amount.is_constant else None
        a = None
        if amount is not None:
            a = (
                cols[amount.columns[0]],
                cols[amount.columns[1]] if isinstance(amount.columns[1], str) else None,
                amount.columns[1],
            )
        cons.append((c, cols[cname], fixed, a))

    def result(i: int) -> Result:
        scores = {}
        for name, kind, n, d, dc in values:
            if kind == "num":
                scores[name] = _number(n[i], d[i] if d is not None else dc)
            else:
                scores[name] = n[i]
        fired = []
        for c, flags, fixed, a in cons:
            if flags[i]:
                if c.amount is None:
                    fired.append((c, None))
                elif a is None:
                    fired.append((c, fixed))
                else:
                    fired.append((c, _number(a[0][i], a[1][i] if a[1] is not None else a[2])))
        level = levels[grades[i]] if grades is not None else None
        return Result(spec, ent, ids[i], level, fired, scores, None)

    return result


def _outcomes(policy, entity, plan, out, table, as_of, forced, originals, start):
    ok = out.column("__ok").to_pylist()
    decided = decoder(policy.spec, plan, out)
    bad = [i for i in range(len(ok)) if not ok[i] or i in forced]
    fallback = {}
    if bad:
        if originals is not None:
            raws = [originals[i] for i in bad]
        else:
            raws = table.take(bad).to_pylist()
        for i, outcome in zip(bad, policy.evaluate_many(raws, entity, as_of=as_of, allow_outside=True)):
            if not outcome.ok and not isinstance(originals[i] if originals is not None else None, Failure):
                outcome.index = i + start
            fallback[i] = outcome
    for i in range(len(ok)):
        yield fallback[i] if i in fallback else decided(i)


# -- records as read (dicts) to a table --------------------------------------------------------------

_SCALARS = {int: "int", float: "float", str: "str", bool: "bool", dt.date: "date"}
_SCALED_LIMIT = 10**15


def _scaled(v):
    """A decimal as a whole number of millionths, or None if it has more places or is large."""
    if type(v) is Fraction:
        n, r = divmod(v.numerator * 1_000_000, v.denominator)
        return n if r == 0 and abs(n) < _SCALED_LIMIT else None
    if not v.is_finite():
        return None
    t = v.as_tuple()
    if t.exponent < -6 or v.adjusted() > 9:
        return None
    n = int(v.scaleb(6))
    return n if abs(n) < _SCALED_LIMIT else None


def _cell_kind(v):
    t = type(v)
    if t in _SCALARS:
        return _SCALARS[t]
    if t is Decimal or t is Fraction:
        return "scaled"
    if t is list:
        kinds = {type(x) for x in v}
        if kinds <= {int}:
            return "list:int"
        if kinds <= {int, float}:
            return "list:float"
        if kinds <= {int, Decimal, Fraction}:
            return "list:scaled"
        if kinds <= {str}:
            return "list:str"
        return None
    return None


def _convert(v, kind):
    if kind == "scaled":
        if type(v) is int:
            return v * 1_000_000 if abs(v) < _SCALED_LIMIT // 1_000_000 else None
        return _scaled(v)
    if kind == "list:scaled":
        out = [x * 1_000_000 if type(x) is int else _scaled(x) for x in v]
        return None if any(x is None or abs(x) >= _SCALED_LIMIT for x in out) else out
    return v


def records_to_table(records: Iterable, entity: Entity) -> tuple:
    """(Arrow table, originals, forced rows, column kinds): the records a reader gave, as
    columns of the entity's inputs. A cell whose kind differs from its column's usual kind
    is left empty and its row forced to the row engine; a reader's failure (an unparsable
    line) is passed through in its place."""
    import pyarrow as pa

    originals = list(records)
    passthrough = {}
    forced = set()
    rows: list = []
    for i, r in enumerate(originals):
        if isinstance(r, Failure) or not isinstance(r, dict):
            passthrough[i] = r
            forced.add(i)
            rows.append({})
        else:
            rows.append(r)
    names = list(dict.fromkeys(list(entity.inputs) + [entity.key]))
    arrays, fields = [], []
    column_kinds: dict = {}
    for name in names:
        kinds: Counter = Counter()
        cells = []
        for r in rows:
            v = r.get(name)
            k = None if v is None else _cell_kind(v)
            cells.append((v, k))
            if k is not None:
                kinds[k] += 1
        if not kinds:  # no cell of a kind a column takes: the rows that give one are the row engine's
            forced.update(i for i, (v, _) in enumerate(cells) if v is not None)
            continue
        main = kinds.most_common(1)[0][0]
        for wider in ("list:float", "list:scaled"):
            if main == "list:int" and kinds.get(wider):
                main = wider
        if main == "int" and kinds.get("scaled"):
            main = "scaled"
        inp = entity.inputs.get(name)
        if main == "list:int" and inp is not None and inp.items is not None and inp.items.type in ("enum", "string"):
            main = "list:str"  # a list of texts that is empty in every record that gives it
        values: list = []
        for i, (v, k) in enumerate(cells):
            if v is None:
                values.append(None)
                continue
            numbers_as_texts = main == "list:str" and k == "list:int" and v  # the row engine's to read
            if not numbers_as_texts and (
                k == main or (main.startswith("list:") and k == "list:int") or (main == "scaled" and k == "int")
            ):
                v = _convert(v, main)
                values.append(v)
                if v is not None:
                    continue
            else:
                values.append(None)
            forced.add(i)
        typ = {
            "int": pa.int64(),
            "float": pa.float64(),
            "str": pa.string(),
            "bool": pa.bool_(),
            "date": pa.date32(),
            "list:int": pa.list_(pa.int64()),
            "list:float": pa.list_(pa.float64()),
            "scaled": pa.int64(),
            "list:scaled": pa.list_(pa.int64()),
            "list:str": pa.list_(pa.string()),
        }[main]
        column_kinds[name] = main
        try:
            arr = pa.array(values, type=typ)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            arr = pa.array([None] * len(values), type=typ)
            forced.update(i for i, (v, _) in enumerate(cells) if v is not None)
        arrays.append(arr)
        fields.append(name)
    if not arrays:
        table = pa.table({"__empty": pa.array([None] * len(rows), type=pa.null())})
    else:
        table = pa.table(dict(zip(fields, arrays)))
    return table, originals, forced, column_kinds


def row_outcomes(
    policy: Policy,
    entity: str,
    table: pa.Table,
    as_of: dt.date,
    batch: int = 65_536,
    start: int = 1,
    failures: dict | None = None,
) -> Iterator[Result | Failure]:
    """The row engine over an Arrow table's rows (each row as the dict Arrow gives); the rows
    in ``failures`` (index from 0 -> Failure), refused by a reader, are given out as those."""

    def run():
        for offset in range(0, table.num_rows, batch):
            rows = table.slice(offset, batch).to_pylist()
            yield from policy.evaluate_many(rows, entity, as_of=as_of, allow_outside=True, start=start + offset)

    return _replaced(run(), failures)
