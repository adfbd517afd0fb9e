"""Deterministic generator of realistic Jiangxi teacher records (policies/jiangxi.yaml, entity ``teacher``).

    python bench/generate.py --records 200000 --out bench/out/data [--seed 2019]

Writes ``teachers-N.jsonl`` and ``teachers-N.csv`` into ``--out``: the same records, in the
same order. Fields are exactly the ``teacher`` inputs of the policy: ``id``, ``gender``
(M/F), ``age`` (22-62), ``opted_in`` (rarely true), ``daily_usage`` (~190 daily counts,
0-8), ``class_hours`` (300-700) and ``lesson_scores`` (6-8 scores, 35.0-70.0, one decimal,
written as JSON numbers such as ``50.0`` and ``45.5``). In the CSV, lists are joined with
``;`` and the header is the input names.

The distributions are chosen so that grades spread over exempt / fail / pass / excellent
(roughly 15 / 20 / 50 / 15 %), and about 1 % of the records sit exactly on a boundary of
the rules (usage ratio exactly 0.30, 0.40, ... 0.80; lesson mean exactly 49; total exactly
90; age exactly 50 or 55), so that the benchmark's agreement check exercises the exact
arithmetic and the inclusive/exclusive sides of every bound.

The same ``--seed`` and ``--records`` always give byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
from pathlib import Path

FIELDS = ["id", "gender", "age", "opted_in", "daily_usage", "class_hours", "lesson_scores"]
DAYS = (186, 194)  # teaching days in a school year with a usage count
COUNTS = range(9)
GEN_VERSION = "1"  # bump when the distributions change: cached files are regenerated
BOUNDARY_RATIOS = ("0.30", "0.40", "0.50", "0.60", "0.70", "0.80")


def _age(rng: random.Random) -> int:
    # a teaching staff skews young-to-middle-aged; a tail of older teachers (some exempt)
    while True:
        age = int(rng.triangular(22, 63, 40))
        if 22 <= age <= 62:
            return age


def _daily(rng: random.Random, days: int, mean: float) -> list[int]:
    """Daily usage counts 0-8: a teacher's own mean, some days off, occasional bursts.

    Each day is drawn from the teacher's own distribution: with probability ``absent`` no
    use at all (meetings, exams, leave), otherwise a Poisson count around ``mean``, with
    the tail above 8 counted as 8. One ``choices`` call per teacher keeps generation fast.
    """
    absent = rng.uniform(0.02, 0.25)
    pmf = [math.exp(-mean) * mean**k / math.factorial(k) for k in range(9)]
    pmf[8] += max(0.0, 1.0 - sum(pmf))
    weights = [(1 - absent) * p for p in pmf]
    weights[0] += absent
    return rng.choices(COUNTS, weights=weights, k=days)


def _engagement(rng: random.Random) -> float:
    """Mean daily uses on a day the teacher uses the platform at all."""
    u = rng.random()
    if u < 0.20:
        return rng.uniform(0.3, 1.4)  # reluctant users: mostly fail the usage part
    if u < 0.75:
        return rng.uniform(1.3, 3.0)  # ordinary
    return rng.uniform(2.8, 5.5)  # heavy users: capped at 4 a day


def _lessons(rng: random.Random) -> list[float]:
    skill = rng.gauss(56.5, 5.5)
    spread = rng.uniform(1.5, 5.0)
    n = rng.choice((6, 6, 6, 6, 7, 7, 8))
    return [round(min(70.0, max(35.0, rng.gauss(skill, spread))), 1) for _ in range(n)]


def _tenths(xs) -> int:
    return sum(round(x * 10) for x in xs)


def _boundary(rng: random.Random, rec: dict) -> None:
    """Move a record exactly onto a bound of JX-A1, JX-A2, JX-A3, JX-A4 or JX-A7."""
    kind = rng.randrange(5)
    if kind == 0:  # age exactly on the exemption bound
        rec["age"] = 55 if rec["gender"] == "M" else 50
        return
    if kind in (1, 2):  # usage ratio exactly on a tier bound
        num, den = {"0.30": (3, 10), "0.40": (2, 5), "0.50": (1, 2), "0.60": (3, 5), "0.70": (7, 10), "0.80": (4, 5)}[
            rng.choice(BOUNDARY_RATIOS)
        ]
        hours = rng.randrange(300, 701)
        hours -= hours % den  # so that hours * num / den is whole
        hours = max(hours, 300 + (-300) % den)
        target = hours * num // den
        days = len(rec["daily_usage"])
        if target > 4 * days:
            return
        # spread target uses over the days, each day's capped count at most 4
        base, extra = divmod(target, days)
        usage = [base + (1 if i < extra else 0) for i in range(days)]
        # a few uncapped days above 4 (they count as 4): add surplus where the day already has 4
        usage = [u + rng.randrange(0, 5) if u == 4 and rng.random() < 0.2 else u for u in usage]
        rec["daily_usage"], rec["class_hours"] = usage, hours
        return
    # lesson mean exactly 49 (kind 3) or total exactly 90 (kind 4), with one-decimal scores
    n = len(rec["lesson_scores"])
    target_mean = 49 if kind == 3 else rng.choice((60, 63, 66, 69))  # with 30/27/24/21 points → 90
    if kind == 4:
        points = {60: 30, 63: 27, 66: 24, 69: 21}[target_mean]
        ratio = {30: (4, 5), 27: (7, 10), 24: (3, 5), 21: (1, 2)}[points]
        hours = rng.randrange(300, 701)
        hours -= hours % ratio[1]
        hours = max(hours, 300 + (-300) % ratio[1])
        need = hours * ratio[0] // ratio[1]  # exactly on the tier's lower bound
        days = len(rec["daily_usage"])
        if need > 4 * days:
            return
        base, extra = divmod(need, days)
        rec["daily_usage"] = [base + (1 if i < extra else 0) for i in range(days)]
        rec["class_hours"] = hours
    total = target_mean * 10 * n  # in tenths
    scores = []
    for i in range(n - 1):
        left = n - i - 1
        lo = max(350, total - 700 * left)
        hi = min(700, total - 350 * left)
        a, b = max(lo, target_mean * 10 - 60), min(hi, target_mean * 10 + 60)
        s = rng.randint(a, b) if a <= b else rng.randint(lo, hi)
        scores.append(s)
        total -= s
    if not 350 <= total <= 700:
        return
    scores.append(total)
    rng.shuffle(scores)
    rec["lesson_scores"] = [s / 10 for s in scores]


def generate(n: int, seed: int = 2019):
    """Yield ``n`` teacher records as plain dicts (floats for scores), deterministically."""
    rng = random.Random(seed)
    for i in range(1, n + 1):
        gender = "F" if rng.random() < 0.66 else "M"
        age = _age(rng)
        old = (gender == "M" and age >= 55) or (gender == "F" and age >= 50)
        opted_in = rng.random() < (0.12 if old else 0.01)
        days = rng.randint(*DAYS)
        rec = {
            "id": f"JX{i:07d}",
            "gender": gender,
            "age": age,
            "opted_in": opted_in,
            "daily_usage": _daily(rng, days, _engagement(rng)),
            "class_hours": rng.randint(300, 700),
            "lesson_scores": _lessons(rng),
        }
        if rng.random() < 0.01:
            _boundary(rng, rec)
        yield rec


def _json_line(rec: dict) -> str:
    # floats with one decimal print as 45.5 / 50.0: JSON numbers kaohe reads exactly
    return json.dumps(rec, ensure_ascii=False, separators=(",", ":"))


def _csv_row(rec: dict) -> list[str]:
    return [
        rec["id"],
        rec["gender"],
        str(rec["age"]),
        "true" if rec["opted_in"] else "false",
        ";".join(map(str, rec["daily_usage"])),
        str(rec["class_hours"]),
        ";".join(f"{s:.1f}" for s in rec["lesson_scores"]),
    ]


def write(n: int, out: str | Path, seed: int = 2019) -> tuple[Path, Path]:
    """Write N records as JSONL and CSV into ``out``; return both paths (skips if present)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    jsonl = out / f"teachers-{n}-s{seed}.jsonl"
    csv_path = out / f"teachers-{n}-s{seed}.csv"
    done = out / f".teachers-{n}-s{seed}.done"
    if done.exists() and done.read_text() == GEN_VERSION and jsonl.exists() and csv_path.exists():
        return jsonl, csv_path
    with (
        open(jsonl, "w", encoding="utf-8", newline="\n") as fj,
        open(csv_path, "w", encoding="utf-8", newline="") as fc,
    ):
        writer = csv.writer(fc, lineterminator="\n")
        writer.writerow(FIELDS)
        for rec in generate(n, seed):
            fj.write(_json_line(rec) + "\n")
            writer.writerow(_csv_row(rec))
    done.write_text(GEN_VERSION)
    return jsonl, csv_path


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", "-n", type=int, default=200_000)
    ap.add_argument("--out", "-o", default="bench/out/data")
    ap.add_argument("--seed", type=int, default=2019)
    args = ap.parse_args(argv)
    jsonl, csv_path = write(args.records, args.out, args.seed)
    print(f"{jsonl} ({jsonl.stat().st_size / 1e6:.1f} MB)\n{csv_path} ({csv_path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
