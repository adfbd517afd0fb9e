"""The loaded policy: the object the API hands to embedding tools."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..base.errors import Diagnostic, KaoheError, Problem, RecordError
from ..base.suggest import did_you_mean
from ..language.compiler import compile_file
from ..language.model import PolicySpec
from .evaluator import EntityRuntime
from .modes import FAST, REFERENCE
from .result import Failure, Result

__all__ = ["PeriodError", "Policy", "load_policy"]


class PeriodError(KaoheError):
    """The evaluation date lies outside the policy's effective period."""


class Policy:
    """A checked, compiled policy, ready to evaluate records. Immutable and thread-safe."""

    def __init__(self, spec: PolicySpec):
        self.spec = spec
        self._runtimes: dict[str, EntityRuntime] = {}
        for name, entity in spec.entities.items():
            self._runtimes[name] = EntityRuntime(spec, entity, self._runtimes)

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

    def check_period(self, as_of: dt.date | None, allow_outside: bool = False) -> dt.date:
        """The evaluation date (today by default), refused outside the effective period."""
        day = as_of or dt.date.today()
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
        """Evaluate one record; raise :class:`RecordError` if it cannot be evaluated."""
        day = self.check_period(as_of, allow_outside)
        return self.runtime(entity).evaluate(record, mode=mode, as_of=day, trace=trace, members=members)

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
        for a bad record. ``start`` numbers the first record in failures."""
        day = self.check_period(as_of, allow_outside)
        rt = self.runtime(entity)
        evaluate = rt.evaluate
        key = rt.key
        batch = rt.fused if mode is FAST and not trace else None  # straight to the generated function
        for index, record in enumerate(records, start):
            try:
                if batch is not None and type(record) is dict:
                    outcome = batch(record, day, None)
                elif isinstance(record, Failure):  # a line the reader could not parse
                    outcome = record
                else:
                    outcome = evaluate(record, mode, day, None, trace)
            except RecordError as exc:
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
    ):
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
        mrt = self.runtime(members_decl.entity)
        by = members_decl.by
        groups: dict = {}
        for index, record in enumerate(records, 1):
            if isinstance(record, Failure):
                groups.setdefault(None, []).append(record)
                continue
            try:
                result = mrt.evaluate(record, mode, day, None, True)
                key = tuple(result.env.get(b) for b in by)
            except RecordError as exc:
                result = Failure(mrt.entity.name, record.get(mrt.key) if isinstance(record, dict) else None, exc, index)
                key = _raw_key(record, by, mrt.entity.inputs)
            if any(part is None or (isinstance(part, str) and not part.strip()) for part in key):
                key = None
            groups.setdefault(key, []).append(result)
        for key, results in groups.items():
            if key is None:
                yield (
                    Failure(
                        entity,
                        None,
                        RecordError(Diagnostic.of("record.group", rt.entity.location, by=by, entity=entity)),
                        None,
                    ),
                    results,
                )
                continue
            group_id = key[0] if len(key) == 1 else " / ".join(str(part) for part in key)
            good = [r for r in results if r.ok]
            bad = [r for r in results if not r.ok]
            account = {
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
                yield group, results
                continue
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
                group = rt.evaluate(record, mode, day, envs, trace)
            except RecordError as exc:
                group = Failure(entity, group_id, exc)
            group.members = account
            yield group, results


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
    """Load, check and compile a policy file; raise :class:`PolicyError` with every problem."""
    return Policy(compile_file(path))


__all__ += ["FAST", "REFERENCE"]
