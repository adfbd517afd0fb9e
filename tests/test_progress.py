"""Progress bars: drawn on a terminal (a pseudo-terminal here) with the total, the percentage
and the time left, in the output language; nothing at all when stderr is a pipe."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
import tempfile

import pytest

from engine.io.progress import count_records, progress

from .conftest import POLICIES, ROOT

JX = str(POLICIES / "jiangxi.yaml")
TEACHERS = ROOT / "examples" / "jiangxi" / "teachers.csv"


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def _rows(tmp_path, count: int):
    lines = TEACHERS.read_text(encoding="utf-8").splitlines()
    header, body = lines[0], lines[1:]
    path = tmp_path / "many.csv"
    rows = [body[i % len(body)] for i in range(count)]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _run_on_pty(args, env_lang="zh"):
    """Run kaohe with stderr on a pseudo-terminal and stdout on a pipe; (stdout, terminal text)."""
    master, slave = pty.openpty()
    env = {**os.environ, "KAOHE_LANG": env_lang, "COLUMNS": "160"}
    out_file = tempfile.TemporaryFile()  # noqa: SIM115 (closed below, after the terminal is read)
    proc = subprocess.Popen([sys.executable, "-m", "engine", *args], stdout=out_file, stderr=slave, cwd=ROOT, env=env)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    proc.wait()
    out_file.seek(0)
    out = out_file.read()
    out_file.close()
    os.close(master)
    return proc.returncode, out.decode(), seen.decode("utf-8", "replace")


def test_the_bar_is_drawn_in_chinese_with_total_and_percentage(tmp_path):
    src = _rows(tmp_path, 3000)
    code, out, terminal = _run_on_pty(["evaluate", JX, "-e", "teacher", "-i", str(src), "--as-of", "2020-06-30"])
    assert code in (0, 1), terminal
    assert out.count("\n") == 3000  # every record still has its result on stdout
    assert f"正在评估 {src}" in terminal
    assert "/3000" in terminal and "100%" in terminal  # the total and the percentage
    assert "剩余" in terminal  # the time left, in Chinese
    assert "records" not in terminal


def test_the_bar_follows_the_language(tmp_path):
    src = _rows(tmp_path, 2000)
    _, _, terminal = _run_on_pty(["evaluate", JX, "-e", "teacher", "-i", str(src), "--as-of", "2020-06-30"], "en")
    assert f"evaluating {src}" in terminal and "/2000" in terminal and " left)" in terminal
    assert "正在" not in terminal


def test_nothing_is_drawn_on_a_pipe(tmp_path):
    src = _rows(tmp_path, 2000)
    proc = subprocess.run(
        [sys.executable, "-m", "engine", "evaluate", JX, "-e", "teacher", "-i", str(src), "--as-of", "2020-06-30"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "KAOHE_LANG": "zh"},
    )
    assert "正在评估" not in proc.stderr and "%" not in proc.stderr and "\r" not in proc.stderr
    assert proc.stdout.count("\n") == 2000


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_every_output_format_and_report_show_the_bar(tmp_path, fmt):
    src = _rows(tmp_path, 500)
    _, _, terminal = _run_on_pty(
        ["evaluate", JX, "-e", "teacher", "-i", str(src), "--as-of", "2020-06-30", "-o", str(tmp_path / f"o.{fmt}")]
    )
    assert "/500" in terminal and "100%" in terminal
    _, _, terminal = _run_on_pty(
        ["report", JX, "-e", "teacher", "-i", str(src), "--as-of", "2020-06-30", "-o", str(tmp_path / "r.html")]
    )
    assert "正在为报告读取" in terminal and "/500" in terminal


def test_progress_passes_every_item_through_and_stays_silent_off_a_terminal():
    quiet = io.StringIO()
    assert list(progress(iter(range(50)), 50, "zh", stream=quiet)) == list(range(50))
    assert quiet.getvalue() == ""
    shown = _Terminal()
    assert list(progress(iter(range(50)), 50, "zh", name="x.csv", stream=shown)) == list(range(50))
    assert "正在评估 x.csv" in shown.getvalue() and "50/50" in shown.getvalue()


def test_records_are_counted_cheaply(tmp_path):
    assert count_records(str(_rows(tmp_path, 123))) == 123
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text('{"a": 1}\n{"a": 2}', encoding="utf-8")  # no final line end
    assert count_records(str(jsonl)) == 2
    assert count_records(str(ROOT / "examples" / "jiangxi" / "teachers.xlsx")) is not None
    assert count_records("-") is None and count_records(str(tmp_path / "a.json")) is None


def _revised(tmp_path):
    """jiangxi.yaml with one threshold moved: a new version for diff to compare."""
    text = (POLICIES / "jiangxi.yaml").read_text(encoding="utf-8")
    revised = tmp_path / "jiangxi-v2.yaml"
    revised.write_text(text.replace('version: "1.0.0"', 'version: "1.0.1"'), encoding="utf-8")
    return revised


def test_diff_shows_the_bar_with_the_total(tmp_path):
    src = _rows(tmp_path, 800)
    args = ["diff", JX, str(_revised(tmp_path)), "-e", "teacher", "-i", str(src), "--as-of", "2020-06-30"]
    code, out, terminal = _run_on_pty(args)
    assert code == 0, terminal
    assert f"正在用 {src} 比较两个版本" in terminal
    assert "/800" in terminal and "100%" in terminal and "剩余" in terminal
    assert '"records": 800' in out or "800" in out  # the report itself still goes to stdout
    _, _, terminal = _run_on_pty(args, "en")
    assert f"comparing on {src}" in terminal and "/800" in terminal and "正在" not in terminal


def test_check_and_prove_show_a_bar_over_their_steps(tmp_path):
    national = str(POLICIES / "national.yaml")
    code, _, terminal = _run_on_pty(["check", national, "--examples", "5"])
    assert code == 0, terminal
    assert f"正在检查 {national}" in terminal and "100%" in terminal
    steps = terminal.rsplit("100%", 1)[0].rsplit("/", 1)[-1].strip()
    assert steps.isdigit() and int(steps) > 1  # the total: one step per property and entity
    pytest.importorskip("z3")
    code, _, terminal = _run_on_pty(["prove", national], "en")
    assert code in (0, 1), terminal
    assert f"proving {national}" in terminal and "/4" in terminal and "100%" in terminal  # 4 kinds of check
    assert "正在" not in terminal


def test_diff_check_and_prove_draw_nothing_on_a_pipe(tmp_path):
    src = _rows(tmp_path, 300)
    national = str(POLICIES / "national.yaml")
    for args in (
        ["diff", JX, str(_revised(tmp_path)), "-e", "teacher", "-i", str(src), "--as-of", "2020-06-30"],
        ["check", national, "--examples", "5"],
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "engine", *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "KAOHE_LANG": "zh"},
        )
        assert "正在" not in proc.stderr and "%" not in proc.stderr and "\r" not in proc.stderr, proc.stderr


def test_a_short_list_of_slow_steps_is_redrawn_at_every_step():
    shown = _Terminal()
    assert list(progress(iter(range(4)), 4, "en", "prove", "p.yaml", stream=shown)) == list(range(4))
    drawn = shown.getvalue()
    assert "proving p.yaml" in drawn and all(f"{n}/4" in drawn for n in (1, 2, 3, 4))
