"""``spark-submit`` entry point: evaluate a Parquet dataset or a Hive table on a cluster.

    spark-submit --master yarn $(python -c 'import kaohe.columnar.spark_submit as m; print(m.__file__)') \\
        policies/jiangxi.yaml --entity teacher --input hdfs:///edu/teachers.parquet \\
        --detail daily_usage=hdfs:///edu/usage_log.parquet --output hdfs:///edu/results.parquet

or, where pyspark is installed beside kaohe, ``python -m kaohe.columnar.spark_submit ... --master
local[4]``. The input is ``--input PATH`` (a Parquet file or folder) or ``--table NAME`` (a Hive
table); the output ``--output PATH`` (a Parquet folder, rows in record order) or
``--output-table NAME``. The output has the columns of ``kaohe evaluate -o out.parquet``.
Every executor needs kaohe installed (or shipped with ``--archives`` as a packed virtual
environment); the policy file is read on the driver and sent to the executors as text.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from ..base.errors import Diagnostic, KaoheError, Location, Problem
from ..language.registry import find_policy
from .spark import evaluate_frame, parquet_frame, session, spark_failure, table_frame, with_detail

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="kaohe.columnar.spark_submit", description="Evaluate a Parquet dataset or a Hive table on Spark."
    )
    p.add_argument("policy", help="the policy file (or an installed policy's name)")
    p.add_argument("--entity", "-e", required=True)
    p.add_argument("--input", "-i", help="Parquet file or folder of records")
    p.add_argument("--table", help="Hive table of records")
    p.add_argument("--detail", action="append", default=[], metavar="NAME=PATH", help="a list input from a long table")
    p.add_argument("--output", "-o", help="Parquet folder to write")
    p.add_argument("--output-table", help="Hive table to write")
    p.add_argument("--mode", default="errorifexists", choices=["errorifexists", "overwrite"])
    p.add_argument("--as-of", help="the day deadlines are judged at (YYYY-MM-DD; default: today)")
    p.add_argument("--allow-outside-period", action="store_true")
    p.add_argument("--master", help="Spark's master when not given by spark-submit (local[2], yarn, ...)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run one evaluation; 0 when every record was evaluated, 1 when some were rejected (their
    errors are in the output), 2 on a usage or input problem (said on stderr)."""
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except KaoheError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic.render(_lang()), file=sys.stderr)
        return 2


def _lang() -> str:
    """The messages' language: KAOHE_LANG (zh or en), else English."""
    return "zh" if os.environ.get("KAOHE_LANG") == "zh" else "en"


def _run(args) -> int:
    from ..runtime.policy import load_policy

    if bool(args.input) == bool(args.table):
        raise KaoheError(Diagnostic.of("columnar.spark-input"))
    if bool(args.output) == bool(args.output_table):
        raise KaoheError(Diagnostic.of("columnar.spark-output"))
    path = find_policy(args.policy)
    policy = load_policy(path)  # every problem of the policy, located, before Spark starts
    text, name = Path(path).read_text(encoding="utf-8"), Path(path).name
    as_of = dt.date.fromisoformat(args.as_of) if args.as_of else None
    day = policy.check_period(as_of, args.allow_outside_period)
    spark = session(args.master)
    try:
        return _evaluate(spark, args, policy, text, name, day)
    except KaoheError:
        raise
    except Exception as exc:  # Spark's own refusal (an output that exists, a failed task): its first line
        raise spark_failure(exc) from None


def _evaluate(spark, args, policy, text, name, day) -> int:
    frame = parquet_frame(spark, args.input) if args.input else table_frame(spark, args.table)
    ent = policy.runtime(args.entity).entity
    for item in args.detail:
        field, _, where = item.partition("=")
        if field not in ent.inputs:
            raise KaoheError(Diagnostic.of("input.columns/no-input", Location(where), entity=args.entity, name=field))
        frame = with_detail(spark, frame, ent.key, field, where)
    result = evaluate_frame(spark, text, name, args.entity, frame, day).orderBy("record")
    writer = result.write.mode(args.mode)
    if args.output:
        writer.parquet(args.output)
        written = spark.read.parquet(args.output)
    else:
        writer.saveAsTable(args.output_table)
        written = spark.table(args.output_table)
    counts = dict(written.groupBy(written["error_code"].isNull()).count().collect())
    total, rejected = sum(counts.values()), counts.get(False, 0)
    summary = Problem("cli.summary", total=total, evaluated=total - rejected, rejected=rejected)
    print(summary.render(_lang()), file=sys.stderr)
    return 1 if rejected else 0


if __name__ == "__main__":
    sys.exit(main())
