"""engine.language.kinds, value by value: how a field's text is read, and the words a refusal
uses. Each test kills mutants the rest of the suite let survive (bench/mutation.py kinds;
figures and the equivalent survivors in bench/MUTATION.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from engine.base.errors import UNKNOWN
from engine.base.numbers import parse_interval
from engine.language.kinds import NORMALISED, InvalidValue, build_coercer, count_normalised, kind_word, parse_date
from engine.language.model import Input, Text


def declared(type_: str, **options) -> Input:
    return Input(name="f", type=type_, label=Text("字段", "field"), location=UNKNOWN, **options)


def reader(type_: str, **options):
    if isinstance(options.get("range"), str):
        options["range"] = parse_interval(options["range"])
    return build_coercer(declared(type_, **options))


def refusal(coerce, value, lang: str = "en") -> str:
    with pytest.raises(InvalidValue) as caught:
        coerce(value)
    return caught.value.render(lang)


# --- numbers too large to compute with --------------------------------------------------------


def test_a_number_beyond_2_to_the_512_is_refused_and_shown_cut_at_40_characters():
    number = reader("number")
    assert number(2**512 - 1) == 2**512 - 1  # 512 bits: the largest allowed
    text = refusal(number, 2**512)
    shown = str(2**512)
    assert text == f"{shown[:40]}... is too large or too precise (at most about 10**154)"
    assert number(Fraction(2**512 - 1, 2)) == Fraction(2**512 - 1, 2)  # a 512-bit numerator is allowed
    assert number(Fraction(1, 2**512 - 1)) == Fraction(1, 2**512 - 1)  # and a 512-bit denominator
    assert refusal(number, Fraction(2**512 + 1, 3)).startswith(str(Fraction(2**512 + 1, 3))[:40] + "...")
    assert refusal(number, Fraction(1, 2**512 + 1)).startswith("1/" + str(2**512 + 1)[:38] + "...")


def test_a_too_large_text_is_shown_as_written():
    number = reader("number")
    written = "9" * 155
    assert refusal(number, written).startswith(repr(written)[:40] + "... is too large")
    # the decimal is checked before it is expanded: a fraction of 1e-160 is too precise too
    assert "too large or too precise" in refusal(number, "1e-160")
    exactly_40 = " " * 33 + "1e999"  # its repr is 40 characters: shown whole
    assert refusal(number, exactly_40) == f"{exactly_40!r} is too large or too precise (at most about 10**154)"
    over_40 = " " * 34 + "1e999"  # 41: cut after 40
    assert refusal(number, over_40) == f"{over_40!r}"[:40] + "... is too large or too precise (at most about 10**154)"


def test_a_short_value_is_shown_whole():
    # a 40-character text is shown whole, a 41-character one cut after 40 characters
    long = "x" * 37  # repr adds two quotes: 39 characters
    assert refusal(reader("number"), long) == f"{long!r} is not a number"


# --- whole numbers ---------------------------------------------------------------------------


def test_an_integer_field_takes_a_whole_fraction_and_refuses_a_part():
    integer = reader("integer")
    assert integer(Fraction(8, 2)) == 4 and type(integer(Fraction(8, 2))) is int
    assert integer("4.0") == 4 and type(integer("4.0")) is int
    assert integer("4e2") == 400
    assert refusal(integer, "4.5") == "expected a whole number, got '4.5'"
    assert refusal(integer, Fraction(9, 2)) == "expected a whole number, got 4.5"
    assert refusal(integer, Fraction(1, 3)) == "expected a whole number, got 0.333333"


# --- yes / no ------------------------------------------------------------------------------------


def test_yes_no_takes_booleans_one_and_zero_and_the_words_in_any_case():
    boolean = reader("boolean")
    assert boolean(True) is True and boolean(False) is False
    assert boolean(1) is True and boolean(0) is False
    for word in ("YES", "Yes", "TRUE", "是", "１"):
        assert boolean(word) is True, word
    for word in ("No", "FALSE", "否", "0"):
        assert boolean(word) is False, word
    assert refusal(boolean, 2) == "expected yes/no (true/false, 是/否, 1/0), got 2"
    assert refusal(boolean, "Y") == "expected yes/no (true/false, 是/否, 1/0), got 'Y'"
    assert refusal(boolean, 1.0) == "expected yes/no (true/false, 是/否, 1/0), got 1.0"


def test_a_policy_adds_its_own_yes_no_words():
    boolean = reader("boolean", yes_words=("有", "√"), no_words=("无",))
    assert boolean("有") is True and boolean("无") is False and boolean("是") is True
    assert refusal(boolean, "N") == "expected yes/no (true/false, 是/否, 1/0, or √, 无, 有), got 'N'"


# --- lists --------------------------------------------------------------------------------------


def test_a_list_of_decimals_is_read_exactly():
    numbers = reader("list", items=declared("number"))
    assert numbers("45.5;52.25;50.0") == [Fraction(91, 2), Fraction(209, 4), 50]
    assert numbers("7") == [7]
    assert numbers("[0.1, 0.2, 3]") == [Fraction(1, 10), Fraction(1, 5), 3]  # JSON decimals, not floats
    assert numbers("4.5；3") == [Fraction(9, 2), 3]  # a full-width semicolon is a separator


def test_a_list_of_numbers_in_a_cell_splits_on_each_separator_and_never_on_a_comma():
    integers = reader("list", items=declared("integer"))
    assert integers("4；3| 2  1") == [4, 3, 2, 1]
    assert integers("；4；；3；") == [4, 3]  # empty items are not items
    assert integers("") == [] and integers("  ") == []
    assert integers("[4, 3]") == [4, 3]
    for cell in ("60,5;60,5", "60，5；60，5", "4；3,2"):
        assert (
            refusal(integers, cell) == f"{cell!r}: a comma in a list of numbers may be a decimal comma or a separator"
        )
    assert refusal(integers, "[4, 3") == "is not a valid list; write [1, 2, 3] or 1;2;3"


def test_a_list_of_texts_also_splits_on_commas():
    texts = reader("list", items=declared("string"))
    assert texts("语文，数学、英语;物理,,化学") == ["语文", "数学", "英语", "物理", "化学"]
    assert texts("") == []


def test_a_list_item_refused_is_named_by_its_position():
    marks = reader("list", items=declared("number", range=parse_interval("[0, 100]")))
    assert marks([Fraction(1, 2), 100]) == [Fraction(1, 2), 100]
    assert refusal(marks, [50, Fraction(201, 2)]) == "item 2: 100.5 is outside the allowed range [0, 100]"
    assert refusal(marks, "50;100.5") == "item 2: 100.5 is outside the allowed range [0, 100]"
    assert refusal(marks, [50, "x"]) == "item 2: 'x' is not a number"
    assert refusal(marks, 5) == "expected a list, got a number"
    assert refusal(reader("list", items=declared("integer"), max_items=2), "1;2;3") == "has 3 items, more than 2"


# --- records (dated activities) ---------------------------------------------------------------


def activity():
    fields = {
        "day": declared("date"),
        "note": declared("string", has_default=True, default="无"),
        "hours": declared("number"),
    }
    return reader("list", items=declared("record", fields=fields))


def test_an_activity_takes_its_defaults_and_reads_every_field_after_one():
    logs = activity()
    read = logs([{"day": "2021/6/30", "hours": "2.5"}, {"day": "2021-07-01", "note": "", "hours": 1}])
    assert read == [
        {"day": dt.date(2021, 6, 30), "note": "无", "hours": Fraction(5, 2)},
        {"day": dt.date(2021, 7, 1), "note": "无", "hours": 1},
    ]


def test_an_activity_refused_names_its_field():
    logs = activity()
    assert refusal(logs, [{"day": "2021-06-30"}]) == "item 1: field 'hours' is missing"
    assert refusal(logs, [{"day": "x", "hours": 1}]).startswith("item 1: field 'day': 'x' is not a date")
    assert refusal(logs, [{"day": "2021-06-30", "hours": 1, "room": 3}]) == (
        "item 1: has the unknown field 'room' (fields: day, note, hours)"
    )
    assert refusal(logs, ["x"]) == "item 1: expected a record with fields day, note, hours, got text 'x'"


# --- dates ----------------------------------------------------------------------------------------


def test_dates_in_each_documented_form_and_the_count_of_other_forms():
    before = NORMALISED["date-form"]
    assert parse_date("2021-06-30") == dt.date(2021, 6, 30)
    assert NORMALISED["date-form"] == before  # the plain form is not counted
    for text in ("2021/6/30", "2021.6.30", "2021年6月30日", "2021年6月30", "２０２１-06-30"):
        assert parse_date(text) == dt.date(2021, 6, 30), text
    assert NORMALISED["date-form"] == before + 4  # the full-width one is counted as full-width
    assert parse_date(dt.datetime(2021, 6, 30, 8)) == dt.date(2021, 6, 30)
    with pytest.raises(InvalidValue) as caught:
        parse_date("2021-02-30")
    assert caught.value.render("en") == "'2021-02-30' is not a real date"
    with pytest.raises(InvalidValue) as caught:
        parse_date(20210630)
    assert caught.value.render("en") == "expected a date such as 2021-06-30, got 20210630"


# --- what kind of value was given, in the officer's words -------------------------------------------


@pytest.mark.parametrize(
    "value, en, zh",
    [
        (None, "an empty value", "空值"),
        (True, "yes/no", "是/否"),
        (3, "a number", "数字"),
        (Decimal("2.5"), "a number", "数字"),
        ("abc", "text 'abc'", "文本 'abc'"),
        ([1], "a list", "列表"),
        ({"a": 1}, "a mapping", "映射"),
        (dt.date(2021, 6, 30), "a date", "日期"),
        ({1, 2}, "set", "set"),
    ],
)
def test_the_kind_of_a_value_is_named(value, en, zh):
    word = kind_word(value)
    assert word.render("en") == en and word.render("zh") == zh


def test_a_text_field_names_what_it_got_instead():
    text = reader("string")
    assert text(" 语文 ") == "语文" and text(1001) == "1001"
    assert refusal(text, dt.date(2021, 6, 30)) == "expected text, got a date"
    assert refusal(text, None) == "expected text, got an empty value"
    assert refusal(reader("number"), [1]) == "expected a number, got a list"


# --- spellings of a number --------------------------------------------------------------------------


def test_thousands_separators_are_taken_off_and_counted():
    number = reader("number")
    before = dict(NORMALISED)
    assert number("1,200") == 1200
    assert number("-1,234.5") == Fraction(-2469, 2)
    assert number("１，２００") == 1200  # full-width digits and comma
    assert NORMALISED["thousands"] == before.get("thousands", 0) + 3
    assert NORMALISED["full-width"] == before.get("full-width", 0) + 1
    assert refusal(number, "1,20") == "'1,20' is not a number: a comma is not a decimal point"


def test_a_percentage_is_a_ratio_of_exactly_that_many_hundredths():
    share = reader("number", unit="%")
    assert share("50%") == Fraction(1, 2) and share("12.5 %") == Fraction(1, 8)
    assert share("100%") == 1 and type(share("100%")) is int
    assert share("250%") == Fraction(5, 2) and share("0.4") == Fraction(2, 5)
    # an exponent small enough to read but a hundredth of it too precise: shown as written
    assert refusal(share, "1e-154%") == "'1e-154%' is too large or too precise (at most about 10**154)"
    assert refusal(share, "1e999%") == "'1e999%' is too large or too precise (at most about 10**154)"
    assert refusal(share, "x%") == "'x%' is not a number"


def test_an_exponent_too_large_is_refused_at_once():
    """1e999999999 is refused before its digits are expanded, so one cell cannot stall a batch."""
    number = reader("number")
    assert refusal(number, "1e999999999") == "'1e999999999' is too large or too precise (at most about 10**154)"
    assert refusal(number, "1e-999999999").startswith("'1e-999999999' is too large")


def test_numbers_from_json_and_from_a_program_are_read_exactly():
    number = reader("number")
    assert (
        number(Decimal("2.50")) == Fraction(5, 2) and number(0.5) == Fraction(1, 2) and number(0.1) == Fraction(1, 10)
    )
    assert refusal(number, Decimal("NaN")) == "NaN is not a finite number"
    assert refusal(number, float("inf")) == "inf is not a finite number"
    assert refusal(number, Decimal("1E+999")) == "'1E+999' is too large or too precise (at most about 10**154)"
    assert refusal(number, True) == "expected a number, got a yes/no value"
    assert refusal(number, "") == "is empty"


def test_a_policy_that_adds_words_keeps_the_documented_ones():
    """A reader with the policy's own words is built when the policy loads: it takes and
    refuses the same values as the documented reader, plus its words in any case."""
    boolean = reader("boolean", yes_words=("Y",), no_words=("N",))
    assert boolean(True) is True and boolean(False) is False
    assert boolean(1) is True and boolean(0) is False
    assert boolean("y") is True and boolean("n") is False and boolean("N") is False and boolean("YES") is True
    for value in (2, -1, 1.0, "maybe"):
        assert refusal(boolean, value) == f"expected yes/no (true/false, 是/否, 1/0, or n, y), got {value!r}"


def test_an_enum_value_is_read_in_any_case():
    level = reader("enum", values=("junior", "senior"))
    assert level("JUNIOR") == "junior" and level(" Senior ") == "senior"
    gender = reader("enum", values=("M", "F"), aliases={"男": "M", "Female": "F"})
    assert gender("m") == "M" and gender("男") == "M" and gender("female") == "F"
    assert refusal(gender, "X") == "'X' is not one of M, F (or 男, Female)"
    assert refusal(level, "mid") == "'mid' is not one of junior, senior"


def test_a_list_of_decimals_refuses_a_comma_too():
    numbers = reader("list", items=declared("number"))
    assert (
        refusal(numbers, "60,5;60,5")
        == "'60,5;60,5': a comma in a list of numbers may be a decimal comma or a separator"
    )


def test_a_whole_number_list_refuses_a_fraction_among_its_items():
    """The fast path checks a list of exact numbers by its smallest and largest item; a list of
    whole numbers still refuses an item with a fractional part, naming it."""
    counts = reader("list", items=declared("integer", range=parse_interval("[0, 100]")))
    assert counts([1, 300 // 3]) == [1, 100]
    assert refusal(counts, [1, Fraction(1, 2)]) == "item 2: expected a whole number, got 0.5"
    assert refusal(counts, [1, 101]) == "item 2: 101 is outside the allowed range [0, 100]"
    assert refusal(counts, [-1, 5]) == "item 1: -1 is outside the allowed range [0, 100]"


def test_list_cells_keep_their_item_type_and_limits():
    texts = reader("list", items=declared("string"))
    assert texts("1001;1002") == ["1001", "1002"]  # ids stay text, though written in digits
    assert texts("0012;0034") == ["0012", "0034"]  # with their leading zeros
    pair = reader("list", items=declared("integer"), max_items=2)
    assert pair("1;2") == [1, 2] and pair([3, 4]) == [3, 4]  # exactly max_items is allowed
    deltas = reader("list", items=declared("integer", range=parse_interval("[-10, 10]")))
    assert deltas([-10, 5]) == [-10, 5]
    assert refusal(deltas, [-15, 5]) == "item 1: -15 is outside the allowed range [-10, 10]"
    assert refusal(deltas, [-5, 15]) == "item 2: 15 is outside the allowed range [-10, 10]"


def test_a_reader_counts_its_own_normalisations():
    """The CSV reader counts each line it decoded as GBK through count_normalised."""
    before = NORMALISED["gbk"]
    count_normalised("gbk")
    count_normalised("gbk", 3)
    assert NORMALISED["gbk"] == before + 4
