"""Fault injection (issue 13): signals, full disks, file size limits, read-only and missing
folders, cut and hostile input, large lines under a memory limit. Each case runs the real
command line in a child process with a time limit; limits are set in the child only
(resource.setrlimit in preexec_fn).

Read-only folders: the suite may run as root, which ignores file permissions, so a folder
that cannot be written is made in ways that hold for root too: a file where a folder is
expected, a folder under /proc, and (where user namespaces are allowed) a read-only bind
mount and a tiny tmpfs for a really full disk, both inside ``unshare -rm``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time

import pytest

from engine.io import parallel, text

from .conftest import POLICIES, ROOT

JX = str(POLICIES / "jiangxi.yaml")
CLI = [sys.executable, "-c", "import sys; from cli import main; sys.exit(main())"]
EXIT_OUTPUT = 6
RECORD = {
    "gender": "F",
    "age": 35,
    "daily_usage": [4] * 75,
    "class_hours": 600,
    "lesson_scores": [60, 60, 60, 60, 60, 60],
}
ARGS = ["evaluate", JX, "-e", "teacher", "--as-of", "2020-06-30"]


def kaohe(*args, timeout=120, limits=None, **kwargs):
    """The command line in a child process; ``limits`` {resource: bytes} are set in the child."""

    def preexec():
        for which, value in (limits or {}).items():
            resource.setrlimit(which, (value, value))

    return subprocess.run(
        [*CLI, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        preexec_fn=preexec if limits else None,
        **kwargs,
    )


def write_jsonl(path, records):
    with open(path, "w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def big_input(path, n):
    line = json.dumps({"id": "T%d", **RECORD}, separators=(",", ":")) + "\n"
    with open(path, "w", encoding="utf-8") as out:
        out.writelines(line.replace("%d", str(i)) for i in range(n))


def lines_of(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def no_traceback(stderr):
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    assert "bug in kaohe" not in stderr, stderr


# --- 1. signals -------------------------------------------------------------------------------


def _hangup_deliverable() -> None:
    """In the child before kaohe starts: SIGHUP as a terminal delivers it, whatever the test
    run inherited (under nohup it is ignored, and kaohe rightly keeps it ignored)."""
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def start(tmp_path, out, *extra, n=200_000, group=False):
    src = tmp_path / "big.jsonl"
    if not src.exists():
        big_input(src, n)
    proc = subprocess.Popen(
        [*CLI, *ARGS, "-i", str(src), "-o", str(out), *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=group,
        preexec_fn=_hangup_deliverable,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until the run writes its output
        if any(p.stat().st_size > 0 for p in tmp_path.glob(f".{out.name}.kaohe-{proc.pid}-*.tmp")):
            return proc
        assert proc.poll() is None, "finished before it could be stopped; use a larger input"
        time.sleep(0.02)
    proc.kill()
    pytest.fail("the run never started writing")


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=["TERM", "HUP", "INT"])
def test_a_signal_stops_like_ctrl_c(tmp_path, sig, jobs):
    out = tmp_path / "out.jsonl"
    out.write_text('{"previous": "complete"}\n', encoding="utf-8")
    proc = start(tmp_path, out, "--jobs", jobs, group=True)
    try:
        if sig == signal.SIGINT:  # Ctrl-C reaches the whole process group, workers too
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 128 + sig
    assert len(stderr.strip().splitlines()) == 1, stderr  # one line, from the parent only
    assert "interrupted" in stderr or signal.Signals(sig).name in stderr
    no_traceback(stderr)
    assert out.read_text(encoding="utf-8") == '{"previous": "complete"}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.jsonl", "out.jsonl"]


def _living_group(group: int) -> list[int]:
    """Processes of a process group that still run (zombies not yet reaped do not count)."""
    found = subprocess.run(["pgrep", "-g", str(group)], capture_output=True, text=True).stdout.split()
    living = []
    for pid in map(int, found):
        try:
            with open(f"/proc/{pid}/stat") as handle:
                state = handle.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            living.append(pid)
    return living


def test_workers_of_a_killed_run_end_quietly(tmp_path):
    out = tmp_path / "out.jsonl"
    proc = start(tmp_path, out, "--jobs", "2", group=True)
    proc.kill()
    try:  # stderr closes only when every worker holding it has ended
        _, stderr = proc.communicate(timeout=30)
    finally:
        alive = _living_group(proc.pid)
        for pid in alive:
            os.kill(pid, signal.SIGKILL)
    assert alive == [], "workers outlived their parent"
    no_traceback(stderr)
    assert "BrokenPipeError" not in stderr and stderr.strip() == ""


def test_the_next_run_removes_what_a_killed_run_left(tmp_path):
    out = tmp_path / "out.jsonl"
    proc = start(tmp_path, out, n=100_000)
    proc.kill()
    proc.communicate(timeout=30)
    left = list(tmp_path.glob(".out.jsonl.kaohe-*.tmp"))
    assert len(left) == 1
    # a live run's temporary file and files kaohe did not write are kept
    live = tmp_path / f".out.jsonl.kaohe-{os.getpid()}-abcd1234.tmp"
    other = tmp_path / ".out.jsonl.editor.tmp"
    live.write_text("x")
    other.write_text("y")
    small = tmp_path / "small.jsonl"
    write_jsonl(small, [{"id": "A", **RECORD}])
    result = kaohe(*ARGS, "-i", small, "-o", out)
    assert result.returncode == 0, result.stderr
    assert str(left[0]) in result.stderr and "removed" in result.stderr
    assert not left[0].exists() and live.exists() and other.exists()
    assert lines_of(out)[0]["id"] == "A"


# --- 2. operating-system errors are the user's -----------------------------------------------


def test_a_file_size_limit_is_the_users_problem(tmp_path):
    src = tmp_path / "in.jsonl"
    big_input(src, 5000)
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n", encoding="utf-8")
    result = kaohe(*ARGS, "-i", src, "-o", out, limits={resource.RLIMIT_FSIZE: 200_000})
    assert result.returncode == EXIT_OUTPUT, result.stderr
    assert "output.too-large" in result.stderr and str(out) in result.stderr
    no_traceback(result.stderr)
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


def test_a_file_size_limit_on_stdout(tmp_path):
    src = tmp_path / "in.jsonl"
    big_input(src, 5000)
    with open(tmp_path / "redirected.jsonl", "w") as stdout:
        proc = subprocess.run(
            [*CLI, *ARGS, "-i", str(src)],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            timeout=120,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000)),
        )
    assert proc.returncode == EXIT_OUTPUT, proc.stderr
    assert "output.too-large" in proc.stderr and "<stdout>" in proc.stderr
    no_traceback(proc.stderr)


def test_a_file_size_limit_while_writing_xlsx(tmp_path):
    pytest.importorskip("openpyxl")
    src = tmp_path / "in.jsonl"
    big_input(src, 5000)
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"previous")
    result = kaohe(
        *ARGS, "-i", src, "-f", "xlsx", "-o", out, limits={resource.RLIMIT_FSIZE: 100_000}, env=_tmpdir(tmp_path)
    )
    assert result.returncode == EXIT_OUTPUT, result.stderr
    assert "output.too-large" in result.stderr and str(out) in result.stderr
    no_traceback(result.stderr)
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.xlsx", "tmp"]
    assert list((tmp_path / "tmp").iterdir()) == []  # openpyxl's temporary sheet removed too


def _tmpdir(tmp_path):
    (tmp_path / "tmp").mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(tmp_path / "tmp")}


def test_an_output_that_is_a_folder_is_refused_before_evaluating(tmp_path):
    # the input does not even exist: the output is checked first
    result = kaohe(*ARGS, "-i", tmp_path / "missing.jsonl", "-o", tmp_path)
    assert result.returncode == EXIT_OUTPUT, result.stderr
    assert "output.is-directory" in result.stderr and str(tmp_path) in result.stderr
    no_traceback(result.stderr)
    src = tmp_path / "in.jsonl"
    big_input(src, 200_000)
    began = time.monotonic()
    result = kaohe(*ARGS, "-i", src, "-o", tmp_path, "-f", "csv")
    assert result.returncode == EXIT_OUTPUT and time.monotonic() - began < 20


@pytest.mark.parametrize(
    "where, code",
    [
        (lambda tmp: tmp / "missing-folder" / "out.jsonl", "output.no-folder"),
        (lambda tmp: tmp / "a-file" / "out.jsonl", "output.no-folder"),  # a file where a folder should be
        (lambda tmp: "/proc/kaohe-out.jsonl", None),  # /proc takes no new files, not even root's
    ],
    ids=["missing", "file-for-folder", "proc"],
)
def test_a_folder_that_cannot_take_the_output(tmp_path, where, code):
    (tmp_path / "a-file").write_text("not a folder")
    out = where(tmp_path)
    result = kaohe(*ARGS, "-i", tmp_path / "missing.jsonl", "-o", out)
    assert result.returncode == EXIT_OUTPUT, result.stderr
    assert str(out) in result.stderr and (code is None or code in result.stderr)
    no_traceback(result.stderr)


def _unshare_works() -> bool:
    if not shutil.which("unshare"):
        return False
    try:
        probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


needs_unshare = pytest.mark.skipif(not _unshare_works(), reason="user and mount namespaces are not available")


def _in_namespace(setup: str, *args, timeout=120):
    """Run kaohe after ``setup`` (shell, as root of a new user and mount namespace)."""
    command = " ".join(f"'{a}'" for a in [*CLI, *map(str, args)])
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", f"{setup} && exec {command}"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
    )


@needs_unshare
def test_a_read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "out.jsonl").write_text("previous\n")
    src = tmp_path / "in.jsonl"
    big_input(src, 10)
    result = _in_namespace(
        f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder}",
        *ARGS,
        "-i",
        src,
        "-o",
        folder / "out.jsonl",
    )
    assert result.returncode == EXIT_OUTPUT, result.stderr
    assert "output.read-only" in result.stderr and str(folder / "out.jsonl") in result.stderr
    no_traceback(result.stderr)
    assert (folder / "out.jsonl").read_text() == "previous\n"


@needs_unshare
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "xlsx"])
def test_a_full_disk(tmp_path, fmt):
    if fmt == "xlsx":
        pytest.importorskip("openpyxl")
    disk = tmp_path / "disk"
    disk.mkdir()
    src = tmp_path / "in.jsonl"
    big_input(src, 20_000)
    out = disk / f"out.{fmt}"
    result = _in_namespace(
        f"mount -t tmpfs -o size=256k tmpfs {disk} && printf previous > {out}", *ARGS, "-i", src, "-f", fmt, "-o", out
    )
    assert result.returncode == EXIT_OUTPUT, result.stderr
    assert "output.disk-full" in result.stderr and str(out) in result.stderr
    no_traceback(result.stderr)


# --- 3. bounded memory -----------------------------------------------------------------------


def test_jobs_bound_the_bytes_in_flight_not_the_lines():
    lines = [b"x" * (3 * 1024 * 1024)] * 40 + [b"y"] * 5000
    chunks = list(parallel._chunks("lines", iter(lines)))
    assert all(size <= parallel.CHUNK_BYTES + 3 * 1024 * 1024 for *_, size in chunks)
    assert [len(items) for _, _, items, _ in chunks[:40]] == [1] * 40  # a large line is its own chunk
    assert sum(len(items) for _, _, items, _ in chunks) == len(lines)
    assert [start for _, start, _, _ in chunks] == [1 + sum(len(c[2]) for c in chunks[:i]) for i in range(len(chunks))]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_large_lines_under_a_memory_limit(tmp_path, jobs):
    """Twelve lines of 15 MiB (each with a text field far over its limit) in 400 MiB of address
    space per process: every line gets its one output. Without the byte bound (CHUNK_BYTES
    set beyond the input), the twelve lines go to one worker in one chunk and the run ends in
    MemoryError, exit 5."""
    src = tmp_path / "big.jsonl"
    note = "n" * (15 * 1024 * 1024)
    with open(src, "w", encoding="utf-8") as out:
        for i in range(12):
            out.write(json.dumps({"id": f"T{i}", **RECORD, "note": note}) + "\n")
        out.write(json.dumps({"id": "small", **RECORD}) + "\n")
    result = kaohe(
        *ARGS,
        "-i",
        src,
        "-o",
        tmp_path / "out.jsonl",
        "--jobs",
        jobs,
        limits={resource.RLIMIT_AS: 400 * 1024 * 1024},
        env={**os.environ, "MALLOC_ARENA_MAX": "2"},
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    no_traceback(result.stderr)
    outputs = lines_of(tmp_path / "out.jsonl")
    assert [o["id"] for o in outputs] == [f"T{i}" for i in range(12)] + ["small"]
    assert all(o["error"]["code"] == "input.field-too-long" for o in outputs[:12])
    assert "grade" in outputs[12]


# --- 5. damaged input ------------------------------------------------------------------------

CSV_HEADER = "工号,性别,年龄,每日使用次数,总课时,课堂评分\n"
CSV_ROW = "{id},女,34,{usage},600,60;60;60;60;60;{last}\n"


def _csv(path, cut: bool):
    usage = ";".join(["4"] * 75)
    rows = [CSV_ROW.format(id=f"C{i}", usage=usage, last="56.96") for i in range(3)]
    text_ = CSV_HEADER + "".join(rows)
    if cut:  # the copy stopped inside the last value
        text_ = text_[: -len("6.96\n")]
    path.write_text(text_, encoding="utf-8")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_cut_csv_is_reported(tmp_path, jobs):
    src = tmp_path / "cut.csv"
    _csv(src, cut=True)
    result = kaohe(*ARGS, "-i", src, "--jobs", jobs)
    assert result.returncode == 0, result.stderr
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in outputs] == ["C0", "C1", "C2"]
    assert "warnings" not in outputs[0] and "warnings" not in outputs[1]
    assert [w["code"] for w in outputs[2]["warnings"]] == ["input.cut-line"]
    assert "line 4" in result.stderr and "cut" in result.stderr  # the run summary says so too
    strict = kaohe(*ARGS, "-i", src, "--jobs", jobs, "--strict")
    assert strict.returncode == 1
    outputs = [json.loads(line) for line in strict.stdout.splitlines()]
    assert "grade" in outputs[1] and outputs[2]["error"]["code"] == "input.cut-line"
    assert outputs[2]["id"] == "C2"


@pytest.mark.parametrize("fmt", ["csv", "table"])
def test_a_cut_csv_is_flagged_in_every_format(tmp_path, fmt):
    src = tmp_path / "cut.csv"
    _csv(src, cut=True)
    result = kaohe(*ARGS, "-i", src, "-f", fmt, "--lang", "en")
    assert result.returncode == 0
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("C2") and "cut" in last


def test_a_whole_csv_has_no_warning(tmp_path):
    src = tmp_path / "whole.csv"
    _csv(src, cut=False)
    result = kaohe(*ARGS, "-i", src)
    assert result.returncode == 0 and "warnings" not in result.stdout and "cut" not in result.stderr


def _nested(depth):
    return "[" * depth + "1" + "]" * depth


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("depth", [50, 100_000])
def test_a_deeply_nested_value_is_one_record_error(tmp_path, jobs, depth):
    src = tmp_path / "deep.jsonl"
    good = json.dumps({"id": "A", **RECORD})
    deep = '{"id": "B", "gender": "F", "age": ' + _nested(depth) + "}"
    src.write_text("\n".join([good, deep, good.replace('"A"', '"C"')]) + "\n", encoding="utf-8")
    result = kaohe(*ARGS, "-i", src, "--jobs", jobs)
    assert result.returncode == 1, result.stderr
    no_traceback(result.stderr)
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("grade") is not None for o in outputs] == [True, False, True]
    assert outputs[1]["error"]["code"] == "input.too-deep"


@pytest.mark.parametrize("depth", [50, 100_000])
def test_a_deeply_nested_item_of_a_json_array(tmp_path, depth):
    src = tmp_path / "deep.json"
    good = json.dumps({"id": "A", **RECORD})
    src.write_text(f'[{good}, {{"id": "B", "age": {_nested(depth)}}}, {good.replace("A", "C", 1)}]', encoding="utf-8")
    result = kaohe(*ARGS, "-i", src)
    assert result.returncode == 1, result.stderr
    no_traceback(result.stderr)
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in outputs] == ["A", None if depth > 1000 else "B", "C"]
    assert outputs[1]["error"]["code"] == "input.too-deep"


@pytest.mark.parametrize("suffix", ["jsonl", "json", "csv"])
def test_ids_and_text_fields_have_the_same_limit_in_every_format(tmp_path, suffix):
    long_id = "I" * (text.MAX_ID + 1)
    records = [{"id": "A", **RECORD}, {"id": long_id, **RECORD}, {"id": "C", **RECORD}]
    src = tmp_path / f"in.{suffix}"
    if suffix == "jsonl":
        write_jsonl(src, records)
    elif suffix == "json":
        src.write_text(json.dumps(records), encoding="utf-8")
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["id", "gender", "age", "daily_usage", "class_hours", "lesson_scores"])
        for r in records:
            writer.writerow(
                [r["id"], "F", 35, ";".join(map(str, r["daily_usage"])), 600, ";".join(map(str, r["lesson_scores"]))]
            )
        src.write_text(buffer.getvalue(), encoding="utf-8")
    result = kaohe(*ARGS, "-i", src)
    assert result.returncode == 1, result.stderr
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in outputs] == ["A", None, "C"]  # the long id is not echoed
    assert outputs[1]["error"]["code"] == "input.field-too-long"
    assert len(result.stdout) < 10_000


def test_a_json_input_above_its_size_limit_is_refused(tmp_path, monkeypatch):
    src = tmp_path / "big.json"
    with open(src, "w", encoding="utf-8") as out:
        out.write("[")
        item = json.dumps({"id": "A", **RECORD})
        count = text.MAX_JSON // len(item) + 2
        out.write(",".join([item] * count))
        out.write("]")
    result = kaohe(*ARGS, "-i", src)
    assert result.returncode == 4, result.stderr
    assert "input.too-large" in result.stderr and ".jsonl" in result.stderr


# --- 6. safe output --------------------------------------------------------------------------

HOSTILE_IDS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\tTAB", "\rCR", "plain", "-5"]


def test_csv_cells_cannot_become_formulas(tmp_path):
    src = tmp_path / "in.jsonl"
    write_jsonl(src, [{"id": i, **RECORD} for i in HOSTILE_IDS])
    result = subprocess.run(
        [*CLI, *ARGS, "-i", str(src), "-f", "csv", "--lang", "en"], capture_output=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout.decode("utf-8-sig"), newline="")))
    assert [r["id"] for r in rows] == ["'" + i for i in HOSTILE_IDS[:6]] + ["plain", "-5"]
    assert all(r["credit_total"] for r in rows)


def test_control_characters_never_fail_the_workbook(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    src = tmp_path / "in.jsonl"
    write_jsonl(src, [{"id": "A", **RECORD}, {"id": "B\x1b[31m\x01", **RECORD}, {"id": "=C", **RECORD}])
    out = tmp_path / "out.xlsx"
    result = kaohe(*ARGS, "-i", src, "-f", "xlsx", "-o", out)
    assert result.returncode == 0, result.stderr
    sheet = openpyxl.load_workbook(out).active
    ids = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert ids == ["A", "B\\x1b[31m\\x01", "=C"]


def test_table_cells_cannot_split_rows_or_reach_the_terminal(tmp_path):
    src = tmp_path / "in.jsonl"
    write_jsonl(src, [{"id": "A\nB", **RECORD}, {"id": "\x1b]0;owned\x07\x1b[2J", **RECORD}, {"id": "\u202eRTL"}])
    result = kaohe(*ARGS, "-i", src, "-f", "table")
    lines = result.stdout.splitlines()
    assert len(lines) == 4  # the header and one line per record
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout and "\u202e" not in result.stdout
    assert lines[1].startswith("A\\nB") and "\\x1b]0;owned\\x07" in lines[2] and "\\u202eRTL" in lines[3]
