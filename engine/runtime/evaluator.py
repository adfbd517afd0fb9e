"""Evaluating one record of an entity into a :class:`Result`. Pure: no I/O.

Values are computed lazily and once per record: the environment is a dict of the
record's inputs whose missing keys are derived values, computed on first use in the
policy's dependency order. A derived value that no decision needs is never computed,
so an exempt teacher needs no usage data.

Two modes share everything but the expression walker: ``fast`` (compiled functions,
the default) and ``reference`` (simpleeval), which the tests hold equal.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from fractions import Fraction

from ..base.errors import Diagnostic, RecordError
from ..language.expressions import EvalFailure, failure_problem
from ..language.kinds import build_coercer
from ..language.model import Entity, PolicySpec, Value
from .modes import FAILURES, FAST, REFERENCE
from .result import Result

__all__ = ["FAST", "REFERENCE", "EntityRuntime"]


class _TierTable:
    """Lookup in a checked tier table (no gaps, no overlaps), comparing exact numbers by
    cross-multiplying integers; other values (dates) by bisection."""

    __slots__ = ("bounds", "closed_up", "inside", "ints", "tiers")

    def __init__(self, tiers):
        self.tiers = tiers
        # bounds[i] is the lower end of tiers[i + 1]; closed_up[i]: that end belongs to it
        self.bounds = [t.interval.lo for t in tiers[1:]]
        self.closed_up = [t.interval.lo_closed for t in tiers[1:]]
        self.inside = [t.interval.predicate() for t in tiers]
        self.ints = [(b.numerator, b.denominator, up) for b, up in zip(self.bounds, self.closed_up)]

    def index(self, x) -> int:
        kind = type(x)
        if kind is int or kind is Fraction:
            n, d = (x, 1) if kind is int else (x.numerator, x.denominator)
            i = 0
            for b_n, b_d, up in self.ints:
                c = n * b_d - b_n * d
                if c > 0 or (c == 0 and up):
                    i += 1
                else:
                    break
        else:
            i = bisect_right(self.bounds, x)
            if i and x == self.bounds[i - 1] and not self.closed_up[i - 1]:
                i -= 1
        if not self.inside[i](x):
            raise EvalFailure("eval.no-tier", value=_show(x))
        return i


def _tier_fn(of, index, values):
    return lambda env: values[index(of(env))]


def _show(x):
    from ..base.numbers import format_number

    return format_number(x) if isinstance(x, (int, Fraction)) else repr(x)


class _Env(dict):
    """A record's names: its inputs, then derived values computed on first use."""

    __slots__ = ("fns", "members", "mode", "rt")

    def __missing__(self, name):
        fn = self.fns.get(name)
        if fn is None:  # the reference mode, an aggregate, or a missing input
            return self.rt.compute(self, name)
        try:
            result = fn(self)
        except RecordError:
            raise
        except FAILURES as exc:
            raise self.rt.failure(name, exc) from None
        self[name] = result
        return result


class EntityRuntime:
    """Everything one entity needs at evaluation time, prepared once when the policy loads."""

    def __init__(self, spec: PolicySpec, entity: Entity, runtimes: dict):
        self.spec = spec
        self.entity = entity
        self.runtimes = runtimes  # all entities' runtimes, for members
        self.coercers = [(name, build_coercer(inp), inp) for name, inp in entity.inputs.items()]
        self.values = entity.values
        self.tables = {n: _TierTable(v.tiers) for n, v in entity.values.items() if v.kind == "tiers"}
        # the fast path: one function per derived value, called straight from the environment
        self.fast_fns = {}
        for n, v in entity.values.items():
            if v.kind == "expr":
                self.fast_fns[n] = v.expr.fast
            elif v.kind == "tiers":
                self.fast_fns[n] = _tier_fn(v.expr.fast, self.tables[n].index, tuple(t.value for t in v.tiers))
        self.levels = entity.grade.levels if entity.grade else ()
        self.otherwise = entity.grade.otherwise if entity.grade else None
        self.consequences = entity.consequences
        self.reported = entity.reported
        self.key = entity.key
        self.schedule = spec.schedules.get(entity.schedule) if entity.schedule else None
        self._fused = self._fused_source = None  # the batch function, generated on first use

    @property
    def fused(self):
        """The batch path: the whole entity as one generated function (engine/fused.py),
        ``fused(record, as_of, members) -> Result``. Generated the first time a batch needs
        it, so commands that never evaluate this entity (validate, lint, another entity)
        do not pay for it."""
        if self._fused is None:
            from .fused import compile_entity

            try:
                self._fused, self._fused_source = compile_entity(self)
            except (SyntaxError, RecursionError, MemoryError, ValueError) as exc:
                # a policy beyond what one generated function can hold (CPython's limits):
                # batches take the lazy path, which gives the same results, more slowly
                import warnings

                warnings.warn(
                    f"kaohe: entity {self.entity.name} is evaluated without its batch function "
                    f"({type(exc).__name__}: {exc})",
                    RuntimeWarning,
                    stacklevel=2,
                )
                self._fused = lambda record, as_of, members: self.evaluate(record, FAST, as_of, members, True)
                self._fused_source = ""
        return self._fused

    @property
    def fused_source(self) -> str:
        """The Python source of :attr:`fused`, for reading what runs."""
        self.fused  # noqa: B018 - generates it if needed
        return self._fused_source

    # -- inputs -------------------------------------------------------------------------------
    def read(self, record: dict, index=None) -> tuple[dict, list]:
        """The record's inputs, coerced; and the problems found (all of them)."""
        env = _Env()
        problems = []
        get = record.get
        for name, coerce, inp in self.coercers:
            raw = get(name)
            if raw is None or raw == "":
                if inp.has_default:
                    env[name] = inp.default
                elif inp.required:
                    problems.append(self.missing_problem(name))
                continue
            try:
                env[name] = coerce(raw)
            except ValueError as exc:
                problems.append(self.invalid_problem(name, exc))
        return env, problems

    # -- the errors both evaluation paths raise (engine/fused.py calls these too) ----------------
    def missing_problem(self, name) -> Diagnostic:
        return self._field_problem(name, "record.missing")

    def invalid_problem(self, name, exc) -> Diagnostic:
        return self._field_problem(name, "record.invalid", reason=exc)

    def needed_error(self, name) -> RecordError:
        """An optional input the record leaves empty, read by a rule."""
        return RecordError(self._field_problem(name, "record.missing/needed"))

    def no_members_error(self, name) -> RecordError:
        value = self.values[name]
        entity = self.entity.name
        return RecordError(Diagnostic.of("record.members", value.location, rule=value.rule, name=name, entity=entity))

    def undecided_error(self, exc) -> RecordError:
        return RecordError(Diagnostic.of("record.compute/decide", self.entity.location, reason=failure_problem(exc)))

    def _field_problem(self, name, key, **params):
        inp = self.entity.inputs[name]
        label = inp.label.zh
        if label == name:
            key += "/unlabelled"
        return Diagnostic.of(key, inp.location, evidence={"field": name}, field=name, label=label, **params)

    # -- derived values ---------------------------------------------------------------------
    def compute(self, env: _Env, name: str):
        value = self.values.get(name)
        if value is None:
            if name in self.entity.inputs:
                raise self.needed_error(name)
            raise RecordError(Diagnostic.of("record.name", self.entity.location, name=name))
        try:
            if value.kind == "expr":
                result = value.expr.fast(env) if env.mode is FAST else value.expr.reference(env)
            elif value.kind == "tiers":
                x = value.expr.fast(env) if env.mode is FAST else value.expr.reference(env)
                result = value.tiers[self.tables[name].index(x)].value
            else:
                if env.members is None:
                    raise self.no_members_error(name)
                result = self.aggregate(env.members, env.mode, value)
        except RecordError:
            raise
        except FAILURES as exc:
            raise self.failure(name, exc) from None
        env[name] = result
        return result

    def failure(self, name, exc) -> RecordError:
        value = self.values[name]
        return RecordError(
            Diagnostic.of("record.compute", value.location, rule=value.rule, name=name, reason=failure_problem(exc))
        )

    def aggregate(self, members, mode, value: Value):
        """An aggregate over the member environments (each evaluated already)."""
        where, over = value.where, value.over
        failing = getattr(members, "failing", 0)  # rejected members counted as failing (MemberEnvs)
        pick = []
        for member in members:
            if where is not None and not (where.fast(member) if mode is FAST else where.reference(member)):
                continue
            pick.append(member)
        fn = value.aggregate
        if fn == "count":
            if over is None:
                return len(pick) + failing
            return sum(1 for m in pick if (over.fast(m) if mode is FAST else over.reference(m)))
        items = [over.fast(m) if mode is FAST else over.reference(m) for m in pick]
        if fn == "share":  # among the members 'where' keeps
            if not pick and not failing:
                raise EvalFailure("eval.share-of-none", name=value.name)
            return Fraction(sum(1 for x in items if x), len(pick) + failing)
        if fn == "sum":
            return sum(items)
        if fn in ("mean", "min", "max") and not items:
            return None  # nothing to aggregate: the value is missing
        if fn == "mean":
            total = Fraction(sum(items), len(items))
            return total.numerator if total.denominator == 1 else total
        if fn == "min" or fn == "max":
            return min(items) if fn == "min" else max(items)
        if fn == "all":
            return all(items) and not failing
        if fn == "any":
            return any(items)
        if fn == "distinct":
            return len(set(items))
        return items  # list

    # -- one record ---------------------------------------------------------------------------
    def evaluate(self, record, mode=FAST, as_of: dt.date | None = None, members=None, trace=False) -> Result:
        """Evaluate one record; raise RecordError for a bad record."""
        if not isinstance(record, dict):
            raise RecordError(Diagnostic.of("record.shape", self.entity.location, kind=type(record).__name__))
        if members is not None and self.entity.member_inputs:
            record = dict(record)
            try:
                for name, value in self.entity.member_inputs.items():
                    if record.get(name) in (None, ""):
                        record[name] = self.aggregate(members, mode, value)
            except RecordError:
                raise
            except FAILURES as exc:
                raise RecordError(
                    Diagnostic.of(
                        "record.compute/members",
                        value.location,
                        rule=value.rule,
                        name=name,
                        reason=failure_problem(exc),
                    )
                ) from None
        if mode is FAST and not trace:
            return self.fused(record, as_of, members)
        env, problems = self.read(record)
        if problems:
            raise RecordError(problems)
        env.rt, env.mode, env.members = self, mode, members
        env.fns = self.fast_fns if mode is FAST else {}
        env["as_of"] = as_of
        if self.schedule is not None:
            env.update(self.schedule.place(env.get(self.key)))
        level = None
        fast = mode is FAST
        try:
            if self.otherwise is not None:
                for candidate in self.levels:
                    if candidate.when.fast(env) if fast else candidate.when.reference(env):
                        level = candidate
                        break
                else:
                    level = self.otherwise
                env["grade"] = level.code
            fired = []
            for cons in self.consequences:
                if cons.when.fast(env) if fast else cons.when.reference(env):
                    if cons.amount is not None:
                        amount = (
                            cons.amount.constant
                            if cons.amount.is_constant
                            else (cons.amount.fast(env) if fast else cons.amount.reference(env))
                        )
                        fired.append((cons, amount))
                    else:
                        fired.append((cons, None))
        except RecordError:
            raise
        except FAILURES as exc:
            raise self.undecided_error(exc) from None
        scores = {}
        for name in self.reported:
            try:
                scores[name] = env[name]
            except RecordError as exc:
                if exc.first.code != "record.missing":
                    raise  # a value that cannot be computed rejects the record, reported or not
                scores[name] = None  # needs an input the record need not give (e.g. an exempt teacher)
        return Result(self.spec, self.entity, record.get(self.key), level, fired, scores, env if trace else None)
