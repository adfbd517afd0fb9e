"""The one "did you mean ...?" of kaohe, and the one way a message quotes a long text."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable

from .errors import Problem

__all__ = ["QUOTE_WIDTH", "closest", "did_you_mean", "excerpt", "invisible_at", "invisible_hint"]

#: the most characters of a policy's own text a message quotes
QUOTE_WIDTH = 120


def closest(word: object, choices: Iterable[object], cutoff: float = 0.6) -> str | None:
    """The choice most like ``word`` (difflib's ratio at least ``cutoff``), or None."""
    found = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=cutoff)
    return found[0] if found else None


#: characters that show nothing (or only a space) yet make a word differ: zero-width and other
#: format characters, control characters, and spaces other than the ordinary one (the
#: ideographic space U+3000 has its own hint, hint.fullwidth-space)
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp", "Co", "Cn"})


def invisible_at(text: object) -> int:
    """The index of the first invisible character of ``text``, or -1."""
    for index, ch in enumerate(str(text)):
        if ch not in " \t\n\r\u3000" and unicodedata.category(ch) in _INVISIBLE_CATEGORIES:
            return index
    return -1


def invisible_hint(text: object) -> Problem | None:
    """The hint naming the first invisible character of ``text`` (a zero-width space pasted
    from a web page or a Word file) and its place, or None."""
    index = invisible_at(text)
    if index < 0:
        return None
    ch = str(text)[index]
    return Problem(
        "hint.invisible-char",
        code=f"U+{ord(ch):04X}",
        name=unicodedata.name(ch, "unnamed").lower(),
        position=index + 1,
    )


def did_you_mean(word: object, choices: Iterable[object], otherwise: Problem | None = None) -> Problem | None:
    """The hint "did you mean '<closest>'?" for an unknown ``word``; else ``otherwise``.

    A word that differs from a choice only by an invisible character gets the hint naming
    that character instead: "did you mean 'rank'?" for a 'rank' that looks the same helps no one."""
    hidden = invisible_hint(word)
    if hidden is not None:
        return hidden
    found = closest(word, choices)
    return Problem("hint.did-you-mean", suggestion=found) if found is not None else otherwise


def excerpt(text: object, col: int = 0, width: int = QUOTE_WIDTH) -> str:
    """``text`` as a message quotes it: whole when it is short, else the ``width``
    characters around column ``col`` (1-based; 0 for "no column": the start), with "…"
    where text was left out. A 2 MB expression gives a message of a line, not of 2 MB."""
    text = str(text)
    if len(text) <= width:
        return text
    start = max(0, min(col - 1 - width // 2, len(text) - width)) if col > 0 else 0
    end = start + width
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
