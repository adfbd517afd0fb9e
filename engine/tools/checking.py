"""``kaohe check``: property-test a policy and say, readably, what does not hold.

Each failure names the property, the entity, the smallest record hypothesis found that
breaks it (as JSON, ready to paste into ``kaohe explain --record``), the evaluation day,
and why. Needs ``hypothesis`` (the ``test`` extra).
"""

from __future__ import annotations

import json

from ..base.errors import Diagnostic, KaoheError

__all__ = ["format_failures", "run_check"]


def format_failures(policy, failures, *, max_examples: int, seed: int, entities) -> str:
    checked = ", ".join(entities) if entities else ", ".join(policy.entities)
    head = (
        f"{policy.spec.id} {policy.spec.version} ({policy.spec.path}): entities {checked}; "
        f"{max_examples} examples per property, seed {seed}"
    )
    if not failures:
        return head + "\nall properties hold"
    lines = [head, f"{len(failures)} propert{'y does' if len(failures) == 1 else 'ies do'} not hold:"]
    for number, failure in enumerate(failures, 1):
        lines.append("")
        lines.append(f"{number}. {failure.property} — entity {failure.entity}")
        if failure.record is not None:
            lines.append("   counterexample: " + json.dumps(failure.record, ensure_ascii=False, sort_keys=False))
        if failure.as_of is not None:
            lines.append(f"   as of: {failure.as_of}")
        message = failure.message.rstrip().splitlines() or [""]
        lines.append("   " + message[0])
        lines.extend("   " + line for line in message[1:])
        if failure.record is not None and failure.as_of is not None:
            record = json.dumps(failure.record, ensure_ascii=False).replace("'", "'\\''")
            lines.append(
                f"   try: kaohe explain {policy.spec.path} --entity {failure.entity} "
                f"--record '{record}' --as-of {failure.as_of}"
            )
    return "\n".join(lines)


def run_check(policy_path, seed: int = 0, max_examples: int = 200, entities=None) -> tuple[bool, str]:
    """Load a policy and run the property checks; ``(ok, text)`` with the failures written
    out. A policy that does not load raises :class:`engine.PolicyError` as usual; an
    unknown entity raises :class:`engine.KaoheError`."""
    from ..runtime.policy import load_policy

    try:
        from . import testing
    except ImportError as exc:  # hypothesis is a test dependency
        raise KaoheError(
            Diagnostic(
                "usage.check", f"kaohe check needs hypothesis ({exc})", hint="python -m pip install 'kaohe[test]'"
            )
        ) from exc
    policy = load_policy(policy_path)
    entities = list(entities) if entities else None
    failures = testing.check(policy, seed=seed, max_examples=max_examples, entities=entities)
    return not failures, format_failures(policy, failures, max_examples=max_examples, seed=seed, entities=entities)
