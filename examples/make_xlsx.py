"""Build examples/jiangxi/teachers.xlsx from examples/jiangxi/teachers.csv.

The workbook keeps the CSV's Chinese headers (工号, 性别, 年龄, 自愿参加, 每日使用次数,
总课时, 课堂评分) and holds numbers as Excel numbers, as an officer's sheet does: 年龄 and
总课时 are number cells; a lesson-score list stays text ("45.5;52.1;..."). Run from the
repository root: ``python examples/make_xlsx.py`` (needs openpyxl). The output is
byte-for-byte reproducible (fixed workbook timestamps).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sys
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent
NUMBER_COLUMNS = {"年龄", "总课时"}
FIXED = dt.datetime(2020, 6, 30)


def number(text: str):
    return int(text) if text.lstrip("-").isdigit() else float(text)


def build(source: Path, target: Path) -> None:
    with source.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    header, data = rows[0], rows[1:]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "教师"
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in data:
        sheet.append([number(v) if h in NUMBER_COLUMNS and v else (v or None) for h, v in zip(header, row)])
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFG", (10, 6, 6, 10, 40, 8, 36)):
        sheet.column_dimensions[letter].width = width
    book.properties.creator = "kaohe examples/make_xlsx.py"
    book.properties.created = FIXED
    buffer = io.BytesIO()
    book.save(buffer)
    _reproducible(buffer, target)


def _reproducible(buffer: io.BytesIO, target: Path) -> None:
    """The saved workbook with fixed zip timestamps and a fixed 'modified' property."""
    stamp = FIXED.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(entry, data)


if __name__ == "__main__":
    src = HERE / "jiangxi" / "teachers.csv"
    out = HERE / "jiangxi" / "teachers.xlsx"
    build(src, out)
    print(f"wrote {out}", file=sys.stderr)
