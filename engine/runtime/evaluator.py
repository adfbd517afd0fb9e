"""What one entity needs at evaluation time, prepared when the policy loads. Pure: no I/O.

An :class:`EntityRuntime` holds the entity's input coercers and tier tables, the errors a
record can be refused with, and the entity's one generated function
(:mod:`engine.runtime.fused`), which evaluates every record, with or without a tracer
(:mod:`engine.runtime.tracers`). There is no other production path: the simpleeval
reference (:mod:`engine.runtime.reference`) is the test oracle.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any

from ..base.errors import Diagnostic, RecordError
from ..language.expressions import EvalFailure, failure_problem
from ..language.kinds import build_coercer
from ..language.model import Entity, PolicySpec, Value
from .fused import compile_entity
from .modes import FAILURES
from .result import Result
from .tracers import Tracer

__all__ = ["EntityRuntime", "TierTable"]


class TierTable:
    """Lookup in a checked tier table (no gaps, no overlaps), comparing exact numbers by
    cross-multiplying integers; other values (dates) by bisection."""

    __slots__ = ("bounds", "closed_up", "inside", "ints", "tiers")

    def __init__(self, tiers: Sequence) -> None:
        self.tiers = tiers
        # bounds[i] is the lower end of tiers[i + 1]; closed_up[i]: that end belongs to it
        self.bounds = [t.interval.lo for t in tiers[1:]]
        self.closed_up = [t.interval.lo_closed for t in tiers[1:]]
        self.inside = [t.interval.predicate() for t in tiers]
        self.ints = [(b.numerator, b.denominator, up) for b, up in zip(self.bounds, self.closed_up)]

    def index(self, x: Any) -> int:
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


def _show(x):
    from ..base.numbers import format_number

    return format_number(x) if isinstance(x, (int, Fraction)) else repr(x)


class EntityRuntime:
    """Everything one entity needs at evaluation time, prepared once when the policy loads:
    its generated function included, so a loaded policy is immutable and evaluating from
    many threads at once is safe from the first call."""

    def __init__(self, spec: PolicySpec, entity: Entity, runtimes: dict):
        self.spec = spec
        self.entity = entity
        self.runtimes = runtimes  # all entities' runtimes, for members
        self.coercers = [(name, build_coercer(inp), inp) for name, inp in entity.inputs.items()]
        self.values = entity.values
        self.tables = {n: TierTable(v.tiers) for n, v in entity.values.items() if v.kind == "tiers"}
        self.levels = entity.grade.levels if entity.grade else ()
        self.otherwise = entity.grade.otherwise if entity.grade else None
        self.consequences = entity.consequences
        self.reported = entity.reported
        self.key = entity.key
        self.schedule = spec.schedules.get(entity.schedule) if entity.schedule else None
        self.fused, self.fused_source = compile_entity(self)
        """``fused(record, as_of, members, tracer) -> Result``: the whole entity as one
        generated function, and its Python source, for reading what runs."""

    # -- inputs -------------------------------------------------------------------------------
    def read(self, record: dict) -> tuple[dict, list]:
        """The record's inputs, coerced; and the problems found (all of them)."""
        env: dict = {}
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

    # -- the errors a record is refused with (the generated function calls these) -----------
    def missing_problem(self, name: str) -> Diagnostic:
        return self._field_problem(name, "record.missing")

    def invalid_problem(self, name: str, exc: object) -> Diagnostic:
        return self._field_problem(name, "record.invalid", reason=exc)

    def needed_error(self, name: str) -> RecordError:
        """An optional input the record leaves empty, read by a rule."""
        return RecordError(self._field_problem(name, "record.missing/needed"))

    def no_members_error(self, name: str) -> RecordError:
        value = self.values[name]
        entity = self.entity.name
        return RecordError(Diagnostic.of("record.members", value.location, rule=value.rule, name=name, entity=entity))

    def undecided_error(self, exc: BaseException) -> RecordError:
        return RecordError(Diagnostic.of("record.compute/decide", self.entity.location, reason=failure_problem(exc)))

    def shape_error(self, record: object) -> RecordError:
        return RecordError(Diagnostic.of("record.shape", self.entity.location, kind=type(record).__name__))

    def member_input_error(self, name: str, value: Value, exc: BaseException) -> RecordError:
        return RecordError(
            Diagnostic.of(
                "record.compute/members", value.location, rule=value.rule, name=name, reason=failure_problem(exc)
            )
        )

    def _field_problem(self, name, key, **params):
        inp = self.entity.inputs[name]
        label = inp.label.zh
        if label == name:
            key += "/unlabelled"
        return Diagnostic.of(key, inp.location, evidence={"field": name}, field=name, label=label, **params)

    def failure(self, name: str, exc: BaseException) -> RecordError:
        value = self.values[name]
        return RecordError(
            Diagnostic.of("record.compute", value.location, rule=value.rule, name=name, reason=failure_problem(exc))
        )

    # -- aggregates over members ----------------------------------------------------------------
    def aggregate(self, members: Iterable[dict], value: Value) -> Any:
        """An aggregate over the member environments (each evaluated already)."""
        where, over = value.where, value.over
        failing = getattr(members, "failing", 0)  # rejected members counted as failing (MemberEnvs)
        pick = [m for m in members if where.fast(m)] if where is not None else list(members)
        fn = value.aggregate
        if fn == "count":
            if over is None:
                return len(pick) + failing
            return sum(1 for m in pick if over.fast(m))
        assert over is not None, "an aggregate but count reads a value"
        items = [over.fast(m) for m in pick]
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
    def evaluate(
        self,
        record: Any,
        as_of: dt.date | None = None,
        members: Iterable[dict] | None = None,
        tracer: Tracer | None = None,
    ) -> Result:
        """Evaluate one record with the generated function, reporting to ``tracer`` if
        given; raise RecordError for a bad record."""
        if not isinstance(record, dict):
            raise self.shape_error(record)
        if members is not None and self.entity.member_inputs:
            record = dict(record)
            for name, value in self.entity.member_inputs.items():
                if record.get(name) in (None, ""):
                    try:
                        record[name] = self.aggregate(members, value)
                    except RecordError:
                        raise
                    except FAILURES as exc:
                        raise self.member_input_error(name, value, exc) from None
        return self.fused(record, as_of, members, tracer)
