"""Each entity as one generated Python function: the one evaluation path.

When the policy loads, every entity is compiled into a single function
``run(record, as_of, members, tracer) -> Result`` that

* reads and checks the record's inputs, with the common cases (a whole number inside
  its range, ASCII digits from a CSV cell, a yes/no, a known code) inline and everything
  else through the same coercers as :meth:`EntityRuntime.read`;
* computes every derived value once, in dependency order, into a local variable;
* decides the grade and the consequences in one chain of ``if`` statements;
* builds the :class:`Result`.

The expressions in it are the same checked trees, with the same exact operator and
function implementations, as :attr:`Expression.fast`; only the way names are read
differs. A value that cannot be computed, or that reads an optional input the record
leaves empty, is not an error until a grade condition, a consequence or a reported score
actually reads it, and then the record fails with that value's error: a local that could
not be computed holds :data:`NOT_COMPUTED`, and reading it raises what stopped it.

``tracer`` is None for batches, and then the function only tests it twice per record.
Given a tracer (:mod:`engine.runtime.tracers`), it reports the values, tier rows and the
decision to it; ``--trace``, ``kaohe explain`` and :meth:`Result.trace` read that report,
so a trace shows what this very function computed. The tests hold this function equal to
the simpleeval reference (:mod:`engine.runtime.reference`) on every shipped policy.

The generated source is kept on the runtime (``EntityRuntime.fused_source``) so that a
developer can read exactly what runs. Generation happens once per entity, at load, under
a lock (``ast.parse`` and ``compile`` are not to be raced from several threads).
"""

from __future__ import annotations

import ast
import datetime as dt
import math
import threading
from collections.abc import Callable
from typing import Any

from ..base.errors import Diagnostic, PolicyError, RecordError
from ..base.limits import MAX_MAGNITUDE
from ..language.expressions import FAST_GLOBALS, fast_tree
from ..language.kinds import text_value
from .modes import FAILURES
from .result import Result
from .tracers import NOT_COMPUTED

__all__ = ["compile_entity", "generate"]

_LOCK = threading.Lock()

_LIMIT = MAX_MAGNITUDE  # |a number read from a record| < 2**512, as kinds.py enforces


class _Pending(Exception):
    """A value read an optional input that the record leaves empty (args[0]: the input)."""


_F = NOT_COMPUTED


def _raise_failed(fails: dict, name: str):
    """Reading a value that could not be computed: raise what stopped it."""
    err = fails.get(name, name)  # an empty optional input has no entry: its own name
    if type(err) is str:
        raise _Pending(err)
    raise err


def _int_bounds(interval):
    """The whole numbers of an interval as (lowest, highest), None for no bound."""
    lo = hi = None
    if interval.lo is not None:
        lo = math.ceil(interval.lo) if interval.lo_closed else math.floor(interval.lo) + 1
    if interval.hi is not None:
        hi = math.floor(interval.hi) if interval.hi_closed else math.ceil(interval.hi) - 1
    return lo, hi


class _Builder:
    """Source lines of one generated function and the objects its names refer to."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict = {}  # generated global name -> object
        self.consts: dict = {}  # constants and operators the expression trees hoisted

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)

    def bind(self, prefix: str, obj) -> str:
        name = f"_{prefix}{len(self.names)}"
        self.names[name] = obj
        return name


def compile_entity(rt: Any) -> tuple[Callable, str]:
    """The entity of ``rt`` (an :class:`EntityRuntime`) as one function
    ``run(record, as_of, members, tracer) -> Result`` that raises :class:`RecordError`
    for a bad record; and its source text. One entity at a time, whatever the thread.
    An entity beyond what CPython can compile into one function is a :class:`PolicyError`
    at its location."""
    with _LOCK:
        try:
            return generate(rt)
        except (SyntaxError, RecursionError, MemoryError, ValueError, OverflowError) as exc:
            entity = rt.entity
            detail = f"{type(exc).__name__}: {exc}"
            raise PolicyError(
                Diagnostic.of("expr.limit/entity", entity.location, entity=entity.name, detail=detail)
            ) from None


def generate(rt: Any) -> tuple[Callable, str]:
    """:func:`compile_entity` without the lock and without the error for an entity too large."""
    entity = rt.entity
    b = _Builder()
    local: dict[str, str] = {}  # policy name -> local variable
    may_fail: set[str] = set()  # names whose local can hold the failure marker

    def name_node(name: str) -> ast.expr:
        var = ast.Name(local[name], ast.Load())
        if name not in may_fail:
            return var
        # (v if v is not _F else _raise_failed(_fails, 'name'))
        return ast.IfExp(
            ast.Compare(ast.Name(local[name], ast.Load()), [ast.IsNot()], [ast.Name("_F", ast.Load())]),
            var,
            ast.Call(ast.Name("_raise_failed", ast.Load()), [ast.Name("_fails", ast.Load()), ast.Constant(name)], []),
        )

    def code(expression) -> str:
        return ast.unparse(ast.fix_missing_locations(fast_tree(expression, b.consts, name_node)))

    b.emit(0, "def run(record, as_of, members, tracer):")
    b.emit(1, "_get = record.get")
    b.emit(1, "_problems = None")
    b.emit(1, "_fails = {}")

    # -- inputs ---------------------------------------------------------------------------
    for index, (name, coerce, inp) in enumerate(rt.coercers):
        var = local[name] = f"_i{index}"
        coerce_name = b.bind("C", coerce)

        def coerce_into(depth, var=var, name=name, coerce_name=coerce_name):
            b.emit(depth, "try:")
            b.emit(depth + 1, f"{var} = {coerce_name}(_r)")
            b.emit(depth, "except _ValueError as _exc:")
            b.emit(depth + 1, f"_problems = _invalid(_problems, {name!r}, _exc)")

        b.emit(1, f"_r = _get({name!r})")
        # the well-formed case first: a test no empty field passes, then the same value
        # the coercer would give (or the coercer itself, for lists)
        quick = _quick_checks(inp, b)
        for i, (test, value) in enumerate(quick):
            b.emit(1, f"{'elif' if i else 'if'} {test}:")
            if value is None:
                coerce_into(2)
            else:
                b.emit(2, f"{var} = {value}")
        b.emit(1, f"{'elif' if quick else 'if'} _r is None or _r == '':")
        if inp.has_default:
            b.emit(2, f"{var} = {b.bind('D', inp.default)}")
        elif inp.required:
            b.emit(2, f"_problems = _missing(_problems, {name!r})")
        else:
            b.emit(2, f"{var} = _F")
            may_fail.add(name)
        b.emit(1, "else:")
        coerce_into(2)
    b.emit(1, "if _problems:")
    b.emit(2, "raise _RecordError(_problems)")

    local["as_of"] = "as_of"
    if rt.schedule is not None:
        key_var = local.get(rt.key)
        key_read = (
            "None"
            if key_var is None
            else (f"(None if {key_var} is _F else {key_var})" if rt.key in may_fail else key_var)
        )
        b.emit(1, f"_place = {b.bind('S', rt.schedule.place)}({key_read})")
        for i, sname in enumerate(rt.schedule.place(None)):
            var = local[sname] = f"_s{i}"
            may_fail.discard(sname)
            b.emit(1, f"{var} = _place[{sname!r}]")

    # -- derived values, in dependency order ----------------------------------------------
    tiers: dict[str, str] = {}  # tier value name -> source of (input, row) for a tracer
    for name, value in rt.values.items():
        var = local[name] = f"_v{len(local)}"
        if value.kind == "expr":
            rhs = code(value.expr)
        elif value.kind == "tiers":
            table = rt.tables[name]
            x, row = f"_x{var[2:]}", f"_k{var[2:]}"
            values = b.bind("TV", tuple(t.value for t in value.tiers))
            rhs = f"{values}[({row} := {b.bind('TI', table.index)}(({x} := {code(value.expr)})))]"
            tiers[name] = f"({x}, {row}) if {var} is not _F else None"
        else:
            rhs = f"{b.bind('G', _aggregate_fn(rt, name))}(members)"
        b.emit(1, "try:")
        b.emit(2, f"{var} = {rhs}")
        b.emit(1, "except _Pending as _exc:")
        b.emit(2, f"{var} = _F")
        b.emit(2, f"_fails[{name!r}] = _exc.args[0]")
        b.emit(1, "except _RecordError as _exc:")
        b.emit(2, f"{var} = _F")
        b.emit(2, f"_fails[{name!r}] = _exc")
        b.emit(1, "except FAILURES as _exc:")
        b.emit(2, f"{var} = _F")
        b.emit(2, f"_fails[{name!r}] = _failure({name!r}, _exc)")
        may_fail.add(name)

    # -- a tracer: every value, failure and tier row, in one call -------------------------
    b.emit(1, "if tracer is not None:")
    b.emit(2, "tracer.computed(")
    b.emit(3, "_rt,")
    b.emit(3, "{" + ", ".join(f"{name!r}: {var}" for name, var in local.items()) + "},")
    b.emit(3, "_fails,")
    b.emit(3, "{" + ", ".join(f"{name!r}: {src}" for name, src in tiers.items()) + "},")
    b.emit(2, ")")

    # -- grade and consequences -----------------------------------------------------------
    b.emit(1, "try:")
    if rt.otherwise is not None:
        for i, level in enumerate(rt.levels):
            b.emit(2, f"{'if' if i == 0 else 'elif'} {code(level.when)}:")
            b.emit(3, f"_level = {b.bind('L', level)}")
        if rt.levels:
            b.emit(2, "else:")
            b.emit(3, f"_level = {b.bind('L', rt.otherwise)}")
        else:
            b.emit(2, f"_level = {b.bind('L', rt.otherwise)}")
        local["grade"] = "_grade"
        b.emit(2, "_grade = _level.code")
    else:
        b.emit(2, "_level = None")
    b.emit(2, "_fired = []")
    for cons in rt.consequences:
        if cons.amount is None:
            amount = "None"
        elif cons.amount.is_constant:
            amount = b.bind("A", cons.amount.constant)
        else:
            amount = code(cons.amount)
        b.emit(2, f"if {code(cons.when)}:")
        b.emit(3, f"_fired.append(({b.bind('K', cons)}, {amount}))")
    b.emit(1, "except _Pending as _exc:")
    b.emit(2, "raise _missing_needed(_exc.args[0]) from None")
    b.emit(1, "except _RecordError:")
    b.emit(2, "raise")
    b.emit(1, "except FAILURES as _exc:")
    b.emit(2, "raise _undecided(_exc) from None")

    b.emit(1, "if tracer is not None:")
    b.emit(2, "tracer.decided(_level, _fired)")

    # -- reported scores and the result ---------------------------------------------------
    b.emit(1, "_scores = {")
    for name in rt.reported:
        var = local[name]
        b.emit(2, f"{name!r}: {var} if {var} is not _F else _reported(_fails, {name!r}),")
    b.emit(1, "}")
    b.emit(1, f"return _Result(_spec, _entity, _get({rt.key!r}), _level, _fired, _scores, tracer)")

    source = "\n".join(b.lines) + "\n"
    namespace = {
        **FAST_GLOBALS,
        **b.consts,
        **b.names,
        "_F": _F,
        "_Pending": _Pending,
        "_raise_failed": _raise_failed,
        "_RecordError": RecordError,
        "FAILURES": FAILURES,
        "_ValueError": ValueError,
        "_LIMIT": _LIMIT,
        "_type": type,
        "_int": int,
        "_str": str,
        "_list": list,
        "_len": len,
        "_date": dt.date,
        "_Result": Result,
        "_spec": rt.spec,
        "_entity": entity,
        "_rt": rt,
        **_helpers(rt),
    }
    filename = f"<kaohe: entity {entity.name} of {rt.spec.path}>"
    exec(compile(source, filename, "exec"), namespace)
    return namespace["run"], source


def _quick_checks(inp, b: _Builder) -> list:
    """[(test, value)] source for the common well-formed cases of an input: tests that no
    empty field (None or '') passes, each with the value its coercer would give for it
    (None: call the coercer). Empty where every field goes the general way."""
    kind = inp.type
    if kind == "string":
        return [("_type(_r) is _str and _r", "_r.strip()")]
    if kind == "boolean":
        return [("_r is True or _r is False", "_r")]
    if kind == "date":
        return [("_type(_r) is _date", "_r")]
    if kind == "list":
        return [("_type(_r) is _list", None)]
    if kind in ("integer", "number"):
        lo, hi = _int_bounds(inp.range) if inp.range is not None else (None, None)
        low = f"{lo!r} <= " if lo is not None and lo > -_LIMIT else "-_LIMIT < "
        high = f" <= {hi!r}" if hi is not None and hi < _LIMIT else " < _LIMIT"
        # a whole number from JSON; and one written in ASCII digits, as CSV cells are
        return [
            (f"_type(_r) is _int and {low}_r{high}", "_r"),
            (
                f"_type(_r) is _str and _r.isdigit() and _r.isascii() and _len(_r) < 19 "
                f"and {low}(_x := _int(_r)){high}",
                "_x",
            ),
        ]
    if kind == "enum":
        allowed = {v: v for v in inp.values}
        allowed.update(inp.aliases)
        plain = {k: v for k, v in allowed.items() if k and text_value(k) == k}
        if not plain:
            return []
        table = b.bind("E", plain)
        return [(f"_type(_r) is _str and _r in {table}", f"{table}[_r]")]
    return []


def _aggregate_fn(rt, name):
    value = rt.values[name]

    def aggregate(members):
        if members is None:
            raise rt.no_members_error(name)
        return rt.aggregate(members, value)

    return aggregate


def _helpers(rt) -> dict:
    def missing(problems, name):
        problems = problems or []
        problems.append(rt.missing_problem(name))
        return problems

    def invalid(problems, name, exc):
        problems = problems or []
        problems.append(rt.invalid_problem(name, exc))
        return problems

    def reported(fails, name):
        err = fails[name]
        if type(err) is str:  # needs an optional input the record leaves empty
            return None
        if err.first.code != "record.missing":
            raise err  # a value that cannot be computed rejects the record, reported or not
        return None

    return {
        "_missing": missing,
        "_invalid": invalid,
        "_missing_needed": rt.needed_error,
        "_failure": rt.failure,
        "_undecided": rt.undecided_error,
        "_reported": reported,
    }
