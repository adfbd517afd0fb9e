"""The loaded policy: the object the API hands to embedding tools."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..base.errors import Diagnostic, KaoheError, Problem, RecordError, SourcedRecord
from ..base.suggest import did_you_mean
from ..language.aliases import column_map, rename_fields
from ..language.compiler import compile_document, compile_file
from ..language.kinds import parse_date
from ..language.layers import base_loader, document_from
from ..language.model import PolicySpec
from ..language.registry import find_policy
from .evaluator import EntityRuntime
from .modes import FAST, REFERENCE
from .reference import evaluate_reference
from .result import Failure, Result
from .tracers import FullTracer, SimpleTracer

__all__ = ["PeriodError", "Policy", "load_policy", "parse_policy"]


class PeriodError(KaoheError):
    """The evaluation date lies outside the policy's effective period."""


def _as_date(value) -> dt.date:
    """``as_of`` as a date: a date, a datetime or an ISO string; anything else is refused."""
    if isinstance(value, (dt.date, str)):
        try:
            return parse_date(value)
        except ValueError:
            pass
    raise KaoheError(Diagnostic.of("usage.as-of", value=repr(value)))


def _run(rt: EntityRuntime, record, mode, day, members, trace) -> Result:
    """One record of ``rt``'s entity: the generated function (with a FullTracer for a
    trace), or, for ``mode=REFERENCE``, the simpleeval oracle."""
    if mode == REFERENCE:
        return evaluate_reference(rt, record, day, members)
    return rt.evaluate(record, day, members, FullTracer() if trace else None)


class Policy:
    """A checked, compiled policy, ready to evaluate records. Immutable and thread-safe:
    each entity's generated function is made when the policy loads."""

    def __init__(self, spec: PolicySpec):
        self.spec = spec
        self._runtimes: dict[str, EntityRuntime] = {}
        self._names: dict[str, tuple[dict, frozenset]] = {}  # entity -> (column map, input names)
        for name, entity in spec.entities.items():
            self._runtimes[name] = EntityRuntime(spec, entity, self._runtimes)
            self._names[name] = (column_map(entity), frozenset(entity.inputs))

    def named(self, record: Any, entity: str) -> Any:
        """``record`` with its keys as input names: a row keyed 工号, 性别 (as a sheet's headers
        are) is keyed id, gender. Anything but a dict is returned as it is."""
        if type(record) is not dict and not isinstance(record, dict):
            return record
        mapping, known = self._names[entity]
        if known.issuperset(record):
            return record
        return rename_fields(dict(record), mapping)

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def entities(self) -> list[str]:
        return list(self.spec.entities)

    def __repr__(self) -> str:
        return f"<Policy {self.spec.id} {self.spec.version} from {self.spec.path}>"

    def runtime(self, entity: str) -> EntityRuntime:
        try:
            return self._runtimes[entity]
        except KeyError:
            advice = did_you_mean(entity, self._runtimes, Problem("hint.entities", names=list(self._runtimes)))
            raise KaoheError(Diagnostic.of("usage.entity", advice=advice, policy=self.spec.id, entity=entity)) from None

    def check_period(self, as_of: dt.date | str | None, allow_outside: bool = False) -> dt.date:
        """The evaluation date (today by default; a date or an ISO string such as
        ``"2020-01-10"``), refused outside the effective period."""
        day = dt.date.today() if as_of is None else _as_date(as_of)
        spec = self.spec
        outside = (spec.effective_from and day < spec.effective_from) or (spec.effective_to and day > spec.effective_to)
        if outside and not allow_outside:
            key = "usage.period" if spec.effective_to else "usage.period/open"
            raise PeriodError(
                Diagnostic.of(key, day=day, policy=spec.id, start=spec.effective_from, end=spec.effective_to)
            )
        return day

    def evaluate(
        self,
        record: dict,
        entity: str,
        *,
        as_of: dt.date | None = None,
        trace: bool = False,
        mode: str = FAST,
        allow_outside: bool = False,
        members: list | None = None,
    ) -> Result:
        """Evaluate one record; raise :class:`RecordError` if it cannot be evaluated.
        ``trace=True`` records every value, tier row and condition (:meth:`Result.trace`).
        ``mode`` is :data:`FAST` (the one evaluation path); :data:`REFERENCE` runs the
        simpleeval oracle the tests compare it with."""
        day = self.check_period(as_of, allow_outside)
        return _run(self.runtime(entity), self.named(record, entity), mode, day, members, trace)

    def evaluate_many(
        self,
        records: Iterable[dict],
        entity: str,
        *,
        as_of: dt.date | None = None,
        trace: bool = False,
        mode: str = FAST,
        allow_outside: bool = False,
        start: int = 1,
    ) -> Iterator[Result | Failure]:
        """Evaluate records lazily, in order: one Result or one Failure per record, never an exception
        for a bad record. ``start`` numbers the first record in failures. An unknown entity or
        a day outside the period raises here, at the call, not when the first result is read."""
        day = self.check_period(as_of, allow_outside)
        rt = self.runtime(entity)
        return self._outcomes(records, entity, rt, day, trace, mode, start)

    def _outcomes(self, records, entity, rt, day, trace, mode, start) -> Iterator[Result | Failure]:
        key = rt.key
        batch = rt.fused if mode != REFERENCE else None  # straight to the generated function
        mapping, known = self._names[entity]
        for index, record in enumerate(records, start):
            plain = type(record) is dict or type(record) is SourcedRecord  # a row of a sheet or CSV file
            try:
                if plain and not known.issuperset(record):
                    record = rename_fields(record, mapping)  # keyed by labels, as a sheet's rows are
                if batch is not None and plain:
                    outcome = batch(record, day, None, FullTracer() if trace else None)
                elif isinstance(record, Failure):  # a line the reader could not parse
                    outcome = record
                else:
                    outcome = _run(rt, record, mode, day, None, trace)
            except RecordError as exc:
                if type(record) is SourcedRecord:  # name the cell, or the line and column, of a refused value
                    exc = record.located(exc)
                outcome = Failure(entity, record.get(key) if isinstance(record, dict) else None, exc, index)
            yield outcome

    def evaluate_members(
        self,
        records: Iterable[dict],
        entity: str,
        *,
        as_of: dt.date | None = None,
        trace: bool = False,
        mode: str = FAST,
        allow_outside: bool = False,
    ) -> Iterator[tuple[Any, list]]:
        """Evaluate ``entity`` (a group, a school) from its members' records.

        Members are grouped by the input the entity's ``members`` declaration names, each
        member is evaluated first, and each group sees its members' inputs, values and
        grades. Yields ``(group_result_or_failure, [member results and failures])``, groups
        in order of first appearance.
        """
        day = self.check_period(as_of, allow_outside)
        rt = self.runtime(entity)
        members_decl = rt.entity.members
        if members_decl is None:
            raise KaoheError(Diagnostic.of("usage.members", rt.entity.location, entity=entity))
        groups: dict = {}
        for index, record in enumerate(records, 1):
            key, result = self.member_outcome(entity, record, index, day, mode)
            groups.setdefault(key, []).append(result)
        for key, results in groups.items():
            yield self.group_outcome(entity, key, results, day, mode=mode, trace=trace), results

    def member_outcome(
        self, entity: str, record: Any, index: int, day: dt.date, mode: str = FAST
    ) -> tuple[tuple | None, Result | Failure]:
        """One member record of ``entity``'s groups, judged: (its group's key, or None when it
        names no group; its Result or Failure). A record that cannot be judged is put in the
        group its own grouping fields name, so its group counts it."""
        members_decl = self.runtime(entity).entity.members
        assert members_decl is not None  # checked by the caller
        mrt = self.runtime(members_decl.entity)
        by = members_decl.by
        if isinstance(record, Failure):
            return None, record
        key: tuple | None
        try:
            # a member's values are what its group's aggregates read
            evaluated = (
                mrt.evaluate(record, day, None, SimpleTracer())
                if mode != REFERENCE
                else _run(mrt, record, mode, day, None, True)
            )
            assert evaluated.env is not None  # evaluated with a tracer
            key = tuple(evaluated.env.get(b) for b in by)
            result: Result | Failure = evaluated
        except RecordError as exc:
            result = Failure(mrt.entity.name, record.get(mrt.key) if isinstance(record, dict) else None, exc, index)
            key = _raw_key(record, by, mrt.entity.inputs)
        if any(part is None or (isinstance(part, str) and not part.strip()) for part in key):
            key = None
        return key, result

    def group_outcome(
        self, entity: str, key: tuple | None, results: list, day: dt.date, *, mode: str = FAST, trace: bool = False
    ) -> Result | Failure:
        """The result of the group ``key`` of ``entity`` from its members' outcomes (as
        :meth:`member_outcome` gives them, in record order); key None: the failure that
        says these member records name no group."""
        rt = self.runtime(entity)
        members_decl = rt.entity.members
        assert members_decl is not None  # checked by the caller
        by = members_decl.by
        if key is None:
            return Failure(
                entity,
                None,
                RecordError(Diagnostic.of("record.group", rt.entity.location, by=by, entity=entity)),
                None,
            )
        group: Result | Failure
        group_id = key[0] if len(key) == 1 else " / ".join(str(part) for part in key)
        good = [r for r in results if r.ok]
        bad = [r for r in results if not r.ok]
        account: dict[str, Any] = {
            "used": len(good),
            "rejected": len(bad),
            "rejected_ids": [_member_name(r) for r in bad],
            "rejected_rule": members_decl.rejected,
        }
        if bad and members_decl.rejected == "refuse":
            names = ", ".join(account["rejected_ids"])
            group = Failure(
                entity,
                group_id,
                RecordError(
                    Diagnostic.of(
                        "record.members-rejected",
                        members_decl.location,
                        entity=entity,
                        label=rt.entity.label.get("zh") or entity,
                        group=group_id,
                        count=len(bad),
                        total=len(results),
                        names=names,
                    )
                ),
            )
            group.members = account
            return group
        envs = MemberEnvs()
        envs.failing = len(bad) if members_decl.rejected == "fail" else 0
        for r in good:
            env = r.env
            if r.grade is not None:
                env["grade"] = r.grade
            envs.append(env)
        record = {rt.key: group_id}
        for name, part in zip(by, key, strict=True):
            if name != rt.key and name in rt.entity.inputs:
                record[name] = part
        try:
            group = _run(rt, record, mode, day, envs, trace)
        except RecordError as exc:
            group = Failure(entity, group_id, exc)
        group.members = account
        return group


class MemberEnvs(list):
    """The environments of a group's judged members; ``failing`` counts the rejected members
    that aggregates see as members meeting no condition (members rejected: fail)."""

    failing = 0


def _raw_key(record, by, inputs) -> tuple:
    """The group of a member record that could not be judged: its own grouping fields (the
    input's default where the record leaves one out), so it is counted in its group."""
    if not isinstance(record, dict):
        return (None,)
    key = []
    for name in by:
        value = record.get(name)
        if value in (None, "") and inputs[name].has_default:
            value = inputs[name].default
        key.append(value.strip() if isinstance(value, str) else value)
    return tuple(key)


def _member_name(failure: Failure) -> str:
    """A rejected member as an officer finds it: its id, or its record number."""
    if failure.id not in (None, ""):
        return str(failure.id)
    return f"record {failure.index}" if failure.index is not None else "a record without id"


def load_policy(path: str | Path) -> Policy:
    """Load, check and compile a policy: a file path, or an installed policy's file name, short
    name or id (``load_policy("national")``). Raise :class:`PolicyNotFound` (an
    :class:`InputError`) when there is no such policy, :class:`PolicyError` with every problem
    when it is invalid."""
    return Policy(compile_file(find_policy(path)))


def parse_policy(source: str | Mapping, *, name: str = "policy.yaml", loader: Callable | None = None) -> Policy:
    """A policy from its YAML text or its data (a mapping), e.g. from a web editor or a
    database. ``name`` is the file name diagnostics give. ``extends: REF`` asks
    ``loader(REF)`` for the base policy's text or mapping (None: look for a file beside the
    current folder or an installed policy, as :func:`load_policy` does)."""
    if loader is not None and not callable(loader):
        raise KaoheError(Diagnostic.of("usage.loader", kind=type(loader).__name__))
    with base_loader(loader):
        return Policy(compile_document(document_from(source, name)))


__all__ += ["FAST", "REFERENCE"]
