"""Differential tests: the columnar plan on DuckDB gives exactly the row engine's outcomes
(results, error codes and text) on every shipped entity the plan can express, on generated,
bound-biased and damaged records and on the policies' case files. Entities the plan cannot
express are listed, and still give the row engine's outcomes through the columnar entry
points (they fall back)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

duckdb = pytest.importorskip("duckdb")
pa = pytest.importorskip("pyarrow")
pytest.importorskip("sqlglot")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import engine  # noqa: E402
from engine.columnar.plan import Unsupported, build_plan  # noqa: E402
from engine.columnar.run import outcomes_from_table, plan_for, records_to_table, run_plan  # noqa: E402
from engine.columnar.table import outcomes_table  # noqa: E402
from engine.io.tables import declared_kinds  # noqa: E402
from engine.io.text import SeenKeys, limit_record  # noqa: E402
from engine.tools import testing  # noqa: E402
from engine.tools.cases import load_cases  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
POLICY_FILES = sorted(p for p in (ROOT / "policies").glob("*.yaml") if not p.name.endswith(".tests.yaml"))
POLICIES = {p.stem: engine.load_policy(p) for p in POLICY_FILES}
ENTITIES = [(name, entity) for name, policy in POLICIES.items() for entity in policy.entities]


def supported(policy, entity) -> bool:
    ent = policy.runtime(entity).entity
    try:
        build_plan(policy.spec, ent, declared_kinds(ent), policy.spec.effective_from)
    except Unsupported:
        return False
    return True


PLANNED = [(p, e) for p, e in ENTITIES if supported(POLICIES[p], e)]


def bounded(n):
    return settings(
        max_examples=n,
        deadline=None,
        database=None,
        phases=(Phase.explicit, Phase.generate),  # a failure is shown as drawn: shrinking 60 records is slow
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )


def row_dicts(policy, entity, records, day):
    return [o.to_dict() for o in policy.evaluate_many(records, entity, as_of=day, allow_outside=True)]


def columnar_dicts(policy, entity, records, day):
    ent = policy.runtime(entity).entity
    table, originals, forced, kinds = records_to_table(records, ent)
    outs = outcomes_from_table(policy, entity, table, day, forced=forced, originals=originals, kinds=kinds)
    return [o.to_dict() for o in outs]


def assert_same(policy, entity, records, day):
    row = row_dicts(policy, entity, records, day)
    col = columnar_dicts(policy, entity, records, day)
    assert len(col) == len(row) == len(records)
    for i, (a, b) in enumerate(zip(row, col)):
        assert a == b, f"record {i + 1}: {records[i]!r}\nrow:      {a}\ncolumnar: {b}"


def test_the_plan_covers_the_flat_entities():
    """The plan expresses every shipped entity judged from its own records (Guangxi's
    schools through the rollout schedule, joined; the national teacher's lists of text by
    their length; Henan's contractors with add_days; a Jiangsu group given its counts); the
    groups judged from members are tests/test_columnar_members.py's."""
    aggregate_values = {("henan", "city"), ("henan", "contractor_rates")}  # from members only
    assert set(PLANNED) == set(ENTITIES) - aggregate_values
    assert len(PLANNED) == 13


# -- damage: what a school's export does to a record ------------------------------------------------

ODD = [
    None,
    "",
    " ",
    "abc",
    "１２",
    " 45 ",
    "45.",
    "4.5e1",
    "40%",
    "1,000",
    -1,
    -0.5,
    10**20,
    1e300,
    0.1 + 0.2,
    float("nan"),
    True,
    [],
    [1, None],
    [1, "x"],
    [1.25, 2],
    "2021-02-30",
    "2021/6/30",
    dt.date(2021, 6, 30),
    Decimal("45.5"),
    Decimal("1E+2"),
    Fraction(1, 3),
    {"a": 1},
]


def damaged(policy, entity):
    inputs = list(policy.runtime(entity).entity.inputs)

    @st.composite
    def draw(draw):
        record = dict(draw(testing.records(policy, entity, bounds=draw(st.booleans()))))
        for _ in range(draw(st.integers(1, 2))):
            name = draw(st.sampled_from(inputs))
            how = draw(st.integers(0, 3))
            if how == 0:
                record.pop(name, None)
            elif how == 1:
                record[name] = draw(st.sampled_from(ODD))
            elif how == 2 and isinstance(record.get(name), list) and record[name]:
                items = list(record[name])
                items[draw(st.integers(0, len(items) - 1))] = draw(st.sampled_from(ODD))
                record[name] = items
            else:
                record[name] = str(record.get(name))
        return record

    return draw()


def batch(policy, entity):
    good = testing.records(policy, entity, bounds=True)
    plain = testing.records(policy, entity, bounds=False)
    bad = damaged(policy, entity)
    return st.lists(st.one_of(good, good, plain, bad), min_size=20, max_size=60)


@pytest.mark.parametrize(("policy_name", "entity"), PLANNED)
@bounded(6)
@given(data=st.data())
def test_row_engine_equals_duckdb_on_generated_and_damaged_records(policy_name, entity, data):
    policy = POLICIES[policy_name]
    records = data.draw(batch(policy, entity))
    day = data.draw(testing.as_of_dates(policy))
    assert_same(policy, entity, records, day)


@pytest.mark.parametrize(("policy_name", "entity"), PLANNED)
@bounded(4)
@given(data=st.data())
def test_arrow_tables_give_the_row_engines_table(policy_name, entity, data):
    """evaluate_table on an Arrow table = the row engine over the same rows, each row first
    checked as the file readers check a record (a repeated key, the shared limits)."""
    policy = POLICIES[policy_name]
    records = data.draw(st.lists(testing.records(policy, entity, bounds=True), min_size=5, max_size=40))
    day = data.draw(testing.as_of_dates(policy))
    try:
        table = pa.Table.from_pylist(records)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return  # mixed kinds in one column: covered through the dict path above
    got = policy.evaluate_table(table, entity, as_of=day, allow_outside=True)
    rows = table.to_pylist()
    ent = policy.runtime(entity).entity
    seen = SeenKeys(ent, "<table>")
    seen.headers = set()  # a table's columns are its fields
    outcomes = []
    for i, outcome in enumerate(policy.evaluate_many(rows, entity, as_of=day, allow_outside=True)):
        item = limit_record(rows[i], ent, "<table>", i + 1)
        item = seen.check(item, i + 1) if isinstance(item, dict) else item
        outcomes.append(outcome if isinstance(item, dict) else item)
    want = outcomes_table(outcomes, ent)
    assert got.to_pylist() == want.to_pylist()


def case_groups():
    groups = {}
    for path in sorted((ROOT / "policies").glob("*.tests.yaml")):
        policy, cases = load_cases(path)
        for case in cases:
            if case.record is None:
                continue
            groups.setdefault((path.name, case.entity, case.as_of), (policy, []))[1].append(case.record)
    return groups


CASES = case_groups()


@pytest.mark.parametrize("key", list(CASES), ids=[f"{k[0]}:{k[1]}:{k[2]}" for k in CASES])
def test_case_files_give_the_same_outcomes(key):
    policy, records = CASES[key]
    _, entity, day = key
    assert_same(policy, entity, records, day or policy.spec.effective_from)


def test_the_printed_sql_run_in_duckdb_gives_the_same_results(tmp_path):
    policy = POLICIES["jiangxi"]
    day = dt.date(2020, 6, 30)
    records = [
        {
            "id": "A",
            "gender": "F",
            "age": 35,
            "opted_in": False,
            "daily_usage": [4] * 120,
            "class_hours": 600.0,
            "lesson_scores": [60.0] * 6,
        },
        {"id": "B", "gender": "M", "age": 56, "daily_usage": [1, 2], "class_hours": 100, "lesson_scores": [49.0] * 6},
        {
            "id": "C",
            "gender": "F",
            "age": 30,
            "daily_usage": [3] * 80,
            "class_hours": 600,
            "lesson_scores": [48.5, 49.5],
        },
        {"id": "D", "gender": "F", "age": 30, "daily_usage": [3] * 80, "class_hours": 0.5, "lesson_scores": [70.0] * 7},
    ]
    table = pa.Table.from_pylist(records)
    sql = subprocess.run(
        [
            sys.executable,
            str(ROOT / "cli.py"),
            "sql",
            str(ROOT / "policies/jiangxi.yaml"),
            "-e",
            "teacher",
            "--as-of",
            str(day),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    con = duckdb.connect()
    con.register("records", table.append_column("__row", pa.array(range(len(records)), type=pa.int64())))
    printed = con.sql(sql).to_arrow_table()
    plan = plan_for(policy, "teacher", table, day)
    assert printed.to_pylist() == run_plan(plan, table).to_pylist()
    assert all(printed.column("__ok").to_pylist())  # decided by the plan, not handed back
    assert printed.column("__grade").to_pylist() == [
        o.grade for o in policy.evaluate_many(records, "teacher", as_of=day)
    ]


def test_the_sql_command_prints_other_dialects():
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "cli.py"),
            "sql",
            str(ROOT / "policies/jiangxi.yaml"),
            "-e",
            "teacher",
            "--dialect",
            "spark",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "AGGREGATE(" in out and "`v_usage_ratio`" in out


def test_a_planted_bound_error_is_caught():
    """A plan with one bound wrong (the [0, 0.40) tier of usage points closed at 0.40, in the
    plan only) decides a record on the bound wrongly and calls it valid: exactly what the
    differential tests compare. (Planting a wrong ``>`` for ``>=`` in the plan's comparisons
    of a rule fails eight tests of test_columnar*.py, among them the generated-records and
    case-file differentials; planting it in the tiers' lower ends fails three: a bound that
    leaves a gap only sends the record to the row engine.)"""
    policy = POLICIES["jiangxi"]
    ent = policy.runtime("teacher").entity
    points = ent.values["usage_points"]
    tiers = tuple(
        dataclasses.replace(t, interval=dataclasses.replace(t.interval, hi_closed=True))
        if t.interval.hi == Fraction(2, 5)
        else t
        for t in points.tiers
    )
    broken = dataclasses.replace(ent, values={**ent.values, "usage_points": dataclasses.replace(points, tiers=tiers)})
    day = dt.date(2020, 6, 30)
    records = [
        {"id": "E", "gender": "F", "age": 30, "daily_usage": [4] * 60, "class_hours": 600, "lesson_scores": [60.0] * 6}
    ]
    table, _, _, kinds = records_to_table(records, ent)
    good = run_plan(build_plan(policy.spec, ent, kinds, day), table)
    bad = run_plan(build_plan(policy.spec, broken, kinds, day), table)
    row = next(policy.evaluate_many(records, "teacher", as_of=day)).scores["usage_points"]
    assert row == 18  # 240 / 600 is exactly 0.40
    assert good.column("v_usage_points").to_pylist() == [18]
    assert bad.column("v_usage_points").to_pylist() == [0] and bad.column("__ok").to_pylist() == [True]
    assert_same(policy, "teacher", records, day)


def test_plain_records_are_decided_by_the_plan_and_odd_ones_are_not():
    policy = POLICIES["jiangxi"]
    ent = policy.runtime("school").entity
    day = dt.date(2020, 6, 30)
    records = [
        {"id": "S1", "score": "89.5", "backbone_team_size": "4", "backbone_list_date": "2019-11-24"},
        {"id": "S2", "score": "70", "trainees": "10", "trainees_passed": "9"},
        {"id": "S3", "score": "７０"},  # full-width digits: the row engine reads them
        {"id": "S4", "score": "99.0000001"},  # more places than the plan reads
        {"id": "S5", "score": "101"},  # out of range: the row engine's diagnostic
    ]  # as a CSV gives them
    table, _, _, kinds = records_to_table(records, ent)
    out = run_plan(plan_for(policy, "school", table, day, kinds), table)
    assert out.column("__ok").to_pylist() == [True, True, False, False, False]
    assert_same(policy, "school", records, day)


def test_unsupported_entities_fall_back_whole():
    policy = POLICIES["henan"]
    with pytest.raises(Unsupported):
        ent = policy.runtime("city").entity
        build_plan(policy.spec, ent, declared_kinds(ent), policy.spec.effective_from)


def test_date_of_year_month_day_leaves_the_entity_to_the_row_engine():
    """date(y, m, d) (a calendar function the plan does not build) is a reason, not a crash."""
    from engine.columnar.plan import Unsupported, build_plan, declared_kinds

    text = (ROOT / "policies" / "jiangxi.yaml").read_text(encoding="utf-8")
    old = 'expr: "not opted_in and'
    assert text.count(old) == 1
    policy = engine.parse_policy(text.replace(old, 'expr: "date(2020, 1, 1) < date(2021, 1, 1) and not opted_in and'))
    entity = policy.spec.entities["teacher"]
    with pytest.raises(Unsupported) as info:
        build_plan(policy.spec, entity, declared_kinds(entity), dt.date(2020, 6, 30))
    assert info.value.key == "columnar.argument" and "date()" in str(info.value)


def test_values_far_outside_the_plans_bounds_go_to_the_row_engine_without_overflow():
    """A whole number near 2**63 (a count, an hour total, a list item) is outside what the plan
    reads: the plan computes nothing from it (DuckDB raised an overflow here before) and the
    row engine decides the record."""
    policy = POLICIES["jiangxi"]
    day = dt.date(2020, 6, 30)
    big = 9 * 10**18
    base = {"id": "A", "gender": "F", "age": 30, "class_hours": 600, "lesson_scores": [60.0] * 6}
    records = [
        dict(base, daily_usage=[big, big], class_hours=big),
        dict(base, id="B", daily_usage=[4] * 10, age=big),
        dict(base, id="C", daily_usage=[-big, 3]),
        dict(base, id="D", daily_usage=[4] * 150),
    ]
    table = pa.Table.from_pylist(records)
    got = policy.evaluate_table(table, "teacher", as_of=day)
    want = outcomes_table(policy.evaluate_many(records, "teacher", as_of=day), policy.runtime("teacher").entity)
    assert got.to_pylist() == want.to_pylist()
    assert run_plan(plan_for(policy, "teacher", table, day), table).column("__ok").to_pylist() == [
        False,
        False,
        False,
        True,
    ]
    assert_same(policy, "teacher", records, day)
