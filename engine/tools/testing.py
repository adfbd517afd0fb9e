"""Property tests for policy authors: hypothesis strategies built from a policy's own inputs.

A new province is property-tested in a few lines::

    from hypothesis import given
    import engine
    from engine.testing import records, as_of_dates

    policy = engine.load_policy("policies/hunan.yaml")

    @given(records(policy, "teacher"), as_of_dates(policy))
    def test_every_teacher_gets_a_grade(record, as_of):
        assert policy.evaluate(record, "teacher", as_of=as_of).grade is not None

or everything at once: ``engine.testing.check(policy)`` runs the ready-made properties
below (and the policy's own ``properties:``) and returns the shrunk counterexamples.

The strategies read only the declarations: types, ranges (with their open or closed ends),
enum values and aliases, list items, defaults. They lean towards the numbers the policy
itself names -- tier bounds and the constants of its expressions, exactly and one step
either side -- because that is where a misread 以上/以下 hides. Numbers are always exact
(``int`` or :class:`fractions.Fraction`), never binary floats.

This module needs ``hypothesis`` (the ``test`` extra).
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
import math
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from ..base.errors import Problem, RecordError
from ..language.comparisons import comparisons, constant
from ..runtime.policy import FAST, REFERENCE
from .explain import grade_ranks

if TYPE_CHECKING:
    from ..language.model import Entity, Level
    from ..runtime.policy import Policy

__all__ = [
    "PROPERTIES",
    "CheckFailure",
    "PropertyFailure",
    "as_of_dates",
    "bounds_constants",
    "check",
    "deterministic",
    "exactly_one_grade",
    "fast_equals_reference",
    "grade_agrees_with_condition",
    "json_ready",
    "level_witness",
    "monotonic",
    "records",
    "run_property",
    "scores_in_range",
    "tiers_agree_with_conditions",
]

MAX_LIST = 250  # longest list a strategy draws
SMALL_LIST = 12  # the usual length
BOUND_SHARE = 30  # per cent of scalar numbers drawn from the policy's own constants
_CENT = Fraction(1, 100)


class PropertyFailure(AssertionError):
    """A property does not hold for one record: an English text, or a catalogued problem
    (shown in either language by ``kaohe check``)."""

    def __init__(self, message: str | Problem) -> None:
        super().__init__(message.render("en") if isinstance(message, Problem) else message)
        self.problem = message if isinstance(message, Problem) else None


# --- what the policy says about numbers -----------------------------------------------------


def _walk_constants(tree):
    """(numbers, texts, dates) appearing in an expression tree."""
    numbers, texts, dates = set(), set(), set()
    date_args = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "date"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            date_args.add(id(node.args[0]))
            try:
                dates.add(dt.date.fromisoformat(node.args[0].value))
            except ValueError:
                pass
    for node in ast.walk(tree):
        value = constant(node)
        if value is not None:
            numbers.add(value)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in date_args:
            texts.add(node.value)
    return numbers, texts, dates


def _expressions(entity):
    """(expression, owner name) for every expression of an entity; owner is a value name,
    'grade' for level conditions, or None for consequences."""
    for name, value in entity.values.items():
        for expr in (value.expr, value.over, value.where):
            if expr is not None:
                yield expr, name
    if entity.grade is not None:
        for level in entity.grade.levels:
            if level.when is not None:
                yield level.when, "grade"
    for cons in entity.consequences:
        yield cons.when, None
        if cons.amount is not None:
            yield cons.amount, None


def _input_closure(entity):
    """name (input, value or 'grade') -> the inputs it depends on."""
    memo: dict = {}

    def deps(name, seen=()):
        if name in memo:
            return memo[name]
        if name in entity.inputs:
            return frozenset({name})
        out = set()
        if name in entity.values and name not in seen:
            value = entity.values[name]
            names = set()
            for expr in (value.expr, value.over, value.where):
                if expr is not None:
                    names |= expr.names
            for n in names:
                out |= deps(n, seen + (name,))
        elif name == "grade" and entity.grade is not None and name not in seen:
            for level in entity.grade.levels:
                if level.when is not None:
                    for n in level.when.names:
                        out |= deps(n, seen + (name,))
        memo[name] = frozenset(out)
        return memo[name]

    return deps


@functools.lru_cache(maxsize=64)
def _analysis(policy, entity_name):
    """Constants of the whole policy, and those relevant to each input of one entity."""
    spec = policy.spec
    entity = spec.entities[entity_name]
    all_numbers, all_texts, all_dates = set(), set(), set()
    for ent in spec.entities.values():
        for expr, _ in _expressions(ent):
            n, t, d = _walk_constants(expr.tree)
            all_numbers |= n
            all_texts |= t
            all_dates |= d
        for value in ent.values.values():
            for tier in value.tiers:
                all_numbers.update(x for x in (tier.interval.lo, tier.interval.hi) if x is not None)
    for schedule in spec.schedules.values():
        for year in schedule.batches:
            try:
                all_dates.add(schedule.deadline(int(year)))
            except (TypeError, ValueError):
                pass
    deps = _input_closure(entity)
    numbers = {name: set() for name in entity.inputs}
    texts = {name: set() for name in entity.inputs}
    dates = {name: set() for name in entity.inputs}
    for expr, owner in _expressions(entity):
        n, t, d = _walk_constants(expr.tree)
        reached = set()
        for name in expr.names | ({owner} if owner else set()):
            reached |= deps(name)
        for name in reached:
            numbers[name] |= n
            texts[name] |= t
            dates[name] |= d
    for vname, value in entity.values.items():
        if value.kind == "tiers":
            ends = {x for tier in value.tiers for x in (tier.interval.lo, tier.interval.hi) if x is not None}
            for name in deps(vname):
                numbers[name] |= ends
    # x / y where y is a numeric input: the ratio's targets are the constants it is compared with
    ratios = []
    for vname, value in entity.values.items():
        if value.kind != "expr" or value.expr is None:
            continue
        tree = value.expr.tree
        if (
            isinstance(tree, ast.BinOp)
            and isinstance(tree.op, ast.Div)
            and isinstance(tree.left, ast.Name)
            and isinstance(tree.right, ast.Name)
            and tree.right.id in entity.inputs
            and entity.inputs[tree.right.id].type in ("integer", "number")
            and tree.right.id not in deps(tree.left.id)
        ):
            targets = set(_compared_with(entity, vname))
            targets = sorted(c for c in targets if c > 0)
            if targets:
                ratios.append((tree.left.id, tree.right.id, tuple(targets)))
    return {
        "numbers": sorted(all_numbers),
        "texts": sorted(all_texts),
        "dates": sorted(all_dates),
        "input_numbers": {k: sorted(v) for k, v in numbers.items()},
        "input_texts": {k: sorted(v) for k, v in texts.items()},
        "input_dates": {k: sorted(v) for k, v in dates.items()},
        "ratios": tuple(ratios),
    }


def _compared_with(entity, name):
    """Numbers a value is compared with, and the bounds of tier tables over it."""
    for value in entity.values.values():
        if value.kind == "tiers" and isinstance(value.expr.tree, ast.Name) and value.expr.tree.id == name:
            for tier in value.tiers:
                yield from (x for x in (tier.interval.lo, tier.interval.hi) if x is not None)
    for expr, _ in _expressions(entity):
        for _node, var, c, _ in comparisons(expr.tree):
            if var == name:
                yield c


def bounds_constants(policy: Policy, entity: str | None = None, input: str | None = None) -> list:
    """The numbers a policy names (tier bounds, constants of its expressions); with
    ``entity`` and ``input``, those that bear on that input."""
    if entity is None:
        numbers = set()
        for name in policy.spec.entities:
            numbers |= set(_analysis(policy, name)["numbers"])
        return sorted(numbers)
    info = _analysis(policy, entity)
    if input is None:
        return info["numbers"]
    return info["input_numbers"].get(input, [])


# --- strategies -------------------------------------------------------------------------------


def _period(policy):
    start = policy.spec.effective_from or dt.date(2020, 1, 1)
    end = policy.spec.effective_to or start + dt.timedelta(days=3 * 365)
    return start, end


def _as_number(x):
    if type(x) is Fraction and x.denominator == 1:
        return x.numerator
    return x


def _grid(inp, integer: bool, span_hint):
    """The integer grid [lo, hi] (in units of 1 or 1/100) the input's values are drawn from."""
    unit = 1 if integer else _CENT
    interval = inp.range
    lo = hi = None
    if interval is not None and interval.lo is not None:
        lo = math.ceil(interval.lo / unit)
        if not interval.lo_closed and lo * unit == interval.lo:
            lo += 1
    if interval is not None and interval.hi is not None:
        hi = math.floor(interval.hi / unit)
        if not interval.hi_closed and hi * unit == interval.hi:
            hi -= 1
    width = max(100, 2 * span_hint)
    if lo is None and hi is None:
        lo, hi = 0, math.ceil(width / unit)
    elif hi is None:
        hi = lo + math.ceil(width / unit)
    elif lo is None:
        lo = hi - math.ceil(width / unit)
    return lo, hi, unit


def _near(constants, inp, integer: bool):
    """The constants, one step either side, that the input can take."""
    out = set()
    for c in constants:
        for x in (c, c - 1, c + 1, c - _CENT, c + _CENT, math.floor(c), math.ceil(c)):
            x = Fraction(x)
            if integer and x.denominator != 1:
                continue
            if not integer and (x * 100).denominator != 1:
                continue
            if inp.range is not None and x not in inp.range:
                continue
            out.add(_as_number(x))
    return sorted(out)


def _numbers(inp, constants, bounds: bool):
    """Exact numbers valid for a numeric input, ~30% of them at or next to the constants."""
    integer = inp.type == "integer"
    span = max((abs(c) for c in constants), default=0)
    lo, hi, unit = _grid(inp, integer, span)
    if lo > hi:  # a range too narrow for the grid, e.g. (0, 0.001): take an inner point
        r = inp.range
        return st.just(_as_number((Fraction(r.lo) + Fraction(r.hi)) / 2))
    if integer:
        base = st.integers(lo, hi)
    else:
        base = st.integers(lo, hi).map(lambda n: _as_number(Fraction(n) * unit))
        # mostly whole or one decimal place, as people write them
        whole_lo, whole_hi = math.ceil(lo * unit), math.floor(hi * unit)
        if whole_lo <= whole_hi:
            base = st.one_of(st.integers(whole_lo, whole_hi), base)
    near = _near(constants, inp, integer) if bounds else []
    if inp.range is not None:
        for end in (inp.range.lo, inp.range.hi):
            if end is not None:
                near = sorted(set(near) | set(_near([end], inp, integer)))
    if not near:
        return base

    @st.composite
    def draw_number(draw):
        if draw(st.integers(0, 99)) >= 100 - BOUND_SHARE:  # shrinks towards the plain branch
            return draw(st.sampled_from(near))
        return draw(base)

    return draw_number()


def _spelled(numbers):
    """Numbers, a quarter of them as decimal text, as they come from a spreadsheet."""

    @st.composite
    def draw_spelled(draw):
        value = draw(numbers)
        return _decimal_text(value) if draw(st.integers(0, 3)) == 3 else value

    return draw_spelled()


def _decimal_text(x) -> str:
    """Exact decimal text of an int or a Fraction (p/q when not a finite decimal)."""
    if type(x) is int:
        return str(x)
    x = Fraction(x)
    if x.denominator == 1:
        return str(x.numerator)
    den = x.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return f"{x.numerator}/{x.denominator}"
    places = max(twos, fives)
    scaled = abs(x) * 10**places
    digits = str(scaled.numerator).rjust(places + 1, "0")
    text = digits[:-places] + "." + digits[-places:]
    return ("-" if x < 0 else "") + text


def _dates(policy, constants):
    start, end = _period(policy)
    lo, hi = start - dt.timedelta(days=365), end + dt.timedelta(days=365)
    near = sorted({d + dt.timedelta(days=k) for d in constants for k in (-1, 0, 1)})
    base = st.dates(lo, hi)
    day = base if not near else st.one_of(st.sampled_from(near), base, base)
    return day.flatmap(
        lambda d: st.sampled_from(
            [
                d.isoformat(),
                d.isoformat(),
                d.isoformat(),
                d,
                f"{d.year}/{d.month}/{d.day}",
                f"{d.year}年{d.month}月{d.day}日",
            ]
        )
    )


_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz0123456789教师学校组一二三"


def _strings(texts):
    base = st.text(alphabet=_ALPHABET, min_size=1, max_size=8)
    return st.one_of(st.sampled_from(sorted(texts)), base) if texts else base


def _booleans():
    return st.sampled_from([True, False, True, False, True, False, "是", "否", 1, 0, "true", "false"])


def _enum(inp):
    values = list(inp.values)
    aliases = sorted(inp.aliases)
    if aliases:
        return st.one_of(st.sampled_from(values), st.sampled_from(values), st.sampled_from(aliases))
    return st.sampled_from(values)


def _list(policy, entity, inp, info, bounds):
    item = inp.items
    cap = min(MAX_LIST, inp.max_items if inp.max_items is not None else MAX_LIST)
    lengths = [st.integers(min(1, cap), min(SMALL_LIST, cap)), st.integers(min(1, cap), cap), st.integers(0, cap)]
    count_consts = [c for c in info["input_numbers"].get(inp.name, ()) if type(c) is int and 0 <= c <= cap]
    if bounds and count_consts:
        near = sorted({n for c in count_consts for n in (c - 1, c, c + 1) if 0 <= n <= cap})
        lengths.append(st.sampled_from(near))
    length = st.one_of(*lengths)
    constants = info["input_numbers"].get(inp.name, ())
    if item.type in ("integer", "number"):
        items = _numbers(item, constants, bounds)
    else:
        items = _scalar(policy, entity, item, info, bounds, constants=constants)

    @st.composite
    def draw_list(draw):
        n = draw(length)
        if n and draw(st.integers(0, 2)) == 0:  # the same value every day: means and ratios come out exact
            return [draw(items)] * n
        if n <= SMALL_LIST:
            return draw(st.lists(items, min_size=n, max_size=n))
        # a long list repeats a short pattern (a school week), which keeps drawing cheap
        motif = draw(st.lists(items, min_size=1, max_size=SMALL_LIST))
        return [motif[i % len(motif)] for i in range(n)]

    return draw_list()


def _scalar(policy, entity, inp, info, bounds, constants=None):
    kind = inp.type
    name = inp.name
    if constants is None:
        constants = info["input_numbers"].get(name, ())
    if kind in ("integer", "number"):
        return _spelled(_numbers(inp, constants, bounds))
    if kind == "boolean":
        return _booleans()
    if kind == "enum":
        return _enum(inp)
    if kind == "date":
        return _dates(policy, info["input_dates"].get(name, ()) if bounds else ())
    if kind == "list":
        return _list(policy, entity, inp, info, bounds)
    texts = set(info["input_texts"].get(name, ()))
    ent = policy.spec.entities[entity]
    if name == ent.key:  # an identifier: a few are enough (a rollout unit where there is a schedule)
        ids = [f"{entity[:1].upper()}{n:03d}" for n in range(1, 6)]
        if ent.schedule and ent.schedule in policy.spec.schedules:
            units = list(policy.spec.schedules[ent.schedule].units)
            return st.one_of(st.sampled_from(units), st.sampled_from(ids))
        return st.sampled_from(ids)
    return _strings(texts)


def records(policy: Policy, entity: str, *, bounds: bool = True) -> st.SearchStrategy[dict]:
    """A strategy of raw record dicts valid for ``entity`` of ``policy``.

    Required inputs are always given; inputs with a default are sometimes left out or
    empty; other inputs are given (a rule may need them). With ``bounds`` (the default),
    numbers lean towards the policy's tier bounds and constants, and a ratio input
    ``x / y`` is sometimes solved so that the ratio lands exactly on one of them.
    """
    spec = policy.spec.entities[entity]  # KeyError for an unknown entity
    info = _analysis(policy, entity)
    fields = {name: _scalar(policy, entity, inp, info, bounds) for name, inp in spec.inputs.items()}
    start, _ = _period(policy)

    @st.composite
    def draw_record(draw):
        record = {}
        for name, inp in spec.inputs.items():
            if inp.has_default and not inp.required:
                how = draw(st.integers(0, 19))
                if how < 3:
                    continue  # left out
                if how == 3:
                    record[name] = None  # empty
                    continue
            value = draw(fields[name])
            record[name] = value
        if bounds and info["ratios"] and draw(st.integers(0, 1)) == 0:
            numerator, denominator, targets = draw(st.sampled_from(info["ratios"]))
            target = draw(st.sampled_from(targets))
            nudge = draw(st.sampled_from([0, 0, 0, -1, 1]))
            solved = _solve_ratio(policy, entity, record, numerator, denominator, target, nudge, start)
            if solved is not None:
                record[denominator] = solved
        return record

    return draw_record()


def _solve_ratio(policy, entity, record, numerator, denominator, target, nudge, as_of):
    """The denominator input that puts ``numerator / denominator`` at ``target`` (then one
    step up or down), or None when that is not a valid value of the input."""
    inp = policy.spec.entities[entity].inputs[denominator]
    try:
        result = policy.evaluate(record, entity, as_of=as_of, trace=True, allow_outside=True)
        top = result.env[numerator]
    except Exception:
        return None
    if type(top) not in (int, Fraction) or top == 0:
        return None
    value = Fraction(top) / Fraction(target)
    unit = 1 if inp.type == "integer" else _CENT
    value += nudge * unit
    if (value / unit).denominator != 1:
        return None
    if inp.range is not None and value not in inp.range:
        return None
    return _as_number(value)


def as_of_dates(policy: Policy) -> st.SearchStrategy[dt.date]:
    """Evaluation days inside the policy's effective period, leaning to its deadlines."""
    start, end = _period(policy)
    constants = set()
    for name in policy.spec.entities:
        constants |= set(_analysis(policy, name)["dates"])
    near = sorted(
        {d + dt.timedelta(days=k) for d in constants for k in (-1, 0, 1) if start <= d + dt.timedelta(days=k) <= end}
        | {start, end}
    )
    base = st.dates(start, end)
    return st.one_of(base, st.sampled_from(near), base)


# --- ready-made properties ---------------------------------------------------------------------


def _evaluate(policy, entity, record, as_of, **options):
    """A Result, or None when the record is refused; anything else is a failure."""
    try:
        return policy.evaluate(record, entity, as_of=as_of, allow_outside=True, **options)
    except RecordError:
        return None
    except Exception as exc:
        raise PropertyFailure(
            f"evaluation raised {type(exc).__name__}: {exc}\n" + "".join(traceback.format_exception(exc)[-3:])
        ) from exc


def exactly_one_grade(policy: Policy, entity: str, record: dict, as_of: dt.date) -> None:
    """The record evaluates (or is refused with a RecordError) and gets exactly one of the
    entity's grades."""
    result = _evaluate(policy, entity, record, as_of)
    if result is None:
        return
    grade = policy.spec.entities[entity].grade
    if grade is None:
        if result.grade is not None:
            raise PropertyFailure(f"entity {entity} has no grades but the result has grade {result.grade!r}")
        return
    codes = [level.code for level in grade.all_levels]
    if result.grade not in codes:
        raise PropertyFailure(f"grade {result.grade!r} is not one of {codes}")


def deterministic(policy: Policy, entity: str, record: dict, as_of: dt.date) -> None:
    """Evaluating twice, with or without a trace, singly or in a batch, gives the same result."""
    first = _evaluate(policy, entity, record, as_of)
    if first is None:
        return
    again = _evaluate(policy, entity, record, as_of, trace=True)
    batch = next(iter(policy.evaluate_many([record], entity, as_of=as_of, allow_outside=True)))
    a, b, c = first.to_dict(), again.to_dict(), batch.to_dict()
    if a != b:
        raise PropertyFailure(f"two evaluations differ:\n{a}\n{b}")
    if a != c:
        raise PropertyFailure(f"evaluate and evaluate_many differ:\n{a}\n{c}")


def fast_equals_reference(policy: Policy, entity: str, record: dict, as_of: dt.date) -> None:
    """The entity's generated function, without a tracer (as batches run it) and with a
    full tracer (as ``--trace`` and ``explain`` run it), agrees with the simpleeval
    reference: the same results, the same traces, and a refused record refused by all
    three with exactly the same diagnostics."""
    outcomes: dict[str, Any] = {}  # a Result, or the RecordError that refused the record
    for label, mode, trace in (("batch", FAST, False), ("traced", FAST, True), ("reference", REFERENCE, True)):
        try:
            outcomes[label] = policy.evaluate(record, entity, as_of=as_of, allow_outside=True, mode=mode, trace=trace)
        except RecordError as exc:
            outcomes[label] = exc
    batch, traced, reference = outcomes["batch"], outcomes["traced"], outcomes["reference"]
    refused = [label for label, outcome in outcomes.items() if isinstance(outcome, RecordError)]
    if refused and len(refused) != 3:
        raise PropertyFailure(
            f"{', '.join(refused)} refuse(s) the record and the others do not: "
            + ", ".join(f"{k}={_short(v)}" for k, v in outcomes.items())
        )
    if refused:
        if not _diagnostics(batch) == _diagnostics(traced) == _diagnostics(reference):
            raise PropertyFailure(
                f"the paths refuse the record differently:\nbatch:     {_diagnostics(batch)}\n"
                f"traced:    {_diagnostics(traced)}\nreference: {_diagnostics(reference)}"
            )
        return
    a, b, c = batch.to_dict(trace=False), traced.to_dict(trace=False), reference.to_dict(trace=False)
    if not a == b == c:
        raise PropertyFailure(f"the evaluation paths differ:\nbatch:     {a}\ntraced:    {b}\nreference: {c}")
    if traced.to_dict(trace=True) != reference.to_dict(trace=True):
        raise PropertyFailure(
            f"the traces differ:\ntraced:    {traced.to_dict(trace=True)}\nreference: {reference.to_dict(trace=True)}"
        )
    seen, expected = _conditions(traced), _conditions(reference)
    if seen != expected:
        raise PropertyFailure(f"the conditions traced differ:\ntraced:    {seen}\nreference: {expected}")


def _conditions(result) -> list:
    """Every condition a full tracer recorded: (kind, rule, condition, held)."""
    return [(kind, element.rule, element.when.text, held) for kind, element, held in result.tracer.conditions]


def _diagnostics(exc: RecordError) -> list:
    return [(d.code, d.message, str(d.location), d.rule) for d in exc.diagnostics]


def _short(outcome):
    if isinstance(outcome, RecordError):
        return f"RecordError({outcome})"
    return f"grade {outcome.grade!r}"


def grade_agrees_with_condition(policy: Policy, entity: str, record: dict, as_of: dt.date) -> None:
    """The level given is the first whose condition holds (the fallback if none does)."""
    grade = policy.spec.entities[entity].grade
    if grade is None:
        return
    result = _evaluate(policy, entity, record, as_of, trace=True)
    if result is None:
        return
    env = result.env
    for level in grade.levels:
        try:
            held = bool(level.when.reference(env))
        except Exception as exc:
            raise PropertyFailure(f"level {level.code}: '{level.when.text}' cannot be evaluated again: {exc}") from exc
        if held:
            if result.level is not level:
                raise PropertyFailure(
                    f"'{level.when.text}' holds, so the grade should be {level.code}, not {result.grade}"
                )
            return
        if result.level is level:
            raise PropertyFailure(f"grade {level.code} given but its condition '{level.when.text}' does not hold")
    if result.level is not grade.otherwise:
        raise PropertyFailure(
            f"no level's condition holds, so the grade should be {grade.otherwise.code}, not {result.grade}"
        )


def scores_in_range(policy: Policy, entity: str, record: dict, as_of: dt.date) -> None:
    """Each reported tier value is one of its table's values."""
    spec = policy.spec.entities[entity]
    result = _evaluate(policy, entity, record, as_of)
    if result is None:
        return
    for name, score in result.scores.items():
        value = spec.values.get(name)
        if value is None or value.kind != "tiers" or score is None:
            continue
        allowed = [tier.value for tier in value.tiers]
        if score not in allowed:
            raise PropertyFailure(f"{name} = {score!r} is not one of its tier values {allowed}")


_OPS = {
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
}
_SYMBOL = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}


@functools.lru_cache(maxsize=64)
def _tier_conditions(policy, entity_name):
    """(tier value name, name it is over, comparison text, op, constant) for every comparison
    ``name op c`` in the entity whose ``c`` is a bound of a tier table over ``name``."""
    entity = policy.spec.entities[entity_name]
    tables = {}
    for vname, value in entity.values.items():
        if value.kind == "tiers" and isinstance(value.expr.tree, ast.Name):
            tables.setdefault(value.expr.tree.id, []).append(vname)
    out = []
    for expr, _ in _expressions(entity):
        for node, var, c, op in comparisons(expr.tree):
            for vname in tables.get(var, ()):
                bounds = {
                    x for t in entity.values[vname].tiers for x in (t.interval.lo, t.interval.hi) if x is not None
                }
                if c in bounds:
                    text = ast.get_source_segment(expr.text, node) or expr.text
                    out.append((vname, var, text, op, c))
    return tuple(out)


def _inside(interval):
    """A number strictly inside an interval."""
    lo, hi = interval.lo, interval.hi
    if lo is not None and hi is not None:
        return Fraction(lo + hi) / 2
    if lo is not None:
        return lo + 1
    if hi is not None:
        return hi - 1
    return 0


def tiers_agree_with_conditions(policy: Policy, entity: str, record: dict, as_of: dt.date) -> None:
    """Where a condition compares a value with a bound of a tier table over that value
    (``usage_ratio >= 0.40`` beside the tier ``[0.40, 0.50)``), the condition is the same
    for every number of the tier the value falls in: the table and the condition read the
    document's 以上/以下 the same way."""
    checks = _tier_conditions(policy, entity)
    if not checks:
        return
    result = _evaluate(policy, entity, record, as_of, trace=True)
    if result is None:
        return
    spec = policy.spec.entities[entity]
    env = result.env
    for vname, var, text, op, c in checks:
        try:
            x = env[var]
        except Exception:
            continue
        if type(x) not in (int, Fraction):
            continue
        tier = next((t for t in spec.values[vname].tiers if x in t.interval), None)
        if tier is None:
            continue
        inner = _inside(tier.interval)
        here, there = _OPS[op](x, c), _OPS[op](inner, c)
        if here != there:
            raise PropertyFailure(
                f"{var} = {_decimal_text(x)} falls in tier {tier.interval} of {vname} (value {tier.value!r}, "
                f"rule {tier.rule}), but '{text}' is {here} there and {there} elsewhere in that tier: "
                f"the condition and the tier table read the bound {_decimal_text(c)} differently"
            )


def _steps(inp):
    return [1] if inp.type == "integer" else [_CENT, 1]


def _moved(inp, value, sign):
    """Values of a numeric input one step up (sign 1) or down (-1), within its range."""
    out = []
    for step in _steps(inp):
        x = _as_number(Fraction(value) + sign * step)
        if inp.range is None or x in inp.range:
            out.append(x)
    return out


def _moved_lists(inp, items, sign, *, same_length=False):
    """Lists of numbers with more (sign 1) or less (-1): one item added or removed, every
    item one step up or down within the items' range, or every item at the top (bottom) of it."""
    item = inp.items
    out = []
    if same_length:
        pass
    elif sign > 0:
        top = item.range.hi if item.range is not None and item.range.hi is not None else None
        if top is not None and not item.range.hi_closed:
            top = top - (1 if item.type == "integer" else _CENT)
        if top is None:
            top = max([*items, 10]) + 1
        if (inp.max_items is None or len(items) < inp.max_items) and (item.range is None or top in item.range):
            out.append([*items, _as_number(Fraction(top))])
    elif items:
        lowest = min(range(len(items)), key=lambda i: items[i])
        out.append(items[:lowest] + items[lowest + 1 :])
    for step in _steps(item):
        moved = []
        for x in items:
            y = _as_number(Fraction(x) + sign * step)
            moved.append(y if item.range is None or y in item.range else x)
        if moved != list(items):
            out.append(moved)
    # and every item at the far end of its range: a step moves a mean by one point, so a
    # promise about a mean is seldom tested near its bound; the far end crosses every bound
    end = _far_end(item, items, sign)
    if end is not None and items and any(x != end for x in items):
        out.append([end] * len(items))
    return out


def _far_end(item, items, sign):
    """The highest (sign 1) or lowest (-1) value an item of a list may take, or ten past the
    list's own items when its range is open on that side."""
    rng = item.range
    unit = 1 if item.type == "integer" else _CENT
    if sign > 0:
        if rng is not None and rng.hi is not None:
            return _as_number(Fraction(rng.hi) - (0 if rng.hi_closed else unit))
        return _as_number(Fraction(max([*items, 0])) + 10) if items else None
    if rng is not None and rng.lo is not None:
        return _as_number(Fraction(rng.lo) + (0 if rng.lo_closed else unit))
    return _as_number(Fraction(min([*items, 0])) - 10) if items else None


def monotonic(
    policy: Policy,
    entity: str,
    record: dict,
    as_of: dt.date,
    *,
    input: str | None = None,
    direction: str = "increasing",
) -> None:
    """Raising an input (``direction: increasing``) never lowers the grade rank; lowering it
    (``decreasing``) never lowers it either. A number moves one step (1, or 0.01 and 1); a
    list of numbers gains an item at the top of its range or has every item raised a step.
    Grades without a rank (exempt, not covered) are skipped. Without ``input``, every
    ``monotonic`` entry of the policy's ``properties:`` for this entity is checked."""
    if input is None:
        for prop in policy.spec.properties:
            if prop.get("kind") == "monotonic" and prop.get("entity") == entity:
                monotonic(
                    policy, entity, record, as_of, input=prop["input"], direction=prop.get("direction", "increasing")
                )
        return
    spec = policy.spec.entities[entity]
    inp = spec.inputs[input]
    ranks = grade_ranks(spec)
    before = _evaluate(policy, entity, record, as_of, trace=True)
    if before is None or before.grade not in ranks:
        return
    value = before.env.get(input)
    if value is None:
        return
    sign = 1 if direction == "increasing" else -1
    if inp.type in ("integer", "number"):
        changes = _moved(inp, value, sign)
    elif inp.type == "list" and inp.items is not None and inp.items.type in ("integer", "number"):
        changes = _moved_lists(inp, list(value), sign)
    else:
        raise PropertyFailure(f"monotonic: input {input} is neither a number nor a list of numbers")
    key = "cli.check.monotonic/" + ("raising" if sign > 0 else "lowering")

    def compare(lower, higher, lower_record_value, higher_record_value):
        """The grade at ``higher`` must not be worse than at ``lower`` (both Results)."""
        if ranks[higher.grade] < ranks[lower.grade]:
            raise PropertyFailure(
                Problem(
                    key,
                    input=input,
                    start=json_ready(lower_record_value),
                    end=json_ready(higher_record_value),
                    before=lower.grade,
                    after=higher.grade,
                    direction=direction,
                )
            )

    for changed in changes:
        after = _evaluate(policy, entity, {**record, input: changed}, as_of)
        if after is not None and after.grade in ranks:
            compare(before, after, value, changed)
    # and the moves that arrive at the record's value (a record on a bound catches a bound read
    # the wrong way; a failing record is as good a start as a passing one)
    if inp.type in ("integer", "number"):
        earlier_values = _moved(inp, value, -sign)
    else:  # items moved, the length kept: adding or removing an item is no move back
        earlier_values = _moved_lists(inp, list(value), -sign, same_length=True)
    for earlier in earlier_values:
        prior = _evaluate(policy, entity, {**record, input: earlier}, as_of)
        if prior is not None and prior.grade in ranks:
            compare(prior, before, earlier, value)


#: The ready-made properties ``check`` runs on every entity, by name.
PROPERTIES = {
    "exactly_one_grade": exactly_one_grade,
    "deterministic": deterministic,
    "fast_equals_reference": fast_equals_reference,
    "grade_agrees_with_condition": grade_agrees_with_condition,
    "scores_in_range": scores_in_range,
    "tiers_agree_with_conditions": tiers_agree_with_conditions,
}


# --- running them ------------------------------------------------------------------------------


def json_ready(value: Any) -> Any:
    """A record (or value) as JSON-ready data: numbers exact (Fractions as decimal text),
    dates as ISO text."""
    if type(value) is Fraction:
        return _as_number(value) if value.denominator == 1 else _decimal_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    return value


@dataclass
class CheckFailure:
    """A property that does not hold, with its shrunk counterexample."""

    property: str
    entity: str
    record: dict | None
    as_of: str | None
    message: str
    problem: Problem | None = field(default=None, compare=False)  # the message, when it is catalogued

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` ("zh" or "en")."""
        return self.problem.render(lang) if self.problem is not None else self.message

    def to_dict(self) -> dict:
        return {
            "property": self.property,
            "entity": self.entity,
            "record": self.record,
            "as_of": self.as_of,
            "message": self.message,
        }


def _applies(name, policy, entity) -> bool:
    spec = policy.spec.entities[entity]
    if name == "grade_agrees_with_condition":
        return spec.grade is not None
    if name == "scores_in_range":
        return any(v.kind == "tiers" and v.report for v in spec.values.values())
    if name == "tiers_agree_with_conditions":
        return bool(_tier_conditions(policy, entity))
    return True


def _declared(policy, entities):
    """The policy's monotonic properties as (name, entity, function), and problems with them."""
    out, problems = [], []
    for index, prop in enumerate(policy.spec.properties, 1):
        if not isinstance(prop, dict) or prop.get("kind") != "monotonic":
            continue
        entity, name = prop.get("entity"), prop.get("input")
        direction = prop.get("direction", "increasing")
        label = f"monotonic({name}, {direction})"
        spec = policy.spec.entities.get(entity)
        if spec is None:
            problems.append(
                CheckFailure(
                    label, str(entity), None, None, f"properties[{index}]: the policy has no entity '{entity}'"
                )
            )
            continue
        if entities is not None and entity not in entities:
            continue
        inp = spec.inputs.get(name)
        numeric = inp is not None and (
            inp.type in ("integer", "number")
            or (inp.type == "list" and inp.items is not None and inp.items.type in ("integer", "number"))
        )
        if not numeric:
            problems.append(
                CheckFailure(
                    label, entity, None, None, f"properties[{index}]: '{name}' is not a numeric input of {entity}"
                )
            )
            continue
        if direction not in ("increasing", "decreasing"):
            problems.append(
                CheckFailure(
                    label, entity, None, None, f"properties[{index}]: direction must be increasing or decreasing"
                )
            )
            continue
        out.append((label, entity, functools.partial(monotonic, input=name, direction=direction)))
    return out, problems


def run_property(
    policy: Policy,
    entity: str,
    prop: Callable[[Policy, str, dict, dt.date], None],
    *,
    name: str | None = None,
    seed: int = 0,
    max_examples: int = 200,
    bounds: bool = True,
) -> CheckFailure | None:
    """Run one property under hypothesis; None if it holds, else a :class:`CheckFailure`
    with the shrunk counterexample."""
    shown = name or str(getattr(prop, "__name__", "property"))
    last: dict[str, Any] = {}

    @settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        derandomize=False,
        report_multiple_bugs=False,
        print_blob=False,
        phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis_seed(seed)
    @given(record=records(policy, entity, bounds=bounds), as_of=as_of_dates(policy))
    def test(record, as_of):
        try:
            prop(policy, entity, record, as_of)
        except PropertyFailure as exc:
            last.update(record=record, as_of=as_of, message=str(exc), problem=exc.problem)
            raise
        except Exception as exc:
            last.update(
                record=record,
                as_of=as_of,
                message=f"{type(exc).__name__}: {exc}\n" + "".join(traceback.format_exception(exc)[-3:]),
            )
            raise

    try:
        test()
    except Exception as exc:
        if not last:
            return CheckFailure(shown, entity, None, None, f"{type(exc).__name__}: {exc}")
        return CheckFailure(
            shown,
            entity,
            json_ready(last["record"]),
            last["as_of"].isoformat(),
            last["message"],
            last.get("problem"),
        )
    return None


def check(
    policy: Policy,
    *,
    seed: int = 0,
    max_examples: int = 200,
    entities: Sequence[str] | None = None,
    properties: Sequence[str] | None = None,
    progress: Callable[[list, int], Iterable] | None = None,
) -> list[CheckFailure]:
    """Run the ready-made properties on each entity (or those named), and the policy's own
    ``properties:``; return the failures, each with its shrunk counterexample. ``progress``
    (the command line's bar) wraps the list of properties to run, given with its length."""
    names = list(policy.spec.entities) if entities is None else list(entities)
    for entity in names:
        policy.runtime(entity)  # a KaoheError naming the entities for an unknown one
    chosen = PROPERTIES if properties is None else {k: PROPERTIES[k] for k in properties}
    failures = []
    declared, problems = _declared(policy, None if entities is None else set(names))
    failures.extend(problems)
    runs = [
        (pname, entity, prop) for entity in names for pname, prop in chosen.items() if _applies(pname, policy, entity)
    ]
    runs.extend(declared)
    for label, entity, prop in progress(runs, len(runs)) if progress is not None else runs:
        failure = run_property(policy, entity, prop, name=label, seed=seed, max_examples=max_examples)
        if failure is not None:
            failures.append(failure)
    return failures


def level_witness(policy: Policy) -> Callable[[Entity, Level, Level], dict | None]:
    """A witness search for ``lint``: given an entity, a grade level and an earlier level that
    shadows it, a generated record that meets the level's condition and gets the earlier grade
    (the proof, as an officer can try it), or None where none is found."""
    from hypothesis import find
    from hypothesis.errors import NoSuchExample

    from ..base.errors import KaoheError

    def witness(entity, level, earlier) -> dict | None:
        def shows_it(record) -> bool:
            try:
                result = policy.evaluate(record, entity.name, trace=True, allow_outside=True)
                return result.grade == earlier.code and bool(level.when.fast(result.env))
            except (KaoheError, ArithmeticError, TypeError, ValueError):
                return False

        try:
            found = find(
                records(policy, entity.name),
                shows_it,
                settings=settings(
                    max_examples=400, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
                ),
            )
        except NoSuchExample:
            return None
        return json_ready(found)

    return witness
