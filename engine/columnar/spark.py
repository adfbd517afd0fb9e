"""The columnar plan on Apache Spark (pyspark): the plan DuckDB runs, written in Spark's SQL.

The plan is the one :func:`engine.columnar.plan.build_plan` builds; sqlglot writes it in the
``spark`` dialect after four rewrites where Spark's SQL means something else than DuckDB's
for the same words (:func:`spark_sql`):

* ``SIGN(x)`` is a DOUBLE in Spark: it becomes a ``CASE`` giving the whole numbers -1, 0, 1 (NULL for NULL),
  so a numerator multiplied by it stays exact;
* a list's sum is ``AGGREGATE`` over a BIGINT accumulator with ``TRY_ADD`` (DuckDB sums in
  128 bits; here a sum past a BIGINT is NULL, and the record goes to the row engine);
* ``TRY_CAST`` stays ``TRY_CAST`` (sqlglot writes Spark's ``CAST``, which fails a whole job
  under ANSI SQL where DuckDB's gives NULL);
* regular expressions are Java's: ``\\p{Han}`` is written ``\\p{IsHan}``, and the closing
  ``$`` (which in Java also matches before a final line break) becomes ``\\z``.

Spark runs with ANSI SQL on (an overflow is an error, never a wrapped number) and
``size(NULL)`` NULL. As on DuckDB, every row the plan does not prove valid is evaluated by the
row engine from the record as read, so results, error codes and texts are the row engine's.
pyspark is imported only here and only when Spark is asked for; without pyspark or Java the
error says what to install.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from ..base.errors import Diagnostic, InputError, KaoheError, Location, Problem
from ..runtime.policy import Policy
from .facts import parquet_facts
from .members import GroupPlan
from .plan import Plan, Unsupported, build_plan, decimal_kind
from .run import outcomes_from_table, with_rows
from .table import plan_table

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "SQL_CONF",
    "frame_kinds",
    "parquet_frame",
    "session",
    "spark_outcomes",
    "spark_runner",
    "spark_sql",
    "spark_table",
    "with_detail",
]

#: Spark SQL settings the plan relies on (set on every session kaohe uses, a cluster's too).
SQL_CONF = {
    "spark.sql.ansi.enabled": "true",  # an overflow is an error, never a wrapped number
    "spark.sql.legacy.sizeOfNull": "false",  # size(NULL) is NULL, not -1
    "spark.sql.session.timeZone": "UTC",
}

_views = itertools.count()


# -- the plan in Spark's SQL ---------------------------------------------------------------------


def _java_pattern(pattern: str) -> str:
    pattern = pattern.replace(r"\p{Han}", r"\p{IsHan}")
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\z"
    return pattern


def _for_spark(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Sign):
        x = node.this
        return exp.Paren(
            this=exp.Case()
            .when(exp.GT(this=x.copy(), expression=exp.Literal.number(0)), exp.Literal.number(1))
            .when(exp.LT(this=x.copy(), expression=exp.Literal.number(0)), exp.Literal.number(-1))
            .when(exp.EQ(this=x.copy(), expression=exp.Literal.number(0)), exp.Literal.number(0))
        )  # and NULL for NULL, as SIGN gives
    if isinstance(node, exp.ArraySum):
        acc, item = exp.to_identifier("acc"), exp.to_identifier("item")
        step = exp.Lambda(
            this=exp.Anonymous(this="TRY_ADD", expressions=[exp.column("acc"), exp.column("item")]),
            expressions=[acc, item],
        )
        zero = exp.Cast(this=exp.Literal.number(0), to=exp.DataType.build("BIGINT"))
        return exp.Anonymous(this="AGGREGATE", expressions=[node.this, zero, step])
    if isinstance(node, exp.TryCast) and not node.args.get("safe"):
        return exp.TryCast(this=node.this, to=node.args["to"], safe=True)
    if isinstance(node, exp.RegexpLike) and isinstance(node.expression, exp.Literal):
        return exp.RegexpLike(this=node.this, expression=exp.Literal.string(_java_pattern(node.expression.this)))
    return node


def spark_sql(plan: Plan) -> str:
    """The plan as one Spark SQL query (see the module's notes for what is rewritten)."""
    return plan.query.transform(_for_spark).sql(dialect="spark", pretty=False)


# -- the session -----------------------------------------------------------------------------------


def _java() -> bool:
    home = os.environ.get("JAVA_HOME")
    if home and os.path.exists(os.path.join(home, "bin", "java")):
        return True
    return shutil.which("java") is not None


def session(master: str | None = None) -> Any:
    """The Spark session kaohe runs on: the active one (under spark-submit) or a new one on
    ``master`` (``local[2]``, ``yarn``, ``spark://host:7077``, ...). A missing pyspark or Java,
    or a session that cannot start, is a :class:`KaoheError` saying what to install."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise KaoheError(Diagnostic.of("columnar.spark-missing")) from None
    spark = SparkSession.getActiveSession()
    if spark is None:
        if not _java():
            raise KaoheError(Diagnostic.of("columnar.spark-java"))
        if master is None or master.startswith("local"):
            _local_workers()
        builder = SparkSession.builder.appName("kaohe")
        if master:
            builder = builder.master(master)
        if master is None or master.startswith("local"):
            builder = builder.config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
            if not os.environ.get("SPARK_DRIVER_MEMORY"):  # Spark's own setting wins
                memory = _local_memory()
                builder = builder.config("spark.driver.memory", memory).config("spark.driver.maxResultSize", memory)
        try:
            spark = builder.getOrCreate()
        except Exception as exc:  # the JVM did not start: its first line says why
            raise KaoheError(Diagnostic.of("columnar.spark-start", reason=_first_line(exc))) from None
        spark.sparkContext.setLogLevel("ERROR")
    for key, value in SQL_CONF.items():
        spark.conf.set(key, value)
    return spark


def _local_memory() -> str:
    """The heap of a local run's one JVM: half this machine's memory, from 1 to 32 GiB.
    Spark's default (1 GiB) runs out at a few million records, whose plan outputs come back
    to the driver."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not a POSIX system: Spark's default
        return "1g"
    return f"{max(1024, min(total // 2 // 2**20, 32 * 1024))}m"


def _local_workers() -> None:
    """Python workers of a local Spark run this interpreter and import this kaohe (a cluster's
    executors use their own installation)."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    root = str(Path(__file__).resolve().parents[2])  # the folder holding this package
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if root not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([root, *paths])


# -- tables ----------------------------------------------------------------------------------------

_INTEGERS = {"bigint", "int", "smallint", "tinyint"}


def _kind(type_name: str) -> str:
    if type_name in _INTEGERS:
        return "int"
    if type_name in ("double", "float"):
        return "float"
    if type_name in ("string", "boolean", "date"):
        return {"string": "str", "boolean": "bool", "date": "date"}[type_name]
    if type_name == "void":
        return "null"
    if type_name.startswith("decimal(") and type_name.endswith(")"):  # decimal(10,2)
        return decimal_kind(int(type_name[8:-1].split(",")[1]))
    if type_name.startswith("array<") and type_name.endswith(">"):
        return "list:" + _kind(type_name[6:-1])
    return "other"


def frame_kinds(frame: Any) -> dict:
    """The plan's column kinds of a Spark DataFrame (as :func:`column_kind` gives for Arrow)."""
    return {f.name: _kind(f.dataType.simpleString()) for f in frame.schema.fields}


def _plan_frame(
    spark: Any,
    policy: Policy,
    entity: str,
    frame: Any,
    as_of: dt.date,
    kinds: dict | None = None,
    facts: dict | None = None,
):
    """(plan, DataFrame of the plan's output) over ``frame``, which has a ``__row`` column;
    ``facts``: what its list columns are known to hold (engine.columnar.facts)."""
    ent = policy.runtime(entity).entity
    kinds = dict(kinds or {})
    for name, kind in frame_kinds(frame).items():
        if name in ent.inputs and name not in kinds:
            kinds[name] = kind
    view = f"kaohe_records_{os.getpid()}_{next(_views)}"
    plan = build_plan(policy.spec, ent, kinds, as_of, table=view, facts=facts)
    frame.createOrReplaceTempView(view)
    return plan, spark.sql(spark_sql(plan))


def spark_runner(spark: Any) -> Callable[[Plan, pa.Table], pa.Table]:
    """``run_plan`` on Spark: the plan's output over an Arrow table, ordered by record."""

    def run(plan: Plan, table: pa.Table) -> pa.Table:
        view = plan.query.find(exp.Table)
        assert view is not None
        with spark_errors():  # the table handed over, the query run: either may find Spark gone
            frame = spark.createDataFrame(with_rows(table))
            frame.createOrReplaceTempView(view.name)
            return spark.sql(spark_sql(plan)).toArrow()

    return run


def spark_group_runner(spark: Any) -> Callable[[GroupPlan, pa.Table], tuple]:
    """``run_group_plan`` on Spark: the members plan over the member records, then the
    grouped aggregates and the group plan over its result, both as Spark SQL."""

    def run(plan: GroupPlan, table: pa.Table) -> tuple:
        inner = plan.members.query.copy()
        inner.set("order", None)
        view = f"kaohe_members_{os.getpid()}_{next(_views)}"
        members_sql = inner.transform(_for_spark).sql(dialect="spark", pretty=False)
        query = plan.groups.query.copy().with_("__groups", as_=plan.grouped.copy())
        groups = query.transform(lambda node: exp.to_table(view) if _is_members(node) else _for_spark(node))
        with spark_errors():
            spark.createDataFrame(with_rows(table)).createOrReplaceTempView("records")
            members = spark.sql(members_sql).cache()
            try:
                members.createOrReplaceTempView(view)
                out = spark.sql(groups.sql(dialect="spark", pretty=False)).toArrow()
                mem = members.select("__row", "__ok", *plan.keys).toArrow()
            finally:
                members.unpersist()
                spark.catalog.dropTempView(view)
                spark.catalog.dropTempView("records")
        return mem, out

    return run


def _is_members(node: exp.Expression) -> bool:
    return isinstance(node, exp.Table) and node.name == "__members"


def spark_outcomes(
    policy: Policy,
    entity: str,
    table: pa.Table,
    as_of: dt.date,
    *,
    master: str | None = None,
    forced: set | None = None,
    originals: list | None = None,
    start: int = 1,
    kinds: dict | None = None,
    failures: dict | None = None,
) -> Iterator:
    """:func:`outcomes_from_table` with the plan run by Spark: records read by kaohe's own
    readers (or an Arrow table) handed to Spark as Arrow, one outcome per row in order."""
    spark = session(master)
    return outcomes_from_table(
        policy,
        entity,
        table,
        as_of,
        forced=forced,
        originals=originals,
        start=start,
        kinds=kinds,
        failures=failures,
        runner=spark_runner(spark),
    )


def parquet_frame(spark: Any, path: str) -> Any:
    """A Parquet file (or a folder of them) as a DataFrame with ``__row``, the record's place
    in file order (files in name order, rows in file order), counting from 0."""
    from pyspark.sql import functions as F

    try:
        frame = spark.read.parquet(path)
    except Exception as exc:  # an AnalysisException: no such path, not Parquet
        raise InputError(Diagnostic.of("input.unreadable/parquet", Location(path), reason=_first_line(exc))) from None
    files = sorted(frame.inputFiles())
    meta = frame.select("*", F.col("_metadata.file_path").alias("__file"), F.col("_metadata.row_index").alias("__i"))
    if len(files) <= 1:
        return meta.withColumn("__row", F.col("__i")).drop("__file", "__i")
    counts = dict(meta.groupBy("__file").count().collect())
    offsets, total = [], 0
    for name in sorted(counts):
        offsets.append((name, total))
        total += counts[name]
    table = spark.createDataFrame(offsets, "__file string, __offset long")
    joined = meta.join(F.broadcast(table), "__file")
    return joined.withColumn("__row", F.col("__offset") + F.col("__i")).drop("__file", "__i", "__offset")


def with_detail(spark: Any, frame: Any, key: str, name: str, path: str) -> Any:
    """``frame`` with the list column ``name`` built from a long Parquet table (one row per
    item keyed by ``key``), items in file order; a record with no rows there has no list."""
    from pyspark.sql import functions as F

    try:
        long = spark.read.parquet(path)
    except Exception as exc:
        raise InputError(Diagnostic.of("input.unreadable/detail", Location(path), reason=_first_line(exc))) from None
    if key not in long.columns or name not in long.columns:
        raise InputError(Diagnostic.of("input.columns", Location(path), key=key, name=name))
    place = [F.col("_metadata.row_index").alias("i")]  # an item's place: row in file (and file, if several)
    if len(long.inputFiles()) > 1:
        place.insert(0, F.col("_metadata.file_path").alias("f"))
    items = long.select(
        F.col(key).cast("string").alias("__k"), F.struct(*place, F.col(name).alias("v")).alias("__item")
    )
    lists = items.groupBy("__k").agg(F.sort_array(F.collect_list("__item")).alias("__items"))
    lists = lists.select("__k", F.col("__items.v").alias(name))
    if name in frame.columns:
        frame = frame.drop(name)
    joined = frame.join(lists, frame[key].cast("string") == lists["__k"], "left")
    return joined.drop("__k")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def spark_failure(exc: BaseException) -> KaoheError:
    """A failed Spark job as the officer's message: out of memory (the JVM's heap; the JVM
    may have died, so the next call finds its connection refused) with what to give it,
    anything else by the first line of Spark's own text."""
    text = str(exc)
    if "OutOfMemoryError" in text or "Java heap space" in text or isinstance(exc, ConnectionError):
        return KaoheError(Diagnostic.of("columnar.spark-memory", reason=_first_line(exc)))
    return KaoheError(Diagnostic.of("columnar.spark-failed", reason=_first_line(exc)))


@contextlib.contextmanager
def spark_errors() -> Iterator[None]:
    """Spark's exceptions (a failed task, a JVM gone) raised as :func:`spark_failure`;
    kaohe's own errors pass through."""
    try:
        yield
    except KaoheError:
        raise
    except Exception as exc:  # py4j's and pyspark's errors have no common base worth naming
        raise spark_failure(exc) from None


def spark_table(
    policy: Policy,
    entity: str,
    src: str,
    *,
    as_of: dt.date,
    master: str | None = None,
    details: dict | None = None,
    notes: list | None = None,
) -> pa.Table | None:
    """The flat result table (see :mod:`engine.columnar.table`) of a Parquet file evaluated on
    Spark, list inputs joined from long Parquet tables; None when the plan does not apply
    (``notes`` says why; the caller runs the row engine). The plan's output comes back to
    the driver as a few numbers per record; the rows it does not decide are fetched by a
    second Spark job and evaluated by the row engine."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from pyspark.sql import functions as F

    spark = session(master)
    ent = policy.runtime(entity).entity
    frame = parquet_frame(spark, src)
    for name, path in (details or {}).items():
        if name not in ent.inputs:
            raise InputError(Diagnostic.of("input.columns/no-input", Location(path), entity=entity, name=name))
        frame = with_detail(spark, frame, ent.key, name, path)
    # a local file's footer tells what its list columns hold; a column joined from a long
    # table is not the file's
    facts = {k: v for k, v in parquet_facts(src).items() if k not in (details or {})}
    try:
        plan, out = _plan_frame(spark, policy, entity, frame, as_of, facts=facts)
    except Unsupported as exc:
        if notes is not None:
            notes.append(Problem("columnar.row-engine", entity=entity, reason=exc))
        return None
    with spark_errors():
        result = out.toArrow()
    wanted = [c for c in frame.columns if c != "__row"]
    try:
        schema = pq.read_schema(src) if os.path.isfile(src) else None
    except (OSError, ValueError):
        schema = None

    def fetch(indices: list[int]) -> pa.Table:
        if len(indices) <= 1000:
            picked = frame.filter(F.col("__row").isin(indices))
        else:
            keys = spark.createDataFrame(pa.table({"__row": pa.array(indices, type=pa.int64())}))
            picked = frame.join(keys, "__row")
        with spark_errors():
            rows = picked.orderBy("__row").select(*wanted).toArrow()
        if schema is not None:  # the types Arrow reads from the file, as the row engine sees them
            fields = [schema.field(n) if n in schema.names else rows.schema.field(n) for n in rows.column_names]
            try:
                rows = rows.cast(pa.schema(fields))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass
        return rows

    return plan_table(policy, entity, plan, result, fetch, as_of)


# -- on a cluster: everything in Spark, nothing collected --------------------------------------------

_LOADED: dict = {}


def _policy(text: str, name: str) -> Policy:
    """The policy from its text, parsed once per Python worker."""
    key = (name, text)
    if key not in _LOADED:
        from ..runtime.policy import parse_policy

        _LOADED[key] = parse_policy(text, name=name)
    return _LOADED[key]


def _plan(text: str, name: str, entity: str, kinds: dict, as_of: dt.date) -> Plan:
    key = (name, text, entity, tuple(sorted(kinds.items())), as_of)
    if key not in _LOADED:
        policy = _policy(text, name)
        _LOADED[key] = build_plan(policy.spec, policy.runtime(entity).entity, kinds, as_of)
    return _LOADED[key]


def result_schema(policy: Policy, entity: str, plan: Plan) -> pa.Schema:
    """The flat result table's columns with one type for every record (a reported date as
    ISO text), so every task of a Spark job writes the same Parquet schema."""
    import pyarrow as pa

    from .table import integer_columns

    ent = plan.entity
    integers = integer_columns(policy.spec, ent)
    kinds = {o.name: o.kind for o in plan.values}
    fields = [("record", pa.int64()), ("id", pa.string()), ("entity", pa.string()), ("grade", pa.string())]
    for name in ent.reported:
        kind = kinds.get(name, "num")
        if kind == "num":
            fields.append((name, pa.int64() if name in integers else pa.float64()))
        else:
            fields.append((name, pa.bool_() if kind == "bool" else pa.string()))
    fields.append(("credit_total", pa.int64() if "credit_total" in integers else pa.float64()))
    fields += [("sanctions", pa.list_(pa.string())), ("awards", pa.list_(pa.string()))]
    fields += [("error_code", pa.string()), ("error_message", pa.string())]
    return pa.schema(fields)


def _conform(table: pa.Table, rows: pa.ChunkedArray, schema: pa.Schema) -> pa.Table:
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for field in schema:
        if field.name == "record":
            columns.append(pc.add(rows.cast(pa.int64()), 1))
        elif field.name in table.column_names:
            columns.append(table.column(field.name).cast(field.type))
        else:
            columns.append(pa.nulls(table.num_rows, field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def _decided(text: str, name: str, entity: str, kinds: dict, as_of: dt.date, schema: pa.Schema):
    """mapInArrow: the plan's output rows it proved valid, to result rows."""

    def run(batches):
        import pyarrow as pa

        policy = _policy(text, name)
        plan = _plan(text, name, entity, kinds, as_of)
        for batch in batches:
            out = pa.Table.from_batches([batch])
            table = plan_table(policy, entity, plan, out, _nothing, as_of)
            yield from _conform(table, out.column("__row"), schema).to_batches()

    return run


def _nothing(indices):  # every row handed to _decided is decided
    raise AssertionError(indices)


def _undecided(text: str, name: str, entity: str, as_of: dt.date, schema: pa.Schema):
    """mapInArrow: records the plan did not decide, evaluated by the row engine."""

    def run(batches):
        import pyarrow as pa

        from .run import row_outcomes
        from .table import outcomes_table

        policy = _policy(text, name)
        ent = policy.runtime(entity).entity
        for batch in batches:
            records = pa.Table.from_batches([batch])
            rows = records.drop_columns(["__row"])
            table = outcomes_table(row_outcomes(policy, entity, rows, as_of), ent, policy.spec)
            yield from _conform(table, records.column("__row"), schema).to_batches()

    return run


def table_frame(spark: Any, name: str) -> Any:
    """A Hive (catalogue) table as a DataFrame with ``__row``: its rows numbered from 0 in the
    order the table is read (partition by partition)."""
    from pyspark.sql import functions as F

    try:
        frame = spark.table(name)
    except Exception as exc:
        raise InputError(Diagnostic.of("columnar.spark-table", Location(name), reason=_first_line(exc))) from None
    low = (1 << 33) - 1  # monotonically_increasing_id: the partition above bit 33, the row below
    frame = frame.withColumn("__mid", F.monotonically_increasing_id())
    counts = dict(frame.groupBy(F.shiftright("__mid", 33).alias("p")).count().collect())
    offsets, total = [], 0
    for part in sorted(counts):
        offsets.append((part, total))
        total += counts[part]
    table = spark.createDataFrame(offsets or [(0, 0)], "__p long, __offset long")
    joined = frame.join(F.broadcast(table), F.shiftright(frame["__mid"], 33) == table["__p"])
    row = F.col("__offset") + F.col("__mid").bitwiseAND(F.lit(low))
    return joined.withColumn("__row", row).drop("__mid", "__p", "__offset")


def evaluate_frame(spark: Any, text: str, name: str, entity: str, frame: Any, as_of: dt.date) -> Any:
    """The flat result table of ``frame`` (a DataFrame with ``__row``) as a Spark DataFrame,
    computed on the executors: the plan in Spark SQL, result rows built per Arrow batch, the
    records the plan does not decide evaluated by the row engine there. ``text`` and ``name``
    are the policy file's text and name (each Python worker parses it once). Raises
    :class:`KaoheError` (``columnar.spark-plan``) when the plan cannot express the entity."""
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    policy = _policy(text, name)
    try:
        plan, out = _plan_frame(spark, policy, entity, frame, as_of)
    except Unsupported as exc:
        raise KaoheError(Diagnostic.of("columnar.spark-plan", entity=entity, reason=exc)) from None
    kinds = {n: k for n, k in frame_kinds(frame).items() if n in plan.entity.inputs}
    schema = result_schema(policy, entity, plan)
    spark_schema = from_arrow_schema(schema)
    ok = F.coalesce(F.col("__ok"), F.lit(False))
    decided = out.filter(ok).mapInArrow(_decided(text, name, entity, kinds, as_of, schema), spark_schema)
    wanted = out.filter(~ok).select("__row")
    rest = frame.join(wanted, "__row", "left_semi")
    undecided = rest.mapInArrow(_undecided(text, name, entity, as_of, schema), spark_schema)
    return decided.unionByName(undecided)
