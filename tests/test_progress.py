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
