"""Whole-table evaluation for the command line: Parquet in and out, long detail tables,
and the choice of engine (``row``, ``duckdb``, ``auto``).

Every path yields one outcome per record in input order; the columnar path hands every
record its plan cannot prove valid to the row engine, so results and diagnostics match.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..base.errors import Diagnostic, InputError, Location, Problem
from ..columnar.plan import Unsupported, declared_kinds
from ..columnar.run import outcomes_from_table, plan_for, records_to_table, row_outcomes
from ..columnar.table import AUTO_THRESHOLD, outcomes_table
from . import read_records

if TYPE_CHECKING:
    import pyarrow as pa

    from ..language.model import Entity, PolicySpec
    from ..runtime.policy import Policy
    from ..runtime.result import Failure, Result

__all__ = [
    "AUTO_THRESHOLD",
    "ENGINES",
    "Unsupported",
    "declared_kinds",
    "evaluate_source",
    "plan_sql",
    "read_detail",
    "write_parquet",
]

ENGINES = ("auto", "row", "duckdb", "spark")


def _is_parquet(path: str) -> bool:
    return path.lower().endswith((".parquet", ".pq"))


#: Records per batch when a Parquet file is evaluated in pieces (bounds the memory used).
BATCH = 100_000


def parquet_batches(path: str, batch: int = BATCH) -> Iterator[pa.Table]:
    """A Parquet file as Arrow tables of at most ``batch`` rows, in order."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(path)
    except (OSError, ValueError) as exc:
        raise InputError(Diagnostic.of("input.unreadable/parquet", Location(path), reason=str(exc))) from None
    for piece in source.iter_batches(batch_size=batch):
        yield pa.Table.from_batches([piece])


def read_parquet(path: str) -> pa.Table:
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path)
    except (OSError, ValueError) as exc:
        raise InputError(Diagnostic.of("input.unreadable/parquet", Location(path), reason=str(exc))) from None


def read_detail(table: pa.Table, key: str, name: str, path: str) -> pa.Table:
    """``table`` with the list column ``name`` built from a long table (one row per item,
    keyed by ``key``), items in file order. A record with no rows there has no list (it is
    missing, not empty: the row engine then says so if a rule needs it)."""
    import duckdb

    con = duckdb.connect()
    if _is_parquet(path):
        source = "read_parquet(?, file_row_number = true)"
        order = "file_row_number"
    elif path.lower().endswith(".csv"):
        source = "read_csv(?)"
        order = None
    else:
        source = "read_json(?, format = 'newline_delimited')"
        order = None
    try:
        long = con.sql(f"SELECT * FROM {source}", params=[path]).to_arrow_table()
    except duckdb.Error as exc:
        raise InputError(Diagnostic.of("input.unreadable/detail", Location(path), reason=str(exc))) from None
    value = name if name in long.column_names else None
    if key not in long.column_names or value is None:
        raise InputError(Diagnostic.of("input.columns", Location(path), key=key, name=name))
    con.register("long", long)
    con.register("main", table.append_column("__main_row", _range(table.num_rows)))
    order_by = f" ORDER BY {order}" if order else ""
    sql = (
        f'SELECT m.* EXCLUDE ("{name}", __main_row), d.items AS "{name}" FROM main m LEFT JOIN '
        f'(SELECT "{key}" AS k, list("{name}"{order_by}) AS items FROM long GROUP BY "{key}") d '
        f'ON CAST(m."{key}" AS VARCHAR) = CAST(d.k AS VARCHAR) ORDER BY m.__main_row'
    )
    if name not in table.column_names:
        sql = sql.replace(f'EXCLUDE ("{name}", __main_row)', "EXCLUDE (__main_row)")
    return con.sql(sql).to_arrow_table()


def _range(n):
    import pyarrow as pa

    return pa.array(range(n), type=pa.int64())


def evaluate_source(
    policy: Policy,
    entity: str,
    path: str,
    *,
    as_of: dt.date,
    engine: str = "duckdb",
    details: dict | None = None,
    sheet: str | None = None,
    notes: list | None = None,
    cut: dict | None = None,
    strict: bool = False,
) -> Iterator:
    """Outcomes for the records of ``path`` (any supported format, Parquet included), with
    list inputs joined from detail tables, on the engine asked for. ``notes`` collects what
    the caller should tell the user (a fallback to the row engine and why); ``cut`` and
    ``strict`` are :func:`read_records`' ``notes`` and ``strict`` (a CSV line that may be cut)."""
    notes = notes if notes is not None else []
    ent = policy.runtime(entity).entity
    if _is_parquet(path) and not details:  # in batches: memory stays bounded
        return _batched(policy, entity, path, as_of, engine, notes)
    originals = kinds = None
    forced: set = set()
    if _is_parquet(path):
        table = read_parquet(path)
    else:
        table, originals, forced, kinds = records_to_table(
            read_records(path, ent, sheet=sheet, notes=cut, strict=strict), ent
        )
    for name, detail in (details or {}).items():
        if name not in ent.inputs:
            raise InputError(Diagnostic.of("input.columns/no-input", Location(detail), entity=entity, name=name))
        table = read_detail(table, ent.key, name, detail)
        if originals is not None:
            items = table.column(name).to_pylist()
            originals = [dict(r, **{name: v}) if isinstance(r, dict) else r for r, v in zip(originals, items)]
            if kinds is not None:
                kinds.pop(name, None)
    use = _choose(policy, entity, table, as_of, engine, notes, kinds)
    if engine == "auto" and originals is not None and use == "duckdb":
        use = "row"  # records read as dicts: DuckDB does not gain (bench/columnar.py, (b) and (c))
    if use == "row":
        if originals is not None:
            return policy.evaluate_many(originals, entity, as_of=as_of, allow_outside=True)
        return row_outcomes(policy, entity, table, as_of)
    return outcomes_from_table(policy, entity, table, as_of, forced=forced, originals=originals, kinds=kinds)


def _choose(policy, entity, table, as_of, engine, notes, kinds=None, rows=None) -> str:
    use = engine
    if engine == "spark":
        notes.append(Problem("columnar.spark"))
        use = "duckdb"
    if use in ("auto", "duckdb"):
        try:
            plan_for(policy, entity, table, as_of, kinds)
        except Unsupported as exc:
            notes.append(Problem("columnar.row-engine", entity=entity, reason=exc))
            return "row"
        if use == "auto":
            use = "duckdb" if (rows if rows is not None else table.num_rows) >= AUTO_THRESHOLD else "row"
    return use


def _batched(policy, entity, path, as_of, engine, notes):
    import pyarrow.parquet as pq

    batches = parquet_batches(path)
    first = next(batches, None)
    if first is None:
        return iter(())
    use = _choose(policy, entity, first, as_of, engine, notes, rows=pq.ParquetFile(path).metadata.num_rows)

    def run():
        offset = 0
        for table in _chain([first], batches):
            if use == "row":
                yield from row_outcomes(policy, entity, table, as_of, start=offset + 1)
            else:
                yield from outcomes_from_table(policy, entity, table, as_of, start=offset + 1)
            offset += table.num_rows

    return run()


def _chain(first, rest):
    yield from first
    yield from rest


def evaluate_parquet_to_parquet(
    policy: Policy, entity: str, src: str, dst: str, *, as_of: dt.date, engine: str, notes: list
) -> tuple[int, int]:
    """Parquet in, the flat result table out, batch by batch, without building a Result per
    record for the rows the plan decides; (total, rejected)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..columnar.table import evaluate_table

    ent = policy.runtime(entity).entity
    if engine in ("duckdb", "auto", "spark"):
        done = _parquet_in_duckdb(policy, entity, src, dst, as_of, engine, notes)
        if done is not None:
            return done
    writer = None
    total = rejected = 0
    use = None
    schema = None
    try:
        for table in parquet_batches(src):
            if use is None:
                use = _choose(policy, entity, table, as_of, engine, notes, rows=pq.ParquetFile(src).metadata.num_rows)
            if use == "row":
                out = outcomes_table(row_outcomes(policy, entity, table, as_of, start=total + 1), ent, policy.spec)
            else:
                out = evaluate_table(policy, table, entity, as_of=as_of, allow_outside=True)
            out = out.set_column(0, "record", pa.array(range(total + 1, total + 1 + out.num_rows), type=pa.int64()))
            if writer is None:
                schema = out.schema
                writer = pq.ParquetWriter(dst, schema)
            writer.write_table(out.cast(schema) if out.schema != schema else out)
            total += out.num_rows
            rejected += out.num_rows - out.column("error_code").null_count
        if writer is None:
            pq.write_table(outcomes_table([], ent), dst)
    finally:
        if writer is not None:
            writer.close()
    return total, rejected


def _parquet_in_duckdb(policy, entity, src, dst, as_of, engine, notes):
    """The plan run by DuckDB straight over the Parquet file (no Arrow copy of the records);
    None when the plan does not apply (the caller runs the row engine)."""
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..columnar.plan import build_plan, column_kind
    from ..columnar.table import plan_table

    ent = policy.runtime(entity).entity
    try:
        schema = pq.read_schema(src)
        rows = pq.ParquetFile(src).metadata.num_rows
    except (OSError, ValueError) as exc:
        raise InputError(Diagnostic.of("input.unreadable/parquet", Location(src), reason=str(exc))) from None
    kinds = {f.name: column_kind(f.type) for f in schema if f.name in ent.inputs}
    if engine == "spark":
        notes.append(Problem("columnar.spark"))
    try:
        plan = build_plan(policy.spec, ent, kinds, as_of)
    except Unsupported as exc:
        notes.append(Problem("columnar.row-engine", entity=entity, reason=exc))
        return None
    if engine == "auto" and rows < AUTO_THRESHOLD:
        return None
    con = duckdb.connect()
    from sqlglot import exp

    quoted = exp.Literal.string(src).sql("duckdb")  # the file name as a quoted SQL string
    con.execute(
        f"CREATE VIEW records AS SELECT *, file_row_number AS __row FROM read_parquet({quoted}, file_row_number = true)"
    )
    out = con.sql(plan.sql("duckdb", pretty=False)).to_arrow_table()

    def fetch(indices):
        if not indices:
            return pq.read_table(src).slice(0, 0)
        con.register("wanted", pa.table({"i": pa.array(indices, type=pa.int64())}))
        picked = con.sql(
            "SELECT r.* EXCLUDE (__row, file_row_number) FROM records r JOIN wanted w ON r.__row = w.i ORDER BY r.__row"
        ).to_arrow_table()
        return picked.cast(pa.schema([schema.field(n) for n in picked.column_names]))

    table = plan_table(policy, entity, plan, out, fetch, as_of)
    pq.write_table(table, dst)
    return table.num_rows, table.num_rows - table.column("error_code").null_count


def write_parquet(
    path: str, outcomes: Iterable[Result | Failure], entity: Entity, spec: PolicySpec | None = None
) -> tuple[int, int]:
    """The flat result table (see engine.columnar.table) as Parquet; (total, rejected)."""
    import pyarrow.parquet as pq

    table = outcomes_table(outcomes, entity, spec)
    pq.write_table(table, path)
    errors = table.column("error_code").null_count
    return table.num_rows, table.num_rows - errors


def plan_sql(policy: Policy, entity: str, dialect: str, as_of: dt.date, table: str = "records") -> str:
    """The plan of ``entity`` as SQL for ``dialect``, over a table whose columns have the
    natural types of the inputs (numbers as DOUBLE, lists as arrays) and a ``__row`` number."""
    from ..columnar.plan import build_plan

    ent = policy.runtime(entity).entity
    plan = build_plan(policy.spec, ent, declared_kinds(ent), as_of, table=table)
    return plan.sql(dialect)
