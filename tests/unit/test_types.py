"""The static types of the policy language: every mistake below is a located error at load
(file:line:col pointing at the offending part, inside quoted and block scalars too)."""

from __future__ import annotations

import datetime as dt

import pytest

import engine
from engine.base.errors import PolicyError
from engine.language.types import BOOLEAN, DATE, INTEGER, TEXT, TypeProblem, code_type, infer, list_of
from engine.tools.explain import grade_ranks

from ..conftest import POLICIES

SOURCE = (POLICIES / "jiangxi.yaml").read_text(encoding="utf-8")
DATA = POLICIES.parent / "tests" / "data"


def broken(tmp_path, old: str, new: str):
    assert old in SOURCE, old
    text = SOURCE.replace(old, new, 1)
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        engine.load_policy(path)
    return info.value.diagnostics, text.splitlines()


def at(diagnostic, lines) -> str:
    """The file's text from the diagnostic's column on."""
    return lines[diagnostic.location.line - 1][diagnostic.location.col - 1 :]


# (what is changed, into what, expected code, fragment of the message, text at the location)
CASES = [
    (  # a date compared with a text: every record failed at run time before
        "when: given(training_done_date) and training_done_date > date('2019-12-31')",
        "when: given(training_done_date) and training_done_date > '2019-12-31'",
        "type.mismatch",
        "and text cannot be ordered",
        "training_done_date > '2019-12-31'",
    ),
    (  # an enum compared with a value it never takes, inside a quoted scalar
        "(gender == 'F' and age >= 50)",
        "(gender == 'W' and age >= 50)",
        "type.never-equal",
        "'gender' can never be 'W' (it is one of: F, M)",
        "'W' and age",
    ),
    (
        "(gender == 'F' and age >= 50)",
        "(gender in ['F', 'MM'] and age >= 50)",
        "type.never-equal",
        "did you mean 'M'",
        "'MM']",
    ),
    (  # a grade code
        "when: grade == 'fail'\n        sanction:\n          code: no_awards",
        "when: grade == 'fial'\n        sanction:\n          code: no_awards",
        "type.never-equal",
        "did you mean 'fail'",
        "'fial'",
    ),
    (  # a tier code
        "when: support_level == 'pass'",
        "when: support_level == 'passed'",
        "type.never-equal",
        "did you mean 'pass'",
        "'passed'",
    ),
    (
        "expr: usage_points + lesson_score",
        "expr: usage_points + gender",
        "type.mismatch",
        "'+' needs numbers, but this is code (F, M)",
        "gender",
    ),
    (
        "when: usage_pass and lesson_pass\n",
        "when: usage_pass and lesson_count\n",
        "type.mismatch",
        "each side of 'and' must be yes/no, but this is integer",
        "lesson_count",
    ),
    (
        "when: usage_pass and lesson_pass\n",
        "when: total_score\n",
        "type.mismatch",
        "the condition of grade 'pass' must be yes/no",
        "total_score",
    ),
    (
        'expr: "mean(lesson_scores) if lesson_count > 0 else 0"',
        "expr: \"mean(lesson_scores) if lesson_count > 0 else 'none'\"",
        "type.mismatch",
        "ratio and text do not mix",
        "mean(lesson_scores) if",
    ),
    (
        "expr: capped_sum(daily_usage, 4)",
        "expr: capped_sum(daily_usage, 4, 5)",
        "type.arguments",
        "capped_sum() takes 2 arguments, got 3",
        "capped_sum(",
    ),
    (
        "expr: capped_sum(daily_usage, 4)",
        "expr: capped_sum(gender, 4)",
        "type.mismatch",
        "capped_sum() needs a list, but this is code (F, M)",
        "gender, 4)",
    ),
    (
        "expr: capped_sum(daily_usage, 4)",
        "expr: add_days(as_of, 0.5)",
        "type.mismatch",
        "add_days()'s count needs a whole number, but this is decimal",
        "0.5)",
    ),
    (
        "          amount: 0.5\n",
        "          amount: \"'0.5'\"\n",
        "type.mismatch",
        "a credit amount must be a number",
        "\"'0.5'\"",
    ),
    (
        "        of: score\n",
        "        of: as_of\n",
        "type.mismatch",
        "a tier table looks up a number, but `as_of` is date",
        "as_of",
    ),
    (
        '          - {range: "[70, 90)", value: pass, clause: 合格等级70分以上}',
        '          - {range: "[70, 90)", value: 2, clause: 合格等级70分以上}',
        "type.mismatch",
        "give values of different kinds",
        "",
    ),
    (  # a full-width comma in a flow list silently made one item
        "periods: [上学期, 下学期]",
        "periods: [上学期，下学期]",
        "yaml.fullwidth-comma",
        "'上学期，下学期' is one item, not 2",
        "，下学期]",
    ),
    (  # functions simpleeval used to slip into the table
        "expr: capped_sum(daily_usage, 4)",
        "expr: len(set(daily_usage))",
        "expr.unknown-function",
        "unknown function 'set'",
        "set(daily_usage))",
    ),
]


@pytest.mark.parametrize("old, new, code, fragment, here", CASES, ids=[c[2] + "-" + c[3][:20] for c in CASES])
def test_type_mistakes_are_located_errors(tmp_path, old, new, code, fragment, here):
    diagnostics, lines = broken(tmp_path, old, new)
    matching = [d for d in diagnostics if d.code == code]
    assert matching, [str(d) for d in diagnostics]
    diagnostic = matching[0]
    assert fragment in str(diagnostic), str(diagnostic)
    assert diagnostic.location.line > 0 and diagnostic.location.col > 0
    assert at(diagnostic, lines).startswith(here), (at(diagnostic, lines), str(diagnostic))
    assert diagnostic.params  # catalogued later: the message's parts are kept
    assert "Traceback" not in str(diagnostic)


def test_the_unknown_code_suggestion_is_a_param(tmp_path):
    diagnostics, _ = broken(tmp_path, "(gender == 'F' and age >= 50)", "(gender == 'f ' and age >= 50)")
    d = next(d for d in diagnostics if d.code == "type.never-equal")
    assert d.params["name"] == "gender" and d.params["value"] == "f " and d.params["allowed"] == "F, M"


def test_columns_in_a_block_scalar(tmp_path):
    diagnostics, lines = broken(
        tmp_path,
        "        expr: usage_points + lesson_score\n",
        "        expr: >\n          usage_points + lesson_score\n          + gender\n",
    )
    d = next(d for d in diagnostics if d.code == "type.mismatch")
    assert d.location.line == lines.index("          + gender") + 1
    assert at(d, lines) == "gender", at(d, lines)


def test_shipped_policies_are_typed():
    for path in sorted(POLICIES.glob("*.yaml")):
        if path.name.endswith(".tests.yaml"):
            continue
        policy = engine.load_policy(path)
        for entity in policy.spec.entities.values():
            for name, value in entity.values.items():
                assert value.type is not None and value.type.kind != "any", (path.name, name)


def test_infer_rules():
    names = {"d": DATE, "t": TEXT, "n": INTEGER, "b": BOOLEAN, "g": code_type(["M", "F"]), "xs": list_of(INTEGER)}

    def kind(text):
        import ast

        return str(infer(ast.parse(text, mode="eval").body, names))

    assert kind("d - d") == "days"
    assert kind("days_between(d, d) + n") == "days"
    assert kind("n / 2") == "ratio"
    assert kind("n * 0.5") == "decimal"
    assert kind("g if b else 'x'") == "text"
    assert kind("sum(xs)") == "integer"
    assert kind("mean(xs)") == "ratio"
    assert kind("year(d)") == "integer"
    assert kind("add_months(d, n)") == "date"
    for bad in ("d == t", "d < 3", "t < 3", "not n", "n in t", "d + 1", "-d", "b is b", "len(n)", "xs == [d]"):
        with pytest.raises(TypeProblem):
            kind(bad)


ACTIVITIES = DATA / "activities.yaml"


def test_activity_records_are_filtered_and_summed():
    policy = engine.load_policy(ACTIVITIES)
    record = {
        "id": "T1",
        "enrolled": "2015-09-01",
        "log": [
            {"date": "2020-12-31", "hours": 40, "kind": "practice"},  # more than 3 years before
            {"date": "2021-01-01", "hours": 30, "kind": "practice"},  # exactly 3 years: counted
            {"date": "2023-06-30", "hours": "20.5", "kind": "online"},
            {"date": "2024-01-02", "hours": 9, "kind": "online"},  # after the day judged
        ],
    }
    day = dt.date(2024, 1, 1)
    for mode in (engine.FAST, engine.REFERENCE):
        result = policy.evaluate(record, "teacher", as_of=day, mode=mode)
        assert result.grade == "pass"
        assert result.scores == {"recent": engine_fraction(101, 2), "recent_practice": 30}
    (batch,) = list(policy.evaluate_many([record], entity="teacher", as_of=day))
    assert batch.grade == "pass"
    record["log"][1]["date"] = "2020-12-31"
    assert policy.evaluate(record, "teacher", as_of=day).grade == "fail"
    # a field not declared, or one of the wrong kind, refuses the record with the reason
    record["log"][1]["minutes"] = 5
    with pytest.raises(engine.RecordError) as info:
        policy.evaluate(record, "teacher", as_of=day)
    assert "unknown field 'minutes'" in str(info.value)


def engine_fraction(n, d):
    from fractions import Fraction

    return Fraction(n, d)


@pytest.mark.parametrize(
    "old, new, fragment",
    [
        (
            "total(within(log, 'date', since, as_of), 'hours')",
            "total(within(log, 'dat', since, as_of), 'hours')",
            "did you mean 'date'",
        ),
        (
            "total(within(log, 'date', since, as_of), 'hours')",
            "total(within(log, 'date', 3, as_of), 'hours')",
            "cannot be ordered",
        ),
        (
            "total(within(log, 'date', since, as_of), 'hours')",
            "total(within(log, 'date', since, as_of), 'kind')",
            "cannot use field 'kind'",
        ),
        (
            "where(within(log, 'date', since, as_of), 'kind', 'practice')",
            "where(within(log, 'date', since, as_of), 'kind', 'practise')",
            "did you mean 'practice'",
        ),
    ],
)
def test_activity_mistakes_are_located(tmp_path, old, new, fragment):
    text = ACTIVITIES.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "a.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        engine.load_policy(path)
    assert fragment in str(info.value), str(info.value)
    assert info.value.first.location.line > 0


def test_a_status_has_no_rank(tmp_path):
    policy = engine.load_policy(ACTIVITIES)
    ranks = grade_ranks(policy.spec.entities["teacher"])
    assert ranks == {"pass": 1, "fail": 0}  # in_progress is a status: never better or worse
    text = ACTIVITIES.read_text(encoding="utf-8").replace("rank: 0}", "rank: null}")
    path = tmp_path / "status.yaml"
    path.write_text(text, encoding="utf-8")
    ranks = grade_ranks(engine.load_policy(path).spec.entities["teacher"])
    assert ranks == {"pass": 1}


def test_an_engine_fault_is_not_blamed_on_the_record(monkeypatch):
    """After the type check no TypeError can come from a record: one that happens is a
    fault of kaohe and reaches the caller (the CLI's internal error), not a record.compute."""
    from engine.language.expressions import FAST_GLOBALS

    def fault(*args):
        raise TypeError("unsupported operand type(s)")

    # the generated function calls the language's functions through FAST_GLOBALS
    monkeypatch.setitem(FAST_GLOBALS, "_f_within", fault)
    policy = engine.load_policy(ACTIVITIES)
    record = {"id": "T1", "enrolled": "2015-09-01", "log": []}
    for trace in (False, True):
        with pytest.raises(TypeError):
            policy.evaluate(record, "teacher", as_of=dt.date(2024, 1, 1), trace=trace)
