"""Comparing two versions of a policy on one population (``kaohe diff``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from ..base.messages import cli_text
from ..io import read_records

if TYPE_CHECKING:
    from ..runtime.policy import Policy

__all__ = ["diff_policies", "format_diff"]


def _summary(outcome):
    if not outcome.ok:
        return {"error": outcome.error.first.code}
    data = outcome.to_dict()
    return {
        "grade": (data["grade"] or {}).get("code"),
        "credit_total": data["credit_total"],
        "sanctions": [s["code"] for s in data["sanctions"]],
    }


def diff_policies(
    old: Policy,
    new: Policy,
    entity: str,
    input_path: str,
    *,
    as_of: dt.date | None = None,
    examples: int = 3,
    progress: Callable[[Iterable], Iterable] | None = None,
) -> dict:
    """Evaluate the same records under both policies; count and show what changed.

    Each side reads the file with its own inputs (columns, kinds, defaults): a derived
    policy that adds an input sees it, the base does not. A record rejected by one side and
    graded by the other is reported as ``rejected -> graded`` or ``graded -> rejected``.
    ``progress`` (the command line's bar) wraps the pairs of outcomes as they are compared."""
    before = old.evaluate_many(
        read_records(input_path, old.runtime(entity).entity), entity, as_of=as_of, allow_outside=True
    )
    after = new.evaluate_many(
        read_records(input_path, new.runtime(entity).entity), entity, as_of=as_of, allow_outside=True
    )
    kinds: dict[str, list] = {
        "grade": [],
        "credit_total": [],
        "sanctions": [],
        "rejected -> graded": [],
        "graded -> rejected": [],
        "error": [],
    }
    transitions: dict[str, int] = {}
    total = 0
    pairs = zip(before, after, strict=True)  # both read the same lines: one outcome each
    for a, b in progress(pairs) if progress is not None else pairs:
        total += 1
        sa, sb = _summary(a), _summary(b)
        record_id = (a.id if a.id not in (None, "") else b.id) or f"#{total}"
        if "error" in sa or "error" in sb:
            if "error" not in sb:
                kinds["rejected -> graded"].append({"id": record_id, "old": sa, "new": sb})
            elif "error" not in sa:
                kinds["graded -> rejected"].append({"id": record_id, "old": sa, "new": sb})
            elif sa != sb:
                kinds["error"].append({"id": record_id, "old": sa, "new": sb})
            if sa.get("grade") != sb.get("grade"):
                step = f"{sa.get('grade') or 'rejected'} -> {sb.get('grade') or 'rejected'}"
                transitions[step] = transitions.get(step, 0) + 1
            continue
        for key in ("grade", "credit_total", "sanctions"):
            if sa[key] != sb[key]:
                kinds[key].append({"id": record_id, "old": sa[key], "new": sb[key]})
        if sa["grade"] != sb["grade"]:
            step = f"{sa['grade']} -> {sb['grade']}"
            transitions[step] = transitions.get(step, 0) + 1
    return {
        "records": total,
        "changed": {k: len(v) for k, v in kinds.items()},
        "grade_transitions": dict(sorted(transitions.items(), key=lambda kv: -kv[1])),
        "examples": {k: v[:examples] for k, v in kinds.items() if v},
    }


def format_diff(report: dict, lang: str = "en") -> str:
    """The report of :func:`diff_policies` as text in ``lang``."""
    lines = [cli_text("diff.head", lang, count=report["records"])]
    rejected = cli_text("diff.rejected", lang)
    for key, count in report["changed"].items():
        lines.append(cli_text("diff.changed", lang, what=f"{cli_text('diff.' + key, lang):<18}", count=count))
    for step, count in report["grade_transitions"].items():
        shown = " -> ".join(rejected if grade == "rejected" else grade for grade in step.split(" -> "))
        lines.append(f"    {shown}: {count}")
    for key, items in report["examples"].items():
        lines.append(cli_text("diff.examples", lang, what=cli_text("diff." + key, lang)))
        for item in items:
            lines.append(f"    {item['id']}: {item['old']} -> {item['new']}")
    return "\n".join(lines)
