"""The policies a server offers: loaded once at start, looked up by id only.

A client names a policy by its ``id`` (``jiangxi-jiaoxuetong-2019``), never by a path, so
no request can make the server open a file. The files themselves are known only here;
what a client sees of them is their base name (``jiangxi.yaml``).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from ..base.errors import Diagnostic, KaoheError, Location, PolicyError
from ..base.numbers import to_json_number
from ..runtime.policy import Policy, load_policy

__all__ = ["Catalog", "PolicyEntry", "UnknownPolicy", "describe", "installed_policy_dirs", "summary"]


class UnknownPolicy(KaoheError):
    """A client named a policy id the server does not have."""


def installed_policy_dirs() -> list[Path]:
    """The folders of the installed policies: kaohe's own, then those other packages declare
    (the ``kaohe.policies`` entry points), as ``engine.language.registry`` finds them."""
    from ..language.registry import installed_policies, shipped_dir

    shipped = shipped_dir("policies")
    dirs = [shipped] if shipped else []
    for policy in installed_policies():
        if policy.path.parent not in dirs:
            dirs.append(policy.path.parent)
    return dirs


@dataclass
class PolicyEntry:
    policy: Policy
    path: Path
    cases: Path | None = None


@dataclass
class Catalog:
    """Policies by id, plus every policy file by base name (for ``extends`` in posted text)."""

    entries: dict[str, PolicyEntry] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def load(cls, dirs: list[Path]) -> Catalog:
        """Load every ``*.yaml`` policy (not ``*.tests.yaml``) of ``dirs``; PolicyError with every
        problem of every file, or a duplicate id, so a server never starts half-configured."""
        catalog = cls()
        problems: list[Diagnostic] = []
        seen: set[Path] = set()
        for directory in dirs:
            directory = Path(directory)
            if directory.resolve() in seen:
                continue
            seen.add(directory.resolve())
            if not directory.is_dir():
                problems.append(Diagnostic.of("serve.policies", Location(str(directory)), directory=directory))
                continue
            for path in sorted(directory.glob("*.yaml")):
                if path.name.endswith(".tests.yaml"):
                    continue
                try:
                    policy = load_policy(path)
                except PolicyError as exc:
                    problems.extend(exc.diagnostics)
                    continue
                if policy.id in catalog.entries:
                    first = catalog.entries[policy.id].path
                    problems.append(
                        Diagnostic.of(
                            "serve.duplicate", Location(str(path)), policy=policy.id, first=first, second=path
                        )
                    )
                    continue
                for name in policy.entities:
                    _ = policy.runtime(name).fused  # generate the batch functions now, not on a request
                cases = path.with_name(path.name[: -len(".yaml")] + ".tests.yaml")
                catalog.entries[policy.id] = PolicyEntry(policy, path, cases if cases.is_file() else None)
                catalog.files.setdefault(path.name, path)
            for path in sorted(directory.glob("*.tests.yaml")):
                catalog.files.setdefault(path.name, path)
        if problems:
            raise PolicyError(problems)
        return catalog

    def get(self, pid: str) -> PolicyEntry:
        try:
            return self.entries[pid]
        except KeyError:
            close = difflib.get_close_matches(pid, list(self.entries), n=1)
            if close:
                raise UnknownPolicy(Diagnostic.of("policy.unknown/close", policy=pid[:80], close=close[0])) from None
            raise UnknownPolicy(Diagnostic.of("policy.unknown", policy=pid[:80])) from None

    def directories(self) -> list[Path]:
        return sorted({p.parent for p in self.files.values()})


def _text(text) -> dict | None:
    return None if text is None else {"zh": text.zh, "en": text.en}


def _plain(value):
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "numerator") and not isinstance(value, bool):
        return to_json_number(value)
    return value


def summary(entry: PolicyEntry) -> dict:
    spec = entry.policy.spec
    return {
        "id": spec.id,
        "version": spec.version,
        "language": spec.language,
        "title": _text(spec.title),
        "region": _text(spec.region),
        "layers": list(spec.layers),
        "effective": {"from": _plain(spec.effective_from), "to": _plain(spec.effective_to)},
        "entities": list(spec.entities),
        "file": entry.path.name,
        "has_cases": entry.cases is not None,
    }


def _input(inp) -> dict:
    out = {
        "name": inp.name,
        "type": inp.type,
        "label": _text(inp.label),
        "required": inp.required,
        "columns": list(inp.columns),
    }
    if inp.unit:
        out["unit"] = inp.unit
    if inp.description:
        out["description"] = inp.description
    if inp.values:
        out["values"] = _plain(list(inp.values))
    if inp.aliases:
        out["aliases"] = {str(k): _plain(v) for k, v in inp.aliases.items()}
    if inp.range is not None:
        out["range"] = str(inp.range)
    if inp.items is not None:
        out["items"] = _input(inp.items)
    if inp.max_items is not None:
        out["max_items"] = inp.max_items
    if inp.has_default:
        out["default"] = _plain(inp.default)
    return out


def describe(entry: PolicyEntry) -> dict:
    """A policy as data: its rules with their clauses, and per entity the inputs (types, labels,
    accepted spellings), reported values, grade levels and consequences."""
    spec = entry.policy.spec
    out = summary(entry)
    out["source"] = {k: _plain(v) for k, v in (spec.source or {}).items()}
    out["rules"] = [
        {"id": r.id, "ref": r.ref, "clause": r.clause, "note": r.note, "line": r.location.line}
        for r in spec.rules.values()
    ]
    entities = {}
    for name, entity in spec.entities.items():
        grade = None
        if entity.grade is not None:
            grade = {
                "rule": entity.grade.rule,
                "levels": [
                    {
                        "code": lv.code,
                        "label": _text(lv.label),
                        "when": lv.when.text if lv.when is not None else None,
                        "rule": lv.rule,
                    }
                    for lv in entity.grade.all_levels
                ],
            }
        entities[name] = {
            "label": _text(entity.label),
            "key": entity.key,
            "members": {"entity": entity.members.entity, "by": entity.members.by} if entity.members else None,
            "inputs": [_input(inp) for inp in entity.inputs.values()],
            "values": [
                {"name": v.name, "label": _text(v.label), "rule": v.rule, "kind": v.kind, "report": v.report}
                for v in entity.values.values()
            ],
            "grade": grade,
            "consequences": [
                {
                    "id": c.id,
                    "kind": c.kind,
                    "code": c.code,
                    "label": _text(c.label),
                    "when": c.when.text,
                    "rule": c.rule,
                    "clause": c.clause or spec.clause(c.rule),
                }
                for c in entity.consequences
            ],
        }
    out["entities"] = entities
    return out
