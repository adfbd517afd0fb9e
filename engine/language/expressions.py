"""Policy expressions: checked, parsed once, evaluated two ways.

An expression is a small piece of Python syntax (``capped_usage / class_hours >= 0.40``)
restricted to a whitelist. It is parsed once when the policy loads. Two evaluators share
one tree and one set of functions and operators:

* :meth:`Expression.reference` walks the tree with simpleeval; it defines the semantics;
* :meth:`Expression.fast` is the same checked tree compiled into a Python function,
  used for batches. The test suite checks that both agree.

This is the only module that imports simpleeval.
"""

from __future__ import annotations

import ast
import calendar
import copy
import datetime as dt
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import simpleeval

from ..base.errors import Location, Problem
from ..base.limits import MAX_BITS, decimal_fits
from ..base.numbers import ExactList, over_common_denominator, ratio
from ..base.suggest import did_you_mean, invisible_at, invisible_hint

__all__ = [
    "FAST_GLOBALS",
    "FUNCTIONS",
    "FUNCTION_DOCS",
    "LIMITS",
    "EvalFailure",
    "Expression",
    "ExpressionProblem",
    "fast_tree",
    "parse_expression",
]

#: Bounds on what an expression may be and compute; stated in the README.
LIMITS = {
    "max_chars": 2000,
    "max_nodes": 400,
    "max_depth": 40,
    "max_bits": MAX_BITS,  # |every intermediate integer| < 2**512 (about 10**154): engine.base.limits
    "max_list": 100_000,
}


class EvalFailure(Problem):
    """An expression could not be computed for one record (empty list, limit, ...): an
    ``eval.*`` catalogue key and its parameters."""


class ExpressionProblem(Problem):
    """An expression is refused when the policy loads: an ``expr.*`` catalogue key, the
    column in the expression, and optionally a hint made for this case."""

    def __init__(self, key: str, col: int = 0, advice: Problem | None = None, **params: Any) -> None:
        super().__init__(key, **params)
        self.code, self.col, self.advice = key.partition("/")[0], col, advice

    @property
    def message(self) -> str:
        return self.render("en")

    @property
    def hint(self) -> str | None:
        return self.advice.render("en") if self.advice is not None else None

    def __reduce__(self) -> tuple:
        return (_rebuild_expression_problem, (self.key, self.col, self.advice, self.params))


def _rebuild_expression_problem(key, col, advice, params):
    return ExpressionProblem(key, col, advice, **params)


#: the failures that mean a number grew beyond the size limit (expr.limit at load)
SIZE_FAILURES = frozenset({"eval.size", "eval.power-size"})


def failure_problem(exc: BaseException) -> Problem:
    """Why a computation failed, as a catalogue problem (``eval.*``)."""
    if isinstance(exc, Problem):
        return exc
    if isinstance(exc, ZeroDivisionError):
        return Problem("eval.division-by-zero")
    if isinstance(exc, TypeError):
        return Problem("eval.wrong-kind")
    if isinstance(exc, (RecursionError, MemoryError, OverflowError)):
        return Problem("eval.too-large")
    return Problem("eval.other", kind=type(exc).__name__)


# --- exact, bounded arithmetic -------------------------------------------------------------


def _check_size(value):
    kind = type(value)
    if kind is int:
        if value.bit_length() > LIMITS["max_bits"]:
            raise EvalFailure("eval.size")
    elif kind is Fraction:
        if value.numerator.bit_length() > LIMITS["max_bits"] or value.denominator.bit_length() > LIMITS["max_bits"]:
            raise EvalFailure("eval.size")
    return value


def _number(value, what):
    if type(value) is bool or not isinstance(value, (int, Fraction)):
        raise EvalFailure("eval.needs-numbers", what=what, got=_kind(value))
    return value


def _kind(value) -> Problem:
    if value is None:
        return Problem("word.kind.empty")
    if isinstance(value, bool):
        return Problem("word.kind.yes-no")
    if isinstance(value, str):
        return Problem("word.kind.text", value=repr(value))
    if isinstance(value, list):
        return Problem("word.kind.list")
    if isinstance(value, dt.date):
        return Problem("word.kind.date")
    if isinstance(value, (int, Fraction)):
        return Problem("word.kind.number")
    return Problem("word.kind.other", name=type(value).__name__)


def div(a: Any, b: Any) -> Any:
    """Exact division: 7 / 2 is 7/2, never 3.5000000001."""
    if type(a) is int and type(b) is int:
        if b == 0:
            raise EvalFailure("eval.division-by-zero")
        return ratio(a, b)
    _number(a, "/")
    _number(b, "/")
    if b == 0:
        raise EvalFailure("eval.division-by-zero")
    return _check_size(a / b)


def mul(a: Any, b: Any) -> Any:
    _number(a, "*")
    _number(b, "*")
    return _check_size(a * b)


def add(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if (ta is int or ta is Fraction) and (tb is int or tb is Fraction):  # the usual case
        return _check_size(a + b)
    if type(a) is str or type(b) is str:
        if type(a) is str and type(b) is str:
            return a + b
        raise EvalFailure("eval.add", a=_kind(a), b=_kind(b))
    if isinstance(a, dt.date) or isinstance(b, dt.date):
        raise EvalFailure("eval.add-date")
    _number(a, "+")
    _number(b, "+")
    return _check_size(a + b)


def sub(a: Any, b: Any) -> Any:
    if isinstance(a, dt.date) and isinstance(b, dt.date):
        return (a - b).days
    _number(a, "-")
    _number(b, "-")
    return _check_size(a - b)


def power(a: Any, b: Any) -> Any:
    _number(a, "**")
    _number(b, "**")
    if type(b) is not int:
        raise EvalFailure("eval.power-whole")
    if a not in (0, 1, -1) and abs(b) * max(1, _bits(a)) > LIMITS["max_bits"]:
        raise EvalFailure("eval.power-size")
    if a == 0 and b < 0:
        raise EvalFailure("eval.division-by-zero")
    return _check_size(Fraction(a) ** b if b < 0 else a**b)


def _bits(a) -> int:
    if type(a) is Fraction:
        return max(a.numerator.bit_length(), a.denominator.bit_length())
    return abs(a).bit_length()


def floordiv(a: Any, b: Any) -> Any:
    _number(a, "//")
    _number(b, "//")
    if b == 0:
        raise EvalFailure("eval.division-by-zero")
    return _check_size(a // b)


def mod(a: Any, b: Any) -> Any:
    _number(a, "%")
    _number(b, "%")
    if b == 0:
        raise EvalFailure("eval.division-by-zero")
    return _check_size(a % b)


def neg(a: Any) -> Any:
    return -_number(a, "-")


# Order comparisons of fractions by cross-multiplying whole numbers: the same answer as
# Fraction's own operators, without their generic number-tower dispatch.
def lt(a: Any, b: Any) -> bool:
    ta, tb = type(a), type(b)
    if ta is Fraction:
        if tb is Fraction:
            return a.numerator * b.denominator < b.numerator * a.denominator
        if tb is int:
            return a.numerator < b * a.denominator
    elif ta is int and tb is Fraction:
        return a * b.denominator < b.numerator
    if a is None or b is None:
        raise EvalFailure("eval.compare-empty")
    return a < b


def le(a: Any, b: Any) -> bool:
    ta, tb = type(a), type(b)
    if ta is Fraction:
        if tb is Fraction:
            return a.numerator * b.denominator <= b.numerator * a.denominator
        if tb is int:
            return a.numerator <= b * a.denominator
    elif ta is int and tb is Fraction:
        return a * b.denominator <= b.numerator
    if a is None or b is None:
        raise EvalFailure("eval.compare-empty")
    return a <= b


def gt(a: Any, b: Any) -> bool:
    return lt(b, a)


def ge(a: Any, b: Any) -> bool:
    return le(b, a)


def _container(b):
    if b is None:
        raise EvalFailure("eval.in-empty")
    return b


OPERATORS = {
    ast.Add: add,
    ast.Sub: sub,
    ast.Mult: mul,
    ast.Div: div,
    ast.FloorDiv: floordiv,
    ast.Mod: mod,
    ast.Pow: power,
    ast.USub: neg,
    ast.UAdd: lambda a: _number(a, "+"),
    ast.Not: operator.not_,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: lt,
    ast.LtE: le,
    ast.Gt: gt,
    ast.GtE: ge,
    ast.In: lambda a, b: a in _container(b),
    ast.NotIn: lambda a, b: a not in _container(b),
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}


# --- documented functions ------------------------------------------------------------------


def _list(value, name):
    if not isinstance(value, (list, tuple)):
        raise EvalFailure("eval.needs-list", name=name, got=_kind(value))
    return value


def f_len(xs: Any) -> int:
    """Number of items in a list."""
    return len(_list(xs, "len"))


def _scaled_total(xs):
    """(n, d) with sum(xs) == n / d for a list of ints and fractions, added over one common
    denominator (one Fraction built at the end instead of one per item); None for other
    lists or a denominator beyond the size limit."""
    if type(xs) is ExactList:  # a record's checked list: added up when it was read
        return xs.total
    kinds = set(map(type, xs))
    if kinds <= {int}:
        return sum(xs), 1
    if kinds <= {int, Fraction}:
        scaled, common = over_common_denominator(xs)
        if common.bit_length() <= LIMITS["max_bits"]:
            return sum(scaled), common
    return None


def exact_sum(xs: Any) -> Any:
    """Exact sum of a list of numbers."""
    scaled = _scaled_total(xs)
    if scaled is not None:
        return ratio(*scaled)
    for x in xs:
        _number(x, "sum")
    return sum(xs)


def f_sum(xs: Any) -> Any:
    """Sum of a list of numbers (0 for an empty list)."""
    return _check_size(exact_sum(_list(xs, "sum")))


def f_mean(xs: Any) -> Any:
    """Exact average of a non-empty list of numbers."""
    _list(xs, "mean")
    if not xs:
        raise EvalFailure("eval.empty", name="mean")
    scaled = _scaled_total(xs)
    if scaled is not None:  # one Fraction: total / (denominator * count)
        return _check_size(ratio(scaled[0], scaled[1] * len(xs)))
    return div(_check_size(exact_sum(xs)), len(xs))


def f_min(*args: Any) -> Any:
    """Smallest of several numbers, or of one list."""
    items = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
    if not items:
        raise EvalFailure("eval.empty", name="min")
    if None in items:
        raise EvalFailure("eval.empty-value", name="min")
    return min(items)


def f_max(*args: Any) -> Any:
    """Largest of several numbers, or of one list."""
    items = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
    if not items:
        raise EvalFailure("eval.empty", name="max")
    if None in items:
        raise EvalFailure("eval.empty-value", name="max")
    return max(items)


def f_cap(xs: Any, limit: Any) -> list:
    """Each item of a list, but at most ``limit``: cap([5, 2, 9], 4) is [4, 2, 4]."""
    _list(xs, "cap")
    _number(limit, "cap")
    return [x if x < limit else limit for x in xs]


_CAP_TABLES: dict = {}


def _cap_table(limit: int) -> bytes:
    table = _CAP_TABLES.get(limit)
    if table is None:
        table = _CAP_TABLES[limit] = bytes(min(i, limit) for i in range(256))
    return table


def f_capped_sum(xs: Any, limit: Any) -> Any:
    """sum(cap(xs, limit)) in one pass: each item counts at most ``limit``."""
    _list(xs, "capped_sum")
    _number(limit, "capped_sum")
    if type(limit) is int and 0 <= limit <= 255:
        try:  # whole numbers 0..255 (daily counts): capped by a byte table, in C
            return sum(bytes(xs).translate(_cap_table(limit)))
        except (TypeError, ValueError):
            pass  # fractions, negative or large numbers: the general way below
    return sum([x if x < limit else limit for x in xs])


def f_count(xs: Any, value: Any = True) -> int:
    """How many items of a list equal ``value`` (true by default)."""
    return sum(1 for x in _list(xs, "count") if x == value)


def f_distinct(xs: Any) -> int:
    """Number of different items in a list."""
    return len(set(_list(xs, "distinct")))


def f_all(xs: Any) -> bool:
    """True when every item of the list is true (also for an empty list)."""
    return all(_list(xs, "all"))


def f_any(xs: Any) -> bool:
    """True when at least one item of the list is true."""
    return any(_list(xs, "any"))


def f_abs(x: Any) -> Any:
    """Absolute value."""
    return abs(_number(x, "abs"))


def f_round(x: Any, places: Any = 0) -> Any:
    """Round half up (四舍五入) to ``places`` decimal places."""
    _number(x, "round")
    if type(places) is not int or not 0 <= places <= 12:
        raise EvalFailure("eval.round-places")
    q = Decimal(x.numerator) / Decimal(x.denominator) if type(x) is Fraction else Decimal(x)
    r = Fraction(q.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
    return r.numerator if r.denominator == 1 else r


def f_floor(x: Any) -> Any:
    """Largest whole number not above x."""
    return math.floor(_number(x, "floor"))


def f_ceil(x: Any) -> Any:
    """Smallest whole number not below x: ceil(101 / 10) is 11."""
    return math.ceil(_number(x, "ceil"))


def f_date(text: Any, month: Any = None, day: Any = None) -> dt.date:
    """A date from ISO text, date('2021-06-30'), or from year, month and day: date(2021, 6, 30)."""
    if month is not None or day is not None:
        for part in (text, month, day):
            if type(part) is not int:
                raise EvalFailure("eval.date-parts", got=_kind(part))
        try:
            return dt.date(text, month, day)
        except (ValueError, OverflowError):
            raise EvalFailure("eval.not-a-real-date", value=f"{text}-{month}-{day}") from None
    if isinstance(text, dt.date):
        return text
    if not isinstance(text, str):
        raise EvalFailure("eval.date-text", got=_kind(text))
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise EvalFailure("eval.not-a-date", value=repr(text)) from None


def f_add_days(day: Any, n: Any) -> dt.date:
    """The date ``n`` days after ``day`` (before it when n is negative)."""
    if not isinstance(day, dt.date):
        raise EvalFailure("eval.add-days-date", got=_kind(day))
    if type(n) is not int or abs(n) > 1_000_000:
        raise EvalFailure("eval.add-days-whole")
    try:
        return day + dt.timedelta(days=n)
    except OverflowError:
        raise EvalFailure("eval.calendar", name="add_days") from None


def _add_months(day, n, name):
    if not isinstance(day, dt.date):
        raise EvalFailure("eval.needs-date", name=name, got=_kind(day))
    if type(n) is not int or abs(n) > 120_000:
        raise EvalFailure("eval.needs-whole", name=name)
    index = day.year * 12 + day.month - 1 + n
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise EvalFailure("eval.calendar", name=name)
    month += 1
    # the same day of the month, or the month's last day when it is shorter (01-31 + 1 month: 02-28)
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def f_add_months(day: Any, n: Any) -> dt.date:
    """The date ``n`` months after ``day``; the month's last day when it is shorter
    (add_months(date(2021, 1, 31), 1) is 2021-02-28)."""
    return _add_months(day, n, "add_months")


def f_add_years(day: Any, n: Any) -> dt.date:
    """The date ``n`` years after ``day``; 29 February becomes 28 February in a common year."""
    if type(n) is not int or abs(n) > 10_000:
        raise EvalFailure("eval.needs-whole", name="add_years")
    return _add_months(day, 12 * n, "add_years")


def _date_part(day, name):
    if not isinstance(day, dt.date):
        raise EvalFailure("eval.needs-date", name=name, got=_kind(day))
    return day


def f_year(day: Any) -> int:
    """The year of a date: year(date('2021-06-30')) is 2021."""
    return _date_part(day, "year").year


def f_month(day: Any) -> int:
    """The month of a date, 1 to 12."""
    return _date_part(day, "month").month


def f_day(day: Any) -> int:
    """The day of the month of a date, 1 to 31."""
    return _date_part(day, "day").day


def _records(xs, name, fname):
    _list(xs, fname)
    if type(name) is not str:
        raise EvalFailure("eval.field-name", name=fname)
    return xs


def f_field(xs: Any, name: str) -> list:
    """One field of each record of an activity list: field(log, 'hours') is the list of hours."""
    return [r[name] for r in _records(xs, name, "field")]


def f_total(xs: Any, name: str) -> Any:
    """The sum of one numeric field over an activity list: total(log, 'hours')."""
    return f_sum(f_field(xs, name))


def f_within(xs: Any, name: str, low: Any, high: Any) -> list:
    """The records whose field lies from ``low`` to ``high``, both included:
    within(log, 'date', add_years(as_of, -3), as_of). A record whose field is empty is left out."""
    _records(xs, name, "within")
    if low is None or high is None:
        raise EvalFailure("eval.within-bounds")
    return [r for r in xs if r[name] is not None and le(low, r[name]) and le(r[name], high)]


def f_where(xs: Any, name: str, value: Any = True) -> list:
    """The records whose field equals ``value`` (is true when no value is given):
    where(log, 'kind', 'offline')."""
    return [r for r in _records(xs, name, "where") if r[name] == value]


def f_days_between(start: Any, end: Any) -> int:
    """Whole days from ``start`` to ``end`` (negative when end is earlier)."""
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        raise EvalFailure("eval.days-between")
    return (end - start).days


def f_given(value: Any) -> bool:
    """True when an optional input was given (is not empty)."""
    return value is not None


FUNCTIONS: dict[str, Callable] = {
    "len": f_len,
    "sum": f_sum,
    "mean": f_mean,
    "min": f_min,
    "max": f_max,
    "cap": f_cap,
    "capped_sum": f_capped_sum,
    "count": f_count,
    "distinct": f_distinct,
    "all": f_all,
    "any": f_any,
    "abs": f_abs,
    "round": f_round,
    "floor": f_floor,
    "ceil": f_ceil,
    "date": f_date,
    "add_days": f_add_days,
    "days_between": f_days_between,
    "add_months": f_add_months,
    "add_years": f_add_years,
    "year": f_year,
    "month": f_month,
    "day": f_day,
    "given": f_given,
    "field": f_field,
    "total": f_total,
    "within": f_within,
    "where": f_where,
}
FUNCTION_DOCS = {name: (fn.__doc__ or "").strip() for name, fn in FUNCTIONS.items()}

_ALLOWED_NODES = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.BinOp,
    ast.UnaryOp,
    ast.Compare,
    ast.IfExp,
    ast.Call,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.List,
    ast.Tuple,
    *OPERATORS.keys(),
)
#: the catalogue key (expr.forbidden/...) for each refused kind of node
_NODE_WORDS = {
    ast.Attribute: "expr.forbidden/attribute",
    ast.Subscript: "expr.forbidden/subscript",
    ast.Lambda: "expr.forbidden/lambda",
    ast.ListComp: "expr.forbidden/comprehension",
    ast.GeneratorExp: "expr.forbidden/comprehension",
    ast.Dict: "expr.forbidden/dict",
    ast.NamedExpr: "expr.forbidden/walrus",
    ast.JoinedStr: "expr.forbidden/f-string",
    ast.LShift: "expr.forbidden/shift",
    ast.RShift: "expr.forbidden/shift",
    ast.BitAnd: "expr.forbidden/bit-and",
    ast.BitOr: "expr.forbidden/bit-or",
    ast.BitXor: "expr.forbidden/bit-xor",
    ast.Invert: "expr.forbidden/invert",
    ast.MatMult: "expr.forbidden/matmult",
}


@dataclass(eq=False)
class Expression:
    """A checked expression: its text, parsed tree, the names it reads, its location."""

    text: str
    tree: ast.expr = field(repr=False)
    names: frozenset
    functions: frozenset
    location: Location
    fast: Callable = field(repr=False)
    constant: object = field(default=None, repr=False)
    is_constant: bool = False

    def reference(self, env: dict) -> object:
        """Evaluate with simpleeval: the reference semantics."""
        evaluator = simpleeval.EvalWithCompoundTypes(operators=OPERATORS, functions=dict(FUNCTIONS), names=env)
        return evaluator.eval(self.text, previously_parsed=self.tree)


def node_column(source: str, node: ast.AST) -> int:
    """The 1-based column in ``source`` (counting every line) of ``node``: Python gives a
    line and a UTF-8 byte offset, which differ from characters after a Chinese text."""
    lines = source.split("\n")
    lineno = min(max(getattr(node, "lineno", 1), 1), len(lines))
    line = lines[lineno - 1]
    chars = len(line.encode("utf-8")[: max(getattr(node, "col_offset", 0), 0)].decode("utf-8", errors="ignore"))
    return sum(len(x) + 1 for x in lines[: lineno - 1]) + chars + 1


def _exact_constant(node: ast.Constant, text: str):
    segment = ast.get_source_segment(text, node) or repr(node.value)
    if node.value is Ellipsis:
        raise ExpressionProblem("expr.forbidden/ellipsis", node_column(text, node))
    if isinstance(node.value, float):
        digits = segment.replace("_", "")
        try:
            number = Decimal(digits)  # lazy: the exponent is checked before any expansion
        except ArithmeticError:
            raise ExpressionProblem("expr.number", node_column(text, node), number=segment) from None
        if not decimal_fits(number):
            raise ExpressionProblem("expr.limit/number", node_column(text, node), number=segment)
        return Fraction(number)
    if isinstance(node.value, complex):
        raise ExpressionProblem("expr.number/complex", node_column(text, node), number=segment)
    if isinstance(node.value, bytes):
        raise ExpressionProblem("expr.syntax/bytes", node_column(text, node))
    if (
        isinstance(node.value, int)
        and not isinstance(node.value, bool)
        and node.value.bit_length() > LIMITS["max_bits"]
    ):
        raise ExpressionProblem("expr.limit/number", node_column(text, node), number=segment[:40])
    return node.value


def _depth(node, limit) -> int:
    stack = [(node, 1)]
    deepest = 0
    while stack:
        current, d = stack.pop()
        deepest = max(deepest, d)
        if deepest > limit:
            return deepest
        stack.extend((child, d + 1) for child in ast.iter_child_nodes(current))
    return deepest


class _Rewriter(ast.NodeTransformer):
    """Turns the checked tree into the fast path's tree: names read from the record
    environment ``_e``, operators through the same exact functions as the reference."""

    def __init__(self, consts: dict, name_node: Callable | None = None):
        self.consts = consts
        self.name_node = name_node

    def visit_Name(self, node):
        if self.name_node is not None:
            return ast.copy_location(self.name_node(node.id), node)
        return ast.copy_location(ast.Subscript(ast.Name("_e", ast.Load()), ast.Constant(node.id), ast.Load()), node)

    def visit_Call(self, node):
        args = [self.visit(a) for a in node.args]
        return ast.copy_location(ast.Call(ast.Name("_f_" + node.func.id, ast.Load()), args, []), node)

    def visit_Constant(self, node):
        if isinstance(node.value, (Fraction, dt.date)):
            name = f"_k{len(self.consts)}"
            self.consts[name] = node.value
            return ast.copy_location(ast.Name(name, ast.Load()), node)
        return node

    def _op(self, op, args, node):
        name = f"_o_{type(op).__name__}"
        self.consts[name] = OPERATORS[type(op)]
        return ast.copy_location(ast.Call(ast.Name(name, ast.Load()), args, []), node)

    def visit_BinOp(self, node):
        return self._op(node.op, [self.visit(node.left), self.visit(node.right)], node)

    def visit_Compare(self, node):
        routed = (ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn)
        if len(node.ops) == 1 and isinstance(node.ops[0], routed):
            return self._op(node.ops[0], [self.visit(node.left), self.visit(node.comparators[0])], node)
        if any(isinstance(op, routed) for op in node.ops):
            # a chain (0 < x <= 10): each pair through the same functions as the reference;
            # expressions have no side effects, so a middle operand may be computed twice
            operands = [node.left, *node.comparators]
            pairs = [
                self.visit_Compare(ast.copy_location(ast.Compare(copy.deepcopy(a), [op], [copy.deepcopy(b)]), node))
                for a, op, b in zip(operands, node.ops, operands[1:])
            ]
            return ast.copy_location(ast.BoolOp(ast.And(), pairs), node)
        return self.generic_visit(node)

    def visit_UnaryOp(self, node):
        if isinstance(node.op, ast.Not):
            return ast.copy_location(ast.UnaryOp(ast.Not(), self.visit(node.operand)), node)
        return self._op(node.op, [self.visit(node.operand)], node)


#: The names a fast-path tree refers to besides its hoisted constants: ``_f_<function>``.
FAST_GLOBALS = {"__builtins__": {}, **{"_f_" + k: v for k, v in FUNCTIONS.items()}}


def fast_tree(expression: Expression, consts: dict, name_node: Callable) -> ast.expr:
    """The fast path's tree of a checked expression, each name read through
    ``name_node(name) -> ast.expr``; constants and operator functions the tree needs are
    added to ``consts`` (names unique within it). Used to compile a whole entity into one
    function (see :mod:`engine.fused`)."""
    tree = _Rewriter(consts, name_node).visit(ast.parse(expression.text, mode="eval").body)
    return _hoist_floats(tree, expression.text, consts)


#: characters a Chinese input method types where an expression needs ASCII, and the ASCII
#: to write: the full-width forms (＞ ＝ １２ （ ）…), the ideographic space, and the
#: punctuation and math signs of the input method
_TYPED = {
    **{chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)},
    "\u3000": " ",
    "。": ".",
    "、": ",",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "【": "[",
    "】": "]",
    "《": "<",
    "》": ">",
    "≥": ">=",
    "≤": "<=",
    "≠": "!=",
    "×": "*",
    "÷": "/",
}


def _fault_column(source: str, exc: SyntaxError) -> int:
    """The 1-based column in ``source`` (all its lines) where Python stopped, or 0."""
    if not exc.offset:
        return 0
    lines = source.split("\n")
    lineno = min(max(exc.lineno or 1, 1), len(lines))
    return sum(len(line) + 1 for line in lines[: lineno - 1]) + exc.offset


def _typed_character_hint(source: str, col: int) -> Problem | None:
    """The hint naming the character Python stopped at, when it is one an input method
    typed (full-width ``＞``, ``＝``, ``１２``, ``≥``) or an invisible one (a zero-width
    space). Only the character at the fault counts: a full-width bracket elsewhere (inside
    a quoted text, say) says nothing about a parenthesis nested too deeply."""
    for index in (col - 1, col - 2):
        if 0 <= index < len(source):
            ch = source[index]
            if ch in _TYPED:
                return Problem("hint.fullwidth-operator/char", char=ch, code=f"U+{ord(ch):04X}", ascii=_TYPED[ch])
            if invisible_at(ch) == 0:
                return invisible_hint(source)
    return None


def parse_expression(text: str, location: Location, names: dict[str, str] | None = None) -> Expression:
    """Check and parse one expression.

    ``names`` maps every name the expression may read to a short description; an unknown
    name is an :class:`ExpressionProblem` with a did-you-mean. Raises ExpressionProblem.
    """
    if not isinstance(text, (str, int, Decimal)):
        raise ExpressionProblem("expr.type")
    text = str(text)
    if len(text) > LIMITS["max_chars"]:
        raise ExpressionProblem("expr.limit/chars", limit=LIMITS["max_chars"])
    if not text.strip():
        raise ExpressionProblem("expr.empty")
    source = text.strip()
    source = {"true": "True", "false": "False"}.get(source, source)
    try:
        module = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        col = _fault_column(source, exc)
        advice = _typed_character_hint(source, col)
        if advice is not None:
            pass
        elif "%" in source:
            advice = Problem("hint.percent")
        elif re.search(r"(?<![<>=!])=(?!=)", source):  # a lone '=', not part of >=, <=, !=, ==
            advice = Problem("hint.equals")
        # Python's own words are quoted as they are
        raise ExpressionProblem("expr.syntax", col, advice, parser=exc.msg) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionProblem("expr.limit/nesting") from None

    count = 0
    used_names, used_functions = set(), set()
    for node in ast.walk(module):
        count += 1
        if count > LIMITS["max_nodes"]:
            raise ExpressionProblem("expr.limit/parts", limit=LIMITS["max_nodes"])
        col = node_column(source, node) if hasattr(node, "col_offset") else 0
        if not isinstance(node, _ALLOWED_NODES):
            raise ExpressionProblem(_NODE_WORDS.get(type(node), "expr.forbidden"), col, node=type(node).__name__)
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                raise ExpressionProblem(_NODE_WORDS[ast.Attribute], col)
            if not isinstance(node.func, ast.Name):
                raise ExpressionProblem("expr.forbidden/call", col)
            if node.keywords:
                raise ExpressionProblem("expr.forbidden/keyword", col)
            if any(isinstance(a, ast.Starred) for a in node.args):
                raise ExpressionProblem("expr.forbidden/star", col)
            fname = node.func.id
            if fname not in FUNCTIONS:
                advice = did_you_mean(fname, FUNCTIONS, Problem("hint.functions", names=sorted(FUNCTIONS)))
                raise ExpressionProblem("expr.unknown-function", col, advice, name=fname)
            used_functions.add(fname)
        elif isinstance(node, ast.Name):
            if node.id.startswith("_"):
                raise ExpressionProblem("expr.forbidden/underscore", col, name=node.id)
            if node.id in FUNCTIONS and not any(isinstance(p, ast.Call) and p.func is node for p in ast.walk(module)):
                raise ExpressionProblem("expr.forbidden/function-name", col, name=node.id)
            if node.id in FUNCTIONS:
                continue
            if names is not None and node.id not in names:
                advice = did_you_mean(node.id, names, Problem("hint.declare-name"))
                raise ExpressionProblem("expr.unknown-name", col, advice, name=node.id)
            used_names.add(node.id)
        elif isinstance(node, ast.Constant):
            node.value = _exact_constant(node, source)
        elif isinstance(node, ast.Compare) and len(node.ops) > 4:
            raise ExpressionProblem("expr.limit/chain", col)
    if _depth(module, LIMITS["max_depth"]) > LIMITS["max_depth"]:
        raise ExpressionProblem("expr.limit/depth", limit=LIMITS["max_depth"])

    tree = module.body
    _check_constant_parts(tree, source)
    consts: dict = {}
    fast_tree = _Rewriter(consts).visit(ast.parse(source, mode="eval").body)
    # the rewriter saw the raw floats; hoist their exact values too
    fast_tree = _hoist_floats(fast_tree, source, consts)
    lam = ast.Expression(
        ast.Lambda(
            ast.arguments(posonlyargs=[], args=[ast.arg("_e")], kwonlyargs=[], kw_defaults=[], defaults=[]),
            fast_tree,
        )
    )
    ast.fix_missing_locations(lam)
    fast = eval(compile(lam, f"<{location}>", "eval"), {**FAST_GLOBALS, **consts})
    expression = Expression(source, tree, frozenset(used_names), frozenset(used_functions), location, fast)
    if not used_names:
        # an expression of constants is computed now: if it cannot be, no record can fix it
        try:
            expression.constant = fast({})
        except (EvalFailure, TypeError, ValueError, ArithmeticError, RecursionError, MemoryError) as exc:
            raise _not_computable(exc) from None
        expression.is_constant = True
    return expression


def _check_constant_parts(tree, source) -> None:
    """Compute every part of the expression that reads no name (``9**9**9`` in
    ``9**9**9 if age > 200 else 1``) now: if it cannot be computed, no record can fix it."""
    evaluator = simpleeval.EvalWithCompoundTypes(operators=OPERATORS, functions=dict(FUNCTIONS), names={})
    checked: set[int] = set()

    def reads_names(node) -> bool:
        return any(isinstance(n, ast.Name) and n.id not in FUNCTIONS for n in ast.walk(node))

    for node in ast.walk(tree):
        if id(node) in checked or not isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Call)) or reads_names(node):
            continue
        for inner in ast.walk(node):
            checked.add(id(inner))
        try:
            evaluator.eval(source, previously_parsed=node)
        except (EvalFailure, TypeError, ValueError, ArithmeticError, RecursionError, MemoryError) as exc:
            raise _not_computable(exc, node_column(source, node)) from None


def _not_computable(exc: BaseException, col: int = 0) -> ExpressionProblem:
    """A constant part that cannot be computed: expr.limit when a number grew too large."""
    reason = failure_problem(exc)
    key = "expr.limit/computed" if reason.key in SIZE_FAILURES else "expr.constant"
    return ExpressionProblem(key, col, reason=reason)


def _hoist_floats(tree, source, consts):
    class _Floats(ast.NodeTransformer):
        def visit_Constant(self, node):
            if isinstance(node.value, float):
                name = f"_k{len(consts)}"
                consts[name] = _exact_constant(node, source)
                return ast.copy_location(ast.Name(name, ast.Load()), node)
            return node

    return _Floats().visit(tree)
