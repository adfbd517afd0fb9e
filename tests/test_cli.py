"""The kaohe command line, through click's CliRunner."""

from __future__ import annotations

import json

from click.testing import CliRunner

from cli import EXIT_POLICY, EXIT_REJECTED, main

from .conftest import POLICIES, ROOT

JX = str(POLICIES / "jiangxi.yaml")
EXAMPLE = str(ROOT / "examples" / "jiangxi" / "teachers.csv")


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_validate_ok():
    result = run("validate", JX)
    assert result.exit_code == 0 and "ok" in result.output


def test_validate_reports_location(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (POLICIES / "jiangxi.yaml")
        .read_text(encoding="utf-8")
        .replace("expr: len(lesson_scores)", "expr: len(lesson_scroes)"),
        encoding="utf-8",
    )
    result = run("validate", str(bad))
    assert result.exit_code == EXIT_POLICY
    assert f"{bad}:" in result.output and "expr.unknown-name" in result.output
    assert "did you mean 'lesson_scores'" in result.output
    assert "Traceback" not in result.output


def test_evaluate_bundled_example():
    result = run("evaluate", JX, "--entity", "teacher", "--input", EXAMPLE)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    grades = {line["id"]: line["grade"]["code"] for line in lines}
    assert grades == {
        "JX001": "pass",
        "JX002": "excellent",
        "JX003": "pass",
        "JX004": "fail",
        "JX005": "fail",
        "JX006": "exempt",
        "JX007": "excellent",
        "JX008": "fail",
        "JX009": "fail",
        "JX010": "excellent",
    }
    by_id = {line["id"]: line for line in lines}
    assert [s["code"] for s in by_id["JX005"]["sanctions"]] == [
        "no_awards",
        "registration_deferred",
        "no_annual_excellent",
    ]
    assert by_id["JX002"]["credit_total"] == 2 and by_id["JX001"]["credit_total"] == 1
    assert "10 evaluated, 0 rejected" in result.stderr


def test_bad_records_are_output_in_place_and_exit_non_zero(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"id":"A","gender":"F","age":30,"daily_usage":[4],"class_hours":10,"lesson_scores":[60,60,60,60,60,60]}\n'
        '{"id":"B","gender":"X","age":30}\n'
        "not json\n"
        '{"id":"C","gender":"M","age":60}\n',
        encoding="utf-8",
    )
    result = run("evaluate", JX, "-e", "teacher", "-i", str(src))
    assert result.exit_code == EXIT_REJECTED
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line.get("id") for line in lines] == ["A", "B", None, "C"]
    assert lines[1]["error"]["field"] == "gender"
    assert "not valid JSON" in lines[2]["error"]["message"]
    assert "2 evaluated, 2 rejected" in result.stderr


def test_gbk_csv_is_read(tmp_path):
    text = (ROOT / "examples" / "jiangxi" / "teachers.csv").read_text(encoding="utf-8")
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(text.encode("gbk"))
    result = run("evaluate", JX, "-e", "teacher", "-i", str(gbk), "-f", "csv")
    assert result.exit_code == 0
    assert "JX006,teacher,exempt,免考" in result.stdout


def test_gbk_csv_with_a_corrupt_row(tmp_path):
    text = (ROOT / "examples" / "jiangxi" / "teachers.csv").read_text(encoding="utf-8")
    lines = text.encode("gbk").split(b"\n")
    lines.insert(3, b"JX999,\xff\xfe\xff,40,,4,100,60\r")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\n".join(lines))
    result = run("evaluate", JX, "-e", "teacher", "-i", str(bad))
    assert result.exit_code == EXIT_REJECTED
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(outputs) == 11
    assert sum("error" in o for o in outputs) == 1
    assert outputs[2]["error"]["code"] == "input.encoding"


def test_explain_prints_rules_clauses_and_hint():
    record = json.dumps(
        {
            "id": "T",
            "gender": "F",
            "age": 30,
            "daily_usage": [4] * 14 + [2],
            "class_hours": 150,
            "lesson_scores": [50] * 6,
        }
    )
    result = run("explain", JX, "-e", "teacher", "-r", record)
    assert result.exit_code == 0
    assert "[JX-A2]" in result.output and "不合格" in result.output
    assert "每日使用次数最多计为4次" in result.output or "不合格者不计分" in result.output
    assert "即可达到合格" in result.output


def test_output_file_is_written_atomically(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n")
    result = run("evaluate", JX, "-e", "teacher", "-i", EXAMPLE, "-o", str(out))
    assert result.exit_code == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 10
    assert not list(tmp_path.glob(".out.jsonl.*"))


def test_unknown_entity_is_a_usage_error():
    result = run("evaluate", JX, "-e", "teachr", "-i", EXAMPLE)
    assert result.exit_code == 2 and "did you mean 'teacher'" in result.stderr


def test_every_output_line_matches_the_published_result_schema(tmp_path):
    import jsonschema

    schema = json.loads((ROOT / "schemas" / "result.schema.json").read_text(encoding="utf-8"))
    src = tmp_path / "mixed.jsonl"
    src.write_text('{"id":"B","gender":"X","age":30}\n', encoding="utf-8")
    outputs = run("evaluate", JX, "-e", "teacher", "-i", EXAMPLE, "--trace").stdout.splitlines()
    outputs += run("evaluate", JX, "-e", "teacher", "-i", str(src)).stdout.splitlines()
    outputs += run(
        "evaluate", JX, "-e", "school", "-i", str(ROOT / "examples" / "jiangxi" / "schools.csv")
    ).stdout.splitlines()
    assert len(outputs) == 15
    for line in outputs:
        jsonschema.validate(json.loads(line), schema)


def test_jobs_two_gives_the_same_output_in_order(tmp_path):
    import engine.io.parallel as parallel

    lines = [
        json.dumps(
            {
                "id": f"T{i}",
                "gender": "MF"[i % 2],
                "age": 30 + i % 30,
                "daily_usage": [i % 6] * 150,
                "class_hours": 500,
                "lesson_scores": [40 + i % 30] * 6,
            }
        )
        for i in range(450)
    ]
    lines[123] = "{broken"
    src = tmp_path / "many.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    old = parallel.CHUNK
    parallel.CHUNK = 100
    try:
        one = run("evaluate", JX, "-e", "teacher", "-i", str(src), "--as-of", "2020-06-30")
        two = run("evaluate", JX, "-e", "teacher", "-i", str(src), "--as-of", "2020-06-30", "--jobs", "2")
    finally:
        parallel.CHUNK = old
    assert one.exit_code == two.exit_code == EXIT_REJECTED
    assert one.stdout == two.stdout
    assert len(two.stdout.splitlines()) == 450
    assert json.loads(two.stdout.splitlines()[123])["error"]["record"] == 124


def test_validate_every_shipped_file_including_case_files():
    files = sorted(str(p) for p in POLICIES.glob("*.yaml"))
    result = run("validate", *files)
    assert result.exit_code == 0, result.output
    assert "test cases for jiangxi-jiaoxuetong-2019" in result.output
    assert "built on national-2019" in result.output


def test_report_command_writes_a_self_contained_html(tmp_path):
    out = tmp_path / "report.html"
    result = run(
        "report",
        str(POLICIES / "jiangsu.yaml"),
        "-e",
        "teacher",
        "-i",
        str(ROOT / "examples" / "jiangsu" / "teachers.csv"),
        "-o",
        str(out),
        "--group-by",
        "group",
        "--as-of",
        "2022-10-31",
    )
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "<svg" in html and "语文组" in html and "JS-10" in html
    assert 'src="http' not in html and 'href="http' not in html


def test_report_refuses_an_unknown_group_by_in_both_languages(tmp_path):
    args = [
        "report",
        str(POLICIES / "jiangsu.yaml"),
        "-e",
        "teacher",
        "-i",
        str(ROOT / "examples" / "jiangsu" / "teachers.csv"),
    ]
    args += ["-o", str(tmp_path / "r.html"), "--group-by", "grop", "--as-of", "2022-10-31"]
    english = run(*args, "--lang", "en")
    assert english.exit_code == 2
    assert "usage.group-by: 'grop' is not an input of teacher" in english.output
    assert "did you mean 'group'?" in english.output
    chinese = run(*args, "--lang", "zh")
    assert "usage.group-by: 「grop」不是 teacher 的输入" in chinese.output
    assert "是否应为「group」？" in chinese.output
    assert not (tmp_path / "r.html").exists()


def test_xlsx_in_and_out_without_renaming_columns(tmp_path):
    import openpyxl

    out = tmp_path / "out.xlsx"
    result = run(
        "evaluate",
        JX,
        "-e",
        "teacher",
        "-i",
        str(ROOT / "examples" / "jiangxi" / "teachers.xlsx"),
        "-f",
        "xlsx",
        "-o",
        str(out),
        "--as-of",
        "2020-06-30",
    )
    assert result.exit_code == 0, result.output
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("编号", "等级") and len(rows) == 11
    assert {row[0]: row[1] for row in rows[1:]}["JX006"] == "免考"


def test_unknown_and_missing_columns_are_named_by_header(tmp_path):
    src = tmp_path / "c.csv"
    src.write_text("工号,性别,年令,每日使用次数,总课时,课堂评分\nA,男,30,4,10,60;60;60;60;60;60\n", encoding="utf-8")
    result = run("evaluate", JX, "-e", "teacher", "-i", str(src), "--as-of", "2020-06-30")
    assert "column '年令' is not an input of teacher" in result.stderr and "did you mean '年龄'" in result.stderr
    assert "add a column '年龄'" in result.stderr


def test_messages_follow_the_policys_language_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("KAOHE_LANG", raising=False)
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (POLICIES / "jiangxi.yaml")
        .read_text(encoding="utf-8")
        .replace("expr: len(lesson_scores)", "expr: len(lesson_scroes)")
        .replace('- {range: "[0.50, 0.60)", value: 21', '- {range: "[0.51, 0.60)", value: 21'),
        encoding="utf-8",
    )
    result = run("validate", str(bad))
    assert result.exit_code == EXIT_POLICY
    assert "表达式中有未声明的名称「lesson_scroes」" in result.output and "是否应为「lesson_scores」？" in result.output
    assert "之间在 0.5 处有空档" in result.output and "提示：" in result.output
    english = run("validate", "--lang", "en", str(bad))
    assert "unknown name 'lesson_scroes'" in english.output and "did you mean 'lesson_scores'?" in english.output
    ok = run("evaluate", JX, "-e", "teacher", "-i", EXAMPLE, "-f", "table")
    assert "共 10 条记录，已评价 10 条，拒绝 0 条" in ok.stderr
    src = tmp_path / "in.jsonl"
    src.write_text('{"id":"B","gender":"X","age":30}\n', encoding="utf-8")
    table = run("evaluate", JX, "-e", "teacher", "-i", str(src), "-f", "table")
    assert "错误" in table.stdout and "字段 gender（性别）取值无效" in table.stdout
    line = json.loads(run("evaluate", JX, "-e", "teacher", "-i", str(src)).stdout)
    assert line["error"]["message"].startswith("field gender (性别)")  # stable English for other tools
    assert line["error"]["text"].startswith("字段 gender（性别）取值无效")


def test_one_teachers_spreadsheet_gives_all_three_levels():
    result = run(
        "evaluate",
        str(POLICIES / "jiangsu.yaml"),
        "-e",
        "teacher,group,school",
        "--members",
        str(ROOT / "examples" / "jiangsu" / "teachers.csv"),
        "--as-of",
        "2022-10-31",
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["entity"] for line in lines] == ["teacher"] * 13 + ["group"] * 4 + ["school"]
    grades = {(line["entity"], line["id"]): line["grade"]["code"] for line in lines}
    assert grades[("teacher", "BT01")] == "excellent" and grades[("group", "白塔小学 / 数学组")] == "pass"
    assert grades[("school", "白塔小学")] == "fail"
    mixed = run(
        "evaluate",
        str(POLICIES / "jiangsu.yaml"),
        "-e",
        "group,school",
        "--members",
        str(ROOT / "examples" / "jiangsu" / "teachers.csv"),
        "--as-of",
        "2022-10-31",
        "-f",
        "table",
    )
    assert mixed.stdout.splitlines()[0].split()[0] == "对象"


def test_every_region_outputs_match_the_published_result_schema():
    import jsonschema

    schema = json.loads((ROOT / "schemas" / "result.schema.json").read_text(encoding="utf-8"))
    ex = ROOT / "examples"
    runs = [
        ("jiangsu", ["-e", "teacher,group,school", "--members", str(ex / "jiangsu" / "teachers.csv")]),
        ("guangxi", ["-e", "school", "-i", str(ex / "guangxi" / "schools.csv")]),
        ("guangxi", ["-e", "county", "--members", str(ex / "guangxi" / "teachers.csv")]),
        ("henan", ["-e", "contractor", "-i", str(ex / "henan" / "contractors.csv")]),
        ("henan", ["-e", "trainee,city,contractor_rates", "--members", str(ex / "henan" / "trainees.csv")]),
    ]
    count = 0
    for region, args in runs:
        result = run("evaluate", str(POLICIES / f"{region}.yaml"), *args, "--as-of", "2022-06-30", "--trace")
        assert result.exit_code == 0, (region, result.output)
        for line in result.stdout.splitlines():
            jsonschema.validate(json.loads(line), schema)
            count += 1
    assert count == 18 + 6 + 1 + 9 + 13


def test_a_day_outside_the_period_names_the_command_line_options():
    """The library's hint names as_of=; the command line says its own options, in both languages."""
    for lang, words in (("en", "--allow-outside-period"), ("zh", "--allow-outside-period 强制评价")):
        result = run("evaluate", JX, "-e", "teacher", "-i", EXAMPLE, "--as-of", "2019-01-01", "--lang", lang)
        assert result.exit_code == 2
        assert "usage.period" in result.output and words in result.output
        assert "allow_outside=True" not in result.output


def test_the_table_speaks_the_output_language():
    def head(result):
        return next(line for line in result.output.splitlines() if not line.startswith("kaohe")).split()

    zh = run("evaluate", JX, "-e", "teacher", "-i", EXAMPLE, "--format", "table", "--lang", "zh")
    assert head(zh) == ["编号", "等级", "学分", "处分/义务"]
    en = run("evaluate", JX, "-e", "teacher", "-i", EXAMPLE, "--format", "table", "--lang", "en")
    assert head(en) == ["id", "grade", "credits", "sanctions"]
