"""What a list column is known to hold (engine.columnar.facts) lets the plan skip the check
of every item; it must never let an item the row engine refuses through."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("duckdb")

import engine  # noqa: E402
from engine.columnar.facts import ItemFacts, parquet_facts, table_facts  # noqa: E402
from engine.columnar.run import plan_for  # noqa: E402
from engine.columnar.table import outcomes_table  # noqa: E402
from engine.io.tables import evaluate_parquet_to_parquet  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DAY = dt.date(2020, 6, 30)
USAGE = pa.list_(pa.int64())


@pytest.fixture(scope="module")
def jiangxi():
    return engine.load_policy(str(ROOT / "policies" / "jiangxi.yaml"))


def teachers(usages: list) -> pa.Table:
    n = len(usages)
    return pa.table(
        {
            "id": pa.array([f"T{i}" for i in range(n)]),
            "gender": pa.array(["M"] * n),
            "age": pa.array([40] * n, pa.int64()),
            "opted_in": pa.array([False] * n),
            "daily_usage": pa.array(usages, USAGE),
            "class_hours": pa.array([100] * n, pa.int64()),
            "lesson_scores": pa.array([[60.5] * 6] * n, pa.list_(pa.float64())),
        }
    )


def test_an_arrow_columns_items_are_counted_over_every_chunk_and_slice():
    column = pa.chunked_array([pa.array([[3, 1], None, [7]], USAGE), pa.array([[2, None], []], USAGE)])
    facts = table_facts(pa.table({"u": column, "s": pa.array(["a", "b", "c", "d", "e"])}))
    assert facts == {"u": ItemFacts(1, 7, 1)}  # the text column has none
    sliced = pa.table({"u": pa.array([[9], [4, 5], [0]], USAGE)}).slice(1, 1)
    assert table_facts(sliced) == {"u": ItemFacts(4, 5, 0)}
    assert table_facts(pa.table({"u": pa.array([[], None], USAGE)})) == {"u": ItemFacts(None, None, 0)}


def test_a_parquet_footer_gives_the_facts_only_when_every_row_group_has_statistics(tmp_path):
    table = pa.table({"u": pa.array([[3, 1], [7], [2]], USAGE), "n": pa.array([1, 2, 3])})
    with_stats, without = tmp_path / "a.parquet", tmp_path / "b.parquet"
    pq.write_table(table, with_stats, row_group_size=2)
    pq.write_table(table, without, write_statistics=False)
    assert parquet_facts(str(with_stats)) == {"u": ItemFacts(1, 7, 0)}
    assert parquet_facts(str(without)) == {}
    holed = tmp_path / "c.parquet"
    pq.write_table(pa.table({"u": pa.array([[3, None]], USAGE)}), holed)
    assert parquet_facts(str(holed))["u"].nulls >= 1
    assert parquet_facts(str(tmp_path / "missing.parquet")) == {}


def test_items_proven_in_range_are_not_checked_one_by_one(jiangxi):
    ok = plan_for(jiangxi, "teacher", teachers([[0, 4, 24], [1]]), DAY).sql("duckdb")
    # daily_usage's items are in [0, inf): a -1 anywhere, and every item is checked
    odd = plan_for(jiangxi, "teacher", teachers([[0, 4, -1], [1]]), DAY).sql("duckdb")
    holed = plan_for(jiangxi, "teacher", teachers([[0, None], [1]]), DAY).sql("duckdb")
    assert "LIST_FILTER" not in ok
    assert "LIST_FILTER" in odd and "LIST_FILTER" in holed


@pytest.mark.parametrize("bad", [-1, None, 10**13])
def test_a_table_with_one_odd_item_is_judged_as_the_row_engine_judges_it(jiangxi, bad):
    usages = [[2] * 120, [3] * 119 + [bad], [1] * 150]
    table = teachers(usages)
    got = jiangxi.evaluate_table(table, "teacher", as_of=DAY).to_pylist()
    outcomes = jiangxi.evaluate_many(table.to_pylist(), "teacher", as_of=DAY)
    want = outcomes_table(outcomes, jiangxi.runtime("teacher").entity, jiangxi.spec).to_pylist()
    assert got == want
    assert got[0]["error_code"] is None
    assert (got[1]["error_code"] is not None) == (bad is None or bad < 0)


def test_a_parquet_file_is_judged_alike_with_and_without_statistics(jiangxi, tmp_path):
    table = teachers([[2] * 120, [3] * 119 + [-1], [1] * 150, [4] * 190])
    outs = {}
    for stats in (True, False):
        src, dst = tmp_path / f"in-{stats}.parquet", tmp_path / f"out-{stats}.parquet"
        pq.write_table(table, src, write_statistics=stats)
        evaluate_parquet_to_parquet(jiangxi, "teacher", str(src), str(dst), as_of=DAY, engine="duckdb", notes=[])
        outs[stats] = pq.read_table(dst).to_pylist()
    assert outs[True] == outs[False]
    assert [r["error_code"] is None for r in outs[True]] == [True, False, True, True]


def with_scores(scores: list) -> pa.Table:
    table = teachers([[2] * 120] * len(scores))
    return table.set_column(
        table.column_names.index("lesson_scores"), "lesson_scores", pa.array(scores, pa.list_(pa.float64()))
    )


def test_lists_of_doubles_that_are_all_exact_decimals_are_read_as_millionths_by_arrow(jiangxi):
    from engine.columnar.run import exact_lists

    ent = jiangxi.runtime("teacher").entity
    exact, kinds = exact_lists(with_scores([[60.5, 49.0, 0.000001], None, [], [99.999999]]), ent)
    assert kinds == {"lesson_scores": "list:scaled"}
    assert exact.column("lesson_scores").to_pylist() == [[60_500_000, 49_000_000, 1], None, [], [99_999_999]]
    sql = plan_for(jiangxi, "teacher", exact, DAY, kinds).sql("duckdb")
    assert "LIST_TRANSFORM(\n" not in sql and "ROUND(x" not in sql  # no item read back from a double
    for odd in (0.1 + 0.2, 1e9, float("nan"), float("inf"), 60.0000005):
        table, kinds = exact_lists(with_scores([[60.5] * 6, [odd] + [60.5] * 5]), ent)
        assert kinds == {} and table.column("lesson_scores").type == pa.list_(pa.float64())


@pytest.mark.parametrize("odd", [0.1 + 0.2, 1e9, float("nan"), 48.9999999, None])
def test_a_list_of_doubles_is_judged_as_the_row_engine_judges_it(jiangxi, odd):
    """With an odd item the column stays doubles and the plan checks each item; without, it is
    millionths; either way evaluate_table gives the row engine's table (the row engine reads
    the doubles as given)."""
    for scores in ([[49.0] * 6, [50.5] * 6, [48.5, 49.5] * 3], [[49.0] * 6, [odd] + [49.0] * 5, [48.5, 49.5] * 3]):
        table = with_scores(scores)
        got = jiangxi.evaluate_table(table, "teacher", as_of=DAY).to_pylist()
        outcomes = jiangxi.evaluate_many(table.to_pylist(), "teacher", as_of=DAY)
        want = outcomes_table(outcomes, jiangxi.runtime("teacher").entity, jiangxi.spec).to_pylist()
        assert got == want
