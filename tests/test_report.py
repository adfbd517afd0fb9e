"""The printable HTML report: engine.tools.report, rendered in a real headless browser."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import engine
from engine.io import read_records
from engine.tools.report import render_report, write_report

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2020, 6, 30)
BAD = {"id": "JX<99>&", "gender": "男", "age": "abc"}


@pytest.fixture(scope="module")
def policy():
    return engine.load_policy(ROOT / "policies" / "jiangxi.yaml")


@pytest.fixture(scope="module")
def outcomes(policy):
    teacher = policy.spec.entities["teacher"]
    records = list(read_records(str(ROOT / "examples" / "jiangxi" / "teachers.csv"), teacher)) + [BAD]
    return list(policy.evaluate_many(records, "teacher", as_of=AS_OF, trace=True))


@pytest.fixture(scope="module")
def report(tmp_path_factory, policy, outcomes):
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_report(path, policy, "teacher", outcomes)
    return path


def test_report_content(report, policy, outcomes):
    text = report.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert html.escape(policy.spec.title.zh) in text and "江西省" in text and "2020-06-30" in text
    for label in ("优秀", "合格", "不合格", "免考"):
        assert f">{label}<" in text
    # totals: 11 records, 10 evaluated, 1 rejected; 8 credits
    assert re.search(r"<b>11</b>记录数", text) and re.search(r"<b>10</b>已评价", text)
    assert re.search(r"<b>1</b>未能评价", text) and re.search(r"<b>8</b>学分合计", text)
    assert "自主（校本）培训学分" in text and "应用（培训）学分" in text
    sanctions = [(o.id, item) for o in outcomes if o.ok for item in o.to_dict()["sanctions"]]
    assert sanctions  # JX004, JX005, JX008, JX009 fail; JX005 also used it under 30%
    for record_id, item in sanctions:
        assert html.escape(item["rule"]) in text
        assert html.escape(item["clause"]) in text
        assert html.escape(item["label"]) in text
        assert f'<td class="k">{record_id}</td>' in text
    failure = outcomes[-1]
    assert not failure.ok
    assert html.escape(failure.to_dict("zh")["error"]["text"]) in text  # the reason, in the report's language
    assert "JX&lt;99&gt;&amp;" in text and "JX<99>" not in text  # escaped


def test_report_is_self_contained_and_printable(report):
    text = report.read_text(encoding="utf-8")
    assert text.count("<svg") >= 1
    lowered = text.lower()
    for bad in (
        'src="http',
        "src='http",
        'href="http',
        "href='http",
        "@import",
        "url(",
        "<script",
        "<link",
        "http://",
        "https://",
    ):
        assert bad not in lowered, bad
    assert "@page { size: A4; margin: 15mm; }" in text
    assert "break-inside: avoid" in text and "page-break-inside: avoid" in text
    assert re.search(r"svg \{[^}]*width: 100%", text)
    assert oct(os.stat(report).st_mode & 0o777) != oct(0o600)  # not the temporary file's private mode
    assert [p.name for p in report.parent.iterdir()] == ["report.html"]  # written atomically


def test_report_groups(tmp_path):
    policy = engine.load_policy(ROOT / "policies" / "jiangsu.yaml")
    teacher = policy.spec.entities["teacher"]
    records = list(read_records(str(ROOT / "examples" / "jiangsu" / "teachers.csv"), teacher))
    traced = list(policy.evaluate_many(records, "teacher", as_of=dt.date(2022, 10, 31), trace=True))
    text = render_report(policy.spec, teacher, traced, group_by="group")
    assert "按教研组的等级分布" in text
    assert text.count("<svg") == 2
    for group in {r.env["group"] for r in traced}:
        assert f">{html.escape(group)}<" in text
    # without the records' inputs (no trace) the report says why there is no grouping
    plain = list(policy.evaluate_many(records, "teacher", as_of=dt.date(2022, 10, 31)))
    text = render_report(policy.spec, teacher, plain, group_by="group")
    assert "无法分组" in text and text.count("<svg") == 1
    assert "评价日期</th><td>—" in text  # no trace, no as_of given
    text = render_report(policy.spec, teacher, plain, lang="en", as_of=dt.date(2022, 10, 31))
    assert "Grade distribution" in text and "2022-10-31" in text


def test_report_entity_without_grades(tmp_path):
    policy = engine.load_policy(ROOT / "policies" / "jiangxi.yaml")
    outcomes = policy.evaluate_many([{"id": "莲塘二中", "head_count": 40}], "host", as_of=AS_OF)
    path = tmp_path / "host.html"
    write_report(path, policy, "host", outcomes, as_of=AS_OF)
    text = path.read_text(encoding="utf-8")
    assert "该对象不评等级" in text and "全部记录均已评价" in text


# --- rendering in a real browser -------------------------------------------------------------------


def _browser() -> str | None:
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=180)


def test_report_renders_in_a_headless_browser(tmp_path, report):
    browser = _browser()
    if browser is None:
        pytest.skip("no headless browser installed: apt-get install chromium")
    url = report.resolve().as_uri()
    png = tmp_path / "report.png"
    done = _run(browser, tmp_path / "profile", f"--screenshot={png}", "--window-size=1240,1754", url)
    assert png.exists(), done.stderr[-2000:]
    assert png.stat().st_size > 10_000
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with_copy = Path("/tmp/kaohe-report.png")
    try:
        shutil.copyfile(png, with_copy)
    except OSError:
        pass
    pdf = tmp_path / "report.pdf"
    done = _run(browser, tmp_path / "profile-pdf", f"--print-to-pdf={pdf}", "--no-pdf-header-footer", url)
    assert pdf.exists(), done.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000
    # A4 pages (210 x 297 mm = 595.3 x 841.9 points), as the report's @page asks
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    assert boxes
    for width, height in boxes:
        assert abs(float(width) - 595.3) < 2 and abs(float(height) - 841.9) < 2, (width, height)


# --- values read from another spelling (issue 12: counted in the run summary and in the report) ---


def _normalised_rows(text: str) -> dict:
    """The report's rows of values read from another spelling: {spelling: count}."""
    return {html.unescape(k): int(n) for k, n in re.findall(r'<tr><td>([^<]*)</td><td class="n">(\d+)</td></tr>', text)}


@pytest.mark.parametrize(
    "lang, heading, rows",
    [
        (
            "zh",
            "按其他写法读取的值",
            {"全角数字（３５ 读作 35）": 2, "非 2021-06-30 格式的日期（2021/6/30、2021年6月30日）": 1},
        ),
        (
            "en",
            "Values read from another spelling",
            {"full-width digits (３５ read as 35)": 2, "dates not written as 2021-06-30 (2021/6/30, 2021年6月30日)": 1},
        ),
    ],
)
def test_report_shows_the_normalisation_counts_in_both_languages(policy, outcomes, lang, heading, rows):
    counts = {"full-width": 2, "thousands": 0, "date-form": 1}
    text = render_report(policy.spec, policy.spec.entities["teacher"], outcomes, lang, as_of=AS_OF, normalised=counts)
    section = text.split(f"<h2>{heading}</h2>", 1)[1].split("<h2>", 1)[0]
    assert "3" in re.search(r'<p class="note">([^<]*)</p>', section).group(1)  # 3 values in all
    assert _normalised_rows(section) == rows  # a kind with none is left out


def test_report_says_when_no_value_was_converted_and_has_no_section_unless_asked(policy, outcomes):
    entity = policy.spec.entities["teacher"]
    text = render_report(policy.spec, entity, outcomes, "en", as_of=AS_OF, normalised=dict)  # a function: read late
    assert "<h2>Values read from another spelling</h2>" in text and "none was converted" in text
    assert "按其他写法读取的值" not in render_report(policy.spec, entity, outcomes, "zh", as_of=AS_OF)


def test_kaohe_report_counts_what_the_input_spelt_otherwise(tmp_path):
    """The command line's report reads the input and counts as the run summary does: a GBK CSV
    with a full-width age and a class-hours figure with a thousands separator."""
    from .test_hostile import HEADER, JX, csv_row, kaohe

    rows = [csv_row("W1", age="３５"), csv_row("W2", age="４０"), csv_row("K1", hours='"1,200"')]
    source = tmp_path / "in.csv"
    source.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode("gbk"))
    for lang, heading in (("zh", "按其他写法读取的值"), ("en", "Values read from another spelling")):
        out = tmp_path / f"report-{lang}.html"
        result = kaohe("report", JX, "-e", "teacher", "-i", source, "-o", out, "--as-of", "2020-06-30", "--lang", lang)
        assert result.returncode in (0, 1), result.stderr
        section = out.read_text(encoding="utf-8").split(f"<h2>{heading}</h2>", 1)[1].split("<h2>", 1)[0]
        counts = sorted(_normalised_rows(section).values())
        assert counts == [1, 2, 4], section  # 1 thousands separator, 2 full-width ages, 4 lines decoded as GBK
