"""Tracers: what one evaluation of an entity's generated function reports, when asked.

The generated function (:mod:`engine.runtime.fused`) takes a tracer, as OpenFisca's
calculations do (``openfisca_core.tracers``). Without one (``None``) it checks for it twice
per record and records nothing. With one, it calls

* :meth:`Tracer.computed` once, after the inputs are read and every derived value is
  computed: the values, the values that could not be computed, and for each tier table
  the input it looked up and the row it chose;
* :meth:`Tracer.decided` once, after the grade and the consequences are decided: the
  level given and the consequences that followed.

Every condition tried is known from those two calls without evaluating anything again:
the grade is one ``if``/``elif`` chain (each level before the one given was false, the one
given true), and every consequence's condition is evaluated (true exactly for those that
followed).

:class:`SimpleTracer` keeps the record's names and values (what a group evaluated from its
members reads); :class:`FullTracer` also keeps each tier row and each condition with its
rule, which is what :meth:`Result.trace` and ``kaohe explain`` show.
"""

from __future__ import annotations

from typing import Any

from ..base.errors import Diagnostic, RecordError

__all__ = ["NOT_COMPUTED", "FullTracer", "SimpleTracer", "TracedEnv", "Tracer"]


class _NotComputed:
    """The one marker a generated function's local holds when its value was not computed."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<not computed>"


NOT_COMPUTED = _NotComputed()


class TracedEnv(dict):
    """A record's names and computed values. Reading a value that could not be computed
    raises what stopped it, as the evaluation itself did."""

    __slots__ = ("fails", "rt")
    rt: Any  # the EntityRuntime, for its errors
    fails: dict

    def __missing__(self, name: str) -> object:
        rt = self.rt
        err = self.fails.get(name)
        if type(err) is str:  # read an optional input the record leaves empty
            raise rt.needed_error(err)
        if err is not None:
            raise err
        if name in rt.entity.inputs:
            raise rt.needed_error(name)
        raise RecordError(Diagnostic.of("record.name", rt.entity.location, name=name))


class Tracer:
    """The calls a generated function makes on its tracer; this one records nothing."""

    __slots__ = ()

    def computed(self, rt: Any, values: dict, fails: dict, tiers: dict) -> None:
        """``values``: every input, schedule value and derived value by name, each
        :data:`NOT_COMPUTED` where it has none; ``fails``: name -> why it has none (a
        :class:`RecordError`, or the name of the empty optional input it read);
        ``tiers``: tier value name -> (the input looked up, the row's index), or None."""

    def decided(self, level: Any, fired: list) -> None:
        """The level given (None for an entity without grades) and the consequences that
        followed, as ``[(consequence, amount)]``."""


class SimpleTracer(Tracer):
    """Keeps the record's names and values: :attr:`env`."""

    __slots__ = ("env",)

    def __init__(self) -> None:
        self.env: TracedEnv | None = None

    def computed(self, rt: Any, values: dict, fails: dict, tiers: dict) -> None:
        env = self.env = TracedEnv({k: v for k, v in values.items() if v is not NOT_COMPUTED})
        env.rt, env.fails = rt, fails

    def decided(self, level: Any, fired: list) -> None:
        if level is not None:
            assert self.env is not None  # the generated function calls computed() first
            self.env["grade"] = level.code


class FullTracer(SimpleTracer):
    """Also keeps every tier row and every condition with its rule:

    * :attr:`tiers`: tier value name -> (the input looked up, the tier chosen);
    * :attr:`conditions`: ``[(kind, element, held)]`` in the order they were evaluated,
      kind ``"grade"`` (element: the level) or ``"consequence"`` (element: the consequence),
      each element carrying its ``rule`` and condition ``when``.
    """

    __slots__ = ("conditions", "fired", "level", "tiers")

    def __init__(self) -> None:
        super().__init__()
        self.tiers: dict = {}
        self.conditions: list = []
        self.level = None
        self.fired: list = []

    def computed(self, rt: Any, values: dict, fails: dict, tiers: dict) -> None:
        super().computed(rt, values, fails, tiers)
        values = rt.values
        self.tiers = {name: (x, values[name].tiers[row]) for name, (x, row) in _chosen(tiers)}

    def decided(self, level: Any, fired: list) -> None:
        super().decided(level, fired)
        self.level, self.fired = level, fired
        assert self.env is not None  # the generated function calls computed() first
        entity = self.env.rt.entity
        conditions = self.conditions
        if level is not None and entity.grade is not None:
            for candidate in entity.grade.levels:
                if candidate is level:
                    conditions.append(("grade", candidate, True))
                    break
                conditions.append(("grade", candidate, False))
        followed = {id(cons) for cons, _ in fired}
        for cons in entity.consequences:
            conditions.append(("consequence", cons, id(cons) in followed))


def _chosen(tiers: dict):
    return ((name, chosen) for name, chosen in tiers.items() if chosen is not None)
