"""``kaohe check``: property-test a policy and say, readably, what does not hold.

Each failure names the property, the entity, the smallest record hypothesis found that
breaks it (as JSON, ready to paste into ``kaohe explain --record``), the evaluation day,
and why. Needs ``hypothesis`` (the ``test`` extra).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..base.errors import Diagnostic, KaoheError
from ..base.messages import cli_text

if TYPE_CHECKING:
    from ..runtime.policy import Policy
    from .testing import CheckFailure

__all__ = ["format_failures", "run_check"]


def format_failures(
    policy: Policy,
    failures: Sequence[CheckFailure],
    *,
    max_examples: int,
    seed: int,
    entities: Sequence[str] | None,
    lang: str = "en",
) -> str:
    """The failures of :func:`engine.tools.testing.check`, written out in ``lang``."""
    checked = ", ".join(entities) if entities else ", ".join(policy.entities)
    spec = policy.spec
    head = cli_text(
        "check.head",
        lang,
        policy=spec.id,
        version=spec.version,
        path=spec.path,
        entities=checked,
        examples=max_examples,
        seed=seed,
    )
    if not failures:
        return head + "\n" + cli_text("check.hold", lang)
    count = len(failures)
    lines = [head, cli_text("check.broken-one", lang) if count == 1 else cli_text("check.broken", lang, count=count)]
    for number, failure in enumerate(failures, 1):
        lines.append("")
        lines.append(cli_text("check.failure", lang, number=number, property=failure.property, entity=failure.entity))
        if failure.record is not None:
            shown = json.dumps(failure.record, ensure_ascii=False, sort_keys=False)
            lines.append(cli_text("check.counterexample", lang, record=shown))
        if failure.as_of is not None:
            lines.append(cli_text("check.as-of", lang, day=failure.as_of))
        message = failure.text(lang).rstrip().splitlines() or [""]
        lines.append("   " + message[0])
        lines.extend("   " + line for line in message[1:])
        if failure.record is not None and failure.as_of is not None:
            record = json.dumps(failure.record, ensure_ascii=False).replace("'", "'\\''")
            command = f"kaohe explain {policy.spec.path} --entity {failure.entity} --record '{record}' --as-of {failure.as_of}"
            lines.append(cli_text("check.try", lang, command=command))
    return "\n".join(lines)


def run_check(
    policy_path: str | Path,
    seed: int = 0,
    max_examples: int = 200,
    entities: Sequence[str] | None = None,
    lang: str = "en",
    progress: Callable[[list, int], Iterable] | None = None,
) -> tuple[bool, str]:
    """Load a policy and run the property checks; ``(ok, text)`` with the failures written
    out. A policy that does not load raises :class:`engine.PolicyError` as usual; an
    unknown entity raises :class:`engine.KaoheError`."""
    from ..runtime.policy import load_policy

    try:
        from . import testing
    except ImportError as exc:  # hypothesis is a test dependency
        raise KaoheError(Diagnostic.of("usage.check", name=exc.name or "hypothesis")) from exc
    policy = load_policy(policy_path)
    entities = list(entities) if entities else None
    failures = testing.check(policy, seed=seed, max_examples=max_examples, entities=entities, progress=progress)
    text = format_failures(policy, failures, max_examples=max_examples, seed=seed, entities=entities, lang=lang)
    return not failures, text
