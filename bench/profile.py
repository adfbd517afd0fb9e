"""Where kaohe spends its time: cProfile over ``Policy.evaluate_many`` on Jiangxi teacher records.

    python bench/profile.py [--records 50000] [--top 25] [--reads/--no-reads] [--out bench/out/profile.pstats]

Records come from bench/generate.py (same seed as bench/run.py) and are parsed into memory
with ``json.loads(parse_float=Fraction)`` before profiling starts, so only evaluation (and,
with ``--reads``, the default, reading grade / credit_total / sanctions from each result,
which is what the baseline produces) is profiled. Prints the top functions by cumulative
and by total (own) time, and saves the raw stats for ``python -m pstats`` or snakeviz.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named profile.py, and cProfile imports the standard library's ``profile``:
# take this script's folder off the path first so that the import finds the real one.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import argparse  # noqa: E402
import cProfile  # noqa: E402
import datetime as dt  # noqa: E402
import io  # noqa: E402
import pstats  # noqa: E402

ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import baseline  # noqa: E402
import generate  # noqa: E402

AS_OF = dt.date(2020, 6, 30)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", "-n", type=int, default=50_000)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--seed", type=int, default=2019)
    ap.add_argument(
        "--reads",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also read grade, credit_total and sanctions of each result (default: yes)",
    )
    ap.add_argument("--out", default=str(HERE / "out" / "profile.pstats"))
    args = ap.parse_args(argv)

    import engine

    jsonl, _ = generate.write(args.records, HERE / "out" / "data", args.seed)
    records = baseline.load_jsonl(jsonl)
    policy = engine.load_policy(ROOT / "policies" / "jiangxi.yaml")

    def work():
        if args.reads:
            for r in policy.evaluate_many(records, entity="teacher", as_of=AS_OF):
                r.grade, r.credit_total, r.sanctions
        else:
            for _ in policy.evaluate_many(records, entity="teacher", as_of=AS_OF):
                pass

    profiler = cProfile.Profile()
    profiler.enable()
    work()
    profiler.disable()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(args.out)

    for key, title in (("cumulative", "cumulative time"), ("tottime", "total (own) time")):
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.strip_dirs().sort_stats(key).print_stats(args.top)
        text = stream.getvalue()
        # drop pstats' preamble lines up to the header, keep the summary line
        print(
            f"=== top {args.top} by {title}: evaluate_many over {len(records):,} records"
            f"{' + result reads' if args.reads else ''} ==="
        )
        body = text[text.index("function calls") :] if "function calls" in text else text
        print("   " + body.strip() + "\n")
    print(f"raw stats: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
