"""One test for each kind of bug a hand-made mutation run of the core found the suite blind to:
half-open tier rows, means through floats, capped sums of large counts, a comparison of a
fraction with a whole number, a list range checked on one item, JSON decimals through floats,
gaps at bounds excluded on both sides, the low end of a domain, empty intervals and inexact
member means. Each test fails when its mutant is planted."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction

import pytest

import engine
from engine.language.expressions import f_capped_sum, f_mean, lt

from .conftest import POLICIES, teacher

JIANGXI = (POLICIES / "jiangxi.yaml").read_text(encoding="utf-8")
AS_OF = dt.date(2020, 6, 30)
MODES = (engine.FAST, engine.REFERENCE)

#: six one-decimal scores with an exact mean of 49, whose mean in binary floats is 48.99999999999999
SCORES_MEAN_49 = ["55.4", "50.8", "57.2", "44.6", "50.3", "35.7"]


def load_variant(tmp_path, old: str, new: str, source: str = JIANGXI):
    assert old in source
    path = tmp_path / "variant.yaml"
    path.write_text(source.replace(old, new, 1), encoding="utf-8")
    return engine.load_policy(path)


def grades(policy, record, entity="teacher"):
    """The grade by every path: each mode record by record, and the batch function."""
    found = {mode: policy.evaluate(record, entity, as_of=AS_OF, mode=mode).grade for mode in MODES}
    (batch,) = list(policy.evaluate_many([record], entity, as_of=AS_OF))
    found["batch"] = batch.grade
    return found


def points(policy, record):
    found = {mode: policy.evaluate(record, "teacher", as_of=AS_OF, mode=mode).scores["usage_points"] for mode in MODES}
    (batch,) = list(policy.evaluate_many([record], "teacher", as_of=AS_OF))
    found["batch"] = batch.scores["usage_points"]
    return set(found.values())


# --- tier rows open below and closed above: (a, b] ---------------------------------------------

LEFT_OPEN_TIERS = """          - {range: "(0.80, inf)", value: 30, clause: 80%以上计满分30分}
          - {range: "(0.70, 0.80]", value: 27, clause: 70%以上计27分}
          - {range: "(0.60, 0.70]", value: 24, clause: 60%以上计24分}
          - {range: "(0.50, 0.60]", value: 21, clause: 50%以上计21分}
          - {range: "(0.40, 0.50]", value: 18, clause: 40%以上，方为合格，计分18分}
          - {range: "[0, 0.40]", value: 0, clause: 不合格者不计分}
"""


def test_a_row_open_below_and_closed_above_holds_its_upper_bound(tmp_path):
    start = JIANGXI.index('          - {range: "[0.80, inf)"')
    end = JIANGXI.index("      usage_pass:", start)  # the tier rows end the value
    source = JIANGXI[:start] + LEFT_OPEN_TIERS + JIANGXI[end:]
    path = tmp_path / "left-open.yaml"
    path.write_text(source, encoding="utf-8")
    policy = engine.load_policy(path)
    # 600 class hours: 420 capped uses is exactly 70%, 421 is just above
    exactly_70 = teacher(daily_usage=[4] * 105)
    just_above = teacher(daily_usage=[4] * 105 + [1])
    assert points(policy, exactly_70) == {24}  # (0.60, 0.70] holds 0.70
    assert points(policy, just_above) == {27}  # (0.70, 0.80] starts above it
    exactly_40 = teacher(daily_usage=[4] * 60)
    assert points(policy, exactly_40) == {0}  # [0, 0.40] holds 0.40, (0.40, 0.50] does not


# --- means and comparisons --------------------------------------------------------------------


def test_a_mean_of_decimals_is_exact():
    scores = [Fraction(s) for s in SCORES_MEAN_49]
    assert sum(float(s) for s in SCORES_MEAN_49) / 6 < 49  # what a float would decide
    assert f_mean(scores) == 49


def test_a_mean_exactly_at_the_bound_passes_on_every_path(jiangxi):
    record = teacher(lesson_scores=SCORES_MEAN_49)
    assert set(grades(jiangxi, record).values()) == {"pass"}


def test_a_fraction_equal_to_a_whole_number_is_not_below_it():
    assert lt(Fraction(7, 2), 4) and not lt(Fraction(9, 2), 4)
    assert not lt(Fraction(8, 2), 4)
    assert not lt(Fraction(49), 49)
    assert lt(Fraction(97, 2), 49) and not lt(Fraction(98, 2), 49)


# --- capped sums ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "cap", "total"),
    [
        ([300, 1, 2], 4, 7),  # a count above 255 leaves the byte table for the general path
        ([256, 1000, 3, 500], 500, 1259),
        ([1, 2, 3, 400], 300, 306),  # the large item is last
        ([400, 1, 2, 3], 300, 306),  # and first
        ([Fraction(1, 2), 5, 300], 4, Fraction(17, 2)),
    ],
)
def test_a_capped_sum_counts_every_item(items, cap, total):
    assert f_capped_sum(items, cap) == total


def test_large_daily_counts_are_each_capped_at_four(jiangxi):
    # 300 uses on one day count 4, like any other day over 4
    record = teacher(daily_usage=[300] + [4] * 74 + [3])
    result = jiangxi.evaluate(record, "teacher", as_of=AS_OF)
    assert result.scores["capped_usage"] == 4 + 4 * 74 + 3


# --- list items are checked one by one ------------------------------------------------------------


@pytest.mark.parametrize("position", [0, 3, 5])
@pytest.mark.parametrize(
    ("usual", "too_high"), [(60, 71), (Fraction(121, 2), Fraction(141, 2))], ids=["whole", "decimal"]
)
def test_every_list_item_is_range_checked(jiangxi, position, usual, too_high):
    scores = [usual] * 6
    scores[position] = too_high  # above the 70 a lesson can score
    with pytest.raises(engine.RecordError) as info:
        jiangxi.evaluate(teacher(lesson_scores=scores), "teacher", as_of=AS_OF)
    assert info.value.first.code.startswith("record.")
    (outcome,) = list(jiangxi.evaluate_many([teacher(lesson_scores=scores)], "teacher", as_of=AS_OF))
    assert not outcome.ok


# --- JSON decimals are read exactly ------------------------------------------------------------


def test_a_json_decimal_just_below_the_bound_stays_below(tmp_path, jiangxi):
    from engine.io import read_records

    # 48.99999999999999999 is 49.0 as a binary float; read exactly, the mean is just below 49
    line = json.dumps(teacher(lesson_scores=[60] * 5)).replace(
        "[60, 60, 60, 60, 60]", "[49, 49, 49, 49, 49, 48.99999999999999999]"
    )
    path = tmp_path / "t.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    (record,) = list(read_records(str(path), jiangxi.runtime("teacher").entity))
    (outcome,) = list(jiangxi.evaluate_many([record], "teacher", as_of=AS_OF))
    assert outcome.scores["lesson_score"] < 49
    assert outcome.grade == "fail"


# --- tier tables checked at load ------------------------------------------------------------------


def test_a_gap_at_a_bound_both_rows_exclude_is_refused(tmp_path):
    with pytest.raises(engine.PolicyError) as info:
        load_variant(
            tmp_path,
            '- {range: "[0.40, 0.50)", value: 18, clause: 40%以上，方为合格，计分18分}',
            '- {range: "(0.40, 0.50)", value: 18, clause: 40%以上，方为合格，计分18分}',
        )
    assert "tiers.gap" in {d.code for d in info.value.diagnostics}
    assert any("0.4" in d.message for d in info.value.diagnostics if d.code == "tiers.gap")


def test_a_domain_whose_low_end_no_row_covers_is_refused(tmp_path):
    with pytest.raises(engine.PolicyError) as info:
        load_variant(
            tmp_path,
            '- {range: "[0, 0.40)", value: 0, clause: 不合格者不计分}',
            '- {range: "[0.10, 0.40)", value: 0, clause: 不合格者不计分}',
        )
    assert "tiers.gap" in {d.code for d in info.value.diagnostics}


def test_an_empty_interval_is_refused(tmp_path):
    with pytest.raises(engine.PolicyError) as info:
        load_variant(
            tmp_path,
            '- {range: "[0.80, inf)", value: 30, clause: 80%以上计满分30分}',
            '- {range: "[0.80, inf)", value: 30, clause: 80%以上计满分30分}\n'
            '          - {range: "[0.90, 0.90)", value: 30, clause: 空区间}',
        )
    codes = {d.code for d in info.value.diagnostics}
    assert codes == {"interval.invalid"}, codes


# --- member aggregates --------------------------------------------------------------------------

GROUP = """\
kaohe: 1
id: exact-members
version: "1.0.0"
language: en
title: {zh: 成员均分, en: Member mean}
region: {zh: 测试, en: Test}
source: {title: test, date: 2024-01-01}
effective: {from: 2024-01-01}
rules:
  TS-1: {ref: "1", clause: 组内平均分49分以上为合格。}
entities:
  member:
    label: {zh: 成员, en: Member}
    inputs:
      id: {type: string, label: {zh: 编号, en: ID}, required: true}
      team: {type: string, label: {zh: 组, en: Team}, required: true}
      score: {type: number, range: "[0, 100]", label: {zh: 成绩, en: Score}, required: true}
  team:
    label: {zh: 组, en: Team}
    members: {entity: member, by: team}
    inputs:
      id: {type: string, label: {zh: 组, en: Team}, required: true}
    values:
      average: {rule: TS-1, label: {zh: 平均分, en: Average}, aggregate: mean, over: score, report: true}
    grade:
      rule: TS-1
      levels:
        - {code: pass, label: {zh: 合格, en: Pass}, rank: 1, when: average >= 49}
      otherwise: {code: fail, label: {zh: 不合格, en: Fail}, rank: 0}
"""


def test_a_member_mean_is_exact(tmp_path):
    path = tmp_path / "team.yaml"
    path.write_text(GROUP, encoding="utf-8")
    policy = engine.load_policy(path)
    members = [{"id": f"M{i}", "team": "A", "score": s} for i, s in enumerate(SCORES_MEAN_49)]
    for mode in MODES:
        ((group, _members),) = list(policy.evaluate_members(members, "team", as_of=dt.date(2024, 6, 1), mode=mode))
        assert group.scores["average"] == 49
        assert group.grade == "pass"
