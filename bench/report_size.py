"""How large ``kaohe report`` gets on N generated Jiangxi teachers, grouped by school.

    python bench/report_size.py [--records 100000] [--schools 400] [--rosters auto] [--out bench/out/report]

Generates (deterministically) N teachers with bench/generate.py, adds the columns officers
keep (工号, 姓名, 学校) with Chinese headers, writes them as CSV and runs
``kaohe report … --group-by 学校``. Prints the size of the report, the number and sizes of
the roster files, and the time taken. Measures only; asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

HEADERS = ["工号", "姓名", "学校", "性别", "年龄", "自愿参加", "每日使用次数", "总课时", "课堂评分"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华"


def write_csv(path: Path, n: int, schools: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADERS)
        for i, rec in enumerate(generate(n)):
            name = SURNAMES[i % 20] + GIVEN[(i // 20) % 20] + GIVEN[(i // 400) % 20]
            school = f"南昌县第{i % schools + 1:03d}学校"
            writer.writerow(
                [
                    rec["id"],
                    name,
                    school,
                    "女" if rec["gender"] == "F" else "男",
                    rec["age"],
                    "是" if rec["opted_in"] else "否",
                    ";".join(map(str, rec["daily_usage"])),
                    rec["class_hours"],
                    ";".join(f"{s:.1f}" for s in rec["lesson_scores"]),
                ]
            )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--schools", type=int, default=400)
    parser.add_argument("--rosters", default="auto", choices=["auto", "inline", "split", "none"])
    parser.add_argument("--out", default=str(HERE / "out" / "report"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = out / f"jiangxi-{args.records}-{args.schools}.csv"
    if not data.exists():
        write_csv(data, args.records, args.schools)
    report = out / f"report-{args.records}-{args.rosters}.html"
    started = time.perf_counter()
    command = [sys.executable, str(ROOT / "cli.py"), "report", str(ROOT / "policies" / "jiangxi.yaml")]
    command += ["-e", "teacher", "-i", str(data), "-o", str(report), "--group-by", "学校"]
    command += ["--as-of", "2020-06-30", "--rosters", args.rosters, "--lang", "zh"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        print(done.stdout, done.stderr, sep="\n")
        raise SystemExit(done.returncode)
    folder = report.with_name(report.stem + "-rosters")
    rosters = sorted(folder.glob("*.html")) if folder.exists() else []
    sizes = [p.stat().st_size for p in rosters]
    print(f"records {args.records:,}  schools {args.schools}  rosters {args.rosters}  time {seconds:.1f} s")
    print(f"report  {report.stat().st_size / 1e6:.2f} MB  ({report.stat().st_size:,} bytes)")
    if sizes:
        print(
            f"rosters {len(sizes)} files in {folder.name}/, {sum(sizes) / 1e6:.1f} MB in all, "
            f"largest {max(sizes) / 1e3:.0f} kB, median {sorted(sizes)[len(sizes) // 2] / 1e3:.0f} kB"
        )


if __name__ == "__main__":
    main()
