"""A hand-written implementation of the Jiangxi teacher rules: the benchmark's baseline.

It encodes, directly in Python, what ``policies/jiangxi.yaml`` says for the ``teacher``
entity, with the same exact arithmetic as kaohe (``fractions.Fraction`` for every ratio,
mean and comparison; lesson scores read from JSON with ``parse_float=Fraction``), so it is
a fair *and correct* baseline: the benchmark checks that it agrees with kaohe on every
record before timing anything.

    JX-A1  exempt: not opted_in and (man >= 55 or woman >= 50)        -> grade 'exempt', nothing else
    JX-A2  capped = sum(min(day, 4)); ratio = capped / class_hours
           points: >=0.8 30, >=0.7 27, >=0.6 24, >=0.5 21, >=0.4 18, else 0 (usage fails)
    JX-A3  lesson score = mean(lesson_scores) (0 if none); passes if >= 6 lessons and mean >= 49
    JX-A4  pass if both parts pass; excellent if pass and points + lesson score >= 90; else fail
    JX-A5  credits: pass 0.5 + 0.5 = 1, excellent 1 + 1 = 2
    JX-A6  fail -> no_awards, registration_deferred
    JX-A7  not exempt and ratio < 0.30 -> no_annual_excellent

It validates only what it needs (it is a baseline of the computation, not of kaohe's
coercion and error reporting), so it expects well-formed records such as
``bench/generate.py`` writes.

Script mode, the end-to-end baseline (same json library and parse_float=Fraction as kaohe):

    python bench/baseline.py IN.jsonl|IN.csv OUT.jsonl

writes one ``{"id", "grade", "credit_total", "sanctions"}`` line per input record.
"""

from __future__ import annotations

import csv
import json
import sys
from fractions import Fraction

__all__ = ["grade_all", "grade_teacher", "load_jsonl", "main"]

# Tier bounds as exact fractions, highest first (JX-A2)
_TIERS = (
    (Fraction(8, 10), 30),
    (Fraction(7, 10), 27),
    (Fraction(6, 10), 24),
    (Fraction(5, 10), 21),
    (Fraction(4, 10), 18),
)
_PASS_RATIO = Fraction(4, 10)
_A7_RATIO = Fraction(3, 10)
_LESSON_PASS = 49
_EXCELLENT = 90
_FAIL_SANCTIONS = ("no_awards", "registration_deferred")


def _bool(value) -> bool:
    if value is True or value is False:
        return value
    if value is None or value == "":
        return False
    return str(value).strip().lower() in ("true", "1", "yes", "y", "是")


def grade_teacher(rec: dict) -> tuple[str, int, list[str]]:
    """(grade, credit_total, sanctions) of one teacher record."""
    gender = rec["gender"]
    age = rec["age"]
    # JX-A1: 男55周岁、女50周岁以上自愿参加 — inclusive bounds; not opted in -> exempt
    if not _bool(rec.get("opted_in", False)) and ((gender == "M" and age >= 55) or (gender == "F" and age >= 50)):
        return "exempt", 0, []

    # JX-A2: each day counts at most 4; ratio of capped uses to class hours
    capped = 0
    for day in rec["daily_usage"]:
        capped += day if day < 4 else 4
    ratio = Fraction(capped) / rec["class_hours"]
    points = 0
    for bound, value in _TIERS:
        if ratio >= bound:
            points = value
            break
    usage_pass = ratio >= _PASS_RATIO

    # JX-A3: mean of the lesson scores (exact), at least 6 lessons and mean >= 49
    scores = rec["lesson_scores"]
    count = len(scores)
    lesson = Fraction(sum(scores), count) if count else 0
    lesson_pass = count >= 6 and lesson >= _LESSON_PASS

    # JX-A4 grade, JX-A5 credits, JX-A6 sanctions
    if usage_pass and lesson_pass:
        if points + lesson >= _EXCELLENT:
            grade, credit, sanctions = "excellent", 2, []
        else:
            grade, credit, sanctions = "pass", 1, []
    else:
        grade, credit, sanctions = "fail", 0, list(_FAIL_SANCTIONS)
    # JX-A7: non-exempt and under 30% -> cannot be rated excellent in the annual appraisal
    if ratio < _A7_RATIO:
        sanctions.append("no_annual_excellent")
    return grade, credit, sanctions


def grade_all(records) -> list[tuple[str, int, list[str]]]:
    """``grade_teacher`` over records, in order."""
    return [grade_teacher(r) for r in records]


def load_jsonl(path) -> list[dict]:
    """Records of a JSON Lines file, numbers exact (parse_float=Fraction), as kaohe reads them."""
    out = []
    loads = json.loads
    with open(path, "rb") as f:
        for raw in f:
            if raw.strip():
                out.append(loads(raw, parse_float=Fraction))
    return out


def _iter_jsonl(path):
    loads = json.loads
    with open(path, "rb") as f:
        for raw in f:
            if raw.strip():
                yield loads(raw, parse_float=Fraction)


def _iter_csv(path):
    """CSV as bench/generate.py writes it: header = input names, lists joined with ';'."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            usage = row["daily_usage"]
            scores = row["lesson_scores"]
            yield {
                "id": row["id"],
                "gender": row["gender"],
                "age": int(row["age"]),
                "opted_in": row.get("opted_in", ""),
                "daily_usage": [int(x) for x in usage.split(";")] if usage else [],
                "class_hours": Fraction(row["class_hours"]),
                "lesson_scores": [Fraction(x) for x in scores.split(";")] if scores else [],
            }


def run_file(src: str, dst: str) -> int:
    """The end-to-end baseline: read, grade, write JSONL; return the number of records."""
    records = _iter_csv(src) if src.lower().endswith(".csv") else _iter_jsonl(src)
    dumps = json.dumps
    n = 0
    with open(dst, "w", encoding="utf-8") as out:
        write = out.write
        for rec in records:
            grade, credit, sanctions = grade_teacher(rec)
            write(
                dumps(
                    {"id": rec["id"], "grade": grade, "credit_total": credit, "sanctions": sanctions},
                    ensure_ascii=False,
                    separators=(",", ":"),
                )
                + "\n"
            )
            n += 1
    return n


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: python bench/baseline.py IN.jsonl|IN.csv OUT.jsonl", file=sys.stderr)
        return 2
    n = run_file(argv[0], argv[1])
    print(f"baseline: {n} record(s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
