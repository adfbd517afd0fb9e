"""engine.language.expressions, pinned down: the size limit of exact arithmetic, the words of
the language functions' refusals, and the constants known at load. Each test kills mutants the
rest of the suite let survive (bench/mutation.py expressions; figures in bench/MUTATION.md)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from engine.base.errors import Location
from engine.language.expressions import EvalFailure, add, div, f_add_months, f_within, parse_expression


def refused(fn, *args) -> str:
    with pytest.raises(EvalFailure) as caught:
        fn(*args)
    return caught.value.render("en")


def test_a_fraction_is_refused_when_either_part_outgrows_512_bits():
    too_large = "a number grew beyond the allowed size (about 10**154)"
    assert div(Fraction(1, 2), 2**510) == Fraction(1, 2**511)  # a 512-bit denominator is allowed
    assert refused(div, Fraction(1, 2), 2**511) == too_large  # 513 bits below the line, 1 above
    assert add(Fraction(1, 3), Fraction(2**511, 3)) == Fraction(2**511 + 1, 3)
    assert refused(add, Fraction(1, 3), Fraction(2**512 + 2, 3)) == too_large  # 513 bits above the line


def test_the_functions_refusals_name_the_function():
    assert refused(add, None, 1) == "+ needs numbers, got an empty value"
    assert refused(f_add_months, "2021-06-30", 1).startswith("add_months() needs a date, got ")
    assert refused(f_within, "x", "day", dt.date(2021, 1, 1), dt.date(2021, 12, 31)).startswith(
        "within() needs a list, got "
    )


def test_true_and_false_are_constants_known_at_load():
    """An expression that reads no name is computed once, when the policy loads (a consequence
    whose condition is constantly false is then reported by lint)."""
    for text, value in (("false", False), ("true", True), ("1 + 2", 3), ("2 > 3", False)):
        expression = parse_expression(text, Location("p.yaml", 1, 1))
        assert expression.is_constant is True and expression.constant == value, text
    assert parse_expression("hours > 3", Location("p.yaml", 1, 1), {"hours": "number"}).is_constant is False


# -- a fresh sample (seed 17) -------------------------------------------------------------------


def run(text: str, **env):
    names = {n: "input" for n in env}
    return parse_expression(text, Location("p.yaml", 1, 1), names).fast(env)


def test_whole_division_and_remainder_stay_whole():
    from engine.language.expressions import floordiv, mod

    assert floordiv(7, 2) == 3 and type(floordiv(7, 2)) is int
    assert mod(7, 2) == 1 and mod(Fraction(7, 2), 1) == Fraction(1, 2)
    assert run("x // 2 + x % 2", x=7) == 4


def test_zero_to_a_negative_power_is_a_division_by_zero():
    from engine.language.expressions import power

    assert refused(power, 0, -1) == "division by zero"
    assert power(2, -1) == Fraction(1, 2)


def test_an_empty_value_on_the_left_of_a_fraction_cannot_be_compared():
    from engine.language.expressions import le

    assert refused(le, None, Fraction(1, 2)) == "cannot compare an empty value"
    assert le(1, Fraction(3, 2)) is True and le(2, Fraction(3, 2)) is False


def test_sum_of_items_that_are_not_numbers_names_sum():
    from engine.language.expressions import exact_sum

    assert refused(exact_sum, [1, None]) == "sum needs numbers, got an empty value"
    assert refused(exact_sum, [1, "2"]).startswith("sum needs numbers, got ")


def test_sum_and_mean_of_fractions_beyond_one_common_denominator_are_exact():
    from engine.language.expressions import exact_sum, f_mean

    a, b = Fraction(1, 2**300), Fraction(1, 3**200)  # the common denominator passes 512 bits
    assert exact_sum([a, b]) == a + b
    assert exact_sum([1, 2, 3]) == 6 and exact_sum([]) == 0
    big = 2**512 - 1  # the largest whole number allowed; the total of two is past it
    assert f_mean([big, big]) == big


def test_the_refusals_of_min_max_all_floor_and_capped_sum_name_them():
    from engine.language.expressions import f_all, f_capped_sum, f_floor, f_max, f_min

    assert refused(f_min, [1, None]) == "min() of an empty value"
    assert refused(f_max, []) == "max() of an empty list"
    assert refused(f_all, 5).startswith("all() needs a list, got ")
    assert refused(f_floor, "x").startswith("floor needs numbers, got ")
    assert refused(f_capped_sum, "x", 1).startswith("capped_sum() needs a list, got ")


def test_capped_sum_caps_each_item_on_the_general_path():
    from engine.language.expressions import f_capped_sum

    assert f_capped_sum([300, 10, 100], 100) == 210  # counts above 255: no byte table
    assert f_capped_sum([Fraction(1, 2), 3], 2) == Fraction(5, 2)
    assert f_capped_sum([5, 0, 7], 0) == 0 and f_capped_sum([5, 1, 7], 3) == 7


def test_round_takes_up_to_12_places():
    from engine.language.expressions import f_round

    assert f_round(Fraction(1, 3), 12) == Fraction(333333333333, 10**12)
    assert refused(f_round, Fraction(1, 3), 13) == "round() takes 0 to 12 decimal places"
    assert f_round(Fraction(5, 2)) == 3 and f_round(Fraction(1234, 1000), 2) == Fraction(123, 100)


def test_the_calendar_functions_name_themselves_when_they_refuse():
    from engine.language.expressions import f_add_days, f_add_years, f_date

    assert refused(f_date, 5).startswith("date() needs text such as '2021-06-30', got ")
    assert refused(f_add_days, dt.date(9999, 12, 31), 1) == "add_days() went past the calendar (years 1 to 9999)"
    assert refused(f_add_years, dt.date(2021, 6, 30), Fraction(1, 2)) == "add_years() needs a whole number"


def test_a_number_too_large_is_located_at_its_column():
    from engine.language.expressions import ExpressionProblem

    with pytest.raises(ExpressionProblem) as caught:
        parse_expression("1 + " + "9" * 200, Location("p.yaml", 1, 1))
    assert caught.value.key == "expr.limit/number" and caught.value.col == 5


def test_an_expression_refused_at_load_keeps_its_hint_across_processes():
    """Problems travel between worker processes by pickling: the hint goes with them."""
    import pickle

    from engine.language.expressions import ExpressionProblem

    with pytest.raises(ExpressionProblem) as caught:
        parse_expression("hours >= 50%", Location("p.yaml", 1, 1), {"hours": "input"})
    again = pickle.loads(pickle.dumps(caught.value))
    assert caught.value.advice is not None
    assert (again.key, again.col, again.advice) == (caught.value.key, caught.value.col, caught.value.advice)


def test_a_chain_of_comparisons_computes_its_middle_operand_for_each_pair():
    assert run("0 < len([x, 1]) < 5", x=3) is True
    assert run("0 < max(x, 1) <= 10", x=5) is True
    assert run("0 < (x if ok else 2) < 10", x=3, ok=True) is True
    assert run("1 < x + 0.5 * 2 < 10", x=3) is True


# -- a fresh sample (seed 18) -------------------------------------------------------------------


def test_a_negative_power_is_an_exact_fraction_never_a_binary_float():
    from engine.language.expressions import power

    assert type(power(2, -1)) is Fraction and power(2, -2) == Fraction(1, 4)
    assert power(Fraction(1, 3), -2) == 9


def test_comparisons_of_fractions_and_empty_values():
    from engine.language.expressions import le, lt

    assert lt(Fraction(5, 2), Fraction(3, 2)) is False and lt(Fraction(3, 2), Fraction(5, 2)) is True
    assert refused(le, 1, None) == "cannot compare an empty value"
    assert le(2, 3) is True and le(3, 2) is False


def test_the_arithmetic_refusals_name_the_operator():
    from engine.language.expressions import div, mod, sub

    assert refused(div, "x", 2).startswith("/ needs numbers, got ")
    assert refused(sub, "x", 2).startswith("- needs numbers, got ")
    assert refused(mod, 1, 0) == "division by zero"


def test_a_failure_of_an_unknown_kind_is_named_by_its_kind():
    from engine.language.expressions import failure_problem

    assert failure_problem(KeyError("x")).render("en") == "the computation failed (KeyError)"


def test_min_of_numbers_and_its_refusals():
    from engine.language.expressions import f_min

    assert f_min(3, 1, 2) == 1 and f_min([3, Fraction(1, 2)]) == Fraction(1, 2)
    assert refused(f_min, []) == "min() of an empty list"


def test_the_list_and_date_functions_name_themselves_and_what_they_got():
    from engine.language.expressions import f_cap, f_date, f_day, f_where

    assert refused(f_cap, 5, 1).startswith("cap() needs a list, got ")
    assert refused(f_date, 5) == refused(f_date, 7)  # the same words for any number
    assert refused(f_date, 5) != refused(f_date, None)  # ... but not those of an empty value
    assert refused(f_day, "x").startswith("day() needs a date, got ")
    assert refused(f_where, [], 5) == "where() needs a field name"


def test_where_without_a_value_keeps_the_records_whose_field_is_true():
    from engine.language.expressions import f_where

    log = [{"f": True, "h": 1}, {"f": False, "h": 2}]
    assert f_where(log, "f") == [{"f": True, "h": 1}]
    assert f_where(log, "h", 2) == [{"f": False, "h": 2}]


def test_a_problem_on_the_second_line_of_an_expression_is_located_there():
    from engine.language.expressions import ExpressionProblem

    with pytest.raises(ExpressionProblem) as caught:
        parse_expression("(hours >= 1 and\nnope)", Location("p.yaml", 1, 1), {"hours": "input"})
    assert caught.value.key == "expr.unknown-name" and caught.value.col == len("(hours >= 1 and\n") + 1


def test_an_expression_of_400_parts_is_accepted_and_of_401_refused():
    import ast

    from engine.language.expressions import ExpressionProblem

    def parts(text: str) -> int:
        return sum(1 for _ in ast.walk(ast.parse(text, mode="eval")))

    accepted = "[" + ", ".join(["1"] * 397) + "]"
    assert parts(accepted) == 400
    assert parse_expression(accepted, Location("p.yaml", 1, 1)).is_constant
    with pytest.raises(ExpressionProblem) as caught:
        parse_expression("[" + ", ".join(["1"] * 398) + "]", Location("p.yaml", 1, 1))
    assert caught.value.key == "expr.limit/parts"


# -- a fresh sample (seed 19) -------------------------------------------------------------------


def test_each_division_by_zero_is_named_so():
    from engine.language.expressions import floordiv

    assert refused(div, 1, 0) == "division by zero" and refused(floordiv, 1, 0) == "division by zero"
    assert refused(div, Fraction(1, 2), 0) == "division by zero"  # the general path, not the whole-number one


def test_the_remainder_and_any_name_themselves_when_refused():
    from engine.language.expressions import f_any, mod

    assert refused(mod, "x", 2).startswith("% needs numbers, got ")
    assert refused(f_any, 5).startswith("any() needs a list, got ")


def test_a_whole_fraction_is_at_most_the_same_whole_number():
    from engine.language.expressions import le, power

    nine = power(Fraction(1, 3), -2)  # a Fraction whose denominator is 1
    assert le(nine, 9) is True and le(Fraction(5, 2), 2) is False and le(Fraction(3, 2), 2) is True


def test_add_days_takes_at_most_a_million_days():
    from engine.language.expressions import f_add_days

    assert f_add_days(dt.date(1, 1, 1), 1_000_000) == dt.date(1, 1, 1) + dt.timedelta(days=1_000_000)
    assert refused(f_add_days, dt.date(1, 1, 1), 1_000_001) == refused(f_add_days, dt.date(1, 1, 1), 10**9)


def test_add_months_names_what_it_got_and_stops_at_the_calendars_end():
    assert refused(f_add_months, "2021-06-30", 1) == "add_months() needs a date, got text '2021-06-30'"
    assert refused(f_add_months, dt.date(9999, 12, 1), 1) == "add_months() went past the calendar (years 1 to 9999)"
    assert f_add_months(dt.date(9999, 11, 30), 1) == dt.date(9999, 12, 30)


def test_a_number_of_512_bits_is_allowed_in_an_expression():
    from engine.language.expressions import ExpressionProblem

    assert parse_expression(str(2**512 - 1), Location("p.yaml", 1, 1)).constant == 2**512 - 1
    with pytest.raises(ExpressionProblem) as caught:
        parse_expression(str(2**512), Location("p.yaml", 1, 1))
    assert caught.value.key == "expr.limit/number"


def test_a_syntax_error_on_a_second_line_is_located_there():
    from engine.language.expressions import ExpressionProblem

    with pytest.raises(ExpressionProblem) as caught:
        parse_expression("(hours >=\n>= 1)", Location("p.yaml", 1, 1), {"hours": "input"})
    assert caught.value.key == "expr.syntax" and caught.value.col == len("(hours >=\n") + 1


def test_a_construct_the_language_does_not_have_is_named():
    from engine.language.expressions import ExpressionProblem

    with pytest.raises(ExpressionProblem) as caught:
        parse_expression("{1, 2}", Location("p.yaml", 1, 1))
    assert caught.value.key == "expr.forbidden"
    assert caught.value.render("en").startswith("{what}: Set is not allowed in an expression")


# -- a fresh sample (seed 20), read after its figure was taken ------------------------------------


def test_the_operators_and_functions_refusals_name_them_and_what_they_got():
    from engine.language.expressions import f_abs, f_ceil, f_days_between, f_year, mul, neg

    assert refused(div, 1, "x") == "/ needs numbers, got text 'x'"
    assert refused(mul, 1, "x") == "* needs numbers, got text 'x'"
    assert refused(neg, "x") == "- needs numbers, got text 'x'"
    assert refused(f_ceil, "x") == "ceil needs numbers, got text 'x'"
    assert refused(f_abs, "x") == "abs needs numbers, got text 'x'"
    assert refused(f_year, 5) == "year() needs a date, got a number"
    assert refused(f_days_between, dt.date(2021, 1, 1), "x") == "days_between() needs two dates"
    assert refused(add, 1, object()) == "+ needs numbers, got object"


def test_a_typed_character_at_the_very_start_gets_its_hint():
    from engine.language.expressions import ExpressionProblem

    with pytest.raises(ExpressionProblem) as caught:
        parse_expression("（hours >= 50)", Location("p.yaml", 1, 1), {"hours": "input"})
    assert caught.value.col == 1 and caught.value.advice is not None
    assert caught.value.advice.key == "hint.fullwidth-operator/char"
