"""The reference evaluation: the test oracle, never a production path.

It evaluates a record as plainly as possible, with simpleeval walking each checked tree
(:meth:`Expression.reference`, which defines the semantics), tier rows found by testing
each row's interval, and aggregates walked the same way. It shares nothing with the
generated function (:mod:`engine.runtime.fused`) but the input coercers and the wording
of the errors, so the tests that hold the two equal (results, refusals and traces) catch
a mistake in either. ``Policy.evaluate(..., mode=REFERENCE)`` reaches it; the CLI and
batches never do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from ..base.errors import RecordError
from ..language.expressions import EvalFailure
from ..language.model import Value
from .modes import FAILURES
from .result import Result
from .tracers import FullTracer, TracedEnv

__all__ = ["evaluate_reference"]


def evaluate_reference(
    rt: Any, record: dict, as_of: dt.date | None = None, members: Iterable[dict] | None = None
) -> Result:
    """Evaluate one record of ``rt``'s entity with simpleeval; the Result carries a
    :class:`FullTracer` with the facts found on the way (so its trace can be compared)."""
    if not isinstance(record, dict):
        raise rt.shape_error(record)
    entity = rt.entity
    if members is not None and entity.member_inputs:
        record = dict(record)
        for name, value in entity.member_inputs.items():
            if record.get(name) in (None, ""):
                try:
                    record[name] = _aggregate(members, value)
                except RecordError:
                    raise
                except FAILURES as exc:
                    raise rt.member_input_error(name, value, exc) from None
    inputs, problems = rt.read(record)
    if problems:
        raise RecordError(problems)
    env = TracedEnv(inputs)
    fails: dict = {}
    env.rt, env.fails = rt, fails
    env["as_of"] = as_of
    if rt.schedule is not None:
        env.update(rt.schedule.place(env.get(rt.key)))
    tracer = FullTracer()  # filled here, from what this evaluation saw, not by its calls
    for name, value in entity.values.items():
        try:
            if value.kind == "expr":
                result = value.expr.reference(env)
            elif value.kind == "tiers":
                x = value.expr.reference(env)
                rows = [tier for tier in value.tiers if x in tier.interval]
                if len(rows) != 1:
                    raise EvalFailure(f"{_show(x)} is outside every tier of the table")
                tracer.tiers[name] = (x, rows[0])
                result = rows[0].value
            elif members is None:
                raise rt.no_members_error(name)
            else:
                result = _aggregate(members, value)
        except RecordError as exc:
            fails[name] = exc
            continue
        except FAILURES as exc:
            fails[name] = rt.failure(name, exc)
            continue
        env[name] = result
    tracer.env = env
    level = None
    fired = []
    try:
        if entity.grade is not None:
            level = entity.grade.otherwise
            for candidate in entity.grade.levels:
                held = bool(candidate.when.reference(env))
                tracer.conditions.append(("grade", candidate, held))
                if held:
                    level = candidate
                    break
            env["grade"] = level.code
        for cons in entity.consequences:
            held = bool(cons.when.reference(env))
            tracer.conditions.append(("consequence", cons, held))
            if held:
                amount = None
                if cons.amount is not None:
                    amount = cons.amount.constant if cons.amount.is_constant else cons.amount.reference(env)
                fired.append((cons, amount))
    except RecordError:
        raise
    except FAILURES as exc:
        raise rt.undecided_error(exc) from None
    tracer.level, tracer.fired = level, fired
    scores = {}
    for name in entity.reported:
        if name in env:
            scores[name] = env[name]
        elif isinstance(fails.get(name), RecordError) and fails[name].first.code != "record.missing":
            raise fails[name]  # a value that cannot be computed rejects the record, reported or not
        else:
            scores[name] = None  # needs an input the record need not give
    return Result(rt.spec, entity, record.get(rt.key), level, fired, scores, tracer)


def _aggregate(members, value: Value):
    """An aggregate over member environments, by the reference walker. ``members.failing``
    (if any) counts rejected members that meet no condition."""
    failing = getattr(members, "failing", 0)
    where, over, fn = value.where, value.over, value.aggregate
    pick = list(members) if where is None else [m for m in members if where.reference(m)]
    if fn == "count" and over is None:
        return len(pick) + failing
    assert over is not None, "an aggregate but count reads a value"
    if fn == "count":
        return len([m for m in pick if over.reference(m)])
    items: list[Any] = [over.reference(m) for m in pick]
    if fn == "share":
        if len(pick) + failing == 0:
            raise EvalFailure(f"{value.name}: share of no members")
        return Fraction(len([x for x in items if x]), len(pick) + failing)
    if fn == "sum":
        return sum(items)
    if fn in ("mean", "min", "max"):
        if not items:
            return None
        if fn == "mean":
            mean = Fraction(sum(items), len(items))
            return mean.numerator if mean.denominator == 1 else mean
        return min(items) if fn == "min" else max(items)
    if fn == "all":
        return all(items) and not failing
    if fn == "any":
        return any(items)
    if fn == "distinct":
        return len(set(items))
    return items


def _show(x):
    from ..base.numbers import format_number

    return format_number(x) if isinstance(x, (int, Fraction)) else repr(x)
