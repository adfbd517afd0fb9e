"""What a table's list columns are known to hold before the plan runs.

A list input is read by the plan only when every item is present and inside the input's
range; checking that costs a pass of a lambda over every item (190 a teacher for a year of
daily usage), the largest part of a large run. When the whole column is known to hold no
empty item and only items between a smallest and a largest value, and both lie in the range,
no item can fail and the plan leaves the per-item check out (:func:`build_plan`'s ``facts``).

The facts are the column's own, never a guess: an Arrow column's smallest and largest item
and its count of empty items (computed by Arrow), or a Parquet file's footer statistics
(written with the file, read without reading the data). Where a footer has no statistics
for some row group, or they say nothing about empty items, the column has no facts and
every item is checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["ItemFacts", "parquet_facts", "table_facts"]


@dataclass(frozen=True)
class ItemFacts:
    """The items of a list column: the smallest and the largest (None when it has none),
    and how many are empty (NULL). Items are as the column holds them (whole numbers)."""

    lo: int | None
    hi: int | None
    nulls: int

    def within(self, low: int | None, high: int | None) -> bool:
        """Whether every item is present and low <= item <= high (None: no bound)."""
        if self.nulls:
            return False
        if self.lo is None or self.hi is None:
            return True  # no items at all
        return (low is None or self.lo >= low) and (high is None or self.hi <= high)


def _integer_list(t: pa.DataType) -> bool:
    import pyarrow as pa

    return (pa.types.is_list(t) or pa.types.is_large_list(t)) and pa.types.is_integer(t.value_type)


def table_facts(table: pa.Table) -> dict[str, ItemFacts]:
    """The facts of every list-of-whole-numbers column of an Arrow table."""
    import pyarrow.compute as pc

    facts = {}
    for name in table.column_names:
        column = table.column(name)
        if not _integer_list(column.type):
            continue
        lo = hi = None
        nulls = 0
        for chunk in column.chunks:
            items = chunk.flatten()  # this chunk's slice, without the NULL lists
            nulls += items.null_count
            if len(items) == items.null_count:
                continue
            found = pc.min_max(items)
            a, b = found["min"].as_py(), found["max"].as_py()
            lo = a if lo is None else min(lo, a)
            hi = b if hi is None else max(hi, b)
        facts[name] = ItemFacts(lo, hi, nulls)
    return facts


def parquet_facts(path: str) -> dict[str, ItemFacts]:
    """The facts of every list-of-whole-numbers column of a Parquet file, from its footer's
    statistics; a column some row group gives no statistics for (or no count of empty
    values) is left out. Nothing for a file pyarrow cannot open (a path on a cluster)."""
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(path)
    except (OSError, ValueError):
        return {}
    meta = source.metadata
    schema = source.schema_arrow
    leaves: dict[str, list[int]] = {}
    for j in range(meta.num_columns):
        top = meta.schema.column(j).path.split(".")[0]
        leaves.setdefault(top, []).append(j)
    facts = {}
    for f in schema:
        where = leaves.get(f.name, [])
        if not _integer_list(f.type) or len(where) != 1:
            continue
        lo = hi = None
        nulls = 0
        known = True
        for g in range(meta.num_row_groups):
            chunk = meta.row_group(g).column(where[0])
            stats = chunk.statistics
            if stats is None or not stats.has_null_count:
                known = False
                break
            nulls += stats.null_count
            if not stats.has_min_max:
                if chunk.num_values > stats.null_count:  # values without a known range
                    known = False
                    break
                continue
            lo = stats.min if lo is None else min(lo, stats.min)
            hi = stats.max if hi is None else max(hi, stats.max)
        if known:
            facts[f.name] = ItemFacts(lo, hi, nulls)
    return facts
