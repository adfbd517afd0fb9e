"""Spark against DuckDB (and the row engine as a baseline), file to file with the CLI.

    python bench/spark.py [--long 100000] [--sizes 50000,100000,200000] [--row 50000] [--out bench/out/spark]

(c) The long-table form: N Jiangxi teachers in one Parquet file and their 190 daily usage
    counts each in a second (one row per teacher and day), joined by
    ``--detail daily_usage=usage.parquet``; on DuckDB and on Spark ``local[2]``.
(d) A scaling curve: teachers with their usage as a list column, Parquet to Parquet, at each
    size on both engines; the row engine at the smallest size as the baseline. The marginal
    rate (records per second between the smallest and the largest size) leaves out the fixed
    start-up (Spark's JVM, DuckDB's import), which is reported apart.

Every engine's output is checked equal to DuckDB's. Ratios come from one run on the same
machine; nothing here is a timed test. The data is made by DuckDB (no JSON step).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICY = str(ROOT / "policies" / "jiangxi.yaml")
DAY = "2020-06-30"
DAYS = 190

import duckdb  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

TEACHER = (
    "SELECT 'T' || i AS id, CASE WHEN i % 2 = 0 THEN 'F' ELSE 'M' END AS gender, "
    "CAST(25 + i % 40 AS BIGINT) AS age, i % 50 = 0 AS opted_in, CAST(300 + i % 500 AS BIGINT) AS class_hours, "
    "list_transform(range(6 + i % 3), lambda k: CAST(40 + (i + k) % 30 AS DOUBLE) + 0.5) AS lesson_scores"
)
USAGE = "list_transform(range(190), lambda d: CAST((i * 7 + d * 3) % 6 AS BIGINT)) AS daily_usage"


def copy(query: str, path: Path) -> None:
    """DuckDB writes the file under a temporary name first: a run stopped midway leaves none."""
    part = path.with_suffix(".part")
    duckdb.sql(f"COPY ({query}) TO '{part}' (FORMAT parquet)")
    part.rename(path)


def wide(n: int, out: Path) -> Path:
    path = out / f"wide-{n}.parquet"
    if not path.exists():
        copy(f"{TEACHER}, {USAGE} FROM range({n}) t(i) ORDER BY i", path)
    return path


def long(n: int, out: Path) -> tuple[Path, Path]:
    main, usage = out / f"main-{n}.parquet", out / f"usage-{n}.parquet"
    if not main.exists():
        copy(f"{TEACHER} FROM range({n}) t(i) ORDER BY i", main)
    if not usage.exists():
        copy(
            f"SELECT 'T' || i AS id, CAST((i * 7 + d * 3) % 6 AS BIGINT) AS daily_usage "
            f"FROM range({n}) t(i), range({DAYS}) u(d) ORDER BY i, d",
            usage,
        )
    return main, usage


def cli(engine: str, src: Path, dst: Path, *extra: str) -> float:
    """Wall seconds of one `kaohe evaluate` (the CLI as an officer runs it)."""
    args = [sys.executable, str(ROOT / "cli.py"), "evaluate", POLICY, "-e", "teacher", "-i", str(src)]
    args += ["--as-of", DAY, "--engine", engine, "-o", str(dst), *extra]
    if engine == "spark":
        args += ["--master", "local[2]"]
    t0 = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode not in (0, 1):
        raise SystemExit(f"{engine} failed:\n{done.stderr[-3000:]}")
    return seconds


def same(a: Path, b: Path) -> None:
    """The two result files hold the same rows (compared as Arrow columns: millions of rows
    as Python dicts would cost more than the run)."""
    x, y = pq.read_table(a), pq.read_table(b)
    assert x.column_names == y.column_names and x.num_rows == y.num_rows, f"{a} and {b} differ"
    try:
        equal = x.equals(y.cast(x.schema))
    except (ValueError, TypeError, NotImplementedError):  # Arrow cannot cast: compare the values
        equal = x.to_pylist() == y.to_pylist()
    assert equal, f"{a} and {b} differ"


def startup(out: Path) -> dict:
    """Fixed cost: each engine on 10 records."""
    tiny = wide(10, out)
    return {e: cli(e, tiny, out / f"tiny-{e}.parquet") for e in ("duckdb", "spark")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--long", type=int, default=100_000, help="teachers in (c); 0 skips (c)")
    parser.add_argument("--sizes", default="50000,100000,200000", help="teachers per point of (d); empty skips (d)")
    parser.add_argument(
        "--row", type=int, default=0, help="also run the row engine on this many teachers of (d)'s data (0: not)"
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "spark"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fixed = startup(out)
    print(f"start-up (10 records, file to file): duckdb {fixed['duckdb']:.1f} s, spark {fixed['spark']:.1f} s")
    if args.long:
        n = args.long
        main_file, usage = long(n, out)
        times = {}
        for engine in ("duckdb", "spark"):
            times[engine] = cli(engine, main_file, out / f"long-{engine}.parquet", "--detail", f"daily_usage={usage}")
        same(out / "long-duckdb.parquet", out / "long-spark.parquet")
        print(f"(c) {n:,} teachers x {DAYS} usage rows ({n * DAYS:,} rows), --detail, Parquet to Parquet:")
        for engine, s in times.items():
            print(f"    {engine:7s} {s:7.1f} s  {n / s:9,.0f} teachers/s  {n * DAYS / s:12,.0f} usage rows/s")
        print(f"    spark / duckdb time: {times['spark'] / times['duckdb']:.2f}")
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if sizes:
        curve: dict = {"duckdb": {}, "spark": {}}
        print(f"(d) scaling, teachers with {DAYS} daily counts as a list column, Parquet to Parquet:")
        for n in sizes:
            src = wide(n, out)
            for engine in curve:
                curve[engine][n] = cli(engine, src, out / f"wide-{n}-{engine}.parquet")
            same(out / f"wide-{n}-duckdb.parquet", out / f"wide-{n}-spark.parquet")
            print(
                f"    {n:>9,}  duckdb {curve['duckdb'][n]:7.1f} s ({n / curve['duckdb'][n]:9,.0f}/s)"
                f"  spark {curve['spark'][n]:7.1f} s ({n / curve['spark'][n]:9,.0f}/s)"
            )
        lo, hi = sizes[0], sizes[-1]
        if hi > lo:
            for engine, points in curve.items():
                rate = (hi - lo) / (points[hi] - points[lo]) if points[hi] > points[lo] else float("inf")
                print(f"    {engine}: marginal {rate:,.0f} teachers/s ({rate * DAYS:,.0f} usage values/s) on local[2]")
        if args.row:
            n = args.row
            src = wide(n, out)
            t = cli("row", src, out / f"wide-{n}-row.parquet")
            d = cli("duckdb", src, out / f"wide-{n}-duckdb.parquet")
            same(out / f"wide-{n}-duckdb.parquet", out / f"wide-{n}-row.parquet")
            print(
                f"    baseline: row engine {n:,} in {t:.1f} s ({n / t:,.0f}/s), duckdb {d:.1f} s: {t / d:.1f}x; "
                f"at {lo:,}: duckdb {lo / curve['duckdb'][lo] / (n / t):.1f}x, "
                f"spark {lo / curve['spark'][lo] / (n / t):.1f}x the row engine's rate"
            )


if __name__ == "__main__":
    main()
