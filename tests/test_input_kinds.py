"""Input kinds that say exactly what a value may look like (issue 12, item 2).

One test per measured example: each was read silently as another value before (40% of class
hours as 0.4 hours, 6¹ as 61, a decimal comma splitting a list cell, a key given twice, an id
given twice, yes/no words nobody documented). Each is now refused, naming the field, or read
as documented; the README's table of spellings is checked against the readers."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import pytest

import engine
from engine.base.errors import RecordError
from engine.language.kinds import FALSE_WORDS, TRUE_WORDS, build_coercer

from .conftest import POLICIES, ROOT, teacher
from .test_hostile import EXIT_REJECTED, HEADER, JX, JX_TEXT, csv_row, kaohe, outputs, run_csv

AS_OF = "2020-06-30"


@pytest.fixture(scope="module")
def jiangxi():
    return engine.load_policy(JX)


def refused(policy, record, field):
    with pytest.raises(RecordError) as caught:
        policy.evaluate(record, "teacher", as_of=AS_OF)
    message = str(caught.value)
    assert f"field {field}" in message, message
    return message


# --- a percent sign only on a ratio input -------------------------------------------------------


@pytest.mark.parametrize("hours", ["40%", "40 %", "６％"])
def test_percent_on_class_hours_is_refused(jiangxi, hours):
    message = refused(jiangxi, teacher(class_hours=hours), "class_hours")
    assert "percent" in message


def test_percent_on_a_ratio_input_is_a_ratio(tmp_path):
    text = JX_TEXT.replace(
        "      class_hours:\n",
        '      share_in:\n        type: number\n        unit: "%"\n'
        '        range: "[0, 1]"\n        default: null\n      class_hours:\n',
        1,
    )
    path = tmp_path / "ratio.yaml"
    path.write_text(text, encoding="utf-8")
    policy = engine.load_policy(path)
    coerce = build_coercer(policy.spec.entities["teacher"].inputs["share_in"])
    assert coerce("40%") == Fraction(2, 5) == coerce("0.4") == coerce("４０％")
    with pytest.raises(ValueError):
        coerce("40")  # outside [0, 1]: a bare 40 is not read as 40 %


# --- digits: ASCII or full-width only ---------------------------------------------------------


@pytest.mark.parametrize(
    "age",
    ["6¹", "٣٥", "३५", "③⑤", "𝟑𝟓"],
    ids=["superscript", "arabic-indic", "devanagari", "circled", "math-bold"],
)
def test_other_unicode_digits_are_refused(jiangxi, age):
    message = refused(jiangxi, teacher(age=age), "age")
    assert "0-9" in message


def test_full_width_digits_are_read_and_counted(jiangxi):
    from engine.io import normalised

    before = normalised().get("full-width", 0)
    jiangxi.evaluate(teacher(age="３５"), "teacher", as_of=AS_OF)
    assert normalised().get("full-width", 0) == before + 1


# --- lists in a CSV cell ------------------------------------------------------------------------


def test_a_decimal_comma_in_a_list_cell_is_refused(tmp_path):
    result = run_csv(tmp_path, [csv_row("C", scores='"' + ";".join(["60,5"] * 6) + '"')])
    (line,) = outputs(result.stdout)
    assert line["error"]["field"] == "lesson_scores", line
    assert "comma" in line["error"]["message"]


def test_percent_items_in_a_list_cell_are_refused(tmp_path):
    result = run_csv(tmp_path, [csv_row("P", scores=";".join(["60%"] * 6))])
    (line,) = outputs(result.stdout)
    assert line["error"]["field"] == "lesson_scores", line
    assert "percent" in line["error"]["message"]


# --- a key twice in a record, an id twice in an input --------------------------------------------


def _jsonl(tmp_path, lines, name="in.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_json_key_given_twice_refuses_the_record(tmp_path):
    good = {k: v for k, v in teacher(id="D").items() if k != "class_hours"}
    line = json.dumps(good)[:-1] + ', "class_hours": 6, "class_hours": 600}'
    for name in ("in.jsonl", "in.json"):
        text = [line] if name.endswith("l") else ["[" + line + "]"]
        result = kaohe("evaluate", JX, "-e", "teacher", "-i", _jsonl(tmp_path, text, name), "--as-of", AS_OF)
        (out,) = outputs(result.stdout)
        assert result.returncode == EXIT_REJECTED
        assert out["error"]["code"] == "input.duplicate-key" and out["id"] == "D", out
        assert "class_hours" in out["error"]["message"]


def _two_of_t1():
    return [
        json.dumps(teacher(id="T1")),
        json.dumps(teacher(id="T2")),
        json.dumps(teacher(id="T1", class_hours=60)),
    ]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_id_given_twice_refuses_the_later_record(tmp_path, jobs):
    path = _jsonl(tmp_path, _two_of_t1())
    result = kaohe("evaluate", JX, "-e", "teacher", "-i", path, "--as-of", AS_OF, "--jobs", jobs)
    first, second, third = outputs(result.stdout)
    assert "error" not in first and "error" not in second
    assert third["error"]["code"] == "input.duplicate-id" and third["id"] == "T1", third
    assert "line 1" in third["error"]["message"] or "第1行" in third["error"]["text"]


def test_an_id_given_twice_across_chunks_with_two_jobs(tmp_path, monkeypatch):
    lines = [json.dumps(teacher(id=f"T{i}")) for i in range(1, 4500)] + [json.dumps(teacher(id="T7"))]
    path = _jsonl(tmp_path, lines)
    result = kaohe("evaluate", JX, "-e", "teacher", "-i", path, "--as-of", AS_OF, "--jobs", "2", timeout=300)
    out = outputs(result.stdout)
    assert len(out) == len(lines)
    assert [o["id"] for o in out if "error" in o] == ["T7"]
    assert out[-1]["error"]["code"] == "input.duplicate-id" and "7" in out[-1]["error"]["message"]


@pytest.mark.parametrize("fmt", ["csv", "csv2", "xlsx"])
def test_an_id_given_twice_in_a_sheet(tmp_path, fmt):
    rows = [csv_row("A"), csv_row("B"), csv_row("A", age="40")]
    if fmt.startswith("csv"):
        result = run_csv(tmp_path, rows, extra=("--jobs", "2") if fmt == "csv2" else ())
    else:
        openpyxl = pytest.importorskip("openpyxl")
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(HEADER.split(","))
        for row in rows:
            sheet.append(row.split(","))
        path = tmp_path / "in.xlsx"
        book.save(path)
        result = kaohe("evaluate", JX, "-e", "teacher", "-i", path, "--as-of", AS_OF)
    out = outputs(result.stdout)
    assert [o.get("error", {}).get("code") for o in out] == [None, None, "input.duplicate-id"], out
    assert "2" in out[2]["error"]["message"]  # the data row of the first A: line 2 of the sheet


def test_unique_key_false_lets_one_key_have_several_records(tmp_path):
    text = JX_TEXT.replace("  teacher:\n", "  teacher:\n    unique_key: false\n", 1)
    assert text != JX_TEXT
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    result = kaohe("evaluate", path, "-e", "teacher", "-i", _jsonl(tmp_path, _two_of_t1()), "--as-of", AS_OF)
    assert all("error" not in o for o in outputs(result.stdout)), result.stdout


# --- yes/no: one documented list, extended by the policy ---------------------------------------


@pytest.mark.parametrize("word", ["N", "f", "无", "×", "Y", "t", "有", "√"])
def test_undocumented_yes_no_words_are_refused(jiangxi, word):
    refused(jiangxi, teacher(opted_in=word, age=56, gender="M"), "opted_in")


def test_a_policy_may_add_yes_no_words(tmp_path):
    marker = "opted_in: {type: boolean, "
    assert marker in JX_TEXT
    text = JX_TEXT.replace(marker, marker + "yes_words: [有, √], no_words: [无, ×], ", 1)
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    policy = engine.load_policy(path)
    coerce = build_coercer(policy.spec.entities["teacher"].inputs["opted_in"])
    for word, expected in (("有", True), ("√", True), ("无", False), ("×", False), ("是", True)):
        assert coerce(word) is expected
    refused(policy, teacher(opted_in="Y"), "opted_in")


# --- normalisations in the run summary -----------------------------------------------------------


def test_the_run_summary_counts_normalisations(tmp_path):
    rows = [csv_row("W", age="３５"), csv_row("K", hours='"1,200"')]
    result = run_csv(tmp_path, rows, encoding="gbk")
    assert "全角数字 1 个" in result.stderr or "full-width digits 1" in result.stderr, result.stderr
    assert "千位分隔符 1 个" in result.stderr or "thousands separators 1" in result.stderr, result.stderr
    assert "GBK" in result.stderr


# --- the README's table of spellings -----------------------------------------------------------


def test_the_readme_lists_the_yes_no_words_the_reader_takes():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| boolean"))
    words = set(re.findall(r"`([^`]+)`", row))
    assert words >= TRUE_WORDS | FALSE_WORDS, (TRUE_WORDS | FALSE_WORDS) - words
    assert POLICIES.is_dir() and isinstance(Path(JX), Path)
