"""Peak memory (RSS of kaohe and its workers together) for inputs of large lines.

    python bench/memory.py [--lines 4 8 16] [--jobs 1 2] [--size-mib 15]

Each input line is a teacher record whose daily-usage list makes it just under the
16 MiB line limit (the list is then refused for having too many items: reading it is the
costly part). The process tree is sampled every 20 ms from /proc; Linux only.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write_input(path: Path, lines: int, size_mib: float) -> None:
    items = int(size_mib * 1024 * 1024) // 2
    usage = ",".join(["4"] * items)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(lines):
            out.write(f'{{"id":"T{i}","gender":"F","age":35,"daily_usage":[{usage}],"class_hours":600,')
            out.write('"lesson_scores":[60,60,60,60,60,60]}\n')


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as handle:
                    todo += [int(c) for c in handle.read().split()]
        except OSError:
            pass
    return found


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def peak_rss(args: list[str]) -> tuple[int, int, float]:
    """(exit status, peak RSS of the process tree in bytes, seconds)."""
    start = time.monotonic()
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, sum(_rss(p) for p in _tree(proc.pid)))
        time.sleep(0.02)
    return proc.returncode, peak, time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, nargs="+", default=[4, 8, 16])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--size-mib", type=float, default=15.5)
    ns = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for lines in ns.lines:
            src = Path(tmp) / f"big-{lines}.jsonl"
            write_input(src, lines, ns.size_mib)
            for jobs in ns.jobs:
                status, peak, seconds = peak_rss(
                    [
                        sys.executable,
                        "cli.py",
                        "evaluate",
                        "policies/jiangxi.yaml",
                        "-e",
                        "teacher",
                        "-i",
                        str(src),
                        "--as-of",
                        "2020-06-30",
                        "-o",
                        str(Path(tmp) / "out.jsonl"),
                        "--jobs",
                        str(jobs),
                    ]
                )
                print(
                    f"lines={lines:3d} x {ns.size_mib} MiB  --jobs {jobs}: exit {status}, "
                    f"peak RSS {peak / 2**20:,.0f} MiB, {seconds:.1f} s",
                    flush=True,
                )


if __name__ == "__main__":
    main()
