"""Hostile policy files (issue 13, item 7): errors stay small, exact and name the real character."""

from __future__ import annotations

from pathlib import Path

import pytest

import engine
from engine.base.errors import PolicyError
from engine.base.suggest import excerpt
from engine.language.loader import load_yaml

from ..conftest import POLICIES

BASE = (Path(__file__).resolve().parent.parent / "invalid" / "_base.yaml").read_text(encoding="utf-8")
EXPR = "expr: hours >= 50}"  # the value hours_ok of the base policy, line 44


def errors(text: str) -> list:
    with pytest.raises(PolicyError) as info:
        engine.parse_policy(text, name="policy.yaml")
    return info.value.diagnostics


def with_expr(expression: str) -> str:
    assert EXPR in BASE
    return BASE.replace(EXPR, f"expr: {expression}}}", 1)


def at(text: str, diagnostic) -> str:
    """The file's text from the diagnostic's line and column on."""
    loc = diagnostic.location
    return text.splitlines()[loc.line - 1][loc.col - 1 :]


@pytest.mark.parametrize("value", [".inf", "-.inf", "+.inf", ".nan", ".NaN", "!!float nan", "!!float inf"])
def test_a_non_finite_tier_value_is_a_located_policy_error(value):
    text = BASE.replace('{range: "[100, 500]", value: 2}', '{range: "[100, 500]", value: ' + value + "}", 1)
    (found,) = errors(text)
    assert found.code == "yaml.number"
    assert at(text, found).startswith(value)
    assert "finite" in found.render("en") and "有限" in found.render("zh")


def test_a_non_finite_amount_anywhere_is_a_located_policy_error():
    text = (POLICIES / "jiangxi.yaml").read_text(encoding="utf-8").replace("amount: 0.5", "amount: .inf", 1)
    (found,) = errors(text)
    assert (found.code, at(text, found)) == ("yaml.number", ".inf")


def test_a_very_long_expression_is_quoted_in_120_characters():
    expression = "hours + " * 400 + "1"  # beyond the 2,000 character limit
    (found,) = errors(with_expr(f'"{expression}"'))
    quoted = found.render("en").split("`")[1]
    assert len(quoted) <= 121 and quoted.endswith("…")
    assert len(found.render("en")) < 300 and len(found.render("zh")) < 300


def test_the_quote_of_a_long_expression_is_the_window_around_the_fault():
    expression = "hours + " * 200 + "nosuch"  # 1,606 characters, the fault at the end
    text = with_expr(f'"{expression}"')
    (found,) = errors(text)
    quoted = found.render("en").split("`")[1]
    assert quoted.startswith("…") and quoted.endswith("nosuch") and len(quoted) <= 121
    assert at(text, found).startswith("nosuch")


def test_excerpt_keeps_short_text_and_centres_long_text_on_the_column():
    assert excerpt("hours >= 50", 4) == "hours >= 50"
    long = "a" * 100 + "X" + "b" * 100
    shown = excerpt(long, 101)
    assert shown.startswith("…") and shown.endswith("…") and "X" in shown and len(shown) == 122
    assert excerpt(long) == "a" * 100 + "X" + "b" * 19 + "…"


@pytest.mark.parametrize(
    "expression, fault",
    [
        ('"hours ＞ 50"', "＞"),
        ("'hours ＞ 50'", "＞"),
        ("'hours >= '' 5'", "''"),
        ('"hours >= \\" 5"', '\\"'),
        ('"\\x68ours ＞ 50"', "＞"),
        ('"hours\\t＞ 50"', "＞"),
        ("'\"高级\" == hours + nosuch'", "nosuch"),
        ("hours ＞ 50", "＞"),
    ],
)
def test_the_column_inside_a_quoted_scalar_is_the_faulty_character(expression, fault):
    text = with_expr(expression)
    (found,) = errors(text)
    assert at(text, found).startswith(fault), (found.location, at(text, found))


@pytest.mark.parametrize(
    "expression, char, ascii_",
    [("hours ＞ 50", "＞", ">"), ("hours ＝＝ 50", "＝", "="), ("hours >= １２", "１", "1"), ("hours ≥ 50", "≥", ">=")],
)
def test_a_character_typed_by_an_input_method_is_named_with_its_ascii(expression, char, ascii_):
    (found,) = errors(with_expr(f'"{expression}"'))
    english, chinese = found.render("en"), found.render("zh")
    assert f"'{char}' (U+{ord(char):04X})" in english and f"write '{ascii_}'" in english
    assert f"「{char}」" in chinese and f"「{ascii_}」" in chinese
    assert "'=='" not in english  # not the hint for a lone '='


def test_deep_nesting_gets_no_hint_about_a_full_width_character_elsewhere():
    expression = "'（' == 'x' or " + "(" * 250 + "hours" + ")" * 250 + " > 1"
    (found,) = errors(with_expr(f'"{expression}"'))
    assert found.code == "expr.syntax"
    assert found.hint is None, found.hint


def test_an_invisible_character_in_a_key_is_named_not_suggested_as_itself():
    text = (POLICIES / "jiangxi.yaml").read_text(encoding="utf-8").replace("rank: 2", "ra\u200bnk: 2", 1)
    found = [d for d in errors(text) if d.code == "schema.unknown-key"]
    assert found
    english = found[0].render("en")
    assert "U+200B" in english and "zero width space" in english and "character 3" in english
    assert "did you mean" not in english
    assert "U+200B" in found[0].render("zh") and "第 3 个字符" in found[0].render("zh")


def test_an_invisible_character_in_an_expression_is_named():
    (found,) = errors(with_expr('"hours >=\\u200B 50"'))
    assert "U+200B" in (found.hint or "") and "character 9" in found.hint


def test_an_invisible_character_in_a_name_is_named():
    text = BASE.replace("      age: {type", "      ag\u200be: {type", 1)
    found = [d for d in errors(text) if d.code == "schema.format"]
    assert found and "U+200B" in (found[0].hint or "")


def test_a_gbk_policy_gets_the_gbk_hint_in_both_languages(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_bytes("kaohe: 1\ntitle: 测试\n".encode("gbk"))
    with pytest.raises(PolicyError) as info:
        load_yaml(path)
    (found,) = info.value.diagnostics
    assert "GBK" in found.render("en") and "GBK" in found.render("zh")
    assert (found.location.line, found.location.col) == (2, 8)
