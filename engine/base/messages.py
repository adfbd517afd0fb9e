"""The command line's own sentences, from the one catalogue (``cli.*`` keys).

Diagnostics render themselves (:meth:`engine.base.errors.Diagnostic.render`); this module
gives the sentences that are not problems: summaries, "ok" lines, column notes.
"""

from __future__ import annotations

from .errors import text

__all__ = ["cli_text"]


def cli_text(key: str, lang: str, **params) -> str:
    """The command line's sentence ``key`` in ``lang`` ("zh" or "en")."""
    return text("cli." + key, params, lang)
