"""``kaohe prove``: facts about a policy over every possible record, decided by an SMT solver.

Each entity is encoded for z3 exactly as the engine evaluates it, over the records its
inputs admit:

* integers, exact decimals (as rationals), booleans, codes (as their index), dates (as day
  numbers) and optional inputs (a "given" flag beside the value) become typed variables within
  their declared ranges;
* a list is abstracted by the few numbers expressions can read of it — its length, sum, least
  and greatest item, capped sum, counts — tied by constraints that hold for *every* list
  (``min <= mean <= max``, ``0 <= capped_sum(xs, 4) <= 4 * len(xs)``, ...). The abstraction
  admits more than the real lists, never fewer, so a proof over it holds for all records;
* values, tier tables, grade levels (first match wins), consequences and the reading of the
  record's key in a rollout schedule are encoded as the engine computes them, including when a
  record is refused (a division by zero, the mean of an empty list, an optional input read
  while empty): a fact is proved over the records the engine accepts.

A counterexample is never shown on the solver's word alone. The query is solved again with
each list made of concrete items (its length fixed), the model is turned into a record, and
that record is evaluated by the engine; only a confirmed record is printed. Where no
confirmed record is found, the verdict is "unknown" with the reason, never "proved".
"""

from __future__ import annotations

import ast
import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..base.errors import Diagnostic, KaoheError, Location, Problem
from ..language.model import Entity, Input, PolicySpec

if TYPE_CHECKING:
    from ..runtime.policy import Policy

__all__ = ["Verdict", "diff_prove", "prove", "render_text"]

#: how long the solver may think about one question, in milliseconds
TIMEOUT_MS = 10_000
#: list lengths tried, after the abstract model's own, when a witness needs concrete items
_LENGTHS = (1, 2, 6, 3, 10, 20)
_MAX_CONCRETE = 40
#: decimal places of the numbers in a witness record
DECIMAL_PLACES = 4
_DAY_MIN, _DAY_MAX = dt.date.min.toordinal(), dt.date.max.toordinal()


@dataclass
class Verdict:
    """One question about a policy and its answer: proved, counterexample or unknown."""

    check: str  # tiers | reachable | avoidable | property | equivalent
    entity: str
    subject: str
    status: str  # proved | counterexample | unknown
    message: Problem  # the answer in words: a catalogue key and its parameters
    rule: str | None = None
    location: Location | None = None
    witness: Any = None  # a record, or a pair of records, the engine confirmed
    as_of: dt.date | None = None

    def text(self, lang: str = "en") -> str:
        """The answer in words, in ``lang``."""
        return self.message.render(lang)

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        out: dict[str, Any] = {
            "check": self.check,
            "entity": self.entity,
            "subject": self.subject,
            "status": self.status,
            "code": self.message.key,
            "message": self.text("en"),
        }
        if lang != "en":
            out["text"] = self.text(lang)
        if self.rule:
            out["rule"] = self.rule
        if self.location is not None:
            out["location"] = {"file": self.location.file, "line": self.location.line, "col": self.location.col}
        if self.witness is not None:
            out["witness"] = self.witness
            out["as_of"] = self.as_of.isoformat() if self.as_of else None
        return out


class Unsupported(Exception):
    """Something the encoding cannot express exactly; the question's verdict is "unknown"."""


def _z3():
    try:
        import z3
    except ImportError:
        raise KaoheError(Diagnostic.of("prove.solver")) from None
    return z3


# --- terms -----------------------------------------------------------------------------------


@dataclass
class Term:
    """An encoded expression: its z3 value, its sort, and when the engine can compute it."""

    value: Any
    sort: str  # int | real | bool | code | date | list | none
    ok: Any  # z3 Bool: the engine computes it without refusing the record
    codes: tuple = ()  # for code terms: the code of each index
    list_input: str | None = None
    present: Any = None  # z3 Bool: the value is not empty (None: never empty)

    def need(self, z3: Any) -> Any:  # a z3 Bool
        """``ok`` for a use that fails on an empty value (arithmetic, ordering, functions)."""
        return self.ok if self.present is None else z3.And(self.ok, self.present)


class _List:
    """The abstraction (or, with ``items``, the concrete form) of one list input."""

    def __init__(self, z3, name: str, inp: Input, tag: str, facts: list, items: int | None):
        self.z3, self.name, self.inp, self.tag, self.facts = z3, name, inp, tag, facts
        item = inp.items
        self.item_type = item.type if item is not None else "number"
        self.lo = item.range.lo if item is not None and item.range is not None else None
        self.hi = item.range.hi if item is not None and item.range is not None else None
        self.concrete = items
        self._made: dict = {}
        if items is None:
            self.length = z3.Int(f"{tag}len({name})")
            facts.append(self.length >= 0)
            if inp.max_items is not None:
                facts.append(self.length <= inp.max_items)
            self.xs = None
        else:
            self.length = z3.IntVal(items)
            self.xs = [self._item(f"{tag}{name}[{i}]") for i in range(items)]

    def _num_sort(self, name):
        z3 = self.z3
        if self.item_type in ("enum", "string"):
            return z3.Int(name)
        if self.item_type == "integer":
            return z3.Int(name)
        if self.item_type == "boolean":
            return z3.Bool(name)
        return z3.Real(name)

    @property
    def codes(self) -> tuple:
        item = self.inp.items
        if self.item_type == "enum" and item is not None:
            return tuple(item.values)
        return (None,)  # a text item: any text the policy does not name

    def _item(self, name):
        x = self._num_sort(name)
        if self.item_type in ("enum", "string"):
            self.facts.append(self.z3.And(x >= 0, x < len(self.codes)))
        if self.item_type in ("integer", "number"):
            self._bounds(x)
        if self.item_type == "number":
            self.facts.append(self.z3.IsInt(x * 10**DECIMAL_PLACES))
        return x

    def _bounds(self, x):
        item = self.inp.items
        if item is None or item.range is None:
            return
        r = item.range
        if r.lo is not None:
            self.facts.append(x >= _num(self.z3, r.lo) if r.lo_closed else x > _num(self.z3, r.lo))
        if r.hi is not None:
            self.facts.append(x <= _num(self.z3, r.hi) if r.hi_closed else x < _num(self.z3, r.hi))

    def _var(self, key: str, make: Callable):
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]

    # each reading of a list: (value, ok)
    def total(self):
        z3, n = self.z3, self.length
        if self.xs is not None:
            return (z3.Sum(self.xs) if self.xs else _zero(z3, self.item_type)), z3.BoolVal(True)

        def make():
            s = self._num_sort(f"{self.tag}sum({self.name})")
            mn, mx = self.least(), self.greatest()
            self.facts.append(z3.If(n == 0, s == 0, z3.And(s >= mx[0] + (n - 1) * mn[0], s <= mn[0] + (n - 1) * mx[0])))
            return s

        return self._var("sum", make), z3.BoolVal(True)

    def mean(self):
        """The mean: exact over concrete items; in the abstraction a number between the least
        and the greatest item (its product with the length, the sum, is left out: that term
        is not linear, and leaving a fact out only admits more lists)."""
        z3, n = self.z3, self.length
        if self.xs is not None:
            if not self.xs:
                return z3.RealVal(0), z3.BoolVal(False)
            return _real(z3, z3.Sum(self.xs)) / len(self.xs), z3.BoolVal(True)

        def make():
            m = z3.Real(f"{self.tag}mean({self.name})")
            mn, mx = self.least()[0], self.greatest()[0]
            total = self.total()[0]
            self.facts.append(z3.Implies(n > 0, z3.And(m >= mn, m <= mx)))
            self.facts.append(z3.Implies(n == 1, m == total))
            return m

        return self._var("mean", make), n > 0

    def _extreme(self, key: str):
        z3, n = self.z3, self.length
        if self.xs is not None:
            if not self.xs:
                return _zero(z3, self.item_type), z3.BoolVal(False)
            m = self._num_sort(f"{self.tag}{key}({self.name})")
            if key == "min":
                self.facts.append(z3.And(*[m <= x for x in self.xs]))
            else:
                self.facts.append(z3.And(*[m >= x for x in self.xs]))
            self.facts.append(z3.Or(*[m == x for x in self.xs]))
            return m, z3.BoolVal(True)
        m = self._var(key, lambda: self._num_sort(f"{self.tag}{key}({self.name})"))
        if ("bounded", key) not in self._made:
            self._made[("bounded", key)] = True
            self._bounds(m)
        return m, n > 0

    def least(self):
        value = self._extreme("min")
        if self.xs is None and "order" not in self._made:
            self._made["order"] = True
            mx = self._extreme("max")[0]
            self.facts.append(value[0] <= mx)
        return value

    def greatest(self):
        value = self._extreme("max")
        if self.xs is None and "order" not in self._made:
            self._made["order"] = True
            mn = self._extreme("min")[0]
            self.facts.append(mn <= value[0])
        return value

    def capped(self, limit):
        z3, n = self.z3, self.length
        k = _num(z3, limit)
        if self.xs is not None:
            return (
                z3.Sum([z3.If(x < k, x, k) for x in self.xs]) if self.xs else _zero(z3, self.item_type)
            ), z3.BoolVal(True)

        def make():
            c = self._num_sort(f"{self.tag}capped_sum({self.name},{limit})")
            s = self.total()[0]
            mn, mx = self.least()[0], self.greatest()[0]
            cmn = z3.If(mn < k, mn, k)
            cmx = z3.If(mx < k, mx, k)
            self.facts.append(
                z3.If(
                    n == 0,
                    c == 0,
                    z3.And(
                        c <= s,
                        c >= cmx + (n - 1) * cmn,
                        c <= cmn + (n - 1) * cmx,
                        z3.Implies(mx <= k, c == s),
                        # each item loses at most what it has above the cap
                        s - c <= (n - 1) * (mx - cmx) + (mx - cmx),
                    ),
                )
            )
            return c

        return self._var(("capped", limit), make), z3.BoolVal(True)

    def count(self, value):
        z3, n = self.z3, self.length
        if self.xs is not None:
            return z3.Sum([z3.If(x == value, 1, 0) for x in self.xs]) if self.xs else z3.IntVal(0), z3.BoolVal(True)

        def make():
            c = z3.Int(f"{self.tag}count({self.name},{value})")
            self.facts.append(z3.And(c >= 0, c <= n))
            if self.item_type == "boolean" and value is True:
                other = self._made.get(("count", False))
                if other is not None:
                    self.facts.append(c + other == n)
            return c

        return self._var(("count", value), make), z3.BoolVal(True)

    def distinct(self):
        z3, n = self.z3, self.length
        if self.xs is not None:
            raise Unsupported("distinct() over concrete items")

        def make():
            d = z3.Int(f"{self.tag}distinct({self.name})")
            self.facts.append(z3.If(n == 0, d == 0, z3.And(d >= 1, d <= n)))
            return d

        return self._var("distinct", make), z3.BoolVal(True)


def _zero(z3, item_type):
    return z3.IntVal(0) if item_type == "integer" else z3.RealVal(0)


def _num(z3, x):
    if isinstance(x, bool):
        return z3.BoolVal(x)
    if isinstance(x, int):
        return z3.IntVal(x)
    x = Fraction(x)
    if x.denominator == 1:
        return z3.IntVal(x.numerator)
    return z3.Q(x.numerator, x.denominator)


# --- members ----------------------------------------------------------------------------------------

#: the key under which a group's witness lists its member records
MEMBERS = "@members"
#: most members of one type in a witness group
_MAX_MEMBERS = 12


class _MemberTypes:
    """The yes/no member expressions a group's aggregates read, and for each combination of
    their truths whether a member record has it (with such a record, for witnesses)."""

    def __init__(self, prover: _Prover, entity: Entity):
        assert entity.members is not None
        self.prover = prover
        self.member = prover.spec.entities[entity.members.entity]
        exprs: dict[str, Any] = {}
        for value in entity.values.values():
            if value.kind != "aggregate":
                continue
            if value.aggregate not in ("count", "share", "any", "all"):
                raise Unsupported(f"the aggregate {value.aggregate} of member values")
            for expr in (value.where, value.over):
                if expr is not None:
                    exprs.setdefault(expr.text, expr)
        if len(exprs) > 6:
            raise Unsupported("more than 6 member conditions")
        self.exprs = list(exprs.values())
        self.index = {e.text: i for i, e in enumerate(self.exprs)}
        self.types = [tuple(bool(b >> i & 1) for i in range(len(self.exprs))) for b in range(2 ** len(self.exprs))]
        self._examples: dict[tuple, Any] = {}

    def feasible(self, sigma) -> bool:
        """A member record has these truths (False only when proved impossible)."""
        return self.example(sigma) is not False

    def example(self, sigma):
        """A member record with these truths, None when unknown, False when impossible."""
        if sigma in self._examples:
            return self._examples[sigma]
        z3 = self.prover.z3
        member = self.member

        def goal(encs):
            enc = encs[0]
            parts = [enc.accepted()]
            for expr, truth in zip(self.exprs, sigma):
                term = _truth(z3, enc.expr(expr.tree))
                parts.append(term if truth else z3.Not(term))
            return z3.And(*parts)

        def confirm(record, as_of):
            try:
                result = self.prover.policy.evaluate(record, member.name, as_of=as_of, trace=True, allow_outside=True)
            except KaoheError:
                return False
            if result.env is None:  # the member is accepted; the group's own check decides the rest
                return True
            env = dict(result.env)
            if result.grade is not None:
                env["grade"] = result.grade
            try:
                return all(bool(expr.fast(env)) == truth for expr, truth in zip(self.exprs, sigma))
            except (KeyError, LookupError):  # a value the engine did not need: the group's check decides
                return True

        status, record, as_of, _reason = self.prover.witness(member, goal, confirm)
        found = False if status == "none" else (record, as_of) if status == "found" else None
        self._examples[sigma] = found
        return found


# --- one entity ----------------------------------------------------------------------------------


class _Encoding:
    """One copy of an entity's evaluation for z3, its variables named with ``tag``."""

    def __init__(
        self,
        z3,
        spec: PolicySpec,
        entity: Entity,
        tag: str = "",
        lengths: dict | None = None,
        shared: dict | None = None,
        members: _MemberTypes | None = None,
    ):
        self.z3, self.spec, self.entity, self.tag = z3, spec, entity, tag
        self.members = members
        self.type_counts: dict[tuple, Any] = {}  # member type -> how many members of that type
        self.facts: list = []
        self.lengths = lengths  # list input -> concrete length, or None for the abstraction
        self.inputs: dict[str, Term] = {}
        self.given: dict[str, Any] = {}
        self.lists: dict[str, _List] = {}
        self.values: dict[str, Term] = {}
        self.strings = self._string_codes()
        shared = shared if shared is not None else {}
        self.as_of = shared.get("as_of")
        if self.as_of is None:
            self.as_of = z3.Int(f"{tag}as_of")
            lo = spec.effective_from.toordinal() if spec.effective_from else _DAY_MIN
            hi = spec.effective_to.toordinal() if spec.effective_to else _DAY_MAX
            self.facts.append(z3.And(self.as_of >= lo, self.as_of <= hi))
        for name, inp in entity.inputs.items():
            if name in shared:
                self.inputs[name], self.given[name] = shared[name]
            else:
                self._declare(name, inp)
        self.grade: Term | None = None
        self.grade_ok = z3.BoolVal(True)

    # inputs
    def _string_codes(self) -> dict[str, tuple]:
        """Each text input is a code over the texts the policy compares it with, plus 'other'."""
        seen: dict[str, set] = {}
        for expr in _expressions(self.entity):
            for node in ast.walk(expr.tree):
                if isinstance(node, ast.Compare):
                    parts = [node.left, *node.comparators]
                    names = [p.id for p in parts if isinstance(p, ast.Name)]
                    texts = [p.value for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str)]
                    for name in names:
                        seen.setdefault(name, set()).update(texts)
        return {name: tuple(sorted(texts)) for name, texts in seen.items()}

    def _declare(self, name: str, inp: Input) -> None:
        z3, tag = self.z3, self.tag
        optional = not inp.required and inp.has_default and inp.default is None
        given = z3.Bool(f"{tag}given({name})") if optional else z3.BoolVal(True)
        self.given[name] = given
        kind = inp.type
        if kind == "integer":
            var = z3.Int(f"{tag}{name}")
            self._range(var, inp)
            self.inputs[name] = Term(var, "int", given)
        elif kind == "number":
            var = z3.Real(f"{tag}{name}")
            self._range(var, inp)
            self.decimal(var)
            self.inputs[name] = Term(var, "real", given)
        elif kind == "boolean":
            self.inputs[name] = Term(z3.Bool(f"{tag}{name}"), "bool", given)
        elif kind == "enum":
            codes = tuple(inp.values)
            var = z3.Int(f"{tag}{name}")
            self.facts.append(z3.And(var >= 0, var < len(codes)))
            self.inputs[name] = Term(var, "code", given, codes=codes)
        elif kind == "string":
            codes = (*self.strings.get(name, ()), None)  # None: any other text
            var = z3.Int(f"{tag}{name}")
            self.facts.append(z3.And(var >= 0, var < len(codes)))
            self.inputs[name] = Term(var, "code", given, codes=codes)
        elif kind == "date":
            var = z3.Int(f"{tag}{name}")
            self.facts.append(z3.And(var >= _DAY_MIN, var <= _DAY_MAX))
            self.inputs[name] = Term(var, "date", given)
        elif kind == "list":
            length = None if self.lengths is None else self.lengths.get(name)
            lst = _List(z3, name, inp, tag, self.facts, length)
            self.lists[name] = lst
            self.inputs[name] = Term(lst, "list", given, list_input=name)
        else:
            raise Unsupported(f"input {name} of type {kind}")

    def decimal(self, var) -> None:
        """In a search for a witness (lists made concrete), a number has at most
        DECIMAL_PLACES places, so the record can be written exactly."""
        if self.lengths is not None:
            self.facts.append(self.z3.IsInt(var * 10**DECIMAL_PLACES))

    def _range(self, var, inp: Input) -> None:
        r = inp.range
        if r is None:
            return
        z3 = self.z3
        if r.lo is not None:
            self.facts.append(var >= _num(z3, r.lo) if r.lo_closed else var > _num(z3, r.lo))
        if r.hi is not None:
            self.facts.append(var <= _num(z3, r.hi) if r.hi_closed else var < _num(z3, r.hi))

    # values
    def value(self, name: str) -> Term:
        if name in self.values:
            return self.values[name]
        value = self.entity.values[name]
        if value.kind == "expr":
            term = self.expr(value.expr.tree)
        elif value.kind == "tiers":
            term = self._tiers(value)
        else:
            term = self._aggregate(value)
        self.values[name] = term
        return term

    def _aggregate(self, value) -> Term:
        """An aggregate over members, exactly, from how many members there are of each type:
        a type is the truth of every yes/no member expression the entity's aggregates read."""
        z3 = self.z3
        if self.members is None:
            raise Unsupported(f"the aggregate {value.name} without member types")
        if not self.type_counts:
            for sigma in self.members.types:
                t = z3.Int(f"{self.tag}members{sigma}")
                self.facts.append(t >= 0)
                if self.lengths is not None:
                    self.facts.append(t <= _MAX_MEMBERS)
                if not self.members.feasible(sigma):
                    self.facts.append(t == 0)
                self.type_counts[sigma] = t
        index = self.members.index

        def holds(expr, sigma, negate=False):
            if expr is None:
                return not negate
            truth = sigma[index[expr.text]]
            return (not truth) if negate else truth

        def total(where, over, negate_over=False):
            picked = [
                t for sigma, t in self.type_counts.items() if holds(where, sigma) and holds(over, sigma, negate_over)
            ]
            return z3.Sum(picked) if picked else z3.IntVal(0)

        fn, where, over = value.aggregate, value.where, value.over
        true = z3.BoolVal(True)
        if fn == "count":
            return Term(total(where, over), "int", true)
        if fn == "share":
            picked = total(where, None)
            return Term(_real(z3, total(where, over)) / _real(z3, picked), "real", picked > 0)
        if fn == "any":
            return Term(total(where, over) >= 1, "bool", true)
        if fn == "all":
            return Term(total(where, over, negate_over=True) == 0, "bool", true)
        raise Unsupported(f"the aggregate {fn} of member values")

    def tier_rows(self, value) -> tuple[Term, list]:
        """The ``of`` value and, for each row, the condition that it falls in that row."""
        z3 = self.z3
        of = self.expr(value.expr.tree)
        of = Term(of.value, of.sort, of.need(z3), of.codes)
        rows = []
        for tier in value.tiers:
            iv = tier.interval
            parts = []
            if iv.lo is not None:
                parts.append(of.value >= _num(z3, iv.lo) if iv.lo_closed else of.value > _num(z3, iv.lo))
            if iv.hi is not None:
                parts.append(of.value <= _num(z3, iv.hi) if iv.hi_closed else of.value < _num(z3, iv.hi))
            rows.append(z3.And(*parts) if parts else z3.BoolVal(True))
        return of, rows

    def _tiers(self, value) -> Term:
        z3 = self.z3
        of, rows = self.tier_rows(value)
        values = [_constant_term(z3, t.value) for t in value.tiers]
        codes: tuple = ()
        if values and all(v.sort == "text" for v in values):  # a table of codes
            codes = tuple(dict.fromkeys(v.value for v in values))
            values = [Term(z3.IntVal(codes.index(v.value)), "code", v.ok, codes=codes) for v in values]
        sort = "real" if any(v.sort == "real" for v in values) else values[0].sort if values else "int"
        result = None
        for cond, v in reversed(list(zip(rows, values))):
            result = v.value if result is None else z3.If(cond, v.value, result)
        # outside every row the engine refuses the record
        ok = z3.And(of.ok, z3.Or(*rows)) if rows else z3.BoolVal(False)
        if value.domain is not None:
            d = value.domain
            inside = []
            if d.lo is not None:
                inside.append(of.value >= _num(z3, d.lo) if d.lo_closed else of.value > _num(z3, d.lo))
            if d.hi is not None:
                inside.append(of.value <= _num(z3, d.hi) if d.hi_closed else of.value < _num(z3, d.hi))
            ok = z3.And(ok, *inside)
        return Term(result, sort, ok, codes=codes)

    def name(self, name: str) -> Term:
        z3 = self.z3
        if name in self.inputs:
            term = self.inputs[name]
            given = self.given[name]
            present = None if z3.is_true(given) else given
            return Term(term.value, term.sort, term.ok, term.codes, term.list_input, present)
        if name in self.entity.values:
            return self.value(name)
        if name == "as_of":
            return Term(self.as_of, "date", z3.BoolVal(True))
        if name == "grade" and self.grade is not None:
            return self.grade
        if self.entity.schedule and name in (
            "in_schedule",
            "batch_year",
            "batch_deadline",
            "demonstration",
            "acting_unit",
        ):
            return self._schedule(name)
        raise Unsupported(f"the name {name}")

    def _schedule(self, name: str) -> Term:
        z3 = self.z3
        schedule = self.spec.schedules[self.entity.schedule]
        key = self.entity.key
        units = tuple(schedule.units)
        var = self.inputs[key]
        if var.sort != "code" or set(var.codes[:-1]) != set(units):
            codes = (*units, None)
            k = z3.Int(f"{self.tag}{key}@schedule")
            self.facts.append(z3.And(k >= 0, k < len(codes)))
            var = Term(k, "code", z3.BoolVal(True), codes=codes)
            self.inputs[key] = var
        result = None
        sort = {
            "in_schedule": "bool",
            "demonstration": "bool",
            "batch_year": "int",
            "batch_deadline": "date",
            "acting_unit": "code",
        }[name]
        ok = z3.BoolVal(True)
        places = [schedule.place(unit) if unit is not None else schedule.place("\x00") for unit in var.codes]
        absent: list = []
        acting = tuple(dict.fromkeys(p["acting_unit"] for p in places if p["acting_unit"] is not None)) + (None,)
        for index, _unit in reversed(list(enumerate(var.codes))):
            raw = places[index][name]
            if raw is None:
                absent.append(var.value == index)
            if sort == "code":
                v = z3.IntVal(acting.index(raw))
                result = v if result is None else z3.If(var.value == index, v, result)
                continue
            if raw is None:
                raw = 0
            if isinstance(raw, dt.date):
                raw = raw.toordinal()
            v = z3.BoolVal(raw) if sort == "bool" else z3.IntVal(int(raw))
            result = v if result is None else z3.If(var.value == index, v, result)
        present = z3.Not(z3.Or(*absent)) if absent else None
        return Term(result, sort, ok, codes=acting if sort == "code" else (), present=present)

    # expressions
    def expr(self, node) -> Term:
        z3 = self.z3
        true = z3.BoolVal(True)
        if isinstance(node, ast.Expression):
            return self.expr(node.body)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return Term(node.value, "text", true)
            return _constant_term(z3, node.value)
        if isinstance(node, ast.Name):
            if node.id in ("True", "False"):
                return Term(z3.BoolVal(node.id == "True"), "bool", true)
            return self.name(node.id)
        if isinstance(node, ast.UnaryOp):
            inner = self.expr(node.operand)
            if isinstance(node.op, ast.Not):
                return Term(z3.Not(_truth(z3, inner)), "bool", inner.ok)
            if isinstance(node.op, ast.USub):
                return Term(-inner.value, inner.sort, inner.need(z3))
            if isinstance(node.op, ast.UAdd):
                return inner
        if isinstance(node, ast.BoolOp):
            terms = [self.expr(v) for v in node.values]
            is_and = isinstance(node.op, ast.And)
            value = z3.And(*[_truth(z3, t) for t in terms]) if is_and else z3.Or(*[_truth(z3, t) for t in terms])
            ok = terms[-1].ok
            for t in reversed(terms[:-1]):  # short-circuit: later operands are read only when needed
                go_on = _truth(z3, t) if is_and else z3.Not(_truth(z3, t))
                ok = z3.And(t.ok, z3.Implies(go_on, ok))
            return Term(value, "bool", ok)
        if isinstance(node, ast.IfExp):
            cond, a, b = self.expr(node.test), self.expr(node.body), self.expr(node.orelse)
            c = _truth(z3, cond)
            sort = _join(a, b)
            present = None
            if a.present is not None or b.present is not None:
                present = z3.If(c, _present(z3, a), _present(z3, b))
            return Term(
                z3.If(c, _as(z3, a, sort), _as(z3, b, sort)),
                sort,
                z3.And(cond.ok, z3.If(c, a.ok, b.ok)),
                a.codes or b.codes,
                present=present,
            )
        if isinstance(node, ast.BinOp):
            return self._binop(node)
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return self._call(node.func.id, node.args)
        raise Unsupported(f"the expression form {type(node).__name__}")

    def _binop(self, node) -> Term:
        z3 = self.z3
        a, b = self.expr(node.left), self.expr(node.right)
        ok = z3.And(a.need(z3), b.need(z3))
        op = node.op
        if a.sort == "date" or b.sort == "date":
            raise Unsupported("arithmetic on dates (use add_days or days_between)")
        if isinstance(op, ast.Add):
            return Term(a.value + b.value, _join(a, b), ok)
        if isinstance(op, ast.Sub):
            return Term(a.value - b.value, _join(a, b), ok)
        if isinstance(op, ast.Mult):
            if not (_is_constant(a.value) or _is_constant(b.value)):
                raise Unsupported("a product of two inputs (not linear)")
            return Term(a.value * b.value, _join(a, b), ok)
        if isinstance(op, ast.Div):
            if not _is_constant(b.value) and not _is_constant(a.value):
                pass  # a ratio of two variables: z3 reasons about it exactly (non-linear, may be slow)
            return Term(_real(z3, a.value) / _real(z3, b.value), "real", z3.And(ok, b.value != 0))
        raise Unsupported(f"the operator {type(op).__name__}")

    def _compare(self, node) -> Term:
        z3 = self.z3
        parts = [self.expr(node.left), *[self._operand(c) for c in node.comparators]]
        conds: list = []
        oks: list = []
        for op, a, b in zip(node.ops, parts, parts[1:]):
            if isinstance(op, (ast.Eq, ast.NotEq)):
                # an empty value equals only another empty value, and comparing never fails
                oks += [a.ok, b.ok]
                pa, pb = _present(z3, a), _present(z3, b)
                if a.sort in ("code", "text") or b.sort in ("code", "text"):
                    same = self._compare_code(ast.Eq(), a, b)
                else:
                    x, y = (_truth(z3, a), _truth(z3, b)) if "bool" in (a.sort, b.sort) else (a.value, b.value)
                    same = x == y
                equal = z3.If(z3.And(pa, pb), same, z3.And(z3.Not(pa), z3.Not(pb)))
                conds.append(equal if isinstance(op, ast.Eq) else z3.Not(equal))
                continue
            oks += [a.need(z3), b.need(z3)]
            if isinstance(op, (ast.In, ast.NotIn)):
                conds.append(self._member_of(op, a, b))
                continue
            if a.sort == "code" or b.sort == "code" or a.sort == "text" or b.sort == "text":
                raise Unsupported("an ordering comparison of codes")
            x, y = a.value, b.value
            if a.sort == "bool" or b.sort == "bool":
                x, y = _truth(z3, a), _truth(z3, b)
            if isinstance(op, ast.Lt):
                conds.append(x < y)
            elif isinstance(op, ast.LtE):
                conds.append(x <= y)
            elif isinstance(op, ast.Gt):
                conds.append(x > y)
            elif isinstance(op, ast.GtE):
                conds.append(x >= y)
            else:
                raise Unsupported(f"the comparison {type(op).__name__}")
        return Term(z3.And(*conds), "bool", z3.And(*oks))

    def _operand(self, node) -> Term:
        """A comparison operand; a literal list of constants (``x in ['a', 'b']``) stays a list."""
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self.expr(item) for item in node.elts]
            return Term(items, "items", self.z3.BoolVal(True))
        return self.expr(node)

    def _member_of(self, op, a: Term, b: Term):
        z3 = self.z3
        if b.sort != "items":
            raise Unsupported("'in' over something other than a written list")
        options = []
        for item in b.value:
            if a.sort == "code" or item.sort == "text":
                options.append(self._compare_code(ast.Eq(), a, item))
            else:
                options.append(a.value == item.value)
        inside = z3.Or(*options) if options else z3.BoolVal(False)
        return inside if isinstance(op, ast.In) else z3.Not(inside)

    def _compare_code(self, op, a: Term, b: Term):
        z3 = self.z3
        if a.sort != "code":
            a, b = b, a
        if type(op) not in (ast.Eq, ast.NotEq):
            raise Unsupported("an ordering comparison of codes")
        if b.sort == "text":
            text = b.value
            if text in a.codes:
                same = a.value == a.codes.index(text)
            else:
                same = z3.BoolVal(False)
        elif b.sort == "code" and a.codes == b.codes:
            same = a.value == b.value
        else:
            raise Unsupported("a comparison of codes from different lists")
        return same if isinstance(op, ast.Eq) else z3.Not(same)

    def _call(self, fn: str, args) -> Term:
        z3 = self.z3
        true = z3.BoolVal(True)
        if fn == "date":
            if len(args) == 1 and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
                return Term(z3.IntVal(dt.date.fromisoformat(args[0].value).toordinal()), "date", true)
            raise Unsupported("date() of a computed text")
        if fn == "given":
            if len(args) == 1 and isinstance(args[0], ast.Name) and args[0].id in self.inputs:
                return Term(self.given[args[0].id], "bool", true)
            raise Unsupported("given() of something other than an input")
        terms = [self.expr(a) for a in args]
        ok = z3.And(*[t.need(z3) for t in terms]) if terms else true
        lists = [t for t in terms if t.sort == "list"]
        if lists:
            lst: _List = lists[0].value
            if fn == "len":
                return Term(lst.length, "int", ok)
            if fn == "sum":
                v, extra = lst.total()
                return Term(v, _item_sort(lst), z3.And(ok, extra))
            if fn == "mean":
                v, extra = lst.mean()
                return Term(v, "real", z3.And(ok, extra))
            if fn in ("min", "max") and len(terms) == 1:
                v, extra = lst.least() if fn == "min" else lst.greatest()
                return Term(v, _item_sort(lst), z3.And(ok, extra))
            if fn == "capped_sum" and len(terms) == 2 and _is_constant(terms[1].value):
                limit = _fraction(z3, terms[1].value)
                v, extra = lst.capped(limit)
                return Term(v, _item_sort(lst), z3.And(ok, extra))
            if fn == "count":
                wanted = True if len(args) == 1 else _literal(args[1])
                if wanted is None:
                    raise Unsupported("count() of a computed value")
                if lst.item_type != "boolean" and len(args) == 1:
                    raise Unsupported("count() of a list that is not yes/no")
                v, extra = lst.count(wanted)
                return Term(v, "int", z3.And(ok, extra))
            if fn in ("any", "all") and lst.item_type == "boolean":
                c, _ = lst.count(True)
                return Term(c >= 1 if fn == "any" else c == lst.length, "bool", ok)
            if fn == "distinct":
                v, _ = lst.distinct()
                return Term(v, "int", ok)
            raise Unsupported(f"{fn}() of a list")
        if fn in ("min", "max") and len(terms) >= 2:
            sort = "real" if any(t.sort == "real" for t in terms) else terms[0].sort
            best = terms[0].value
            for t in terms[1:]:
                best = z3.If(t.value < best, t.value, best) if fn == "min" else z3.If(t.value > best, t.value, best)
            return Term(best, sort, ok)
        if fn == "abs" and len(terms) == 1:
            v = terms[0].value
            return Term(z3.If(v < 0, -v, v), terms[0].sort, ok)
        if fn in ("floor", "ceil") and len(terms) == 1:
            v = terms[0].value
            if terms[0].sort == "int":
                return terms[0]
            floor = z3.ToInt(v)
            return Term(floor if fn == "floor" else z3.If(z3.ToReal(floor) == v, floor, floor + 1), "int", ok)
        if fn == "round" and terms and len(terms) <= 2:
            places = 0 if len(terms) == 1 else _literal(args[1])
            if not isinstance(places, int):
                raise Unsupported("round() to a computed number of places")
            v = terms[0].value
            scale = 10**places
            x = _real(z3, v) * scale
            # half up, away from zero, as Decimal's ROUND_HALF_UP
            up = z3.If(x >= 0, z3.ToInt(x + z3.Q(1, 2)), -z3.ToInt(-x + z3.Q(1, 2)))
            return Term(_real(z3, up) / scale, "real", ok)
        if fn == "add_days" and len(terms) == 2 and terms[0].sort == "date":
            return Term(terms[0].value + terms[1].value, "date", ok)
        if fn == "days_between" and len(terms) == 2:
            return Term(terms[1].value - terms[0].value, "int", ok)
        raise Unsupported(f"the function {fn}()")

    # grade and consequences
    def encode_grade(self) -> None:
        z3 = self.z3
        grade = self.entity.grade
        if grade is None:
            return
        codes = tuple(level.code for level in grade.all_levels)
        result = z3.IntVal(len(codes) - 1)
        conds: list[Term] = []
        for index in range(len(grade.levels) - 1, -1, -1):
            level = grade.levels[index]
            cond = self.expr(level.when.tree)
            conds.insert(0, cond)
            result = z3.If(_truth(z3, cond), z3.IntVal(index), result)
        ok = z3.BoolVal(True)
        for cond in reversed(conds):  # first match wins: a later condition is read only when earlier ones fail
            ok = z3.And(cond.ok, z3.Or(_truth(z3, cond), ok))
        self.grade_ok = ok
        self.grade = Term(result, "code", ok, codes=codes)

    def consequence(self, cons) -> tuple[Any, Any, Any]:
        """(it applies, its amount or None, the engine computes both)."""
        z3 = self.z3
        when = self.expr(cons.when.tree)
        applies = _truth(z3, when)
        ok = when.ok
        amount = None
        if cons.amount is not None:
            a = self.expr(cons.amount.tree)
            amount = a.value
            ok = z3.And(ok, z3.Implies(applies, a.ok))
        return applies, amount, ok

    def accepted(self):
        """The engine accepts the record: its grade, every consequence and every reported value
        can be computed (a value that fails refuses the record only where it is read)."""
        z3 = self.z3
        parts = [self.grade_ok]
        for name in self.entity.reported:
            parts.append(self.value(name).ok)
        for cons in self.entity.consequences:
            parts.append(self.consequence(cons)[2])
        return z3.And(*parts)


def _expressions(entity: Entity) -> Iterable:
    for value in entity.values.values():
        if value.expr is not None:
            yield value.expr
    if entity.grade:
        for level in entity.grade.levels:
            yield level.when
    for cons in entity.consequences:
        yield cons.when
        if cons.amount is not None:
            yield cons.amount


def _constant_term(z3, value) -> Term:
    true = z3.BoolVal(True)
    if isinstance(value, bool):
        return Term(z3.BoolVal(value), "bool", true)
    if isinstance(value, int):
        return Term(z3.IntVal(value), "int", true)
    if isinstance(value, Fraction):
        return Term(_num(z3, value), "real" if value.denominator != 1 else "int", true)
    if isinstance(value, float):
        return Term(_num(z3, Fraction(repr(value))), "real", true)
    if isinstance(value, str):
        return Term(value, "text", true)
    raise Unsupported(f"the constant {value!r}")


def _present(z3, term: Term):
    return z3.BoolVal(True) if term.present is None else term.present


def _truth(z3, term: Term):
    """The truth of a value in a yes/no context (an empty value is false)."""
    if term.present is not None:
        return z3.And(term.present, _truth(z3, Term(term.value, term.sort, term.ok, term.codes)))
    if term.sort == "bool":
        return term.value
    if term.sort in ("int", "real"):
        return term.value != 0
    raise Unsupported(f"a {term.sort} used as yes/no")


def _join(a: Term, b: Term) -> str:
    if a.sort == b.sort:
        return a.sort
    if {a.sort, b.sort} <= {"int", "real"}:
        return "real"
    if "code" in (a.sort, b.sort) and "text" in (a.sort, b.sort):
        return "code"
    raise Unsupported(f"a mix of {a.sort} and {b.sort}")


def _as(z3, term: Term, sort: str):
    if sort == "real" and term.sort == "int":
        return _real(z3, term.value)
    if sort == "code" and term.sort == "text":
        raise Unsupported("a code chosen between texts")
    return term.value


def _real(z3, value):
    """A real-sorted term for an integer or real one."""
    if z3.is_expr(value) and value.is_int():
        return z3.ToReal(value)
    return value


def _item_sort(lst: _List) -> str:
    return "int" if lst.item_type == "integer" else "real"


def _is_constant(value) -> bool:
    import z3

    return z3.is_rational_value(value) or z3.is_int_value(value)


def _fraction(z3, value) -> Fraction:
    if z3.is_int_value(value):
        return Fraction(value.as_long())
    return Fraction(value.numerator_as_long(), value.denominator_as_long())


def _literal(node):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in ("True", "False"):
        return node.id == "True"
    return None


# --- from a model to a record --------------------------------------------------------------------


def _model_value(z3, model, term):
    v = model.eval(term, model_completion=True)
    if z3.is_true(v):
        return True
    if z3.is_false(v):
        return False
    if z3.is_int_value(v):
        return v.as_long()
    if z3.is_rational_value(v):
        f = Fraction(v.numerator_as_long(), v.denominator_as_long())
        return f.numerator if f.denominator == 1 else f
    if z3.is_algebraic_value(v):
        raise Unsupported("an irrational value in the solver's model")
    raise Unsupported(f"a model value {v}")


def _json_number(x):
    if isinstance(x, Fraction):
        if x.denominator == 1:
            return x.numerator
        # an exact decimal where there is one, else the fraction as text the engine reads back exactly
        d = x.denominator
        while d % 2 == 0:
            d //= 2
        while d % 5 == 0:
            d //= 5
        if d == 1:
            from decimal import Decimal, localcontext

            with localcontext() as ctx:
                ctx.prec = 200
                return str(Decimal(x.numerator) / Decimal(x.denominator))
        raise Unsupported("a value with no exact decimal form")
    return x


def _record(z3, model, enc: _Encoding) -> dict:
    record: dict = {}
    for name, term in enc.inputs.items():
        if not z3.is_true(model.eval(enc.given[name], model_completion=True)):
            continue
        inp = enc.entity.inputs[name]
        if term.sort == "list":
            lst: _List = term.value
            if lst.xs is None:
                raise Unsupported("a list without concrete items")
            if lst.item_type in ("enum", "string"):
                record[name] = [lst.codes[_model_value(z3, model, x)] or "其他" for x in lst.xs]
            else:
                record[name] = [_json_number(_model_value(z3, model, x)) for x in lst.xs]
        elif term.sort == "code":
            index = _model_value(z3, model, term.value)
            code = term.codes[index]
            if code is None:  # any text the policy does not name
                code = "其他" if name != enc.entity.key else "X1"
                while code in term.codes:
                    code += "_"
            record[name] = code
        elif term.sort == "date":
            record[name] = dt.date.fromordinal(_model_value(z3, model, term.value)).isoformat()
        elif term.sort == "bool":
            record[name] = _model_value(z3, model, term.value)
        else:
            value = _model_value(z3, model, term.value)
            record[name] = _json_number(value) if inp.type == "number" else value
    if enc.entity.key not in record:
        record[enc.entity.key] = "W1"
    if enc.type_counts:
        record[MEMBERS] = _members(z3, model, enc, record[enc.entity.key])
    return record


def _members(z3, model, enc: _Encoding, group) -> list[dict]:
    """Member records that give the model's count of each member type."""
    members_decl, types = enc.entity.members, enc.members
    assert members_decl is not None and types is not None
    member = types.member
    out: list[dict] = []
    for sigma, t in enc.type_counts.items():
        count = _model_value(z3, model, t)
        if not count:
            continue
        example = types.example(sigma)
        if not example:
            raise Unsupported("no member record of a type the group needs")
        record, _as_of = example
        for _ in range(count):
            copy = dict(record)
            copy[member.key] = f"M{len(out) + 1}"
            for name in members_decl.by:  # one group: every grouping field the same
                copy[name] = group
            out.append(copy)
    return out


# --- questions ----------------------------------------------------------------------------------


class _Prover:
    def __init__(self, policy, timeout_ms: int = TIMEOUT_MS):
        self.z3 = _z3()
        self.policy = policy
        self.spec: PolicySpec = policy.spec
        self.timeout_ms = timeout_ms
        self._members: dict[str, _MemberTypes] = {}

    def member_types(self, entity: Entity) -> _MemberTypes | None:
        if entity.members is None or not any(v.kind == "aggregate" for v in entity.values.values()):
            return None
        if entity.name not in self._members:
            self._members[entity.name] = _MemberTypes(self, entity)
        return self._members[entity.name]

    def solver(self):
        s = self.z3.Solver()
        s.set("timeout", self.timeout_ms)
        return s

    def encodings(self, entity: Entity, copies: int, lengths=None, link=None):
        """``copies`` encodings of the entity; ``link(encs)`` adds constraints between them."""
        encs = []
        members = self.member_types(entity)
        for i in range(copies):
            enc = _Encoding(
                self.z3, self.spec, entity, tag=f"r{i}." if copies > 1 else "", lengths=lengths, members=members
            )
            enc.encode_grade()
            encs.append(enc)
        return encs

    def witness(self, entity: Entity, build: Callable, confirm: Callable, copies: int = 1, hint_lengths=None):
        """Find records (one per copy) meeting ``build(encs)`` that the engine confirms.

        Returns (status, records, as_of, reason): status is "found", "none" (proved impossible
        over the abstraction) or "unknown"."""
        z3 = self.z3
        encs = self.encodings(entity, copies)
        s = self.solver()
        for enc in encs:
            s.add(*enc.facts)
        goal = build(encs)
        for enc in encs:
            s.add(*enc.facts)  # facts added while encoding the goal
        s.add(goal)
        answer = s.check()
        if answer == z3.unsat:
            return "none", None, None, ""
        if answer != z3.sat:
            return "unknown", None, None, f"the solver gave up ({s.reason_unknown()})"
        model = s.model()
        list_inputs = [n for n, i in entity.inputs.items() if i.type == "list"]
        tried: list = []
        candidates: list[dict | None] = []
        if list_inputs:
            first: dict[str, int] = {}
            for name in list_inputs:
                seen = [_model_value(z3, model, enc.lists[name].length) for enc in encs if name in enc.lists]
                first[name] = seen[0] if seen else 0
            if all(v <= _MAX_CONCRETE for v in first.values()):
                candidates.append(first)
            for n in _LENGTHS:
                candidates.append(dict.fromkeys(list_inputs, n))
        else:
            candidates.append(None)
        reason = "no record with concrete lists confirmed the abstract one"
        for lengths in candidates:
            key = tuple(sorted(lengths.items())) if lengths else None
            if key in tried:
                continue
            tried.append(key)
            try:
                found = self._concrete(entity, build, confirm, copies, lengths)
            except Unsupported as exc:
                reason = str(exc)
                continue
            if found is not None:
                return ("found", *found, "")
        return "unknown", None, None, reason

    def _concrete(self, entity, build, confirm, copies, lengths):
        z3 = self.z3
        encs = self.encodings(entity, copies, lengths=lengths or {})
        s = self.solver()
        goal = build(encs)
        for enc in encs:
            s.add(*enc.facts)
        s.add(goal)
        for _attempt in range(3):
            if s.check() != z3.sat:
                return None
            model = s.model()
            records = [_record(z3, model, enc) for enc in encs]
            as_of = dt.date.fromordinal(_model_value(z3, model, encs[0].as_of))
            shown = records if copies > 1 else records[0]
            if confirm(shown, as_of):
                return shown, as_of
            # block this model's record and look for another
            block = []
            for enc in encs:
                for _name, term in enc.inputs.items():
                    if term.sort != "list":
                        block.append(term.value != model.eval(term.value, model_completion=True))
            if not block:
                return None
            s.add(z3.Or(*block))
        return None

    def outcome(self, entity: Entity, record: dict, as_of: dt.date):
        """The engine's Result for a witness (a group's, from its members), or the diagnostics
        it was refused with."""
        try:
            if MEMBERS in record and entity.members is not None:
                for group, _members in self.policy.evaluate_members(
                    record[MEMBERS], entity.name, as_of=as_of, allow_outside=True
                ):
                    return group if group.ok else list(group.error.diagnostics)
                return []
            return self.policy.evaluate(record, entity.name, as_of=as_of, allow_outside=True)
        except KaoheError as exc:
            return list(exc.diagnostics)

    def evaluate(self, entity: Entity, record: dict, as_of: dt.date):
        """The engine's result for a witness, None if the engine refuses it."""
        found = self.outcome(entity, record, as_of)
        return None if isinstance(found, list) else found


def _grade_rank(entity: Entity) -> dict:
    return (
        {level.code: level.rank for level in entity.grade.all_levels if level.rank is not None} if entity.grade else {}
    )


def prove(
    policy: Policy,
    entity: str | None = None,
    timeout_ms: int = TIMEOUT_MS,
    progress: Callable[[list, int], Iterable] | None = None,
) -> list[Verdict]:
    """Every verdict for a loaded policy (or one entity of it). ``progress`` (the command
    line's bar) wraps the list of checks, one per entity and kind, given with its length."""
    prover = _Prover(policy, timeout_ms)
    spec = prover.spec
    names = [entity] if entity else list(spec.entities)
    verdicts: list[Verdict] = []
    steps = [
        (name, check)
        for name in names
        for check in (_check_tiers, _check_levels, _check_consequences, _check_properties)
    ]
    for name, check in progress(steps, len(steps)) if progress is not None else steps:
        verdicts.extend(check(prover, spec.entities[name]))
    return verdicts


def _guard(fn):
    def run(prover, entity, *args):
        try:
            return list(fn(prover, entity, *args))
        except Unsupported as exc:
            return [
                Verdict(
                    fn.__name__.removeprefix("_check_"),
                    entity.name,
                    entity.name,
                    "unknown",
                    Problem("prove.cannot-encode", reason=str(exc)),
                )
            ]

    run.__name__ = fn.__name__
    return run


@_guard
def _check_tiers(prover: _Prover, entity: Entity):
    z3 = prover.z3
    for value in entity.values.values():
        if value.kind != "tiers":
            continue
        subject = value.name

        def rows_of(enc, value=value):
            # every record whose value can be computed: a domain the tiers leave uncovered is a gap too
            of, rows = enc.tier_rows(value)
            return of, rows, of.ok

        def none_fits(encs, rows_of=rows_of):
            _of, rows, ok = rows_of(encs[0])
            return z3.And(ok, z3.Not(z3.Or(*rows)) if rows else z3.BoolVal(True))

        def two_fit(encs, rows_of=rows_of):
            _of, rows, ok = rows_of(encs[0])
            pairs = [z3.And(a, b) for i, a in enumerate(rows) for b in rows[i + 1 :]]
            return z3.And(ok, z3.Or(*pairs)) if pairs else z3.BoolVal(False)

        def refused(record, as_of, value=value):
            found = prover.outcome(entity, record, as_of)
            return isinstance(found, list) and any(value.name in d.message or d.rule == value.rule for d in found)

        status, record, as_of, reason = prover.witness(entity, none_fits, refused)
        if status == "found":
            verdicts_msg = Problem("prove.tiers-gap", text=value.expr.text)
            yield Verdict(
                "tiers", entity.name, subject, "counterexample", verdicts_msg, value.rule, value.location, record, as_of
            )
            continue
        if status == "unknown":
            yield Verdict(
                "tiers",
                entity.name,
                subject,
                "unknown",
                Problem("prove.gaps", reason=reason),
                value.rule,
                value.location,
            )
            continue
        status2, _, _, reason2 = prover.witness(entity, two_fit, lambda r, d: True)
        if status2 == "none":
            yield Verdict(
                "tiers",
                entity.name,
                subject,
                "proved",
                Problem("prove.tiers-one-row", text=value.expr.text),
                value.rule,
                value.location,
            )
        else:
            yield Verdict(
                "tiers",
                entity.name,
                subject,
                "unknown",
                Problem("prove.overlaps", reason=reason2) if reason2 else Problem("prove.overlaps/two-rows"),
                value.rule,
                value.location,
            )


@_guard
def _check_levels(prover: _Prover, entity: Entity):
    z3 = prover.z3
    if entity.grade is None:
        return
    codes = [level.code for level in entity.grade.all_levels]
    for index, level in enumerate(entity.grade.all_levels):
        for want in (True, False):

            def goal(encs, index=index, want=want):
                enc = encs[0]
                is_it = enc.grade.value == index
                return z3.And(enc.accepted(), is_it if want else z3.Not(is_it))

            def confirm(record, as_of, level=level, want=want):
                result = prover.evaluate(entity, record, as_of)
                return result is not None and (result.grade == level.code) == want

            keys = (
                ("prove.level-given", "prove.level-unreachable")
                if want
                else (
                    "prove.level-avoided",
                    "prove.level-unavoidable",
                )
            )
            yield _reach_verdict(
                prover.witness(entity, goal, confirm),
                want,
                entity,
                level.code,
                level.rule,
                level.location,
                keys,
                level=level.code,
                levels=", ".join(codes),
            )


@_guard
def _check_consequences(prover: _Prover, entity: Entity):
    z3 = prover.z3
    for cons in entity.consequences:
        for want in (True, False):

            def goal(encs, cons=cons, want=want):
                enc = encs[0]
                applies, _amount, _ok = enc.consequence(cons)
                return z3.And(enc.accepted(), applies if want else z3.Not(applies))

            def confirm(record, as_of, cons=cons, want=want):
                result = prover.evaluate(entity, record, as_of)
                if result is None:
                    return False
                fired = {c.id for c, _amount in result.fired}
                return (cons.id in fired) == want

            keys = (
                ("prove.follows", "prove.never-follows")
                if want
                else (
                    "prove.does-not-follow",
                    "prove.always-follows",
                )
            )
            yield _reach_verdict(
                prover.witness(entity, goal, confirm),
                want,
                entity,
                cons.id,
                cons.rule,
                cons.location,
                keys,
                consequence=cons.id,
            )


def _reach_verdict(answer, want: bool, entity: Entity, subject: str, rule, location, keys, **params) -> Verdict:
    """The verdict on whether ``subject`` (a level or a consequence) can be reached (``want``) or
    avoided: proved with its witness, a counterexample when the solver rules it out, or unknown.
    ``keys`` are the catalogue entries for the witness and for the counterexample."""
    status, record, as_of, reason = answer
    check = "reachable" if want else "avoidable"
    if status == "found":
        return Verdict(check, entity.name, subject, "proved", Problem(keys[0], **params), rule, location, record, as_of)
    if status == "none":
        return Verdict(check, entity.name, subject, "counterexample", Problem(keys[1], **params), rule, location)
    return Verdict(check, entity.name, subject, "unknown", Problem("prove.undecided", reason=reason), rule, location)


@_guard
def _check_properties(prover: _Prover, entity: Entity):
    z3 = prover.z3
    ranks = _grade_rank(entity)
    rank_index = (
        {i: ranks[level.code] for i, level in enumerate(entity.grade.all_levels) if level.code in ranks}
        if entity.grade
        else {}
    )
    for prop in prover.spec.properties:
        if prop.get("entity") != entity.name:
            continue
        kind = prop.get("kind")
        subject = f"{kind}({prop.get('input', '')}{', ' + prop['direction'] if prop.get('direction') else ''})"
        if kind != "monotonic":
            yield Verdict("property", entity.name, subject, "unknown", Problem("prove.property-kind", kind=str(kind)))
            continue
        name = prop["input"]
        inp = entity.inputs[name]
        sign = 1 if prop.get("direction", "increasing") == "increasing" else -1

        def goal(encs, name=name, inp=inp, sign=sign):
            low, high = encs  # high has the input moved in the property's direction
            accepted = [low.accepted(), high.accepted()]  # every reading of every list made first
            same = [_equal(z3, low, high, other) for other in entity.inputs if other != name]
            moved = _moved(z3, low, high, name, inp, sign)
            worse = z3.Or(
                *[
                    z3.And(low.grade.value == i, high.grade.value == j)
                    for i, ri in rank_index.items()
                    for j, rj in rank_index.items()
                    if rj < ri
                ]
            )
            return z3.And(low.as_of == high.as_of, *same, moved, *accepted, worse)

        def confirm(records, as_of, name=name, inp=inp, sign=sign):
            low, high = records
            if not _really_moved(low.get(name), high.get(name), inp, sign):
                return False
            a, b = prover.evaluate(entity, low, as_of), prover.evaluate(entity, high, as_of)
            return (
                a is not None
                and b is not None
                and a.grade in ranks
                and b.grade in ranks
                and ranks[b.grade] < ranks[a.grade]
            )

        status, records, as_of, reason = prover.witness(entity, goal, confirm, copies=2)
        note = prop.get("note") or ""
        if status == "none":
            yield Verdict("property", entity.name, subject, "proved", Problem("prove.property-holds", note=note))
        elif status == "found":
            low, high = records
            key = "prove.property-broken" if sign > 0 else "prove.property-broken/lowering"
            a = prover.evaluate(entity, low, as_of)
            b = prover.evaluate(entity, high, as_of)
            yield Verdict(
                "property",
                entity.name,
                subject,
                "counterexample",
                Problem(key, name=name, before=a.grade, after=b.grade, note=note),
                witness=[low, high],
                as_of=as_of,
            )
        else:
            yield Verdict("property", entity.name, subject, "unknown", Problem("prove.undecided", reason=reason))


def _equal(z3, a: _Encoding, b: _Encoding, name: str):
    ta, tb = a.inputs[name], b.inputs[name]
    same_given = a.given[name] == b.given[name]
    if ta.sort == "list":
        la, lb = ta.value, tb.value
        if la.xs is not None and lb.xs is not None:
            return z3.And(same_given, *[x == y for x, y in zip(la.xs, lb.xs)]) if la.xs else same_given
        parts = [same_given, la.length == lb.length]
        # equal lists give equal readings of every kind either copy reads
        for key in _readings(la, lb):
            parts.append(_reading(la, key) == _reading(lb, key))
        return z3.And(*parts)
    return z3.And(same_given, ta.value == tb.value)


def _readings(*lists: _List) -> list:
    keys = ["sum", "min", "max"]
    for lst in lists:
        for key in lst._made:
            if key not in keys and not (isinstance(key, tuple) and key[0] == "bounded") and key != "order":
                keys.append(key)
    return keys


def _reading(lst: _List, key):
    if key == "sum":
        return lst.total()[0]
    if key == "min":
        return lst.least()[0]
    if key == "max":
        return lst.greatest()[0]
    if key == "mean":
        return lst.mean()[0]
    if key == "distinct":
        return lst.distinct()[0]
    if key[0] == "capped":
        return lst.capped(key[1])[0]
    if key[0] == "count":
        return lst.count(key[1])[0]
    raise Unsupported(f"the reading {key} of a list")


def _moved(z3, low: _Encoding, high: _Encoding, name: str, inp: Input, sign: int):
    tl, th = low.inputs[name], high.inputs[name]
    given = z3.And(low.given[name], high.given[name])
    if tl.sort == "list":
        ll, lh = tl.value, th.value
        if ll.xs is not None:
            if len(ll.xs) != len(lh.xs):
                return z3.BoolVal(False)
            steps = [(y >= x) if sign > 0 else (y <= x) for x, y in zip(ll.xs, lh.xs)]
            return z3.And(given, *steps)
        # each item moved in the direction (same length): every reading moves with it
        s = sign
        parts = [given, ll.length == lh.length]
        pairs = [(ll.total()[0], lh.total()[0]), (ll.least()[0], lh.least()[0]), (ll.greatest()[0], lh.greatest()[0])]
        if "mean" in ll._made or "mean" in lh._made:
            pairs.append((ll.mean()[0], lh.mean()[0]))
        for key in list(ll._made):
            if isinstance(key, tuple) and key[0] == "capped":
                pairs.append((ll.capped(key[1])[0], lh.capped(key[1])[0]))
                # raising items raises the capped sum by at most the raw sum
                cl, ch = ll.capped(key[1])[0], lh.capped(key[1])[0]
                sl, sh = ll.total()[0], lh.total()[0]
                parts.append((ch - cl <= sh - sl) if s > 0 else (cl - ch <= sl - sh))
        for a, b in pairs:
            parts.append(b >= a if s > 0 else b <= a)
        return z3.And(*parts)
    if tl.sort in ("int", "real", "date"):
        return z3.And(given, th.value >= tl.value if sign > 0 else th.value <= tl.value)
    raise Unsupported(f"monotonic in {name}, which is not a number or a list of numbers")


def _really_moved(a, b, inp: Input, sign: int) -> bool:
    from ..base.numbers import exact

    if a is None or b is None:
        return False
    if isinstance(a, list):
        if len(a) != len(b):
            return False
        return all((exact(y) >= exact(x)) if sign > 0 else (exact(y) <= exact(x)) for x, y in zip(a, b))
    return (exact(b) >= exact(a)) if sign > 0 else (exact(b) <= exact(a))


# --- two versions of a policy ----------------------------------------------------------------------


def diff_prove(
    old: Policy,
    new: Policy,
    entity: str | None = None,
    timeout_ms: int = TIMEOUT_MS,
    progress: Callable[[list, int], Iterable] | None = None,
) -> list[Verdict]:
    """Whether two versions of a policy decide every record alike, entity by entity: grade,
    credits and sanctions; one confirmed witness record per kind of change. ``progress``
    wraps the list of entities, given with its length."""
    prover = _Prover(old, timeout_ms)
    z3 = prover.z3
    verdicts = []
    names = [entity] if entity else [n for n in old.spec.entities if n in new.spec.entities]
    for name in progress(names, len(names)) if progress is not None else names:
        eo, en = old.spec.entities[name], new.spec.entities[name]
        try:
            verdicts.extend(_diff_entity(prover, z3, old, new, eo, en))
        except Unsupported as exc:
            verdicts.append(
                Verdict("equivalent", name, name, "unknown", Problem("prove.cannot-encode", reason=str(exc)))
            )
    return verdicts


def _diff_entity(prover, z3, old, new, eo: Entity, en: Entity):
    kinds = {
        "grade": lambda a, b: (
            a.grade.value != b.grade.value
            if a.grade is not None and b.grade is not None and a.grade.codes == b.grade.codes
            else _grade_differs(z3, a, b)
        ),
        "credits": lambda a, b: _credit_total(z3, a) != _credit_total(z3, b),
        "sanctions": lambda a, b: z3.Or(*_sanction_differs(z3, a, b)),
    }
    for kind, differs in kinds.items():

        def goal_pair(lengths=None, differs=differs):
            first = _Encoding(z3, old.spec, eo, tag="old.", lengths=lengths)
            first.encode_grade()
            shared = {"as_of": first.as_of}
            for n in en.inputs:
                if n in first.inputs and en.inputs[n].type == eo.inputs[n].type:
                    shared[n] = (first.inputs[n], first.given[n])
            second = _Encoding(z3, new.spec, en, tag="new.", lengths=lengths, shared=shared)
            second.encode_grade()
            goal = z3.And(first.accepted(), second.accepted(), differs(first, second))
            return first, second, goal

        s = prover.solver()
        first, second, goal = goal_pair()
        s.add(*first.facts, *second.facts, goal)
        answer = s.check()
        if answer == z3.unsat:
            yield Verdict("equivalent", eo.name, kind, "proved", Problem(f"prove.same/{kind}"))
            continue
        if answer != z3.sat:
            yield Verdict(
                "equivalent", eo.name, kind, "unknown", Problem("prove.gave-up", reason=str(s.reason_unknown()))
            )
            continue
        model = s.model()
        list_inputs = [n for n, i in eo.inputs.items() if i.type == "list"]
        candidates: list[dict | None] = [None] if not list_inputs else []
        if list_inputs:
            own = {n: _model_value(z3, model, first.lists[n].length) for n in list_inputs}
            if all(v <= _MAX_CONCRETE for v in own.values()):
                candidates.append(own)
            candidates.extend(dict.fromkeys(list_inputs, n) for n in _LENGTHS)
        found = None
        for lengths in candidates:
            s2 = prover.solver()
            f2, sec2, g2 = goal_pair(lengths or {})
            s2.add(*f2.facts, *sec2.facts, g2)
            if s2.check() != z3.sat:
                continue
            m2 = s2.model()
            try:
                record = _record(z3, m2, f2)
                record.update({k: v for k, v in _record(z3, m2, sec2).items() if k not in record})
            except Unsupported:
                continue
            as_of = dt.date.fromordinal(_model_value(z3, m2, f2.as_of))
            a = _try(old, eo.name, record, as_of)
            b = _try(new, en.name, record, as_of)
            if a is not None and b is not None and _outcome(a, kind) != _outcome(b, kind):
                found = (record, as_of, _outcome(a, kind), _outcome(b, kind))
                break
        if found:
            record, as_of, was, now = found
            yield Verdict(
                "equivalent",
                eo.name,
                kind,
                "counterexample",
                Problem(
                    f"prove.changes/{kind}",
                    before=json.dumps(was, ensure_ascii=False),
                    after=json.dumps(now, ensure_ascii=False),
                ),
                witness=record,
                as_of=as_of,
            )
        else:
            yield Verdict("equivalent", eo.name, kind, "unknown", Problem("prove.unconfirmed"))


def _try(policy, entity, record, as_of):
    try:
        return policy.evaluate(record, entity, as_of=as_of, allow_outside=True)
    except KaoheError:
        return None


def _outcome(result, kind):
    data = result.to_dict()
    if kind == "grade":
        grade = data.get("grade")
        return grade.get("code") if isinstance(grade, dict) else grade
    if kind == "credits":
        return data.get("credit_total")
    return sorted(s.get("code") for s in data.get("sanctions") or [])


def _grade_differs(z3, a: _Encoding, b: _Encoding):
    if a.grade is None or b.grade is None:
        return z3.BoolVal(a.grade is not b.grade)
    options = []
    for i, code in enumerate(a.grade.codes):
        if code in b.grade.codes:
            options.append(z3.And(a.grade.value == i, b.grade.value != b.grade.codes.index(code)))
        else:
            options.append(a.grade.value == i)
    return z3.Or(*options)


def _credit_total(z3, enc: _Encoding):
    total = z3.RealVal(0)
    for cons in enc.entity.consequences:
        if cons.kind != "credit" or cons.amount is None:
            continue
        applies, amount, _ok = enc.consequence(cons)
        periods = len(cons.periods) if cons.periods else 1
        total = total + z3.If(applies, _real(z3, amount) * periods, 0)
    return total


def _sanction_differs(z3, a: _Encoding, b: _Encoding):
    def fired(enc):
        out = {}
        for cons in enc.entity.consequences:
            if cons.kind == "sanction" and cons.code:
                applies = enc.consequence(cons)[0]
                out[cons.code] = z3.Or(out[cons.code], applies) if cons.code in out else applies
        return out

    fa, fb = fired(a), fired(b)
    differs = []
    for code in set(fa) | set(fb):
        differs.append(fa.get(code, z3.BoolVal(False)) != fb.get(code, z3.BoolVal(False)))
    return differs or [z3.BoolVal(False)]


# --- output ---------------------------------------------------------------------------------------


def render_text(verdicts: list[Verdict], lang: str = "zh") -> str:
    import json

    words = {
        "zh": {"proved": "已证明", "counterexample": "反例", "unknown": "未定"},
        "en": {"proved": "proved", "counterexample": "counterexample", "unknown": "unknown"},
    }[lang if lang in ("zh", "en") else "zh"]
    lines = []
    for v in verdicts:
        where = f"{v.location.file}:{v.location.line}:{v.location.col}: " if v.location else ""
        rule = f" [{v.rule}]" if v.rule else ""
        lines.append(f"{where}{words[v.status]}: {v.entity} {v.check} {v.subject}{rule}: {v.text(lang)}")
        if v.witness is not None and v.status == "counterexample":
            shown = v.witness if isinstance(v.witness, list) else [v.witness]
            for record in shown:
                lines.append("    " + json.dumps(record, ensure_ascii=False, default=str))
            if v.as_of:
                lines.append(f"    as_of {v.as_of.isoformat()}")
    counts = {s: sum(1 for v in verdicts if v.status == s) for s in ("proved", "counterexample", "unknown")}
    lines.append(
        f"{words['proved']} {counts['proved']}, {words['counterexample']} {counts['counterexample']}, "
        f"{words['unknown']} {counts['unknown']}"
    )
    return "\n".join(lines)
