"""Excel workbooks (.xlsx) in and out, as officers keep them.

:func:`read_xlsx` streams the rows of one sheet as raw records, like the CSV reader of
:mod:`engine.io`: one item per data row, a dict or a :class:`~engine.result.Failure`,
in sheet order. Headers may be the input names, their Chinese labels or declared
``columns``. Numbers stay exact: a cell holding 45.5 is handed on as the text ``45.5``
(read by its shortest decimal form), never as a binary float.

:func:`write_xlsx` writes one row per outcome with Chinese headers, the header bold and
frozen, atomically (a temporary file in the same folder, renamed at the end).

openpyxl is an optional dependency: ``pip install 'kaohe[xlsx]'``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ..base.errors import Diagnostic, InputError, KaoheError, Location, Problem, SourcedRecord
from ..base.suggest import closest
from ..language.model import Entity
from .text import SeenKeys, atomic_path, column_map, limit_record, output_error, record_failure

if TYPE_CHECKING:
    from zipfile import ZipFile

    from .text import Carried

__all__ = ["HEADERS", "is_ratio", "missing_columns", "read_xlsx", "sheet_names", "unknown_columns", "write_xlsx"]

#: How many of the first non-empty rows may stand above the header (a title such as
#: "莲塘一小教师考核表", a blank line): the header is the first of them naming a known column.
HEADER_SEARCH = 10

#: Column headers of :func:`write_xlsx`, by language.
HEADERS = {
    "zh": {
        "id": "编号",
        "grade": "等级",
        "credit_total": "学分合计",
        "credits": "学分明细",
        "sanctions": "处分/义务",
        "awards": "奖励",
        "error": "错误",
    },
    "en": {
        "id": "ID",
        "grade": "Grade",
        "credit_total": "Credits",
        "credits": "Credit details",
        "sanctions": "Sanctions/obligations",
        "awards": "Awards",
        "error": "Error",
    },
}


def _openpyxl():
    try:
        import openpyxl
    except ImportError:
        raise InputError(Diagnostic.of("input.xlsx/openpyxl")) from None
    return openpyxl


# --- reading -----------------------------------------------------------------------------------


def _open(path, read_only=True):
    openpyxl = _openpyxl()
    name = str(path)
    if not Path(name).exists():
        raise InputError(Diagnostic.of("input.unreadable/not-found", Location(name)))
    try:
        return openpyxl.load_workbook(name, read_only=read_only, data_only=True)
    except KaoheError:
        raise
    except Exception as exc:
        key = "input.xlsx/xls" if name.lower().endswith(".xls") else "input.xlsx"
        raise InputError(Diagnostic.of(key, Location(name), reader=f"{type(exc).__name__}: {exc}")) from None


def sheet_names(path: str | Path) -> list[str]:
    """The names of the workbook's sheets, in order."""
    book = _open(path)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def _sheet(book, path, sheet):
    names = list(book.sheetnames)
    if sheet is None:
        if not names:
            raise InputError(Diagnostic.of("input.xlsx/no-sheets", Location(str(path))))
        return book[names[0]], names[0]
    if sheet in names:
        return book[sheet], sheet
    folded = {n.strip().lower(): n for n in names}
    if sheet.strip().lower() in folded:
        found = folded[sheet.strip().lower()]
        return book[found], found
    close = closest(sheet, names, cutoff=0.5)
    advice = (
        Problem("hint.sheets/close", suggestion=close, names=names) if close else Problem("hint.sheets", names=names)
    )
    raise InputError(Diagnostic.of("input.sheet", Location(str(path)), advice=advice, sheet=sheet))


def _header_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def _field(mapping: dict, header: str) -> str | None:
    if not header:
        return None
    found = mapping.get(header) or mapping.get(header.lower())
    if found is None:  # full-width letters and digits, ideographic spaces
        folded = unicodedata.normalize("NFKC", header).strip()
        found = mapping.get(folded) or mapping.get(folded.lower())
    return found


def _rows(worksheet) -> Iterator[tuple[int, tuple]]:
    """(row number, cells) of the sheet, streamed; cells are openpyxl cells (EmptyCell for gaps)."""
    for number, row in enumerate(worksheet.iter_rows(), 1):
        yield (row[0].row if row and getattr(row[0], "row", None) else number), row


def _blank(cell) -> bool:
    value = cell.value
    return value is None or (isinstance(value, str) and not value.strip())


def _header(rows: Iterator, mapping: dict) -> tuple[int, list[str], list]:
    """The header row: the first non-empty row naming a known column among the first few,
    else the first non-empty row. Returns (row number, header texts, data rows already read)."""
    seen = []
    for number, row in rows:
        if all(_blank(c) for c in row):
            continue
        texts = [_header_text(c.value) for c in row]
        while texts and not texts[-1]:  # a read-only sheet pads rows to its widest row
            texts.pop()
        seen.append((number, row, texts))
        if any(_field(mapping, t) for t in texts):
            return number, texts, []
        if len(seen) >= HEADER_SEARCH:
            break
    if not seen:
        return 0, [], []
    return seen[0][0], seen[0][2], [(number, row) for number, row, _ in seen[1:]]


def _names(header: list[str], mapping: dict, path: str, line: int) -> list[str | None]:
    """Header texts -> field names (an unknown header keeps its text; an empty one is None)."""
    names: list[str | None] = []
    for column, text in enumerate(header, 1):
        if not text:
            names.append(None)
            continue
        field = _field(mapping, text) or text
        if field in names:
            first = names.index(field) + 1
            raise InputError(
                Diagnostic.of(
                    "input.xlsx/same-field",
                    Location(path, line, column),
                    first=_letter(first),
                    column=_letter(column),
                    field=field,
                )
            )
        names.append(field)
    return names


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column)


def _value(cell, text_field: bool):
    """A cell's value as a raw field: exact numbers, dates, booleans, text."""
    value = cell.value
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value) if text_field else value
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value)) if text_field else int(value)
        return repr(value)  # its shortest decimal text: 45.5, 48.2 - read exactly by the coercer
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (dt.time, dt.timedelta)):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    return str(value)


def read_xlsx(path: str | Path, entity: Entity, sheet: str | None = None) -> Iterator:
    """Records of one sheet of an .xlsx workbook (the first, or ``sheet``), streamed.

    Each data row gives exactly one item, in order: a dict of raw fields keyed by input
    name, or a :class:`~engine.result.Failure` (an Excel error such as ``#DIV/0!`` in a
    cell, values beyond the last header column). Empty rows are skipped; empty cells are
    left out of the record. Raises InputError when the workbook cannot be read, the sheet
    does not exist or two columns give the same field.
    """
    name = str(path)
    book = _open(name)
    try:
        worksheet, _ = _sheet(book, name, sheet)
        mapping = column_map(entity)
        rows = _rows(worksheet)
        line, header, pending = _header(rows, mapping)
        if not header:
            return
        names = _names(header, mapping, name, line)
        width = len(names)
        # a number in a text, enum or list column is handed on as its text: id 1001 is "1001",
        # a lesson-score cell holding 60 is the one-item list "60"
        texts = {n for n, inp in entity.inputs.items() if inp.type in ("string", "enum", "list")}
        key = entity.key
        key_column = names.index(key) if key in names else None
        seen = SeenKeys(entity, name)
        letters = {field: _letter(column) for column, field in enumerate(names, 1) if field in entity.inputs}

        def item(number, cells):
            if all(_blank(c) for c in cells):
                return None
            record_id = None
            if key_column is not None and key_column < len(cells) and not _blank(cells[key_column]):
                record_id = _value(cells[key_column], True)
                record_id = record_id if isinstance(record_id, str) else str(record_id)
            extra = [c for c in cells[width:] if not _blank(c)]
            if extra:
                first = extra[0]
                return record_failure(
                    entity,
                    name,
                    number,
                    "input.ragged/xlsx",
                    id_=record_id,
                    column=first.column_letter,
                    last=_letter(width),
                )
            record = SourcedRecord()
            record.source = ("xlsx", number, letters)  # a refused value is named by its cell, C7
            errors = []
            for column, cell in enumerate(cells[:width]):
                field = names[column]
                if _blank(cell):
                    continue
                if getattr(cell, "data_type", None) == "e":
                    errors.append(
                        Problem(
                            "input.xlsx/excel-error",
                            header=header[column],
                            cell=f"{_letter(column + 1)}{number}",
                            error=cell.value,
                        )
                    )
                    continue
                if field is None:
                    errors.append(Problem("input.xlsx/no-header", cell=f"{_letter(column + 1)}{number}"))
                    continue
                record[field] = _value(cell, field in texts)
            if errors:
                return record_failure(
                    entity,
                    name,
                    number,
                    "input.xlsx/cells",
                    id_=record_id,
                    cells=errors,
                )
            return seen.check(limit_record(record, entity, name, number), number)

        for number, cells in itertools.chain(pending, rows):
            out = item(number, cells)
            if out is not None:
                yield out
    finally:
        book.close()


def _candidates(entity: Entity) -> dict:
    """Header text an officer may write -> the header to suggest (the input's label or name)."""
    out: dict = {}
    for name, inp in entity.inputs.items():
        shown = inp.label.zh if inp.label.zh and inp.label.zh != name else name
        for text in (name, inp.label.zh, inp.label.en, *inp.columns):
            if text:
                out.setdefault(text.strip(), text.strip() if text != inp.label.en else shown)
    return out


def _suggest(header: str, candidates: dict) -> str | None:
    folded = {k.lower(): v for k, v in candidates.items()}
    key = unicodedata.normalize("NFKC", header).strip().lower()
    close = closest(key, folded, cutoff=0.5)
    if close is not None:
        return folded[close]
    # a label with its unit or a note added: 年龄（周岁）, 总课时数
    contained = [k for k in folded if len(k) >= 2 and (k in key or key in k)]
    if contained:
        return folded[max(contained, key=len)]
    return None


def _header_of(path, entity: Entity, sheet):
    if str(path).lower().endswith(".csv"):
        from .text import csv_header

        return csv_header(path)
    book = _open(path)
    try:
        worksheet, _ = _sheet(book, str(path), sheet)
        _, header, _ = _header(_rows(worksheet), column_map(entity))
        return header
    finally:
        book.close()


def unknown_columns(path: str | Path, entity: Entity, sheet: str | None = None) -> list[tuple[str, str | None]]:
    """(For .xlsx and .csv inputs.) Header cells that name no input of ``entity``, each with the closest known header
    (an input's name, label or declared column) or None. Their columns are not read."""
    mapping = column_map(entity)
    candidates = _candidates(entity)
    out = []
    for text in _header_of(path, entity, sheet):
        if text and not _field(mapping, text):
            out.append((text, _suggest(text, candidates)))
    return out


def missing_columns(path: str | Path, entity: Entity, sheet: str | None = None) -> list[tuple[str, str]]:
    """Required inputs of ``entity`` that no column gives: (input name, header to add)."""
    mapping = column_map(entity)
    present = {_field(mapping, text) for text in _header_of(path, entity, sheet)}
    out = []
    for name, inp in entity.inputs.items():
        if inp.required and name not in present and name not in entity.member_inputs:
            out.append((name, inp.label.zh or name))
    return out


# --- writing -----------------------------------------------------------------------------------


def _cell_value(value):
    """A JSON-ready value as an Excel cell value."""
    if value is None:
        return None
    if isinstance(value, (bool, int, float, dt.date)):
        return value
    if isinstance(value, list):
        return ";".join(str(_cell_value(v)) for v in value)
    if isinstance(value, dict):
        return str(value)
    return str(value)


def _text_cell(text: str):
    return _cell_value(text) if text else None


def _clean(value):
    """Text that a workbook can hold: the control characters XML 1.0 forbids (ESC, \\x01, ...)
    are written as visible escapes (\\x1b), so one record's id never fails the workbook."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group(0)):02x}", value)
    return value


def credits_text(data: dict) -> str:
    """``0.5 自主（校本）培训学分（上学期）; 0.5 …（下学期）``"""
    parts = []
    for c in data.get("credits", ()):
        part = f"{c['amount']} {c['label'] or c['kind'] or ''}".rstrip()
        if c.get("period"):
            part += f"（{c['period']}）"
        parts.append(part)
    return "; ".join(parts)


def labels_text(items: list) -> str:
    return "；".join(str(i.get("label") or i.get("code")) for i in items)


def _width(text) -> int:
    if text is None:
        return 0
    text = text.isoformat() if isinstance(text, dt.date) else str(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


#: a reported value is a ratio, shown as a percentage, when its name ends so or its label says so
RATIO_SUFFIXES = ("_ratio", "_share", "_rate", "_percent", "_pct")
RATIO_WORDS = ("比例", "占比", "比率", "百分比", "ratio", "share", "percent")


def is_ratio(name: str, label_zh: str | None = None, label_en: str | None = None) -> bool:
    """Whether a reported value reads as a share of a whole (0.966667 shown as 96.67%)."""
    labels = " ".join(t for t in (label_zh, label_en) if t).lower()
    return name.endswith(RATIO_SUFFIXES) or any(word in labels for word in RATIO_WORDS)


def write_xlsx(
    path: str | Path,
    outcomes: Iterable,
    entity: Entity,
    lang: str = "zh",
    sheet_title: str | None = None,
    carry: Carried | None = None,
) -> int:
    """Write one row per outcome (a Result or a Failure) to ``path``; return the row count.

    Columns: 编号, the pass-through columns of ``carry`` (a :class:`~engine.io.text.Carried`:
    姓名, 学校, ... as the input had them), 等级, one per reported value (by its label; ratios
    as percentages), 学分合计, 学分明细, 处分/义务, 奖励, 错误 (English headers for
    ``lang='en'``). The header row is frozen and filtered, and the columns are as wide as
    their first 200 rows. The file appears only when the whole workbook is written.
    """
    openpyxl = _openpyxl()
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    words = HEADERS.get(lang, HEADERS["zh"])
    reported = list(entity.reported)
    carried = list(carry.columns) if carry is not None else []
    header = [words["id"], *carried, words["grade"]]
    header += [entity.values[name].label.get(lang) or name for name in reported]
    first_score = 2 + len(carried)
    percent_columns = {
        first_score + i
        for i, name in enumerate(reported)
        if is_ratio(name, entity.values[name].label.get("zh"), entity.values[name].label.get("en"))
    }
    header += [words["credit_total"], words["credits"], words["sanctions"], words["awards"], words["error"]]

    def row_of(outcome) -> list:
        data = outcome.to_dict(lang)
        row = [_cell_value(data.get("id"))]
        if carry is not None:
            values = carry.pop()
            row += [_cell_value(values.get(c)) for c in carried]
        if "error" in data:
            error = data["error"]
            message = error.get("text") or error["message"]
            if error.get("record") is not None and data.get("id") is None:
                message = f"#{error['record']}: {message}"
            return row + [None] * (len(header) - len(row) - 1) + [_cell_value(message)]
        grade = data.get("grade") or {}
        row.append(_cell_value(grade.get("label") or grade.get("code")))
        scores = data.get("scores", {})
        row += [_cell_value(scores.get(name)) for name in reported]
        row += [
            _cell_value(data.get("credit_total")),
            _text_cell(credits_text(data)),
            _text_cell(labels_text(data.get("sanctions", []))),
            _text_cell(labels_text(data.get("awards", []))),
            None,
        ]
        return row

    # the first rows set the column widths; the rest are streamed
    outcomes = iter(outcomes)
    first = []
    for outcome in outcomes:
        first.append(row_of(outcome))
        if len(first) >= 200:
            break
    widths = [_width(h) for h in header]
    for row in first:
        widths = [max(w, _width(v)) for w, v in zip(widths, row)]

    count = 0
    with atomic_path(path) as tmp:
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet(title=(sheet_title or (entity.label.get(lang) or entity.name))[:31])
        sheet.freeze_panes = "B2"
        wrap = {len(header) - 4, len(header) - 3, len(header) - 2, len(header) - 1}
        for index, width in enumerate(widths):
            limit = 60 if index in wrap else 40
            sheet.column_dimensions[get_column_letter(index + 1)].width = min(max(width + 2, 8), limit)
        bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
        cells = []
        for text in header:
            cell = WriteOnlyCell(sheet, value=text)
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            cells.append(cell)
        sheet.append(cells)

        def text_cells(row):
            # a record's text that starts with '=' stays text, never a formula; ratios are
            # percentages (the cell keeps the number: 0.966667 shows as 96.67%)
            out = []
            for index, value in enumerate(row):
                value = _clean(value)
                if isinstance(value, str) and value.startswith("="):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.data_type = "s"
                    value = cell
                elif index in percent_columns and isinstance(value, (int, float)) and not isinstance(value, bool):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = "0.00%"
                    value = cell
                out.append(value)
            return out

        def append(cells):
            try:  # a write-only sheet goes to a temporary file as it grows
                sheet.append(cells)
            except OSError as exc:
                _drop_sheet_stream(sheet)
                raise output_error(exc, path) from None

        for row in first:
            append(text_cells(row))
            count += 1
        for outcome in outcomes:
            append(text_cells(row_of(outcome)))
            count += 1
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
        _save(book, tmp, path)
    return count


def _save(book, tmp, path) -> None:
    """``book.save(tmp)``, with a failed write (a full disk, a file size limit) reported as
    OutputError for ``path``, and the half-written archive closed here, so that nothing is
    printed later when it is collected."""
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl.writer.excel import ExcelWriter

    try:
        archive = ZipFile(tmp, "w", ZIP_DEFLATED, allowZip64=True)
    except OSError as exc:
        raise output_error(exc, path) from None
    try:
        book.properties.modified = dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)
        ExcelWriter(book, archive).save()
    except OSError as exc:
        archive_close_quietly(archive)
        raise output_error(exc, path) from None
    except BaseException:
        archive_close_quietly(archive)
        raise


def _drop_sheet_stream(sheet) -> None:
    """After a failed write, close a write-only sheet's stream to its temporary file (closing
    it fails again on a full disk; that is expected) and remove the file, so that nothing is
    printed when the sheet is collected and nothing is left in the temporary folder."""
    import os

    writer = getattr(sheet, "_writer", None)  # openpyxl's WorksheetWriter of a write-only sheet
    if writer is None:
        return
    with contextlib.suppress(Exception):
        writer.xf.close()
    with contextlib.suppress(Exception):
        os.unlink(writer.out)


def archive_close_quietly(archive: ZipFile) -> None:
    """Close a zip archive whose writing failed; its own close may fail again (the disk is
    still full): that second failure is expected and ignored."""
    with contextlib.suppress(Exception):
        archive.close()
    archive.fp = None
