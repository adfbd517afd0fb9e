"""The officers' page and the policy editor, driven in a real browser as a person would use them.

The test starts ``kaohe serve`` itself on a free localhost port, drives Debian's chromium
through Playwright (never a downloaded browser) and saves screenshots in its tmp_path.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
JX = "jiangxi-jiaoxuetong-2019"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is absent (apt-get install chromium)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pytest.importorskip("uvicorn", reason="kaohe serve needs the 'serve' extra")
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    env = {k: v for k, v in os.environ.items() if k != "KAOHE_TOKEN"}
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "cli.py"), "serve", "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                    if json.load(response)["status"] == "ok":
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("kaohe serve did not start:\n" + log.read_text())
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.problems = problems
    yield page
    context.close()


def teachers_xlsx() -> Path:
    path = ROOT / "examples/jiangxi/teachers.xlsx"
    if not path.exists():
        subprocess.run([sys.executable, str(ROOT / "examples/make_xlsx.py")], check=True, cwd=ROOT)
    return path


def expected_results() -> list:
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "cli.py"),
            "evaluate",
            str(ROOT / "policies/jiangxi.yaml"),
            "-e",
            "teacher",
            "-i",
            str(teachers_xlsx()),
            "--as-of",
            "2020-06-30",
            "-f",
            "json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout)


def test_an_officer_uploads_the_county_spreadsheet(server, page, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from playwright.sync_api import expect

    expected = expected_results()
    page.goto(f"{server}/?policy={JX}")
    page.wait_for_selector("#entity option[value=teacher]", state="attached")
    assert page.locator("h1").inner_text() == "考核评定"  # Chinese by default
    assert page.locator("#rules tbody tr").count() > 5
    page.fill("#as-of", "2020-06-30")
    page.set_input_files("#file", str(teachers_xlsx()))
    page.click("#run")
    page.wait_for_selector("#results tbody tr")
    page.screenshot(path=str(tmp_path / "1-results.png"), full_page=True)

    # the table: one row per teacher, with the grade the CLI gives
    rows = page.locator("#results tbody tr")
    assert rows.count() == len(expected)
    first = expected[0]
    row = page.locator(f"#results tbody tr[data-id='{first['id']}']")
    assert first["grade"]["label"] in row.inner_text()
    assert "gender" in page.locator("#mapped").inner_text()

    # the chart: the bars add up to the records, by grade
    bars = page.locator("#grade-chart rect.bar")
    assert bars.count() >= 2
    counts = {}
    for i in range(bars.count()):
        bar = bars.nth(i)
        counts[bar.get_attribute("data-grade")] = int(bar.get_attribute("data-count"))
    wanted = {}
    for r in expected:
        code = r["grade"]["code"] if r.get("grade") else "!error"
        wanted[code] = wanted.get(code, 0) + 1
    assert counts == wanted

    # filter, search and sort
    page.fill("#search", first["id"])
    assert page.locator("#results tbody tr").count() == 1
    page.fill("#search", "")
    page.select_option("#grade-filter", "fail")
    assert page.locator("#results tbody tr").count() == wanted.get("fail", 0)
    page.select_option("#grade-filter", "")
    page.click("#results th[data-key=id]")
    page.click("#results th[data-key=id]")
    ids = [page.locator("#results tbody tr").nth(i).get_attribute("data-id") for i in range(rows.count())]
    assert ids == sorted((r["id"] for r in expected), reverse=True)

    # a teacher's explanation and next-grade hint
    target = next(r for r in expected if r.get("grade") and r["grade"]["code"] == "pass")
    page.click(f"#results tbody tr[data-id='{target['id']}']")
    page.wait_for_selector("#explain:not([hidden]) #hints li")
    expect(page.locator("#explain-text")).to_contain_text(target["id"])
    assert target["id"] in page.locator("#explain-text").inner_text()
    assert page.locator("#hints li.hint").count() >= 1
    page.screenshot(path=str(tmp_path / "2-explain.png"), full_page=True)
    page.click("#explain-close")

    # download the xlsx and read it back
    with page.expect_download() as download:
        page.click("#dl-xlsx")
    saved = tmp_path / "results.xlsx"
    download.value.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    got = list(sheet.iter_rows(values_only=True))
    assert [r[0] for r in got[1:]] == [r["id"] for r in expected]
    assert [r[1] for r in got[1:]] == [r["grade"]["label"] if r.get("grade") else None for r in expected]

    # the report as PDF, printed by the server's own headless Chromium
    with page.expect_download(timeout=120_000) as download:
        page.click("#dl-pdf")
    pdf = tmp_path / "report.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 5000

    # the English switch
    page.click("#lang-toggle")
    expect(page.locator("h1")).to_have_text("Assessment")
    page.screenshot(path=str(tmp_path / "3-english.png"), full_page=True)
    assert page.problems == []


def test_a_typo_in_the_editor_shows_at_its_line(server, page, tmp_path):
    from playwright.sync_api import expect

    page.goto(f"{server}/editor?policy={JX}")
    expect(page.locator("#verdict")).to_have_text(re.compile("^✓"))
    text = page.input_value("#source")
    lines = text.split("\n")
    n = next(i for i, line in enumerate(lines) if line.startswith("effective:")) + 1
    lines[n - 1] = "efective:"
    page.fill("#source", "\n".join(lines))  # typing fires the input event: validated as one types
    item = page.wait_for_selector(f"#diagnostics li[data-line='{n}']")
    assert "efective" in item.inner_text() or "effective" in item.inner_text()
    assert f":{n}:" in item.inner_text()
    assert page.locator(f"#gutter span.err[data-line='{n}']").count() == 1
    page.screenshot(path=str(tmp_path / "4-editor-typo.png"), full_page=True)

    # the fix clears it, and the case file runs
    page.fill("#source", text)
    expect(page.locator("#verdict")).to_have_text(re.compile("^✓"))
    page.click("#cases-box summary")
    page.click("#run-cases")
    expect(page.locator("#cases-summary")).to_have_text(re.compile(r"\d+"))
    assert "失败 0" in page.locator("#cases-summary").inner_text()
    page.screenshot(path=str(tmp_path / "5-editor-cases.png"), full_page=True)
    assert page.problems == []


def test_the_editor_shows_the_proofs_and_a_counterexample(server, page, tmp_path):
    pytest.importorskip("z3")
    from playwright.sync_api import expect

    page.goto(f"{server}/editor?policy={JX}")
    expect(page.locator("#verdict")).to_have_text(re.compile("^✓"))
    text = page.input_value("#source")
    page.fill("#source", text.replace("value: 27, clause: 70%以上计27分", "value: 17, clause: 70%以上计27分", 1))
    expect(page.locator("#verdict")).to_have_text(re.compile("^✓"))  # valid, and yet it breaks a promise
    page.click("#prove-box summary")
    page.fill("#prove-entity", "teacher")
    page.click("#prove")
    expect(page.locator("#prove-summary")).to_have_text(re.compile("反例 1"), timeout=90_000)
    item = page.locator("#prove-results li.bad")
    assert item.count() == 1 and "monotonic(daily_usage, increasing)" in item.inner_text()
    page.screenshot(path=str(tmp_path / "6-editor-proofs.png"), full_page=True)
    assert page.problems == []
