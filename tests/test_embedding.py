"""The library as other programs use it: JSON-safe results in the policy's language, API
errors worded for callers, ISO dates, errors at the call; and the files officers hand on:
CSV with a BOM and Chinese headers the reader takes back, xlsx with pass-through columns,
percentages, a frozen header."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys

import jsonschema
import openpyxl
import pytest
from click.testing import CliRunner

import engine
from cli import main

from .conftest import ROOT, teacher

DAY = dt.date(2020, 1, 10)
SCHEMA = json.loads((ROOT / "schemas" / "result.schema.json").read_text(encoding="utf-8"))


def test_to_dict_is_json_safe_follows_the_policy_language_and_refuses_unknown_languages(jiangxi):
    result = jiangxi.evaluate(teacher(), "teacher", as_of=DAY)
    data = result.to_dict()
    jsonschema.validate(json.loads(json.dumps(data)), SCHEMA)  # json.dumps raises on a Fraction
    assert data["grade"]["label"] == "合格" and jiangxi.spec.language == "zh"
    assert result.to_dict(lang="en")["grade"]["label"] == "Pass"
    with pytest.raises(engine.KaoheError) as caught:
        result.to_dict(lang="fr")
    assert caught.value.diagnostics[0].code == "usage.lang" and "to_dict(" in caught.value.diagnostics[0].hint
    assert repr(result).startswith("<Result teacher 'T' grade='pass'")


def test_failure_dicts_are_json_safe_and_name_no_absolute_path(jiangxi):
    (failure,) = jiangxi.evaluate_many([{"id": "T9"}], "teacher", as_of=DAY)
    data = failure.to_dict()
    jsonschema.validate(json.loads(json.dumps(data)), SCHEMA)
    files = {p["file"] for p in data["error"]["problems"]}
    assert files == {"jiangxi.yaml"}
    assert repr(failure) == "<Failure teacher 'T9' record.missing>"


def test_as_of_takes_an_iso_string_and_misuse_is_worded_for_callers(jiangxi):
    assert jiangxi.evaluate(teacher(), "teacher", as_of="2020-01-10").grade == "pass"
    with pytest.raises(engine.KaoheError) as caught:
        jiangxi.evaluate(teacher(), "teacher", as_of=20200110)
    assert caught.value.diagnostics[0].code == "usage.as-of" and "--" not in caught.value.diagnostics[0].hint
    national = engine.load_policy("national")
    with pytest.raises(engine.PeriodError) as period:
        national.evaluate({}, "teacher", as_of="1999-01-01")
    hint = period.value.diagnostics[0].hint
    assert "as_of=" in hint and "--as-of" not in hint


def test_an_unknown_entity_in_evaluate_many_raises_at_the_call(jiangxi):
    with pytest.raises(engine.KaoheError) as caught:
        jiangxi.evaluate_many(iter([]), "teachr", as_of=DAY)  # no result read
    assert caught.value.diagnostics[0].code == "usage.entity"


def test_engine_testing_is_exported_lazily():
    import subprocess

    code = "import engine, sys; assert 'hypothesis' not in sys.modules; engine.testing.records; print('ok')"
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert run.stdout.strip() == "ok", run.stderr
    from engine.testing import records

    assert callable(records)
    assert (ROOT / "engine" / "py.typed").is_file()


def _sheet_with_names(tmp_path):
    book = openpyxl.load_workbook(ROOT / "examples" / "jiangxi" / "teachers.xlsx")
    sheet = book.active
    sheet.insert_cols(2, 2)
    sheet.cell(1, 2, "姓名")
    sheet.cell(1, 3, "学校")
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row, 2, f"教师{row}")
        sheet.cell(row, 3, "莲塘一小" if row % 2 else "城关中学")
    path = tmp_path / "in.xlsx"
    book.save(path)
    return path, sheet.max_row - 1


def test_xlsx_output_keeps_the_sheets_own_columns_with_percentages_and_a_frozen_header(tmp_path, monkeypatch):
    source, count = _sheet_with_names(tmp_path)
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke(main, ["evaluate", "jiangxi", "-e", "teacher", "-i", str(source), "-o", "out.xlsx",
                                    "--as-of", "2020-01-10"])  # fmt: skip
    assert run.exit_code == 0, run.output
    assert "姓名" not in run.output  # carried, so not reported as a column that is not read
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx").active
    rows = list(sheet.iter_rows())
    header = [c.value for c in rows[0]]
    assert header[:4] == ["编号", "姓名", "学校", "等级"]
    assert len(rows) == count + 1
    assert [(r[0].value, r[1].value, r[2].value) for r in rows[1:3]] == [
        ("JX001", "教师2", "城关中学"),
        ("JX002", "教师3", "莲塘一小"),
    ]
    ratio = header.index("使用次数占总课时比例")
    assert rows[1][ratio].number_format == "0.00%" and 0 < rows[1][ratio].value <= 1
    assert rows[1][header.index("使用得分")].number_format == "General"
    assert sheet.freeze_panes == "B2"
    assert sheet.column_dimensions["L"].width > sheet.column_dimensions["A"].width


def test_csv_has_a_bom_chinese_headers_and_labels_and_reads_back(tmp_path, monkeypatch):
    source, count = _sheet_with_names(tmp_path)
    monkeypatch.chdir(tmp_path)
    args = ["evaluate", "jiangxi", "-e", "teacher", "-i", str(source), "-o", "out.csv", "--as-of", "2020-01-10"]
    assert CliRunner().invoke(main, [*args, "--pass-through", "姓名,学校"]).exit_code == 0
    raw = (tmp_path / "out.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert list(rows[0])[:5] == ["工号", "姓名", "学校", "对象", "等级代码"]
    assert len(rows) == count and rows[0]["姓名"] == "教师2" and rows[0]["等级"] == "合格"
    assert "使用次数占总课时比例" in rows[0]
    # the CSV reader takes the file back: the key column is the input's own label
    again = CliRunner().invoke(main, ["evaluate", "jiangxi", "-e", "teacher", "-i", "out.csv", "-f", "jsonl",
                                      "--pass-through", "姓名", "--as-of", "2020-01-10"])  # fmt: skip
    lines = [json.loads(line) for line in again.stdout.splitlines()]
    assert [line["id"] for line in lines] == [row["工号"] for row in rows]
    assert lines[0]["columns"] == {"姓名": "教师2", "学校": "城关中学"}  # 学校 from jiangxi's pass_through
    for line in lines:
        jsonschema.validate(line, SCHEMA)


def test_csv_sanctions_are_labels_in_chinese_and_codes_in_english(jiangxi, tmp_path):
    from engine.io.text import make_writer

    outcome = jiangxi.evaluate(teacher(lesson_scores=[10] * 6), "teacher", as_of=DAY)
    assert outcome.sanctions
    labels = "; ".join(s["label"] for s in outcome.to_dict(lang="zh")["sanctions"])
    for lang, expected in (("zh", labels), ("en", "; ".join(outcome.sanctions))):
        path = tmp_path / f"{lang}.csv"
        with open(path, "w", encoding="utf-8", newline="") as out:
            writer = make_writer("csv", out, lang, columns=list(jiangxi.runtime("teacher").entity.reported))
            writer.write(outcome)
        (row,) = csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines())
        assert row["处分/义务" if lang == "zh" else "sanctions"] == expected


def test_a_policy_loads_from_text_or_a_mapping_with_a_loader_for_extends():
    import yaml

    text = (ROOT / "policies" / "guangxi.yaml").read_text(encoding="utf-8")
    base = (ROOT / "policies" / "national.yaml").read_text(encoding="utf-8").replace("national-2019", "db-base")
    asked = []

    def loader(reference):
        asked.append(reference)
        return base

    from_text = engine.parse_policy(text, name="gx.yaml", loader=loader)
    assert asked == ["national.yaml"] and from_text.spec.layers == ("db-base", "guangxi-ziyuan-2020")
    from_data = engine.parse_policy(yaml.safe_load(text), loader=lambda ref: yaml.safe_load(base))
    assert from_data.spec.layers == ("db-base", "guangxi-ziyuan-2020")
    # without a loader, extends finds the installed base by name
    assert engine.parse_policy(text).spec.layers[0] == "national-2019"
    with pytest.raises(engine.PolicyError) as caught:
        engine.parse_policy(text.replace("kaohe: 1", "kaohe: 1\nbogus: 2"), name="gx.yaml")
    assert str(caught.value.diagnostics[0].location).startswith("gx.yaml:")
    with pytest.raises(engine.KaoheError) as misuse:
        engine.parse_policy(b"kaohe: 1")
    assert misuse.value.diagnostics[0].code == "usage.policy-source"


def test_in_memory_rows_keyed_by_chinese_headers(jiangxi):
    record = teacher()
    labels = {"id": "工号", "gender": "性别", "age": "年龄", "daily_usage": "每日使用次数", "class_hours": "总课时",
              "lesson_scores": "课堂评分"}  # fmt: skip
    chinese = {labels[k]: v for k, v in record.items()}
    assert (
        jiangxi.evaluate(chinese, "teacher", as_of=DAY).to_dict()
        == jiangxi.evaluate(record, "teacher", as_of=DAY).to_dict()
    )
    (outcome,) = jiangxi.evaluate_many([chinese], "teacher", as_of=DAY)
    assert outcome.ok and outcome.id == "T"
    (clash,) = jiangxi.evaluate_many([{**chinese, "id": "OTHER"}], "teacher", as_of=DAY)
    assert not clash.ok and clash.error.first.code == "record.ambiguous"


def test_a_dataframe_with_chinese_headers_and_empty_cells_evaluates(tmp_path):
    pandas = pytest.importorskip("pandas")
    from engine.io.frames import evaluate_frame

    source, count = _sheet_with_names(tmp_path)
    frame = pandas.read_excel(source)
    frame.loc[1, "总课时"] = float("nan")
    assert frame["自愿参加"].isna().sum() > 1  # empty cells: NaN, left out of the record
    policy = engine.load_policy("jiangxi")
    out = evaluate_frame(policy, frame, "teacher", as_of="2020-01-10", keep=["姓名"])
    assert len(out) == count and list(out.index) == list(frame.index)
    assert list(out.columns[:3]) == ["id", "姓名", "entity"]
    assert out.loc[0, "grade"] == "pass" and out.loc[0, "姓名"] == "教师2"
    assert "总课时" in out.loc[1, "error"] and pandas.isna(out.loc[1, "grade"])
    entity = policy.runtime("teacher").entity
    from_file = [
        o.grade for o in policy.evaluate_many(engine.io.read_records(str(source), entity), "teacher", as_of=DAY)
    ]
    from_frame = [None if pandas.isna(g) else g for g in out["grade"]]
    assert from_frame == [from_file[0], None, *from_file[2:]]
