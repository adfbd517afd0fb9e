"""An entity compiled once into a columnar plan: one SQL query (built as sqlglot
expressions, printed for any dialect sqlglot writes) over a table of records.

Exactness. A number is a pair of whole-number columns (numerator, positive denominator);
sums, ratios and means stay pairs, and every comparison cross-multiplies. Each pair carries
bounds known when the plan is built (inputs the plan accepts are bounded, lists by their
length), so no intermediate can overflow: a plan whose bounds would pass 10**36 is refused
at build time and the entity stays on the row engine.

Validity. The plan reads a field only in plain forms it can prove equal to the row engine's
reading (an integer column, a decimal with at most 6 places, an exact enum spelling, an ISO
date, ...). Anything else, and any computation the row engine would refuse (a division by
zero, a value outside every tier, an empty mean, a missing input a rule reads), makes the
row's ``__ok`` false; such rows go to the row engine for its exact result or diagnostic.
SQL's NULL stands for "the row engine would stop here": ``and``/``or``/``if`` keep Python's
left-to-right order, so a NULL is never hidden by a later operand.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from sqlglot import exp

from ..base.errors import Problem
from ..language.kinds import FALSE_WORDS, TRUE_WORDS
from ..language.model import Entity, PolicySpec
from .facts import ItemFacts

__all__ = [
    "SCALE",
    "Plan",
    "Provided",
    "Unsupported",
    "build_plan",
    "column_kind",
    "compile_plan",
    "decimal_kind",
    "declared_kinds",
]

#: Decimals the plan reads exactly: at most 6 places, below 10**9 in size.
SCALE = 10**6
NUMBER_LIMIT = 10**9
INTEGER_LIMIT = 10**15
LIST_ITEM_LIMIT = 10**12
LIST_LENGTH = 100_000
BIG = 10**36  # every numerator and denominator stays below this (DECIMAL(38, 0) holds 10**38)
SMALL = 2**62  # below this a BIGINT is enough

HUGE_T = exp.DataType.build("DECIMAL(38, 0)")
BIGINT = exp.DataType.build("BIGINT")
_INT32_T = exp.DataType.build("INT")
_DBL_T = exp.DataType.build("DOUBLE")


class Unsupported(Problem):
    """The plan cannot express this part of the entity; the row engine evaluates it. A
    catalogue key (``columnar.*``) and its parameters: the officer's notice names it."""


def lit(v: object) -> exp.Expression:
    if isinstance(v, bool):
        return exp.Boolean(this=v)
    if isinstance(v, int):
        return exp.Literal.number(v)
    if isinstance(v, str):
        return exp.Literal.string(v)
    raise Unsupported("columnar.constant", value=repr(v))


def col(name: str) -> exp.Expression:
    return exp.column(name, quoted=True)


def null() -> exp.Expression:
    return exp.Null()


def case(*pairs: tuple[exp.Expression, exp.Expression], default: exp.Expression | None = None) -> exp.Expression:
    c = exp.Case()
    for cond, then in pairs:
        c = c.when(cond, then)
    if default is not None:
        c = c.else_(default)
    return c


def is_null(e: exp.Expression) -> exp.Expression:
    return exp.Is(this=e, expression=exp.Null())


def not_null(e: exp.Expression) -> exp.Expression:
    return exp.Not(this=is_null(e))


def paren(e: exp.Expression) -> exp.Expression:
    return exp.Paren(this=e)


def and_(*es: exp.Expression | None) -> exp.Expression:
    """Every one of ``es`` (None: left out); an OR among them is kept whole (sqlglot prints
    the tree as built, and AND binds tighter)."""
    kept = [paren(e) if isinstance(e, exp.Or) else e for e in es if e is not None]
    out = kept[0]
    for e in kept[1:]:
        out = exp.And(this=out, expression=e)
    return out


def regex(e: exp.Expression, pattern: str) -> exp.Expression:
    return exp.RegexpLike(this=e, expression=exp.Literal.string(pattern))


def wide(e: exp.Expression, bound: int) -> exp.Expression:
    """Integers are computed as BIGINT, or as DECIMAL(38, 0) once their bound passes a
    BIGINT's (a literal's own type may be narrower: 10**6 * 10**6 overflows an INT)."""
    if bound >= SMALL:
        return exp.Cast(this=e, to=HUGE_T)
    if bound >= 2**31:
        return exp.Cast(this=e, to=BIGINT)
    return e


# -- typed plan values -----------------------------------------------------------------------------


@dataclass
class Num:
    """n / d with d > 0, |n| <= nb, d <= db; ``dc`` is d when it is a known constant."""

    n: exp.Expression
    d: exp.Expression
    nb: int
    db: int
    dc: int | None = None


@dataclass
class Bool:
    e: exp.Expression


@dataclass
class Str:
    e: exp.Expression


@dataclass
class Date:
    e: exp.Expression


@dataclass
class Absent:
    """An optional input no record of the table gives (no column): reading it is the row
    engine's "missing" error, so anything computed from it is NULL."""


@dataclass
class TextList:
    """A list of texts or enum codes, as its number of items (``e``): the plan reads only its
    length."""

    e: exp.Expression
    length: int


@dataclass
class NumList:
    """A list of whole numbers over one constant denominator ``dc``."""

    e: exp.Expression
    dc: int
    item_bound: int
    length: int
    nonnegative: bool = False  # every item is at least 0 (its declared range says so)


def check_bounds(*bounds: int) -> None:
    """Refuse a plan whose numbers could reach BIG (the entity stays on the row engine)."""
    for b in bounds:
        if b >= BIG:
            raise Unsupported("columnar.bound")


def num_const(v: Any) -> Num:
    f = Fraction(v)
    return Num(lit(f.numerator), lit(f.denominator), abs(f.numerator), f.denominator, f.denominator)


def _is_one(e: exp.Expression) -> bool:
    return isinstance(e, exp.Literal) and e.is_int and int(e.this) == 1


def _mul(a: exp.Expression, ab: int, b: exp.Expression, bb: int) -> exp.Expression:
    bound = ab * bb
    check_bounds(bound)
    if _is_one(b):  # a denominator of 1: nothing to multiply
        return wide(a, bound)
    if _is_one(a):
        return wide(b, bound)
    return paren(exp.Mul(this=wide(a, bound), expression=wide(b, bound)))


def add(a: Num, b: Num, sign: int = 1) -> Num:
    op = exp.Add if sign > 0 else exp.Sub
    if a.dc is not None and a.dc == b.dc:
        nb = a.nb + b.nb
        check_bounds(nb)
        return Num(paren(op(this=wide(a.n, nb), expression=wide(b.n, nb))), a.d, nb, a.db, a.dc)
    left = _mul(a.n, a.nb, b.d, b.db)
    right = _mul(b.n, b.nb, a.d, a.db)
    nb = a.nb * b.db + b.nb * a.db
    check_bounds(nb)
    dc = a.dc * b.dc if a.dc is not None and b.dc is not None else None
    d = lit(dc) if dc is not None else _mul(a.d, a.db, b.d, b.db)
    return Num(paren(op(this=left, expression=right)), d, nb, a.db * b.db, dc)


def mul(a: Num, b: Num) -> Num:
    dc = a.dc * b.dc if a.dc is not None and b.dc is not None else None
    d = lit(dc) if dc is not None else _mul(a.d, a.db, b.d, b.db)
    return Num(_mul(a.n, a.nb, b.n, b.nb), d, a.nb * b.nb, a.db * b.db, dc)


def div(a: Num, b: Num) -> Num:
    """a / b, NULL (the row engine's division by zero) when b is 0; the sign moves up. By a
    constant p/q the result keeps a constant denominator: a * q / (|p| * a's)."""
    if b.dc is not None and a.dc is not None and isinstance(b.n, exp.Literal) and b.n.is_int:
        p = int(b.n.this)
        if p != 0:
            n = _mul(a.n, a.nb, lit(b.dc if p > 0 else -b.dc), b.dc)
            return Num(n, lit(a.dc * abs(p)), a.nb * b.dc, a.dc * abs(p), a.dc * abs(p))
    n = _mul(a.n, a.nb, b.d, b.db)
    sign = exp.Sign(this=b.n)
    n = paren(exp.Mul(this=n, expression=sign))
    d = _mul(a.d, a.db, exp.Abs(this=b.n), b.nb)
    zero = exp.EQ(this=b.n, expression=lit(0))
    return Num(case((zero, null()), default=n), d, a.nb * b.db, a.db * b.nb)


def compare(op: Any, a: Num, b: Num) -> Bool:
    left = _mul(a.n, a.nb, b.d, b.db)
    right = _mul(b.n, b.nb, a.d, a.db)
    return Bool(op(this=left, expression=right))


def inside(x: Num, interval: Any) -> exp.Expression | None:
    parts = []
    if interval.lo is not None:
        parts.append(compare(exp.GTE if interval.lo_closed else exp.GT, x, num_const(interval.lo)).e)
    if interval.hi is not None:
        parts.append(compare(exp.LTE if interval.hi_closed else exp.LT, x, num_const(interval.hi)).e)
    return and_(*parts) if parts else None


def strict_and(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    """Python's ``a and b`` on yes/no values: NULL (an error) in ``a`` stays an error, and
    ``b`` counts only when ``a`` holds (false or NULL, ``a`` is the answer)."""
    return case((a, b), default=a.copy())


def strict_or(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    """Python's ``a or b``: ``b`` counts only when ``a`` is false (true or NULL, ``a`` is the answer)."""
    return case((exp.Not(this=paren(a)), b), default=a.copy())


def strict_if(cond: exp.Expression, then: exp.Expression, other: exp.Expression) -> exp.Expression:
    return case((cond, then), (exp.Not(this=cond), other))


# -- reading the inputs ----------------------------------------------------------------------------


def _scaled_decimal(raw, raw_type: str):
    """(scaled numerator, ok) for a decimal field read exactly, over SCALE."""
    if raw_type == "int":
        n = exp.Cast(this=raw, to=BIGINT)
        return paren(exp.Mul(this=n, expression=lit(SCALE))), exp.LT(this=exp.Abs(this=n), expression=lit(NUMBER_LIMIT))
    if raw_type.startswith("decimal:"):
        # an exact decimal of at most 6 places: times 10**6 it is a whole number, computed
        # only when small (a DECIMAL(38, s) product could overflow the query)
        small = exp.LT(this=exp.Abs(this=raw), expression=lit(NUMBER_LIMIT))
        scaled = exp.Cast(this=paren(exp.Mul(this=raw, expression=lit(SCALE))), to=BIGINT)
        return case((small, scaled)), small.copy()
    if raw_type == "float":
        # a double is read by its shortest decimal text; when it has at most 6 places and is
        # below 10**9 that text is the one decimal within half a unit of the double, so
        # rounding to 6 places and back gives the same double exactly
        scaled = exp.Cast(
            this=exp.Round(this=exp.Mul(this=raw, expression=exp.Literal.number("1000000.0")), decimals=None), to=BIGINT
        )
        back = exp.Div(this=exp.Cast(this=scaled, to=_DBL_T), expression=exp.Literal.number("1000000.0"))
        ok = and_(
            exp.LT(this=exp.Abs(this=raw), expression=lit(NUMBER_LIMIT)),
            exp.EQ(this=back, expression=raw),
        )
        guarded = case((exp.LT(this=exp.Abs(this=raw), expression=lit(NUMBER_LIMIT)), scaled))
        return guarded, ok
    if raw_type == "str":
        pattern = r"^-?[0-9]{1,9}(\.[0-9]{1,6})?$"
        ok = regex(raw, pattern)
        whole = exp.SplitPart(this=raw, delimiter=exp.Literal.string("."), part_index=lit(1))
        frac = exp.SplitPart(this=raw, delimiter=exp.Literal.string("."), part_index=lit(2))
        padded = exp.Substring(
            this=exp.DPipe(this=frac, expression=exp.Literal.string("000000")), start=lit(1), length=lit(6)
        )
        magnitude = exp.Add(
            this=exp.Mul(this=exp.Abs(this=exp.TryCast(this=whole, to=BIGINT)), expression=lit(SCALE)),
            expression=exp.TryCast(this=padded, to=BIGINT),
        )
        negative = exp.EQ(this=exp.Substring(this=raw, start=lit(1), length=lit(1)), expression=exp.Literal.string("-"))
        value = case((negative, exp.Neg(this=paren(magnitude))), default=magnitude)
        return case((ok, value)), ok
    raise Unsupported("columnar.number-column", type=str(raw_type))


def column_kind(arrow_type: Any) -> str:
    import pyarrow as pa

    t = arrow_type
    if pa.types.is_integer(t):
        return "int"
    if pa.types.is_floating(t):
        return "float"
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "str"
    if pa.types.is_boolean(t):
        return "bool"
    if pa.types.is_date32(t):
        return "date"
    if pa.types.is_null(t):
        return "null"
    if pa.types.is_decimal(t):
        return decimal_kind(t.scale)
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return "list:" + column_kind(t.value_type)
    return "other"


def decimal_kind(scale: int) -> str:
    """The kind of a DECIMAL column with ``scale`` places: read exactly as millionths when it
    has at most 6 places (a warehouse's scores and hours), else not read by the plan."""
    return f"decimal:{scale}" if 0 <= scale <= 6 else "other"


def _bound_of(interval: Any, dc: int | None) -> int | None:
    """The largest size of a numerator over ``dc`` whose value lies in ``interval`` (None when
    it is open-ended): a declared range makes the plan's bounds, and so its types, narrower."""
    if dc is None or interval.lo is None or interval.hi is None:
        return None
    top = max(abs(Fraction(interval.lo)), abs(Fraction(interval.hi))) * dc
    return -(-top.numerator // top.denominator)


def _items_proven(facts: ItemFacts, bound: int, dc: int, interval: Any) -> bool:
    """Whether every item of a column with these facts is one the plan reads (present, below
    ``bound`` in size) and inside ``interval``: the smallest and the largest are, and the
    range has no hole."""
    if not facts.within(-bound + 1, bound - 1):
        return False
    if facts.lo is None or facts.hi is None or interval is None:
        return True
    return Fraction(facts.lo, dc) in interval and Fraction(facts.hi, dc) in interval


def _plain_word(word: str) -> bool:
    """A yes/no word the row engine reads unchanged: trimmed, lower case, no full-width form."""
    return (
        word == word.strip()
        and word == word.lower()
        and not any("\uff01" <= c <= "\uff5e" or c == "\u3000" for c in word)
    )


def read_input(inp: Any, raw: exp.Expression, kind: str, facts: ItemFacts | None = None) -> tuple:
    """(typed plan value, ok condition, missing condition) for one input column; ``facts``
    (a list column's items, known before the plan runs) may prove every item readable."""
    t = inp.type
    if kind == "null":
        return None, exp.true(), exp.true()
    missing = is_null(raw)
    if kind == "str":
        missing = exp.Or(this=missing, expression=exp.EQ(this=raw, expression=exp.Literal.string("")))
    if t == "string":
        if kind == "int":
            return Str(exp.Cast(this=raw, to=exp.DataType.build("VARCHAR"))), exp.true(), missing
        if kind != "str":
            raise Unsupported("columnar.column", name=inp.name, type="text", kind=kind)
        # Python's strip() takes more than SQL's trim: only text that starts and ends with a
        # letter, digit or CJK character is read here
        edge = r"[0-9A-Za-z_\p{Han}]"
        return Str(raw), regex(raw, rf"^{edge}(.*{edge})?$".replace(".*", "(?s:.*)")), missing
    if t == "enum":
        if kind != "str":
            raise Unsupported("columnar.column", name=inp.name, type="enum", kind=kind)
        pairs = {v: v for v in inp.values}
        pairs.update(inp.aliases)
        whens = [(exp.EQ(this=raw, expression=lit(k)), lit(v)) for k, v in pairs.items() if k.strip() == k and k]
        code = case(*whens)
        return Str(code), not_null(code), missing
    if t == "boolean":
        if kind == "bool":
            return Bool(raw), exp.true(), missing
        if kind == "int":
            ok: exp.Expression = exp.In(this=raw, expressions=[lit(0), lit(1)])
            return Bool(exp.EQ(this=raw, expression=lit(1))), ok, missing
        if kind == "str":
            # the words the row engine reads as they stand (是/否, the input's own words);
            # other spellings (TRUE, 'yes ', full-width) go to the row engine
            trues = sorted(w for w in TRUE_WORDS | {w.lower() for w in inp.yes_words} if _plain_word(w))
            falses = sorted(w for w in FALSE_WORDS | {w.lower() for w in inp.no_words} if _plain_word(w))
            is_true = exp.In(this=raw, expressions=[lit(w) for w in trues])
            is_false = exp.In(this=raw, expressions=[lit(w) for w in falses])
            return (
                Bool(case((is_true, exp.true()), (is_false, exp.false()))),
                exp.Or(this=is_true, expression=is_false),
                missing,
            )
        raise Unsupported("columnar.column", name=inp.name, type="boolean", kind=kind)
    if t == "date":
        if kind == "date":
            return Date(raw), exp.true(), missing
        if kind == "str":
            ok = and_(
                regex(raw, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
                not_null(exp.TryCast(this=raw, to=exp.DataType.build("DATE"))),
            )
            return Date(exp.TryCast(this=raw, to=exp.DataType.build("DATE"))), ok, missing
        raise Unsupported("columnar.column", name=inp.name, type="date", kind=kind)
    if t in ("integer", "number"):
        if kind == "int":
            value = Num(exp.Cast(this=raw, to=BIGINT), lit(1), INTEGER_LIMIT, 1, 1)
            ok = exp.LT(this=exp.Abs(this=raw), expression=lit(INTEGER_LIMIT))
        elif t == "integer" and kind == "str":
            ok = regex(raw, r"^-?[0-9]{1,15}$")
            value = Num(exp.TryCast(this=raw, to=BIGINT), lit(1), INTEGER_LIMIT, 1, 1)
        elif t == "number" and kind == "scaled":
            value = Num(exp.Cast(this=raw, to=BIGINT), lit(SCALE), NUMBER_LIMIT * SCALE, SCALE, SCALE)
            ok = exp.LT(this=exp.Abs(this=raw), expression=lit(NUMBER_LIMIT * SCALE))
        elif t == "number" and (kind in ("float", "str") or kind.startswith("decimal:")):
            scaled, ok = _scaled_decimal(raw, kind)
            value = Num(scaled, lit(SCALE), NUMBER_LIMIT * SCALE, SCALE, SCALE)
        else:
            raise Unsupported("columnar.column", name=inp.name, type=t, kind=kind)
        if inp.range is not None:
            within = inside(replace(value, n=case((ok, value.n))), inp.range)  # compared once known small
            if within is not None:
                ok = and_(ok, within)
            value = replace(value, nb=min(value.nb, _bound_of(inp.range, value.dc) or value.nb))
        return value, ok, missing
    if t == "list" and inp.items is not None and inp.items.type in ("enum", "string"):
        return _text_list(inp, raw, kind, missing)
    if t == "list" and inp.items is not None and inp.items.type in ("integer", "number"):
        item_t = inp.items.type
        length = min(inp.max_items if inp.max_items is not None else LIST_LENGTH, LIST_LENGTH)
        x = exp.to_identifier("x")

        def each(body):
            return exp.Lambda(this=body, expressions=[x.copy()])

        # the items are checked with the lists' own minimum and maximum, so a list costs at
        # most one pass of a lambda (an item the plan does not read is NULL, or above every bound)
        size = exp.ArraySize(this=raw)
        if kind in ("list:int", "list:scaled") and (kind == "list:int" or item_t == "number"):
            # whole numbers as they are: one lambda finds the items the plan does not read
            dc, bound = (1, LIST_ITEM_LIMIT) if kind == "list:int" else (SCALE, NUMBER_LIMIT * SCALE)
            xv = Num(exp.column("x"), lit(dc), bound, dc, dc)
            unread = exp.Or(
                this=is_null(exp.column("x")),
                expression=exp.GTE(this=exp.Abs(this=exp.column("x")), expression=lit(bound)),
            )
            within = inside(xv, inp.items.range) if inp.items.range is not None else None
            failing = case(
                (unread, exp.true()), default=exp.Not(this=paren(within)) if within is not None else exp.false()
            )
            proven = facts is not None and _items_proven(facts, bound, dc, inp.items.range)
            if inp.items.range is not None:
                bound = min(bound, _bound_of(inp.items.range, dc) or bound)
            ok = and_(
                exp.LTE(this=size, expression=lit(length)),
                None
                if proven  # no item can fail: no pass over the items
                else exp.EQ(
                    this=exp.ArraySize(this=exp.ArrayFilter(this=raw, expression=each(failing))), expression=lit(0)
                ),
            )
            lo = inp.items.range.lo if inp.items.range is not None else None
            return NumList(raw, dc, bound, length, lo is not None and lo >= 0), ok, missing
        if (kind == "list:float" or kind.startswith("list:decimal:")) and item_t == "number":
            scaled, read_ok = _scaled_decimal(exp.column("x"), kind[5:])
            dc, bound = SCALE, NUMBER_LIMIT * SCALE
            # an item the plan does not read becomes ``bound``, which no read item reaches
            items_e: exp.Expression = exp.Transform(
                this=raw, expression=each(case((read_ok, scaled), default=lit(bound)))
            )
        elif kind == "str":
            item = r"[0-9]{1,12}" if item_t == "integer" else r"[0-9]{1,9}(\.[0-9]{1,6})?"
            ok_text = regex(raw, rf"^{item}(;{item})*$")
            if item_t == "integer":
                read, dc, bound = exp.Cast(this=exp.column("x"), to=BIGINT), 1, LIST_ITEM_LIMIT
            else:
                read, _ = _scaled_decimal(exp.column("x"), "str")
                dc, bound = SCALE, NUMBER_LIMIT * SCALE
            split = exp.Split(this=raw, expression=exp.Literal.string(";"))
            items_e = case((ok_text, exp.Transform(this=split, expression=each(read))))
            size = exp.ArraySize(this=items_e)
        else:
            raise Unsupported("columnar.column", name=inp.name, type=f"list of {item_t}", kind=kind)
        least, most = exp.ArrayMin(this=items_e), exp.ArrayMax(this=items_e)
        inbound = and_(exp.GT(this=least, expression=lit(-bound)), exp.LT(this=most.copy(), expression=lit(bound)))
        # compared with the range only once known to be small (a CASE computes nothing else)
        low = Num(case((inbound, least.copy())), lit(dc), bound, dc, dc)
        high = Num(case((inbound.copy(), most.copy())), lit(dc), bound, dc, dc)
        conds = [inbound.copy()]
        if inp.items.range is not None:
            iv = inp.items.range
            if iv.lo is not None:
                conds.append(compare(exp.GTE if iv.lo_closed else exp.GT, low, num_const(iv.lo)).e)
            if iv.hi is not None:
                conds.append(compare(exp.LTE if iv.hi_closed else exp.LT, high, num_const(iv.hi)).e)
            bound = min(bound, _bound_of(iv, dc) or bound)
        # an empty list has no minimum: nothing to check
        items_ok = exp.Or(this=exp.EQ(this=size, expression=lit(0)), expression=paren(and_(*conds)))
        ok = and_(ok_text if kind == "str" else None, exp.LTE(this=size, expression=lit(length)), paren(items_ok))
        lo = inp.items.range.lo if inp.items.range is not None else None
        return NumList(items_e, dc, bound, length, lo is not None and lo >= 0), ok, missing
    raise Unsupported("columnar.input-type", name=inp.name, type=t)


#: what separates the items of a list of texts in one cell, of the separators the row engine
#: splits on (``;；,，、|`` and white space) those SQL's and Python's regexes agree on
_TEXT_SEPARATORS = "[;；,，、| ]+"
_PLAIN_ITEM = r"[0-9A-Za-z_\p{Han}-]+"


def _text_list(inp: Any, raw: exp.Expression, kind: str, missing: exp.Expression) -> tuple:
    """A list of texts or enum values, for its length: an Arrow list whose every item is an
    exact spelling (for an enum), or a cell of plain items between plain separators. A list
    the row engine would read another way (JSON text, an item with spaces or other marks,
    a separator at an end) goes to the row engine."""
    items = inp.items
    length = min(inp.max_items if inp.max_items is not None else LIST_LENGTH, LIST_LENGTH)
    if items.type == "enum":
        spellings = sorted(set(items.values) | set(items.aliases))
        if not all(_plain_spelling(w) for w in spellings):
            raise Unsupported("columnar.column", name=inp.name, type="list of enum", kind=kind)
        item_pattern = "(" + "|".join(spellings) + ")"
    else:
        spellings = []
        item_pattern = _PLAIN_ITEM
    if kind == "list:str":
        x = exp.column("x")
        bad = (
            exp.Or(
                this=is_null(x), expression=exp.Not(this=exp.In(this=x.copy(), expressions=[lit(w) for w in spellings]))
            )
            if spellings
            else exp.Or(this=is_null(x), expression=exp.Not(this=regex(x.copy(), f"^{_PLAIN_ITEM}$")))
        )
        size: exp.Expression = exp.ArraySize(this=raw)
        ok = and_(
            exp.LTE(this=size, expression=lit(length)),
            exp.EQ(
                this=exp.ArraySize(
                    this=exp.ArrayFilter(
                        this=raw, expression=exp.Lambda(this=bad, expressions=[exp.to_identifier("x")])
                    )
                ),
                expression=lit(0),
            ),
        )
        return TextList(size.copy(), length), ok, missing
    if kind == "str":
        ok_text = regex(raw, f"^{item_pattern}({_TEXT_SEPARATORS}{item_pattern})*$")
        size = exp.ArraySize(this=exp.RegexpSplit(this=raw, expression=exp.Literal.string(_TEXT_SEPARATORS)))
        return (
            TextList(case((ok_text, size)), length),
            and_(ok_text.copy(), exp.LTE(this=size.copy(), expression=lit(length))),
            missing,
        )
    raise Unsupported("columnar.column", name=inp.name, type=f"list of {items.type}", kind=kind)


def _plain_spelling(word: str) -> bool:
    """A spelling the item pattern takes as it stands (no mark a regex reads specially)."""
    return re.fullmatch(r"[0-9A-Za-z_\u4e00-\u9fff]+", word) is not None


# -- expressions -----------------------------------------------------------------------------------

_CMP = {ast.Lt: exp.LT, ast.LtE: exp.LTE, ast.Gt: exp.GT, ast.GtE: exp.GTE, ast.Eq: exp.EQ, ast.NotEq: exp.NEQ}


class Compiler:
    def __init__(self, names: dict, as_of: exp.Expression):
        self.names = names  # name -> typed plan value (columns of an earlier step)
        self.as_of = as_of

    def __call__(self, node: ast.AST) -> Any:  # a typed plan value
        method = getattr(self, "c_" + type(node).__name__, None)
        if method is None:
            raise Unsupported("columnar.node", node=type(node).__name__)
        return method(node)

    def c_Expression(self, node: Any) -> Any:
        return self(node.body)

    def c_Name(self, node: Any) -> Any:
        if node.id == "as_of":
            return Date(self.as_of)
        if node.id not in self.names:
            raise Unsupported("columnar.name", name=node.id)
        value = self.names[node.id]
        return Absent() if value is None else value

    def c_Constant(self, node: Any) -> Any:
        v = node.value
        if isinstance(v, bool):
            return Bool(exp.Boolean(this=v))
        if isinstance(v, (int, Fraction)):
            return num_const(v)
        if isinstance(v, str):
            return Str(lit(v))
        if isinstance(v, dt.date):
            return Date(exp.Cast(this=lit(v.isoformat()), to=exp.DataType.build("DATE")))
        raise Unsupported("columnar.constant", value=repr(v))

    def c_BoolOp(self, node: Any) -> Any:
        parts = [self.boolean(v) for v in node.values]
        out = parts[-1]
        for p in reversed(parts[:-1]):
            out = strict_and(p, out) if isinstance(node.op, ast.And) else strict_or(p, out)
        return Bool(out)

    def boolean(self, node: Any) -> exp.Expression:
        value = self(node)
        if isinstance(value, Absent):  # read where no record gives it: the row engine stops
            return exp.cast(null(), "BOOLEAN")
        if not isinstance(value, Bool):
            raise Unsupported("columnar.condition")
        return value.e

    def c_UnaryOp(self, node: Any) -> Any:
        if isinstance(node.op, ast.Not):
            return Bool(exp.Not(this=paren(self.boolean(node.operand))))
        value = self(node.operand)
        if not isinstance(value, Num):
            raise Unsupported("columnar.sign")
        if isinstance(node.op, ast.USub):
            return Num(exp.Neg(this=paren(value.n)), value.d, value.nb, value.db, value.dc)
        return value

    def c_BinOp(self, node: Any) -> Any:
        a, b = self(node.left), self(node.right)
        if isinstance(a, Absent) or isinstance(b, Absent):
            return Num(null(), lit(1), 0, 1, 1)
        if not (isinstance(a, Num) and isinstance(b, Num)):
            raise Unsupported("columnar.arithmetic")
        op = type(node.op)
        if op is ast.Add:
            return add(a, b)
        if op is ast.Sub:
            return add(a, b, -1)
        if op is ast.Mult:
            return mul(a, b)
        if op is ast.Div:
            return div(a, b)
        raise Unsupported("columnar.operator", op=op.__name__)

    def c_Compare(self, node: Any) -> Any:
        left = self(node.left)
        parts = []
        for op, right_node in zip(node.ops, node.comparators):
            if type(op) in (ast.In, ast.NotIn):
                parts.append(self.membership(left, op, right_node))
                left = None
                continue
            right = self(right_node)
            parts.append(self.compare(type(op), left, right))
            left = right
        out = parts[-1]
        for p in reversed(parts[:-1]):
            out = strict_and(p, out)
        return Bool(out)

    def membership(self, left: Any, op: Any, node: Any) -> Any:
        if not isinstance(node, (ast.Tuple, ast.List)) or not all(isinstance(e, ast.Constant) for e in node.elts):
            raise Unsupported("columnar.in-constants")
        values = [e.value for e in node.elts if isinstance(e, ast.Constant)]  # every one is, checked above
        if not isinstance(left, Str) or not all(isinstance(v, str) for v in values):
            raise Unsupported("columnar.in-text")
        e = exp.In(this=left.e, expressions=[lit(v) for v in values])
        return exp.Not(this=paren(e)) if isinstance(op, ast.NotIn) else e

    def compare(self, op: Any, a: Any, b: Any) -> Any:
        if op not in _CMP:
            raise Unsupported("columnar.operator", op=op.__name__)
        if isinstance(a, Absent) or isinstance(b, Absent):
            return exp.cast(null(), "BOOLEAN")
        if isinstance(a, Num) and isinstance(b, Num):
            return compare(_CMP[op], a, b).e
        if type(a) is type(b) and isinstance(a, Date):
            return _CMP[op](this=a.e, expression=b.e)
        if type(a) is type(b) and isinstance(a, (Str, Bool)) and op in (ast.Eq, ast.NotEq):
            return _CMP[op](this=a.e, expression=b.e)
        raise Unsupported("columnar.compare-kinds")

    def c_IfExp(self, node: Any) -> Any:
        cond = self.boolean(node.test)
        a, b = self(node.body), self(node.orelse)
        if isinstance(a, Num) and isinstance(b, Num):
            dc = a.dc if a.dc == b.dc else None
            d = a.d if dc is not None else strict_if(cond, a.d, b.d)
            return Num(strict_if(cond, a.n, b.n), d, max(a.nb, b.nb), max(a.db, b.db), dc)
        if type(a) is type(b) and isinstance(a, (Bool, Str, Date)):
            return type(a)(strict_if(cond, a.e, b.e))
        raise Unsupported("columnar.if-kinds")

    def c_Call(self, node: Any) -> Any:
        if not isinstance(node.func, ast.Name) or node.keywords:
            raise Unsupported("columnar.call")
        name = node.func.id
        if name == "given":
            (arg,) = node.args
            if not isinstance(arg, ast.Name):
                raise Unsupported("columnar.argument", name="given")
            if arg.id in self.names and self.names[arg.id] is None:
                return Bool(exp.false())  # no column: no record gives it
            value = self(arg)
            return Bool(not_null(value.n if isinstance(value, Num) else value.e))
        if name == "date":  # date("2021-09-01"); date(y, m, d) runs on the row engine
            arg = node.args[0] if len(node.args) == 1 else None
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                raise Unsupported("columnar.argument", name="date")
            day = dt.date.fromisoformat(arg.value)
            return Date(exp.Cast(this=lit(day.isoformat()), to=exp.DataType.build("DATE")))
        args = [self(a) for a in node.args]
        if name == "len" and len(args) == 1 and isinstance(args[0], TextList):
            return Num(args[0].e, lit(1), args[0].length, 1, 1)
        if name == "add_days" and len(args) == 2 and isinstance(args[0], Date) and isinstance(args[1], Num):
            return add_days(args[0], args[1])
        if name == "days_between" and len(args) == 2 and all(isinstance(a, Date) for a in args):
            # whole days from the first to the second: the difference of their day numbers
            diff = exp.DateDiff(this=args[1].e, expression=args[0].e, unit=exp.var("DAY"))
            return Num(exp.Cast(this=diff, to=BIGINT), lit(1), 4_000_000, 1, 1)
        if name in ("len", "sum", "mean", "capped_sum"):
            xs = args[0]
            if not isinstance(xs, NumList):
                raise Unsupported("columnar.argument", name=name)
            size = exp.ArraySize(this=xs.e)
            if name == "len":
                return Num(size, lit(1), xs.length, 1, 1)
            items, bound = xs.e, xs.item_bound
            if name == "capped_sum":
                cap = args[1]
                if not (isinstance(cap, Num) and cap.dc is not None):
                    raise Unsupported("columnar.cap")
                limit = Fraction(_constant_of(node.args[1]))
                if (limit * xs.dc).denominator != 1:
                    raise Unsupported("columnar.cap/finer")
                scaled = int(limit * xs.dc)
                items = exp.Transform(
                    this=items,
                    expression=exp.Lambda(
                        this=case(
                            (exp.LT(this=exp.column("x"), expression=lit(scaled)), exp.column("x")), default=lit(scaled)
                        ),
                        expressions=[exp.to_identifier("x")],
                    ),
                )
                bound = min(bound, abs(scaled)) if scaled >= 0 and xs.nonnegative else bound
            total_bound = bound * xs.length
            check_bounds(total_bound)
            total: exp.Expression = exp.ArraySum(this=items)
            total = case((exp.EQ(this=size, expression=lit(0)), lit(0)), default=total)
            if name in ("sum", "capped_sum"):
                return Num(total, lit(xs.dc), total_bound, xs.dc, xs.dc)
            d = wide(paren(exp.Mul(this=size, expression=lit(xs.dc))), xs.dc * xs.length)
            return Num(
                case((exp.EQ(this=size, expression=lit(0)), null()), default=total), d, total_bound, xs.dc * xs.length
            )
        if name in ("min", "max") and len(args) >= 2 and all(isinstance(a, Num) for a in args):
            out = args[0]
            for b in args[1:]:
                pick_b = compare(exp.LT if name == "min" else exp.GT, b, out).e
                dc = out.dc if out.dc == b.dc else None
                out = Num(
                    strict_if(pick_b, b.n, out.n),
                    out.d if dc is not None else strict_if(pick_b, b.d, out.d),
                    max(out.nb, b.nb),
                    max(out.db, b.db),
                    dc,
                )
            return out
        if name == "abs" and len(args) == 1 and isinstance(args[0], Num):
            a = args[0]
            return Num(exp.Abs(this=a.n), a.d, a.nb, a.db, a.dc)
        if name in ("ceil", "floor") and len(args) == 1 and isinstance(args[0], Num):
            return rounded(args[0], up=name == "ceil")
        raise Unsupported("columnar.function", name=name)


#: the dates add_days computes on: far from either end of the calendar (the row engine
#: refuses a date past year 9999; a query would stop on it), any other goes to the row engine
_FIRST_DAY, _LAST_DAY = "1000-01-01", "8999-12-31"


def add_days(day: Date, n: Num) -> Date:
    """The date n days after ``day``, for n of at most 300,000 days (821 years) and a day
    between the years 1000 and 8999, so the result is inside the calendar both engines share;
    NULL (the row engine decides) otherwise."""
    if n.dc != 1:
        raise Unsupported("columnar.function", name="add_days")
    whole = exp.LTE(this=exp.Abs(this=n.n.copy()), expression=lit(300_000))
    inside_days = and_(
        exp.GTE(this=day.e.copy(), expression=exp.Cast(this=lit(_FIRST_DAY), to=exp.DataType.build("DATE"))),
        exp.LTE(this=day.e.copy(), expression=exp.Cast(this=lit(_LAST_DAY), to=exp.DataType.build("DATE"))),
    )
    moved = exp.Cast(
        this=exp.DateAdd(this=day.e.copy(), expression=exp.Cast(this=n.n.copy(), to=_INT32_T), unit=exp.var("DAY")),
        to=exp.DataType.build("DATE"),
    )  # a date plus days is a timestamp in some dialects
    return Date(case((and_(whole, inside_days), moved)))


def rounded(a: Num, up: bool) -> Num:
    """ceil(n / d) or floor(n / d), d > 0, as a whole number: SQL's integer division is
    used only on operands of one sign (dialects differ on how a negative one rounds)."""
    bound = a.nb + a.db
    check_bounds(bound)
    n, d = wide(a.n, bound), wide(a.d, bound)
    if up:  # ceil(n/d) = (n + d - 1) // d for n >= 0, -(-n // d) below
        plus = exp.IntDiv(
            this=paren(exp.Sub(this=exp.Add(this=n, expression=d), expression=lit(1))), expression=d.copy()
        )
        minus = exp.Neg(this=paren(exp.IntDiv(this=paren(exp.Neg(this=n.copy())), expression=d.copy())))
    else:  # floor(n/d) = n // d for n >= 0, -((-n + d - 1) // d) below
        plus = exp.IntDiv(this=n, expression=d)
        minus = exp.Neg(
            this=paren(
                exp.IntDiv(
                    this=paren(
                        exp.Sub(this=exp.Add(this=exp.Neg(this=n.copy()), expression=d.copy()), expression=lit(1))
                    ),
                    expression=d.copy(),
                )
            )
        )
    out = case((exp.GTE(this=a.n.copy(), expression=lit(0)), paren(plus)), default=paren(minus))
    return Num(out, lit(1), a.nb + 1, 1, 1)


def _constant_of(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, Fraction)) and not isinstance(node.value, bool):
        return node.value
    raise Unsupported("columnar.computed-constant")


# -- the plan --------------------------------------------------------------------------------------


@dataclass
class Output:
    """How a column pair or column of the plan's result maps back to a result."""

    name: str
    kind: str  # num | bool | str | date
    columns: tuple


@dataclass
class Provided:
    """What a table of groups gives ready-typed (engine.columnar.members): each input of
    ``inputs`` and value of ``values`` is a typed value over the table's ``columns``, never
    NULL where ``ok`` holds; ``carry`` are columns kept in the plan's result."""

    inputs: dict
    values: dict
    columns: tuple
    ok: exp.Expression
    carry: tuple = ()


@dataclass
class Plan:
    entity: Entity
    query: exp.Select
    values: list  # Output per reported value
    consequences: list  # (Consequence, fired column, amount Output or None)
    grade: bool
    #: further expressions of the entity's names asked for by the caller (a group's aggregates
    #: read its members' ``where`` and ``over``): name -> typed value over the result's columns
    extras: dict = field(default_factory=dict)
    #: texts already printed from the query (printing a plan takes longer than running it on
    #: a small table): (dialect, pretty) -> SQL, and what runners derive from the plan
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    def sql(self, dialect: str = "duckdb", pretty: bool = True) -> str:
        key = (dialect, pretty)
        if key not in self.cache:
            self.cache[key] = self.query.sql(dialect=dialect, pretty=pretty)
        return self.cache[key]


def _columns_of(prefix: str, value) -> dict:
    """The columns a typed value is stored in, and the typed value that reads them back."""
    if isinstance(value, Num):
        if value.dc is not None:
            return {prefix: value.n}
        return {prefix: value.n, prefix + "__d": value.d}
    if isinstance(value, (Bool, Str, Date, NumList, TextList)):
        return {prefix: value.e}
    raise Unsupported("columnar.unknown-kind")


def _reference(prefix: str, value):
    if isinstance(value, Num):
        d = lit(value.dc) if value.dc is not None else col(prefix + "__d")
        return Num(col(prefix), d, value.nb, value.db, value.dc)
    if isinstance(value, NumList):
        return NumList(col(prefix), value.dc, value.item_bound, value.length, value.nonnegative)
    if isinstance(value, TextList):
        return TextList(col(prefix), value.length)
    return type(value)(col(prefix))


#: plans built lately, by (policy, entity, column kinds, day, table): evaluating a table in
#: batches, or many small tables, builds each plan once
_BUILT: OrderedDict = OrderedDict()
_KEEP = 32
_LOCK = threading.Lock()


def build_plan(
    spec: PolicySpec,
    entity: Entity,
    kinds: dict,
    as_of: dt.date,
    table: str = "records",
    facts: dict[str, ItemFacts] | None = None,
    extras: tuple = (),
) -> Plan:
    """The plan of ``entity`` over ``table`` whose columns have the given kinds
    (name -> int | float | str | bool | date | decimal:S | list:int | list:float | list:decimal:S |
    null; absent: no column; S: the places of a DECIMAL column).
    ``facts`` (engine.columnar.facts) are what the table's list columns are known to hold:
    a plan built with them is for that table only. ``extras`` are (name, text, parsed tree)
    expressions computed for each record after everything else (``Plan.extras``). Raises Unsupported when
    the plan cannot express the entity."""
    facts = {k: v for k, v in (facts or {}).items() if k in entity.inputs}
    key = (
        id(spec),
        id(entity),
        tuple(sorted(kinds.items())),
        as_of,
        table,
        tuple(sorted(facts.items())),
        tuple((n, text) for n, text, _tree in extras),
    )
    return remembered(key, spec, entity, lambda: compile_plan(spec, entity, kinds, as_of, table, facts, extras))


def remembered(key: tuple, spec: PolicySpec, entity: Entity, build: Any) -> Any:
    """``build()`` (a plan, or the Unsupported it raises, raised again), kept for later calls
    with the same ``key`` (which starts with the ids of ``spec`` and ``entity``; the objects
    themselves are kept too, so an id reused by a new policy never finds an old plan)."""
    with _LOCK:
        hit = _BUILT.get(key)
    if hit is not None and hit[0] is spec and hit[1] is entity:
        if isinstance(hit[2], Unsupported):
            raise hit[2]
        return hit[2]
    try:
        built = build()
    except Unsupported as exc:
        built = exc
    with _LOCK:
        _BUILT[key] = (spec, entity, built)
        while len(_BUILT) > _KEEP:
            _BUILT.popitem(last=False)
    if isinstance(built, Unsupported):
        raise built
    return built


def compile_plan(
    spec: PolicySpec,
    entity: Entity,
    kinds: dict,
    as_of: dt.date,
    table: str,
    facts: dict,
    extras: tuple = (),
    provided: Provided | None = None,
) -> Plan:
    """The plan over ``table``; with ``provided``, a group entity's plan over its table of
    grouped aggregates (engine.columnar.members)."""
    if provided is None and any(v.kind == "aggregate" for v in entity.values.values()):
        # judged from its own records, a value over members is the row engine's "no members"
        raise Unsupported("columnar.members")
    day = exp.Cast(this=lit(as_of.isoformat()), to=exp.DataType.build("DATE"))
    steps: list = []  # (select list) per step, or a Join
    # the inputs are read in three steps: the columns and each list's items as the plan reads
    # them; whether each input is read (``__k_``); the values, NULL where not read (nothing
    # computed from a value the plan does not read can overflow)
    read = {"__row": col("__row"), "__id": col(entity.key) if entity.key in kinds else null()}
    read.update({name: col(name) for name in entity.inputs if kinds.get(name, "null") != "null"})
    if provided is not None:
        read.update({c: col(c) for c in provided.columns + provided.carry})
    readable: dict = {}
    first: dict = {}
    oks: list[exp.Expression] = []
    names: dict = {}
    for name, inp in entity.inputs.items():
        kind = kinds.get(name, "null")
        raw = col(name)
        if provided is not None and name in provided.inputs:
            value, ok, missing = _provided_input(inp, provided.inputs[name])
        else:
            value, ok, missing = read_input(inp, raw, kind, facts.get(name))
        if isinstance(value, NumList) and not isinstance(value.e, exp.Column):
            items, ref = value.e, "__x_" + name
            read[ref] = items
            ok = ok.transform(lambda node, items=items, ref=ref: col(ref) if node == items else node)
            value = replace(value, e=col(ref))
        if value is not None:
            readable["__k_" + name] = ok
            ok = col("__k_" + name)
            if isinstance(value, Num):
                value = replace(value, n=case((ok, value.n)))
            else:
                value = replace(value, e=case((ok, value.e)))
        if inp.has_default:
            default = inp.default
            if default is None:
                fill: Any = None
            elif isinstance(default, bool):
                fill = Bool(exp.Boolean(this=default))
            elif isinstance(default, (int, Fraction)):
                fill = num_const(default)
            elif isinstance(default, str):
                fill = Str(lit(default))
            elif default == [] and inp.type == "list" and inp.items.type in ("enum", "string"):
                fill = TextList(lit(0), 0)
            else:
                raise Unsupported("columnar.default", name=name)
            miss_ok = exp.true()
        else:
            fill = None
            miss_ok = exp.false() if inp.required else exp.true()
        if value is None:  # no column: every record leaves it out
            oks.append(miss_ok)
            names[name] = fill
            if fill is not None:
                first.update(_columns_of("v_" + name, fill))
            continue
        oks.append(case((missing, miss_ok), default=ok))
        if fill is not None:
            if isinstance(value, Num):
                if not isinstance(fill, Num):
                    raise Unsupported("columnar.default", name=name)
                if value.dc is None or fill.dc is None:
                    raise Unsupported("columnar.default", name=name)
                scale = value.dc // fill.dc if value.dc % fill.dc == 0 else None
                if scale is None:
                    raise Unsupported("columnar.default", name=name)
                n = int(Fraction(default) * value.dc)
                value = Num(
                    case((missing, lit(n)), default=value.n), value.d, max(value.nb, abs(n)), value.db, value.dc
                )
            elif type(fill) is type(value):
                value = replace(value, e=case((missing, fill.e), default=value.e))
            else:
                raise Unsupported("columnar.default", name=name)
        else:
            if isinstance(value, Num):
                value = Num(case((missing, null()), default=value.n), value.d, value.nb, value.db, value.dc)
            else:
                value = replace(value, e=case((missing, null()), default=value.e))
        names[name] = value
        first.update(_columns_of("v_" + name, value))
    if provided is not None:
        oks.append(provided.ok)
    first["__inputs_ok"] = and_(*oks) if oks else exp.true()
    steps.append(read)
    if readable:
        steps.append(readable)
    steps.append(first)
    typed = {n: (_reference("v_" + n, v) if v is not None else None) for n, v in names.items()}
    if entity.schedule is not None:
        steps.append(_schedule_join(spec.schedules[entity.schedule], "v_" + entity.key, typed.get(entity.key)))
        typed.update(_schedule_typed())
    compiler = Compiler(typed, day)
    value_cols = []
    for name, value in entity.values.items():
        if value.kind == "aggregate":
            if provided is None or name not in provided.values:
                raise Unsupported("columnar.members")
            result = provided.values[name]
        elif value.kind == "expr":
            result = compiler(value.expr.tree)
        else:
            x = compiler(value.expr.tree)
            if not isinstance(x, Num):
                raise Unsupported("columnar.tiers")
            outs = [t.value for t in value.tiers]
            if all(isinstance(v, str) for v in outs):
                whens = [(inside(x, t.interval) or exp.true(), lit(t.value)) for t in value.tiers]
                result = Str(case(*whens))
            elif all(isinstance(v, (int, Fraction)) and not isinstance(v, bool) for v in outs):
                common = 1
                for v in outs:
                    common = common * Fraction(v).denominator // _gcd(common, Fraction(v).denominator)
                whens = [
                    (inside(x, t.interval) or exp.true(), lit(int(Fraction(t.value) * common))) for t in value.tiers
                ]
                bound = max(abs(int(Fraction(v) * common)) for v in outs)
                result = Num(case(*whens), lit(common), bound, common, common)
            else:
                raise Unsupported("columnar.tiers/mixed")
        cols = _columns_of("v_" + name, result)
        steps.append(cols)
        compiler.names[name] = _reference("v_" + name, result)
        value_cols.append((name, result))
    final: dict = {}
    checks = [col("__inputs_ok")]
    for name, _result in value_cols:
        ref = compiler.names[name]
        checks.append(not_null(ref.n if isinstance(ref, Num) else ref.e))
    grade = entity.grade is not None
    if grade:
        # each level's condition a column of its own, so the chain reads each once
        levels = entity.grade.levels  # type: ignore[union-attr]
        steps.append({f"__l{i}": compiler.boolean(level.when.tree) for i, level in enumerate(levels)})
        out = lit(entity.grade.otherwise.code)  # type: ignore[union-attr]
        for i, level in reversed(list(enumerate(levels))):
            out = strict_if(col(f"__l{i}"), lit(level.code), out)
        steps.append({"__grade": out})
        compiler.names["grade"] = Str(col("__grade"))
        checks.append(not_null(col("__grade")))
    consequences = []
    cons_cols: dict = {}
    for i, cons in enumerate(entity.consequences):
        fired = compiler.boolean(cons.when.tree)
        cname = f"__c{i}"
        cons_cols[cname] = fired
        checks.append(not_null(col(cname)))
        amount = None
        if cons.amount is not None and not cons.amount.is_constant:
            a = compiler(cons.amount.tree)
            if not isinstance(a, Num):
                raise Unsupported("columnar.credit")
            acols = _columns_of(f"__a{i}", a)
            cons_cols.update(acols)
            amount = Output(f"__a{i}", "num", tuple(acols) + (("",) if a.dc is not None else ()))
            amount.columns = (f"__a{i}", f"__a{i}__d" if a.dc is None else a.dc)
            checks.append(case((col(cname), not_null(col(f"__a{i}"))), default=exp.true()))
        consequences.append((cons, cname, amount))
    if cons_cols:
        steps.append(cons_cols)
    extra_cols: dict = {}
    extra_typed: dict = {}
    for i, (name, _text, tree) in enumerate(extras):
        value = compiler(tree)
        if isinstance(value, Absent):  # no record gives it: reading it stops the row engine
            value = Bool(exp.cast(null(), "BOOLEAN"))
        if isinstance(value, NumList):
            raise Unsupported("columnar.members")
        cols = _columns_of(f"__e{i}", value)
        extra_cols.update(cols)
        extra_typed[name] = _reference(f"__e{i}", value)
    if extra_cols:
        steps.append(extra_cols)
    outputs = []
    for name, _result in value_cols:
        if not entity.values[name].report:
            continue
        ref = compiler.names[name]
        if isinstance(ref, Num):
            outputs.append(Output(name, "num", ("v_" + name, ("v_" + name + "__d") if ref.dc is None else ref.dc)))
        elif isinstance(ref, NumList):
            raise Unsupported("columnar.reported-list")
        else:
            outputs.append(Output(name, type(ref).__name__.lower(), ("v_" + name,)))
    final["__ok"] = and_(*checks)
    steps.append(final)
    # one nested SELECT per step: each adds its columns to everything before it (a join adds
    # the columns of the table it joins)
    query = exp.select(*[e.as_(n, quoted=True) for n, e in steps[0].items()]).from_(exp.to_table(table))
    for step in steps[1:]:
        if isinstance(step, Join):
            query = (
                exp.select(exp.Star(), *[e.as_(n, quoted=True) for n, e in step.columns.items()])
                .from_(query.subquery("s", copy=False))
                .join(step.table, on=step.on, join_type="left")
            )
            continue
        query = exp.select(exp.Star(), *[e.as_(n, quoted=True) for n, e in step.items()]).from_(
            query.subquery("s", copy=False)
        )
    # numbers leave the plan as BIGINTs: a value whose bound allows more but whose size does
    # not fit is handed to the row engine rather than read back slowly as a decimal
    narrow, fits = [], []
    for o in outputs:
        if o.kind == "num":
            for c in o.columns:
                if isinstance(c, str):
                    narrow.append(c)
                    fits.append(not_null(exp.TryCast(this=col(c), to=BIGINT)))
    for _cons, cname, amount in consequences:
        if amount is not None:
            for c in amount.columns:
                if isinstance(c, str):
                    narrow.append(c)
                    fits.append(case((col(cname), not_null(exp.TryCast(this=col(c), to=BIGINT))), default=exp.true()))
    keep = ["__row", "__id", "__ok"]
    if grade:
        keep.append("__grade")
    keep += list(extra_cols)
    if provided is not None:
        keep += list(provided.carry)
    for o in outputs:
        keep += [c for c in o.columns if isinstance(c, str)]
    for _cons, cname, amount in consequences:
        keep.append(cname)
        if amount is not None:
            keep += [c for c in amount.columns if isinstance(c, str)]

    def pick(k):
        if k == "__ok" and fits:
            return and_(col("__ok"), *fits).as_("__ok", quoted=True)
        if k in narrow:
            return exp.TryCast(this=col(k), to=BIGINT).as_(k, quoted=True)
        return col(k)

    query = exp.select(*[pick(k) for k in keep]).from_(query.subquery("s", copy=False)).order_by(col("__row"))
    return Plan(entity, query, outputs, consequences, grade, extras=extra_typed)


def _provided_input(inp: Any, value: Any) -> tuple:
    """(typed value, ok, missing) of an input a group's aggregate gives: checked against the
    input's type and range as the row engine reads it."""
    if inp.type == "boolean" and isinstance(value, Bool):
        return value, exp.true(), exp.false()
    if inp.type in ("integer", "number") and isinstance(value, Num):
        if inp.type == "integer" and value.dc != 1:
            raise Unsupported("columnar.members")
        ok = inside(value, inp.range) if inp.range is not None else None
        return value, ok if ok is not None else exp.true(), exp.false()
    raise Unsupported("columnar.members")


@dataclass
class Join:
    """A step that joins a constant table (a rollout schedule) on the records."""

    table: exp.Expression
    on: exp.Expression
    columns: dict


#: the names an entity with a schedule reads, as the join gives them (model.Schedule.place)
_SCHEDULE_COLUMNS = {
    "in_schedule": ("__s_in", lambda c: exp.Coalesce(this=c, expressions=[exp.false()])),
    "batch_year": ("__s_year", lambda c: exp.Cast(this=c, to=BIGINT)),
    "batch_deadline": ("__s_deadline", lambda c: exp.Cast(this=c, to=exp.DataType.build("DATE"))),
    "demonstration": ("__s_demo", lambda c: exp.Coalesce(this=c, expressions=[exp.false()])),
    "acting_unit": ("__s_acting", lambda c: c),
}


def _schedule_typed() -> dict:
    return {
        "in_schedule": Bool(col("v_in_schedule")),
        "batch_year": Num(col("v_batch_year"), lit(1), 10**4, 1, 1),
        "batch_deadline": Date(col("v_batch_deadline")),
        "demonstration": Bool(col("v_demonstration")),
        "acting_unit": Str(col("v_acting_unit")),
    }


def _schedule_join(schedule: Any, key_column: str, key: Any) -> Join:
    """The schedule as a constant table joined on the record's key: each unit's place (its
    batch year and deadline, whether it is a demonstration unit, the unit it acts through).
    A record whose key is not read, or names no unit, is not in the schedule."""
    if not isinstance(key, Str) or not schedule.units:
        raise Unsupported("columnar.schedule")
    rows = []
    for unit in schedule.units:
        place = schedule.place(unit)
        year = place["batch_year"]
        if year is not None and not (0 < year < 10**4):
            raise Unsupported("columnar.schedule")
        deadline = place["batch_deadline"]
        rows.append(
            (
                unit,
                True,
                year,
                deadline.isoformat() if deadline is not None else None,
                bool(place["demonstration"]),
                place["acting_unit"],
            )
        )
    names = ["__s_unit"] + [c for c, _ in _SCHEDULE_COLUMNS.values()]
    table = exp.values(rows, alias="__sch", columns=names)
    on = exp.EQ(
        this=exp.column(key_column, table="s", quoted=True),
        expression=exp.column("__s_unit", table="__sch", quoted=True),
    )
    columns = {
        "v_" + name: make(exp.column(c, table="__sch", quoted=True)) for name, (c, make) in _SCHEDULE_COLUMNS.items()
    }
    return Join(table, on, columns)


def _gcd(a, b):
    while b:
        a, b = b, a % b
    return a


def declared_kinds(entity: Any) -> dict:
    """The column kinds a warehouse table of the entity's inputs naturally has."""
    kinds = {}
    for name, inp in entity.inputs.items():
        t = inp.type
        if t == "list":
            item = inp.items.type if inp.items is not None else None
            kinds[name] = {"integer": "list:int", "number": "list:float"}.get(item or "", "list:str")
        else:
            kinds[name] = {"integer": "int", "number": "float", "boolean": "bool", "date": "date"}.get(t, "str")
    return kinds
