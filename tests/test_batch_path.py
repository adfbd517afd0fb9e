"""The one evaluation path (engine/runtime/fused.py) against the simpleeval reference.

Every record runs its entity's generated function: batches without a tracer, ``--trace``
and ``explain`` with a full tracer. The reference (engine/runtime/reference.py) walks the
same trees with simpleeval. These tests hold the function, with and without a tracer,
equal to the reference on every shipped policy and entity: on generated records that lean
on every tier bound, on damaged records (fields missing, empty, of the wrong kind, out of
range), and on groups evaluated from their members. Refusals carry the very same
diagnostics, and traces are the same.
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from engine.io import read_records
from engine.runtime.tracers import FullTracer, SimpleTracer
from engine.tools.testing import as_of_dates, fast_equals_reference, records

from .conftest import POLICIES, ROOT

SHIPPED = sorted(p for p in POLICIES.glob("*.yaml") if p.name.count(".") == 1)
LOADED = {p.stem: engine.load_policy(p) for p in SHIPPED}
PAIRS = [(name, entity) for name, policy in LOADED.items() for entity in policy.entities]

# what a spreadsheet or a careless tool puts in a field
JUNK = st.sampled_from(
    [
        None,
        "",
        "  ",
        "abc",
        "是",
        "否",
        "男",
        "F",
        -1,
        0,
        1,
        3,
        55,
        101,
        "0.4",
        "40%",
        "1/3",
        "1e999999999",
        True,
        False,
        [],
        [0],
        [4, 5, 6],
        [-1],
        ["x"],
        [True, 2],
        [Fraction(1, 3)],
        Fraction(7, 2),
        10**600,
        "2021-06-30",
        "2021/13/01",
        dt.date(2021, 6, 30),
        {"a": 1},
    ]
)


def damaged(policy, entity):
    """Valid records with some fields removed or replaced by junk."""
    names = list(policy.spec.entities[entity].inputs)

    @st.composite
    def build(draw):
        record = dict(draw(records(policy, entity)))
        for name in draw(st.lists(st.sampled_from(names), max_size=3, unique=True)):
            if draw(st.booleans()):
                record.pop(name, None)
            else:
                record[name] = draw(JUNK)
        return record

    return build()


@pytest.mark.parametrize("kind", ["generated", "damaged"])
@pytest.mark.parametrize("name, entity", PAIRS)
def test_batch_traced_and_reference_agree(name, entity, kind):
    """Generated records lean on every tier bound; damaged ones test that refusals match."""
    policy = LOADED[name]
    strategy = records(policy, entity) if kind == "generated" else damaged(policy, entity)

    @settings(max_examples=120)
    @given(strategy, as_of_dates(policy))
    def agree(record, day):
        fast_equals_reference(policy, entity, record, day)

    agree()


FEATURES = engine.load_policy(ROOT / "tests" / "data" / "batch-features.yaml")


@pytest.mark.parametrize("kind", ["generated", "damaged"])
def test_paths_agree_on_features_the_shipped_policies_lack(kind):
    """A computed credit amount, a value that fails unless it is not needed, an optional
    input without a default behind a reported value, dates against as_of."""
    strategy = records(FEATURES, "person") if kind == "generated" else damaged(FEATURES, "person")

    @settings(max_examples=300)
    @given(strategy, as_of_dates(FEATURES))
    def agree(record, day):
        fast_equals_reference(FEATURES, "person", record, day)

    agree()


def test_a_failing_value_matters_only_where_it_is_read():
    day = dt.date(2024, 3, 1)
    base = {"id": "x", "scores": [90, 85.5], "bonus": 0, "hours": 10}
    # kind a: 'ratio' (hours / 0) is never read
    assert FEATURES.evaluate({**base, "kind": "甲"}, "person", as_of=day).grade == "top"
    # kind b: it is read, and both paths refuse the record alike
    errors = []
    for trace in (False, True):
        with pytest.raises(engine.RecordError) as info:
            FEATURES.evaluate({**base, "kind": "乙"}, "person", as_of=day, trace=trace)
        errors.append([(d.code, d.message, d.rule) for d in info.value.diagnostics])
    assert errors[0] == errors[1] and errors[0][0][0] == "record.compute" and "ratio" in errors[0][0][1]


TEACHER = {
    "id": "A",
    "gender": "F",
    "age": 30,
    "daily_usage": [4] * 60,
    "class_hours": 600,
    "lesson_scores": [60] * 6,
}


def test_every_evaluation_runs_the_generated_function(jiangxi):
    """Batches, single records, traces and groups' members all run the one generated
    function; a trace is that function with a tracer."""
    fresh = engine.load_policy(POLICIES / "jiangxi.yaml")
    rt = fresh.runtime("teacher")
    calls = []
    real = rt.fused
    rt.fused = lambda *args: calls.append(args) or real(*args)
    day = dt.date(2020, 6, 30)
    list(fresh.evaluate_many([TEACHER, TEACHER], "teacher", as_of=day))
    assert [args[3] for args in calls] == [None, None]
    list(fresh.evaluate_many([TEACHER], "teacher", as_of=day, trace=True))
    fresh.evaluate(TEACHER, "teacher", as_of=day)
    traced = fresh.evaluate(TEACHER, "teacher", as_of=day, trace=True)
    assert len(calls) == 5 and calls[3][3] is None
    assert isinstance(calls[2][3], FullTracer) and calls[4][3] is traced.tracer
    assert traced.trace() and traced.to_dict() == fresh.evaluate(TEACHER, "teacher", as_of=day).to_dict()


def test_the_trace_is_read_from_the_tracer_not_evaluated_again(jiangxi):
    """Result.trace() calls no expression, no generated function and no evaluator code."""
    result = jiangxi.evaluate(TEACHER, "teacher", as_of=dt.date(2020, 6, 30), trace=True)
    called = []

    def watch(frame, event, arg):
        if event in ("call", "c_call"):
            called.append(frame.f_code.co_filename)

    sys.setprofile(watch)
    try:
        steps = result.trace()
    finally:
        sys.setprofile(None)
    evaluating = [f for f in called if f.startswith("<kaohe") or f.endswith(("expressions.py", "evaluator.py"))]
    assert evaluating == [] and "simpleeval" not in " ".join(called)
    assert (
        steps
        == engine.load_policy(POLICIES / "jiangxi.yaml")
        .evaluate(TEACHER, "teacher", as_of=dt.date(2020, 6, 30), trace=True)
        .trace()
    )


def test_a_full_tracer_records_every_value_tier_row_and_condition(jiangxi):
    rt = jiangxi.runtime("teacher")
    tracer = FullTracer()
    result = rt.evaluate(TEACHER, dt.date(2020, 6, 30), None, tracer)
    entity = rt.entity
    # every derived value the record allows (here: all), each input, as_of, the grade
    assert set(entity.values) <= set(tracer.env) and set(TEACHER) <= set(tracer.env)
    assert tracer.env["grade"] == result.grade == "pass"
    # each tier table: the input looked up and the row chosen, with its rule
    x, tier = tracer.tiers["usage_points"]
    assert x == Fraction(2, 5) and tier.value == 18 and x in tier.interval and tier.rule
    # each condition with its rule and whether it held: the levels tried, every consequence
    grades = [(lv.code, held) for kind, lv, held in tracer.conditions if kind == "grade"]
    assert grades == [("exempt", False), ("excellent", False), ("pass", True)]
    consequences = [(c.id, held) for kind, c, held in tracer.conditions if kind == "consequence"]
    assert len(consequences) == len(entity.consequences)
    assert {cid for cid, held in consequences if held} == {c.id for c, _ in result.fired}
    assert all(element.rule for _, element, _ in tracer.conditions)


def test_a_simple_tracer_keeps_the_values_only(jiangxi):
    tracer = SimpleTracer()
    result = jiangxi.runtime("teacher").evaluate(TEACHER, dt.date(2020, 6, 30), None, tracer)
    assert result.env["usage_ratio"] == Fraction(2, 5) and result.trace() == []


def test_a_trace_of_a_value_that_could_not_be_computed_raises_its_error(jiangxi):
    """An exempt teacher gives no usage data: the value is absent from the trace, and
    reading it from the result's names raises what stopped it."""
    result = jiangxi.evaluate({"id": "A", "gender": "M", "age": 58}, "teacher", as_of=dt.date(2020, 6, 30), trace=True)
    assert "usage_ratio" not in result.env
    assert "usage_ratio" not in [step.get("name") for step in result.trace()]
    with pytest.raises(engine.RecordError) as info:
        result.env["usage_ratio"]
    assert info.value.first.code == "record.missing" and info.value.field == "daily_usage"


def test_many_threads_on_a_newly_loaded_policy_agree_with_one():
    """Evaluating from many threads from the very first call, with the interpreter
    switching threads as often as it can, gives what one thread gives."""
    rows = list(read_records(str(ROOT / "examples/jiangsu/teachers.csv"), LOADED["jiangsu"].spec.entities["teacher"]))
    day = LOADED["jiangsu"].spec.effective_from + dt.timedelta(days=400)
    teachers = [  # each different, so a record read by another thread shows
        {**TEACHER, "id": f"T{i}", "age": 25 + i % 35, "daily_usage": [i % 6] * 60, "lesson_scores": [40 + i % 60] * 6}
        for i in range(60)
    ]
    expected = {}
    for name, policy in (("jiangxi", LOADED["jiangxi"]), ("jiangsu", LOADED["jiangsu"])):
        entity, records = ("teacher", teachers) if name == "jiangxi" else ("teacher", rows)
        when = dt.date(2020, 6, 30) if name == "jiangxi" else day
        expected[name] = (
            entity,
            records,
            when,
            [o.to_dict(trace=True) for o in policy.evaluate_many(records, entity, as_of=when, trace=True)],
        )
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(3):
            fresh = {name: engine.load_policy(POLICIES / f"{name}.yaml") for name in expected}
            barrier = threading.Barrier(16)

            def work(i, fresh=fresh, barrier=barrier):
                name = "jiangxi" if i % 2 else "jiangsu"
                entity, records, when, _ = expected[name]
                barrier.wait()
                out = fresh[name].evaluate_many(records, entity, as_of=when, trace=bool(i % 4 < 2))
                return name, i % 4 < 2, [o.to_dict(trace=True) for o in out]

            with ThreadPoolExecutor(16) as pool:
                results = list(pool.map(work, range(16)))
            for name, traced, got in results:
                want = expected[name][3]
                if not traced:
                    want = [{k: v for k, v in w.items() if k != "trace"} for w in want]
                    got = [{k: v for k, v in g.items() if k != "trace"} for g in got]
                assert got == want
    finally:
        sys.setswitchinterval(old)


def test_a_value_nobody_reads_cannot_fail_a_record(jiangxi):
    """An exempt teacher gives no usage data: the usage values cannot be computed, and
    nothing needs them; the reported ones are empty, with a tracer or without one."""
    day = dt.date(2020, 6, 30)
    record = {"id": "A", "gender": "M", "age": 58}
    batch = jiangxi.evaluate(record, "teacher", as_of=day)
    traced = jiangxi.evaluate(record, "teacher", as_of=day, trace=True)
    assert batch.grade == traced.grade == "exempt"
    assert batch.scores == traced.scores and batch.scores["usage_ratio"] is None


def test_a_needed_missing_input_fails_alike_with_a_tracer(jiangxi):
    day = dt.date(2020, 6, 30)
    record = {"id": "A", "gender": "M", "age": 40, "daily_usage": [4] * 60, "class_hours": 600}
    errors = []
    for trace in (False, True):
        with pytest.raises(engine.RecordError) as info:
            jiangxi.evaluate(record, "teacher", as_of=day, trace=trace)
        errors.append([(d.code, d.message, d.location) for d in info.value.diagnostics])
    assert errors[0] == errors[1]
    assert errors[0][0][0] == "record.missing" and "lesson_scores" in errors[0][0][1]


def test_a_value_that_cannot_be_computed_fails_alike_with_a_tracer(jiangxi):
    """class_hours 0 is refused by its range; a copy without the range divides by zero."""
    day = dt.date(2020, 6, 30)
    text = (
        (POLICIES / "jiangxi.yaml")
        .read_text(encoding="utf-8")
        .replace('unit: 课时\n        range: "(0, inf)"', 'unit: 课时\n        range: "[0, inf)"')
    )
    assert text != (POLICIES / "jiangxi.yaml").read_text(encoding="utf-8")
    path = Path(jiangxi.spec.path).parent / "__batch_copy.yaml"
    try:
        path.write_text(text, encoding="utf-8")
        policy = engine.load_policy(path)
    finally:
        path.unlink()
    record = {"id": "A", "gender": "F", "age": 30, "daily_usage": [4], "class_hours": 0, "lesson_scores": [60] * 6}
    errors = []
    for trace in (False, True):
        with pytest.raises(engine.RecordError) as info:
            policy.evaluate(record, "teacher", as_of=day, trace=trace)
        errors.append([(d.code, d.message, d.location, d.rule) for d in info.value.diagnostics])
    assert errors[0] == errors[1]
    assert errors[0][0][0] == "record.compute" and "division by zero" in errors[0][0][1]


@pytest.mark.parametrize(
    "name, entity, members_file",
    [
        ("jiangsu", "group", "examples/jiangsu/teachers.csv"),
        ("jiangsu", "school", "examples/jiangsu/teachers.csv"),
        ("henan", "city", "examples/henan/trainees.csv"),
        ("henan", "contractor_rates", "examples/henan/trainees.csv"),
    ],
)
def test_groups_from_members_agree_on_every_path(name, entity, members_file):
    policy = LOADED[name]
    member_entity = policy.spec.entities[entity].members.entity
    rows = list(read_records(str(ROOT / members_file), policy.spec.entities[member_entity]))
    assert rows, "the example has member records"
    day = policy.spec.effective_from + dt.timedelta(days=400)
    outputs = []
    for mode, trace in ((engine.FAST, False), (engine.FAST, True), (engine.REFERENCE, True)):  # batch, traced, oracle
        out = []
        for group, members in policy.evaluate_members(rows, entity, as_of=day, trace=trace, mode=mode):
            out.append((group.to_dict(), [m.to_dict() for m in members]))
        outputs.append(out)
    assert outputs[0] == outputs[1] == outputs[2]
    assert all("error" not in group and group["scores"] for group, _ in outputs[0])


def test_generated_source_is_kept_and_quotes_every_policy_name(jiangxi):
    source = jiangxi.runtime("teacher").fused_source
    assert source.startswith("def run(record, as_of, members, tracer):")
    # names from the policy appear only as quoted strings, never as code
    assert "'daily_usage'" in source and " daily_usage " not in source
    # a tracer is looked at twice, each time in one test; nothing else pays for it
    assert source.count("if tracer is not None:") == 2 and source.count("tracer") == 6


def test_every_shipped_entity_has_its_function_when_the_policy_loads():
    for policy in LOADED.values():
        for entity in policy.entities:
            assert policy.runtime(entity).fused_source.startswith("def run(record, as_of, members, tracer):")


def test_an_entity_too_large_for_one_function_is_a_located_policy_error(monkeypatch):
    """If CPython cannot compile the generated function, the policy does not load: there is
    no second path to fall back on."""
    import engine.runtime.fused

    def refuse(rt):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(engine.runtime.fused, "generate", refuse)
    with pytest.raises(engine.PolicyError) as info:
        engine.load_policy(POLICIES / "jiangxi.yaml")
    first = info.value.first
    assert first.code == "expr.limit" and "too large to compile" in first.message
    assert first.location.file.endswith("jiangxi.yaml") and first.location.line > 1
    assert "过大，无法编译为一个函数" in first.render("zh")


def test_a_reported_value_that_cannot_be_computed_refuses_the_record():
    """Nothing but the report reads per_hour (avg / hours): hours 0 refuses the record on
    every path; hours left empty leaves it empty."""
    day = dt.date(2024, 3, 1)
    base = {"id": "x", "kind": "甲", "scores": [90], "bonus": 1}
    for mode, trace in ((engine.FAST, False), (engine.FAST, True), (engine.REFERENCE, True)):
        with pytest.raises(engine.RecordError) as info:
            FEATURES.evaluate({**base, "hours": 0}, "person", as_of=day, mode=mode, trace=trace)
        assert info.value.first.code == "record.compute" and "per_hour" in info.value.first.message
        empty = FEATURES.evaluate(base, "person", as_of=day, mode=mode, trace=trace)
        assert empty.scores["per_hour"] is None and empty.grade == "top"


@pytest.mark.parametrize("rejected", ["fail", "exclude"])
def test_groups_with_rejected_members_agree_on_every_path(tmp_path, rejected):
    """Rejected members counted as members meeting no condition (fail), or left out."""
    old = "    members: {entity: teacher, by: [school, group]}\n"
    text = (POLICIES / "jiangsu.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "jiangsu.yaml"
    path.write_text(text.replace(old, old[:-2] + f", rejected: {rejected}}}\n"), encoding="utf-8")
    policy = engine.load_policy(path)
    members = [{"id": f"T{i}", "group": "语文组", "online_hours": 25, "offline_hours": 25} for i in range(1, 8)]
    members[0].update(excellent_video=True, group_video_minutes=10, group_video_faces=True)
    members[1].update(excellent_video=True)
    members += [{"id": "T8", "group": "语文组", "online_hours": "-1", "offline_hours": 25}]
    outputs = []
    for mode, trace in ((engine.FAST, False), (engine.FAST, True), (engine.REFERENCE, True)):
        groups = policy.evaluate_members(members, "group", as_of=dt.date(2022, 10, 31), trace=trace, mode=mode)
        outputs.append([(g.to_dict(trace=trace), [m.to_dict() for m in ms]) for g, ms in groups])
    assert outputs[0][0][0]["members"]["rejected"] == 1 and outputs[0][0][0].get("grade")
    assert [(g | {"trace": None}, ms) for g, ms in outputs[0]] == [(g | {"trace": None}, ms) for g, ms in outputs[1]]
    assert outputs[1] == outputs[2]
