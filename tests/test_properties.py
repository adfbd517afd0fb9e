"""Hypothesis properties of the Jiangxi policy, and fast path == reference semantics."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

import engine

from .conftest import POLICIES

JIANGXI = engine.load_policy(POLICIES / "jiangxi.yaml")

scores = st.decimals(min_value=0, max_value=70, places=1, allow_nan=False).map(str)
teachers = st.fixed_dictionaries(
    {
        "id": st.just("T"),
        "gender": st.sampled_from(["M", "F", "男", "女"]),
        "age": st.integers(20, 65),
        "opted_in": st.booleans(),
        "daily_usage": st.lists(st.integers(0, 8), max_size=220),
        "class_hours": st.integers(1, 900),
        "lesson_scores": st.lists(scores, min_size=0, max_size=9),
    }
)


def evaluate(record, mode=engine.FAST):
    return JIANGXI.evaluate(record, entity="teacher", mode=mode)


@settings(max_examples=300, deadline=None)
@given(teachers)
def test_exactly_one_grade_and_consistent_credits(record):
    result = evaluate(record)
    assert result.grade in {"excellent", "pass", "fail", "exempt"}
    expected_total = {"excellent": 2, "pass": 1, "fail": 0, "exempt": 0}[result.grade]
    assert result.credit_total == expected_total
    assert ("no_awards" in result.sanctions) == (result.grade == "fail")


@settings(max_examples=300, deadline=None)
@given(teachers)
def test_excellent_implies_both_parts_and_ninety(record):
    result = evaluate(record, mode=engine.FAST)
    if result.grade == "excellent":
        env = JIANGXI.evaluate(record, entity="teacher", trace=True).env
        assert env["usage_ratio"] >= Fraction(2, 5)
        assert len(record["lesson_scores"]) >= 6 and env["lesson_score"] >= 49
        assert env["usage_points"] + env["lesson_score"] >= 90


@settings(max_examples=200, deadline=None)
@given(teachers, st.integers(0, 8), st.integers(0, 60))
def test_more_usage_never_lowers_usage_points(record, extra, days):
    record = {**record, "opted_in": True}
    before = evaluate(record).scores["usage_points"]
    after = evaluate({**record, "daily_usage": record["daily_usage"] + [extra] * days}).scores["usage_points"]
    assert after >= before


@settings(max_examples=300, deadline=None)
@given(teachers)
def test_fast_path_agrees_with_simpleeval_reference(record):
    fast = evaluate(record, engine.FAST).to_dict(trace=False)
    reference = evaluate(record, engine.REFERENCE).to_dict(trace=False)
    assert fast == reference


@settings(max_examples=100, deadline=None)
@given(teachers)
def test_evaluation_is_deterministic_and_batch_equals_single(record):
    single = evaluate(record).to_dict()
    batch = [r.to_dict() for r in JIANGXI.evaluate_many([record, record], entity="teacher")]
    assert batch == [single, single]
