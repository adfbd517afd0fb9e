"""The compiler's checks, pinned down where a sampled mutation run found them loose: the
types the checker gives and the mistakes it names (bench/mutation.py types / compiler;
figures in bench/MUTATION.md)."""

from __future__ import annotations

import ast
import re

import pytest

from engine.language.types import BOOLEAN, DATE, INTEGER, TEXT, TypeProblem, code_type, infer, list_of

NAMES = {"d": DATE, "t": TEXT, "n": INTEGER, "bs": list_of(BOOLEAN), "xs": list_of(INTEGER), "g": code_type(["M", "F"])}


def kind(text: str) -> str:
    return str(infer(ast.parse(text, mode="eval").body, NAMES))


def problem(text: str) -> TypeProblem:
    with pytest.raises(TypeProblem) as caught:
        kind(text)
    return caught.value


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
