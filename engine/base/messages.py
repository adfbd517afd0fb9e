"""The command line's own sentences, from the one catalogue (``cli.*`` keys).

Diagnostics render themselves (:meth:`engine.base.errors.Diagnostic.render`); this module
gives the sentences that are not problems: summaries, "ok" lines, column notes.
"""

from __future__ import annotations

import gettext
from pathlib import Path

from .errors import text

__all__ = ["LOCALE", "cli_text", "translation"]

#: gettext catalogues (``<lang>/LC_MESSAGES/kaohe.po``, compiled to ``.mo``): the command
#: line's --help texts and click's own messages, which click looks up through gettext
LOCALE = Path(__file__).resolve().parent.parent / "locale"


def cli_text(key: str, lang: str, **params: object) -> str:
    """The command line's sentence ``key`` in ``lang`` ("zh" or "en")."""
    return text("cli." + key, params, lang)


def translation(lang: str) -> gettext.NullTranslations:
    """The gettext catalogue of ``lang`` (domain ``kaohe``); English is the identity."""
    return gettext.translation("kaohe", localedir=LOCALE, languages=[lang], fallback=True)
