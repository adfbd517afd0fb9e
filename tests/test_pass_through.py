"""Pass-through columns named in a policy (``pass_through:``) or on the command line: carried
from each input record to its result in every output format, on the row and the columnar
engine and with --members; a column some records lack is one warning after the run."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from click.testing import CliRunner

import engine
from cli import main

from .conftest import POLICIES, ROOT

JX = str(POLICIES / "jiangxi.yaml")
JS = str(POLICIES / "jiangsu.yaml")
AS_OF = ["--as-of", "2020-06-30"]


def _teachers(tmp_path, name="in.csv", drop_school_at=None) -> tuple:
    """jiangxi's example teachers with 姓名 and 学校 columns; (path, the names in order)."""
    rows = list(csv.DictReader((ROOT / "examples" / "jiangxi" / "teachers.csv").open(encoding="utf-8")))
    names = [f"教师{i}" for i in range(len(rows))]
    out = []
    for i, row in enumerate(rows):
        record = {"姓名": names[i], "学校": "莲塘一小" if i % 2 else "城关中学", **row}
        if i == drop_school_at:
            del record["学校"]
        out.append(record)
    path = tmp_path / name
    if name.endswith(".csv"):
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, list(out[0]))
            writer.writeheader()
            writer.writerows(out)
    else:
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out), encoding="utf-8")
    return path, names


def _run(*args, lang="en"):
    result = CliRunner().invoke(main, [*map(str, args), "--lang", lang] if args[0] == "evaluate" else list(args))
    assert result.exit_code in (0, 1), result.output
    return result


def test_the_shipped_policies_name_their_rosters_columns():
    jiangxi = engine.load_policy(JX).spec.entities
    assert [p.column for p in jiangxi["teacher"].pass_through] == ["姓名", "学校"]
    jiangsu = engine.load_policy(JS).spec.entities
    assert [p.column for p in jiangsu["teacher"].pass_through] == ["姓名"]  # 学校 and 学科 are its inputs
    guangxi = engine.load_policy(POLICIES / "guangxi.yaml").spec.entities
    assert [p.column for p in guangxi["teacher"].pass_through] == ["姓名", "学校", "学段"]  # from national


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_json_outputs_carry_the_policys_columns_without_an_option(tmp_path, fmt):
    src, names = _teachers(tmp_path)
    out = _run("evaluate", JX, "-e", "teacher", "-i", src, "-f", fmt, *AS_OF).stdout
    data = json.loads(out) if fmt == "json" else [json.loads(line) for line in out.splitlines()]
    assert [d["columns"]["姓名"] for d in data] == names
    assert {d["columns"]["学校"] for d in data} == {"莲塘一小", "城关中学"}


def test_csv_and_table_carry_them_beside_the_id(tmp_path):
    src, names = _teachers(tmp_path)
    out = _run("evaluate", JX, "-e", "teacher", "-i", src, "-f", "csv", *AS_OF).stdout
    rows = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
    assert list(rows[0])[:3] == ["id", "姓名", "学校"] and [r["姓名"] for r in rows] == names
    table = _run("evaluate", JX, "-e", "teacher", "-i", src, "-f", "table", *AS_OF).stdout.splitlines()
    assert all(name in line for name, line in zip(names, table[1:], strict=True))


def test_xlsx_carries_the_policys_columns_and_the_sheets_others(tmp_path):
    src, names = _teachers(tmp_path)
    _run("evaluate", JX, "-e", "teacher", "-i", src, "-o", tmp_path / "out.xlsx", *AS_OF)
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx").active
    header = [c.value for c in sheet[1]]
    assert header[1:3] == ["姓名", "学校"]
    assert [sheet.cell(r, 2).value for r in range(2, sheet.max_row + 1)] == names


def test_the_command_line_adds_to_the_policys_list(tmp_path):
    src, _ = _teachers(tmp_path, "in.jsonl")
    lines = src.read_text(encoding="utf-8").splitlines()
    src.write_text("".join(json.dumps({**json.loads(t), "学段": "小学"}) + "\n" for t in lines), encoding="utf-8")
    out = _run("evaluate", JX, "-e", "teacher", "-i", src, "--pass-through", "学段", *AS_OF).stdout
    first = json.loads(out.splitlines()[0])
    assert list(first["columns"]) == ["姓名", "学校", "学段"]  # the policy's first, then the option's


def test_a_spelling_declared_in_the_policy_is_read_under_the_columns_header(tmp_path):
    text = (POLICIES / "jiangxi.yaml").read_text(encoding="utf-8")
    policy = tmp_path / "jx.yaml"
    policy.write_text(
        text.replace("pass_through: [姓名, 学校]", "pass_through: [{column: 姓名, columns: [教师姓名]}]", 1)
    )
    assert "教师姓名" in policy.read_text(encoding="utf-8")
    src, names = _teachers(tmp_path, "in.jsonl")
    lines = src.read_text(encoding="utf-8").splitlines()
    renamed = [{("教师姓名" if k == "姓名" else k): v for k, v in json.loads(t).items()} for t in lines]
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in renamed), encoding="utf-8")
    result = _run("evaluate", policy, "-e", "teacher", "-i", src, *AS_OF)
    assert [json.loads(line)["columns"] for line in result.stdout.splitlines()] == [{"姓名": n} for n in names]
    assert "pass-through column" not in result.stderr  # found under its other spelling: nothing missing


def test_a_column_some_records_lack_is_one_warning_after_the_run(tmp_path):
    src, _ = _teachers(tmp_path, "in.jsonl", drop_school_at=2)
    result = CliRunner().invoke(main, ["evaluate", JX, "-e", "teacher", "-i", str(src), "--lang", "en", *AS_OF])
    data = [json.loads(line) for line in result.stdout.splitlines()]
    assert data[2]["columns"]["学校"] is None and data[3]["columns"]["学校"] == "莲塘一小"
    warnings = [line for line in result.stderr.splitlines() if "pass-through column" in line]
    assert warnings == [
        f"kaohe: warning: pass-through column '学校' is missing from 1 of {len(data)} record(s) of {src}; "
        "its cells are left empty"
    ]


def test_a_policys_column_a_csv_has_no_header_for_is_left_out_quietly(tmp_path):
    src = ROOT / "examples" / "jiangxi" / "teachers.csv"  # no 姓名, no 学校
    result = CliRunner().invoke(main, ["evaluate", JX, "-e", "teacher", "-i", str(src), "-f", "csv", *AS_OF])
    assert "姓名" not in result.stdout.splitlines()[0] and "pass-through" not in result.stderr


def test_a_command_line_column_that_is_an_input_is_refused(tmp_path):
    src, _ = _teachers(tmp_path)
    result = CliRunner().invoke(
        main, ["evaluate", JX, "-e", "teacher", "-i", str(src), "--pass-through", "性别", "--lang", "en", *AS_OF]
    )
    assert result.exit_code == 2
    assert "pass-through column '性别' is the input gender" in result.output


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_the_columnar_engine_carries_them_too(tmp_path, fmt):
    src, names = _teachers(tmp_path)
    row = _run("evaluate", JX, "-e", "teacher", "-i", src, "-f", fmt, *AS_OF).stdout
    columnar = _run("evaluate", JX, "-e", "teacher", "-i", src, "-f", fmt, "--engine", "duckdb", *AS_OF).stdout
    if fmt == "jsonl":
        assert [json.loads(line)["columns"]["姓名"] for line in columnar.splitlines()] == names
        assert [json.loads(line)["columns"] for line in columnar.splitlines()] == [
            json.loads(line)["columns"] for line in row.splitlines()
        ]
    else:
        rows = list(csv.DictReader(io.StringIO(columnar.lstrip("\ufeff"))))
        assert [r["姓名"] for r in rows] == names and [r["学校"] for r in rows][:2] == ["城关中学", "莲塘一小"]


def test_parquet_in_and_out_carry_them(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    src, names = _teachers(tmp_path)
    _run("evaluate", JX, "-e", "teacher", "-i", src, "-o", tmp_path / "out.parquet", *AS_OF)
    out = pq.read_table(tmp_path / "out.parquet")
    assert out.column("姓名").to_pylist() == names and out.column_names[-2:] == ["姓名", "学校"]
    # a Parquet input: its columns are read beside the results, on both paths
    pa = pytest.importorskip("pyarrow")
    rows = list(csv.DictReader(src.open(encoding="utf-8")))
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "in.parquet")
    result = _run("evaluate", JX, "-e", "teacher", "-i", tmp_path / "in.parquet", "-f", "jsonl", *AS_OF)
    assert [json.loads(line)["columns"]["姓名"] for line in result.stdout.splitlines()] == names
    _run("evaluate", JX, "-e", "teacher", "-i", tmp_path / "in.parquet", "-o", tmp_path / "o2.parquet", *AS_OF)
    assert pq.read_table(tmp_path / "o2.parquet").column("学校").to_pylist()[:2] == ["城关中学", "莲塘一小"]


def _jiangsu_teachers(tmp_path):
    lines = (ROOT / "examples" / "jiangsu" / "teachers.csv").read_text(encoding="utf-8").splitlines()
    body = [line + f",老师{i},小学" for i, line in enumerate(lines[1:])]
    body[-2] = body[-2].rsplit(",", 1)[0] + ",初中"  # one member of 英语组 disagrees
    path = tmp_path / "members.csv"
    path.write_text("\n".join([lines[0] + ",姓名,学段", *body]) + "\n", encoding="utf-8")
    return path, [f"老师{i}" for i in range(len(body))]


def test_members_output_carries_each_levels_columns(tmp_path):
    text = (POLICIES / "jiangsu.yaml").read_text(encoding="utf-8")
    marker = "    label: {zh: 教研组, en: Teaching-research group}\n"
    assert marker in text
    policy = tmp_path / "js.yaml"
    policy.write_text(text.replace(marker, marker + "    pass_through: [学段]\n", 1), encoding="utf-8")
    src, names = _jiangsu_teachers(tmp_path)
    result = _run("evaluate", policy, "-e", "teacher,group", "--members", src, "--as-of", "2022-10-01")
    data = [json.loads(line) for line in result.stdout.splitlines()]
    teachers = [d for d in data if d["entity"] == "teacher"]
    groups = {d["id"]: d["columns"] for d in data if d["entity"] == "group"}
    assert [t["columns"]["姓名"] for t in teachers] == names
    english = next(g for g in groups if g.endswith("英语组"))
    assert groups[english]["学段"] is None  # its members disagree: left empty
    assert {g: c["学段"] for g, c in groups.items() if g != english} == {g: "小学" for g in groups if g != english}
    csv_out = _run("evaluate", policy, "-e", "teacher,group", "--members", src, "-f", "csv", "--as-of", "2022-10-01")
    header = csv_out.stdout.lstrip("\ufeff").splitlines()[0].split(",")
    assert header[1:3] == ["姓名", "学段"]


def test_a_json_lines_input_whose_first_record_lacks_the_policys_columns_carries_none(tmp_path):
    """The first record stands for a header: the policy's columns it does not give are left
    out (so --jobs keeps parsing lines in its workers); a column named with --pass-through stays."""
    src = tmp_path / "plain.jsonl"
    src.write_text((ROOT / "examples" / "jiangxi" / "trainees.jsonl").read_text(encoding="utf-8"), encoding="utf-8")
    for jobs in ("1", "2"):
        result = _run("evaluate", JX, "-e", "trainee", "-i", src, "-j", jobs, *AS_OF)
        assert all("columns" not in json.loads(line) for line in result.stdout.splitlines())
        assert "pass-through column" not in result.stderr
    result = _run("evaluate", JX, "-e", "trainee", "-i", src, "--pass-through", "姓名", *AS_OF)
    assert all(json.loads(line)["columns"] == {"姓名": None} for line in result.stdout.splitlines())
    assert "pass-through column '姓名' is missing from" in result.stderr


def test_the_columnar_engines_xlsx_carries_them(tmp_path):
    src, names = _teachers(tmp_path)
    _run("evaluate", JX, "-e", "teacher", "-i", src, "--engine", "duckdb", "-o", tmp_path / "o.xlsx", *AS_OF)
    sheet = openpyxl.load_workbook(tmp_path / "o.xlsx").active
    assert [c.value for c in sheet[1]][1:3] == ["姓名", "学校"]
    assert [sheet.cell(r, 2).value for r in range(2, sheet.max_row + 1)] == names
