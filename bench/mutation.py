"""Mutation score of kaohe's core, one module at a time (mutmut 3; a bench, not CI).

Measured 2026-11-30 with mutmut 3.8.1, --max-children 1 (details, equivalent survivors: bench/MUTATION.md):
    numbers.py    304 mutants  54.9 % before tests/test_mutants_numbers.py, 96.4 % after (11 equivalent)
    evaluator.py  348 mutants  40.5 % before tests/test_mutants_evaluator.py, 97.1 % after (10 equivalent)
    kinds.py      738 mutants  71.5 % of 505 checked before; 95.7 % of a sample of 300 after (13 equivalent)
    expressions   1657 mutants, sample of 60: 86.7 % before; 89.0 % on the latest fresh sample of 300 (seed 21)
    types.py      1664 mutants, sample of 60: 71.7 % before; 96.3 % on the latest fresh sample of 300 (seed 21)
    compiler.py   3255 mutants, sample of 60: 78.3 % before; 90.7 % on the latest fresh sample of 300 (seed 21)
    the core, weighted by mutants: 92.5 % +- 0.77 (standard error): 90 % is 3.2 standard errors
    below, above 90 % with 99.9 % one-sided confidence. A fresh sample is drawn after every test
    written so far is in the selection; the sample tests were written against is never the figure.

    python bench/mutation.py expressions --max-children 1 --sample 300 --seed 21 --budget 1500 --work /tmp/m21
    python bench/mutation.py types compiler --max-children 1 --sample 300 --seed 21 --budget 1500 --work /tmp/m21tc

Each module is mutated with only the test files that exercise it (MODULES below), so a
mutant runs in seconds instead of the whole suite. mutmut runs in a scratch copy of the
repository (``/tmp/kaohe-mutation/<module>``, or ``--work``) with a generated ``setup.cfg``;
the worktree is never touched. mutmut itself is not a test dependency:

    pip install mutmut==3.8.1        # the version these figures were taken with
    python bench/mutation.py numbers --max-children 1
    python bench/mutation.py evaluator kinds --max-children 1 --budget 900

It prints killed / survived / timeout / other per module and the score
(killed + timeout) / (all mutants that ran), then the names of the survivors; ``mutmut show
NAME`` in the scratch copy shows one. Equivalent survivors and the figures measured are in
bench/MUTATION.md.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# module -> (source file, test files that exercise it). Kept small on purpose: the tests here
# must kill a mutant of the module, the rest of the suite only makes each mutant slower. Only
# tests that call the engine in-process count: a test that runs the CLI in a subprocess imports
# the unmutated engine (mutmut switches mutants inside the pytest process).
#: tests left out of every selection: each takes 3 to 20 s and repeats what faster tests check
#: (every fixture of tests/invalid at once, a CLI run in a subprocess, a 64 MiB file)
SLOW = [
    "--deselect=tests/test_invalid.py::test_every_catalogue_key_has_a_fixture",
    "--deselect=tests/test_invalid.py::test_fixture[yaml.too-large#1]",
    "--deselect=tests/test_language.py::test_a_run_prints_no_english_word",
]

MODULES = {
    "numbers": (
        "engine/base/numbers.py",
        [
            "tests/test_exactness.py",
            "tests/unit/test_types.py",
            "tests/unit/test_expressions.py",
            "tests/test_mutants_numbers.py",
        ],
    ),
    "evaluator": (
        "engine/runtime/evaluator.py",
        [
            "tests/test_exactness.py",
            "tests/test_member_accounting.py",
            "tests/test_jiangxi.py",
            "tests/test_mutants_evaluator.py",
        ],
    ),
    "kinds": (
        "engine/language/kinds.py",
        [
            "tests/test_input_kinds.py",
            "tests/test_invalid.py",
            "tests/test_value_cells.py",
            "tests/test_exactness.py",
            "tests/test_mutants_kinds.py",
            *SLOW,
        ],
    ),
    "expressions": (
        "engine/language/expressions.py",
        [
            "tests/unit/test_expressions.py",
            "tests/unit/test_types.py",
            "tests/test_invalid.py",
            "tests/test_mutants_expressions.py",
            *SLOW,
        ],
    ),
    "types": (
        "engine/language/types.py",
        [
            "tests/unit/test_types.py",
            "tests/unit/test_compiler.py",
            "tests/test_invalid.py",
            "tests/test_mutants_compiler.py",
            "tests/test_mutants_types.py",
            *SLOW,
        ],
    ),
    "compiler": (
        "engine/language/compiler.py",
        [
            "tests/unit/test_compiler.py",
            "tests/unit/test_layers.py",
            "tests/test_language.py",
            "tests/test_invalid.py",
            "tests/test_mutants_compiler.py",
            *SLOW,
        ],
    ),
}

# what the tests need besides engine/ and tests/ (mutmut copies those itself)
ALSO_COPY = ["policies", "schemas", "examples", "cli.py", "setup.py", "README.md", "conftest.py"]

_RESULT = re.compile(r"^\s+(\S+): (.+)$")


def prepare(name: str, work: Path, before: bool = False) -> Path:
    source, tests = MODULES[name]
    tests = [t for t in tests if t.startswith("-") or ((ROOT / t).exists() and not (before and "test_mutants_" in t))]
    scratch = work / name
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True)
    shutil.copytree(ROOT / "engine", scratch / "engine", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "tests", scratch / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    for extra in ALSO_COPY:
        path = ROOT / extra
        if path.is_dir():
            shutil.copytree(path, scratch / extra, ignore=shutil.ignore_patterns("__pycache__"))
        elif path.exists():
            shutil.copy2(path, scratch / extra)
    # pyproject without a [tool.mutmut] table, so mutmut reads the setup.cfg written here
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    (scratch / "pyproject.toml").write_text(re.sub(r"(?ms)^\[tool\.mutmut\].*?(?=^\[|\Z)", "", text), "utf-8")
    lines = "\n    ".join(["-p", "no:cacheprovider", "-x", *tests])
    (scratch / "setup.cfg").write_text(
        "[mutmut]\n"
        "source_paths = engine\n"
        f"only_mutate = {source}\n"
        "also_copy =\n"
        + "".join(f"    {e}\n" for e in ALSO_COPY if (ROOT / e).exists())
        + f"pytest_add_cli_args_test_selection =\n    {lines}\n"
        "timeout_multiplier = 5.0\n",
        "utf-8",
    )
    return scratch


def mutmut(scratch: Path, *args: str, timeout: float | None = None) -> tuple[int, str, str]:
    """Run mutmut in ``scratch``; on timeout stop it and the workers it forked (its own session)."""
    exe = Path(sys.executable).with_name("mutmut")
    proc = subprocess.Popen(
        [str(exe), *args],
        cwd=scratch,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
        raise
    return proc.returncode, out, err


def tally(scratch: Path, only: set[str] | None = None) -> tuple[collections.Counter, list[str]]:
    """Counts by status and the survivors' names; ``only``: of these mutants (a sample)."""
    _, out, _ = mutmut(scratch, "results", "--all", "true")
    counts: collections.Counter = collections.Counter()
    survivors = []
    for line in out.splitlines():
        match = _RESULT.match(line)
        if not match:
            continue
        mutant, status = match.groups()
        if only is not None and mutant not in only:
            continue
        counts[status] += 1
        if status == "survived":
            survivors.append(mutant)
    return counts, survivors


def report(name: str, counts: collections.Counter, survivors: list[str], seconds: float) -> None:
    """One line per module. The score is mutmut's: (killed + timeout) over every mutant but the
    skipped ones, so a mutant no selected test reaches ("no tests") counts against it; a run
    stopped early leaves some "not checked", which count against it too."""
    tested = sum(counts.values()) - counts["skipped"]
    score = 100 * (counts["killed"] + counts["timeout"]) / tested if tested else 0.0
    other = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if k not in ("killed", "survived", "timeout"))
    print(
        f"{name:10} mutants {sum(counts.values()):4}  killed {counts['killed']:4}  survived {counts['survived']:4}  "
        f"timeout {counts['timeout']:3}  {other or ''}  score {score:5.1f}%  ({seconds:.0f} s)"
    )
    for mutant in survivors:
        print(f"    survived: {mutant}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", default=list(MODULES), choices=list(MODULES))
    parser.add_argument("--max-children", type=int, default=1)
    parser.add_argument("--budget", type=float, default=None, help="seconds per module; stop and report")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "kaohe-mutation")
    parser.add_argument("--before", action="store_true", help="without tests/test_mutants_*.py (the score before them)")
    parser.add_argument("--keep", action="store_true", help="reuse the scratch copy (resume a stopped run)")
    parser.add_argument(
        "--sample", type=int, default=None, help="run only this many mutants, drawn at random (seeded); score over them"
    )
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)
    for name in args.modules:
        scratch = (
            args.work / name if args.keep and (args.work / name).exists() else prepare(name, args.work, args.before)
        )
        start = time.monotonic()
        chosen: list[str] = []
        if args.sample is not None:
            # generate the mutants and the test mapping (mutmut then finds no mutant of that name), then draw
            mutmut(scratch, "run", "--max-children", str(args.max_children), "no-such-mutant")
            _, listing, _ = mutmut(scratch, "results", "--all", "true")
            names = sorted(m.group(1) for m in map(_RESULT.match, listing.splitlines()) if m)
            chosen = sorted(random.Random(args.seed).sample(names, min(args.sample, len(names))))
            print(f"{name}: a sample of {len(chosen)} of {len(names)} mutants (seed {args.seed})", file=sys.stderr)
        try:
            code, out, err = mutmut(
                scratch, "run", "--max-children", str(args.max_children), *chosen, timeout=args.budget
            )
            if code:
                print(out[-2000:], err[-2000:], sep="\n", file=sys.stderr)
        except subprocess.TimeoutExpired:
            print(f"{name}: stopped after {args.budget:.0f} s; counting what finished", file=sys.stderr)
        counts, survivors = tally(scratch, set(chosen) if chosen else None)
        report(name, counts, survivors, time.monotonic() - start)
    return 0


if __name__ == "__main__":
    sys.exit(main())
