"""The one "did you mean ...?" of kaohe."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from .errors import Problem

__all__ = ["closest", "did_you_mean"]


def closest(word: object, choices: Iterable[object], cutoff: float = 0.6) -> str | None:
    """The choice most like ``word`` (difflib's ratio at least ``cutoff``), or None."""
    found = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=cutoff)
    return found[0] if found else None


def did_you_mean(word: object, choices: Iterable[object], otherwise: Problem | None = None) -> Problem | None:
    """The hint "did you mean '<closest>'?" for an unknown ``word``; else ``otherwise``."""
    found = closest(word, choices)
    return Problem("hint.did-you-mean", suggestion=found) if found is not None else otherwise
