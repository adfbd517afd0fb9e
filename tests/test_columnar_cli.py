"""kaohe evaluate --engine duckdb from the command line: Parquet in and out, GBK CSV, long
detail tables and xlsx output give what the row engine gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("duckdb")

from click.testing import CliRunner  # noqa: E402

import cli  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
JIANGXI = str(ROOT / "policies" / "jiangxi.yaml")
DAY = "2020-06-30"

TEACHERS = [
    {"id": "A", "gender": "F", "age": 35, "opted_in": False, "class_hours": 600, "lesson_scores": [60.0] * 6},
    {"id": "B", "gender": "M", "age": 56, "opted_in": False, "class_hours": 100, "lesson_scores": [49.0] * 6},
    {"id": "C", "gender": "F", "age": 30, "opted_in": True, "class_hours": 600, "lesson_scores": [48.5, 49.5]},
    {"id": "D", "gender": "F", "age": 30, "opted_in": False, "class_hours": 0, "lesson_scores": [70.0] * 7},
    {"id": "E", "gender": "X", "age": 30, "opted_in": False, "class_hours": 10, "lesson_scores": [70.0] * 7},
]
USAGE = {"A": [4] * 120, "B": [1, 2], "C": [3] * 80, "D": [9] * 5, "E": []}


def run(*args):
    result = CliRunner().invoke(cli.main, ["evaluate", *args], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output  # 1: some records rejected
    return result


def test_parquet_in_and_out_is_the_same_on_both_engines(tmp_path):
    src = tmp_path / "t.parquet"
    pq.write_table(pa.Table.from_pylist([dict(t, daily_usage=USAGE[t["id"]]) for t in TEACHERS]), src)
    outs = {}
    for engine in ("row", "duckdb"):
        out = tmp_path / f"{engine}.parquet"
        run(JIANGXI, "-e", "teacher", "-i", str(src), "--as-of", DAY, "--engine", engine, "-o", str(out))
        outs[engine] = pq.read_table(out)
        jsonl = run(JIANGXI, "-e", "teacher", "-i", str(src), "--as-of", DAY, "--engine", engine).stdout
        outs[engine + ".jsonl"] = jsonl
    assert outs["row"].equals(outs["duckdb"])
    assert outs["row.jsonl"] == outs["duckdb.jsonl"]
    table = outs["duckdb"]
    assert table.column("grade").to_pylist()[:2] == ["excellent", "exempt"]  # 480/600 = 0.8: 30 + 60
    assert table.column("error_code").to_pylist()[3:] == ["record.invalid", "record.invalid"]  # 0 hours; gender X
    assert table.column("record").to_pylist() == [1, 2, 3, 4, 5]


def test_a_long_detail_table_fills_a_list_input(tmp_path):
    main = tmp_path / "teachers.parquet"
    pq.write_table(pa.Table.from_pylist(TEACHERS), main)
    long = tmp_path / "usage_log.parquet"
    rows = [{"id": k, "daily_usage": v} for k in ("D", "A", "B", "C") for v in USAGE[k]]  # E has no rows
    pq.write_table(pa.Table.from_pylist(rows), long)
    inline = tmp_path / "inline.jsonl"
    inline.write_text(
        "\n".join(json.dumps(dict(t, **({"daily_usage": USAGE[t["id"]]} if t["id"] != "E" else {}))) for t in TEACHERS),
        encoding="utf-8",
    )
    want = run(JIANGXI, "-e", "teacher", "-i", str(inline), "--as-of", DAY).stdout
    for engine in ("row", "duckdb"):
        got = run(
            JIANGXI,
            "-e",
            "teacher",
            "-i",
            str(main),
            "--detail",
            f"daily_usage={long}",
            "--as-of",
            DAY,
            "--engine",
            engine,
        ).stdout
        assert got == want


def test_gbk_csv_and_xlsx_output(tmp_path):
    pytest.importorskip("openpyxl")
    src = tmp_path / "schools.csv"
    src.write_bytes(
        "id,score,backbone_team_size,backbone_list_date\n莲塘二中,89.5,4,2019-11-24\n莲塘三中,７０,,\n一中,101,5,2019/11/30\n".encode(
            "gbk"
        )
    )
    row = run(JIANGXI, "-e", "school", "-i", str(src), "--as-of", DAY).stdout
    duck = run(JIANGXI, "-e", "school", "-i", str(src), "--as-of", DAY, "--engine", "duckdb").stdout
    assert row == duck and "莲塘二中" in duck
    import openpyxl

    sheets = {}
    for engine in ("row", "duckdb"):
        out = tmp_path / f"{engine}.xlsx"
        run(JIANGXI, "-e", "school", "-i", str(src), "--as-of", DAY, "--engine", engine, "-f", "xlsx", "-o", str(out))
        book = openpyxl.load_workbook(out)
        sheets[engine] = [[[c.value for c in r] for r in ws.iter_rows()] for ws in book.worksheets]
    assert sheets["row"] == sheets["duckdb"]


def test_an_entity_the_plan_cannot_express_says_so_and_runs_on_the_row_engine(tmp_path):
    src = tmp_path / "s.jsonl"
    src.write_text(json.dumps({"id": "郑州"}) + "\n", encoding="utf-8")
    policy = str(ROOT / "policies" / "henan.yaml")  # a city's counts come from its trainees
    res = CliRunner().invoke(cli.main, ["evaluate", policy, "-e", "city", "-i", str(src), "--engine", "duckdb"])
    assert "row engine" in res.output


@pytest.mark.parametrize(
    "lang, expected",
    [
        ("en", "kaohe: entity city runs on the row engine because the columnar plan cannot express aggregates over"),
        ("zh", "kaohe：评价对象 city 改用逐条引擎，因为列式计划无法表达：对成员的汇总"),
    ],
)
def test_the_row_engine_notice_is_in_the_officers_language(tmp_path, lang, expected):
    src = tmp_path / "s.jsonl"
    src.write_text(json.dumps({"id": "郑州"}) + "\n", encoding="utf-8")
    policy = str(ROOT / "policies" / "henan.yaml")
    args = ["evaluate", policy, "-e", "city", "-i", str(src), "--engine", "duckdb", "--lang", lang]
    assert expected in CliRunner().invoke(cli.main, args).output


@pytest.mark.parametrize(
    "extra, expected",
    [
        (["--detail", "usage"], "--detail 的格式应为 NAME=FILE，实为「usage」"),
        (["--engine", "duckdb", "--pass-through", "工号"], "附带列「工号」是输入 id（工号）"),
    ],
)
def test_columnar_usage_errors_come_from_the_catalogue(tmp_path, extra, expected):
    src = tmp_path / "t.jsonl"
    src.write_text(json.dumps(TEACHERS[0]) + "\n", encoding="utf-8")
    res = CliRunner().invoke(cli.main, ["evaluate", JIANGXI, "-e", "teacher", "-i", str(src), "--lang", "zh", *extra])
    assert res.exit_code == 2 and expected in res.output


def test_sql_names_an_unknown_dialect():
    res = CliRunner(env={"KAOHE_LANG": "en"}).invoke(cli.main, ["sql", JIANGXI, "-e", "teacher", "--dialect", "nope"])
    assert res.exit_code == 2 and "unknown SQL dialect 'nope'" in res.output


@pytest.mark.parametrize("strict", [[], ["--strict"]])
def test_a_cut_csv_line_is_flagged_or_refused_on_either_engine(tmp_path, strict):
    src = tmp_path / "cut.csv"
    src.write_text("id,gender,age,opted_in,class_hours\nA,F,35,false,600\nB,M,56,false,100", encoding="utf-8")
    outs = {}
    for engine in ("row", "duckdb"):
        args = [
            "evaluate",
            JIANGXI,
            "-e",
            "teacher",
            "-i",
            str(src),
            "--as-of",
            DAY,
            "--engine",
            engine,
            "--lang",
            "en",
        ]
        res = CliRunner().invoke(cli.main, [*args, *strict])
        outs[engine] = [json.loads(line) for line in res.stdout.splitlines()]
        assert ("may be cut short" in res.stderr) == (not strict)
    assert outs["row"] == outs["duckdb"]
    last = outs["duckdb"][-1]
    assert (last.get("error", {}).get("code") == "input.cut-line") == bool(strict)


# -- the readers' checks on Parquet: repeated keys, the shared limits ---------------------------------

KEYS = ["A", "B", "C", " A", "B ", "\u3000C", "x" * 300, "", None]


def _records(picks):
    """Teacher records with the given keys (None: no key), some with a text over the limit."""
    out = []
    for i, (key, long) in enumerate(picks):
        record = dict(TEACHERS[i % 3], daily_usage=[4] * 100)
        record["id"] = key
        if long:
            record["gender"] = "女" * 4097  # 4,097 characters, 12,291 bytes
        out.append(record)
    return out


def _errors(lines: str, source: str) -> list:
    """(code, message, file) of each outcome's error (None for a result), file names cut to
    the base name (the two inputs differ in their extension only)."""
    out = []
    for line in lines.splitlines():
        err = json.loads(line).get("error")
        out.append(None if err is None else (err["code"], err["message"], err["problems"][0].get("file") == source))
    return out


@pytest.mark.parametrize(
    "picks",
    [
        [("A", False), ("B", False), ("A", False), ("B", False), ("C", False)],  # SQL finds the repeats
        [("A", False), (" A", False), ("B ", False), ("B", False), ("\u3000C", False), ("C", False)],  # stripped keys
        [("A", True), ("A", False), ("A", False), ("x" * 300, False), ("", False), ("", False), (None, False)],
        [(None, False), ("C", True), ("C", True), ("C", False), ("C", False)],
    ],
    ids=["repeats", "stripped", "limits-then-repeat", "empty-keys"],
)
def test_parquet_refuses_what_the_jsonl_reader_refuses(tmp_path, picks):
    """A Parquet input is checked as a JSON Lines input is: a repeated key refuses the later
    record naming the first (keys compared as read: `` A`` is A), a record over the shared
    limits is refused (and does not count as the key's first), on both engines, with the same
    codes and text; row numbers stand for line numbers."""
    records = _records(picks)
    jsonl = tmp_path / "t.jsonl"
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    parquet = tmp_path / "t.parquet"
    pq.write_table(pa.Table.from_pylist(records), parquet)
    common = [JIANGXI, "-e", "teacher", "--as-of", DAY]
    want = _errors(run(*common, "-i", str(jsonl)).stdout, str(jsonl))
    assert any(w is not None and w[0] == "input.duplicate-id" for w in want)
    for engine in ("row", "duckdb"):
        got = _errors(run(*common, "-i", str(parquet), "--engine", engine).stdout, str(parquet))
        assert got == want, engine
        out = tmp_path / f"{engine}.parquet"
        run(*common, "-i", str(parquet), "--engine", engine, "-o", str(out))
        table = pq.read_table(out)
        codes = [w[0] if w else None for w in want]
        assert table.column("error_code").to_pylist()[: len(codes)] == codes
        messages = [w[1] if w else None for w in want]
        assert table.column("error_message").to_pylist() == messages


def test_evaluate_table_refuses_repeated_keys_as_the_readers_do():
    import datetime as dt

    import engine

    policy = engine.load_policy(JIANGXI)
    records = _records([("A", False), ("B", False), (" A", False), ("A", True), ("B", False)])
    got = policy.evaluate_table(pa.Table.from_pylist(records), "teacher", as_of=dt.date(2020, 6, 30))
    assert got.column("error_code").to_pylist() == [
        None,
        None,
        "input.duplicate-id",
        "input.field-too-long",
        "input.duplicate-id",
    ]
    assert got.column("error_message").to_pylist()[2] == "line 3 repeats id 'A', first given on line 1"
    assert got.column("error_message").to_pylist()[4] == "line 5 repeats id 'B', first given on line 2"


@pytest.mark.parametrize(
    "policy, levels, members, day",
    [
        ("jiangsu", "teacher,group,school", "examples/jiangsu/teachers.csv", "2022-06-30"),
        ("henan", "trainee,city,contractor_rates", "examples/henan/trainees.csv", "2021-08-01"),
        ("guangxi", "teacher,county", "examples/guangxi/teachers.csv", "2021-12-31"),
    ],
)
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_members_levels_on_duckdb_are_the_row_engines(tmp_path, policy, levels, members, day, fmt):
    """--members with --engine duckdb: every level (the members and their groups) is the
    row engine's output, byte for byte, pass-through columns included."""
    outputs = {}
    for engine in ("row", "duckdb"):
        out = tmp_path / f"{engine}.{fmt}"
        args = [str(ROOT / "policies" / f"{policy}.yaml"), "-e", levels, "--members", str(ROOT / members)]
        result = run(*args, "--as-of", day, "--engine", engine, "-o", str(out), "--lang", "en")
        outputs[engine] = out.read_bytes()
        if engine == "duckdb":  # every level is a plan: no notice
            assert "row engine" not in result.output
    assert outputs["row"] == outputs["duckdb"]
    assert len(outputs["row"].splitlines()) > 10


def test_members_on_duckdb_decide_the_groups_in_the_query(tmp_path, monkeypatch):
    """The example groups of Jiangsu are decided by the query: no member is judged by the
    row engine for them."""
    from engine.runtime.policy import Policy

    calls = []
    real = Policy.member_outcome
    monkeypatch.setattr(Policy, "member_outcome", lambda *a, **k: calls.append(a[2]) or real(*a, **k))
    out = tmp_path / "g.jsonl"
    args = [str(ROOT / "policies" / "jiangsu.yaml"), "-e", "group,school"]
    run(
        *args,
        "--members",
        str(ROOT / "examples/jiangsu/teachers.csv"),
        "--as-of",
        "2022-06-30",
        "--engine",
        "duckdb",
        "-o",
        str(out),
    )
    groups = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert groups and all("grade" in g for g in groups)
    assert calls == []


@pytest.mark.parametrize("suffix", ["jsonl", "csv"])
def test_jobs_workers_on_duckdb_give_the_row_engines_output(tmp_path, suffix, monkeypatch):
    """--engine duckdb --jobs 2: each worker runs the plan on its chunks; the output is the
    row engine's byte for byte, refused lines, repeated ids and odd values included."""
    from engine.io import parallel

    rows = [dict(t, id=f"{t['id']}{i}") for i in range(40) for t in TEACHERS]
    rows[7]["age"] = "abc"  # refused by the row engine, with its message
    rows[9]["id"] = rows[3]["id"]  # a repeated id, across the workers' chunks
    src = tmp_path / f"t.{suffix}"
    if suffix == "jsonl":
        lines = [json.dumps(r, ensure_ascii=False) for r in rows]
        lines.insert(20, "{not json")
        src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        head = list(TEACHERS[0])
        cells = [
            ",".join(";".join(map(str, r[h])) if isinstance(r[h], list) else str(r[h]) for h in head) for r in rows
        ]
        src.write_text(",".join(head) + "\n" + "\n".join(cells) + "\n", encoding="utf-8")
    monkeypatch.setattr(parallel, "DUCK_CHUNK", 50)  # several chunks per worker
    outputs = {}
    for engine in ("row", "duckdb"):
        out = tmp_path / f"{engine}.jsonl"
        run(JIANGXI, "-e", "teacher", "-i", str(src), "--as-of", DAY, "--engine", engine, "--jobs", "2", "-o", str(out))
        outputs[engine] = out.read_bytes()
    assert outputs["row"] == outputs["duckdb"]
    assert b"input.duplicate-id" in outputs["row"] and b'"grade"' in outputs["row"]
