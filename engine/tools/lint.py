"""Stricter static checks than loading (``kaohe lint``): warnings an officer should read.

* a grade level no record can reach (an earlier level's condition already catches every
  record it would), and consequences that test for such a grade or can never hold;
* inputs that no rule reads;
* catalogue rules that no element encodes;
* a threshold written as a percentage where a ratio is meant (``usage_ratio >= 40``).

Where a check proves its point with a record, the record is printed.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from fractions import Fraction

from ..base.errors import Diagnostic
from ..base.numbers import format_number
from ..language.comparisons import comparisons
from ..language.model import Entity, Level, PolicySpec

__all__ = ["lint"]

#: finds a record that meets ``level``'s condition and gets ``earlier``'s grade, or None
Witness = Callable[[Entity, Level, Level], "dict | None"]


def _conjuncts(tree) -> list:
    if isinstance(tree, ast.BoolOp) and isinstance(tree.op, ast.And):
        out = []
        for value in tree.values:
            out.extend(_conjuncts(value))
        return out
    return [tree]


def _bound(node):
    """``name op number`` as (name, op, number), either way round; else None."""
    for found, name, value, op in comparisons(node):
        if found is node and op is not ast.NotEq:
            return name, op, value
    return None


def _implies(a, b) -> bool:
    """Conjunct ``a`` implies conjunct ``b`` (syntactically equal, or a tighter bound)."""
    if ast.dump(a) == ast.dump(b):
        return True
    ba, bb = _bound(a), _bound(b)
    if not ba or not bb or ba[0] != bb[0]:
        return False
    _, opa, va = ba
    _, opb, vb = bb
    lower = {ast.Gt, ast.GtE}
    upper = {ast.Lt, ast.LtE}
    if (opa in lower and opb in lower) or (opa is ast.Eq and opb in lower):
        return va > vb or (va == vb and (opb is ast.GtE or opa is ast.Gt))
    if (opa in upper and opb in upper) or (opa is ast.Eq and opb in upper):
        return va < vb or (va == vb and (opb is ast.LtE or opa is ast.Lt))
    return False


def _is_ratio(entity: Entity, name: str) -> bool:
    value = entity.values.get(name)
    if value is None:
        return False
    if value.kind == "aggregate":
        return value.aggregate == "share"
    if value.kind == "expr":
        tree = value.expr.tree
        return isinstance(tree, ast.BinOp) and isinstance(tree.op, ast.Div)
    return False


def _expressions(entity: Entity):
    for value in entity.values.values():
        if value.expr is not None:
            yield value.expr, value.rule, value.location
    if entity.grade:
        for level in entity.grade.levels:
            yield level.when, level.rule, level.location
    for cons in entity.consequences:
        yield cons.when, cons.rule, cons.location
        if cons.amount is not None:
            yield cons.amount, cons.rule, cons.location


def _lint_entity(spec: PolicySpec, entity: Entity, witness: Witness | None = None) -> list[Diagnostic]:
    found = []
    # grade levels shadowed by an earlier one
    unreachable = set()
    if entity.grade:
        levels = entity.grade.levels
        for j, later in enumerate(levels):
            for earlier in levels[:j]:
                conj_later = _conjuncts(later.when.tree)
                if all(any(_implies(c, e) for c in conj_later) for e in _conjuncts(earlier.when.tree)):
                    unreachable.add(later.code)
                    example = witness(entity, later, earlier) if witness is not None else None
                    params = {
                        "level": later.code,
                        "entity": entity.name,
                        "condition": later.when.text,
                        "earlier": earlier.code,
                        "earlier_condition": earlier.when.text,
                    }
                    if example is not None:
                        import json

                        params["example"] = json.dumps(example, ensure_ascii=False)
                    found.append(
                        Diagnostic.of(
                            "lint.unreachable-level/example" if example is not None else "lint.unreachable-level",
                            later.location,
                            rule=later.rule,
                            severity="warning",
                            evidence={"record": example} if example else None,
                            **params,
                        )
                    )
                    break
            if later.when.is_constant and not later.when.constant:
                unreachable.add(later.code)
                found.append(
                    Diagnostic.of(
                        "lint.unreachable-level/false",
                        later.location,
                        rule=later.rule,
                        severity="warning",
                        level=later.code,
                    )
                )
    for cons in entity.consequences:
        if cons.when.is_constant and not cons.when.constant:
            found.append(
                Diagnostic.of(
                    "lint.never-fires", cons.location, rule=cons.rule, severity="warning", consequence=cons.id
                )
            )
            continue
        for node in ast.walk(cons.when.tree):
            bound = None
            if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq):
                sides = [node.left, node.comparators[0]]
                names = [s.id for s in sides if isinstance(s, ast.Name)]
                texts = [s.value for s in sides if isinstance(s, ast.Constant) and isinstance(s.value, str)]
                if names == ["grade"] and texts and texts[0] in unreachable and cons.when.tree is node:
                    bound = texts[0]
            if bound:
                found.append(
                    Diagnostic.of(
                        "lint.never-fires/grade",
                        cons.location,
                        rule=cons.rule,
                        severity="warning",
                        consequence=cons.id,
                        grade=bound,
                    )
                )
    # percentages where ratios are meant
    for expr, rule, location in _expressions(entity):
        for node in ast.walk(expr.tree):
            bound = _bound(node)
            if bound and _is_ratio(entity, bound[0]) and abs(bound[2]) > 1:
                found.append(
                    Diagnostic.of(
                        "lint.percent-as-ratio",
                        location,
                        rule=rule,
                        severity="warning",
                        text=expr.text,
                        name=bound[0],
                        number=format_number(bound[2]),
                        ratio=format_number(Fraction(bound[2]) / 100),
                    )
                )
    for name, value in entity.values.items():
        if value.kind == "tiers" and isinstance(value.expr.tree, ast.Name) and _is_ratio(entity, value.expr.tree.id):
            ends = [e for t in value.tiers for e in (t.interval.lo, t.interval.hi) if e is not None]
            if ends and max(ends) > 1:
                found.append(
                    Diagnostic.of(
                        "lint.percent-as-ratio/tiers",
                        value.location,
                        rule=value.rule,
                        severity="warning",
                        name=name,
                        text=value.expr.text,
                        number=format_number(max(ends)),
                    )
                )
    return found


def lint(spec: PolicySpec, witness: Witness | None = None) -> list[Diagnostic]:
    """Every warning for a loaded policy, sorted by location. Given a ``witness`` search
    (``engine.tools.testing.level_witness(policy)``), an unreachable level comes with a record
    that shows it; lint itself generates nothing and needs no test library."""
    found = []
    read: dict[str, set] = {name: set() for name in spec.entities}
    for ename, entity in spec.entities.items():
        found.extend(_lint_entity(spec, entity, witness))
        for expr, _, _ in _expressions(entity):
            read[ename] |= set(expr.names)
        read[ename].add(entity.key)
        for value in list(entity.values.values()) + list(entity.member_inputs.values()):
            if value.kind == "aggregate" and entity.members is not None:
                target = read.setdefault(entity.members.entity, set())
                for part in (value.over, value.where):
                    if part is not None:
                        target |= set(part.names)
        if entity.members is not None:
            read.setdefault(entity.members.entity, set()).update(entity.members.by)
    for ename, entity in spec.entities.items():
        for iname, inp in entity.inputs.items():
            if iname not in read.get(ename, set()) and iname not in entity.member_inputs:
                found.append(
                    Diagnostic.of("lint.unread-input", inp.location, severity="warning", name=iname, entity=ename)
                )
    cited = set()
    for entity in spec.entities.values():
        for value in list(entity.values.values()) + list(entity.member_inputs.values()):
            cited.add(value.rule)
            cited.update(t.rule for t in value.tiers)
        if entity.grade:
            cited.update(level.rule for level in entity.grade.all_levels)
            cited.add(entity.grade.rule)
        cited.update(c.rule for c in entity.consequences)
    for schedule in spec.schedules.values():
        cited.add(schedule.rule)
        cited.update(t.rule for t in schedule.targets)
        cited.update(info["rule"] for info in schedule.units.values() if info.get("rule"))
    for rule_id, rule in spec.rules.items():
        if rule_id not in cited:
            found.append(
                Diagnostic.of("lint.rule-not-encoded", rule.location, rule=rule_id, severity="warning", rule_id=rule_id)
            )
    return sorted(found, key=lambda d: (d.location, d.code))
