"""kaohe prove: proofs over every record, and counterexamples the engine confirms."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from cli import main

from .conftest import POLICIES

z3 = pytest.importorskip("z3")

from engine.tools.prove import MEMBERS, diff_prove, prove  # noqa: E402

SHIPPED = sorted(p for p in POLICIES.glob("*.yaml") if not p.name.endswith(".tests.yaml"))
JIANGXI = (POLICIES / "jiangxi.yaml").read_text(encoding="utf-8")

GROUP = """\
kaohe: 1
id: prove-members
version: "1.0.0"
language: en
title: {zh: 成员汇总测试, en: Members aggregate test}
region: {zh: 测试, en: Test}
source: {title: test, date: 2024-01-01}
effective: {from: 2024-01-01}
rules:
  TS-1: {ref: "1", clause: 学员成绩60分以上为合格。}
  TS-2: {ref: "2", clause: 合格率80%以上且人数10人以上的班为优秀，合格率60%以上为合格。}
entities:
  trainee:
    label: {zh: 学员, en: Trainee}
    inputs:
      id: {type: string, label: {zh: 编号, en: ID}, required: true}
      class: {type: string, label: {zh: 班级, en: Class}, required: true}
      score: {type: number, range: "[0, 100]", label: {zh: 成绩, en: Score}, required: true}
    values:
      passed: {rule: TS-1, label: {zh: 合格, en: Passed}, expr: score >= 60}
  class:
    label: {zh: 班级, en: Class}
    members: {entity: trainee, by: class}
    inputs:
      id: {type: string, label: {zh: 班级, en: Class}, required: true}
    values:
      size: {rule: TS-2, label: {zh: 人数, en: Size}, aggregate: count, report: true}
      pass_rate: {rule: TS-2, label: {zh: 合格率, en: Pass rate}, aggregate: share, over: passed, report: true}
    grade:
      rule: TS-2
      levels:
        - {code: excellent, label: {zh: 优秀, en: Excellent}, rank: 2, when: pass_rate >= 0.8 and size >= 10}
        - {code: pass, label: {zh: 合格, en: Pass}, rank: 1, when: pass_rate >= 0.6}
      otherwise: {code: fail, label: {zh: 不合格, en: Fail}, rank: 0}
"""


def variant(tmp_path, old: str, new: str, source: str = JIANGXI, name: str = "p.yaml"):
    assert old in source
    path = tmp_path / name
    path.write_text(source.replace(old, new, 1), encoding="utf-8")
    return engine.load_policy(path)


def by_status(verdicts, status):
    return [v for v in verdicts if v.status == status]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_policy_is_proved(path):
    verdicts = prove(engine.load_policy(path))
    assert verdicts
    assert by_status(verdicts, "counterexample") == []
    assert by_status(verdicts, "unknown") == []
    # every level is reached by a record the engine graded that way
    reachable = [v for v in verdicts if v.check == "reachable"]
    assert reachable and all(v.witness is not None for v in reachable)


def test_every_reachable_witness_is_real():
    policy = engine.load_policy(POLICIES / "jiangxi.yaml")
    for verdict in prove(policy, "teacher"):
        if verdict.check == "reachable" and verdict.subject in {"excellent", "pass", "fail", "exempt"}:
            result = policy.evaluate(verdict.witness, "teacher", as_of=verdict.as_of, allow_outside=True)
            assert result.grade == verdict.subject


def test_a_tier_that_lowers_points_breaks_monotonicity(tmp_path):
    policy = variant(
        tmp_path,
        '- {range: "[0.70, 0.80)", value: 27, clause: 70%以上计27分}',
        '- {range: "[0.70, 0.80)", value: 17, clause: 70%以上计27分}',
    )
    bad = [v for v in by_status(prove(policy, "teacher"), "counterexample") if v.check == "property"]
    assert [v.subject for v in bad] == ["monotonic(daily_usage, increasing)"]
    low, high = bad[0].witness
    # the records differ only in daily usage, each day's count raised or kept
    assert {k: v for k, v in low.items() if k != "daily_usage"} == {k: v for k, v in high.items() if k != "daily_usage"}
    assert len(low["daily_usage"]) == len(high["daily_usage"])
    assert all(b >= a for a, b in zip(low["daily_usage"], high["daily_usage"]))
    ranks = {"fail": 0, "pass": 1, "excellent": 2}
    before = policy.evaluate(low, "teacher", as_of=bad[0].as_of, allow_outside=True)
    after = policy.evaluate(high, "teacher", as_of=bad[0].as_of, allow_outside=True)
    assert ranks[after.grade] < ranks[before.grade]


def test_a_gap_behind_a_computed_value_is_found(tmp_path):
    policy = variant(tmp_path, 'domain: "[0, inf)"\n        tiers:', 'domain: "[0.40, inf)"\n        tiers:')
    path = tmp_path / "p.yaml"
    text = path.read_text(encoding="utf-8").replace(
        '          - {range: "[0, 0.40)", value: 0, clause: 不合格者不计分}\n', ""
    )
    path.write_text(text, encoding="utf-8")
    policy = engine.load_policy(path)  # the interval checks accept it: the table covers its domain
    gaps = [v for v in prove(policy, "teacher") if v.check == "tiers" and v.status == "counterexample"]
    assert [v.subject for v in gaps] == ["usage_points"]
    with pytest.raises(engine.RecordError) as info:
        policy.evaluate(gaps[0].witness, "teacher", as_of=gaps[0].as_of, allow_outside=True)
    assert "usage_points" in str(info.value)


def test_an_unreachable_level_is_reported(tmp_path):
    policy = variant(
        tmp_path, "when: usage_pass and lesson_pass and total_score >= 90", "when: usage_pass and total_score > 100"
    )
    verdicts = prove(policy, "teacher")
    bad = [v for v in by_status(verdicts, "counterexample") if v.check == "reachable"]
    # total_score is at most 30 + 70: no record is excellent, so neither are its credits
    assert {v.subject for v in bad} == {"excellent", "credit-excellent"}
    assert all(v.witness is None for v in bad)


def test_a_consequence_that_always_follows_is_reported(tmp_path):
    policy = variant(tmp_path, "when: grade != 'exempt' and usage_ratio < 0.30", "when: usage_ratio >= 0")
    bad = by_status(prove(policy, "teacher"), "counterexample")
    assert [(v.check, v.subject) for v in bad] == [("avoidable", "no-annual-excellent")]


def test_group_levels_are_reached_with_member_records(tmp_path):
    path = tmp_path / "group.yaml"
    path.write_text(GROUP, encoding="utf-8")
    policy = engine.load_policy(path)
    verdicts = prove(policy, "class")
    assert by_status(verdicts, "counterexample") == [] and by_status(verdicts, "unknown") == []
    excellent = next(v for v in verdicts if v.check == "reachable" and v.subject == "excellent")
    members = excellent.witness[MEMBERS]
    assert len(members) >= 10
    group, _ = next(iter(policy.evaluate_members(members, "class", as_of=excellent.as_of, allow_outside=True)))
    assert group.grade == "excellent"


def test_group_level_made_unreachable_is_reported(tmp_path):
    path = tmp_path / "group.yaml"
    path.write_text(GROUP.replace("size >= 10}", "size >= 10 and pass_rate < 0.5}"), encoding="utf-8")
    bad = by_status(prove(engine.load_policy(path), "class"), "counterexample")
    assert [(v.check, v.subject) for v in bad] == [("reachable", "excellent")]


def test_diff_prove_finds_a_reordering_equivalent(tmp_path):
    a = engine.load_policy(POLICIES / "jiangxi.yaml")
    start = JIANGXI.index("      - id: no-awards")
    end = JIANGXI.index("      - id: no-annual-excellent")
    moved = JIANGXI[start:end]
    reordered = JIANGXI[:start] + JIANGXI[end:]
    anchor = "      - id: credit-pass"
    reordered = reordered.replace(anchor, moved + anchor, 1)
    assert reordered != JIANGXI
    path = tmp_path / "reordered.yaml"
    path.write_text(reordered, encoding="utf-8")
    verdicts = diff_prove(a, engine.load_policy(path), "teacher")
    assert {v.subject: v.status for v in verdicts} == {"grade": "proved", "credits": "proved", "sanctions": "proved"}


def test_diff_prove_gives_a_witness_for_a_changed_threshold(tmp_path):
    a = engine.load_policy(POLICIES / "jiangxi.yaml")
    b = variant(
        tmp_path, "expr: lesson_count >= 6 and lesson_score >= 49", "expr: lesson_count >= 6 and lesson_score >= 50"
    )
    verdicts = {v.subject: v for v in diff_prove(a, b, "teacher")}
    grade = verdicts["grade"]
    assert grade.status == "counterexample"
    was = a.evaluate(grade.witness, "teacher", as_of=grade.as_of, allow_outside=True).grade
    now = b.evaluate(grade.witness, "teacher", as_of=grade.as_of, allow_outside=True).grade
    assert was != now
    assert verdicts["credits"].status == "counterexample"


def test_cli_prove_exit_status_and_json(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(main, ["prove", str(POLICIES / "national.yaml"), "--format", "json"])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.output)
    assert data and {d["status"] for d in data} == {"proved"}
    variant(
        tmp_path,
        '- {range: "[0.70, 0.80)", value: 27, clause: 70%以上计27分}',
        '- {range: "[0.70, 0.80)", value: 17, clause: 70%以上计27分}',
    )
    bad = runner.invoke(main, ["prove", str(tmp_path / "p.yaml"), "--entity", "teacher", "--lang", "en"])
    assert bad.exit_code == 1
    assert "counterexample: teacher property monotonic(daily_usage, increasing)" in bad.output
    diff = runner.invoke(main, ["diff", "--prove", str(POLICIES / "jiangxi.yaml"), str(tmp_path / "p.yaml")])
    assert diff.exit_code == 1


# --- the list abstraction admits every real list --------------------------------------------------


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    st.lists(st.integers(min_value=0, max_value=9), max_size=8),
    st.integers(min_value=1, max_value=6),
)
def test_the_list_abstraction_admits_every_list(items, cap):
    """Every concrete list's readings satisfy the constraints the prover assumes for all lists;
    a proof over the abstraction therefore covers every real list."""
    from engine.base.errors import Location
    from engine.base.numbers import parse_interval
    from engine.language.model import Input
    from engine.tools.prove import _List

    item = Input("x", "integer", None, Location(), range=parse_interval("[0, inf)"))
    inp = Input("xs", "list", None, Location(), items=item)
    facts: list = []
    lst = _List(z3, "xs", inp, "", facts, None)
    readings = {
        lst.length: len(items),
        lst.total()[0]: sum(items),
        lst.capped(cap)[0]: sum(min(x, cap) for x in items),
    }
    if items:
        readings[lst.least()[0]] = min(items)
        readings[lst.greatest()[0]] = max(items)
        mean = lst.mean()[0]
        readings[mean] = Fraction(sum(items), len(items))
    solver = z3.Solver()
    solver.add(*facts)
    for var, value in readings.items():
        value = Fraction(value)
        solver.add(var == z3.Q(value.numerator, value.denominator))
    assert solver.check() == z3.sat, (items, cap)


def test_as_of_of_a_witness_is_inside_the_period():
    policy = engine.load_policy(POLICIES / "jiangxi.yaml")
    for verdict in prove(policy, "school"):
        if verdict.as_of is not None:
            assert verdict.as_of >= policy.spec.effective_from
            assert isinstance(verdict.as_of, dt.date)


def test_a_share_of_every_member_is_reachable(tmp_path):
    """The share is encoded exactly (passed members over all members): a level that needs every
    member to pass is reachable, and its witness group is all passes."""
    path = tmp_path / "group.yaml"
    path.write_text(
        GROUP.replace("pass_rate >= 0.8 and size >= 10}", "pass_rate == 1 and size >= 3}"), encoding="utf-8"
    )
    policy = engine.load_policy(path)
    verdicts = prove(policy, "class")
    excellent = next(v for v in verdicts if v.check == "reachable" and v.subject == "excellent")
    assert excellent.status == "proved", excellent.message
    members = excellent.witness[MEMBERS]
    assert len(members) >= 3 and all(Fraction(str(m["score"])) >= 60 for m in members)


def test_diff_prove_finds_a_policy_and_its_fmt_output_equivalent(tmp_path):
    """kaohe fmt changes order and layout, never meaning: the solver agrees, entity by entity."""
    from engine.tools.fmt import format_text

    from .test_fmt import scramble

    scrambled = tmp_path / "scrambled.yaml"
    scrambled.write_text(scramble(JIANGXI), encoding="utf-8")
    formatted = tmp_path / "formatted.yaml"
    formatted.write_text(format_text(scrambled.read_text(encoding="utf-8"), str(scrambled)), encoding="utf-8")
    a, b = engine.load_policy(scrambled), engine.load_policy(formatted)
    verdicts = diff_prove(a, b)
    assert verdicts and {v.status for v in verdicts} == {"proved"}
    assert {v.entity for v in verdicts} == set(a.spec.entities)


def test_verdicts_speak_both_languages(tmp_path):
    variant(
        tmp_path,
        '- {range: "[0.70, 0.80)", value: 27, clause: 70%以上计27分}',
        '- {range: "[0.70, 0.80)", value: 17, clause: 70%以上计27分}',
    )
    zh = CliRunner().invoke(main, ["prove", str(tmp_path / "p.yaml"), "--entity", "teacher", "--lang", "zh"])
    assert zh.exit_code == 1
    assert "反例: teacher property monotonic(daily_usage, increasing)" in zh.output
    assert "提高 daily_usage 反而使等级从「excellent」降为「pass」" in zh.output
    assert "这条记录被评为「excellent」" in zh.output
    data = json.loads(
        CliRunner()
        .invoke(main, ["prove", str(tmp_path / "p.yaml"), "-e", "teacher", "-f", "json", "--lang", "zh"])
        .output
    )
    broken = next(v for v in data if v["status"] == "counterexample")
    assert broken["code"] == "prove.property-broken" and broken["message"].startswith("raising daily_usage")
    assert broken["text"].startswith("提高 daily_usage")


def test_every_verdict_key_renders_in_both_languages():
    import re

    from engine.base.catalogue import CATALOGUE
    from engine.base.errors import Problem

    params = dict.fromkeys(
        ("reason", "text", "level", "levels", "consequence", "kind", "note", "name", "before", "after"), "x"
    )
    keys = [key for key in CATALOGUE if key.startswith("prove.")]
    assert len(keys) >= 25
    for key in keys:
        english, chinese = Problem(key, **params).render("en"), Problem(key, **params).render("zh")
        assert not re.search(r"\{[a-z_]+\}", english + chinese), key
        assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese), key
