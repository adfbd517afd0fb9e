"""What a tracer costs, on the same Jiangxi teacher records, in one run:

1. ``evaluate_many`` with no trace, with a full trace (and ``.trace()`` read), and the
   hand-written baseline, in records/s;
2. the teacher's generated function called with ``tracer=None`` against the same source
   with its two ``if tracer is not None:`` blocks cut out, compiled into the same
   namespace: what carrying the tracer costs a batch.

    python bench/tracer.py [--records N] [--repeat R]

Rounds are interleaved (a, b, c, a, b, c, ...) and the fastest of each is taken (the
machine is shared: a slow spell only ever adds time), so compare the ratios, which move
far less than the records/s between runs. A measurement, never a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import baseline  # noqa: E402
import generate  # noqa: E402

import engine  # noqa: E402

AS_OF = dt.date(2020, 6, 30)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    records = [
        json.loads(json.dumps(r), parse_float=Fraction) for r in generate.generate(args.records)
    ]  # numbers exact, as kaohe's readers give them
    policy = engine.load_policy(HERE.parent / "policies" / "jiangxi.yaml")

    def kaohe(trace):
        def run():
            for o in policy.evaluate_many(records, "teacher", as_of=AS_OF, trace=trace):
                if o.ok:
                    o.grade, o.credit_total, o.sanctions
                    if trace:
                        o.trace()

        return run

    runs = {"no trace": kaohe(False), "full trace": kaohe(True), "baseline": lambda: baseline.grade_all(records)}
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(args.repeat):
        for label, run in runs.items():
            start = time.perf_counter()
            run()
            times[label].append(time.perf_counter() - start)
    rate = {k: args.records / min(v) for k, v in times.items()}
    for label, r in rate.items():
        print(f"{label:>11}: {r:>9,.0f} records/s")
    print(f"no trace / baseline:   {rate['no trace'] / rate['baseline']:.3f}")
    print(f"full trace / no trace: {rate['full trace'] / rate['no trace']:.3f}")
    if "def run(record, as_of, members, tracer):" not in policy.runtime("teacher").fused_source:
        return  # an engine without a tracer argument (for a before/after comparison)

    fn = policy.runtime("teacher").fused
    source = policy.runtime("teacher").fused_source
    bare_source, cut = re.subn(r"\n    if tracer is not None:\n(?:        .*\n)+", "\n", source)
    assert cut == 2, "both tracer blocks cut"
    namespace = dict(fn.__globals__)
    exec(compile(bare_source, "<bare>", "exec"), namespace)
    bare = namespace["run"]
    for record in records[:200]:  # the two agree
        assert fn(record, AS_OF, None, None).to_dict() == bare(record, AS_OF, None, None).to_dict()
    calls = {"with tracer=None": fn, "hooks cut out": bare}
    best = dict.fromkeys(calls, float("inf"))
    for _ in range(args.repeat * 3):
        for label, run in calls.items():
            start = time.perf_counter()
            for record in records:
                run(record, AS_OF, None, None)
            best[label] = min(best[label], time.perf_counter() - start)
    for label, t in best.items():
        print(f"{label:>16}: {args.records / t:>9,.0f} records/s (generated function alone)")
    print(f"tracer=None / hooks cut out: {best['hooks cut out'] / best['with tracer=None']:.3f}")


if __name__ == "__main__":
    main()
