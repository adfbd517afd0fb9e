"""engine.runtime.evaluator's tier tables and member aggregates, pinned down value by value:
each test here kills mutants that the rest of the suite let survive (bench/mutation.py
evaluator; figures in bench/MUTATION.md)."""

from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace

import pytest

import engine
from engine.base.numbers import parse_interval
from engine.language.expressions import EvalFailure
from engine.runtime.evaluator import EntityRuntime, TierTable
from engine.runtime.policy import MemberEnvs

from .conftest import POLICIES


def table(*texts):
    return TierTable([SimpleNamespace(interval=parse_interval(t)) for t in texts])


@pytest.mark.parametrize(
    ("x", "want"),
    [
        (0, 0),
        (Fraction(59, 1) + Fraction(99, 100), 0),
        (60, 1),
        (Fraction(121, 2), 1),
        (80, 1),
        (Fraction(8001, 100), 2),
        (100, 2),
    ],
)
def test_tier_index_at_both_kinds_of_bound(x, want):
    # [0, 60) [60, 80] (80, 100]: a bound closed upwards at 60, closed downwards at 80
    assert table("[0, 60)", "[60, 80]", "(80, 100]").index(x) == want


def test_tier_index_many_rows():
    t = table("(-inf, 1)", "[1, 2)", "[2, 3)", "[3, inf)")
    assert [t.index(x) for x in (0, 1, Fraction(3, 2), 2, Fraction(5, 2), 3, 99)] == [0, 1, 1, 2, 2, 3, 3]


def test_tier_index_outside_every_tier_is_refused():
    t = table("[0, 60)", "[60, 100]")
    for x in (-1, 101, Fraction(201, 2)):
        with pytest.raises(EvalFailure) as caught:
            t.index(x)
        assert caught.value.key == "eval.no-tier"
    with pytest.raises(EvalFailure) as caught:
        t.index(Fraction(-1, 2))
    assert caught.value.params == {"value": "-0.5"}


def test_tier_index_of_other_values_by_bisection():
    # not an int or Fraction (a float here; kinds never yields one for a tier): bisection
    t = table("[0, 60)", "[60, 80]", "(80, 100]")
    assert [t.index(x) for x in (59.5, 60.0, 70.0, 80.0, 80.5, 100.0)] == [0, 1, 1, 1, 2, 2]


def field(name):
    return SimpleNamespace(fast=lambda m: m[name])


def value(fn, over=None, where=None):
    return SimpleNamespace(aggregate=fn, over=over, where=where, name="v")


def members(rows, failing=0):
    envs = MemberEnvs(rows)
    envs.failing = failing
    return envs


def agg(envs, v):
    return EntityRuntime.aggregate(None, envs, v)


ROWS = [
    {"score": Fraction(91, 2), "ok": True, "school": "a"},
    {"score": 52, "ok": False, "school": "b"},
    {"score": Fraction(493, 10), "ok": True, "school": "a"},
]


def test_count_counts_rejected_members_only_without_a_condition():
    assert agg(members(ROWS, failing=2), value("count")) == 5
    assert agg(members(ROWS), value("count", over=field("ok"))) == 2
    assert agg(members(ROWS, failing=2), value("count", over=field("ok"))) == 2
    assert agg(members(ROWS), value("count", where=field("ok"))) == 2


def test_share_counts_rejected_members_as_failing():
    assert agg(members(ROWS), value("share", over=field("ok"))) == Fraction(2, 3)
    assert agg(members(ROWS, failing=1), value("share", over=field("ok"))) == Fraction(1, 2)
    assert agg(members([], failing=2), value("share", over=field("ok"))) == 0
    with pytest.raises(EvalFailure) as caught:
        agg(members([]), value("share", over=field("ok")))
    assert caught.value.key == "eval.share-of-none" and caught.value.params == {"name": "v"}


def test_sum_mean_min_max_are_exact():
    envs = members(ROWS)
    assert agg(envs, value("sum", over=field("score"))) == Fraction(1468, 10)
    mean = agg(envs, value("mean", over=field("score")))
    assert mean == Fraction(1468, 30) and type(mean) is Fraction
    whole = agg(members([{"score": 3}, {"score": 5}]), value("mean", over=field("score")))
    assert whole == 4 and type(whole) is int
    assert agg(envs, value("min", over=field("score"))) == Fraction(91, 2)
    assert agg(envs, value("max", over=field("score"))) == 52
    for fn in ("mean", "min", "max"):
        assert agg(members([]), value(fn, over=field("score"))) is None


def test_all_any_distinct_list():
    envs = members(ROWS)
    assert agg(envs, value("all", over=field("ok"))) is False
    assert agg(members(ROWS, 0), value("all", over=field("ok"), where=field("ok"))) is True
    assert agg(members(ROWS, 1), value("all", over=field("ok"), where=field("ok"))) is False
    assert agg(envs, value("any", over=field("ok"))) is True
    assert agg(members([ROWS[1]]), value("any", over=field("ok"))) is False
    assert agg(envs, value("distinct", over=field("school"))) == 2
    assert agg(envs, value("list", over=field("school"))) == ["a", "b", "a"]


# -- the errors a record is refused with: code, place, rule and parameters -----------------------


def diag(error):
    (d,) = error.diagnostics
    return d


def test_record_error_builders_name_the_field_or_rule(jiangxi):
    rt = jiangxi.runtime("teacher")
    name = next(n for n in rt.values if rt.values[n].rule)
    value = rt.values[name]
    d = diag(rt.shape_error([1]))
    assert (d.code, d.params, d.location) == ("record.shape", {"kind": "list"}, rt.entity.location)
    d = diag(rt.failure(name, EvalFailure("eval.no-tier", value="7")))
    assert (d.code, d.location, d.rule, d.params["name"]) == ("record.compute", value.location, value.rule, name)
    assert d.params["reason"].key == "eval.no-tier"
    d = diag(rt.member_input_error(name, value, EvalFailure("eval.no-tier", value="7")))
    assert (d.key, d.location, d.rule, d.params["name"]) == ("record.compute/members", value.location, value.rule, name)
    assert d.params["reason"].key == "eval.no-tier"
    d = diag(rt.no_members_error(name))
    assert (d.code, d.location, d.rule, d.params) == (
        "record.members",
        value.location,
        value.rule,
        {"name": name, "entity": "teacher"},
    )
    d = diag(rt.undecided_error(EvalFailure("eval.no-tier", value="7")))
    assert (d.key, d.location) == ("record.compute/decide", rt.entity.location)
    assert d.params["reason"].key == "eval.no-tier"
    field = next(iter(rt.entity.inputs))
    d = rt.missing_problem(field)
    inp = rt.entity.inputs[field]
    assert d.code == "record.missing" and d.location == inp.location
    assert d.evidence == {"field": field} and d.params["field"] == field and d.params["label"] == inp.label.zh


def test_tier_refusal_shows_the_value_as_written():
    t = table("[0, 1]")
    with pytest.raises(EvalFailure) as caught:
        t.index(Fraction(3, 2))
    assert caught.value.params == {"value": "1.5"}
    with pytest.raises(EvalFailure) as caught:
        t.index(2.5)
    assert caught.value.params == {"value": "2.5"}


def test_read_coerces_defaults_and_reports_every_problem(jiangxi):
    rt = jiangxi.runtime("teacher")
    env, problems = rt.read({"id": "A", "gender": "F", "age": "40", "opted_in": "", "class_hours": "x"})
    assert env == {"id": "A", "gender": "F", "age": 40, "opted_in": False}
    assert [(p.code, p.params["field"], p.location) for p in problems] == [
        ("record.invalid", "class_hours", rt.entity.inputs["class_hours"].location)
    ]
    assert problems[0].params["label"] == "总课时" and problems[0].evidence == {"field": "class_hours"}
    assert isinstance(problems[0].params["reason"], ValueError)
    env, problems = rt.read({"gender": "", "age": 40})
    assert [(p.key, p.params["field"], p.params["label"]) for p in problems] == [
        ("record.missing", "id", "工号"),
        ("record.missing", "gender", "性别"),
    ]
    assert env == {"age": 40, "opted_in": False}
    env, problems = rt.read({"id": "A", "gender": "F", "age": 40, "opted_in": "否"})
    assert problems == [] and env["opted_in"] is False


def test_an_unlabelled_field_is_named_once(jiangxi):
    rt = jiangxi.runtime("teacher")
    inp = rt.entity.inputs["class_hours"]
    label = inp.label
    try:
        object.__setattr__(label, "zh", "class_hours") if hasattr(label, "__dataclass_fields__") else None
        if label.zh != "class_hours":
            pytest.skip("labels are not settable here")
        d = rt.missing_problem("class_hours")
        assert d.key == "record.missing/unlabelled" and d.message == "field class_hours is missing"
    finally:
        object.__setattr__(label, "zh", "总课时")
    assert rt.missing_problem("class_hours").key == "record.missing"


def test_tier_table_keeps_its_tiers():
    tiers = [SimpleNamespace(interval=parse_interval(t)) for t in ("[0, 1)", "[1, 2]")]
    assert TierTable(tiers).tiers is tiers


def test_member_inputs_are_filled_from_members_only_when_left_empty():
    rt = engine.load_policy(POLICIES / "guangxi.yaml").runtime("county")
    envs = MemberEnvs([{"case_recommended": True}, {"case_recommended": False}, {"case_recommended": True}])
    result = rt.evaluate({"id": "C1", "trained_teachers": "", "recommended_cases": None}, members=envs)
    assert (result.scores["cases_needed"], result.grade) == (1, "pass")  # 3 teachers, 2 cases
    result = rt.evaluate({"id": "C1", "trained_teachers": 100, "recommended_cases": 7}, members=envs)
    assert (result.scores["cases_needed"], result.grade) == (10, "fail")  # 100 teachers, 7 cases
    result = rt.evaluate({"id": "C1", "trained_teachers": 100, "recommended_cases": 7})  # no members given
    assert (result.scores["cases_needed"], result.grade) == (10, "fail")
    with pytest.raises(engine.RecordError) as caught:
        rt.evaluate(["C1"])
    assert diag(caught.value).params == {"kind": "list"}


def test_tier_index_by_bisection_at_an_excluded_lower_end():
    t = table("[0, 1]", "(1, 2]", "(2, 3]", "(3, 4]")
    assert [t.index(x) for x in (1.0, 2.0, 3.0, 3.5, 4.0)] == [0, 1, 2, 3, 3]


def test_a_plain_list_of_members_has_no_rejected_ones():
    assert agg(list(ROWS), value("count")) == 3
    assert agg(list(ROWS), value("share", over=field("ok"))) == Fraction(2, 3)


def test_member_input_refusals(monkeypatch):
    rt = engine.load_policy(POLICIES / "guangxi.yaml").runtime("county")
    with pytest.raises(engine.RecordError) as caught:  # no members: an empty member input is missing
        rt.evaluate({"id": "C1", "trained_teachers": "", "recommended_cases": 7})
    assert diag(caught.value).code == "record.missing" and diag(caught.value).params["field"] == "trained_teachers"

    def fails(members, value):
        raise EvalFailure("eval.share-of-none", name=value.name)

    monkeypatch.setattr(rt, "aggregate", fails)
    with pytest.raises(engine.RecordError) as caught:
        rt.evaluate({"id": "C1", "trained_teachers": "", "recommended_cases": 7}, members=MemberEnvs([]))
    d = diag(caught.value)
    value = rt.entity.member_inputs["trained_teachers"]
    assert (d.key, d.location, d.params["name"]) == ("record.compute/members", value.location, "trained_teachers")
    assert d.params["reason"].key == "eval.share-of-none"
