"""Locations, diagnostics and the one exception hierarchy of kaohe.

Every problem kaohe reports is a :class:`Diagnostic`: a stable code, a message in the
officer's words, where it is (:class:`Location`), and optionally the rule ID and a hint.
Diagnostics print as ``file:line:col: code: message``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = [
    "UNKNOWN",
    "Diagnostic",
    "InputError",
    "KaoheError",
    "Location",
    "OutputError",
    "PolicyError",
    "RecordError",
]


@dataclass(frozen=True, order=True)
class Location:
    """A place in a file: 1-based line and column; 0 where unknown."""

    file: str = "<unknown>"
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.col}"
        return self.file


UNKNOWN = Location()


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a policy, a record or an input file."""

    code: str
    message: str
    location: Location = UNKNOWN
    rule: str | None = None
    hint: str | None = None
    severity: str = "error"  # "error" or "warning"
    evidence: dict = field(default_factory=dict, compare=False)
    params: dict = field(default_factory=dict, compare=False)  # what the message was made from

    def __str__(self) -> str:
        return self.render("en")

    def render(self, lang: str = "en") -> str:
        """``file:line:col: code: message [rule]`` and the hint, in English or Chinese."""
        from .messages import localize_hint, localize_message

        where = "kaohe" if self.location == UNKNOWN else str(self.location)
        text = f"{where}: {self.code}: {localize_message(self, lang)}"
        if self.rule:
            text += f" [{self.rule}]"
        hint = localize_hint(self, lang)
        if hint:
            text += ("\n    提示：" if lang == "zh" else "\n    hint: ") + hint
        return text

    def as_dict(self) -> dict:
        out = {
            "code": self.code,
            "message": self.message,
            "file": self.location.file,
            "line": self.location.line,
            "col": self.location.col,
            "severity": self.severity,
        }
        if self.rule:
            out["rule"] = self.rule
        if self.hint:
            out["hint"] = self.hint
        if self.evidence:
            out["evidence"] = self.evidence
        return out


class KaoheError(Exception):
    """Base class of every error kaohe raises on purpose."""

    def __init__(self, diagnostics: Diagnostic | Iterable[Diagnostic]):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = sorted(diagnostics, key=lambda d: (d.location, d.code))
        super().__init__("\n".join(str(d) for d in self.diagnostics))

    @property
    def first(self) -> Diagnostic:
        return self.diagnostics[0]

    def __reduce__(self):
        return (type(self), (self.diagnostics,))


class PolicyError(KaoheError):
    """A policy file cannot be loaded: every problem found, sorted by location."""


class RecordError(KaoheError):
    """One input record cannot be evaluated (bad field, missing value, limit hit)."""

    @property
    def field(self) -> str | None:
        return self.first.evidence.get("field")


class InputError(KaoheError):
    """An input file as a whole cannot be read (wrong encoding, unknown format)."""


class OutputError(KaoheError):
    """The output cannot be written: a full disk, a file size limit, a read-only or missing
    folder, a directory where the file should be. The user's environment, not a bug."""
