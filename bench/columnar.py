"""Columnar (DuckDB) evaluation against the row engine and a hand-written Python function.

    python bench/columnar.py [--records 100000] [--file-records 100000] [--out bench/out/columnar]

(a) In process, the Jiangxi teacher rules over N records: the row engine
    (``evaluate_many`` over dicts), the hand-written exact function of bench/baseline.py,
    ``policy.evaluate_table`` (Arrow table in, Arrow table out) and the plan alone
    (``run_plan``: Arrow in, the plan's decision columns out). All must agree on every grade.
(b) File to file with the CLI: the row engine with --jobs 2 (JSON Lines), DuckDB from
    Parquet to Parquet and from JSON Lines to JSON Lines; wall time and peak memory
    (``/usr/bin/time``). Outputs are checked equal.

Ratios come from one run on the same machine; nothing here is a timed test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import baseline  # noqa: E402
import duckdb  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

import engine  # noqa: E402
from engine.columnar.run import plan_for, run_plan  # noqa: E402

POLICY = ROOT / "policies" / "jiangxi.yaml"
DAY = dt.date(2020, 6, 30)
COLUMNS = {
    "id": "VARCHAR",
    "gender": "VARCHAR",
    "age": "BIGINT",
    "opted_in": "BOOLEAN",
    "daily_usage": "BIGINT[]",
    "class_hours": "BIGINT",
    "lesson_scores": "DOUBLE[]",
}


def data(n: int, out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    jsonl = out / f"teachers-{n}-s2019.jsonl"
    if not jsonl.exists():
        subprocess.run(
            [sys.executable, str(ROOT / "bench/generate.py"), "--records", str(n), "--out", str(out)], check=True
        )
    parquet = out / f"teachers-{n}.parquet"
    if not parquet.exists():
        cols = "{" + ", ".join(f"'{k}': '{v}'" for k, v in COLUMNS.items()) + "}"
        duckdb.sql(f"COPY (SELECT * FROM read_json('{jsonl}', columns = {cols})) TO '{parquet}'")
    return jsonl, parquet


def timed(fn):
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


def inprocess(n: int, out: Path) -> None:
    jsonl, parquet = data(n, out)
    policy = engine.load_policy(POLICY)
    table = pq.read_table(parquet)
    rows = table.to_pylist()
    exact_rows = baseline.load_jsonl(jsonl)  # lesson scores as Fractions, as the baseline expects
    t_row, row = timed(lambda: [o.grade for o in policy.evaluate_many(rows, "teacher", as_of=DAY)])
    t_hand, hand = timed(lambda: [g for g, _, _ in baseline.grade_all(exact_rows)])
    t_table, result = timed(lambda: policy.evaluate_table(table, "teacher", as_of=DAY))
    plan = plan_for(policy, "teacher", table, DAY)
    t_plan, decided = timed(lambda: run_plan(plan, table))
    grades = result.column("grade").to_pylist()
    assert grades == row == hand, "the implementations disagree"
    assert decided.column("__grade").to_pylist() == row
    ok = sum(decided.column("__ok").to_pylist())
    print(f"(a) in process, {n:,} Jiangxi teachers (~190 daily counts each); all agree on every grade")
    print(f"    plan decided {ok:,} of {n:,} records; the rest went to the row engine")
    print(f"    {'implementation':<44} {'s':>7} {'records/s':>12} {'x hand-written':>15}")
    for name, t in (
        ("row engine, evaluate_many over dicts", t_row),
        ("hand-written Python (bench/baseline.py)", t_hand),
        ("evaluate_table: Arrow in, result table out", t_table),
        ("the plan alone on DuckDB (run_plan)", t_plan),
    ):
        print(f"    {name:<44} {t:7.2f} {n / t:12,.0f} {t_hand / t:15.2f}")


def threshold(out: Path) -> None:
    """Where DuckDB starts to gain: records as read (dicts) to outcomes, both engines."""
    from engine.columnar.run import outcomes_from_table, records_to_table

    jsonl, _ = data(100_000, out)
    policy = engine.load_policy(POLICY)
    ent = policy.runtime("teacher").entity
    everything = baseline.load_jsonl(jsonl)
    print("(c) --engine auto threshold: records (dicts) to outcomes, in process")
    print(f"    {'records':>8} {'row s':>8} {'duckdb s':>9} {'duckdb / row':>13}")
    for n in (500, 2_000, 5_000, 20_000):
        records = everything[:n]
        t_row, _ = timed(lambda: list(policy.evaluate_many(records, "teacher", as_of=DAY)))

        def columnar():
            table, originals, forced, kinds = records_to_table(records, ent)
            return list(
                outcomes_from_table(policy, "teacher", table, DAY, forced=forced, originals=originals, kinds=kinds)
            )

        t_col, _ = timed(columnar)
        print(f"    {n:>8,} {t_row:8.2f} {t_col:9.2f} {t_col / t_row:13.2f}")


def cli(args: list[str]) -> tuple[float, int]:
    cmd = ["/usr/bin/time", "-f", "%e %M", sys.executable, str(ROOT / "cli.py"), "evaluate", *args]
    done = subprocess.run(cmd, capture_output=True, text=True)
    last = done.stderr.strip().splitlines()[-1].split()
    if done.returncode not in (0, 3):
        raise SystemExit(f"failed: {' '.join(args)}\n{done.stderr}")
    return float(last[0]), int(last[1]) // 1024


def files(n: int, out: Path) -> None:
    jsonl, parquet = data(n, out)
    common = [str(POLICY), "-e", "teacher", "--as-of", str(DAY)]
    runs = [
        (
            "row engine --jobs 2, JSONL -> JSONL",
            [*common, "-i", str(jsonl), "-o", str(out / "row.jsonl"), "--jobs", "2"],
        ),
        ("duckdb, JSONL -> JSONL", [*common, "-i", str(jsonl), "-o", str(out / "duck.jsonl"), "--engine", "duckdb"]),
        (
            "duckdb, Parquet -> Parquet",
            [*common, "-i", str(parquet), "-o", str(out / "duck.parquet"), "--engine", "duckdb"],
        ),
        (
            "row engine, Parquet -> Parquet",
            [*common, "-i", str(parquet), "-o", str(out / "row.parquet"), "--engine", "row"],
        ),
    ]
    results = [(name, *cli(args)) for name, args in runs]
    same_jsonl = (out / "row.jsonl").read_bytes() == (out / "duck.jsonl").read_bytes()
    same_parquet = pq.read_table(out / "row.parquet").equals(pq.read_table(out / "duck.parquet"))
    assert same_jsonl and same_parquet, "outputs differ"
    base = results[0][1]
    print(f"(b) file to file, {n:,} Jiangxi teachers; outputs identical (JSONL byte for byte, Parquet table equal)")
    print(f"    {'run':<36} {'s':>7} {'records/s':>12} {'peak MB':>8} {'x row --jobs 2':>15}")
    for name, t, mb in results:
        print(f"    {name:<36} {t:7.2f} {n / t:12,.0f} {mb:8d} {base / t:15.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--file-records", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=ROOT / "bench/out/columnar")
    ap.add_argument("--skip", choices=["a", "b", "c"], action="append", default=[])
    a = ap.parse_args()
    print(json.dumps({"machine_cores": __import__("os").cpu_count(), "duckdb": duckdb.__version__}))
    if "a" not in a.skip:
        inprocess(a.records, a.out)
    if "c" not in a.skip:
        threshold(a.out)
    if "b" not in a.skip:
        files(a.file_records, a.out)


if __name__ == "__main__":
    main()
