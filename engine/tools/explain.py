"""Explaining a result to a person, and "what would it take?" hints.

The hints are found by searching the policy itself: for each numeric input (and each list
of numbers) that the policy marks ``changeable: true`` (something the person assessed can
do something about: hours, lessons, outcomes; never age, gender, class hours or the year),
kaohe looks for the smallest single change that lifts the record to a better grade, by
bisection over evaluations of the real policy. Every hint is then checked: the changed
record is evaluated once more, and the hint is shown only if it gets a better grade; the
hint names the grade it actually gets. Nothing here knows any rule.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING

from ..base.errors import RecordError
from ..base.errors import text as catalogue_text
from ..base.numbers import format_number
from ..runtime.result import Result, plain

if TYPE_CHECKING:
    from ..language.model import Entity
    from ..runtime.policy import Policy

__all__ = ["explain_text", "grade_ranks", "next_grade_hints", "verified_hint"]


def grade_ranks(entity: Entity) -> dict:
    """Grade code -> rank (higher is better). Levels with an explicit rank use it; without
    any, the first level is best and the fallback worst. Unranked levels are left out."""
    grade = entity.grade
    if grade is None:
        return {}
    explicit = {lv.code: lv.rank for lv in grade.levels if getattr(lv, "rank", None) is not None}
    if explicit:
        fallback = getattr(grade.otherwise, "rank", None)
        if not grade.otherwise.status:
            explicit.setdefault(grade.otherwise.code, fallback if fallback is not None else min(explicit.values()) - 1)
        return explicit
    ranked = [lv for lv in grade.levels if not lv.status]  # rank: null: a status, never compared
    ranks = {lv.code: len(ranked) - i for i, lv in enumerate(ranked)}
    if not grade.otherwise.status:
        ranks[grade.otherwise.code] = 0
    return ranks


def verified_hint(
    policy: Policy,
    entity: str,
    hint: dict,
    changed: dict,
    targets: Collection[str],
    labels: Mapping[str, str],
    as_of: dt.date | None,
    allow_outside: bool,
) -> dict | None:
    """The hint with the grade its changed record really gets, or None if that grade is not
    one of ``targets``: a hint is shown only when it has been evaluated and keeps its word."""
    grade = _grade_of(policy, entity, changed, as_of, allow_outside)
    if grade not in targets:
        return None
    return {**hint, "target": grade, "text": hint["text"].format(grade=labels.get(grade) or grade)}


def _grade_of(policy, entity, record, as_of, allow_outside):
    try:
        return policy.evaluate(record, entity, as_of=as_of, allow_outside=allow_outside).grade
    except RecordError:
        return None


def _bisect_int(works, lo, hi):
    """Smallest n in [lo, hi] with works(n), assuming monotone; None if works(hi) is false."""
    if not works(hi):
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if works(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def next_grade_hints(
    policy: Policy,
    entity: str,
    record: dict,
    *,
    as_of: dt.date | None = None,
    allow_outside: bool = False,
    lang: str = "zh",
) -> list[dict]:
    """For a record below the best grade: the smallest change to one input that reaches the
    next grade up. Each hint: input, change, target grade, and a sentence."""
    rt = policy.runtime(entity)
    spec = rt.entity
    ranks = grade_ranks(spec)
    current = _grade_of(policy, entity, record, as_of, allow_outside)
    if current is None or current not in ranks:
        return []
    better = sorted({r for r in ranks.values() if r > ranks[current]})
    if not better:
        return []
    target_rank = better[0]
    targets = {c for c, r in ranks.items() if r >= target_rank}
    assert spec.grade is not None  # ranks come from the grade
    labels = {lv.code: lv.label.get(lang) for lv in spec.grade.all_levels}
    target_label = "{grade}"  # filled in with the grade the changed record really gets

    def keep(hint, changed):
        checked = verified_hint(policy, entity, hint, changed, targets, labels, as_of, allow_outside)
        if checked is not None:
            hints.append(checked)

    def reaches(changed):
        return _grade_of(policy, entity, changed, as_of, allow_outside) in targets

    env, problems = rt.read(record)
    if problems:
        return []
    hints: list = []
    for name, inp in spec.inputs.items():
        if name == spec.key or not inp.changeable:
            continue
        value = env.get(name)
        label = inp.label.get(lang)
        if inp.type in ("integer", "number") and value is not None:
            step = 1 if inp.type == "integer" else Fraction(1, 100)
            for sign in (1, -1):
                bound = (inp.range.hi if sign > 0 else inp.range.lo) if inp.range else None
                closed = (inp.range.hi_closed if sign > 0 else inp.range.lo_closed) if inp.range else True
                span = abs(bound - value) if bound is not None else max(abs(value) * 10, 1000)
                steps = math.ceil(span / step) - (0 if closed else 1)
                if steps <= 0:
                    continue

                def works(n, sign=sign, name=name, value=value, step=step):
                    return reaches({**record, name: value + sign * n * step})

                found = _bisect_int(works, 1, steps)
                if found is not None:
                    delta = found * step
                    word = ("增加" if sign > 0 else "减少") if lang == "zh" else ("more" if sign > 0 else "less")
                    text = (
                        f"{_brace(label)}{word}{format_number(delta)}（至{format_number(value + sign * delta)}）即可达到{target_label}"
                        if lang == "zh"
                        else f"{format_number(delta)} {word} {_brace(label)} (to {format_number(value + sign * delta)}) would reach {target_label}"
                    )
                    hint = {
                        "input": name,
                        "change": plain(sign * delta),
                        "to": plain(value + sign * delta),
                        "text": text,
                    }
                    keep(hint, {**record, name: value + sign * delta})
        elif inp.type == "list" and inp.items.type in ("integer", "number") and value is not None:
            for hint, changed in _list_hints(record, name, inp, value, reaches, target_label, lang):
                keep(hint, changed)
    return hints


def _brace(text: str) -> str:
    """Text put into a hint template filled in later with str.format."""
    return text.replace("{", "{{").replace("}", "}}")


def _list_hints(record, name, inp, items, reaches, target_label, lang):
    """Candidate hints for a list of numbers, each with the record it proposes."""
    hints = []
    label = _brace(inp.label.get(lang))
    item_range = inp.items.range
    top = item_range.hi if item_range and item_range.hi is not None else max([*items, 10])
    integer = inp.items.type == "integer"
    # (a) more items: how many more at the most useful value, then the smallest such value
    limit = max(len(items), 10) * 2

    def more(k, v=top):
        return reaches({**record, name: list(items) + [v] * k})

    k = _bisect_int(more, 1, limit)
    if k is not None:
        v = top
        if integer:
            smallest = _bisect_int(lambda x: more(k, x), 0, int(top))
            v = top if smallest is None else smallest
        text = (
            f"再增加{k}条{label}（每条{format_number(v)}）即可达到{target_label}"
            if lang == "zh"
            else f"{k} more {label} entries at {format_number(v)} would reach {target_label}"
        )
        hints.append(
            (
                {"input": name, "add_items": k, "item_value": plain(v), "text": text},
                {**record, name: [*items] + [v] * k},
            )
        )
    # (b) every item higher by the same amount (raises the mean by that amount)
    if items:
        step = 1 if integer else Fraction(1, 10)
        headroom = (top - min(items)) if item_range and item_range.hi is not None else top
        steps = int(headroom / step)

        def shifted(n):
            return {
                **record,
                name: [
                    x + n * step if not (item_range and item_range.hi is not None) else min(x + n * step, item_range.hi)
                    for x in items
                ],
            }

        def shift(n):
            return reaches(shifted(n))

        n = _bisect_int(shift, 1, steps) if steps > 0 else None
        if n is not None:
            delta = n * step
            text = (
                f"{label}每项提高{format_number(delta)}即可达到{target_label}"
                if lang == "zh"
                else f"raising every {label} entry by {format_number(delta)} would reach {target_label}"
            )
            hints.append(({"input": name, "raise_each_by": plain(delta), "text": text}, shifted(n)))
    return hints


def explain_text(result: Result, lang: str = "zh", hints: list | None = None) -> str:
    """A readable account of one result: each rule that fired, its clause, the values seen."""
    data = result.to_dict(lang)
    zh = lang == "zh"
    lines = []
    grade = data["grade"]
    lines.append(
        f"{data['entity']} {data['id']}: " + (f"{grade['label']} ({grade['code']}) [{grade['rule']}]" if grade else "-")
    )
    for step in result.trace():
        kind = step["step"]
        if kind in ("value", "tier", "aggregate"):
            line = f"  [{step['rule']}{_layer(result, step)}] {step['label']} = {_show(step['value'])}"
            if kind == "tier" and "tier" in step:
                line += (
                    f"   ({step['of']} = {_show(step['input'])} ∈ {step['tier']}"
                    + (f"：{step['tier_clause']}" if step.get("tier_clause") else "")
                    + ")"
                )
            elif kind == "value":
                line += f"   ({step['expr']})"
            lines.append(line)
        elif kind == "grade":
            lines.append(("  等级" if zh else "  grade") + f" [{step['rule']}{_layer(result, step)}]: {step['label']}")
            for tried in step["tried"]:
                mark = "✓" if tried["held"] else "✗"
                lines.append(f"    {mark} {tried['code']}: {tried['when']}")
            if step["fallback"]:
                lines.append(("    → 以上均不满足：" if zh else "    → none held: ") + step["label"])
            if step.get("clause"):
                lines.append(f"    「{step['clause']}」")
        else:
            amount = f" {_show(step['amount'])}" if "amount" in step else ""
            kind = catalogue_text("word.consequence." + step["kind"], None, lang)
            lines.append(f"  [{step['rule']}{_layer(result, step)}] {kind}: {step['label']}{amount}")
            if step.get("clause"):
                lines.append(f"    「{step['clause']}」")
    lines.append(("  学分合计: " if zh else "  credit total: ") + _show(data["credit_total"]))
    if hints:
        lines.append("  还差多少：" if zh else "  what it would take:")
        for hint in hints:
            lines.append(f"    - {hint['text']}")
    return "\n".join(lines)


def _layer(result, step) -> str:
    """' @ layer' where the policy is built from several layers."""
    return f" @ {step['layer']}" if len(result.spec.layers) > 1 and step.get("layer") else ""


def _show(value):
    if isinstance(value, float) and math.isfinite(value):
        return format_number(Fraction(str(value)))
    return str(value).lower() if isinstance(value, bool) else str(value)
