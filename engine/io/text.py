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
import datetime as dt
import json
import os
import sys
import tempfile
from collections import deque
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import IO

from ..base.errors import Diagnostic, InputError, KaoheError, Location, RecordError, unreadable_key
from ..language.aliases import column_map
from ..language.model import Entity
from ..runtime.result import Failure

__all__ = [
    "FORMATS",
    "MAX_LINE",
    "Carried",
    "Writer",
    "atomic_output",
    "column_map",
    "detect_format",
    "flat_row",
    "make_writer",
]

FORMATS = ("jsonl", "json", "csv", "table")
MAX_LINE = 16 * 1024 * 1024


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


def _loads(text: str):
    return json.loads(text, parse_float=_parse_float, parse_constant=_bad_number)


def record_failure(entity: Entity, file: str, line: int, key: str, id_=None, **params) -> Failure:
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


def jsonl_record(raw: bytes | None, number: int, name: str, entity: Entity):
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
    except ValueError as exc:
        return record_failure(entity, name, number, "input.json", parser=str(exc))
    if not isinstance(record, dict):
        return record_failure(entity, name, number, "input.json/not-object")
    return record


def jsonl_lines(path: str) -> Iterator:
    """The raw lines of a JSON Lines file (None for one over the length limit), for workers
    that parse them themselves."""
    with open_input(path) as stream:
        _refuse_utf16(stream, path)
        yield from _long_lines(stream)


def open_input(path: str):
    try:
        return open(path, "rb")
    except OSError as exc:
        raise InputError(Diagnostic.of(unreadable_key(exc, "input.unreadable"), Location(path))) from None


def read_jsonl(stream: IO[bytes], name: str, entity: Entity) -> Iterator:
    _refuse_utf16(stream, name)
    for number, raw in enumerate(_long_lines(stream), 1):
        item = jsonl_record(raw, number, name, entity)
        if item is not None:
            yield item


def read_json(stream: IO[bytes], name: str, entity: Entity) -> Iterator:
    raw = stream.read()
    try:
        data = _loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError(Diagnostic.of("input.encoding/json", Location(name))) from None
    except ValueError as exc:
        raise InputError(Diagnostic.of("input.json/file", Location(name), parser=str(exc))) from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise InputError(Diagnostic.of("input.json/not-array", Location(name)))
    for index, record in enumerate(data, 1):
        if isinstance(record, dict):
            yield record
        else:
            yield record_failure(entity, name, index, "input.json/item", index=index)


class _Lines:
    """Binary lines decoded as UTF-8 (BOM allowed) or, failing that, GBK/GB18030 as Excel
    writes it on a Chinese system. Remembers which line failed to decode, and the lines
    taken since the last row (to recover the rows an unclosed quote swallowed)."""

    def __init__(self, stream: IO[bytes]):
        self.stream = stream
        self.encoding = "utf-8"
        self.bad: set[int] = set()
        self.number = 0
        self.taken: list[tuple[int, str]] = []

    def __iter__(self):
        for raw in self.stream:
            self.number += 1
            if self.number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            for encoding in (self.encoding, "gb18030") if self.encoding == "utf-8" else (self.encoding, "utf-8"):
                try:
                    text = raw.decode(encoding)
                    self.encoding = encoding
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


def csv_header(path) -> list[str]:
    """The header cells of a CSV file (UTF-8, BOM or GBK), or [] if it has none."""
    try:
        with open(path, "rb") as stream:
            return [cell.strip() for cell in next(csv.reader(_Lines(stream)), [])]
    except (OSError, csv.Error):
        return []


def read_csv(stream: IO[bytes], name: str, entity: Entity) -> Iterator:
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
    names = []
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

    def looks_like_rows(taken) -> bool:
        # an unclosed quote makes one 'row' of the following records: its continuation
        # lines then hold about as many commas as the header has
        return len(taken) > 1 and width >= 3 and any(text.count(",") >= width - 1 for _, text in taken[1:])

    def item(row, number):
        if number in lines.bad:
            lines.bad.discard(number)
            return record_failure(entity, name, number, "input.encoding")
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
        return dict(zip(names, row))

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


class Carried:
    """Pass-through columns (姓名, 学校, ...): remembers them from each record as the
    evaluation pulls it, and hands them to the writer with that record's outcome.

    Evaluation yields exactly one outcome per record, in order, so the values wait in a
    queue (a record or two; more with worker processes) and never meet another record's
    outcome."""

    def __init__(self, records, columns: list[str]):
        self.records, self.columns = records, list(columns)
        self.queue: deque = deque()

    def __iter__(self):
        columns = self.columns
        for record in self.records:
            row = record if isinstance(record, dict) else {}
            self.queue.append({c: _carried_value(row.get(c)) for c in columns})
            yield record

    def pop(self) -> dict:
        return self.queue.popleft()


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

    def write(self, outcome) -> None:
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
    def write(self, outcome):
        carried = self.carried()
        text = getattr(outcome, "text", None)  # already serialised by a worker process
        if text is not None and not carried:
            self.out.write(text + "\n")
            return
        data = json.loads(text) if text is not None else outcome.to_dict(self.lang, self.trace)
        self.out.write(_dumps(_with_carried(data, carried)) + "\n")


class JsonWriter(Writer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.count = 0
        self.out.write("[")

    def write(self, outcome):
        data = _with_carried(outcome.to_dict(self.lang, self.trace), self.carried())
        self.out.write(("\n" if self.count == 0 else ",\n") + json.dumps(data, ensure_ascii=False))
        self.count += 1

    def close(self):
        self.out.write("\n]\n")


def _flat(outcome, lang):
    """One outcome as a flat row: codes as keys; in Chinese, sanctions and awards by label."""
    data = outcome.to_dict(lang)
    row = {"id": data["id"], "entity": data["entity"]}
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


def flat_row(outcome, lang: str = "zh") -> dict:
    """A Result or a Failure as one flat row (the CSV writer's columns, by code)."""
    return _flat(outcome, lang)


class CsvWriter(Writer):
    """One row per record; the columns come from the entity (fixed before the first row).

    The file starts with a byte-order mark, so Excel on a Chinese Windows reads it as UTF-8.
    In Chinese the headers are labels (the key column is headed by its input's label, such
    as 工号, so the CSV reader takes the file back) and sanctions and awards are labels."""

    def __init__(self, out, lang="zh", trace=False, columns: list[str] | None = None, carry=None, entity=None):
        super().__init__(out, lang, trace, carry)
        base = ["id", "entity", "grade", "grade_label"]
        tail = ["credit_total", "credits", "sanctions", "awards", "error"]
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

    def write(self, outcome):
        row = _flat(outcome, self.lang)
        row.update({k: v for k, v in self.carried().items() if k not in row})
        self.writer.writerow(row)


class TableWriter(Writer):
    """An aligned table for people at a terminal (with an entity column when levels are mixed)."""

    def __init__(self, out, lang="zh", trace=False, columns=None, carry=None):
        super().__init__(out, lang, trace, carry)
        self.rows: list[list[str]] = []
        self.entities: list[str] = []

    def write(self, outcome):
        data = outcome.to_dict(self.lang)
        carried = [str(v) for v in self.carried().values() if v not in (None, "")]
        if carried:
            data["id"] = " ".join([str(data["id"]) if data["id"] is not None else "", *carried]).strip()
        self.entities.append(data["entity"])
        if "error" in data:
            shown = data["id"] if data["id"] is not None else f"#{data['error'].get('record', '')}"
            self.rows.append([str(shown), "错误" if self.lang == "zh" else "ERROR", "", data["error"]["text"]])
            return
        grade = (data["grade"] or {}).get("label", "")
        sanctions = ", ".join(s["label"] for s in data["sanctions"] + data["awards"])
        self.rows.append([str(data["id"]), grade, str(data["credit_total"]), sanctions])

    def close(self):
        import unicodedata

        zh = self.lang == "zh"
        head = ["id", "等级" if zh else "grade", "学分" if zh else "credits", "处分/义务" if zh else "sanctions"]
        rows = [head] + self.rows
        if len(set(self.entities)) > 1:
            rows = [["对象" if zh else "entity"] + head] + [[e] + r for e, r in zip(self.entities, self.rows)]

        def width(text):
            return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

        widths = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
        for row in rows:
            cells = [cell + " " * (widths[i] - width(cell)) for i, cell in enumerate(row)]
            self.out.write("  ".join(cells).rstrip() + "\n")


def make_writer(fmt: str, out: IO[str], lang="zh", trace=False, columns=None, carry=None, entity=None) -> Writer:
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


@contextlib.contextmanager
def atomic_output(path: str | None, encoding: str = "utf-8", newline: str | None = None):
    """A text stream that becomes ``path`` only if the block completes; stdout for None or '-'."""
    if path in (None, "-"):
        yield sys.stdout
        return
    with atomic_path(path) as tmp, open(tmp, "w", encoding=encoding, newline=newline) as stream:
        yield stream
        stream.flush()
        os.fsync(stream.fileno())


@contextlib.contextmanager
def atomic_path(path):
    """A temporary file beside ``path`` that replaces it only if the block completes (an
    interrupted or failed write leaves ``path`` as it was). The new file gets the usual mode
    of a new file, not the temporary file's private one."""
    target = Path(path)
    if target.is_dir():  # refused before any work is done, not when the file is moved in place
        raise KaoheError(Diagnostic.of("usage.output/directory", Location(str(path)), path=path))
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:  # a usage problem (exit 2), not a crash
        raise KaoheError(Diagnostic.of(unreadable_key(exc, "usage.output"), Location(str(path)), path=path)) from None
    os.close(fd)
    try:
        yield tmp
        mask = os.umask(0)
        os.umask(mask)
        with contextlib.suppress(OSError):
            os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
