"""The type checker, pinned down where a sampled mutation run found it loose (bench/mutation.py
types; survivors and figures in bench/MUTATION.md): which comparisons it accepts, which it
refuses and with what key, and that a code compared through a list or from the right-hand
side is checked like one on the left."""

from __future__ import annotations

import ast
import functools

import pytest

from engine.language.types import (
    BOOLEAN,
    DATE,
    DAYS,
    DECIMAL,
    INTEGER,
    TEXT,
    Type,
    TypeProblem,
    code_type,
    infer,
    list_of,
)

GENDER = code_type(["M", "F"])
NAMES = {
    "n": INTEGER,
    "x": DECIMAL,
    "t": TEXT,
    "ok": BOOLEAN,
    "g": GENDER,
    "gs": list_of(GENDER),
    "levels": list_of(code_type(["junior", "senior"])),
    "xs": list_of(INTEGER),
    "gap": DAYS,
    "maybe": BOOLEAN.or_empty(),
    "rs": list_of(Type("record", fields=(("h", INTEGER),))),
}


def kind(text: str, names: dict = NAMES) -> str:
    """The type the checker gives ``text`` over ``names``, as the messages show it."""
    return str(infer(ast.parse(text, mode="eval").body, names))


def problem(text: str, names: dict = NAMES) -> TypeProblem:
    """The problem the checker refuses ``text`` with, over ``names``."""
    with pytest.raises(TypeProblem) as caught:
        kind(text, names)
    return caught.value


def test_numbers_of_any_kind_can_be_compared_for_equality():
    assert kind("n == 1") == "yes/no"
    assert kind("n != x") == "yes/no"
    assert kind("x in xs") == "yes/no"


def test_an_empty_value_can_be_compared_on_either_side():
    assert kind("None == n") == "yes/no"
    assert kind("None in xs") == "yes/no"
    assert kind("None is n") == "yes/no" and kind("n is not None") == "yes/no"
    assert problem("n is 1").key == "type.mismatch/is"


def test_a_code_on_the_right_is_checked_like_one_on_the_left():
    assert kind("'M' == g") == "yes/no"
    refused = problem("'W' == g")
    assert refused.key == "type.never-equal"
    assert refused.params["name"] == "g" and refused.params["value"] == "W"
    assert refused.node.col_offset == 0  # located at the constant that can never match


def test_a_value_looked_up_in_a_list_of_codes():
    assert kind("'M' in gs") == "yes/no"
    assert kind("g in gs") == "yes/no"
    assert problem("'W' in gs").key == "type.never-equal/code"
    assert problem("g in levels").key == "type.never-equal/codes"  # no code of one is a code of the other


def test_a_construct_the_parser_would_refuse_is_named_if_it_reaches_the_checker():
    refused = problem("xs[0]")
    assert refused.key == "type.mismatch/untyped"
    assert "Subscript" in refused.render("en")
    assert refused.node is not None and refused.node.col_offset == 0  # what locates it in the file


def test_a_value_already_refused_is_not_refused_again_where_it_is_used():
    """The compiler gives a value whose own expression was refused the type ``any``; its
    uses are not reported a second time."""
    names = {**NAMES, "broken": Type("any")}
    for text in ("-broken", "broken + 1", "broken >= 2"):
        infer(ast.parse(text, mode="eval").body, names)  # no TypeProblem


def test_a_code_type_is_shown_with_its_values():
    assert kind("g") == "code (F, M)"
    assert kind("gs") == "list of code (F, M)"


def test_an_empty_value_is_a_condition_that_may_be_empty():
    assert kind("ok and None") == "yes/no (may be empty)"
    assert kind("maybe or ok") == "yes/no (may be empty)"
    assert problem("n and ok").key == "type.mismatch/condition"


def test_text_joined_with_a_code_on_either_side_is_text():
    assert kind("t + g") == "text" and kind("g + t") == "text"
    assert kind("t in g") == "yes/no" and kind("g in t") == "yes/no"


def test_a_whole_number_of_days_is_a_whole_power():
    assert kind("n ** gap") == "integer"
    assert kind("2 ** gap") == "integer"
    assert problem("n ** x").key == "type.mismatch/power"


def test_count_of_a_value_in_a_list():
    assert kind("count(xs, 1)") == "integer"
    assert kind("count(gs, 'M')") == "integer"
    assert problem("count(gs, 'W')").key == "type.never-equal"
    assert problem("count(xs, t)").key == "type.mismatch/compare"


def test_abs_of_a_number_keeps_its_kind():
    assert kind("abs(n - 3)") == "integer" and kind("abs(x)") == "decimal"
    assert problem("abs(t)").key == "type.mismatch/numbers"
    assert ": abs() needs numbers" in problem("abs(t)").render("en")  # the message names the function


def test_the_branches_of_an_if_of_lists_and_records_mix():
    assert kind("xs if ok else xs") == "list of integer"
    assert kind("xs if ok else [1.5]") == "list of decimal"
    assert kind("rs if ok else rs") == "list of record {h: integer}"
    assert problem("xs if ok else gs").key == "type.mismatch/if"


def test_names_and_comparisons_the_checker_refuses_or_accepts():
    assert problem("nope").key == "type.unknown-name"
    assert problem("t in xs").key == "type.mismatch/compare"
    assert kind("n < None") == "yes/no" and kind("None >= x") == "yes/no"
    assert kind("max([])") == "integer"


def test_cap_of_a_list_takes_the_wider_kind():
    assert kind("cap(xs, 10)") == "list of integer"
    assert kind("cap(xs, x)") == "list of decimal"
    assert ": cap() needs numbers" in problem("cap(xs, t)").render("en")


def test_more_refusals_and_acceptances_of_a_fourth_sample():
    names = {**NAMES, "broken": Type("any"), "day": DATE}
    assert str(infer(ast.parse("broken == 1", mode="eval").body, names)) == "yes/no"
    assert kind("gap * 2") == "integer" and kind("gap % 7") == "integer"
    assert kind("t in None") == "yes/no"
    assert problem("min()").key == "type.arguments/at-least"
    unknown = problem("nosuch(n)")
    assert unknown.advice is not None and "max" in unknown.advice.render("en")  # lists the functions
    assert problem("where(rs, 'h', t)").key == "type.mismatch/compare"
    assert "year()" in problem("year(t)").render("en")  # names the function given a text


def test_a_value_that_may_be_empty_stays_so_through_an_if():
    """``x if c else y`` may be empty when either branch may be: a later ``sum`` or comparison
    relies on it to ask for ``given(...)``."""
    names = {
        **NAMES,
        "maybe_n": INTEGER.or_empty(),
        "maybe_g": GENDER.or_empty(),
        "broken": Type("any"),
    }

    def of(text: str) -> str:
        return str(infer(ast.parse(text, mode="eval").body, names))

    assert of("n if ok else maybe_n") == "integer (may be empty)"
    assert of("maybe_n if ok else n") == "integer (may be empty)"
    assert of("g if ok else maybe_g") == "code (F, M) (may be empty)"
    assert of("broken if ok else maybe_n") == "integer (may be empty)"
    assert of("maybe_n if ok else broken") == "integer (may be empty)"
    assert of("n if ok else n") == "integer"


def test_a_value_already_refused_is_not_refused_again_by_a_function():
    """A value typed ``any`` (its own expression was refused) passed to ``year()`` or ``sum()``
    raises no second problem."""
    names = {**NAMES, "broken": Type("any")}
    assert str(infer(ast.parse("year(broken)", mode="eval").body, names)) == "integer"
    assert str(infer(ast.parse("sum([broken])", mode="eval").body, names)) == "integer"
    assert str(infer(ast.parse("days_between(broken, broken)", mode="eval").body, names)) == "days"


def test_the_messages_of_not_and_or_name_the_operator():
    assert problem("not n").key == "type.mismatch/condition"
    assert "'not' must be yes/no" in problem("not n").render("en")
    assert "each side of 'or' must be yes/no" in problem("ok or n").render("en")
    assert "each side of 'and' must be yes/no" in problem("n and ok").render("en")


def test_a_chain_of_comparisons_checks_each_neighbouring_pair():
    assert kind("n == None == t") == "yes/no"  # n with None, None with t: no text meets a number
    assert kind("0 <= n < 10") == "yes/no"
    refused = problem("n < x < t")
    assert refused.key == "type.mismatch/order"
    assert "decimal and text cannot be ordered with '<'" in refused.render("en")  # x and t, not n


def test_a_bound_of_within_that_does_not_match_is_located_at_the_bound():
    refused = problem("within(rs, 'h', 1, t)")
    assert refused.key == "type.mismatch/order"
    assert refused.node is not None and refused.node.col_offset == len("within(rs, 'h', 1, ")


def test_records_that_may_be_empty_stay_so_through_an_if():
    """A list input ``items: {type: record, default: null, ...}`` holds records that may be
    empty; mixing two such lists keeps that."""
    record = Type("record", fields=(("h", INTEGER),))
    names = {**NAMES, "log": list_of(record.or_empty())}
    assert str(infer(ast.parse("log if ok else log", mode="eval").body, names)) == (
        "list of record {h: integer} (may be empty)"
    )
    assert kind("rs if ok else rs") == "list of record {h: integer}"


# -- a fresh sample (seed 17) -------------------------------------------------------------------

MORE = {
    **NAMES,
    "d": DATE,
    "maybe_n": INTEGER.or_empty(),
    "broken": Type("any"),
    "others": list_of(Type("record", fields=(("k", TEXT),))),
}


more = functools.partial(kind, names=MORE)
refused = functools.partial(problem, names=MORE)


def test_lists_of_records_with_other_fields_do_not_mix():
    assert refused("rs if ok else others").key == "type.mismatch/if"
    assert refused("[1, rs]").key == "type.mismatch/list-items"
    assert more("rs if ok else rs") == "list of record {h: integer}"


def test_a_number_of_days_is_a_whole_number_of_places():
    assert more("round(x, gap)") == "decimal"
    assert refused("round(x, 1.5)").key == "type.mismatch/whole"


def test_a_constant_without_a_type_is_named():
    for text, shown in (("1j", "1j"), ("b'x'", "b'x'")):
        problem_ = refused(text)
        assert problem_.key == "type.mismatch/constant"
        assert f"the constant {shown} has no type" in problem_.render("en")


def test_and_or_not_and_minus_keep_may_be_empty_as_it_is():
    assert more("ok and ok") == "yes/no" and more("ok or ok") == "yes/no"
    assert more("ok and maybe") == "yes/no (may be empty)"
    assert more("-maybe_n") == "integer (may be empty)" and more("-n") == "integer"


def test_a_date_ordered_against_an_empty_or_refused_value_is_accepted():
    assert more("d < None") == "yes/no" and more("None >= d") == "yes/no"
    assert more("d <= broken") == "yes/no"


def test_a_date_ordered_against_a_text_is_told_how_to_write_a_date():
    advice = refused("d < t").advice
    assert advice is not None and advice.key == "hint.date-as-text"
    other = refused("d < n").advice
    assert other is not None and other.key == "hint.date-order"


def test_an_unknown_function_close_to_a_known_one_is_suggested():
    advice = refused("maxx(xs)").advice
    assert advice is not None and "did you mean 'max'?" in advice.render("en")


def test_the_messages_name_what_they_found_and_the_function():
    assert "min() needs numbers or dates, but this is text" in refused("min(t, 1)").render("en")
    assert "round() needs numbers, but this is text" in refused("round(t)").render("en")
    assert more("round(x)") == "integer" and more("round(x, 2)") == "decimal"
    assert "with 'within'" in refused("within(rs, 'h', 1, t)").render("en")


def test_functions_over_a_list_of_refused_values_add_no_second_problem():
    assert more("count([broken])") == "integer"
    assert more("all([broken])") == "yes/no" and more("any([broken])") == "yes/no"


def test_the_names_a_condition_proves_given():
    from engine.language.types import given_names

    def proven(text: str) -> set:
        return given_names(ast.parse(text, mode="eval"))

    assert proven("given(age)") == {"age"}
    assert proven("given(age) and given(hours) and hours > 1") == {"age", "hours"}
    assert proven("given(age) or given(hours)") == set()
    assert proven("given(age, hours)") == set() and proven("len(age)") == set()


# -- a fresh sample (seed 18) -------------------------------------------------------------------

LOG = Type("record", fields=(("h", INTEGER), ("ok", BOOLEAN), ("k", TEXT)))
EVEN_MORE = {
    **MORE,
    "log": list_of(LOG),
    "maybe_xs": list_of(INTEGER).or_empty(),
    "lv": code_type(["junior", "senior"]),
    "days": list_of(DATE),
    "maybe_g": GENDER.or_empty(),
}


def typed(text: str) -> str:
    return str(infer(ast.parse(text, mode="eval").body, EVEN_MORE))


def refusal(text: str) -> TypeProblem:
    with pytest.raises(TypeProblem) as caught:
        typed(text)
    return caught.value


def test_a_record_type_is_shown_with_each_field():
    assert typed("log") == "list of record {h: integer, ok: yes/no, k: text}"


def test_two_codes_mix_into_all_their_values():
    assert typed("g if ok else lv") == "code (F, M, junior, senior)"


def test_lists_and_quotients_that_may_be_empty_stay_so():
    assert typed("xs if ok else maybe_xs") == "list of integer (may be empty)"
    assert typed("maybe_n / 2") == "ratio (may be empty)" and typed("n / 2") == "ratio"


def test_a_value_in_a_refused_value_adds_no_second_problem():
    assert typed("n in broken") == "yes/no"


def test_min_and_max_of_a_list_keep_the_kind_of_its_items():
    assert typed("max([x])") == "decimal" and typed("min(days)") == "date" and typed("max(xs)") == "integer"


def test_count_date_and_where_accept_their_arguments_and_name_themselves():
    assert "count() needs a list" in refusal("count(5)").render("en")
    assert typed("date(d)") == "date" and typed("date('2021-06-30')") == "date"
    assert typed("where(log, 'ok')") == "list of record {h: integer, ok: yes/no, k: text}"
    assert refusal("where(log, 'h')").key == "type.mismatch/where"
    assert "'where'" in refusal("where(log, 'h', t)").render("en")


# -- a fresh sample (seed 19) -------------------------------------------------------------------


def test_mixed_numbers_and_texts_that_may_be_empty_stay_so():
    assert typed("x if ok else maybe_n") == "decimal (may be empty)"
    assert typed("t if ok else maybe_g") == "text (may be empty)"
    assert typed("maybe_g + t") == "text (may be empty)" and typed("g + t") == "text"


def test_arithmetic_with_an_empty_or_refused_operand_keeps_the_other_kind():
    assert typed("None + 1") == "integer (may be empty)" and typed("None * x") == "decimal (may be empty)"
    assert typed("broken + 1") == "integer" and typed("broken * x") == "decimal"
    assert typed("broken ** 2") == "integer" and typed("None ** 2") == "integer (may be empty)"


def test_count_capped_sum_distinct_and_within_refuse_and_accept_as_they_say():
    assert refusal("count(xs, t)").node is not None  # located in the expression
    assert ": capped_sum() needs numbers" in refusal("capped_sum(xs, t)").render("en")
    assert ": distinct() needs a list" in refusal("distinct(5)").render("en")
    assert typed("within(log, 'h', None, 10)") == "list of record {h: integer, ok: yes/no, k: text}"


# -- a fresh sample (seed 20), read after its figure was taken ------------------------------------


def test_negation_of_none_capped_sums_yes_no_counts_and_their_refusals():
    assert typed("-None") == "integer (may be empty)"
    assert typed("capped_sum(xs, x)") == "decimal" and typed("capped_sum(xs, 2)") == "integer"
    assert typed("count([ok, ok])") == "integer"
    unknown = refusal("nope + 1")
    assert unknown.key == "type.unknown-name" and unknown.node is not None and unknown.node.col_offset == 0
    assert ": cap() needs a list of numbers, but this is list of text" in refusal("cap([t], 1)").render("en")
    within = refusal("within(log, 'k', 1, 2)")
    assert within.key == "type.mismatch/field" and "within() cannot use field 'k'" in within.render("en")
