"""Reading records from files and writing outcomes, streaming, as schools export them.

Readers yield one item per input record: a dict of raw fields, or a
:class:`~engine.result.Failure` for a record that cannot even be read (a corrupt JSON
line, an undecodable CSV row, a ragged row). Nothing is dropped, nothing is reordered.
Writers take outcomes one at a time; :func:`atomic_output` replaces the target file only
when the whole run finished.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as dt
import errno
import json
import os
import re
import stat
import sys
import tempfile
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import IO, Any, TextIO, TypeAlias, cast

from ..base.errors import (
    Diagnostic,
    InputError,
    Location,
    OutputError,
    Problem,
    RecordError,
    SourcedRecord,
    unreadable_key,
)
from ..language.aliases import column_map
from ..language.kinds import build_coercer, count_normalised
from ..language.model import Entity
from ..runtime.result import Failure, Result

__all__ = [
    "FORMATS",
    "MAX_DEPTH",
    "MAX_ID",
    "MAX_JSON",
    "MAX_LINE",
    "MAX_TEXT",
    "Carried",
    "SeenKeys",
    "Writer",
    "annotate",
    "atomic_output",
    "carried_columns",
    "check_output",
    "column_map",
    "detect_format",
    "first_keys",
    "flat_row",
    "group_columns",
    "make_writer",
]

FORMATS = ("jsonl", "json", "csv", "table")
#: The same limits for every input format: one record (a JSON line, a CSV row, an item of a
#: .json array) at most MAX_LINE bytes; its values nested at most MAX_DEPTH deep; an id at
#: most MAX_ID characters and a text (string or enum) field at most MAX_TEXT. A .json input
#: is read whole, so it may be at most MAX_JSON bytes (use .jsonl, streamed, beyond that).
MAX_LINE = 16 * 1024 * 1024
MAX_DEPTH = 10
MAX_ID = 256
MAX_TEXT = 4096
MAX_JSON = 64 * 1024 * 1024


def detect_format(path: str) -> str:
    if path == "-":
        return "jsonl"
    suffix = Path(path).suffix.lower()
    return {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".xlsx": "xlsx"}.get(suffix, "")


def _bad_number(text):
    """NaN and Infinity are kept (as floats) so that the field's coercer rejects that field,
    naming it, instead of the whole line."""
    return float(text)


def _parse_float(text: str):
    """A JSON number with a fraction or exponent, exactly; ``1e999999999`` stays a lazy
    Decimal (expanding it would take minutes) and its field's coercer refuses it."""
    mantissa, _, exponent = text.lower().partition("e")
    if len(mantissa) > 200 or (exponent and abs(int(exponent)) > 400):
        return Decimal(text)
    if not exponent:  # the common case, 45.5: whole digits over a power of ten
        whole, _, decimals = mantissa.partition(".")
        return Fraction(int(whole + decimals), 10 ** len(decimals))
    return Fraction(text)


class DuplicateKey(Exception):
    """A JSON object that gives one key twice: json keeps the last value without a word."""

    def __init__(self, field: str, record: dict):
        super().__init__(field)
        self.field, self.record = field, record

    def id_of(self, entity: Entity) -> str | None:
        """The record's id, when the object given twice a key is the record itself."""
        value = self.record.get(entity.key)
        return value if isinstance(value, str) and len(value) <= MAX_ID else None


def _pairs(pairs: list) -> dict:
    record = dict(pairs)
    if len(record) != len(pairs):
        seen: set = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key, record)
            seen.add(key)
    return record


def _loads(text: str):
    return json.loads(text, parse_float=_parse_float, parse_constant=_bad_number, object_pairs_hook=_pairs)


_KEY_HEADERS: dict[int, tuple[Entity, frozenset]] = {}


def _key_headers(entity: Entity) -> frozenset:
    """The headers other than its own name the entity's key goes by (工号 for id), worked out
    once per entity: a server reads many one-record requests."""
    known = _KEY_HEADERS.get(id(entity))
    if known is None or known[0] is not entity:
        key = entity.key
        headers = frozenset(header for header, field in column_map(entity).items() if field == key and header != key)
        if len(_KEY_HEADERS) >= 256:  # policies loaded again and again (a watch loop): stay small
            _KEY_HEADERS.clear()
        known = _KEY_HEADERS[id(entity)] = (entity, headers)
    return known[1]


class SeenKeys:
    """The keys of the records read so far from one input, each with its line: a key given
    again refuses the later record, naming the line of the first (unless the entity declares
    ``unique_key: false``). Keys are compared as the key input reads them (`` t1 `` is t1)."""

    def __init__(self, entity: Entity, name: str, item: str = ""):
        self.entity, self.name, self.item = entity, name, item
        self.active = entity.unique_key
        key = entity.key
        self.headers = set(_key_headers(entity))  # its own copy: a table reader empties it
        spec = entity.inputs.get(key)
        self.coerce = build_coercer(spec) if spec is not None else None
        self.first: dict = {}

    def key_of(self, record: object) -> object:
        """The record's key as its input reads it; None when it has none or it is invalid
        (the record is refused for that anyway)."""
        if not isinstance(record, dict):
            return None
        raw = record.get(self.entity.key)
        if raw is None and self.headers:
            for field, value in record.items():
                if isinstance(field, str) and (field.strip() in self.headers or field.strip().lower() in self.headers):
                    raw = value
                    break
        if raw is None or raw == "":
            return None
        try:
            key = self.coerce(raw) if self.coerce is not None else raw
            hash(key)
        except (ValueError, TypeError):
            return None
        return key

    def repeated(self, key: object, line: int) -> int | None:
        """The line that first gave ``key``, when this is not it; else None (and remembered)."""
        if key is None or not self.active:
            return None
        first = self.first.setdefault(key, line)
        return first if first != line else None

    def failure(self, key: object, line: int, first: int) -> Failure:
        shown = key if isinstance(key, str) else str(key)
        return record_failure(
            self.entity,
            self.name,
            line,
            "input.duplicate-id" + self.item,
            id_=shown,
            field=self.entity.key,
            id=repr(shown),
            first=first,
        )

    def check(self, item: object, line: int) -> object:
        """``item``, or the Failure that refuses it as a repeated key."""
        if not self.active or not isinstance(item, dict):
            return item
        key = self.key_of(item)
        first = self.repeated(key, line)
        return item if first is None else self.failure(key, line, first)


def record_failure(entity: Entity, file: str, line: int, key: str, id_: str | None = None, **params: Any) -> Failure:
    """The Failure for a line or row that is not a record: catalogue entry ``key`` at ``line``."""
    return Failure(
        entity.name, id_, RecordError(Diagnostic.of(key, Location(file, line, 0), line=line, **params)), line
    )


_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _refuse_utf16(stream: IO[bytes], name: str) -> None:
    """A sheet saved as 'Unicode text' is UTF-16: refuse the file instead of a row of garbage."""
    peek = getattr(stream, "peek", None)
    head = peek(4)[:4] if peek else b""
    if head.startswith(_WIDE_BOMS):
        raise InputError(Diagnostic.of("input.encoding/utf-16", Location(name)))


def _long_lines(stream: IO[bytes]) -> Iterator[bytes | None]:
    """Lines of at most MAX_LINE bytes; None for a longer one, whose rest is skipped
    without holding it in memory."""
    while True:
        raw = stream.readline(MAX_LINE + 1)
        if not raw:
            return
        if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(MAX_LINE + 1)
            yield None
            continue
        yield raw


def jsonl_record(raw: bytes | None, number: int, name: str, entity: Entity) -> dict | Failure | None:
    """One JSON Lines line as a record, a Failure, or None for a blank line."""
    if raw is None or len(raw) > MAX_LINE:
        return record_failure(entity, name, number, "input.line-too-long", mib=MAX_LINE // (1024 * 1024))
    if not raw.strip():
        return None
    try:
        text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError:
        return record_failure(entity, name, number, "input.encoding/jsonl-line")
    try:
        record = _loads(text)
    except RecursionError:
        return _too_deep(entity, name, number)
    except DuplicateKey as exc:
        return record_failure(entity, name, number, "input.duplicate-key", id_=exc.id_of(entity), field=exc.field)
    except ValueError as exc:
        return record_failure(entity, name, number, "input.json", parser=str(exc))
    if not isinstance(record, dict):
        return record_failure(entity, name, number, "input.json/not-object")
    return limit_record(record, entity, name, number)


_FLAT = frozenset({int, float, str, bool, type(None), Fraction, Decimal})


def _depth(value, limit: int) -> int:
    """How deep ``value`` nests, counting no further than ``limit + 1``. Only nested values
    are descended into: a list of 190 daily counts costs 190 type checks, not 190 calls."""
    if limit < 0 or not isinstance(value, (dict, list)):
        return 0
    items = value.values() if isinstance(value, dict) else value
    if _FLAT.issuperset(map(type, items)):  # all plain values: one pass in C
        return 1
    deepest = 0
    for item in items:
        if isinstance(item, (dict, list)):
            deepest = max(deepest, _depth(item, limit - 1))
    return 1 + deepest


def _too_deep(entity: Entity, name: str, number: int, id_=None):
    return record_failure(entity, name, number, "input.too-deep", id_=id_, limit=MAX_DEPTH)


def _shown(text: str, size: int = 40) -> str:
    return text if len(text) <= size else text[:size] + "…"


def limit_record(record: dict, entity: Entity, name: str, number: int) -> dict | Failure:
    """``record``, or a Failure when it breaks a limit every input format shares: values nested
    more than MAX_DEPTH deep, an id longer than MAX_ID characters, a text field longer than
    MAX_TEXT."""
    key = entity.key
    record_id = record.get(key)
    if isinstance(record_id, str) and len(record_id) > MAX_ID:
        return record_failure(
            entity,
            name,
            number,
            "input.field-too-long/id",
            field=key,
            length=len(record_id),
            limit=MAX_ID,
            start=_shown(record_id),
        )
    shown_id = record_id if isinstance(record_id, str) or record_id is None else str(record_id)
    if _depth(record, MAX_DEPTH) > MAX_DEPTH:
        return _too_deep(entity, name, number, id_=shown_id if isinstance(record_id, str) else None)
    for field, value in record.items():
        inp = entity.inputs.get(field)
        if isinstance(value, str) and len(value) > MAX_TEXT and (inp is None or inp.type in ("string", "enum")):
            return record_failure(
                entity,
                name,
                number,
                "input.field-too-long",
                id_=shown_id,
                field=field,
                length=len(value),
                limit=MAX_TEXT,
            )
    return record


def jsonl_lines(path: str) -> Iterator:
    """The raw lines of a JSON Lines file (None for one over the length limit), for workers
    that parse them themselves."""
    with open_input(path) as stream:
        _refuse_utf16(stream, path)
        yield from _long_lines(stream)


def first_keys(path: str) -> list | None:
    """The fields of a JSON Lines file's first record (its header, as it were), or None when
    it cannot be read here (the reader reports that itself)."""
    try:
        for raw in jsonl_lines(path):
            if raw is None:
                return None
            text = raw.decode("utf-8-sig", "replace").strip() if isinstance(raw, bytes) else str(raw).strip()
            if text:
                record = json.loads(text)
                return [k for k in record if isinstance(k, str)] if isinstance(record, dict) else None
    except (InputError, ValueError, OSError):
        return None
    return None


def open_input(path: str) -> IO[bytes]:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise InputError(Diagnostic.of(unreadable_key(exc, "input.unreadable"), Location(path))) from None


def read_jsonl(stream: IO[bytes], name: str, entity: Entity) -> Iterator:
    _refuse_utf16(stream, name)
    seen = SeenKeys(entity, name)
    for number, raw in enumerate(_long_lines(stream), 1):
        item = jsonl_record(raw, number, name, entity)
        if item is not None:
            yield seen.check(item, number)


def read_json(stream: IO[bytes], name: str, entity: Entity) -> Iterator:
    """A .json input: one array of records (or one record), at most MAX_JSON bytes. The items
    are decoded one at a time, each under the limits of a JSON line."""
    raw = stream.read(MAX_JSON + 1)
    if len(raw) > MAX_JSON:
        raise InputError(Diagnostic.of("input.too-large", Location(name), mib=MAX_JSON // (1024 * 1024)))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(Diagnostic.of("input.encoding/json", Location(name))) from None
    del raw
    decoder = json.JSONDecoder(parse_float=_parse_float, parse_constant=_bad_number, object_pairs_hook=_pairs)
    seen = SeenKeys(entity, name, "/item")
    blank = re.compile(r"[ \t\n\r]*")

    def invalid(exc):
        return InputError(Diagnostic.of("input.json/file", Location(name), parser=str(exc)))

    pos = _skip_blank(blank, text)
    if text.startswith("{", pos):  # one record
        try:
            record, end = decoder.raw_decode(text, pos)
        except RecursionError:
            yield _too_deep(entity, name, 1)
            return
        except DuplicateKey as exc:
            yield record_failure(
                entity, name, 1, "input.duplicate-key/item", id_=exc.id_of(entity), index=1, field=exc.field
            )
            return
        except ValueError as exc:
            raise invalid(exc) from None
        if text[_skip_blank(blank, text, end) :]:
            raise invalid("extra data after the record")
        yield _json_item(record, end - pos, 1, entity, name)
        return
    if not text.startswith("[", pos):
        try:
            decoder.raw_decode(text, pos)
        except ValueError as exc:
            raise invalid(exc) from None
        raise InputError(Diagnostic.of("input.json/not-array", Location(name)))
    pos = _skip_blank(blank, text, pos + 1)
    index = 0
    while not text.startswith("]", pos):
        index += 1
        start = pos
        try:
            try:
                record, pos = decoder.raw_decode(text, pos)
                item = seen.check(_json_item(record, pos - start, index, entity, name), index)
            except RecursionError:
                item = _too_deep(entity, name, index)
                pos = _skip_value(text, start)
            except DuplicateKey as exc:
                item = record_failure(
                    entity, name, index, "input.duplicate-key/item", id_=exc.id_of(entity), index=index, field=exc.field
                )
                pos = _skip_value(text, start)
        except ValueError as exc:
            raise invalid(exc) from None
        record = None
        yield item
        pos = _skip_blank(blank, text, pos)
        if text.startswith(",", pos):
            pos = _skip_blank(blank, text, pos + 1)
            if text.startswith("]", pos):
                raise invalid(f"a comma after the last item (char {pos})")
            continue
        if not text.startswith("]", pos):
            raise invalid(f"expected ',' or ']' after item {index} (char {pos})")
    pos = _skip_blank(blank, text, pos + 1)
    if pos < len(text):
        raise invalid(f"extra data after the array (char {pos})")


def _skip_blank(blank: re.Pattern, text: str, pos: int = 0) -> int:
    """The position after the blanks at ``pos`` (the pattern matches the empty string too)."""
    match = blank.match(text, pos)
    return match.end() if match else pos


def _json_item(record, size: int, index: int, entity: Entity, name: str):
    if size > MAX_LINE:
        return record_failure(
            entity, name, index, "input.line-too-long/item", index=index, mib=MAX_LINE // (1024 * 1024)
        )
    if not isinstance(record, dict):
        return record_failure(entity, name, index, "input.json/item", index=index)
    return limit_record(record, entity, name, index)


def _skip_value(text: str, pos: int) -> int:
    """The end of the bracketed JSON value at ``pos``, found without decoding it (used only
    for a value too deep to decode); ValueError if it never closes."""
    depth = 0
    in_string = False
    i = pos
    end = len(text)
    while i < end:
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError("an array or object is never closed")


class _Lines:
    """Binary lines decoded as UTF-8 (BOM allowed) or, failing that, GBK/GB18030 as Excel
    writes it on a Chinese system. Remembers which line failed to decode, and the lines
    taken since the last row (to recover the rows an unclosed quote swallowed). ``counted``:
    whether a line decoded as GBK counts as a normalisation (not when only the header is peeked
    at before the run, or the run summary counts the header once per peek)."""

    def __init__(self, stream: IO[bytes], counted: bool = True):
        self.stream = stream
        self.counted = counted
        self.encoding = "utf-8"
        self.bad: set[int] = set()
        self.long: set[int] = set()
        self.cut: int | None = None  # the last line, when it has no line end
        self.number = 0
        self.taken: list[tuple[int, str]] = []

    def __iter__(self) -> Iterator[str]:
        for raw in _long_lines(self.stream):
            self.number += 1
            if raw is None:
                self.long.add(self.number)
                self.taken.append((self.number, "\n"))
                yield "\n"
                continue
            if not raw.endswith(b"\n") and raw.strip():
                self.cut = self.number
            if self.number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            for encoding in (self.encoding, "gb18030") if self.encoding == "utf-8" else (self.encoding, "utf-8"):
                try:
                    text = raw.decode(encoding)
                    self.encoding = encoding
                    if encoding == "gb18030" and self.counted and not raw.isascii():
                        count_normalised("gbk")
                    break
                except UnicodeDecodeError:
                    continue
            else:
                self.bad.add(self.number)
                text = "\n"
            self.taken.append((self.number, text))
            yield text

    def take(self) -> list[tuple[int, str]]:
        taken, self.taken = self.taken, []
        return taken


def csv_header(path: str | Path) -> list[str]:
    """The header cells of a CSV file (UTF-8, BOM or GBK), or [] if it has none."""
    try:
        with open(path, "rb") as stream:
            return [cell.strip() for cell in next(csv.reader(_Lines(stream, counted=False)), [])]
    except (OSError, csv.Error):
        return []


def cut_line_warning(name: str, number: int) -> Diagnostic:
    """The warning for a record read from a last line that has no line end."""
    return Diagnostic.of("input.cut-line", Location(name, number, 0), severity="warning", line=number)


def read_csv(stream: IO[bytes], name: str, entity: Entity, notes: dict | None = None, strict: bool = False) -> Iterator:
    """The rows of a CSV file as records. A record read from a last line without a line end
    (the file may be cut) is refused with ``strict``; otherwise its position among the items
    (1-based) is noted in ``notes`` with the warning."""
    state: dict = {"cut": None}
    for position, item in enumerate(_csv_items(stream, name, entity, strict, state), 1):
        if state["cut"] is not None:
            if notes is not None:
                notes[position] = state["cut"]
            state["cut"] = None
        yield item


def _csv_items(stream: IO[bytes], name: str, entity: Entity, strict: bool, state: dict) -> Iterator:
    _refuse_utf16(stream, name)
    lines = _Lines(stream)
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise InputError(Diagnostic.of("input.csv/header", Location(name, 1, 0), parser=str(exc))) from None
    lines.take()
    mapping = column_map(entity)
    names: list[str] = []
    for column, cell in enumerate(header, 1):
        key = cell.strip()
        field = mapping.get(key) or mapping.get(key.lower()) or key
        if field in entity.inputs and field in names:
            first = names.index(field) + 1
            raise InputError(
                Diagnostic.of("input.csv/same-field", Location(name, 1, 0), first=first, column=column, field=field)
            )
        names.append(field)
    width = len(names)
    key_name = entity.key
    seen = SeenKeys(entity, name)
    columns = {field: column for column, field in enumerate(names, 1) if field in entity.inputs}

    def looks_like_rows(taken) -> bool:
        # an unclosed quote makes one 'row' of the following records: its continuation
        # lines then hold about as many commas as the header has
        return len(taken) > 1 and width >= 3 and any(text.count(",") >= width - 1 for _, text in taken[1:])

    def item(row, number):
        if number in lines.bad:
            lines.bad.discard(number)
            return record_failure(entity, name, number, "input.encoding")
        if number in lines.long:
            lines.long.discard(number)
            return record_failure(entity, name, number, "input.line-too-long", mib=MAX_LINE // (1024 * 1024))
        if not row or all(not c.strip() for c in row):
            return None
        if len(row) > width and any(c.strip() for c in row[width:]):
            record_id = row[names.index(key_name)] if key_name in names and names.index(key_name) < len(row) else None
            return record_failure(
                entity,
                name,
                number,
                "input.ragged",
                id_=record_id,
                cells=len(row),
                width=width,
            )
        sourced = SourcedRecord(zip(names, row))
        sourced.source = ("csv", number, columns)  # a refused value is named by line and column
        record = limit_record(sourced, entity, name, number)
        if number == lines.cut and isinstance(record, dict):
            record_id = record.get(key_name)
            warning = cut_line_warning(name, number)
            if strict:
                return Failure(
                    entity.name, record_id, RecordError(dataclasses.replace(warning, severity="error")), number
                )
            state["cut"] = warning
        return seen.check(record, number)

    def unclosed(taken, key, **params):
        first, last = taken[0][0], taken[-1][0]
        head = next(csv.reader([taken[0][1].replace('"', "")]), [])
        at = names.index(key_name) if key_name in names else len(head)
        yield record_failure(
            entity,
            name,
            first,
            key,
            id_=head[at].strip() or None if at < len(head) else None,
            next=first + 1,
            last=last,
            **params,
        )
        for number, text in taken[1:]:
            try:
                row = next(csv.reader([text]), [])
            except csv.Error as exc:
                yield record_failure(entity, name, number, "input.csv", parser=str(exc))
                continue
            out = item(row, number)
            if out is not None:
                yield out

    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            taken = lines.take()
            if looks_like_rows(taken):
                yield from unclosed(taken, "input.csv/quote-error", parser=str(exc))
            else:
                yield record_failure(entity, name, lines.number, "input.csv", parser=str(exc))
            continue
        taken = lines.take()
        if looks_like_rows(taken):
            yield from unclosed(taken, "input.csv/quote")
            continue
        out = item(row, lines.number)
        if out is not None:
            yield out


# --- writers -----------------------------------------------------------------------------------


class Annotated:
    """An outcome with warnings about its record (e.g. read from a line that may be cut);
    ``to_dict`` adds them as ``"warnings"``."""

    __slots__ = ("outcome", "warnings")

    def __init__(self, outcome: Result | Failure, warnings: list[Diagnostic]) -> None:
        self.outcome, self.warnings = outcome, warnings

    def __getattr__(self, name: str) -> Any:
        return getattr(self.outcome, name)

    @property
    def text(self) -> None:  # a worker's serialised line does not hold the warnings: serialise again
        return None

    def to_dict(self, lang: str = "zh", trace: bool = False) -> dict:

        data = dict(self.outcome.to_dict(lang, trace))
        data["warnings"] = [
            {"code": w.code, "message": w.message, "text": w.message_in(lang), "line": w.location.line}
            for w in self.warnings
        ]
        return data


#: what a writer writes: a result, a refused record, or either with the reader's warnings
Outcome: TypeAlias = "Result | Failure | Annotated"


def annotate(outcomes: Iterable[Result | Failure], notes: dict) -> Iterator:
    """``outcomes`` with the reader's warnings (``notes``: position -> Diagnostic) attached to
    the outcome of the same position. The reader fills ``notes`` as it goes, always before
    the outcome of that record is taken."""
    for position, outcome in enumerate(outcomes, 1):
        warning = notes.get(position)
        yield outcome if warning is None else Annotated(outcome, [warning])


def _warnings_text(data: dict) -> str:
    return "; ".join(w["text"] for w in data.get("warnings", ()))


class Carried:
    """Pass-through columns (姓名, 学校, ...): remembers them from each record as the
    evaluation pulls it, and hands them to the writer with that record's outcome.

    ``columns`` are headers, or ``(header, spellings)`` pairs (a policy's ``pass_through``:
    the value comes from the first spelling the record has; headers also match with spaces
    trimmed and in any case). Evaluation yields exactly one outcome per record, in order, so
    the values wait in a queue (a record or two; more with worker processes) and never meet
    another record's outcome. When nothing pulls the records through the evaluation (a
    Parquet input read as a table), :meth:`pop` reads the next record itself.

    A column a record does not have is left empty and counted: :meth:`missing` gives, per
    column, how many records lacked it, for one warning after the run."""

    def __init__(self, records: Iterable | None, columns: Iterable) -> None:
        self.records = records
        self.specs = [(c, (c,)) if isinstance(c, str) else (c[0], tuple(c[1])) for c in columns]
        self.columns = [column for column, _ in self.specs]
        self.queue: deque = deque()
        self.seen = 0
        self.absent = dict.fromkeys(self.columns, 0)
        self._pulled: Iterator | None = None

    def __iter__(self) -> Iterator:
        for record in self.records if self.records is not None else ():
            self.queue.append(self._values(record))
            yield record

    def over(self, records: Iterable) -> Iterator:
        """``records``, remembering each one's pass-through values as it is pulled."""
        self.records = records
        return iter(self)

    def _values(self, record) -> dict:
        if not isinstance(record, dict):  # a line that could not be read: its error is the row
            return dict.fromkeys(self.columns)
        self.seen += 1
        values = {}
        folded = None
        for column, headers in self.specs:
            for header in headers:
                if header in record:
                    values[column] = _carried_value(record[header])
                    break
            else:
                if folded is None:
                    folded = {k.strip().lower(): k for k in record if isinstance(k, str)}
                key = next((folded[h.strip().lower()] for h in headers if h.strip().lower() in folded), None)
                if key is None:
                    self.absent[column] += 1
                    values[column] = None
                else:
                    values[column] = _carried_value(record[key])
        return values

    def pop(self) -> dict:
        if not self.queue:  # nothing pulled the records: read the next one here
            if self._pulled is None:
                self._pulled = iter(self)
            pulled = self._pulled
            if next(pulled, None) is None and not self.queue:
                return dict.fromkeys(self.columns)
        return self.queue.popleft()

    def missing(self) -> list[tuple[str, int, int]]:
        """``(column, records without it, records read)`` for each column some record lacked."""
        return [(column, count, self.seen) for column, count in self.absent.items() if count]


def carried_columns(
    entity: Entity,
    given: Sequence[str] = (),
    unknown: Sequence[str] = (),
    skip_inputs: bool = False,
    headers: Sequence[str] | None = None,
) -> list[tuple[str, tuple[str, ...]]]:
    """The pass-through columns of a run, as ``(header, spellings)``: the entity's
    ``pass_through:`` first, then the columns named on the command line (``given``; they add
    to the policy's), then ``unknown`` (an input sheet's other columns, the xlsx default),
    each once. A given column that is one of the entity's inputs raises a Problem
    (``pass-through.input``): its value is read, and shown by its result; with
    ``skip_inputs`` (a group level of --members, whose members have the given columns) it is
    left out instead. ``headers``, when the input has a header row (CSV, xlsx), drops the
    policy's columns it does not have: a policy names what rosters may carry."""
    specs = [(p.column, p.headers) for p in entity.pass_through]
    if headers is not None:
        have = {h.strip().lower() for h in headers if isinstance(h, str)}
        specs = [(c, spellings) for c, spellings in specs if any(h.strip().lower() in have for h in spellings)]
    taken = {h.strip().lower() for _, headers in specs for h in headers}
    inputs = column_map(entity)
    for header in given:
        name = inputs.get(header.strip()) or inputs.get(header.strip().lower())
        if name is not None and skip_inputs:
            given = [g for g in given if g != header]
        elif name is not None:
            raise Problem("pass-through.input", column=header, input=name, label=entity.inputs[name].label.zh)
    for header in (*given, *unknown):
        if header.strip().lower() not in taken:
            taken.add(header.strip().lower())
            specs.append((header, (header,)))
    return specs


def group_columns(records: Iterable, entity: Entity, member: Entity) -> dict:
    """The pass-through columns of a group entity (a school judged from its teachers), by
    group id: a column's value where every member record that gives it agrees, else empty.
    Groups are found as the evaluation finds them (the ``by`` inputs, trimmed, a default
    where a record leaves one out)."""
    if entity.members is None or not entity.pass_through:
        return {}
    by = entity.members.by
    probe = Carried(None, [(p.column, p.headers) for p in entity.pass_through])
    shared: dict = {}
    for record in records:
        if not isinstance(record, dict):
            continue
        key = []
        for name in by:
            value = record.get(name)
            inp = member.inputs.get(name)
            if value in (None, "") and inp is not None and inp.has_default:
                value = inp.default
            key.append(value.strip() if isinstance(value, str) else value)
        group = key[0] if len(key) == 1 else " / ".join(str(part) for part in key)
        values = probe._values(record)
        seen = shared.setdefault(group, {})
        for column, value in values.items():
            if value in (None, ""):
                continue
            seen[column] = value if seen.get(column, value) == value else _DIFFERENT
    return {g: {c: (None if v is _DIFFERENT else v) for c, v in cols.items()} for g, cols in shared.items()}


_DIFFERENT = object()


def _carried_value(value):
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


#: Column headers of the CSV writer in Chinese (English keeps the codes)
CSV_HEADERS_ZH = {
    "entity": "对象",
    "grade": "等级代码",
    "grade_label": "等级",
    "credit_total": "学分合计",
    "credits": "学分明细",
    "sanctions": "处分/义务",
    "awards": "奖励",
    "error": "错误",
}


class Writer:
    """Writes outcomes one at a time; with ``carry``, each outcome's pass-through columns too."""

    def __init__(self, out: IO[str], lang: str = "zh", trace: bool = False, carry: Carried | None = None):
        self.out, self.lang, self.trace, self.carry = out, lang, trace, carry

    def carried(self) -> dict:
        return self.carry.pop() if self.carry is not None else {}

    def write(self, outcome: Outcome) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _with_carried(data: dict, carried: dict) -> dict:
    if carried:
        data["columns"] = carried
    return data


class JsonlWriter(Writer):
    def write(self, outcome: Outcome) -> None:
        carried = self.carried()
        text = getattr(outcome, "text", None)  # already serialised by a worker process
        if text is not None and not carried:
            self.out.write(text + "\n")
            return
        data = json.loads(text) if text is not None else outcome.to_dict(self.lang, self.trace)
        self.out.write(_dumps(_with_carried(data, carried)) + "\n")


class JsonWriter(Writer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.count = 0
        self.out.write("[")

    def write(self, outcome: Outcome) -> None:
        data = _with_carried(outcome.to_dict(self.lang, self.trace), self.carried())
        self.out.write(("\n" if self.count == 0 else ",\n") + json.dumps(data, ensure_ascii=False))
        self.count += 1

    def close(self) -> None:
        self.out.write("\n]\n")


def _flat(outcome, lang):
    """One outcome as a flat row: codes as keys; in Chinese, sanctions and awards by label."""
    data = outcome.to_dict(lang)
    row = {"id": data["id"], "entity": data["entity"], "warning": _warnings_text(data)}
    if "error" in data:
        row["error"] = data["error"]["text"]
        return row
    grade = data["grade"] or {}
    row["grade"] = grade.get("code", "")
    row["grade_label"] = grade.get("label", "")
    for key, value in data["scores"].items():
        row[key] = "" if value is None else value
    row["credit_total"] = data["credit_total"]
    row["credits"] = "; ".join(
        f"{c['amount']} {c['label']}" + (f" ({c['period']})" if c["period"] else "") for c in data["credits"]
    )
    named = "label" if lang == "zh" else "code"
    row["sanctions"] = "; ".join(str(s[named] or s["code"]) for s in data["sanctions"])
    row["awards"] = "; ".join(str(a[named] or a["code"]) for a in data["awards"])
    return row


def flat_row(outcome: Outcome, lang: str = "zh") -> dict:
    """A Result or a Failure as one flat row (the CSV writer's columns, by code)."""
    return _flat(outcome, lang)


class CsvWriter(Writer):
    """One row per record; the columns come from the entity (fixed before the first row).

    The file starts with a byte-order mark, so Excel on a Chinese Windows reads it as UTF-8.
    In Chinese the headers are labels (the key column is headed by its input's label, such
    as 工号, so the CSV reader takes the file back) and sanctions and awards are labels."""

    def __init__(
        self,
        out: IO[str],
        lang: str = "zh",
        trace: bool = False,
        columns: list[str] | None = None,
        carry: Carried | None = None,
        entity: Entity | None = None,
    ) -> None:
        super().__init__(out, lang, trace, carry)
        base = ["id", "entity", "grade", "grade_label"]
        tail = ["credit_total", "credits", "sanctions", "awards", "error", "warning"]
        carried = list(carry.columns) if carry is not None else []
        self.columns = base[:1] + carried + base[1:] + list(columns or []) + tail
        self.writer = csv.DictWriter(out, self.columns, extrasaction="ignore")
        out.write("\ufeff")
        if lang == "zh":
            headers = dict(CSV_HEADERS_ZH)
            if entity is not None:
                key_input = entity.inputs.get(entity.key)
                headers["id"] = (key_input.label.zh if key_input is not None else None) or "编号"
                for name in columns or []:
                    value = entity.values.get(name)
                    if value is not None and value.label.zh:
                        headers[name] = value.label.zh
            self.writer.writerow({c: headers.get(c, c) for c in self.columns})
        else:
            self.writer.writeheader()

    def write(self, outcome: Outcome) -> None:
        row = _flat(outcome, self.lang)
        row.update({k: v for k, v in self.carried().items() if k not in row})
        self.writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def spreadsheet_safe(value: object) -> object:
    """A CSV cell that a spreadsheet program would read as a formula (text starting with
    = + - @, a tab or a carriage return) gets a leading ' so that it shows as text; plain
    numbers such as -2 or -0.5 are left as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def terminal_safe(text: str) -> str:
    """``text`` with control characters, line breaks and invisible or direction-changing
    characters written as escapes (\\n, \\x1b, \\u202e), so that a record's id can
    neither split a table row nor send escape sequences to the terminal."""

    def escape(match):
        ch = match.group(0)
        if ch in "\n\r\t":
            return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch]
        code = ord(ch)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _INVISIBLE.sub(escape, text)


class TableWriter(Writer):
    """An aligned table for people at a terminal (with an entity column when levels are mixed)."""

    def __init__(
        self,
        out: IO[str],
        lang: str = "zh",
        trace: bool = False,
        columns: list[str] | None = None,
        carry: Carried | None = None,
    ) -> None:
        super().__init__(out, lang, trace, carry)
        self.rows: list[list[str]] = []
        self.entities: list[str] = []

    def write(self, outcome: Outcome) -> None:
        data = outcome.to_dict(self.lang)
        carried = [str(v) for v in self.carried().values() if v not in (None, "")]
        if carried:
            data["id"] = " ".join([str(data["id"]) if data["id"] is not None else "", *carried]).strip()
        self.entities.append(data["entity"])
        if "error" in data:
            shown = data["id"] if data["id"] is not None else f"#{data['error'].get('record', '')}"
            row = [str(shown), "错误" if self.lang == "zh" else "ERROR", "", data["error"]["text"]]
        else:
            grade = (data["grade"] or {}).get("label", "")
            sanctions = ", ".join(s["label"] for s in data["sanctions"] + data["awards"])
            row = [str(data["id"]), grade, str(data["credit_total"]), sanctions]
        if data.get("warnings"):
            row[-1] = (
                (row[-1] + "  " if row[-1] else "")
                + ("警告：" if self.lang == "zh" else "warning: ")
                + (_warnings_text(data))
            )
        self.rows.append([terminal_safe(cell) for cell in row])

    def close(self) -> None:
        import unicodedata

        zh = self.lang == "zh"
        head = [
            "编号" if zh else "id",
            "等级" if zh else "grade",
            "学分" if zh else "credits",
            "处分/义务" if zh else "sanctions",
        ]
        rows = [head] + self.rows
        if len(set(self.entities)) > 1:
            rows = [["对象" if zh else "entity"] + head] + [[e] + r for e, r in zip(self.entities, self.rows)]

        def width(text):
            return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

        widths = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
        for row in rows:
            cells = [cell + " " * (widths[i] - width(cell)) for i, cell in enumerate(row)]
            self.out.write("  ".join(cells).rstrip() + "\n")


def make_writer(
    fmt: str,
    out: IO[str],
    lang: str = "zh",
    trace: bool = False,
    columns: list[str] | None = None,
    carry: Carried | None = None,
    entity: Entity | None = None,
) -> Writer:
    """A writer of ``fmt``; ``carry`` (a :class:`Carried`) adds pass-through columns, and
    ``entity`` gives the CSV writer its Chinese headers."""
    if fmt == "jsonl":
        return JsonlWriter(out, lang, trace, carry)
    if fmt == "json":
        return JsonWriter(out, lang, trace, carry)
    if fmt == "csv":
        return CsvWriter(out, lang, trace, columns, carry, entity)
    if fmt == "table":
        return TableWriter(out, lang, trace, columns, carry)
    raise ValueError(f"unknown format {fmt}")


# --- output files ------------------------------------------------------------------------------

#: Temporary outputs are named ``.<name>.kaohe-<pid>-<random>.tmp`` beside the target, so
#: that one left by a killed run can be recognised (its process is gone) and removed.
_TEMP = re.compile(r"^\.(?P<name>.+)\.kaohe-(?P<pid>[0-9]+)-[A-Za-z0-9_]+\.tmp$")

#: an operating-system error while writing, as the catalogue key that explains it
_OUTPUT_PROBLEMS = {
    errno.ENOSPC: "output.disk-full",
    errno.EDQUOT: "output.disk-full/quota",
    errno.EFBIG: "output.too-large",
    errno.EROFS: "output.read-only",
    errno.EACCES: "output.denied",
    errno.EPERM: "output.denied",
    errno.EISDIR: "output.is-directory",
    errno.ENOENT: "output.no-folder",
    errno.ENOTDIR: "output.no-folder/not-a-folder",
}


def output_error(exc: OSError, path: str | Path) -> OutputError:
    """An operating-system error while writing ``path`` as the user's problem, with its path."""
    key = _OUTPUT_PROBLEMS.get(exc.errno or 0, "output.write-failed")
    return OutputError(
        Diagnostic.of(
            key,
            Location(str(path)),
            path=str(path),
            reason=exc.strerror or str(exc),
            errno=errno.errorcode.get(exc.errno or 0, ""),
        )
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def remove_stale_temps(path: str | Path) -> list[str]:
    """Remove the temporary files that killed kaohe runs left beside ``path`` (only kaohe's,
    recognised by name, and only those whose process is gone); return their paths."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    removed: list[str] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        match = _TEMP.match(name)
        if not match or match.group("name") != target.name or _alive(int(match.group("pid"))):
            continue
        with contextlib.suppress(OSError):
            os.unlink(folder / name)
            removed.append(str(folder / name))
    return removed


def _is_special(path) -> bool:
    """An existing target that is not a regular file (/dev/null, a named pipe): written in place."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def check_output(path: str | Path) -> list[str]:
    """Check before any work that ``path`` can be written: not a folder, in a folder that
    exists and takes a new file. Raise OutputError if not. Remove stale temporary files of
    killed runs and return their paths."""
    if path in (None, "-") or _is_special(path):
        return []
    if os.path.isdir(path):
        raise output_error(OSError(errno.EISDIR, "is a directory"), path)
    removed = remove_stale_temps(path)
    with atomic_path(path, probe=True):
        pass
    return removed


class _Guarded:
    """A text stream whose write errors are the user's (OutputError), naming the file."""

    def __init__(self, stream: IO[str], path: str) -> None:
        self.stream, self.path = stream, path

    def write(self, text):
        try:
            return self.stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise output_error(exc, self.path) from None

    def flush(self):
        try:
            self.stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise output_error(exc, self.path) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


@contextlib.contextmanager
def atomic_output(path: str | None, encoding: str = "utf-8", newline: str | None = None) -> Iterator[TextIO]:
    """A text stream that becomes ``path`` only if the block completes; stdout for None or '-'.
    A write that fails (a full disk, a file size limit) raises OutputError and leaves ``path``
    as it was."""
    if path in (None, "-"):
        yield cast(TextIO, _Guarded(sys.stdout, "<stdout>"))  # a stream as far as writers go
        return
    if _is_special(path):  # /dev/null, a named pipe: nothing to replace
        try:
            stream = open(path, "w", encoding=encoding, newline=newline)  # noqa: SIM115 - closed below
        except OSError as exc:
            raise output_error(exc, path) from None
        with stream:
            yield cast(TextIO, _Guarded(stream, path))
        return
    with atomic_path(path) as tmp:
        stream = open(tmp, "w", encoding=encoding, newline=newline)  # noqa: SIM115 - a failed flush must not raise again on close
        try:
            guarded = _Guarded(stream, path)
            yield cast(TextIO, guarded)
            guarded.flush()
            try:
                os.fsync(stream.fileno())
            except OSError as exc:
                raise output_error(exc, path) from None
            stream.close()
        finally:
            if not stream.closed:  # closing flushes: after a failed write that fails again
                with contextlib.suppress(OSError):
                    stream.close()


@contextlib.contextmanager
def atomic_path(path: str | Path, probe: bool = False) -> Iterator[str]:
    """A temporary file beside ``path`` that replaces it only if the block completes (an
    interrupted or failed write leaves ``path`` as it was). The new file gets the usual mode
    of a new file, not the temporary file's private one. OutputError if the folder cannot
    take it; with ``probe`` the temporary file is only created and removed."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise output_error(OSError(errno.EISDIR, "is a directory"), path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.kaohe-{os.getpid()}-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise output_error(exc, path) from None
    os.close(fd)
    try:
        yield tmp
        if probe:
            os.unlink(tmp)
            return
        mask = os.umask(0)
        os.umask(mask)
        with contextlib.suppress(OSError):
            os.chmod(tmp, 0o666 & ~mask)
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise output_error(exc, path) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
