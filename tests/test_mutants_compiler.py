"""The compiler's checks, pinned down where a sampled mutation run found them loose: the
types the checker gives and the mistakes it names (bench/mutation.py types / compiler;
figures in bench/MUTATION.md)."""

from __future__ import annotations

import datetime
import functools
import re
from pathlib import Path

import pytest

from engine.language.types import BOOLEAN, DATE, INTEGER, TEXT, code_type, list_of

from .test_mutants_types import kind as types_kind
from .test_mutants_types import problem as types_problem

NAMES = {"d": DATE, "t": TEXT, "n": INTEGER, "bs": list_of(BOOLEAN), "xs": list_of(INTEGER), "g": code_type(["M", "F"])}


kind = functools.partial(types_kind, names=NAMES)
problem = functools.partial(types_problem, names=NAMES)


def test_types_the_checker_gives():
    assert kind("None") == "an empty value (None)"
    assert kind("n ** 2") == "integer" and kind("n ** -1") == "ratio"  # a whole power of a whole number
    assert kind("all(bs)") == "yes/no" and kind("any(bs)") == "yes/no"


def test_mistakes_the_checker_names():
    assert problem("all(xs)").key == "type.mismatch/yes-no-list"
    assert problem("min(t, 'a')").key == "type.mismatch/numbers-or-dates"
    assert re.search(r"\bdays_between\(\) ", problem("days_between(t, d)").render("en"))
    assert problem("g == 'W'").key == "type.never-equal"


def test_a_rules_note_is_kept_with_the_rule():
    """A rule's note says how the document was read (前/之前 includes the named day): it is
    part of the loaded policy, not dropped by the compiler."""
    import engine

    from .conftest import POLICIES

    rules = engine.load_policy(POLICIES / "jiangxi.yaml").spec.rules
    assert "所称之日包括在内" in rules["JX-T2"].note and "11月25日之前" in rules["JX-T2"].note


# -- a broken copy of tests/invalid/_base.yaml: the diagnostic an officer gets, and where ---------

BASE = (Path(__file__).resolve().parent / "invalid" / "_base.yaml").read_text(encoding="utf-8")


def diagnostics(tmp_path, old: str, new: str) -> list:
    import engine
    from engine.base.errors import KaoheError

    assert old in BASE
    text = BASE.replace(old, new)
    (tmp_path / "policy.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(KaoheError) as caught:
        engine.load_policy(tmp_path / "policy.yaml")
    return [(d.key, d.location.line, d.location.col) for d in caught.value.diagnostics]


def loads(tmp_path, *edits: tuple[str, str]):
    import engine

    text = BASE
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    (tmp_path / "policy.yaml").write_text(text, encoding="utf-8")
    return engine.load_policy(tmp_path / "policy.yaml")


def where(new: str, fragment: str, line_of: str) -> tuple[int, int]:
    """(line, column) of ``fragment`` in the line holding ``line_of`` of the broken file."""
    lines = BASE.splitlines()
    row = next(i for i, line in enumerate(lines) if line_of in line)
    return row + 1, new.index(fragment) + lines[row].index(line_of) + 1


def test_a_tier_range_that_does_not_read_is_located_at_the_range(tmp_path):
    found = diagnostics(tmp_path, '{range: "[50, 100)", value: 1}', '{range: "[50, 1OO)", value: 1}')
    line, col = where('{range: "[50, 1OO)", value: 1}', '"[50', '{range: "[50, 100)"')
    assert [c for c, ln, cl in found if (ln, cl) == (line, col)], found


def test_a_quoted_expression_with_a_doubled_quote_is_located_past_it(tmp_path):
    old = "over: grade == 'pass'}"
    new = "over: 'grade == ''pass'' and nope'}"
    found = diagnostics(tmp_path, old, new)
    line, col = where(new, "nope", old)
    assert [c for c, ln, cl in found if (ln, cl) == (line, col)], found


def test_the_mean_of_a_text_is_refused(tmp_path):
    old = "trained: {rule: T-2, label: {zh: 参训人数, en: Trained}, aggregate: count}"
    import engine
    from engine.base.errors import KaoheError

    (tmp_path / "policy.yaml").write_text(BASE.replace(old, "trained: {rule: T-2, aggregate: mean, over: school}"))
    with pytest.raises(KaoheError) as caught:
        engine.load_policy(tmp_path / "policy.yaml")
    assert [d.key for d in caught.value.diagnostics] == ["type.mismatch/aggregate"]
    assert "text" in caught.value.diagnostics[0].render("en")  # the type it found


def test_a_monotonic_property_of_a_whole_number_input_is_accepted(tmp_path):
    old = "kind: monotonic, input: hours,"
    assert loads(tmp_path, (old, "kind: monotonic, input: age,")) is not None


def test_a_sum_over_members_is_a_number_the_grade_can_compare(tmp_path):
    policy = loads(
        tmp_path,
        (
            "      trained: {rule: T-2,",
            "      hours_sum: {rule: T-2, aggregate: sum, over: hours}\n      trained: {rule: T-2,",
        ),
        ("when: passed >= 0.9}", "when: hours_sum >= 100}"),
    )
    assert policy is not None


def test_a_value_used_as_a_condition_is_checked_by_its_own_type(tmp_path):
    found = diagnostics(tmp_path, "when: hours_ok}", "when: share}")
    assert [c for c, *_ in found] == ["type.mismatch/condition"], found


def test_an_unknown_rule_of_a_grade_is_located_at_the_rule(tmp_path):
    old = "    grade:\n      rule: T-1\n"
    new = "    grade:\n      rule: T-9\n"
    found = diagnostics(tmp_path, old, new)
    row = BASE.index(old) + len("    grade:\n")
    line = BASE[:row].count("\n") + 1
    assert [(ln, cl) for _c, ln, cl in found] == [(line, 13)], found


def test_a_problem_in_a_folded_expression_is_located_on_its_line(tmp_path):
    old = "      hours_ok: {rule: T-1, label: {zh: 学时达标, en: Hours met}, expr: hours >= 50}\n"
    new = "      hours_ok:\n        rule: T-1\n        expr: >\n          hours >= nope\n"
    found = diagnostics(tmp_path, old, new)
    line = BASE[: BASE.index(old)].count("\n") + 4
    assert [(ln, cl) for _c, ln, cl in found] == [(line, 20)], found


def test_a_sum_over_an_input_that_may_be_empty_is_refused(tmp_path):
    import engine
    from engine.base.errors import KaoheError

    text = BASE.replace(
        'age: {type: integer, range: "[18, 70]",', 'age: {type: integer, default: null, range: "[18, 70]",'
    ).replace(
        "      trained: {rule: T-2,", "      ages: {rule: T-2, aggregate: sum, over: age}\n      trained: {rule: T-2,"
    )
    (tmp_path / "policy.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(KaoheError) as caught:
        engine.load_policy(tmp_path / "policy.yaml")
    (found,) = caught.value.diagnostics
    assert found.key == "type.maybe-empty/aggregate"
    assert "where: given(age)" in found.render("en")  # the hint names the input


def test_the_fallback_grade_cites_the_grades_rule_and_its_policy(tmp_path):
    """explain and the results name the rule and the policy (layer) of every grade level,
    the ``otherwise`` one included when it gives no rule of its own."""
    grade = loads(tmp_path).spec.entities["teacher"].grade
    (level,), otherwise = grade.levels, grade.otherwise
    assert (level.code, level.rule, level.layer) == ("pass", "T-1", "fixture")
    assert (otherwise.code, otherwise.rule, otherwise.layer) == ("fail", "T-1", "fixture")


def test_a_yes_word_that_reads_as_no_is_refused_whatever_its_case(tmp_path):
    old = "opted: {type: boolean, default: false,"
    found = diagnostics(tmp_path, old, "opted: {type: boolean, default: false, yes_words: [No],")
    assert [c for c, *_ in found] == ["input.yes-no/clash"], found


def test_labels_and_clauses_are_kept_as_written(tmp_path):
    policy = loads(
        tmp_path,
        ("share: {rule: T-1, expr: hours / 500}", "share: {rule: T-1, expr: hours / 500, label: 比例}"),
        ("      - id: short\n        rule: T-1\n", "      - id: short\n        rule: T-1\n        clause: 第三条\n"),
    )
    teacher = policy.spec.entities["teacher"]
    assert str(teacher.values["share"].label) == "比例"
    assert str(teacher.values["hours_points"].label) == "hours_points"  # no label: its name
    assert teacher.consequences[0].clause == "第三条"


def test_tiers_with_an_open_low_end_are_checked_in_order(tmp_path):
    """A tier starting at -inf sorts first: the partition check sees no gap and no overlap."""
    policy = loads(
        tmp_path,
        ('domain: "[0, 500]"', 'domain: "(-inf, 500]"'),
        ('- {range: "[0, 50)", value: 0}', '- {range: "(-inf, 50)", value: 0}'),
    )
    assert policy is not None


CHILD = """kaohe: 1
id: child
version: "1.0.0"
title: 子政策
region: 子县
source: {title: 子文件, number: 子〔2021〕1号, date: 2021-06-30}
effective: {from: 2021-01-01}
extends: base.yaml
"""


def test_a_problem_in_a_base_given_as_text_is_located_in_the_base_at_its_column():
    """A base policy handed over by ``parse_policy(loader=...)`` has no file to read the lines
    from: a problem inside one of its expressions is still placed on its line, at its column."""
    import engine

    old = "expr: hours >= 50}"
    base = BASE.replace(old, "expr: hours >= nope}")
    with pytest.raises(engine.PolicyError) as caught:
        engine.parse_policy(CHILD, name="child.yaml", loader=lambda ref: base)
    line, col = where("expr: hours >= nope}", "nope", old)
    found = [(d.key, str(d.location)) for d in caught.value.diagnostics]
    assert ("expr.unknown-name", f"base.yaml:{line}:{col}") in found, found


def test_the_catalogue_describes_an_input_with_its_description(tmp_path):
    """The service's policy description (engine/service/catalog.py) shows an input's
    ``description``: the compiler keeps it."""
    from engine.service.catalog import PolicyEntry, describe

    policy = loads(tmp_path, ("note: {type: string}", "note: {type: string, description: 校内备注，可留空}"))
    assert policy.spec.entities["teacher"].inputs["note"].description == "校内备注，可留空"
    entry = describe(PolicyEntry(policy, tmp_path / "policy.yaml"))
    (note,) = [i for i in entry["entities"]["teacher"]["inputs"] if i["name"] == "note"]
    assert note["description"] == "校内备注，可留空"


def test_each_tier_row_is_located_at_its_own_row(tmp_path):
    tiers = loads(tmp_path).spec.entities["teacher"].values["hours_points"].tiers
    lines = BASE.splitlines()
    for tier, text in zip(tiers, ('"[0, 50)"', '"[50, 100)"', '"[100, 500]"'), strict=True):
        row = next(i for i, line in enumerate(lines) if "{range: " + text in line)
        assert (tier.location.line, tier.location.col) == (row + 1, lines[row].index("{") + 1)


DAY = datetime.date(2022, 6, 1)


def test_a_credit_given_in_each_of_several_periods_counts_once_per_period(tmp_path):
    """``periods: [上学期, 下学期]`` gives the credit in each term: 2 points twice."""
    old = "credit: {amount: hours_points, kind: bonus, kind_label: {zh: 加分, en: Bonus}}"
    policy = loads(tmp_path, (old, old[:-1] + ", periods: [上学期, 下学期]}"))
    record = {"id": "t1", "school": "甲校", "hours": 200}
    result = policy.evaluate(record, "teacher", as_of=DAY)
    assert [(c["amount"], c["period"]) for c in result.credits] == [(2, "上学期"), (2, "下学期")]
    assert result.credit_total == 4
    plain = loads(tmp_path).evaluate(record, "teacher", as_of=DAY)  # no periods: once
    assert [(c["amount"], c["period"]) for c in plain.credits] == [(2, None)] and plain.credit_total == 2


def test_an_input_from_members_keeps_its_label(tmp_path):
    policy = loads(
        tmp_path,
        (
            "      id: {type: string, label: {zh: 学校, en: School}, required: true}\n    values:\n      trained:",
            "      id: {type: string, label: {zh: 学校, en: School}, required: true}\n"
            "      total_hours:\n"
            "        type: number\n"
            "        label: {zh: 总学时, en: Total hours}\n"
            "        from_members: {rule: T-2, aggregate: sum, over: hours}\n"
            "    values:\n      trained:",
        ),
    )
    value = policy.spec.entities["school"].member_inputs["total_hours"]
    assert (value.label.zh, value.label.en) == ("总学时", "Total hours")
    assert value.aggregate == "sum" and value.rule == "T-2"


def test_a_sum_over_members_is_never_empty_so_a_larger_group_may_add_it_up(tmp_path):
    """A school's ``sum`` over its teachers is a number (0 for none), not "may be empty": a
    district adds the schools' sums up without ``where: given(...)``."""
    policy = loads(
        tmp_path,
        (
            "      id: {type: string, label: {zh: 学校, en: School}, required: true}\n",
            "      id: {type: string, label: {zh: 学校, en: School}, required: true}\n"
            "      district: {type: string, required: true}\n",
        ),
        (
            "      trained: {rule: T-2,",
            "      hours_sum: {rule: T-2, aggregate: sum, over: hours}\n      trained: {rule: T-2,",
        ),
        (
            "properties:\n",
            "  district:\n"
            "    label: {zh: 区县, en: District}\n"
            "    members: {entity: school, by: district}\n"
            "    inputs:\n"
            "      id: {type: string, required: true}\n"
            "    values:\n"
            "      all_hours: {rule: T-2, aggregate: sum, over: hours_sum}\n"
            "properties:\n",
        ),
    )
    assert str(policy.spec.entities["district"].values["all_hours"].aggregate) == "sum"


@pytest.mark.parametrize(
    "quoted",
    [
        r'"note == \"a\" or nope"}',  # an escaped quote is one character
        r'"note == \"\x41b\" or nope"}',  # \x41 is one character written in four
        r'"note == \"\u00e9\" or nope"}',
        r'"note == \"\t\" or nope"}',
    ],
)
def test_a_problem_after_an_escape_in_a_double_quoted_expression_is_located_past_it(tmp_path, quoted):
    old = "expr: hours >= 50}"
    new = "expr: " + quoted
    found = diagnostics(tmp_path, old, new)
    line, col = where(new, "nope", old)
    assert [(c, ln, cl) for c, ln, cl in found] == [("expr.unknown-name", line, col)], found


def test_a_tier_row_cites_its_own_rule_or_the_values(tmp_path):
    policy = loads(tmp_path, ('- {range: "[100, 500]", value: 2}', '- {range: "[100, 500]", value: 2, rule: T-2}'))
    value = policy.spec.entities["teacher"].values["hours_points"]
    assert [t.rule for t in value.tiers] == ["T-1", "T-1", "T-2"]
    assert all(t.layer == "fixture" for t in value.tiers)
    result = policy.evaluate({"id": "t1", "school": "甲校", "hours": 200}, "teacher", as_of=DAY, trace=True)
    (step,) = [s for s in result.trace() if s.get("name") == "hours_points"]
    assert (step["rule"], step["tier"]) == ("T-2", "[100, 500]")


def test_grade_levels_keep_their_labels(tmp_path):
    grade = loads(tmp_path).spec.entities["teacher"].grade
    (level,) = grade.levels
    assert (str(level.label), level.label.en) == ("合格", "Pass")
    assert (str(grade.otherwise.label), grade.otherwise.label.en) == ("不合格", "Fail")


def test_the_fallback_grade_may_cite_a_rule_of_its_own(tmp_path):
    old = "otherwise: {code: fail, label: {zh: 不合格, en: Fail}}"
    policy = loads(tmp_path, (old, "otherwise: {code: fail, rule: T-2, label: {zh: 不合格, en: Fail}}"))
    assert policy.spec.entities["teacher"].grade.otherwise.rule == "T-2"
    found = diagnostics(tmp_path, old, "otherwise: {code: fail, rule: T-9, label: {zh: 不合格, en: Fail}}")
    line, col = where("otherwise: {code: fail, rule: T-9,", "T-9", old)
    assert [(c, ln, cl) for c, ln, cl in found] == [("rule.unknown", line, col)], found


def test_an_input_is_read_from_a_column_it_declares(tmp_path):
    policy = loads(
        tmp_path,
        (
            "label: {zh: 学时, en: Hours}, required: true}",
            "label: {zh: 学时, en: Hours}, required: true, columns: [培训学时]}",
        ),
    )
    assert policy.spec.entities["teacher"].inputs["hours"].columns == ("培训学时",)
    result = policy.evaluate({"工号": "t1", "学校": "甲校", "培训学时": 200}, "teacher", as_of=DAY)
    assert result.grade == "pass" and result.credit_total == 2


# -- a fresh sample (seed 17) -------------------------------------------------------------------


def located(tmp_path, *edits: tuple[str, str]) -> list:
    """The diagnostics (key, line, column) of BASE with ``edits`` applied."""
    import engine
    from engine.base.errors import KaoheError

    text = BASE
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    (tmp_path / "policy.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(KaoheError) as caught:
        engine.load_policy(tmp_path / "policy.yaml")
    return [(d.key, d.location.line, d.location.col) for d in caught.value.diagnostics]


def test_a_problem_past_an_escaped_line_break_is_located_on_the_next_line(tmp_path):
    old = "expr: hours >= 50}"
    found = diagnostics(tmp_path, old, 'expr: "hours >= \\\n          nope"}')
    line = BASE.splitlines().index(next(x for x in BASE.splitlines() if old in x)) + 2
    assert found == [("expr.unknown-name", line, 11)], found


def test_an_escaped_space_is_a_space(tmp_path):
    old = "expr: hours >= 50}"
    new = r'expr: "note == \"a\x20b\" or nope"}'
    found = diagnostics(tmp_path, old, new)
    assert found == [("expr.unknown-name", *where(new, "nope", old))], found


def test_a_quoted_expression_on_the_last_line_of_the_file_is_located_inside_the_quotes(tmp_path):
    levels = (
        "      levels:\n        - {code: good, label: {zh: 好, en: Good}, when: passed >= 0.9}\n"
        "      otherwise: {code: weak, label: {zh: 弱, en: Weak}}\n"
    )
    tail = BASE[BASE.index("properties:") :]
    last = "        - {code: good, label: {zh: 好, en: Good}, when: 'passed >= nope'}"
    text = BASE.replace(
        levels, "      otherwise: {code: weak, label: {zh: 弱, en: Weak}}\n      levels:\n" + last + "\n"
    )
    text = text.replace(tail, "")
    assert text.endswith(last + "\n")
    found = diagnostics(tmp_path, BASE, text)
    assert found == [("expr.unknown-name", len(text.splitlines()), last.index("nope") + 1)], found


def test_a_syntax_error_after_leading_spaces_is_quoted_around_the_fault(tmp_path):
    import engine

    old = "expr: hours >= 50}"
    raw = " " * 60 + "hours >= 1 + * 2" + " and hours >= 1" * 10
    (tmp_path / "policy.yaml").write_text(BASE.replace(old, f'expr: "{raw}"}}'), encoding="utf-8")
    with pytest.raises(engine.PolicyError) as caught:
        engine.load_policy(tmp_path / "policy.yaml")
    (found,) = caught.value.diagnostics
    from engine.base.suggest import excerpt

    col = raw.index("* 2") + 1  # the column in the text as written, leading spaces included
    assert found.params["text"] == excerpt(raw, col) and found.params["text"].startswith("…")


def test_a_rule_is_located_at_its_key(tmp_path):
    rules = loads(tmp_path).spec.rules
    lines = BASE.splitlines()
    row = next(i for i, x in enumerate(lines) if x.startswith("  T-2:"))
    assert (rules["T-2"].location.line, rules["T-2"].location.col) == (row + 1, 3)


def test_yes_no_words_on_an_input_that_is_not_yes_no_are_located_at_them(tmp_path):
    old = 'age: {type: integer, range: "[18, 70]",'
    new = 'age: {type: integer, no_words: [nope], range: "[18, 70]",'
    found = located(tmp_path, (old, new))
    assert found == [("input.yes-no/not-boolean", *where(new, "[nope]", old))], found


def test_a_word_both_yes_and_no_is_refused_whatever_its_case(tmp_path):
    old = "opted: {type: boolean, default: false,"
    found = located(tmp_path, (old, "opted: {type: boolean, default: false, yes_words: [Ok], no_words: [oK],"))
    assert [k for k, *_ in found] == ["input.yes-no/clash"], found


def test_a_tier_rows_rule_and_clause(tmp_path):
    old = '- {range: "[100, 500]", value: 2}'
    found = located(tmp_path, (old, '- {range: "[100, 500]", value: 2, rule: T-9}'))
    assert found == [("rule.unknown", *where('- {range: "[100, 500]", value: 2, rule: T-9}', "T-9", old))], found
    policy = loads(tmp_path, (old, '- {range: "[100, 500]", value: 2, clause: 第二款}'))
    assert [t.clause for t in policy.spec.entities["teacher"].values["hours_points"].tiers] == [None, None, "第二款"]


def test_a_schedule_named_by_a_policy_without_schedules_is_refused(tmp_path):
    start, end = BASE.index("schedules:\n"), BASE.index("entities:\n")
    found = located(tmp_path, (BASE[start:end], ""))
    assert [k for k, *_ in found] == ["schedule.unknown"], found


def test_a_level_with_rank_null_is_a_status(tmp_path):
    old = "- {code: pass, label: {zh: 合格, en: Pass}, when: hours_ok}"
    grade = loads(tmp_path, (old, old[:-1] + ", rank: null}")).spec.entities["teacher"].grade
    assert [lv.status for lv in grade.levels] == [True]
    assert [lv.status for lv in loads(tmp_path).spec.entities["teacher"].grade.levels] == [False]


def test_an_unknown_rule_of_a_consequence_is_located_at_the_rule(tmp_path):
    old = "      - id: short\n        rule: T-1\n"
    found = located(tmp_path, (old, "      - id: short\n        rule: T-9\n"))
    line = BASE[: BASE.index(old)].count("\n") + 2
    assert found == [("rule.unknown", line, 15)], found


def test_a_credit_without_a_kind_label_is_shown_by_its_kind(tmp_path):
    old = "credit: {amount: hours_points, kind: bonus, kind_label: {zh: 加分, en: Bonus}}"
    policy = loads(tmp_path, (old, "credit: {amount: hours_points, kind: bonus}"))
    (bonus,) = [c for c in policy.spec.entities["teacher"].consequences if c.id == "bonus"]
    assert str(bonus.label) == "bonus"


def test_an_entity_may_declare_its_key_not_unique(tmp_path):
    policy = loads(tmp_path, ("  teacher:\n    label:", "  teacher:\n    unique_key: false\n    label:"))
    assert policy.spec.entities["teacher"].unique_key is False
    assert loads(tmp_path).spec.entities["teacher"].unique_key is True


def test_a_refused_value_is_not_refused_again_as_an_amount_or_a_tier_input(tmp_path):
    found = located(
        tmp_path,
        ("share: {rule: T-1, expr: hours / 500}", "share: {rule: T-1, expr: note - 1}"),
        ("credit: {amount: hours_points,", "credit: {amount: share,"),
    )
    assert [k for k, *_ in found] == ["type.mismatch/numbers"], found
    found = located(
        tmp_path,
        ("share: {rule: T-1, expr: hours / 500}", "share: {rule: T-1, expr: note - 1}"),
        ("        of: hours\n", "        of: share\n"),
    )
    assert [k for k, *_ in found] == ["type.mismatch/numbers"], found


def school_values(tmp_path, values: str, when: str):
    return loads(
        tmp_path,
        ("      trained: {rule: T-2,", values + "\n      trained: {rule: T-2,"),
        ("when: passed >= 0.9}", f"when: {when}}}"),
    )


def test_all_and_list_over_members_are_a_condition_and_a_list(tmp_path):
    assert school_values(tmp_path, "      all_ok: {rule: T-2, aggregate: all, over: hours_ok}", "all_ok")
    assert school_values(tmp_path, "      every: {rule: T-2, aggregate: list, over: hours}", "sum(every) >= 100")


def test_a_member_input_declared_whole_cannot_take_a_mean(tmp_path):
    mean_age = (
        "      id: {type: string, label: {zh: 学校, en: School}, required: true}\n"
        "      mean_age:\n"
        "        type: integer\n"
        "        from_members: {rule: T-2, aggregate: mean, over: age}\n"
    )
    found = located(tmp_path, ("      id: {type: string, label: {zh: 学校, en: School}, required: true}\n", mean_age))
    assert [k for k, *_ in found] == ["type.mismatch/member-input"], found


def test_a_member_input_of_a_date_takes_the_earliest_date(tmp_path):
    first = (
        "      id: {type: string, label: {zh: 学校, en: School}, required: true}\n"
        "      first_joined:\n"
        "        type: date\n"
        "        from_members: {rule: T-2, aggregate: min, over: joined}\n"
    )
    policy = loads(tmp_path, ("      id: {type: string, label: {zh: 学校, en: School}, required: true}\n", first))
    assert "first_joined" in policy.spec.entities["school"].member_inputs


def test_a_schedules_rules_are_located_at_them(tmp_path):
    found = located(tmp_path, ("  rollout:\n    rule: T-2\n", "  rollout:\n    rule: T-9\n"))
    line = BASE[: BASE.index("  rollout:\n")].count("\n") + 2
    assert found == [("rule.unknown", line, 11)], found
    old = "- {year: 2022, share: 1, rule: T-2}"
    found = located(tmp_path, (old, "- {year: 2022, share: 1, rule: T-9}"))
    assert found == [("rule.unknown", *where("- {year: 2022, share: 1, rule: T-9}", "T-9", old))], found


def test_a_schedule_keeps_its_label_and_year_end_and_a_unit_acting_through_another(tmp_path):
    policy = loads(
        tmp_path,
        ("  rollout:\n    rule: T-2\n", '  rollout:\n    rule: T-2\n    label: 推进计划\n    year_ends: "08-31"\n'),
        ("      乙校: {}\n", "      乙校: {}\n      丙校: {through: 甲校}\n"),
    )
    schedule = policy.spec.schedules["rollout"]
    assert str(schedule.label) == "推进计划" and schedule.year_ends == (8, 31)
    assert schedule.year_of("丙校") == 2021
    assert str(loads(tmp_path).spec.schedules["rollout"].label) == "rollout"


def test_a_full_width_comma_is_located_at_the_first_one(tmp_path):
    old = "values: [M, F], aliases"
    new = "values: [M，F，X], aliases"
    found = located(tmp_path, (old, new))
    assert ("yaml.fullwidth-comma", *where(new, "，", old)) in found, found


def test_the_problems_of_a_chinese_policy_are_told_in_chinese(tmp_path):
    import engine

    (tmp_path / "policy.yaml").write_text(BASE.replace("expr: hours >= 50}", "expr: hours >= nope}"), encoding="utf-8")
    with pytest.raises(engine.PolicyError) as caught:
        engine.load_policy(tmp_path / "policy.yaml")
    assert caught.value.language == "zh"
    (tmp_path / "en.yaml").write_text(
        BASE.replace("language: zh", "language: en").replace("expr: hours >= 50}", "expr: hours >= nope}"),
        encoding="utf-8",
    )
    with pytest.raises(engine.PolicyError) as caught:
        engine.load_policy(tmp_path / "en.yaml")
    assert caught.value.language == "en"


# -- a fresh sample (seed 18) -------------------------------------------------------------------

SCHOOL_ID = "      id: {type: string, label: {zh: 学校, en: School}, required: true}\n"


def test_a_type_problem_far_into_a_long_expression_is_quoted_around_it(tmp_path):
    import engine

    long = " and ".join(["hours >= 1"] * 15) + " and note > 1"
    (tmp_path / "policy.yaml").write_text(BASE.replace("expr: hours >= 50}", f'expr: "{long}"}}'), encoding="utf-8")
    with pytest.raises(engine.PolicyError) as caught:
        engine.load_policy(tmp_path / "policy.yaml")
    (found,) = caught.value.diagnostics
    assert found.key == "type.mismatch/order"
    assert found.params["text"].startswith("…") and "note > 1" in found.params["text"]


def test_an_open_ended_policy_has_no_end_day(tmp_path):
    from engine.service.catalog import PolicyEntry, summary

    policy = loads(tmp_path, ("effective: {from: 2021-01-01, to: 2025-12-31}", "effective: {from: 2021-01-01}"))
    assert policy.spec.effective_to is None
    assert summary(PolicyEntry(policy, tmp_path / "policy.yaml"))["effective"] == {"from": "2021-01-01", "to": None}


def test_a_no_word_that_reads_as_yes_is_refused_whatever_its_case(tmp_path):
    old = "opted: {type: boolean, default: false,"
    found = located(tmp_path, (old, "opted: {type: boolean, default: false, no_words: [Yes],"))
    assert [k for k, *_ in found] == ["input.yes-no/clash"], found


def test_a_tier_domain_that_does_not_read_cites_the_values_rule(tmp_path):
    import engine

    (tmp_path / "policy.yaml").write_text(BASE.replace('domain: "[0, 500]"', 'domain: "[0, 5OO]"'), encoding="utf-8")
    with pytest.raises(engine.PolicyError) as caught:
        engine.load_policy(tmp_path / "policy.yaml")
    assert [d.rule for d in caught.value.diagnostics] == ["T-1"], caught.value.diagnostics


def test_a_member_inputs_unknown_rule_is_located_at_it(tmp_path):
    new = (
        SCHOOL_ID
        + "      total:\n        type: number\n        from_members: {rule: T-9, aggregate: sum, over: hours}\n"
    )
    found = located(tmp_path, (SCHOOL_ID, new))
    line = BASE.index(SCHOOL_ID)
    line = BASE[:line].count("\n") + 4
    assert found == [("rule.unknown", line, new.splitlines()[3].index("T-9") + 1)], found


def test_an_input_read_only_by_a_member_input_is_not_reported_unread(tmp_path):
    from engine.tools.lint import lint

    new = (
        SCHOOL_ID
        + "      mean_age:\n        type: number\n        from_members: {rule: T-2, aggregate: mean, over: age}\n"
    )
    policy = loads(tmp_path, (SCHOOL_ID, new))
    unread = {d.params["name"] for d in lint(policy.spec) if d.code == "lint.unread-input"}
    assert "age" not in unread and "note" in unread


def test_a_grade_code_given_twice_is_located_at_the_second(tmp_path):
    old = "        - {code: pass, label: {zh: 合格, en: Pass}, when: hours_ok}\n"
    found = located(tmp_path, (old, old + "        - {code: pass, label: {zh: 又, en: Again}, when: hours_ok}\n"))
    line = BASE[: BASE.index(old)].count("\n") + 2
    assert found == [("grade.duplicate", line, old.index("pass") + 1)], found


def test_a_levels_rank_is_kept(tmp_path):
    old = "- {code: pass, label: {zh: 合格, en: Pass}, when: hours_ok}"
    grade = loads(tmp_path, (old, old[:-1] + ", rank: 2}")).spec.entities["teacher"].grade
    assert [lv.rank for lv in grade.levels] == [2]


def test_a_group_declared_before_its_members_is_typed_after_them(tmp_path):
    start, end = BASE.index("  teacher:\n"), BASE.index("  school:\n")
    teacher = BASE[start:end]
    text = BASE.replace(teacher, "")
    text = text.replace("properties:\n", teacher + "properties:\n")
    policy = loads(tmp_path, (BASE, text))
    assert list(policy.spec.entities) == ["school", "teacher"]
    assert str(policy.spec.entities["school"].values["passed"].type) == "ratio"


def test_any_and_all_over_members_are_yes_no(tmp_path):
    policy = school_values(
        tmp_path,
        "      some_ok: {rule: T-2, aggregate: any, over: hours_ok}\n"
        "      all_ok: {rule: T-2, aggregate: all, over: hours_ok}",
        "some_ok and all_ok",
    )
    values = policy.spec.entities["school"].values
    assert str(values["some_ok"].type) == "yes/no" and str(values["all_ok"].type) == "yes/no"


def test_an_aggregate_without_over_or_over_a_refused_expression_is_refused_once(tmp_path):
    found = located(
        tmp_path,
        (
            "      trained: {rule: T-2,",
            "      broken: {rule: T-2, aggregate: sum, over: note - 1}\n      trained: {rule: T-2,",
        ),
        ("when: passed >= 0.9}", "when: broken > 1}"),
    )
    assert [k for k, *_ in found] == ["type.mismatch/numbers"], found


def test_min_over_members_needs_numbers_or_dates(tmp_path):
    found = located(
        tmp_path,
        (
            "      trained: {rule: T-2,",
            "      first: {rule: T-2, aggregate: min, over: note}\n      trained: {rule: T-2,",
        ),
    )
    assert [k for k, *_ in found] == ["type.mismatch/aggregate"], found


def test_consequences_keep_their_labels_and_the_policy_its_properties(tmp_path):
    spec = loads(tmp_path).spec
    short, bonus = spec.entities["teacher"].consequences
    assert (str(short.label), short.label.en) == ("学时不足", "Hours short")
    assert (str(bonus.label), bonus.label.en) == ("加分", "Bonus")
    assert [(p["entity"], p["kind"], p["input"]) for p in spec.properties] == [("teacher", "monotonic", "hours")]


def test_the_fallback_grade_is_located_at_its_otherwise(tmp_path):
    otherwise = loads(tmp_path).spec.entities["teacher"].grade.otherwise
    old = "      otherwise: {code: fail, label: {zh: 不合格, en: Fail}}"
    line = BASE.splitlines().index(old) + 1
    assert (otherwise.location.line, otherwise.location.col) == (line, old.index("{") + 1)


# -- a fresh sample (seed 19) -------------------------------------------------------------------


def test_members_without_grades_can_be_aggregated(tmp_path):
    start = BASE.index("    grade:\n      rule: T-1\n")
    end = BASE.index("    consequences:\n", start)
    policy = loads(
        tmp_path,
        (BASE[start:end], ""),
        ("aggregate: share, over: grade == 'pass'}", "aggregate: share, over: hours_ok}"),
    )
    assert policy.spec.entities["teacher"].grade is None
    assert str(policy.spec.entities["school"].values["passed"].type) == "ratio"


def test_a_type_problem_inside_a_tier_input_cites_the_values_rule(tmp_path):
    import engine

    (tmp_path / "policy.yaml").write_text(
        BASE.replace("        of: hours\n", "        of: note - 1\n"), encoding="utf-8"
    )
    with pytest.raises(engine.PolicyError) as caught:
        engine.load_policy(tmp_path / "policy.yaml")
    assert [(d.key, d.rule) for d in caught.value.diagnostics] == [("type.mismatch/numbers", "T-1")]


def test_a_problem_in_a_base_file_is_located_in_it(tmp_path):
    import engine

    old = "expr: hours >= 50}"
    (tmp_path / "base.yaml").write_text(BASE.replace(old, "expr: 'hours >= nope'}"), encoding="utf-8")
    (tmp_path / "child.yaml").write_text(CHILD, encoding="utf-8")
    with pytest.raises(engine.PolicyError) as caught:
        engine.load_policy(tmp_path / "child.yaml")
    line, col = where("expr: 'hours >= nope'}", "nope", old)
    found = [(d.key, Path(d.location.file).name, d.location.line, d.location.col) for d in caught.value.diagnostics]
    assert found == [("expr.unknown-name", "base.yaml", line, col)], found


def test_every_tier_range_that_does_not_read_is_reported(tmp_path):
    found = located(
        tmp_path,
        ('{range: "[0, 50)", value: 0}', '{range: "[0, 5O)", value: 0}'),
        ('{range: "[50, 100)", value: 1}', '{range: "[5O, 100)", value: 1}'),
    )
    assert len(found) == 2 and found[0][1] + 1 == found[1][1], found


def test_a_one_point_tier_is_looked_up_before_the_open_tier_after_it(tmp_path):
    policy = loads(
        tmp_path,
        (
            '- {range: "[50, 100)", value: 1}',
            '- {range: "[50, 50]", value: 1}\n          - {range: "(50, 100)", value: 5}',
        ),
    )
    tiers = policy.spec.entities["teacher"].values["hours_points"].tiers
    assert [str(t.interval) for t in tiers] == ["[0, 50)", "[50, 50]", "(50, 100)", "[100, 500]"]
    for hours, points in ((50, 1), (60, 5), (49, 0), (100, 2)):
        record = {"id": "t", "school": "甲校", "hours": hours}
        result = policy.evaluate(record, "teacher", as_of=DAY, trace=True)
        (step,) = [s for s in result.trace() if s.get("name") == "hours_points"]
        assert step["value"] == points, (hours, step)


def test_values_levels_and_the_policy_keep_what_they_declare(tmp_path):
    old = "- {code: pass, label: {zh: 合格, en: Pass}, when: hours_ok}"
    policy = loads(
        tmp_path,
        ("share: {rule: T-1, expr: hours / 500}", "share: {rule: T-1, expr: hours / 500, clause: 第四条}"),
        ("otherwise: {code: fail,", "otherwise: {rank: null, code: fail,"),
    )
    spec = policy.spec
    assert spec.entities["teacher"].values["share"].clause == "第四条"
    assert spec.entities["teacher"].grade.otherwise.status is True
    assert spec.source == {"title": "测试文件", "number": "测〔2021〕1号", "date": "2021-06-30"}
    (level,) = spec.entities["teacher"].grade.levels
    line = BASE.splitlines().index("        " + old) + 1
    assert (level.location.line, level.location.col) == (line, 11)
    found = located(tmp_path, (old, old[:-1] + ", rule: T-9}"))
    assert found == [("rule.unknown", line, len("        " + old[:-1] + ", rule: ") + 1)], found
