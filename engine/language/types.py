"""The static types of the policy language, checked when a policy loads.

Every input, value, aggregate, tier table and expression has a :class:`Type`:

========== ===================================================================
integer    whole numbers (an ``integer`` input, ``len()``, ``year()``)
decimal    exact decimals (a ``number`` input, ``0.40``)
ratio      exact fractions (``a / b``, ``mean()``, a ``share`` aggregate)
days       a duration in whole days (``date - date``, ``days_between()``)
boolean    yes/no
code       one of a known set of codes: an enum input, a grade, tier texts
text       free text
date       a calendar day
list       a list of one item type
record     a dated activity with its own fields (items of a list input)
========== ===================================================================

The numeric types mix freely (integer and days widen to decimal, decimal to ratio);
the others never mix. A value that may be empty (an optional input with ``default:
null``, ``mean`` over no members, a schedule's year of a unit not in it) is *nullable*:
every operation is still checked against its type, and an empty value reaching an
operation that needs one is refused for that record (never a Python type error).

:func:`infer` walks a checked expression tree and returns its type, or raises
:class:`TypeProblem` at the first part that cannot be typed. After a policy has been
checked this way, no operation in it can meet an operand of the wrong kind at run time.
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NoReturn

from ..base.errors import Problem
from ..base.suggest import did_you_mean

__all__ = [
    "BOOLEAN",
    "DATE",
    "DAYS",
    "DECIMAL",
    "INTEGER",
    "NUMERIC",
    "RATIO",
    "SIGNATURES",
    "TEXT",
    "Type",
    "TypeProblem",
    "check_condition",
    "code_type",
    "did_you_mean",
    "given_names",
    "infer",
    "input_type",
    "list_of",
    "tier_value_type",
    "unify",
]

#: The numeric kinds, narrowest first; a mix takes the widest.
NUMERIC = ("integer", "days", "decimal", "ratio")
_WIDTH = {"integer": 0, "days": 0, "decimal": 1, "ratio": 2}


@dataclass(frozen=True)
class Type:
    """A type of the policy language (see the module text)."""

    kind: str  # integer | decimal | ratio | days | boolean | code | text | date | list | record | null | any
    codes: frozenset | None = None  # code: the values it can take
    item: Type | None = None  # list: the item type
    fields: tuple | None = None  # record: ((name, Type), ...)
    nullable: bool = False

    def __str__(self) -> str:
        if self.kind == "code":
            shown = ", ".join(sorted(self.codes or ()))
            text = f"code ({shown})"
        elif self.kind == "list":
            text = f"list of {self.item}"
        elif self.kind == "record":
            text = "record {" + ", ".join(f"{n}: {t}" for n, t in self.fields or ()) + "}"
        elif self.kind == "boolean":
            text = "yes/no"
        elif self.kind == "null":
            text = "an empty value (None)"
        else:
            text = self.kind
        return text + (" (may be empty)" if self.nullable and self.kind != "null" else "")

    @property
    def numeric(self) -> bool:
        return self.kind in _WIDTH

    def word(self) -> Problem:
        """The type's name as catalogue text (``word.of-type.*``), for either language."""
        if self.kind == "code":
            base = Problem("word.of-type.code", values=", ".join(sorted(self.codes or ())))
        elif self.kind == "list":
            base = Problem("word.of-type.list", item=self.item.word() if self.item else Problem("word.of-type.any"))
        elif self.kind == "record":
            base = Problem("word.of-type.record", fields=", ".join(n for n, _ in self.fields or ()))
        else:
            base = Problem("word.of-type." + self.kind)
        if self.nullable and self.kind != "null":
            return Problem("word.of-type.maybe-empty", type=base)
        return base

    def field(self, name: str) -> Type | None:
        return dict(self.fields or ()).get(name)

    def or_empty(self, nullable: bool = True) -> Type:
        return Type(self.kind, self.codes, self.item, self.fields, nullable)


INTEGER, DECIMAL, RATIO, DAYS = Type("integer"), Type("decimal"), Type("ratio"), Type("days")
BOOLEAN, TEXT, DATE = Type("boolean"), Type("text"), Type("date")
NULL, ANY = Type("null", nullable=True), Type("any")


def code_type(values: Iterable[str]) -> Type:
    return Type("code", codes=frozenset(values))


def list_of(item: Type) -> Type:
    return Type("list", item=item)


class TypeProblem(Problem):
    """A part of an expression whose types do not fit: a ``type.*`` catalogue key and its
    parameters; ``node`` locates it, ``advice`` is a hint made for this case."""

    def __init__(self, key: str, node: ast.expr | None = None, advice: Problem | None = None, **params: Any) -> None:
        super().__init__(key, **params)
        self.code, self.node, self.advice = key.partition("/")[0], node, advice


def unify(a: Type, b: Type) -> Type | None:
    """The type that holds values of both ``a`` and ``b`` (branches of ``x if c else y``,
    items of a list), or None when they do not mix."""
    nullable = a.nullable or b.nullable
    if a.kind == "null":
        return b.or_empty()
    if b.kind == "null":
        return a.or_empty()
    if a.kind == "any":
        return b.or_empty(nullable)
    if b.kind == "any":
        return a.or_empty(nullable)
    if a.numeric and b.numeric:
        if a.kind == b.kind:
            return a.or_empty(nullable)
        wide = max(a.kind, b.kind, key=lambda k: (_WIDTH[k], k == "days"))
        if _WIDTH[a.kind] == _WIDTH[b.kind] == 0:
            wide = "days" if "days" in (a.kind, b.kind) else "integer"
        return Type(wide, nullable=nullable)
    if a.kind == b.kind == "code":
        assert a.codes is not None and b.codes is not None  # every code type lists its values
        return Type("code", codes=a.codes | b.codes, nullable=nullable)
    if {a.kind, b.kind} == {"code", "text"}:
        return TEXT.or_empty(nullable)
    if a.kind == b.kind == "list":
        assert a.item is not None and b.item is not None  # every list type has an item type
        item = unify(a.item, b.item)
        return None if item is None else Type("list", item=item, nullable=nullable)
    if a.kind == b.kind == "record":
        return a.or_empty(nullable) if a.fields == b.fields else None
    if a.kind == b.kind:
        return a.or_empty(nullable)
    return None


def _widest(*types: Type) -> Type:
    out = types[0]
    for t in types[1:]:
        wider = unify(out, t)
        assert wider is not None  # callers pass numeric, any or empty types, which always unify
        out = wider
    return Type(out.kind)


def _comparable(a: Type, b: Type) -> bool:
    """``==`` between ``a`` and ``b`` can hold for some values."""
    if a.kind in ("null", "any") or b.kind in ("null", "any"):
        return True
    if a.numeric and b.numeric:
        return True
    if a.kind in ("code", "text") and b.kind in ("code", "text"):
        return True
    if a.kind == b.kind == "list":
        assert a.item is not None and b.item is not None  # every list type has an item type
        return _comparable(a.item, b.item)
    return a.kind == b.kind


_OP_WORDS = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}


class _Checker:
    def __init__(self, names: dict):
        self.names = names

    def problem(self, node, key, advice=None, **params) -> NoReturn:
        raise TypeProblem(key, node, advice, **params)

    # -- conditions --------------------------------------------------------------------------
    def condition(self, node, what) -> Type:
        t = self.visit(node)
        if t.kind not in ("boolean", "null", "any"):
            self.problem(node, "type.mismatch/condition", part=what, found=t.word())
        return t

    def numeric(self, node, what) -> Type:
        t = self.visit(node)
        if not t.numeric and t.kind not in ("any", "null"):
            key = "type.mismatch/numbers-date" if t.kind == "date" else "type.mismatch/numbers"
            self.problem(node, key, part=what, found=t.word())
        return t if t.numeric else INTEGER.or_empty(t.nullable)

    def whole(self, node, what) -> Type:
        t = self.numeric(node, what)
        if t.kind not in ("integer", "days"):
            self.problem(node, "type.mismatch/whole", part=what, found=t.word())
        return t

    def of_kind(self, node, kind, what) -> Type:
        t = self.visit(node)
        if t.kind != kind and t.kind not in ("any", "null"):
            self.problem(node, "type.mismatch/kind", part=what, expected=Type(kind).word(), found=t.word())
        return t

    def a_list(self, node, what) -> Type:
        t = self.visit(node)
        if t.kind != "list":
            self.problem(node, "type.mismatch/list", part=what, found=t.word())
        return t

    # -- nodes -------------------------------------------------------------------------------
    def visit(self, node) -> Type:
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:  # parse_expression refuses every other node first
            # the message's parameter is called ``node`` too, so it cannot go through problem()
            untyped = TypeProblem("type.mismatch/untyped", node)
            untyped.params["node"] = type(node).__name__
            raise untyped
        return method(node)

    def visit_Expression(self, node):
        return self.visit(node.body)

    def visit_Constant(self, node):
        v = node.value
        if v is None:
            return NULL
        if isinstance(v, bool):
            return BOOLEAN
        if isinstance(v, int):
            return INTEGER
        if isinstance(v, (Fraction, float)):
            return DECIMAL
        if isinstance(v, str):
            return TEXT
        if isinstance(v, dt.date):
            return DATE
        self.problem(node, "type.mismatch/constant", value=repr(v))

    def visit_Name(self, node):
        t = self.names.get(node.id)
        if t is None:
            self.problem(node, "type.unknown-name", name=node.id)
        return t

    def visit_List(self, node):
        item = ANY
        for elt in node.elts:
            t = self.visit(elt)
            merged = unify(item, t)
            if merged is None:
                self.problem(elt, "type.mismatch/list-items", left=item.word(), right=t.word())
            item = merged
        return list_of(item)

    visit_Tuple = visit_List

    def visit_BoolOp(self, node):
        word = "and" if isinstance(node.op, ast.And) else "or"
        nullable = False
        for value in node.values:
            nullable |= self.condition(value, Problem("word.part.each-side", op=word)).nullable
        return BOOLEAN.or_empty(nullable)

    def visit_UnaryOp(self, node):
        if isinstance(node.op, ast.Not):
            self.condition(node.operand, "'not'")
            return BOOLEAN
        t = self.numeric(node.operand, "'-'" if isinstance(node.op, ast.USub) else "'+'")
        return Type(t.kind, nullable=t.nullable)

    def visit_BinOp(self, node):
        op = type(node.op)
        word = _OP_WORDS[op]
        left, right = self.visit(node.left), self.visit(node.right)
        nullable = left.nullable or right.nullable
        if op is ast.Add and left.kind in ("text", "code") and right.kind in ("text", "code"):
            return TEXT.or_empty(nullable)
        if op is ast.Sub and left.kind == right.kind == "date":
            return DAYS.or_empty(nullable)
        if left.kind == "date" or right.kind == "date":
            self.problem(node, "type.mismatch/date-arithmetic", op=word, left=left.word(), right=right.word())
        for side, t in ((node.left, left), (node.right, right)):
            if not t.numeric and t.kind not in ("any", "null"):
                self.problem(side, "type.mismatch/numbers", part=f"'{word}'", found=t.word())
        left = left if left.numeric else INTEGER
        right = right if right.numeric else INTEGER
        if op is ast.Div:
            return RATIO.or_empty(nullable)
        if op is ast.FloorDiv:
            return INTEGER.or_empty(nullable)
        if op is ast.Pow:
            if right.kind not in ("integer", "days"):
                self.problem(node.right, "type.mismatch/power", found=right.word())
            # a whole number to a whole power is whole unless the power is negative; a power
            # that turns out negative for a record is still exact (a ratio), and every function
            # that needs a whole number checks it again for that record
            negative = isinstance(node.right, ast.UnaryOp) and isinstance(node.right.op, ast.USub)
            if left.kind == "integer" and not negative:
                return INTEGER.or_empty(nullable)
            return RATIO.or_empty(nullable)
        kind = _widest(left, right)
        if op in (ast.Mult, ast.Mod) and kind.kind == "days":
            kind = INTEGER
        return kind.or_empty(nullable)

    def visit_IfExp(self, node):
        self.condition(node.test, Problem("word.part.if"))
        body, orelse = self.visit(node.body), self.visit(node.orelse)
        merged = unify(body, orelse)
        if merged is None:
            self.problem(node, "type.mismatch/if", left=body.word(), right=orelse.word())
        return merged

    def visit_Compare(self, node):
        operands = [node.left, *node.comparators]
        types = [self.visit(o) for o in operands]
        for i, op in enumerate(node.ops):
            self.compare(op, operands[i], types[i], operands[i + 1], types[i + 1], node)
        return BOOLEAN

    def compare(self, op, lnode, left, rnode, right, node):
        word = _OP_WORDS[type(op)]
        kind = type(op)
        if kind in (ast.Is, ast.IsNot):
            if not (_is_none(lnode) or _is_none(rnode)):
                self.problem(node, "type.mismatch/is", op=word)
            return
        if kind in (ast.In, ast.NotIn):
            if right.kind == "list":
                if not _comparable(left, right.item):
                    self.mismatch(node, word, left, right)
                self.codes(left, lnode, right.item, rnode.elts if isinstance(rnode, (ast.List, ast.Tuple)) else ())
                self.codes(right.item, None, left, [lnode])
                return
            if right.kind in ("text", "code") and left.kind in ("text", "code"):
                return
            if right.kind in ("any", "null"):
                return
            self.mismatch(node, word, left, right, advice=Problem("hint.in-list"))
        if kind in (ast.Eq, ast.NotEq):
            if not _comparable(left, right):
                self.mismatch(node, word, left, right)
            self.codes(left, lnode, right, [rnode])
            self.codes(right, rnode, left, [lnode])
            return
        # order: numbers with numbers, dates with dates
        if (left.numeric and right.numeric) or (left.kind == right.kind == "date"):
            return
        if any(t.kind in ("any", "null") for t in (left, right)) and all(
            t.numeric or t.kind in ("date", "any", "null") for t in (left, right)
        ):
            return
        advice = None
        if "date" in (left.kind, right.kind) and {left.kind, right.kind} != {"date", "text"}:
            advice = Problem("hint.date-order")
        self.mismatch(node, word, left, right, advice=advice, order=True)

    def mismatch(self, node, word, left, right, advice=None, order=False):
        if advice is None and {left.kind, right.kind} == {"date", "text"}:
            advice = Problem("hint.date-as-text")
        key = "type.mismatch/order" if order else "type.mismatch/compare"
        self.problem(node, key, advice, op=word, left=left.word(), right=right.word())

    def codes(self, code: Type, code_node, other: Type, nodes):
        """A code compared with a text constant (or another code) it can never equal."""
        if code.kind != "code":
            return
        assert code.codes is not None  # every code type lists its values
        for n in nodes:
            value = n.value if isinstance(n, ast.Constant) and isinstance(n.value, str) else None
            if value is not None and value not in code.codes:
                advice = did_you_mean(value, sorted(code.codes))
                allowed = ", ".join(sorted(code.codes))
                if isinstance(code_node, ast.Name):
                    self.problem(n, "type.never-equal", advice, name=code_node.id, value=value, allowed=allowed)
                self.problem(n, "type.never-equal/code", advice, value=value, allowed=allowed)
        if (
            other.kind == "code"
            and other.codes is not None
            and not (code.codes & other.codes)
            and code.codes
            and other.codes
        ):
            self.problem(nodes[0] if nodes else None, "type.never-equal/codes", left=code.word(), right=other.word())

    def visit_Call(self, node):
        name = node.func.id
        rule = SIGNATURES.get(name)
        if rule is None:
            advice = did_you_mean(name, SIGNATURES, Problem("hint.functions", names=sorted(SIGNATURES)))
            self.problem(node, "type.unknown-function", advice, name=name)
        low, high, fn = rule
        count = len(node.args)
        if not low <= count <= high:
            if low == high:
                key = "type.arguments/one" if low == 1 else "type.arguments"
            else:
                key = "type.arguments/range" if high < _MANY else "type.arguments/at-least"
            self.problem(node, key, name=name, low=low, high=high, got=count)
        return fn(self, node, node.args)


def _is_none(node) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


# -- function signatures ---------------------------------------------------------------------


def _numbers_list(c: _Checker, arg, name) -> Type:
    t = c.a_list(arg, f"{name}()")
    assert t.item is not None  # a_list refuses all but a list, and every list has an item type
    if not t.item.numeric and t.item.kind != "any":
        c.problem(arg, "type.mismatch/numbers-list", part=f"{name}()", found=t.word())
    return t.item if t.item.numeric else INTEGER


def _sig_len(c, node, args):
    c.a_list(args[0], "len()")
    return INTEGER


def _sig_sum(c, node, args):
    return Type(_numbers_list(c, args[0], "sum").kind)


def _sig_mean(c, node, args):
    _numbers_list(c, args[0], "mean")
    return RATIO


def _sig_minmax(c, node, args):
    name = node.func.id
    if len(args) == 1:
        t = c.a_list(args[0], f"{name}()")
        item = t.item
        if not (item.numeric or item.kind in ("date", "any")):
            c.problem(args[0], "type.mismatch/numbers-or-dates", part=f"{name}()", found=t.word())
        return Type(item.kind) if item.kind != "any" else INTEGER
    out = None
    for arg in args:
        t = c.visit(arg)
        if not (t.numeric or t.kind == "date"):
            c.problem(arg, "type.mismatch/numbers-or-dates", part=f"{name}()", found=t.word())
        merged = t if out is None else unify(out, t)
        if merged is None:
            c.problem(arg, "type.mismatch/mix", part=f"{name}()", left=out.word(), right=t.word())
        out = merged
    return out


def _sig_cap(c, node, args):
    item = _numbers_list(c, args[0], "cap")
    limit = c.numeric(args[1], "cap()")
    return list_of(_widest(item, limit))


def _sig_capped_sum(c, node, args):
    item = _numbers_list(c, args[0], "capped_sum")
    limit = c.numeric(args[1], "capped_sum()")
    return _widest(item, limit)


def _sig_count(c, node, args):
    t = c.a_list(args[0], "count()")
    if len(args) == 1:
        if t.item.kind not in ("boolean", "any"):
            c.problem(args[0], "type.mismatch/count", found=t.word())
    else:
        value = c.visit(args[1])
        if not _comparable(t.item, value):
            c.mismatch(node, "count", t.item, value)
        c.codes(t.item, args[0], value, [args[1]])
    return INTEGER


def _sig_distinct(c, node, args):
    t = c.a_list(args[0], "distinct()")
    if t.item.kind in ("list", "record"):
        c.problem(args[0], "type.mismatch/distinct", part="distinct()", found=t.word())
    return INTEGER


def _sig_allany(c, node, args):
    name = node.func.id
    t = c.a_list(args[0], f"{name}()")
    if t.item.kind not in ("boolean", "any"):
        c.problem(args[0], "type.mismatch/yes-no-list", part=f"{name}()", found=t.word())
    return BOOLEAN


def _sig_abs(c, node, args):
    t = c.numeric(args[0], "abs()")
    return Type(t.kind)


def _sig_round(c, node, args):
    c.numeric(args[0], "round()")
    if len(args) == 1:
        return INTEGER
    c.whole(args[1], Problem("word.part.places", name="round()"))
    return DECIMAL


def _sig_floor(c, node, args):
    c.numeric(args[0], f"{node.func.id}()")
    return INTEGER


def _sig_date(c, node, args):
    if len(args) == 1:
        t = c.visit(args[0])
        if t.kind not in ("text", "date"):
            c.problem(args[0], "type.mismatch/date-text", found=t.word())
        return DATE
    if len(args) != 3:
        c.problem(node, "type.arguments/date", name="date")
    for arg, what in zip(args, ("year", "month", "day")):
        c.whole(arg, Problem("word.part." + what, name="date()"))
    return DATE


def _sig_move(c, node, args):
    name = node.func.id
    c.of_kind(args[0], "date", f"{name}()")
    c.whole(args[1], Problem("word.part.count", name=f"{name}()"))
    return DATE


def _sig_days_between(c, node, args):
    for arg in args:
        c.of_kind(arg, "date", "days_between()")
    return DAYS


def _sig_part(c, node, args):
    c.of_kind(args[0], "date", f"{node.func.id}()")
    return INTEGER


def _sig_given(c, node, args):
    c.visit(args[0])
    return BOOLEAN


def _records(c: _Checker, node, args, kinds=None) -> tuple[Type, str, Type]:
    """The list of records, the field name (a text constant) and the field's type."""
    name = node.func.id
    t = c.a_list(args[0], f"{name}()")
    assert t.item is not None  # a_list refuses all but a list, and every list has an item type
    if t.item.kind != "record":
        c.problem(args[0], "type.mismatch/records", part=f"{name}()", found=t.word())
    fnode = args[1]
    if not (isinstance(fnode, ast.Constant) and isinstance(fnode.value, str)):
        c.problem(fnode, "type.field/quoted", name=f"{name}()")
    field = fnode.value
    ftype = t.item.field(field)
    if ftype is None:
        fields = [n for n, _ in t.item.fields or ()]
        c.problem(fnode, "type.field", did_you_mean(field, fields), name=field, allowed=", ".join(fields))
    if kinds is not None and not (ftype.kind in kinds or ("numeric" in kinds and ftype.numeric)):
        c.problem(fnode, "type.mismatch/field", part=f"{name}()", name=field, found=ftype.word())
    return t, field, ftype


def _sig_field(c, node, args):
    _, _, ftype = _records(c, node, args)
    return list_of(ftype)


def _sig_total(c, node, args):
    _, _, ftype = _records(c, node, args, kinds=("numeric",))
    return Type(ftype.kind)


def _sig_within(c, node, args):
    t, _, ftype = _records(c, node, args, kinds=("numeric", "date"))
    for bound in args[2:]:
        b = c.visit(bound)
        ok = (b.numeric and ftype.numeric) or b.kind == ftype.kind or b.kind in ("any", "null")
        if not ok:
            c.mismatch(bound, "within", ftype, b, order=True)
    return Type("list", item=t.item)


def _sig_where(c, node, args):
    t, field, ftype = _records(c, node, args)
    if len(args) == 2:
        if ftype.kind != "boolean":
            c.problem(args[1], "type.mismatch/where", name=field, found=ftype.word())
    else:
        value = c.visit(args[2])
        if not _comparable(ftype, value):
            c.mismatch(args[2], "where", ftype, value)
        c.codes(ftype, args[1], value, [args[2]])
    return Type("list", item=t.item)


_MANY = 99
#: name -> (fewest arguments, most arguments, checker). Every function of the language.
SIGNATURES = {
    "len": (1, 1, _sig_len),
    "sum": (1, 1, _sig_sum),
    "mean": (1, 1, _sig_mean),
    "min": (1, _MANY, _sig_minmax),
    "max": (1, _MANY, _sig_minmax),
    "cap": (2, 2, _sig_cap),
    "capped_sum": (2, 2, _sig_capped_sum),
    "count": (1, 2, _sig_count),
    "distinct": (1, 1, _sig_distinct),
    "all": (1, 1, _sig_allany),
    "any": (1, 1, _sig_allany),
    "abs": (1, 1, _sig_abs),
    "round": (1, 2, _sig_round),
    "floor": (1, 1, _sig_floor),
    "ceil": (1, 1, _sig_floor),
    "date": (1, 3, _sig_date),
    "add_days": (2, 2, _sig_move),
    "add_months": (2, 2, _sig_move),
    "add_years": (2, 2, _sig_move),
    "days_between": (2, 2, _sig_days_between),
    "year": (1, 1, _sig_part),
    "month": (1, 1, _sig_part),
    "day": (1, 1, _sig_part),
    "given": (1, 1, _sig_given),
    "field": (2, 2, _sig_field),
    "total": (2, 2, _sig_total),
    "within": (4, 4, _sig_within),
    "where": (2, 3, _sig_where),
}


def infer(tree: ast.AST, names: dict) -> Type:
    """The type of a checked expression tree, its names typed by ``names``; raise
    :class:`TypeProblem` at the first part whose types do not fit."""
    return _Checker(names).visit(tree)


def check_condition(tree: ast.AST, names: dict, what: Problem) -> Type:
    """Like :func:`infer`, for a tree that must be yes/no (a grade or consequence condition)."""
    return _Checker(names).condition(tree, what)


_INPUT_TYPES = {"string": TEXT, "integer": INTEGER, "number": DECIMAL, "boolean": BOOLEAN, "date": DATE}


def input_type(inp: Any) -> Type:
    """The type of a declared input (an :class:`~engine.language.model.Input`); nullable
    when its default is empty (``default: null``)."""
    kind = inp.type
    if kind == "enum":
        base = code_type(inp.values)
    elif kind == "list":
        base = list_of(input_type(inp.items))
    elif kind == "record":
        base = Type("record", fields=tuple((n, input_type(f)) for n, f in (inp.fields or {}).items()))
    else:
        base = _INPUT_TYPES[kind]
    return base.or_empty(bool(inp.has_default and inp.default is None))


def tier_value_type(values: Sequence) -> Type | None:
    """The type of a tier table's values: codes, yes/no or numbers; None when they mix."""
    if all(isinstance(v, str) for v in values):
        return code_type(values)
    if all(isinstance(v, bool) for v in values):
        return BOOLEAN
    if any(isinstance(v, (str, bool)) for v in values):
        return None
    return INTEGER if all(isinstance(v, int) for v in values) else DECIMAL


def given_names(tree: ast.AST) -> set:
    """Names a condition proves given: ``given(x)`` alone or as a part of ``and``."""
    if isinstance(tree, ast.Expression):
        tree = tree.body
    if (
        isinstance(tree, ast.Call)
        and isinstance(tree.func, ast.Name)
        and tree.func.id == "given"
        and len(tree.args) == 1
    ):
        arg = tree.args[0]
        return {arg.id} if isinstance(arg, ast.Name) else set()
    if isinstance(tree, ast.BoolOp) and isinstance(tree.op, ast.And):
        return set().union(*(given_names(v) for v in tree.values))
    return set()
