"""Excel workbooks in and out: engine.io.sheets."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import pytest

import engine
from engine.base.errors import InputError
from engine.io import read_records
from engine.runtime.result import Failure

openpyxl = pytest.importorskip("openpyxl")

from engine.io.sheets import missing_columns, read_xlsx, sheet_names, unknown_columns, write_xlsx  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
XLSX = ROOT / "examples" / "jiangxi" / "teachers.xlsx"
CSV = ROOT / "examples" / "jiangxi" / "teachers.csv"
AS_OF = dt.date(2020, 6, 30)


@pytest.fixture(scope="module")
def policy():
    return engine.load_policy(ROOT / "policies" / "jiangxi.yaml")


@pytest.fixture(scope="module")
def teacher(policy):
    return policy.spec.entities["teacher"]


def workbook(path: Path, rows: list[list], title: str = "Sheet1", more: dict | None = None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for name, extra in (more or {}).items():
        other = book.create_sheet(name)
        for row in extra:
            other.append(row)
    book.save(path)
    return path


# --- reading -----------------------------------------------------------------------------------


def test_bundled_xlsx_grades_as_the_csv(policy, teacher):
    from_xlsx = [o.to_dict() for o in policy.evaluate_many(read_xlsx(XLSX, teacher), "teacher", as_of=AS_OF)]
    from_csv = [o.to_dict() for o in policy.evaluate_many(read_records(str(CSV), teacher), "teacher", as_of=AS_OF)]
    assert [d["grade"]["code"] for d in from_xlsx] == [
        "pass",
        "excellent",
        "pass",
        "fail",
        "fail",
        "exempt",
        "excellent",
        "fail",
        "fail",
        "excellent",
    ]
    assert from_xlsx == from_csv
    assert [d["id"] for d in from_xlsx] == [f"JX{n:03d}" for n in range(1, 11)]


def test_bundled_xlsx_keeps_the_chinese_headers(teacher):
    sheet = openpyxl.load_workbook(XLSX, read_only=True)
    header = [c.value for c in next(sheet.active.iter_rows(max_row=1))]
    sheet.close()
    assert header == ["工号", "性别", "年龄", "自愿参加", "每日使用次数", "总课时", "课堂评分"]
    assert unknown_columns(XLSX, teacher) == []
    assert missing_columns(XLSX, teacher) == []
    first = next(read_xlsx(XLSX, teacher))
    assert set(first) == {"id", "gender", "age", "daily_usage", "class_hours", "lesson_scores"}
    assert first["age"] == 34 and first["class_hours"] == 600  # number cells stay numbers


def test_read_records_dispatches_xlsx(teacher):
    assert list(read_records(str(XLSX), teacher)) == list(read_xlsx(XLSX, teacher))


def test_numbers_stay_exact_and_types_are_kept(tmp_path, policy, teacher):
    path = workbook(
        tmp_path / "t.xlsx",
        [
            ["工号", "性别", "年龄", "自愿参加", "每日使用次数", "总课时", "课堂评分"],
            ["A1", "男", 56, True, "4;4;4", 48.2, 45.5],
            [1001, "女", 30.0, None, 4, 10, "45.5;52.1;49.3;48.2;50.0;48.9"],
        ],
    )
    first, second = list(read_xlsx(path, teacher))
    assert first["class_hours"] == "48.2" and not isinstance(first["class_hours"], float)
    assert first["lesson_scores"] == "45.5"  # a list field: one number is a one-item list
    assert first["opted_in"] is True
    assert second["id"] == "1001" and second["age"] == 30 and "opted_in" not in second
    assert second["daily_usage"] == "4"
    results = list(policy.evaluate_many([first, second], "teacher", as_of=AS_OF))
    assert results[0].ok and results[0].grade == "fail"  # opted in, so graded despite age 56
    assert results[0].value("usage_ratio") == engine_fraction(12, "48.2")
    assert results[1].ok and results[1].value("lesson_score") == 49  # exactly, not 48.99999999999999
    assert results[1].id == "1001"


def engine_fraction(numerator, text):
    from fractions import Fraction

    return Fraction(numerator) / Fraction(text)


def test_date_cells_are_dates(tmp_path, policy):
    school = policy.spec.entities["school"]
    path = workbook(
        tmp_path / "s.xlsx",
        [
            ["id", "score", "骨干教师团队人数", "骨干教师名单报送日期", "全员参训名单报送日期", "全员培训完成日期"],
            ["莲塘一小", 90, 5, dt.datetime(2019, 11, 24), dt.date(2019, 12, 1), "2019-12-31"],
            ["莲塘二小", 89.5, 4, dt.datetime(2019, 11, 26, 9, 30), "2019年12月2日", dt.datetime(2020, 1, 3)],
        ],
    )
    rows = list(read_xlsx(path, school))
    assert rows[0]["backbone_list_date"] == dt.date(2019, 11, 24)
    assert type(rows[0]["backbone_list_date"]) is dt.date
    assert type(rows[1]["backbone_list_date"]) is dt.date
    assert rows[1]["score"] == "89.5"
    results = list(policy.evaluate_many(rows, "school", as_of=AS_OF))
    assert [r.grade for r in results] == ["excellent", "pass"]
    assert results[0].sanctions == []
    assert results[1].sanctions == [
        "backbone_team_incomplete",
        "backbone_list_late",
        "participant_list_late",
        "training_late",
    ]


def test_every_data_row_gives_one_item(tmp_path, teacher):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["工号", "性别", "年龄", "总课时"])
    sheet.append(["T1", "女", 30, 600])
    sheet.append([])  # an empty row is no record
    sheet.append(["T2", "男", 40, "=1/0"])
    sheet.append(["T3", "男", 40, 600, None, "stray"])
    sheet.append(["T4", "女", 41, 600])
    book.save(tmp_path / "r.xlsx")
    # an Excel error as a cached value: write the cell's type by hand
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    cell = book.active["D4"]
    cell.value, cell.data_type = "#DIV/0!", "e"
    book.save(tmp_path / "r.xlsx")
    items = list(read_xlsx(tmp_path / "r.xlsx", teacher))
    assert len(items) == 4
    assert items[0] == {"id": "T1", "gender": "女", "age": 30, "class_hours": 600}
    assert isinstance(items[1], Failure) and items[1].id == "T2"
    assert "#DIV/0!" in items[1].to_dict()["error"]["message"] and "D4" in items[1].to_dict()["error"]["message"]
    assert isinstance(items[2], Failure) and items[2].error.first.code == "input.ragged"
    assert items[2].id == "T3" and "F" in items[2].to_dict()["error"]["message"]
    assert items[3]["id"] == "T4"


def test_title_rows_above_the_header_are_skipped(tmp_path, teacher):
    path = workbook(
        tmp_path / "t.xlsx",
        [
            ["莲塘一小教师应用考核表"],
            [],
            ["工号", "性别", "年龄", "总课时"],
            ["T1", "女", 30, 600],
        ],
    )
    assert list(read_xlsx(path, teacher)) == [{"id": "T1", "gender": "女", "age": 30, "class_hours": 600}]
    assert unknown_columns(path, teacher) == []


def test_unknown_and_missing_columns_with_suggestions(tmp_path, teacher):
    path = workbook(
        tmp_path / "t.xlsx",
        [
            ["工号", "性别", "年令", "总课时数", "课堂评份", "Gender2", "备注xyz"],
            ["T1", "女", 30, 600, "60;60", "F", "x"],
        ],
    )
    unknown = dict(unknown_columns(path, teacher))
    assert unknown["年令"] == "年龄"
    assert unknown["总课时数"] == "总课时"
    assert unknown["课堂评份"] == "课堂评分"
    assert unknown["Gender2"] in ("gender", "性别")
    assert unknown["备注xyz"] is None
    assert missing_columns(path, teacher) == [("age", "年龄")]


def test_duplicate_columns_are_refused(tmp_path, teacher):
    path = workbook(tmp_path / "t.xlsx", [["工号", "年龄", "age"], ["T1", 30, 31]])
    with pytest.raises(InputError) as caught:
        list(read_xlsx(path, teacher))
    assert "both give the field age" in str(caught.value)


def test_named_sheet(tmp_path, teacher):
    path = workbook(
        tmp_path / "t.xlsx",
        [["说明"], ["本表仅供参考"]],
        title="说明",
        more={"教师名单": [["工号", "性别", "年龄"], ["T9", "男", 44]]},
    )
    assert sheet_names(path) == ["说明", "教师名单"]
    assert list(read_xlsx(path, teacher, sheet="教师名单")) == [{"id": "T9", "gender": "男", "age": 44}]
    with pytest.raises(InputError) as caught:
        list(read_xlsx(path, teacher, sheet="教师名"))
    diagnostic = caught.value.first
    assert diagnostic.code == "input.sheet"
    assert "did you mean '教师名单'" in diagnostic.hint and "说明" in diagnostic.hint
    with pytest.raises(InputError):
        unknown_columns(path, teacher, sheet="nope")
    assert next(iter(read_records(str(path), teacher, sheet="教师名单")))["id"] == "T9"


def test_unreadable_workbooks(tmp_path, teacher):
    with pytest.raises(InputError) as caught:
        list(read_xlsx(tmp_path / "missing.xlsx", teacher))
    assert caught.value.first.code == "input.unreadable"
    fake = tmp_path / "fake.xlsx"
    fake.write_text("工号,年龄\nT1,30\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        list(read_xlsx(fake, teacher))
    assert caught.value.first.code == "input.xlsx"


def test_missing_openpyxl_names_the_extra(monkeypatch, teacher):
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(InputError) as caught:
        list(read_xlsx(XLSX, teacher))
    assert caught.value.first.code == "input.xlsx"
    assert "pip install 'kaohe[xlsx]'" in caught.value.first.hint


# --- writing -----------------------------------------------------------------------------------


def test_write_xlsx_round_trip(tmp_path, policy, teacher):
    records = list(read_xlsx(XLSX, teacher)) + [{"id": "BAD", "gender": "X", "age": "abc"}]
    outcomes = list(policy.evaluate_many(records, "teacher", as_of=AS_OF))
    target = tmp_path / "out.xlsx"
    assert write_xlsx(target, outcomes, teacher) == 11
    assert sorted(os.listdir(tmp_path)) == ["out.xlsx"]  # no temporary file left behind
    book = openpyxl.load_workbook(target)
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:2] == ("编号", "等级")
    assert header[-5:] == ("学分合计", "学分明细", "处分/义务", "奖励", "错误")
    labels = [teacher.values[name].label.zh for name in teacher.reported]
    assert list(header[2:-5]) == labels and "应用能力总分" in labels
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes in ("A2", "B2")
    assert sheet.column_dimensions["J"].width > 20
    assert len(rows) == 1 + len(outcomes)
    by_id = {row[0]: dict(zip(header, row)) for row in rows[1:]}
    assert by_id["JX001"]["等级"] == "合格"
    assert by_id["JX001"]["学分明细"] == "0.5 自主（校本）培训学分（上学期）; 0.5 自主（校本）培训学分（下学期）"
    assert by_id["JX001"]["学分合计"] == 1
    assert by_id["JX001"]["上课得分"] == 49
    assert by_id["JX002"]["学分合计"] == 2
    assert by_id["JX005"]["处分/义务"] == "当年内不得评优评先；当年教师资格定期注册予以暂缓；年终考核不能评为“优秀”等次"
    assert by_id["JX006"]["等级"] == "免考"
    bad = by_id["BAD"]
    assert bad["等级"] is None and "gender" in bad["错误"] and "age" in bad["错误"]


def test_write_xlsx_english_and_formula_safe(tmp_path, policy, teacher):
    outcomes = list(policy.evaluate_many([{"id": '=HYPERLINK("x")', "gender": "F", "age": 60}], "teacher", as_of=AS_OF))
    target = tmp_path / "en.xlsx"
    write_xlsx(target, outcomes, teacher, lang="en")
    rows = list(openpyxl.load_workbook(target).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("ID", "Grade") and "Total score" in rows[0]
    assert rows[1][0] == '=HYPERLINK("x")' and rows[1][1] == "Exempt"
    assert openpyxl.load_workbook(target).active["A2"].data_type == "s"


def test_write_xlsx_is_atomic(tmp_path, teacher):
    target = tmp_path / "keep.xlsx"
    target.write_bytes(b"old")

    def broken():
        raise RuntimeError("stop")
        yield  # pragma: no cover

    with pytest.raises(RuntimeError):
        write_xlsx(target, broken(), teacher)
    assert target.read_bytes() == b"old"
    assert sorted(os.listdir(tmp_path)) == ["keep.xlsx"]
