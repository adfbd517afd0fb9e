"""Soundness of the type check: an expression that passes it never meets a Python type
error at run time, in either evaluation path, whatever values of the declared types (and
empty values where a type may be empty) the record gives. Only a record-level failure
(EvalFailure, an arithmetic failure) may stop it, and both paths agree."""

from __future__ import annotations

import ast
import datetime as dt

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine.base.errors import Location
from engine.language.expressions import FUNCTIONS, EvalFailure, ExpressionProblem, parse_expression
from engine.language.types import (
    BOOLEAN,
    DATE,
    DECIMAL,
    INTEGER,
    TEXT,
    Type,
    TypeProblem,
    code_type,
    infer,
    list_of,
)

RECORD = Type("record", fields=(("date", DATE), ("hours", DECIMAL), ("kind", code_type(["a", "b"]))))
NAMES = {
    "n": INTEGER,
    "q": DECIMAL,
    "d": DATE,
    "e": DATE.or_empty(),
    "m": INTEGER.or_empty(),
    "t": TEXT,
    "g": code_type(["M", "F"]),
    "b": BOOLEAN,
    "xs": list_of(INTEGER),
    "ds": list_of(DATE),
    "log": list_of(RECORD),
}
DAY = st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31))
VALUES = st.fixed_dictionaries(
    {
        "n": st.integers(-400, 400),
        "q": st.fractions(max_denominator=100).filter(lambda f: abs(f) < 1000),
        "d": DAY,
        "e": st.none() | DAY,
        "m": st.none() | st.integers(-3, 40),
        "t": st.sampled_from(["", "M", "x", "2021-06-30"]),
        "g": st.sampled_from(["M", "F"]),
        "b": st.booleans(),
        "xs": st.lists(st.integers(-5, 300), max_size=4),
        "ds": st.lists(DAY, max_size=3),
        "log": st.lists(
            st.fixed_dictionaries(
                {"date": DAY, "hours": st.fractions(0, 20, max_denominator=4), "kind": st.sampled_from(["a", "b"])}
            ),
            max_size=3,
        ),
    }
)
LEAVES = st.sampled_from(
    [*NAMES, "0", "1", "-2", "0.5", "400", "'M'", "'x'", "'date'", "'hours'", "'kind'", "'a'", "True", "None"]
    + ["date('2021-06-30')", "as_of"]
)
BINARY = ["+", "-", "*", "/", "//", "%", "**", "==", "!=", "<", "<=", ">", ">=", "and", "or", "in", "not in"]


def expressions():
    def extend(inner):
        return st.one_of(
            st.tuples(inner, st.sampled_from(BINARY), inner).map(lambda p: f"({p[0]} {p[1]} {p[2]})"),
            st.tuples(inner, inner, inner).map(lambda p: f"({p[0]} if {p[1]} else {p[2]})"),
            inner.map(lambda x: f"(not {x})"),
            inner.map(lambda x: f"(-{x})"),
            st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
            st.tuples(st.sampled_from(sorted(FUNCTIONS)), st.lists(inner, min_size=1, max_size=4)).map(
                lambda p: f"{p[0]}({', '.join(p[1])})"
            ),
        )

    return st.recursive(LEAVES, extend, max_leaves=8)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(expressions(), VALUES, DAY)
def test_a_typed_expression_meets_no_type_error(text, values, day):
    names = {**NAMES, "as_of": DATE}
    try:
        expr = parse_expression(text, Location("t", 1, 1), {n: "" for n in names})
        infer(ast.parse(expr.text, mode="eval").body, names)
    except (ExpressionProblem, TypeProblem):
        assume(False)
        return
    env = {**values, "as_of": day}
    outcomes = []
    for run in (expr.fast, expr.reference):
        try:
            outcomes.append(("value", run(dict(env))))
        except (EvalFailure, ArithmeticError) as exc:  # what a record may cause
            outcomes.append(("failure", type(exc).__name__))
    if outcomes[0][0] == "value" and outcomes[1][0] == "value":
        assert outcomes[0] == outcomes[1], text
    else:
        assert outcomes[0][0] == outcomes[1][0], (text, outcomes)


def test_the_generator_reaches_typed_expressions():
    """The property above is not vacuous: typed expressions with functions and operators pass."""
    for text in ("add_years(d, n) < as_of", "total(within(log, 'date', d, as_of), 'hours') + q", "m + 1 > n"):
        expr = parse_expression(text, Location("t", 1, 1), {n: "" for n in [*NAMES, "as_of"]})
        assert infer(expr.tree, {**NAMES, "as_of": DATE}).kind in ("boolean", "decimal")
