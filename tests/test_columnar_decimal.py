"""DECIMAL columns (a warehouse's exact scores and hours) are read by the plan exactly, as
millionths, and judged as the row engine judges the Decimal values Arrow gives it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("duckdb")

import engine  # noqa: E402
from engine.columnar.plan import Unsupported, column_kind  # noqa: E402
from engine.columnar.run import plan_for, run_plan  # noqa: E402
from engine.columnar.table import outcomes_table  # noqa: E402
from engine.io.tables import evaluate_parquet_to_parquet  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DAY = dt.date(2020, 6, 30)
HUGE = Decimal("1" + "0" * 30 + ".00")  # a DECIMAL(38, 2) value far past the plan's bounds

#: (class_hours, lesson_scores): plain values, a mean of exactly 49.00 (pass, not fail), a
#: negative and a huge number, empty items, an empty list and a missing one
ROWS = [
    (Decimal("100.50"), [Decimal("60.50")] * 6),
    (Decimal("200.00"), [Decimal("49.00")] * 3 + [Decimal("48.00"), Decimal("50.00"), Decimal("49.00")]),
    (Decimal("-3.00"), [Decimal("60.00")] * 6),
    (HUGE, [Decimal("60.00")] * 6),
    (Decimal("150.25"), [HUGE] * 6),
    (Decimal("150.25"), [Decimal("70.01")] * 6),
    (None, [Decimal("60.00")] * 6),
    (Decimal("0.01"), [None] * 6),
    (Decimal("90.00"), []),
    (Decimal("90.00"), None),
]


@pytest.fixture(scope="module")
def jiangxi():
    return engine.load_policy(str(ROOT / "policies" / "jiangxi.yaml"))


def teachers(scale: int = 2) -> pa.Table:
    n = len(ROWS)
    decimal = pa.decimal128(38, scale)
    return pa.table(
        {
            "id": [f"T{i}" for i in range(n)],
            "gender": ["M"] * n,
            "age": pa.array([40] * n, pa.int64()),
            "opted_in": [False] * n,
            "daily_usage": pa.array([[2] * 150] * n, pa.list_(pa.int64())),
            "class_hours": pa.array([h for h, _ in ROWS], decimal),
            "lesson_scores": pa.array([s for _, s in ROWS], pa.list_(decimal)),
        }
    )


def row_table(policy, table):
    outcomes = policy.evaluate_many(table.to_pylist(), "teacher", as_of=DAY)
    return outcomes_table(outcomes, policy.runtime("teacher").entity, policy.spec).to_pylist()


def test_a_decimal_column_has_the_kind_of_its_places():
    assert column_kind(pa.decimal128(10, 2)) == "decimal:2"
    assert column_kind(pa.decimal128(20, 6)) == "decimal:6"
    assert column_kind(pa.decimal128(20, 7)) == "other"  # more places than the plan reads
    assert column_kind(pa.list_(pa.decimal128(5, 1))) == "list:decimal:1"


@pytest.mark.parametrize("scale", [2, 4, 6])
def test_decimal_columns_are_judged_as_the_row_engine_judges_them(jiangxi, scale):
    table = teachers(scale)
    plan = plan_for(jiangxi, "teacher", table, DAY)  # read by the plan, not refused whole
    decided = run_plan(plan, table).column("__ok").to_pylist()
    assert decided[:2] == [True, True]  # plain decimals are the plan's
    assert not any(decided[3:5])  # a huge value goes to the row engine, without an overflow
    got = jiangxi.evaluate_table(table, "teacher", as_of=DAY).to_pylist()
    assert got == row_table(jiangxi, table)
    assert [r["grade"] for r in got[:2]] == ["excellent", "pass"]  # 49.00 is a pass


def test_more_than_six_places_leave_the_entity_to_the_row_engine(jiangxi):
    table = teachers(2)
    seven = table.set_column(5, "class_hours", table.column("class_hours").cast(pa.decimal128(38, 7)))
    with pytest.raises(Unsupported):
        plan_for(jiangxi, "teacher", seven, DAY)
    assert jiangxi.evaluate_table(seven, "teacher", as_of=DAY).to_pylist() == row_table(jiangxi, seven)


def test_a_parquet_file_of_decimals_on_duckdb_is_the_row_engines_table(jiangxi, tmp_path):
    src = tmp_path / "teachers.parquet"
    pq.write_table(teachers(2), src)
    outs = {}
    for name in ("row", "duckdb"):
        dst = tmp_path / f"{name}.parquet"
        evaluate_parquet_to_parquet(jiangxi, "teacher", str(src), str(dst), as_of=DAY, engine=name, notes=[])
        outs[name] = pq.read_table(dst)
    assert outs["row"].equals(outs["duckdb"])
    assert outs["duckdb"].column("grade").to_pylist()[:2] == ["excellent", "pass"]
