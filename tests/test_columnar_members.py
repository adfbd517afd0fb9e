"""Groups on the columnar engine: a group entity (a Henan city, a Jiangsu teaching-research
group or school) judged by one query over its members' records equals the row engine's
``evaluate_members``: the same groups in the same order, the same results, errors and member
accounts, on generated, bound-biased and damaged member records. A group with a member the
plan does not decide, or an aggregate that is not defined, is the row engine's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

duckdb = pytest.importorskip("duckdb")
pa = pytest.importorskip("pyarrow")

from hypothesis import assume, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import engine  # noqa: E402
from engine.columnar.members import build_group_plan, group_outcomes  # noqa: E402
from engine.columnar.plan import Unsupported, declared_kinds  # noqa: E402
from engine.columnar.run import records_to_table  # noqa: E402
from engine.runtime.tracers import SimpleTracer  # noqa: E402
from engine.tools import testing  # noqa: E402

from .test_columnar import bounded  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
POLICIES = {p: engine.load_policy(ROOT / "policies" / f"{p}.yaml") for p in ("henan", "jiangsu", "guangxi")}
GROUPS = [
    (name, entity)
    for name, policy in POLICIES.items()
    for entity, ent in policy.spec.entities.items()
    if ent.members is not None
]


def planned(policy, entity) -> bool:
    ent = policy.runtime(entity).entity
    member = policy.spec.entities[ent.members.entity]
    try:
        build_group_plan(policy.spec, ent, declared_kinds(member), policy.spec.effective_from)
    except Unsupported:
        return False
    return True


PLANNED = [(p, e) for p, e in GROUPS if planned(POLICIES[p], e)]


def test_the_plan_covers_the_shipped_groups():
    """Henan's cities and contractors, Jiangsu's groups and schools and Guangxi's county are
    one query each."""
    assert (
        set(PLANNED)
        == set(GROUPS)
        == {
            ("henan", "city"),
            ("henan", "contractor_rates"),
            ("jiangsu", "group"),
            ("jiangsu", "school"),
            ("guangxi", "county"),
        }
    )


def row_groups(policy, entity, records, day):
    out = []
    for group, _members in policy.evaluate_members(records, entity, as_of=day, allow_outside=True):
        out.append(group.to_dict())
    return out


def columnar_groups(policy, entity, records, day):
    ent = policy.runtime(entity).entity
    member = policy.spec.entities[ent.members.entity]
    table, originals, forced, kinds = records_to_table(records, member)
    outs = group_outcomes(policy, entity, table, day, originals=originals, forced=forced, kinds=kinds)
    return [o.to_dict() for o in outs]


def assert_same(policy, entity, records, day):
    row = row_groups(policy, entity, records, day)
    col = columnar_groups(policy, entity, records, day)
    assert len(col) == len(row)
    for i, (a, b) in enumerate(zip(row, col)):
        assert a == b, f"group {i + 1}\nrow:      {a}\ncolumnar: {b}"
    return row


def members(policy, entity):
    """Member records in a few groups: each grouping field drawn from three names (or left
    out, or blank), the rest as the member entity's strategies draw them."""
    ent = policy.runtime(entity).entity
    member = ent.members.entity
    by = ent.members.by

    @st.composite
    def draw(draw):
        record = dict(draw(testing.records(policy, member, bounds=draw(st.booleans()))))
        for name in by:
            record[name] = draw(st.sampled_from(["一中", "二中", "三中", "一中", "二中", None, " 一中", "(甲)"]))
            if record[name] is None:
                record.pop(name)
        if draw(st.integers(0, 9)) == 0:  # a damaged member
            field = draw(st.sampled_from(sorted(policy.spec.entities[member].inputs)))
            record[field] = draw(st.sampled_from(["", "abc", -1, None, "１２"]))
        return record

    return st.lists(draw(), min_size=1, max_size=40)


@pytest.mark.parametrize(("policy_name", "entity"), PLANNED)
@bounded(25)
@given(data=st.data())
def test_groups_on_duckdb_equal_the_row_engine(policy_name, entity, data):
    policy = POLICIES[policy_name]
    records = data.draw(members(policy, entity))
    day = data.draw(testing.as_of_dates(policy))
    assert_same(policy, entity, records, day)


@pytest.mark.parametrize(("policy_name", "entity"), PLANNED)
@bounded(3)
@given(data=st.data())
def test_clean_groups_are_decided_by_the_query(policy_name, entity, data):
    """With every member a record the plan decides, no member and no group goes to the row
    engine; the accounts still count every member."""
    policy = POLICIES[policy_name]
    ent = policy.runtime(entity).entity
    member = ent.members.entity
    day = policy.spec.effective_from
    inputs = policy.spec.entities[member].inputs
    records = []
    for record in data.draw(st.lists(testing.records(policy, member, bounds=False), min_size=60, max_size=60)):
        for name in ent.members.by:
            record[name] = ["一中", "二中", "三中"][len(records) % 3]
        if "full_time" in inputs:  # Jiangsu counts full-time teachers only: a group of none is an error
            record["full_time"] = True
        try:  # as the row engine reads it: every value in its plain form
            env = policy.runtime(member).evaluate(record, day, None, SimpleTracer()).env
        except engine.RecordError:
            continue
        records.append({name: env[name] for name in inputs if env.get(name) is not None})
    assume(len(records) >= 6)
    want = row_groups(policy, entity, records, day)
    calls = []
    real = type(policy).member_outcome
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(type(policy), "member_outcome", lambda *a, **k: calls.append(a) or real(*a, **k))
        got = columnar_groups(policy, entity, records, day)
    assert got == want
    assert len(got) == 3
    assert not calls, [g.get("error") for g in got]
    assert sum(g["members"]["used"] for g in got) == len(records)


def test_a_share_of_nobody_and_refused_members_are_the_row_engines():
    policy = POLICIES["henan"]
    records = [
        {"id": "a1", "status": "结业", "city": "郑州"},
        {"id": "a2", "status": "未参训", "city": "郑州"},
        {"id": "a3", "status": "??", "city": "开封"},
        {"id": "a4", "status": "completed", "city": "开封"},
        {"id": "a5", "status": "completed"},
        {"id": "a6", "status": "no_show", "city": "洛阳"},
    ]
    got = assert_same(policy, "city", records, dt.date(2021, 8, 1))
    assert [g.get("id") for g in got] == ["郑州", "开封", None, "洛阳"]
    assert got[0]["scores"]["completion_rate"] == 0.5
    assert got[1]["error"]["code"] == "record.members-rejected"
    assert got[2]["error"]["code"] == "record.group"
    assert got[3]["scores"]["completion_rate"] == 0


def test_a_planted_wrong_aggregate_is_caught(monkeypatch):
    """Counting every member where the policy counts the completed ones must fail the test."""
    import engine.columnar.members as members_module
    import engine.columnar.plan as plan_module

    real = members_module._aggregate

    def planted(agg, prefix, w, over):
        if agg.value.aggregate == "count" and over is not None:
            return real(agg, prefix, w, None)
        return real(agg, prefix, w, over)

    monkeypatch.setattr(members_module, "_aggregate", planted)
    plan_module._BUILT.clear()
    policy = POLICIES["henan"]
    records = [{"id": f"t{i}", "status": "completed" if i % 2 else "no_show", "city": "郑州"} for i in range(6)]
    try:
        with pytest.raises(AssertionError):
            assert_same(policy, "city", records, dt.date(2021, 8, 1))
    finally:
        plan_module._BUILT.clear()


def test_the_printed_group_sql_run_in_duckdb_decides_the_groups_alike():
    """``kaohe sql POLICY -e city`` is one query over the member records: run in DuckDB on
    the trainees, each group's grade-free row (its id, counts and rates as fractions) is
    what the row engine reports."""
    import subprocess
    import sys

    policy = POLICIES["henan"]
    day = "2021-08-01"
    text = subprocess.run(
        [
            sys.executable,
            str(ROOT / "cli.py"),
            "sql",
            str(ROOT / "policies" / "henan.yaml"),
            "-e",
            "city",
            "--as-of",
            day,
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    assert text.lstrip().upper().startswith("WITH")
    records = [
        {
            "id": f"t{i}",
            "status": ["completed", "no_show", "dismissed"][i % 3],
            "special_reason": i % 5 == 0,
            "city": c,
            "contractor": "甲",
        }
        for i, c in enumerate(["郑州", "开封", "郑州", "洛阳", "郑州", "开封", "郑州"])
    ]
    con = duckdb.connect()
    rows = pa.Table.from_pylist([{**r, "__row": i} for i, r in enumerate(records)])
    con.register("records", rows)
    out = con.sql(text).to_arrow_table().to_pylist()
    want = row_groups(policy, "city", records, dt.date(2021, 8, 1))
    assert [r["__id"] for r in out] == [g["id"] for g in want] == ["郑州", "开封", "洛阳"]
    assert all(r["__ok"] for r in out)
    for r, g in zip(out, want):
        assert r["v_selected"] == g["scores"]["selected"]
        assert r["v_completed"] == g["scores"]["completed"]
        assert r["v_completion_rate"] * 1.0 / r["v_completion_rate__d"] == g["scores"]["completion_rate"]


def test_evaluate_table_with_members_gives_a_row_per_group():
    from engine.columnar.table import outcomes_table

    policy = POLICIES["jiangsu"]
    records = [
        {"id": "T1", "full_time": True, "online_hours": 30, "offline_hours": 20, "school": "一中", "group": "语文组"},
        {"id": "T2", "full_time": True, "online_hours": 10, "offline_hours": 20, "school": "一中", "group": "数学组"},
        {"id": "T3", "full_time": True, "online_hours": 30, "offline_hours": 20, "school": "一中", "group": "语文组"},
        {"id": "T1", "full_time": True, "online_hours": 30, "offline_hours": 20, "school": "二中", "group": "语文组"},
    ]
    got = policy.evaluate_table(pa.Table.from_pylist(records), "group", as_of="2022-06-30", members=True)
    assert got.column("id").to_pylist() == ["一中 / 语文组", "一中 / 数学组", None]
    # the repeated key T1 is refused as the readers refuse it, and its group with it
    assert got.column("error_code").to_pylist()[2] == "record.group"
    ent = policy.runtime("group").entity
    with pytest.raises(engine.KaoheError):
        policy.evaluate_table(pa.Table.from_pylist(records), "teacher", members=True)
    assert outcomes_table([], ent).num_rows == 0


# -- every aggregate, every rejected-member rule ------------------------------------------------------

EVERY = """\
kaohe: 1
id: every-aggregate
version: "1.0.0"
language: en
title: {zh: 汇总, en: Every aggregate}
region: {zh: 测试, en: Test}
source: {title: test, date: 2024-01-01}
effective: {from: 2024-01-01}
rules:
  TS-1: {ref: "1", clause: 组内汇总。}
entities:
  member:
    label: {zh: 成员, en: Member}
    inputs:
      id: {type: string, label: {zh: 编号, en: ID}, required: true}
      team: {type: string, label: {zh: 组, en: Team}, default: null}
      score: {type: number, range: "[0, 100]", label: {zh: 成绩, en: Score}, required: true}
      hours: {type: integer, range: "[0, 1000]", label: {zh: 学时, en: Hours}, default: 0}
      done: {type: boolean, label: {zh: 完成, en: Done}, default: false}
      kind: {type: enum, values: [a, b, c], aliases: {甲: a}, label: {zh: 类, en: Kind}, default: null}
    values:
      half: {rule: TS-1, label: {zh: 半分, en: Half}, expr: score / 2}
  team:
    label: {zh: 组, en: Team}
    members: {entity: member, by: team, rejected: REJECTED}
    inputs:
      id: {type: string, label: {zh: 组, en: Team}, required: true}
      total_hours:
        type: integer
        label: {zh: 总学时, en: Total hours}
        range: "[0, inf)"
        required: true
        from_members: {rule: TS-1, aggregate: sum, over: hours}
      finished:
        type: integer
        label: {zh: 完成人数, en: Finished}
        range: "[1, inf)"
        required: true
        from_members: {rule: TS-1, aggregate: count, over: done}
    values:
      size: {rule: TS-1, label: {zh: 人数, en: Size}, aggregate: count, report: true}
      a_share: {rule: TS-1, label: {zh: 甲类完成率, en: Share of a done}, aggregate: share, over: done, where: kind == 'a', report: true}
      score_sum: {rule: TS-1, label: {zh: 总分, en: Score sum}, aggregate: sum, over: score, report: true}
      done_mean: {rule: TS-1, label: {zh: 完成者均分, en: Mean of the done}, aggregate: mean, over: half, where: done, report: true}
      least_hours: {rule: TS-1, label: {zh: 最少学时, en: Least hours}, aggregate: min, over: hours, report: true}
      best: {rule: TS-1, label: {zh: 最高分, en: Best}, aggregate: max, over: score, report: true}
      all_done: {rule: TS-1, label: {zh: 全部完成, en: All done}, aggregate: all, over: done, report: true}
      any_high: {rule: TS-1, label: {zh: 有高分, en: Any high}, aggregate: any, over: score >= 90, report: true}
      kinds: {rule: TS-1, label: {zh: 类数, en: Kinds}, aggregate: distinct, over: kind, where: given(kind), report: true}
    grade:
      rule: TS-1
      levels:
        - {code: pass, label: {zh: 合格, en: Pass}, when: done_mean >= 30 and a_share >= 1/2 and total_hours >= 10, rank: 1}
      otherwise: {code: fail, label: {zh: 不合格, en: Fail}, rank: 0}
"""


def every_policy(rejected):
    text = EVERY.replace("REJECTED", rejected)
    if rejected == "fail":  # a rejected member meets no condition: only counts, shares, all and any
        lines = text.splitlines()
        start = lines.index("      total_hours:")
        del lines[start : start + 6]
        kept = [
            line
            for line in lines
            if not any(f"aggregate: {fn}," in line for fn in ("sum", "mean", "min", "max", "distinct"))
        ]
        text = "\n".join(kept).replace(
            "done_mean >= 30 and a_share >= 1/2 and total_hours >= 10", "a_share >= 1/2 and finished >= 2"
        )
    return engine.parse_policy(text, name=f"every-{rejected}.yaml")


def every_members():
    """Members in three teams, most of them plain (so most groups are the query's), one in
    ten with an odd value (so some groups are the row engine's)."""
    odd = {
        "team": ["", None, " 一组"],
        "score": [100.5, "x", None, -1],
        "hours": [-1, 2.5, None],
        "done": ["maybe", None, 2],
        "kind": ["d", None, "甲"],
    }

    @st.composite
    def member(draw):
        record = {
            "id": draw(st.sampled_from([f"m{i}" for i in range(30)])),
            "team": draw(st.sampled_from(["一组", "二组", "三组"])),
            "score": draw(st.one_of(st.integers(0, 100), st.decimals("0", "100", places=2))),
            "hours": draw(st.integers(0, 1000)),
            "done": draw(st.one_of(st.booleans(), st.sampled_from(["是", "否"]))),
            "kind": draw(st.sampled_from(["a", "b", "c"])),
        }
        if draw(st.integers(0, 9)) == 0:
            name = draw(st.sampled_from(sorted(odd)))
            record[name] = draw(st.sampled_from(odd[name]))
        return record

    return st.lists(member(), min_size=1, max_size=40)


@pytest.mark.parametrize("rejected", ["refuse", "fail", "exclude"])
@bounded(40)
@given(records=every_members(), day=st.dates(dt.date(2024, 1, 1), dt.date(2025, 12, 31)))
def test_every_aggregate_and_rejected_rule_on_duckdb_is_the_row_engines(rejected, records, day):
    policy = every_policy(rejected)
    assert planned(policy, "team")
    assert_same(policy, "team", records, day)


def test_every_aggregate_decided_by_the_query():
    """Clean members: the query decides each group, and its numbers are exact (a mean of
    halves, a share of one in three)."""
    policy = every_policy("refuse")
    records = [
        {"id": "m1", "team": "一组", "score": Decimal("60.5"), "hours": 4, "done": True, "kind": "a"},
        {"id": "m2", "team": "一组", "score": 61, "hours": 7, "done": True, "kind": "b"},
        {"id": "m3", "team": "一组", "score": 95, "hours": 3, "done": False, "kind": "a"},
        {"id": "m4", "team": "二组", "score": 10, "hours": 1, "done": True, "kind": "a"},
    ]
    calls = []
    real = type(policy).member_outcome
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(type(policy), "member_outcome", lambda *a, **k: calls.append(a) or real(*a, **k))
        got = assert_same(policy, "team", records, dt.date(2024, 6, 1))
    assert len(calls) == len(records)  # the row engine's side of assert_same only
    one = got[0]["scores"]
    assert one["size"] == 3 and one["a_share"] == 0.5 and one["score_sum"] == 216.5
    assert one["done_mean"] == 30.375 and one["least_hours"] == 3 and one["best"] == 95
    assert one["all_done"] is False and one["any_high"] is True and one["kinds"] == 2
    assert got[0]["grade"]["code"] == "pass" and got[1]["grade"]["code"] == "fail"


def member_cases():
    from engine.tools.cases import load_cases

    found = []
    for path in sorted((ROOT / "policies").glob("*.tests.yaml")):
        policy, cases = load_cases(path)
        for case in cases:
            if case.members is not None:
                found.append((f"{path.name}:{case.name}", policy, case))
    return found


MEMBER_CASES = member_cases()


def test_the_case_files_have_member_cases():
    assert len(MEMBER_CASES) >= 3


@pytest.mark.parametrize("key, policy, case", MEMBER_CASES, ids=[c[0] for c in MEMBER_CASES])
def test_member_cases_give_the_same_groups(key, policy, case):
    """Every case file's group evaluated from its members: the query gives the row engine's
    groups (results, errors and member accounts)."""
    assert_same(policy, case.entity, case.members, case.as_of or policy.spec.effective_from)


def test_members_grouped_by_a_number_are_the_row_engines_and_say_why():
    """A group by a whole-number input has no plan: the notice names it, in both languages,
    and the groups are the row engine's."""
    text = EVERY.replace("REJECTED", "refuse").replace(
        "team: {type: string, label: {zh: 组, en: Team}, default: null}",
        "team: {type: integer, label: {zh: 组, en: Team}, default: null}",
    )
    policy = engine.parse_policy(text, name="by-number.yaml")
    ent = policy.runtime("team").entity
    with pytest.raises(Unsupported) as info:
        build_group_plan(policy.spec, ent, declared_kinds(policy.spec.entities["member"]), dt.date(2024, 6, 1))
    assert info.value.render("en") == "members grouped by team, which is not text"
    assert info.value.render("zh") == "按非文本的 team 对成员分组"
    records = [{"id": f"m{i}", "team": i % 2, "score": 50, "hours": 6, "done": True, "kind": "a"} for i in range(6)]
    assert_same(policy, "team", records, dt.date(2024, 6, 1))
