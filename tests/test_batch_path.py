"""The generated batch function (engine/fused.py) against the lazy path and the reference.

Batches (no trace) run each entity as one generated function; a trace runs the lazy
evaluator; the reference walks the same trees with simpleeval. These tests hold the three
equal on every shipped policy and entity: on generated records that lean on every tier
bound, on damaged records (fields missing, empty, of the wrong kind, out of range), and on
groups evaluated from their members. Refusals must carry the very same diagnostics.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from engine.io import read_records
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
def test_batch_lazy_and_reference_agree(name, entity, kind):
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


def test_the_batch_path_is_the_one_batches_take(jiangxi):
    """A batch without a trace runs the generated function; a trace runs the lazy path."""
    rt = jiangxi.runtime("teacher")
    calls = []
    real = rt.fused
    rt._fused = lambda *args: calls.append(args) or real(*args)
    try:
        record = {
            "id": "A",
            "gender": "F",
            "age": 30,
            "daily_usage": [4] * 60,
            "class_hours": 600,
            "lesson_scores": [60] * 6,
        }
        list(jiangxi.evaluate_many([record, record], "teacher", as_of=dt.date(2020, 6, 30)))
        assert len(calls) == 2
        jiangxi.evaluate(record, "teacher", as_of=dt.date(2020, 6, 30), trace=True)
        assert len(calls) == 2
    finally:
        rt._fused = real


def test_a_value_nobody_reads_cannot_fail_a_record(jiangxi):
    """An exempt teacher gives no usage data: the usage values cannot be computed, and
    nothing needs them; the reported ones are empty, as on the lazy path."""
    day = dt.date(2020, 6, 30)
    record = {"id": "A", "gender": "M", "age": 58}
    batch = jiangxi.evaluate(record, "teacher", as_of=day)
    lazy = jiangxi.evaluate(record, "teacher", as_of=day, trace=True)
    assert batch.grade == lazy.grade == "exempt"
    assert batch.scores == lazy.scores and batch.scores["usage_ratio"] is None


def test_a_needed_missing_input_fails_like_the_lazy_path(jiangxi):
    day = dt.date(2020, 6, 30)
    record = {"id": "A", "gender": "M", "age": 40, "daily_usage": [4] * 60, "class_hours": 600}
    errors = []
    for trace in (False, True):
        with pytest.raises(engine.RecordError) as info:
            jiangxi.evaluate(record, "teacher", as_of=day, trace=trace)
        errors.append([(d.code, d.message, d.location) for d in info.value.diagnostics])
    assert errors[0] == errors[1]
    assert errors[0][0][0] == "record.missing" and "lesson_scores" in errors[0][0][1]


def test_a_value_that_cannot_be_computed_fails_like_the_lazy_path(jiangxi):
    """class_hours 0 is refused by its range; a copy without the range divides by zero."""
    day = dt.date(2020, 6, 30)
    text = (
        (POLICIES / "jiangxi.yaml")
        .read_text(encoding="utf-8")
        .replace('range: "(0, inf)"\n        unit: 课时', 'range: "[0, inf)"\n        unit: 课时')
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
    for mode, trace in ((engine.FAST, False), (engine.FAST, True), (engine.REFERENCE, True)):
        out = []
        for group, members in policy.evaluate_members(rows, entity, as_of=day, trace=trace, mode=mode):
            out.append((group.to_dict(), [m.to_dict() for m in members]))
        outputs.append(out)
    assert outputs[0] == outputs[1] == outputs[2]
    assert all("error" not in group and group["scores"] for group, _ in outputs[0])


def test_generated_source_is_kept_and_quotes_every_policy_name(jiangxi):
    source = jiangxi.runtime("teacher").fused_source
    assert source.startswith("def run(record, as_of, members):")
    # names from the policy appear only as quoted strings, never as code
    assert "'daily_usage'" in source and " daily_usage " not in source


def test_every_shipped_entity_has_its_batch_function():
    for policy in LOADED.values():
        for entity in policy.entities:
            assert policy.runtime(entity).fused_source.startswith("def run(record, as_of, members):")


def test_an_entity_too_large_for_one_function_takes_the_lazy_path(jiangxi, monkeypatch):
    """If the generated function cannot be compiled, batches still give the same results."""
    import engine.runtime.fused

    def refuse(rt):
        raise RecursionError("maximum recursion depth exceeded")

    fresh = engine.load_policy(POLICIES / "jiangxi.yaml")
    monkeypatch.setattr(engine.runtime.fused, "compile_entity", refuse)
    record = {
        "id": "A",
        "gender": "F",
        "age": 30,
        "daily_usage": [4] * 60,
        "class_hours": 600,
        "lesson_scores": [60] * 6,
    }
    day = dt.date(2020, 6, 30)
    with pytest.warns(RuntimeWarning, match="without its batch function"):
        got = [r.to_dict() for r in fresh.evaluate_many([record], "teacher", as_of=day)]
    assert got == [jiangxi.evaluate(record, "teacher", as_of=day).to_dict()]
