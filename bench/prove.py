"""Time `kaohe prove` on every shipped policy, against loading the same policy (the baseline,
measured in the same run). Figures are ratios and seconds on this machine; not a test.

    python bench/prove.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import engine  # noqa: E402
from engine.tools.prove import prove  # noqa: E402


def main() -> None:
    print(f"{'policy':<10} {'load s':>8} {'prove s':>8} {'× load':>8} {'verdicts':>9}  proved/counterexample/unknown")
    for path in sorted((ROOT / "policies").glob("*.yaml")):
        if path.name.endswith(".tests.yaml"):
            continue
        start = time.perf_counter()
        policy = engine.load_policy(path)
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        verdicts = prove(policy)
        proved = time.perf_counter() - start
        counts = [sum(1 for v in verdicts if v.status == s) for s in ("proved", "counterexample", "unknown")]
        print(
            f"{path.stem:<10} {loaded:>8.2f} {proved:>8.2f} {proved / loaded:>8.0f} {len(verdicts):>9}  "
            + "/".join(map(str, counts))
        )


if __name__ == "__main__":
    main()
