"""Locations, diagnostics and the one exception hierarchy of kaohe.

Every problem kaohe reports is a :class:`Diagnostic`: a stable code, the parameters its
text is made from, where it is (:class:`Location`), and optionally the rule ID and a hint.
Its English and Chinese text come from one catalogue (:mod:`engine.base.catalogue`) keyed by
code. A converter or check that finds a problem below the level of a whole diagnostic (a
field's value, a computation) raises a :class:`Problem`: a catalogue key and parameters,
never a sentence. Diagnostics print as ``file:line:col: code: message``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .catalogue import CATALOGUE

__all__ = [
    "UNKNOWN",
    "Diagnostic",
    "InputError",
    "KaoheError",
    "Location",
    "OutputError",
    "PolicyError",
    "Problem",
    "RecordError",
    "SourcedRecord",
    "hint_text",
    "text",
    "unreadable_key",
]


class Problem(Exception):
    """A problem as data: a catalogue key and the parameters its text is made from.

    Converters and checks raise it (``Problem("value.not-a-number", value="abc")``);
    whoever reports it renders it in the officer's language with :meth:`render`. A
    parameter may itself be a Problem (the reason inside "field X is invalid: ...")."""

    def __init__(self, key: str, **params: Any):
        super().__init__(key)
        self.key = key
        self.params = params

    def render(self, lang: str = "en") -> str:
        return text(self.key, self.params, lang)

    def __str__(self) -> str:
        return self.render("en")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and (self.key, self.params) == (other.key, other.params)

    def __hash__(self) -> int:
        return hash(self.key)

    def __reduce__(self) -> tuple:
        return (_rebuild, (type(self), self.key, self.params))


def _rebuild(kind, key, params):
    return kind(key, **params)


class _Shown(dict):
    """Template parameters as text in one language: nested problems rendered, lists joined.
    Numbers arrive as the officer writes them (``format_number``), formatted by the caller."""

    def __init__(self, params: Mapping, lang: str):
        super().__init__(params)
        self.lang = lang

    def __getitem__(self, name: str) -> str:
        if name not in self:  # a text is never lost to a missing parameter; tests/invalid checks none is
            return "{" + name + "}"
        return _show(dict.__getitem__(self, name), self.lang)


def _show(value, lang: str) -> str:
    if isinstance(value, Problem):
        return value.render(lang)
    if isinstance(value, (list, tuple)):
        return ", ".join(_show(v, lang) for v in value)
    return str(value)


def text(key: str, params: Mapping | None = None, lang: str = "en") -> str:
    """The catalogue's text for ``key`` in ``lang`` ("zh" or "en"), made from ``params``."""
    entry = CATALOGUE[key]
    template = entry.zh if lang == "zh" else entry.en
    return template.format_map(_Shown(params or {}, lang))


def hint_text(key: str, params: Mapping | None = None, lang: str = "en") -> str | None:
    """The catalogue's standing hint for ``key``, if it has one."""
    entry = CATALOGUE[key]
    template = entry.hint_zh if lang == "zh" else entry.hint_en
    return template.format_map(_Shown(params or {}, lang)) if template else None


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
    """One problem found in a policy, a record or an input file.

    Made with :meth:`of` from a catalogue key and parameters; ``message`` and ``hint`` are
    then the English text, kept for JSON output, and :meth:`render` gives either language.
    A diagnostic made directly from a ``message`` (not catalogued) renders that text."""

    code: str
    message: str
    location: Location = UNKNOWN
    rule: str | None = None
    hint: str | None = None
    severity: str = "error"  # "error" or "warning"
    evidence: dict = field(default_factory=dict, compare=False)
    params: dict = field(default_factory=dict, compare=False)  # what the message is made from
    key: str = field(default="", compare=False)  # the catalogue entry: the code, or code/variant
    advice: Problem | None = field(default=None, compare=False)  # a hint made for this case

    @classmethod
    def of(
        cls,
        key: str,
        location: Location | None = None,
        /,
        *,
        rule: str | None = None,
        advice: Problem | None = None,
        severity: str = "error",
        evidence: dict | None = None,
        **params: Any,
    ) -> Diagnostic:
        """The diagnostic for catalogue entry ``key`` (``code`` or ``code/variant``)."""
        hint = advice.render("en") if advice is not None else hint_text(key, params, "en")
        return cls(
            key.partition("/")[0],
            text(key, params, "en"),
            location or UNKNOWN,
            rule,
            hint,
            severity,
            evidence or {},
            params,
            key,
            advice,
        )

    def message_in(self, lang: str) -> str:
        """The message alone, in ``lang``."""
        return text(self.key, self.params, lang) if self.key else self.message

    def hint_in(self, lang: str) -> str | None:
        """The hint alone, in ``lang``."""
        if not self.key:
            return self.hint
        if self.advice is not None:
            return self.advice.render(lang)
        return hint_text(self.key, self.params, lang)

    def __str__(self) -> str:
        return self.render("en")

    def render(self, lang: str = "en") -> str:
        """``file:line:col: code: message [rule]`` and the hint, in English or Chinese."""
        where = "kaohe" if self.location == UNKNOWN else str(self.location)
        out = f"{where}: {self.code}: {self.message_in(lang)}"
        if self.rule:
            out += f" [{self.rule}]"
        hint = self.hint_in(lang)
        if hint:
            out += ("\n    提示：" if lang == "zh" else "\n    hint: ") + hint
        return out

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

    def __reduce__(self) -> tuple:
        return (type(self), (self.diagnostics,))


class PolicyError(KaoheError):
    """A policy file cannot be loaded: every problem found, sorted by location.

    ``language`` is the policy's own ``language:`` (zh or en) when the file was read far
    enough to know it, so its problems can be shown in that language; else None."""

    language: str | None = None


class RecordError(KaoheError):
    """One input record cannot be evaluated (bad field, missing value, limit hit)."""

    @property
    def field(self) -> str | None:
        return self.first.evidence.get("field")


class SourcedRecord(dict):
    """A record read from a row of a spreadsheet or CSV file: its fields, and where each came
    from, so that a refused value is named by its cell (``C7``) or its line and column.

    ``source`` is ``(kind, line, columns)``: ``kind`` ``"xlsx"`` or ``"csv"``, the row's line
    (1-based, as the file counts it), and ``{field: column}`` (a letter for a sheet, a 1-based
    number for CSV), shared by all the rows of one file."""

    __slots__ = ("source",)
    source: tuple

    def located(self, error: RecordError) -> RecordError:
        """``error`` with each refused field value named by its cell, or line and column."""
        kind, line, columns = self.source
        out = []
        changed = False
        for diagnostic in error.diagnostics:
            field = diagnostic.evidence.get("field")
            column = columns.get(field)
            if column is None or diagnostic.key not in ("record.invalid", "record.invalid/unlabelled"):
                out.append(diagnostic)
                continue
            changed = True
            where = {"cell": f"{column}{line}"} if kind == "xlsx" else {"line": line, "column": column}
            variant = ("-" if diagnostic.key.endswith("unlabelled") else "/") + ("cell" if kind == "xlsx" else "line")
            out.append(
                Diagnostic.of(
                    diagnostic.key + variant,
                    diagnostic.location,
                    rule=diagnostic.rule,
                    evidence={**diagnostic.evidence, **where},
                    **diagnostic.params,
                    **where,
                )
            )
        return type(error)(out) if changed else error


class InputError(KaoheError):
    """An input file as a whole cannot be read (wrong encoding, unknown format)."""


def unreadable_key(exc: OSError, code: str) -> str:
    """The catalogue key for a file that cannot be opened: ``code`` with the reason as its
    variant (not found, a folder, no permission), so the text needs no English from the OS."""
    if isinstance(exc, FileNotFoundError):
        return code + "/not-found"
    if isinstance(exc, IsADirectoryError):
        return code + "/directory"
    if isinstance(exc, PermissionError):
        return code + "/permission"
    return code


class OutputError(KaoheError):
    """The output cannot be written: a full disk, a file size limit, a read-only or missing
    folder, a directory where the file should be. The user's environment, not a bug."""
