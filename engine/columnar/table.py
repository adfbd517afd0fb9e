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

__all__ = [
    "as_arrow",
    "decided_table",
    "evaluate_table",
    "integer_columns",
    "outcomes_table",
    "plan_table",
    "result_query",
]

#: Below this many records ``auto`` keeps the row engine: DuckDB's start-up (importing it and
#: sqlglot, building and printing the plan, about a second) costs more than it saves. Measured
#: by bench/columnar.py (t), the CLI from Parquet to Parquet, process start included: DuckDB
#: took 1.22x the row engine's time at 500 and 1,000 records, 1.01x at 2,000, 0.80x at 5,000
#: and 0.41x at 20,000 (2 cores, load ~11). ``auto`` runs DuckDB only on Parquet inputs: for
#: records read as dicts (JSONL, CSV, xlsx) kaohe's own readers dominate and DuckDB does not
#: gain (bench/columnar.py (b)).
AUTO_THRESHOLD = 2_000


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
    policy: Policy,
    table: Any,
    entity: str,
    *,
    as_of: dt.date | None = None,
    allow_outside: bool = False,
    failures: dict | None = None,
) -> pa.Table:
    """Evaluate every row of ``table`` (Arrow or a DataFrame) and return the result table.

    Rows the plan proves valid are decided by DuckDB; the rest, and every entity the plan
    cannot express, by the row engine, with its own diagnostics. ``failures`` (index from 0
    -> Failure) are rows a reader refused (``policy.evaluate_table`` finds them as the file
    readers do: records over the shared limits, and repeated keys)."""
    from .plan import Unsupported
    from .run import exact_lists, plan_for, row_outcomes, thread_connection, with_rows

    day = policy.check_period(as_of, allow_outside)
    table = as_arrow(table)
    ent = policy.runtime(entity).entity
    exact, kinds = exact_lists(table, ent)  # the rows as given stay for the row engine
    try:
        plan = plan_for(policy, entity, exact, day, kinds)
    except Unsupported:
        return outcomes_table(row_outcomes(policy, entity, table, day, failures=failures), ent, policy.spec)
    con = thread_connection()
    con.register("records", with_rows(exact))
    try:
        return decided_table(policy, entity, plan, con, table.take, day, failures)
    finally:
        con.unregister("records")


def plan_table(
    policy: Policy,
    entity: str,
    plan: Plan,
    out: pa.Table,
    fetch: Callable[[list[int]], pa.Table],
    day: dt.date,
    failures: dict | None = None,
) -> pa.Table:
    """The result table from the plan's output ``out``, built in Python; ``fetch(indices)``
    gives the input rows (an Arrow table) the plan did not decide, for the row engine;
    ``failures`` (index -> Failure) are rows a reader refused."""
    from .run import row_outcomes

    ent = plan.entity
    reported = list(ent.reported)
    cols = {name: out.column(name).to_pylist() for name in out.column_names}
    ok = cols["__ok"]
    n = len(ok)
    failures = failures or {}
    bad = [i for i in range(n) if not ok[i] or i in failures]
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
        elif o.kind == "date":
            rows[o.name] = [None if x is None else x.isoformat() for x in cols[o.columns[0]]]
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
        todo = [i for i in bad if i not in failures]
        outcomes = dict(failures)
        if todo:
            outcomes.update(zip(todo, row_outcomes(policy, entity, fetch(todo), day)))
        fixed = outcomes_table([outcomes[i] for i in bad], ent, policy.spec)
        fcols = {k: fixed.column(k).to_pylist() for k in fixed.column_names}
        for j, i in enumerate(bad):
            for k in rows:
                if k != "record":
                    rows[k][i] = fcols[k][j]
    return _table(rows, reported, integer_columns(policy.spec, ent))


# -- the result table computed by DuckDB ---------------------------------------------------------

#: below this a rounded result (millionths) converts to a double exactly, so DuckDB's double
#: equals Python's correctly rounded ``q / 1_000_000``
_EXACT = 2**53
#: the sizes the rounding computes with in BIGINTs (n * 10**6 and 2 * d stay below 2**63)
_MILLIONTHS = 9 * 10**12
_DENOMINATOR = 2**61


def _rounding(prefix: str, n: Any, d: Any) -> tuple[list, list, list, Any, Any]:
    """The steps that print ``n / d`` (d > 0) as the JSON output does: millionths rounded half
    to even, as a double. (step 1, step 2, step 3 columns; final expression; fits condition)."""
    from sqlglot import exp

    from .plan import col, lit, paren

    m, q, r = f"{prefix}__m", f"{prefix}__q", f"{prefix}__r"
    # whole-number arithmetic in BIGINTs: a larger value (NULL here) goes to the row engine
    small = exp.And(
        this=exp.LT(this=exp.Abs(this=n), expression=lit(_MILLIONTHS)),
        expression=exp.LT(this=d, expression=lit(_DENOMINATOR)),
    )
    millionths = exp.Mul(this=exp.Cast(this=n, to=exp.DataType.build("BIGINT")), expression=lit(1_000_000))
    step1 = [exp.Case(ifs=[exp.If(this=small, true=millionths)]).as_(m, quoted=True)]
    # DuckDB's // truncates: a floor for negative millionths from the positive side
    floor = exp.Case(
        ifs=[exp.If(this=exp.GTE(this=col(m), expression=lit(0)), true=exp.IntDiv(this=col(m), expression=d))],
        default=exp.Neg(
            this=paren(
                exp.IntDiv(
                    this=paren(exp.Sub(this=exp.Add(this=exp.Neg(this=col(m)), expression=d), expression=lit(1))),
                    expression=d,
                )
            )
        ),
    )
    step2 = [floor.as_(q, quoted=True)]
    twice = exp.Mul(this=lit(2), expression=paren(exp.Sub(this=col(m), expression=exp.Mul(this=col(q), expression=d))))
    up = exp.Or(
        this=exp.GT(this=twice, expression=d),
        expression=paren(
            exp.And(
                this=exp.EQ(this=twice.copy(), expression=d),
                expression=exp.NEQ(this=exp.Mod(this=col(q), expression=lit(2)), expression=lit(0)),
            )
        ),
    )
    step3 = [
        exp.Add(this=col(q), expression=exp.Case(ifs=[exp.If(this=up, true=lit(1))], default=lit(0))).as_(
            r, quoted=True
        )
    ]
    value = exp.Div(
        this=exp.Cast(this=col(r), to=exp.DataType.build("DOUBLE")), expression=exp.Literal.number("1000000.0")
    )
    fits = exp.Or(
        this=exp.Is(this=n.copy(), expression=exp.Null()),
        expression=exp.LT(this=exp.Abs(this=col(r)), expression=lit(_EXACT)),
    )
    return step1, step2, step3, value, fits


def result_query(plan: Plan, integers: frozenset) -> Any:
    """The flat result table's columns computed from the plan's in one query (sqlglot), with
    ``__ok`` (the plan decided the row) and ``__id`` (the key as the plan read it) in place of
    ``id``; None when a column cannot be computed this way (a credit computed per record, a
    whole-number column the plan may give as a fraction): the caller builds it in Python."""
    from sqlglot import exp

    from .plan import col, lit

    ent = plan.entity
    double = exp.DataType.build("DOUBLE")
    text = exp.DataType.build("VARCHAR")
    steps: list[list] = [[], [], []]
    final: list = []
    fits: list = []

    def number(name, n, d):
        """The output column ``name`` of n / d, or None when it cannot be typed as the row
        path types it."""
        if isinstance(d, int) and d == 1:
            return n if name in integers else exp.Cast(this=n, to=double)
        if name in integers:
            return None
        s1, s2, s3, value, ok = _rounding("__" + name, n, lit(d) if isinstance(d, int) else d)
        for step, cols in zip(steps, (s1, s2, s3)):
            step.extend(cols)
        fits.append(ok)
        return value

    inner = plan.query.copy()
    inner.set("order", None)  # DuckDB keeps the order of a scan (preserve_insertion_order)
    final.append(exp.Add(this=col("__row"), expression=lit(1)).as_("record", quoted=True))
    final.append(col("__id").as_("__id", quoted=True))
    final.append(exp.Cast(this=lit(ent.name), to=text).as_("entity", quoted=True))
    final.append((col("__grade") if plan.grade else exp.Cast(this=exp.Null(), to=text)).as_("grade", quoted=True))
    reported = {o.name: o for o in plan.values}
    for name in ent.reported:
        o = reported.get(name)
        if o is None:
            return None
        if o.kind == "num":
            d = col(o.columns[1]) if isinstance(o.columns[1], str) else o.columns[1]
            value = number(name, col(o.columns[0]), d)
            if value is None:
                return None
        elif o.kind == "date":  # as the row path prints a date: ISO text
            value = exp.Cast(this=col(o.columns[0]), to=text)
        else:
            value = col(o.columns[0])
        final.append(value.as_(name, quoted=True))
    common = 1
    for cons, _cname, amount in plan.consequences:
        if cons.kind == "credit" and cons.amount is not None:
            if amount is not None or not cons.amount.is_constant:
                return None
            common = (
                common
                * Fraction(cons.amount.constant).denominator
                // gcd(common, Fraction(cons.amount.constant).denominator)
            )
    total: Any = lit(0)
    for cons, cname, _amount in plan.consequences:
        if cons.kind == "credit" and cons.amount is not None:
            add = int(Fraction(cons.amount.constant) * len(cons.periods) * common)
            total = exp.Add(
                this=total, expression=exp.Case(ifs=[exp.If(this=col(cname), true=lit(add))], default=lit(0))
            )
    total = exp.Cast(this=total, to=exp.DataType.build("BIGINT"))
    value = number("credit_total", total, common)
    if value is None:
        return None
    final.append(value.as_("credit_total", quoted=True))
    x = exp.to_identifier("x")
    for column, kinds in (("sanctions", ("sanction", "obligation")), ("awards", ("award",))):
        codes = [
            exp.Case(ifs=[exp.If(this=col(cname), true=lit(cons.code))])
            for cons, cname, _ in plan.consequences
            if cons.kind in kinds
        ]
        listed = exp.ArrayFilter(
            this=exp.Array(expressions=codes or [exp.Cast(this=exp.Null(), to=text)]),
            expression=exp.Lambda(this=exp.not_(exp.Is(this=exp.column("x"), expression=exp.Null())), expressions=[x]),
        )
        final.append(listed.as_(column, quoted=True))
    final.append(exp.Cast(this=exp.Null(), to=text).as_("error_code", quoted=True))
    final.append(exp.Cast(this=exp.Null(), to=text).as_("error_message", quoted=True))
    ok = exp.func("COALESCE", col("__ok"), exp.false())
    for f in fits:
        ok = exp.And(this=ok, expression=exp.func("COALESCE", f, exp.false()))
    final.append(ok.as_("__ok", quoted=True))
    query: Any = inner
    for step in steps:
        if step:
            query = exp.select(exp.Star(), *step).from_(query.subquery("s", copy=False))
    return exp.select(*final).from_(query.subquery("s", copy=False))


def _schema(plan: Plan, integers: frozenset) -> pa.Schema:
    """The types the row path gives the result table's columns when some row has a result."""
    import pyarrow as pa

    kinds = {o.name: o.kind for o in plan.values}
    types = {"num": pa.float64(), "str": pa.string(), "bool": pa.bool_(), "date": pa.string()}
    fields = [("record", pa.int64()), ("id", pa.string()), ("entity", pa.string()), ("grade", pa.string())]
    for name in plan.entity.reported:
        fields.append((name, pa.int64() if name in integers else types[kinds[name]]))
    fields.append(("credit_total", pa.int64() if "credit_total" in integers else pa.float64()))
    fields += [("sanctions", pa.list_(pa.string())), ("awards", pa.list_(pa.string()))]
    fields += [("error_code", pa.string()), ("error_message", pa.string())]
    return pa.schema(fields)


def _ids(column: Any) -> Any:
    """The ``id`` column from the key as the plan read it: text as it is, whole numbers as
    their digits, anything else as the row path prints it (``str``)."""
    import pyarrow as pa

    t = column.type
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return column.cast(pa.string())
    if pa.types.is_integer(t) or pa.types.is_null(t):
        return column.cast(pa.string())
    return pa.array([x if x is None or isinstance(x, str) else str(x) for x in column.to_pylist()], type=pa.string())


def decided_table(
    policy: Policy,
    entity: str,
    plan: Plan,
    con: Any,
    fetch: Callable[[list[int]], pa.Table],
    day: dt.date,
    failures: dict | None = None,
) -> pa.Table:
    """The result table of every record: the plan run by DuckDB on ``con`` (where the records
    are the table ``records`` with a ``__row`` number from 0), the result columns computed
    there too; rows the plan does not decide are evaluated by the row engine (``fetch(indices)``
    gives them as an Arrow table); ``failures`` (index -> Failure) are rows a reader refused."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from .run import positions, row_outcomes

    failures = failures or {}
    ent = plan.entity
    integers = integer_columns(policy.spec, ent)
    key = ("result", integers)
    if key not in plan.cache:
        query = result_query(plan, integers)
        plan.cache[key] = None if query is None else query.sql("duckdb")
    if plan.cache[key] is None:
        out = con.sql(plan.sql("duckdb", pretty=False)).to_arrow_table()
        return plan_table(policy, entity, plan, out, fetch, day, failures)
    res = con.sql(plan.cache[key]).to_arrow_table()
    n = res.num_rows
    if n and not res.column("record").equals(pa.chunked_array([positions(n, 1)])):
        res = res.sort_by("record")  # not expected (a scan keeps its order), but never assumed
    res = res.set_column(res.column_names.index("__id"), "id", _ids(res.column("__id")))
    ok = res.column("__ok")
    bad = set(pc.indices_nonzero(pc.invert(ok)).to_pylist()) | set(failures)
    res = res.drop_columns(["__ok"])
    schema = _schema(plan, integers)
    if not bad:
        return res.cast(schema)
    order = sorted(bad)
    outcomes = dict(failures)
    todo = [i for i in order if i not in failures]
    if todo:
        outcomes.update(zip(todo, row_outcomes(policy, entity, fetch(todo), day)))
    fixed = outcomes_table([outcomes[i] for i in order], ent, policy.spec)
    fixed = fixed.set_column(0, "record", pa.array([i + 1 for i in order], type=pa.int64()))
    keep = [True] * n
    for i in order:
        keep[i] = False
    good = res.filter(pa.array(keep, type=pa.bool_()))
    if good.num_rows == 0:
        return fixed
    try:
        return pa.concat_tables([good.cast(schema), fixed.cast(schema)]).sort_by("record")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        # the row engine gave a column another type (text where numbers were expected): the
        # table is typed from all its values, as the row path types it
        rows: dict = {k: [] for k in schema.names}
        merged = sorted(good.to_pylist() + fixed.to_pylist(), key=lambda r: r["record"])
        for r in merged:
            for k in rows:
                rows[k].append(r[k])
        return _table(rows, list(ent.reported), integers)
