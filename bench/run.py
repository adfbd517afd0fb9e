"""kaohe benchmark: the Jiangxi teacher rules, kaohe against a hand-written Python baseline.

    python bench/run.py [--records N] [--e2e-records M] [--repeat R] [--full] [--jobs-probe/--no-jobs]

Never a pass/fail test: it measures and reports; nothing asserts on speed. It

1. generates (deterministically, cached in bench/out/data) N teacher records as JSONL and CSV;
2. parses the JSONL into memory with ``json.loads(parse_float=Fraction)``, as kaohe does;
3. **checks that kaohe and the baseline agree** on grade, credit_total and sanctions for
   every record, and aborts (exit 1, first disagreement printed) if they do not;
4. times, taking the median of R runs (the in-process ones interleaved round by round, so
   that a slow spell of a shared machine does not fall on one side only):
   (a) ``policy.evaluate_many`` in-process on the records in memory (drained, and with
       grade / credit_total / sanctions read from each result, the baseline's output);
   (b) ``kaohe evaluate`` end to end in a subprocess on JSONL and on CSV (M records),
       records/s and the child's peak RSS, plus ``--jobs 2`` if the CLI can do it;
   (c) the hand-written baseline in the same process on the same records, and the
       baseline script end to end (``python bench/baseline.py``) on the same files;
   (d) the ratios (a)/(c) in records/s, and kaohe/baseline-script end-to-end time;
   and the load+compile time of every policy in policies/*.yaml;
5. prints an aligned table and writes bench/out/results.json.

Defaults finish in about 2-3 minutes on 2 cores; ``--full`` is 1,000,000 records in process
and 100,000 end to end (much longer: the CSV path alone is several minutes per run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import baseline  # noqa: E402
import generate  # noqa: E402

AS_OF = dt.date(2020, 6, 30)  # inside the policy's effective period, fixed for repeatability
POLICY = ROOT / "policies" / "jiangxi.yaml"
OUT = HERE / "out"


# --- helpers ---------------------------------------------------------------------------------


def median(xs):
    return statistics.median(xs)


def time_child(cmd, repeat, check):
    """Run ``cmd`` ``repeat`` times: (wall times, peak RSS in MiB), checking the output after the
    first run with ``check()``; None (and the reason on stderr) if a run fails."""
    times, rss = [], []
    for i in range(repeat):
        wall, rc, maxrss, tail = run_child(cmd)
        if rc != 0:
            print(f"bench: {' '.join(map(str, cmd))} failed (exit {rc}): {tail}", file=sys.stderr)
            return None
        if i == 0:
            check()
        times.append(wall)
        rss.append(maxrss / 1024)
    return times, rss


def kaohe_cmd() -> list[str]:
    """The installed ``kaohe`` console script, or ``python cli.py`` as a fallback."""
    from shutil import which

    exe = which("kaohe")
    return [exe] if exe else [sys.executable, str(ROOT / "cli.py")]


TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run_child(cmd: list[str], stdout_path: str | os.PathLike | None = None) -> tuple[float, int, int, str]:
    """Run ``cmd``; return (wall seconds, exit code, the child's peak RSS in KiB, stderr tail).

    The peak RSS comes from ``/usr/bin/time -f %M``: a child forked straight from this
    (large) benchmark process inherits its resident size into ``ru_maxrss``, whether read
    with RUSAGE_CHILDREN or ``os.wait4``; ``time`` is small, so its child's figure is the
    command's own. Without /usr/bin/time, ``os.wait4`` is used (an upper bound: see above).
    The wall time is measured here, around the whole run (``time`` adds about a millisecond).
    """
    with (
        tempfile.TemporaryFile() as err,
        open(stdout_path or os.devnull, "wb") as out,
        tempfile.NamedTemporaryFile("r", suffix=".time") as tfile,
    ):
        full = [TIME, "-f", "%M", "-o", tfile.name, *cmd] if TIME else cmd
        start = time.perf_counter()
        proc = subprocess.Popen(full, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        maxrss = usage.ru_maxrss
        if TIME:
            try:
                maxrss = int(open(tfile.name).read().strip().splitlines()[-1])
            except (ValueError, IndexError):
                pass
        err.seek(0)
        tail = err.read().decode("utf-8", "replace").strip().splitlines()[-3:]
    return wall, proc.returncode, maxrss, " | ".join(tail)


def head_file(src: Path, dst: Path, lines: int) -> Path:
    """The first ``lines`` lines of ``src`` (plus a CSV header line when ``src`` is a CSV)."""
    if dst.exists() and dst.stat().st_mtime >= src.stat().st_mtime:
        return dst
    keep = lines + (1 if src.suffix == ".csv" else 0)
    with open(src, "rb") as f, open(dst, "wb") as g:
        for i, line in enumerate(f):
            if i >= keep:
                break
            g.write(line)
    return dst


def fmt_rate(x):
    return f"{x:,.0f}" if x is not None else "-"


def fmt_s(x):
    return f"{x:.3f}" if x is not None else "-"


# --- agreement ---------------------------------------------------------------------------------


def same_credit(a, b) -> bool:
    return Fraction(a) == Fraction(b)


def check_inprocess(policy, records) -> list:
    """kaohe and the baseline on every record; abort loudly on the first disagreement."""
    base = baseline.grade_all(records)
    for index, (record, outcome, expected) in enumerate(
        zip(records, policy.evaluate_many(records, entity="teacher", as_of=AS_OF), base), 1
    ):
        if not outcome.ok:
            abort(
                index,
                record,
                "kaohe rejected the record: " + json.dumps(outcome.to_dict(), ensure_ascii=False),
                expected,
            )
        got = (outcome.grade, outcome.credit_total, list(outcome.sanctions))
        if got[0] != expected[0] or not same_credit(got[1], expected[1]) or got[2] != expected[2]:
            abort(index, record, f"kaohe: grade={got[0]} credit_total={got[1]} sanctions={got[2]}", expected)
    return base


def abort(index, record, kaohe_says, expected):
    shown = dict(record)
    for key in ("daily_usage", "lesson_scores"):
        if isinstance(shown.get(key), list):
            shown[key] = [str(x) for x in shown[key]] if key == "lesson_scores" else shown[key]
    print("\n" + "!" * 78, file=sys.stderr)
    print(f"DISAGREEMENT at record {index} (id {record.get('id')}):", file=sys.stderr)
    print(f"  {kaohe_says}", file=sys.stderr)
    print(f"  baseline: grade={expected[0]} credit_total={expected[1]} sanctions={expected[2]}", file=sys.stderr)
    print(f"  record: {json.dumps(shown, ensure_ascii=False, default=str)}", file=sys.stderr)
    print("!" * 78, file=sys.stderr)
    print("bench: kaohe and the hand-written baseline disagree; nothing was timed.", file=sys.stderr)
    sys.exit(1)


def check_output(path: Path, expected: list, what: str) -> None:
    """A ``kaohe evaluate`` JSONL output file against the baseline, record by record."""
    n = 0
    with open(path, encoding="utf-8") as f:
        for n, (line, exp) in enumerate(zip(f, expected), 1):
            data = json.loads(line)
            if "error" in data:
                print(f"bench: {what}: record {n} rejected: {data['error']['message']}", file=sys.stderr)
                sys.exit(1)
            got = ((data.get("grade") or {}).get("code"), data["credit_total"], [s["code"] for s in data["sanctions"]])
            if got[0] != exp[0] or got[1] != exp[1] or got[2] != exp[2]:
                print(
                    f"bench: {what}: DISAGREEMENT at record {n} (id {data.get('id')}): kaohe {got}, baseline {exp}",
                    file=sys.stderr,
                )
                sys.exit(1)
    if n != len(expected):
        print(f"bench: {what}: {n} outputs for {len(expected)} records", file=sys.stderr)
        sys.exit(1)


def check_baseline_output(path: Path, expected: list, what: str) -> None:
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    got = [(r["grade"], r["credit_total"], r["sanctions"]) for r in rows]
    if got != [(g, c, list(s)) for g, c, s in expected]:
        print(f"bench: {what}: the baseline script's output differs from the in-process baseline", file=sys.stderr)
        sys.exit(1)


# --- timings -------------------------------------------------------------------------------------


def time_runs(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", "-n", type=int, help="records in process (default 100,000; 1,000,000 with --full)")
    ap.add_argument(
        "--e2e-records",
        type=int,
        help="records for the end-to-end subprocess runs (default min(N, 10,000); 100,000 with --full)",
    )
    ap.add_argument("--repeat", "-r", type=int, default=3, help="runs per measurement; the median is reported")
    ap.add_argument("--full", action="store_true", help="1,000,000 records in process, 100,000 end to end")
    ap.add_argument("--seed", type=int, default=2019)
    ap.add_argument("--no-e2e", action="store_true", help="skip the subprocess runs")
    args = ap.parse_args(argv)
    n = args.records or (1_000_000 if args.full else 100_000)
    n_e2e = min(n, args.e2e_records or (100_000 if args.full else 10_000))
    repeat = max(1, args.repeat)
    OUT.mkdir(parents=True, exist_ok=True)
    data_dir = OUT / "data"
    started = time.perf_counter()

    def say(msg):
        print(f"[{time.perf_counter() - started:6.1f}s] {msg}", file=sys.stderr, flush=True)

    import engine

    say(f"generating {n:,} records (cached in {data_dir.relative_to(ROOT)})")
    jsonl, csv_path = generate.write(n, data_dir, args.seed)
    e2e_jsonl = head_file(jsonl, data_dir / f"e2e-{n_e2e}-of-{jsonl.name}", n_e2e)
    e2e_csv = head_file(csv_path, data_dir / f"e2e-{n_e2e}-of-{csv_path.name}", n_e2e)

    say("parsing the JSONL into memory (json.loads, parse_float=Fraction)")
    t0 = time.perf_counter()
    records = baseline.load_jsonl(jsonl)
    parse_s = time.perf_counter() - t0

    policy = engine.load_policy(POLICY)

    # -- agreement before any timing ------------------------------------------------------------
    say(f"checking kaohe against the baseline on all {len(records):,} records")
    expected = check_inprocess(policy, records)
    grades = {}
    for g, _, _ in expected:
        grades[g] = grades.get(g, 0) + 1
    say("agreement: all records " + ", ".join(f"{k} {v:,}" for k, v in sorted(grades.items())))

    # -- (a) kaohe in process, (c) baseline in process ----------------------------------------------
    def kaohe_drain():
        for _ in policy.evaluate_many(records, entity="teacher", as_of=AS_OF):
            pass

    def kaohe_read():
        for r in policy.evaluate_many(records, entity="teacher", as_of=AS_OF):
            r.grade, r.credit_total, r.sanctions

    def base_run():
        grade = baseline.grade_teacher
        for rec in records:
            grade(rec)

    # interleaved, one round at a time, so that a slow spell of a shared machine falls on
    # kaohe and the baseline alike instead of on whichever happened to run then
    say(f"(a) kaohe evaluate_many and (c) the baseline in process, {repeat} interleaved round(s)")
    t_drain, t_read, t_base = [], [], []
    for _ in range(repeat):
        t_drain += time_runs(kaohe_drain, 1)
        t_read += time_runs(kaohe_read, 1)
        t_base += time_runs(base_run, 1)

    rows = []  # (label, records, median s, records/s, peak RSS MiB, note)

    def add(label, count, times, rss=None, note=""):
        med = median(times) if times else None
        rows.append(
            {
                "label": label,
                "records": count,
                "median_s": med,
                "times_s": times,
                "records_per_s": (count / med) if med else None,
                "peak_rss_mib": rss,
                "note": note,
            }
        )
        return rows[-1]

    a_drain = add("(a) kaohe evaluate_many, results drained", n, t_drain)
    a_read = add("(a) kaohe evaluate_many + grade/credit_total/sanctions", n, t_read)
    c_base = add("(c) baseline grade_teacher, same records", n, t_base)

    # -- (b) end to end --------------------------------------------------------------------------------
    e2e = {}
    jobs_note = ""
    if not args.no_e2e:
        kaohe = kaohe_cmd()
        tmp_out = OUT / "tmp"
        tmp_out.mkdir(exist_ok=True)
        base_cmd = [*kaohe, "evaluate", str(POLICY), "--entity", "teacher", "--as-of", AS_OF.isoformat()]
        expected_e2e = expected[:n_e2e]

        # baseline script first (its output is checked against the in-process baseline)
        for kind, src in (("jsonl", e2e_jsonl), ("csv", e2e_csv)):
            dst = tmp_out / f"baseline-{kind}.jsonl"
            cmd = [sys.executable, str(HERE / "baseline.py"), str(src), str(dst)]
            say(f"(c) baseline script end to end on {kind}, {repeat} run(s)")
            runs = time_child(
                cmd, repeat, lambda: check_baseline_output(dst, expected_e2e, f"baseline script on {kind}")
            )
            if runs is None:
                return 1
            times, rss = runs
            e2e[("baseline", kind)] = add(f"(c) baseline script end to end, {kind.upper()}", n_e2e, times, max(rss))

        # is --jobs accepted, and does it work? probe on 50 records
        help_text = subprocess.run([*kaohe, "evaluate", "--help"], capture_output=True, text=True, cwd=ROOT).stdout
        jobs_ok = "--jobs" in help_text
        if not jobs_ok:
            jobs_note = "kaohe evaluate has no --jobs option"
        else:
            probe_in = head_file(jsonl, data_dir / f"probe-50-of-{jsonl.name}", 50)
            probe_out = tmp_out / "probe-jobs.jsonl"
            _, rc, _, tail = run_child([*base_cmd, "--input", str(probe_in), "--jobs", "2", "--output", str(probe_out)])
            if rc != 0:
                jobs_ok = False
                jobs_note = f"--jobs 2 is accepted but fails (exit {rc}: {tail})"

        variants = [("jsonl", e2e_jsonl, []), ("csv", e2e_csv, [])]
        if jobs_ok:
            variants += [("jsonl", e2e_jsonl, ["--jobs", "2"]), ("csv", e2e_csv, ["--jobs", "2"])]
        for kind, src, extra in variants:
            dst = tmp_out / f"kaohe-{kind}{'-j2' if extra else ''}.jsonl"
            cmd = [*base_cmd, "--input", str(src), "--format", "jsonl", "--output", str(dst), *extra]
            say(f"(b) kaohe evaluate end to end on {kind}{' --jobs 2' if extra else ''}, {repeat} run(s)")
            runs = time_child(
                cmd,
                repeat,
                lambda: check_output(dst, expected_e2e, f"kaohe evaluate {kind}{' --jobs 2' if extra else ''}"),
            )
            if runs is None:
                return 1
            times, rss = runs
            label = f"(b) kaohe evaluate end to end, {kind.upper()}" + (" --jobs 2" if extra else "")
            e2e[("kaohe", kind, bool(extra))] = add(label, n_e2e, times, max(rss))

        # startup: one record, end to end
        one = head_file(jsonl, data_dir / f"probe-1-of-{jsonl.name}", 1)
        say(f"(b) kaohe evaluate on 1 record (start-up cost), {repeat} run(s)")
        times, rss = [], []
        for _ in range(repeat):
            wall, rc, maxrss, _ = run_child([*base_cmd, "--input", str(one), "--output", str(tmp_out / "one.jsonl")])
            times.append(wall)
            rss.append(maxrss / 1024)
        e2e[("kaohe", "one")] = add("(b) kaohe evaluate, 1 record (start-up)", 1, times, max(rss))

    # -- load + compile of every policy -------------------------------------------------------------
    say("load + compile of policies/*.yaml")
    from engine import load_policy

    policies = []
    for path in sorted(p for p in (ROOT / "policies").glob("*.yaml") if not p.name.endswith(".tests.yaml")):
        times, whole = [], []
        for _ in range(max(repeat, 5)):
            start = time.perf_counter()
            loaded = load_policy(path)
            loaded_at = time.perf_counter()
            for name in loaded.entities:  # the batch functions, which are generated on first use
                loaded.runtime(name).fused
            times.append(loaded_at - start)
            whole.append(time.perf_counter() - start)
        policies.append(
            {
                "policy": str(path.relative_to(ROOT)),
                "median_ms": median(times) * 1000,
                "times_ms": [t * 1000 for t in times],
                "with_batch_ms": median(whole) * 1000,
            }
        )
    cold = subprocess.run(
        [
            sys.executable,
            "-c",
            "import time,sys; t=time.perf_counter(); import engine; i=time.perf_counter();"
            f"p=engine.load_policy({str(POLICY)!r}); p.runtime('teacher').fused; e=time.perf_counter();"
            "print((i-t)*1000, (e-i)*1000)",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    try:
        import_ms, cold_load_ms = map(float, cold.stdout.split())
    except ValueError:
        import_ms = cold_load_ms = None

    # -- (d) ratios -------------------------------------------------------------------------------------
    ratios = {
        "inprocess_rps_kaohe_read_over_baseline": a_read["records_per_s"] / c_base["records_per_s"],
        "inprocess_rps_kaohe_drain_over_baseline": a_drain["records_per_s"] / c_base["records_per_s"],
    }
    for kind in ("jsonl", "csv"):
        k, b = e2e.get(("kaohe", kind, False)), e2e.get(("baseline", kind))
        if k and b:
            ratios[f"e2e_time_kaohe_over_baseline_script_{kind}"] = k["median_s"] / b["median_s"]
        kj = e2e.get(("kaohe", kind, True))
        if kj and b:
            ratios[f"e2e_time_kaohe_jobs2_over_baseline_script_{kind}"] = kj["median_s"] / b["median_s"]

    import resource

    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # -- report -------------------------------------------------------------------------------------------
    lines = []
    lines.append(f"kaohe benchmark — Jiangxi teacher rules (policies/jiangxi.yaml), as of {AS_OF}")
    lines.append(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPU(s); "
        f"median of {repeat} run(s); {n:,} records in process, {n_e2e:,} end to end; "
        f"seed {args.seed}"
    )
    lines.append(
        "grades: "
        + ", ".join(f"{k} {v:,} ({v / n:.1%})" for k, v in sorted(grades.items()))
        + f"; kaohe and baseline agree on all {n:,} records (and on every end-to-end output)"
    )
    lines.append(
        f"parsing the {n:,}-record JSONL into memory (parse_float=Fraction): {parse_s:.2f} s "
        f"({n / parse_s:,.0f} records/s), not included below; this process's peak RSS "
        f"{self_rss:,.0f} MiB (records in memory included)"
    )
    lines.append("")
    head = ["measurement", "records", "median s", "records/s", "peak RSS MiB"]
    order = ["(a)", "(c) baseline grade", "(b) kaohe evaluate end", "(c) baseline script", "(b) kaohe evaluate, 1"]
    shown = sorted(rows, key=lambda r: next(i for i, p in enumerate(order) if r["label"].startswith(p)))
    body = [
        [
            r["label"],
            f"{r['records']:,}",
            fmt_s(r["median_s"]),
            fmt_rate(r["records_per_s"]) if r["records"] > 1 else "-",
            f"{r['peak_rss_mib']:.0f}" if r["peak_rss_mib"] is not None else "-",
        ]
        for r in shown
    ]
    widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]

    def row(cells):
        return "  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(cells))

    lines.append(row(head))
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(row(b) for b in body)
    if jobs_note:
        lines.append(f"(b) --jobs 2 skipped: {jobs_note}")
    lines.append("")
    lines.append("(d) ratios")
    ratio_rows = [
        (
            "in process, records/s kaohe (a, with reads) / baseline (c)",
            ratios["inprocess_rps_kaohe_read_over_baseline"],
        ),
        ("in process, records/s kaohe (a, drained) / baseline (c)", ratios["inprocess_rps_kaohe_drain_over_baseline"]),
    ]
    for kind in ("jsonl", "csv"):
        key = f"e2e_time_kaohe_over_baseline_script_{kind}"
        if key in ratios:
            ratio_rows.append((f"end to end, time kaohe / baseline script, {kind.upper()}", ratios[key]))
        key = f"e2e_time_kaohe_jobs2_over_baseline_script_{kind}"
        if key in ratios:
            ratio_rows.append((f"end to end, time kaohe --jobs 2 / baseline script, {kind.upper()}", ratios[key]))
    rw = max(len(r[0]) for r in ratio_rows)
    lines.extend(f"  {label.ljust(rw)}  {value:8.3f}" for label, value in ratio_rows)
    lines.append("")
    lines.append("policy load + compile (in process, after the first load; medians)")
    pw = max(len(p["policy"]) for p in policies)
    lines.extend(
        f"  {p['policy'].ljust(pw)}  {p['median_ms']:8.1f} ms, {p['with_batch_ms']:8.1f} ms with every "
        f"entity's batch function generated (median of {len(p['times_ms'])})"
        for p in policies
    )
    if import_ms is not None:
        lines.append(
            f"  fresh process: import engine {import_ms:.1f} ms, first load_policy(jiangxi.yaml) with the "
            f"teacher batch function {cold_load_ms:.1f} ms"
        )
    text = "\n".join(lines)
    print(text)

    results = {
        "benchmark": "kaohe jiangxi teacher",
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "as_of": AS_OF.isoformat(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "git": _git(),
        "records": n,
        "e2e_records": n_e2e,
        "repeat": repeat,
        "seed": args.seed,
        "grades": grades,
        "parse_s": parse_s,
        "bench_process_peak_rss_mib": self_rss,
        "rows": rows,
        "ratios": ratios,
        "jobs_note": jobs_note,
        "policies": policies,
        "import_engine_ms": import_ms,
        "cold_load_jiangxi_ms": cold_load_ms,
        "table": text,
    }
    (OUT / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    say(f"wrote {(OUT / 'results.json').relative_to(ROOT)}")
    return 0


def _git() -> dict:
    def out(*cmd):
        r = subprocess.run(["git", *cmd], capture_output=True, text=True, cwd=ROOT)
        return r.stdout.strip() if r.returncode == 0 else None

    status = out("status", "--porcelain", "--", "engine", "cli.py", "policies")
    return {"commit": out("rev-parse", "HEAD"), "engine_dirty": bool(status)}


if __name__ == "__main__":
    sys.exit(main())
