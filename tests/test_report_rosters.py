"""The report's rosters per group (inline or split into files) and PDF output."""

from __future__ import annotations

import csv
import datetime as dt
import html
import re
import shutil
import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner

import engine
from cli import main
from engine.io import read_records
from engine.tools import report as report_module
from engine.tools.report import render_report, resolve_group_by, write_report

ROOT = Path(__file__).resolve().parent.parent
JIANGSU = ROOT / "policies" / "jiangsu.yaml"
JIANGXI = ROOT / "policies" / "jiangxi.yaml"
JS_TEACHERS = ROOT / "examples" / "jiangsu" / "teachers.csv"
JS_DAY = dt.date(2022, 10, 31)


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def jiangsu():
    policy = engine.load_policy(JIANGSU)
    teacher = policy.spec.entities["teacher"]
    records = list(read_records(str(JS_TEACHERS), teacher))
    outcomes = list(policy.evaluate_many(records, "teacher", as_of=JS_DAY, trace=True))
    return policy, teacher, outcomes


def sections(text: str) -> dict:
    """Roster heading -> the ids listed under it."""
    out = {}
    for heading, body in re.findall(r'<section class="roster"><h2>([^<]*)</h2>(.*?)</section>', text, re.S):
        out[html.unescape(heading)] = re.findall(r"<tr(?: class=\"bad\")?><td>([^<]*)</td>", body)
    return out


def test_inline_rosters_one_section_per_group_each_on_a_new_page(jiangsu):
    policy, teacher, outcomes = jiangsu
    text = render_report(policy.spec, teacher, outcomes, group_by="group")
    found = sections(text)
    by_group: dict = {}
    for outcome in outcomes:
        by_group.setdefault(outcome.env["group"], []).append(outcome.id)
    assert found == {f"名册：教研组 {group}": ids for group, ids in sorted(by_group.items())}
    assert "section.roster { break-before: page; page-break-before: always; }" in text
    assert "thead { display: table-header-group; }" in text  # headers repeat on every printed page
    first = text.split('<section class="roster">', 1)[1]
    assert "<th>编号</th><th>等级</th><th" in first and "学分合计" in first
    grade = next(o for o in outcomes if o.id == "BT01").to_dict()["grade"]["label"]
    assert re.search(rf"<tr><td>BT01</td><td>{grade}</td>", text)


def test_group_by_accepts_an_inputs_chinese_label(jiangsu, tmp_path):
    _, teacher, _ = jiangsu
    assert resolve_group_by(teacher, "教研组") == "group"
    assert resolve_group_by(teacher, "group") == "group"
    assert resolve_group_by(teacher, "学段") == "学段"  # a column of the input rows
    out = tmp_path / "r.html"
    result = run(
        "report",
        JIANGSU,
        "-e",
        "teacher",
        "-i",
        JS_TEACHERS,
        "-o",
        out,
        "--group-by",
        "教研组",
        "--as-of",
        "2022-10-31",
    )
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "按教研组的等级分布" in text and "名册：教研组 语文组" in text
    bad = run("report", JIANGSU, "-e", "teacher", "-i", JS_TEACHERS, "-o", out, "--group-by", "教研祖")
    assert bad.exit_code == 2 and "did you mean '教研组'" in bad.output


def test_an_ambiguous_label_is_refused():
    entity = engine.load_policy(JIANGSU).spec.entities["teacher"]
    twin = next(iter(entity.inputs.values()))
    fake = type(entity).__new__(type(entity))
    object.__setattr__(fake, "__dict__", dict(entity.__dict__))
    object.__setattr__(fake, "inputs", {"a": twin, "b": twin})
    with pytest.raises(engine.KaoheError) as info:
        resolve_group_by(fake, twin.label.zh)
    assert "several inputs" in str(info.value)


def _school_sheet(path: Path, n: int = 30, schools: int = 3) -> list[dict]:
    """Jiangxi teachers with 姓名 and 学校 columns that are not inputs of the policy."""
    rows = []
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["工号", "姓名", "学校", "性别", "年龄", "每日使用次数", "总课时", "课堂评分"])
        for i in range(n):
            row = {"id": f"T{i:03d}", "name": f"教师{i}", "school": f"第{i % schools + 1}小学"}
            usage = ";".join(["4"] * (5 + i % 7))
            age = "abc" if i == 7 else str(30 + i % 20)  # one record that cannot be judged
            hours = "20" if i % 2 else "200"  # half of them fail: sanctions
            writer.writerow([row["id"], row["name"], row["school"], "女", age, usage, hours, "60;60;60;60;60;60"])
            rows.append(row)
    return rows


def test_split_rosters_one_file_per_school_nothing_lost(tmp_path, monkeypatch):
    sheet = tmp_path / "teachers.csv"
    rows = _school_sheet(sheet)
    out = tmp_path / "report.html"
    monkeypatch.setattr(report_module, "ROSTER_INLINE_MAX", 10)  # 30 records: auto splits
    result = run(
        "report", JIANGXI, "-e", "teacher", "-i", sheet, "-o", out, "--group-by", "学校", "--as-of", "2020-06-30"
    )
    assert result.exit_code == 1, result.output  # one record rejected
    folder = tmp_path / "report-rosters"
    files = sorted(folder.glob("*.html"))
    assert [f.name for f in files] == ["0001-第1小学.html", "0002-第2小学.html", "0003-第3小学.html"]
    main_text = out.read_text(encoding="utf-8")
    for f in files:
        assert f'href="{urllib.parse.quote("report-rosters/" + f.name)}"' in main_text
        assert 'href="../report.html"' in f.read_text(encoding="utf-8")
    assert '<section class="roster">' not in main_text
    assert "逐人明细见各名册文件" in main_text  # summaries in the report, details in the rosters
    assert "当年内不得评优评先" in main_text and '<td class="k">T000</td>' not in main_text
    seen = {}
    for f in files:
        for heading, ids in sections(f.read_text(encoding="utf-8")).items():
            for rid in ids:
                seen[rid] = heading
    assert seen == {row["id"]: f"名册：学校 {row['school']}" for row in rows}  # every record, in its school
    school_1 = files[0].read_text(encoding="utf-8")
    assert "<th>姓名</th>" in school_1 and "<td>教师0</td>" in school_1
    assert '<tr class="bad"><td>T007</td><td>教师7</td><td>未能评价</td>' in files[1].read_text(encoding="utf-8")
    # a second run replaces the folder kaohe wrote
    (folder / "0003-第3小学.html").unlink()
    again = run(
        "report", JIANGXI, "-e", "teacher", "-i", sheet, "-o", out, "--group-by", "学校", "--as-of", "2020-06-30"
    )
    assert again.exit_code == 1 and len(list(folder.glob("*.html"))) == 3


def test_large_groups_are_paged_and_a_foreign_folder_is_never_replaced(tmp_path, monkeypatch, jiangsu):
    policy, _, outcomes = jiangsu
    monkeypatch.setattr(report_module, "ROSTER_PAGE_ROWS", 2)
    written = write_report(tmp_path / "r.html", policy, "teacher", outcomes, group_by="group", rosters="split")
    names = [p.name for p in written[1:]]
    assert any(name.endswith("-2.html") for name in names)
    total = sum(len(ids) for p in written[1:] for ids in sections(p.read_text(encoding="utf-8")).values())
    assert total == len(outcomes)
    (tmp_path / "mine-rosters").mkdir()
    (tmp_path / "mine-rosters" / "notes.txt").write_text("keep me")
    with pytest.raises(engine.KaoheError) as info:
        write_report(tmp_path / "mine.html", policy, "teacher", outcomes, group_by="group", rosters="split")
    assert info.value.first.code == "report.folder"
    assert (tmp_path / "mine-rosters" / "notes.txt").read_text() == "keep me"


def test_pdf_without_a_browser_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KAOHE_BROWSER", str(tmp_path / "no-such-chromium"))
    out = tmp_path / "r.pdf"
    result = run("report", JIANGSU, "-e", "teacher", "-i", JS_TEACHERS, "-o", out, "--as-of", "2022-10-31")
    assert result.exit_code == 2
    assert "report.no-browser" in result.output and "apt-get install chromium" in result.output
    assert "Traceback" not in result.output and not out.exists()


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="/usr/bin/chromium is not installed")
def test_pdf_through_headless_chromium(tmp_path):
    sheet = tmp_path / "teachers.csv"
    _school_sheet(sheet, n=12, schools=3)
    out = tmp_path / "report.pdf"
    result = run(
        "report", JIANGXI, "-e", "teacher", "-i", sheet, "-o", out, "--group-by", "学校", "--as-of", "2020-06-30"
    )
    assert result.exit_code == 1, result.output
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page\b", data))
    assert pages >= 1 + 3  # the summaries, then each school's roster on a page of its own
    if shutil.which("pdftotext"):
        import subprocess

        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
        assert "名册" in text and "第3小学" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf", "teachers.csv"]  # no staging left
    # the same report inline in HTML has no page break before its first section only
    html_out = tmp_path / "report.html"
    run("report", JIANGXI, "-e", "teacher", "-i", sheet, "-o", html_out, "--group-by", "学校", "--as-of", "2020-06-30")
    assert html_out.read_text(encoding="utf-8").count('<section class="roster">') == 3


def test_without_rosters_a_large_run_keeps_only_the_summaries(tmp_path, monkeypatch):
    policy = engine.load_policy(JIANGXI)
    teacher = policy.spec.entities["teacher"]
    records = list(read_records(str(ROOT / "examples" / "jiangxi" / "teachers.csv"), teacher))
    outcomes = list(policy.evaluate_many(records, "teacher", as_of=dt.date(2020, 6, 30)))
    failed = [o.id for o in outcomes if o.ok and o.to_dict()["sanctions"]]
    assert failed
    small = write_report(tmp_path / "small.html", policy, "teacher", outcomes, rosters="none")[0]
    assert f'<td class="k">{failed[0]}</td>' in small.read_text(encoding="utf-8")  # details on a small run
    monkeypatch.setattr(report_module, "ROSTER_INLINE_MAX", 3)
    large = write_report(tmp_path / "large.html", policy, "teacher", outcomes, rosters="none")[0]
    text = large.read_text(encoding="utf-8")
    assert f'<td class="k">{failed[0]}</td>' not in text and "逐人明细未列出" in text
    assert "当年内不得评优评先" in text  # the sanction summary stays
    assert sorted(p.name for p in tmp_path.iterdir()) == ["large.html", "small.html"]  # no roster folder
