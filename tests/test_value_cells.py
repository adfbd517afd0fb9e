"""A refused value names where it was read (issue 12, item 2): the sheet cell (``C7``) of an
.xlsx row, the line and column of a CSV row, beside the field, in both languages and on every
path (one process, worker processes, a header row below a title row, extra columns)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import engine
from engine.io import read_records

from .test_hostile import HEADER, JX, csv_row, kaohe

openpyxl = pytest.importorskip("openpyxl")
AS_OF = dt.date(2020, 6, 30)
COLUMNS = HEADER.split(",")  # 工号,性别,年龄,自愿参加,每日使用次数,总课时,课堂评分: 年龄 is C, 总课时 F


@pytest.fixture(scope="module")
def policy():
    return engine.load_policy(JX)


def sheet(path: Path, rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def good(id_: str) -> list:
    return [id_, "女", "34", "", ";".join(["4"] * 75), "600", ";".join(["60"] * 6)]


def refusals(policy, path) -> list:
    entity = policy.spec.entities["teacher"]
    outcomes = policy.evaluate_many(read_records(str(path), entity), "teacher", as_of=AS_OF)
    return [o for o in outcomes if not o.ok]


def test_an_xlsx_value_refused_names_its_cell(policy, tmp_path):
    bad = good("T6")
    bad[2] = "abc"  # 年龄 on the 7th row: C7
    rows = [COLUMNS] + [good(f"T{i}") for i in range(1, 6)] + [bad]
    (failure,) = refusals(policy, sheet(tmp_path / "in.xlsx", rows))
    diagnostic = failure.error.first
    assert diagnostic.code == "record.invalid" and diagnostic.evidence == {"field": "age", "cell": "C7"}
    assert failure.to_dict("en")["error"]["text"] == "field age (年龄), cell C7: 'abc' is not a number"
    assert failure.to_dict("zh")["error"]["text"] == "字段 age（年龄）的单元格 C7 取值无效：'abc' 不是数字"


def test_the_cell_counts_the_rows_above_the_header_and_survives_extra_columns(policy, tmp_path):
    """A title row above the header and a 姓名 column kaohe does not know (the record is then
    renamed by labels before it is read): the cell is still the sheet's own."""
    bad = good("T1") + ["张三"]
    bad[5] = "6¹"  # 总课时, a footnote mark: F3 (title row 1, header row 2)
    rows = [["莲塘一小教师考核表"], COLUMNS + ["姓名"], bad]
    (failure,) = refusals(policy, sheet(tmp_path / "in.xlsx", rows))
    assert failure.error.first.evidence["cell"] == "F3"
    assert "cell F3" in failure.to_dict("en")["error"]["text"]


def test_a_csv_value_refused_names_its_line_and_column(policy, tmp_path):
    path = tmp_path / "in.csv"
    rows = [csv_row("C1"), csv_row("C2", age="abc")]
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    (failure,) = refusals(policy, path)
    assert failure.error.first.evidence == {"field": "age", "line": 3, "column": 3}
    assert failure.to_dict("en")["error"]["text"] == "field age (年龄) on line 3, column 3: 'abc' is not a number"
    assert failure.to_dict("zh")["error"]["text"] == "字段 age（年龄）第 3 行第 3 列取值无效：'abc' 不是数字"


def test_a_json_record_keeps_the_plain_message(policy):
    """A record handed in memory (or from JSON) has no cell: the message names the field only."""
    (failure,) = [o for o in policy.evaluate_many([{"id": "J1", "age": "abc"}], "teacher", as_of=AS_OF) if not o.ok]
    assert "cell" not in failure.error.first.evidence and "line" not in failure.error.first.evidence


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_kaohe_evaluate_names_the_cell_in_one_process_and_in_workers(tmp_path, jobs):
    bad = good("T2")
    bad[2] = "abc"
    path = sheet(tmp_path / "in.xlsx", [COLUMNS, good("T1"), bad])
    result = kaohe("evaluate", JX, "-e", "teacher", "-i", path, "--as-of", "2020-06-30", "--lang", "en", "--jobs", jobs)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["T1", "T2"], result.stderr
    assert lines[1]["error"]["text"] == "field age (年龄), cell C3: 'abc' is not a number"
