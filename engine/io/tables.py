"""Whole-table evaluation for the command line: Parquet in and out, long detail tables,
and the choice of engine (``row``, ``duckdb``, ``auto``).

Every path yields one outcome per record in input order; the columnar path hands every
record its plan cannot prove valid to the row engine, so results and diagnostics match.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from ..base.errors import Diagnostic, InputError, Location, Problem
from ..columnar.plan import Unsupported, declared_kinds
from ..columnar.run import outcomes_from_table, plan_for, positions, records_to_table, row_outcomes
from ..columnar.table import AUTO_THRESHOLD, outcomes_table
from . import read_records
from .text import MAX_DEPTH, MAX_ID, MAX_TEXT, SeenKeys, limit_record, record_failure

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from ..language.model import Entity, PolicySpec
    from ..runtime.policy import Policy
    from ..runtime.result import Failure, Result
    from .text import Carried

__all__ = [
    "AUTO_THRESHOLD",
    "ENGINES",
    "Unsupported",
    "carry_into_parquet",
    "declared_kinds",
    "evaluate_source",
    "level_outcomes",
    "parquet_columns",
    "parquet_records",
    "plan_sql",
    "read_detail",
    "reader_failures",
    "row_engine_notice",
    "table_failures",
    "with_carried",
    "write_parquet",
]

ENGINES = ("auto", "row", "duckdb", "spark")


def _is_parquet(path: str) -> bool:
    return path.lower().endswith((".parquet", ".pq"))


#: Records per batch when a Parquet file is evaluated in pieces (bounds the memory used).
BATCH = 100_000
#: Records per batch when records read as dicts (JSONL, CSV, xlsx) go to DuckDB: a dict with
#: its lists costs far more than its Arrow row
DICT_BATCH = 20_000


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


def parquet_view(con: duckdb.DuckDBPyConnection, path: str) -> None:
    """The Parquet file as the view ``records`` on ``con``, rows numbered by ``__row`` from 0."""
    from sqlglot import exp

    quoted = exp.Literal.string(path).sql("duckdb")  # the file name as a quoted SQL string
    con.execute(
        "CREATE OR REPLACE VIEW records AS SELECT * EXCLUDE (file_row_number), file_row_number AS __row "
        f"FROM read_parquet({quoted}, file_row_number = true)"
    )


def file_failures(path: str, entity: Entity) -> dict:
    """reader_failures over a Parquet file."""
    import duckdb
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except (OSError, ValueError) as exc:
        raise InputError(Diagnostic.of("input.unreadable/parquet", Location(path), reason=str(exc))) from None
    con = duckdb.connect()
    try:
        parquet_view(con, path)
        return reader_failures(con, entity, path, schema)
    finally:
        con.close()


def table_failures(table: pa.Table, entity: Entity, name: str) -> dict:
    """reader_failures over an Arrow table."""
    from ..columnar.run import thread_connection, with_rows

    con = thread_connection()
    con.register("records", with_rows(table))
    try:
        return reader_failures(con, entity, name, table.schema)
    finally:
        con.unregister("records")


def _part(failures: dict, offset: int, size: int) -> dict:
    """The failures of rows offset .. offset + size - 1, numbered from the part's start."""
    return {i - offset: f for i, f in failures.items() if offset <= i < offset + size}


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
    con.register("main", table.append_column("__main_row", positions(table.num_rows)))
    order_by = f" ORDER BY {order}" if order else ""
    sql = (
        f'SELECT m.* EXCLUDE ("{name}", __main_row), d.items AS "{name}" FROM main m LEFT JOIN '
        f'(SELECT "{key}" AS k, list("{name}"{order_by}) AS items FROM long GROUP BY "{key}") d '
        f'ON CAST(m."{key}" AS VARCHAR) = CAST(d.k AS VARCHAR) ORDER BY m.__main_row'
    )
    if name not in table.column_names:
        sql = sql.replace(f'EXCLUDE ("{name}", __main_row)', "EXCLUDE (__main_row)")
    return con.sql(sql).to_arrow_table()


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
    wrap: Callable[[Iterator], Iterator] | None = None,
    master: str | None = None,
) -> Iterator:
    """Outcomes for the records of ``path`` (any supported format, Parquet included), with
    list inputs joined from detail tables, on the engine asked for. ``notes`` collects what
    the caller should tell the user (a fallback to the row engine and why); ``cut`` and
    ``strict`` are :func:`read_records`' ``notes`` and ``strict`` (a CSV line that may be cut);
    ``wrap`` sees the records as they are read (the pass-through columns' :meth:`Carried.over`);
    ``master`` is Spark's (``--engine spark``; the records are handed to Spark as Arrow)."""
    notes = notes if notes is not None else []
    ent = policy.runtime(entity).entity
    if _is_parquet(path) and not details and engine != "spark":  # in batches: memory stays bounded
        return _batched(policy, entity, path, as_of, engine, notes)
    if not _is_parquet(path) and not details and engine != "spark":  # records read as dicts, in batches too
        records = read_records(path, ent, sheet=sheet, notes=cut, strict=strict)
        return _dict_batches(policy, entity, wrap(records) if wrap else records, as_of, engine, notes)
    originals = kinds = None
    forced: set = set()
    failures: dict = {}
    if _is_parquet(path):
        table = read_parquet(path)
        failures = table_failures(table, ent, path)
    else:
        source = read_records(path, ent, sheet=sheet, notes=cut, strict=strict)
        table, originals, forced, kinds = records_to_table(wrap(source) if wrap else source, ent)
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
        return row_outcomes(policy, entity, table, as_of, failures=failures)
    if use == "spark":
        from ..columnar.spark import spark_outcomes

        return spark_outcomes(
            policy,
            entity,
            table,
            as_of,
            master=master,
            forced=forced,
            originals=originals,
            kinds=kinds,
            failures=failures,
        )
    return outcomes_from_table(
        policy, entity, table, as_of, forced=forced, originals=originals, kinds=kinds, failures=failures
    )


def _dict_batches(policy, entity, records, as_of, engine, notes):
    """Outcomes of records a reader gives (dicts, or its failures), DICT_BATCH at a time as tables
    on DuckDB, or streamed through the row engine; memory stays bounded either way."""
    from itertools import chain, islice

    ent = policy.runtime(entity).entity
    stream = iter(records)
    first = list(islice(stream, DICT_BATCH))
    table, originals, forced, kinds = records_to_table(first, ent)
    use = _choose(policy, entity, table, as_of, engine, notes, kinds, rows=len(first))
    if engine == "auto":
        use = "row"  # records read as dicts: DuckDB does not gain (bench/columnar.py (b))
    if use == "row":
        return policy.evaluate_many(chain(first, stream), entity, as_of=as_of, allow_outside=True)

    def run():
        offset, part = 0, (table, originals, forced, kinds)
        while True:
            t, o, f, k = part
            yield from outcomes_from_table(policy, entity, t, as_of, forced=f, originals=o, kinds=k, start=offset + 1)
            offset += len(o)
            batch = list(islice(stream, DICT_BATCH))
            if not batch:
                return
            part = records_to_table(batch, ent)

    return run()


def row_engine_notice(policy: Policy, entity: str) -> Problem | None:
    """The notice that ``entity`` runs on the row engine, and why, when it has no columnar
    plan for its inputs' natural column types; None when it has one."""
    from ..columnar.plan import build_plan

    ent = policy.runtime(entity).entity
    try:
        build_plan(policy.spec, ent, declared_kinds(ent), policy.check_period(None, True))
    except Unsupported as exc:
        return Problem("columnar.row-engine", entity=entity, reason=exc)
    return None


def level_outcomes(
    policy: Policy,
    entity: str,
    parts: tuple,
    as_of: dt.date,
    engine: str,
    notes: list,
    master: str | None = None,
) -> Iterator[Result | Failure]:
    """One level of a ``--members`` run on the columnar engine (``engine``: duckdb or
    spark): the member entity one outcome per record, a group entity one per group, from
    the member records as one table (``parts``: what :func:`records_to_table` gives). A
    level the plan cannot express is the row engine's, and ``notes`` says why."""
    from ..columnar.members import build_group_plan, group_outcomes

    table, originals, forced, kinds = parts
    ent = policy.runtime(entity).entity
    try:
        if ent.members is None:
            plan_for(policy, entity, table, as_of, kinds)
        else:
            build_group_plan(policy.spec, ent, kinds, as_of)
    except Unsupported as exc:
        notes.append(Problem("columnar.row-engine", entity=entity, reason=exc))
    runner = group_runner = None
    if engine == "spark":
        from ..columnar.spark import session, spark_group_runner, spark_runner

        spark = session(master)
        runner, group_runner = spark_runner(spark), spark_group_runner(spark)
    if ent.members is None:
        return outcomes_from_table(
            policy, entity, table, as_of, forced=forced, originals=originals, kinds=kinds, runner=runner
        )
    return group_outcomes(
        policy, entity, table, as_of, originals=originals, forced=forced, kinds=kinds, runner=group_runner
    )


def _choose(policy, entity, table, as_of, engine, notes, kinds=None, rows=None) -> str:
    use = engine
    if use in ("auto", "duckdb", "spark"):
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
    failures = file_failures(path, policy.runtime(entity).entity)

    def run():
        offset = 0
        for table in _chain([first], batches):
            part = _part(failures, offset, table.num_rows)
            if use == "row":
                yield from row_outcomes(policy, entity, table, as_of, start=offset + 1, failures=part)
            else:
                yield from outcomes_from_table(policy, entity, table, as_of, start=offset + 1, failures=part)
            offset += table.num_rows

    return run()


def _chain(first, rest):
    yield from first
    yield from rest


def evaluate_parquet_to_parquet(
    policy: Policy,
    entity: str,
    src: str,
    dst: str,
    *,
    as_of: dt.date,
    engine: str,
    notes: list,
    master: str | None = None,
    details: dict | None = None,
) -> tuple[int, int]:
    """Parquet in, the flat result table out, batch by batch, without building a Result per
    record for the rows the plan decides; (total, rejected). On Spark (``master``) the list
    inputs in ``details`` (long Parquet tables) are joined by Spark too."""
    import pyarrow.parquet as pq

    from ..columnar.table import evaluate_table

    ent = policy.runtime(entity).entity
    if engine == "spark":
        from ..columnar.spark import spark_errors, spark_table

        with spark_errors():  # a failed job or a JVM gone is the officer's message, never a bug
            done = spark_table(policy, entity, src, as_of=as_of, master=master, details=details, notes=notes)
        if done is not None:
            pq.write_table(done, dst)
            return done.num_rows, done.num_rows - done.column("error_code").null_count
        if details:  # the row engine over the joined records
            outcomes = evaluate_source(policy, entity, src, as_of=as_of, engine="row", details=details, notes=[])
            return write_parquet(dst, outcomes, ent, policy.spec)
        engine = "row"
    if engine in ("duckdb", "auto"):
        done = _parquet_in_duckdb(policy, entity, src, dst, as_of, engine, notes)
        if done is not None:
            return done
    writer = None
    total = rejected = 0
    use = None
    schema = None
    failures = file_failures(src, ent)
    try:
        for table in parquet_batches(src):
            if use is None:
                use = _choose(policy, entity, table, as_of, engine, notes, rows=pq.ParquetFile(src).metadata.num_rows)
            part = _part(failures, total, table.num_rows)
            if use == "row":
                outs = row_outcomes(policy, entity, table, as_of, start=total + 1, failures=part)
                out = outcomes_table(outs, ent, policy.spec)
            else:
                out = evaluate_table(policy, table, entity, as_of=as_of, allow_outside=True, failures=part)
            out = out.set_column(0, "record", positions(out.num_rows, total + 1))
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

    from ..columnar.facts import parquet_facts
    from ..columnar.plan import build_plan, column_kind
    from ..columnar.table import decided_table

    ent = policy.runtime(entity).entity
    try:
        schema = pq.read_schema(src)
        rows = pq.ParquetFile(src).metadata.num_rows
    except (OSError, ValueError) as exc:
        raise InputError(Diagnostic.of("input.unreadable/parquet", Location(src), reason=str(exc))) from None
    kinds = {f.name: column_kind(f.type) for f in schema if f.name in ent.inputs}
    try:
        plan = build_plan(policy.spec, ent, kinds, as_of, facts=parquet_facts(src))
    except Unsupported as exc:
        notes.append(Problem("columnar.row-engine", entity=entity, reason=exc))
        return None
    if engine == "auto" and rows < AUTO_THRESHOLD:
        return None
    con = duckdb.connect()
    parquet_view(con, src)
    failures = reader_failures(con, ent, src, schema)

    def fetch(indices):
        if not indices:
            return pq.read_table(src).slice(0, 0)
        con.register("wanted", pa.table({"i": pa.array(indices, type=pa.int64())}))
        picked = con.sql(
            "SELECT r.* EXCLUDE (__row) FROM records r JOIN wanted w ON r.__row = w.i ORDER BY r.__row"
        ).to_arrow_table()
        return picked.cast(pa.schema([schema.field(n) for n in picked.column_names]))

    try:
        table = decided_table(policy, entity, plan, con, fetch, as_of, failures)
    finally:
        con.close()
    pq.write_table(table, dst)
    return table.num_rows, table.num_rows - table.column("error_code").null_count


def parquet_records(path: str, headers: Iterable[str]) -> Iterator[dict]:
    """The rows of a Parquet file as dicts of only the columns in ``headers`` (the
    pass-through columns it has), batch by batch; ``{}`` per row when it has none of them."""
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(path)
    except (OSError, ValueError) as exc:
        raise InputError(Diagnostic.of("input.unreadable/parquet", Location(path), reason=str(exc))) from None
    present = set(source.schema_arrow.names)
    names = [h for h in dict.fromkeys(headers) if h in present]
    if not names:
        for _ in range(source.metadata.num_rows):
            yield {}
        return
    for batch in source.iter_batches(columns=names, batch_size=BATCH):
        yield from batch.to_pylist()


def parquet_columns(path: str) -> list | None:
    """The column names of a Parquet file (its header), or None when it cannot be read here
    (the reader reports that itself)."""
    import pyarrow.parquet as pq

    try:
        return list(pq.read_schema(path).names)
    except (OSError, ValueError):
        return None


def with_carried(table: pa.Table, carry: Carried | None) -> pa.Table:
    """The flat result table with the pass-through columns of ``carry`` (a Carried, one
    row per record in order) appended as text columns."""
    import pyarrow as pa

    if carry is None or not carry.columns:
        return table
    rows = [carry.pop() for _ in range(table.num_rows)]
    for column in carry.columns:
        if column in table.column_names:
            continue
        values = [row.get(column) for row in rows]
        table = table.append_column(column, pa.array([None if v is None else str(v) for v in values], pa.string()))
    return table


def carry_into_parquet(path: str, carry: Carried | None) -> None:
    """Append the pass-through columns to a result Parquet file already written."""
    import pyarrow.parquet as pq

    if carry is None or not carry.columns:
        return
    pq.write_table(with_carried(pq.read_table(path), carry), path)


def write_parquet(
    path: str,
    outcomes: Iterable[Result | Failure],
    entity: Entity,
    spec: PolicySpec | None = None,
    carry: Carried | None = None,
) -> tuple[int, int]:
    """The flat result table (see engine.columnar.table) as Parquet, with the pass-through
    columns of ``carry`` last; (total, rejected)."""
    import pyarrow.parquet as pq

    table = with_carried(outcomes_table(outcomes, entity, spec), carry)
    pq.write_table(table, path)
    errors = table.column("error_code").null_count
    return table.num_rows, table.num_rows - errors


def plan_sql(policy: Policy, entity: str, dialect: str, as_of: dt.date, table: str = "records") -> str:
    """The plan of ``entity`` as SQL for ``dialect``, over a table whose columns have the
    natural types of the inputs (numbers as DOUBLE, lists as arrays) and a ``__row`` number;
    for a group entity, over the table of its member records (one row per group, each
    with the row number of its first member)."""
    from ..columnar.members import build_group_plan
    from ..columnar.plan import build_plan

    ent = policy.runtime(entity).entity
    if ent.members is not None:
        member = policy.spec.entities[ent.members.entity]
        return build_group_plan(policy.spec, ent, declared_kinds(member), as_of, table=table).sql(dialect)
    plan = build_plan(policy.spec, ent, declared_kinds(ent), as_of, table=table)
    return plan.sql(dialect)


# -- the limits and the repeated-key check every reader applies, for tables ------------------------

#: every character Python's str.strip() removes: a key that starts or ends with one is read
#: stripped (`` t1 `` is t1), so its repeats are found in Python, not by SQL's comparison
_SPACES = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())


def _quoted(name: str) -> str:
    from sqlglot import exp

    return exp.to_identifier(name, quoted=True).sql("duckdb")


def _is_text(t) -> bool:
    import pyarrow as pa

    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def _nesting(t) -> int:
    """How deep an Arrow type nests values (a list of numbers: 1)."""
    import pyarrow as pa

    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return 1 + _nesting(t.value_type)
    if pa.types.is_struct(t):
        return 1 + max((_nesting(t.field(i).type) for i in range(t.num_fields)), default=0)
    if pa.types.is_map(t):
        return 2 + max(_nesting(t.key_type), _nesting(t.item_type))
    return 0


def reader_failures(con: duckdb.DuckDBPyConnection, entity: Entity, name: str, schema: pa.Schema) -> dict:
    """The rows of the table ``records`` (on DuckDB connection ``con``, numbered by ``__row``
    from 0) that a reader refuses, as {index: Failure}, exactly as the JSON Lines, CSV and
    xlsx readers refuse them: a record over the limits every format shares (an id longer than
    MAX_ID, a text longer than MAX_TEXT, values nested too deep), and, unless the entity
    declares ``unique_key: false``, a record whose key an earlier record gave (it names the
    row of the first). DuckDB finds them (the lengths, and a window over the key); only rows
    it cannot clear are looked at in Python."""
    inputs = entity.inputs
    key = entity.key if entity.key in schema.names else None
    texts = [
        f.name
        for f in schema
        if _is_text(f.type) and (f.name not in inputs or inputs[f.name].type in ("string", "enum"))
    ]
    long = [f"strlen({_quoted(c)}) > {MAX_TEXT}" for c in texts]  # bytes: at least the characters
    if key is not None and _is_text(schema.field(key).type):
        long.append(f"strlen({_quoted(key)}) > {MAX_ID}")
    deep = 1 + max((_nesting(f.type) for f in schema if f.name != "__row"), default=0) > MAX_DEPTH
    if deep:
        suspects = None  # every row: the nesting of each is measured in Python
    elif long:
        rows = con.sql(f"SELECT __row FROM records WHERE {' OR '.join(long)} ORDER BY __row").fetchall()
        suspects = {r for (r,) in rows}
    else:
        suspects = set()
    unique = entity.unique_key and key is not None
    in_sql = unique and suspects == set() and _keys_in_sql(con, entity, key, schema)
    if not unique:
        if not suspects and suspects is not None:
            return {}
    elif in_sql and key is not None:
        k = _quoted(key)
        typ = schema.field(key).type
        given = f"{k} IS NOT NULL" + (f" AND {k} <> ''" if _is_text(typ) else "")
        ((repeats,),) = con.sql(f"SELECT count({k}) - count(DISTINCT {k}) FROM records WHERE {given}").fetchall()
        if not repeats:  # the usual case: one hash of the keys, no window
            return {}
        rows = con.sql(
            f"SELECT __row, first, CAST({k} AS VARCHAR) FROM (SELECT __row, {k}, min(__row) OVER (PARTITION BY {k}) "
            f"AS first FROM records WHERE {given}) WHERE __row <> first ORDER BY __row"
        ).fetchall()
        return {
            row: record_failure(
                entity,
                name,
                row + 1,
                "input.duplicate-id",
                id_=shown,
                field=entity.key,
                id=repr(shown),
                first=first + 1,
            )
            for row, first, shown in rows
        }
    return _failures_in_python(con, entity, name, key if unique else None, suspects)


def _keys_in_sql(con, entity, key, schema) -> bool:
    """Whether SQL's equality of the key column is the readers' (keys compared as the key
    input reads them): whole numbers, or texts that strip() leaves as they are."""
    import pyarrow as pa

    typ = schema.field(key).type
    spec = entity.inputs.get(key)
    if spec is not None and spec.type != "string":
        return False
    if pa.types.is_integer(typ):
        return True
    if not _is_text(typ):
        return False
    if spec is None:
        return True
    edges = "".join(f"\\x{{{ord(c):x}}}" for c in _SPACES)
    pattern = f"^[{edges}]|[{edges}]$"
    ((odd,),) = con.execute(
        f"SELECT count(*) FROM records WHERE regexp_matches({_quoted(key)}, ?)", [pattern]
    ).fetchall()
    return odd == 0


def _failures_in_python(con, entity, name, key, suspects) -> dict:
    """The readers' own checks, row by row: the rows in ``suspects`` (None: all) through
    limit_record, and every key through SeenKeys."""
    failures: dict = {}
    if key is None and suspects is not None and not suspects:
        return failures
    keys = con.sql(f"SELECT {_quoted(key)} FROM records ORDER BY __row").fetchall() if key is not None else None
    if suspects is None:
        picked = con.sql("SELECT * EXCLUDE (__row) FROM records ORDER BY __row").to_arrow_table().to_pylist()
        whole = dict(enumerate(picked))
    elif suspects:
        wanted = ", ".join(str(i) for i in sorted(suspects))
        picked = con.sql(f"SELECT * EXCLUDE (__row) FROM records WHERE __row IN ({wanted}) ORDER BY __row")
        whole = dict(zip(sorted(suspects), picked.to_arrow_table().to_pylist()))
    else:
        whole = {}
    count = len(keys) if keys is not None else (max(whole) + 1 if whole else 0)
    seen = SeenKeys(entity, name)
    seen.headers = set()  # a table's columns are its fields: no header stands for the key
    for i in range(count):
        record = whole.get(i)
        if record is not None:
            item = limit_record(record, entity, name, i + 1)
            if not isinstance(item, dict):
                failures[i] = item
                continue
        if keys is not None:
            checked = seen.check({key: keys[i][0]}, i + 1)
            if not isinstance(checked, dict):
                failures[i] = checked
    return failures
