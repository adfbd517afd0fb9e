"""Stage 3: records in and outcomes out, per file format, behind one interface.

``read_records`` streams the records of any supported input; ``make_writer`` and
``write_xlsx`` write outcomes. Each format lives in its own module; this module only
dispatches, so no format module imports another's reader.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import IO

from ..base.errors import Diagnostic, InputError, Location, OutputError
from ..language.kinds import NORMALISED
from ..language.model import Entity
from . import text
from .sheets import read_xlsx

__all__ = ["OutputError", "normalised", "read_records"]


def normalised() -> dict:
    """How many field values read so far were written in another spelling than the plain one,
    by kind (``full-width``, ``thousands``, ``date-form``, ``gbk``), in that order; kinds with
    none are left out. The run summary shows them."""
    order = ("full-width", "thousands", "date-form", "gbk")
    return {kind: NORMALISED[kind] for kind in order if NORMALISED[kind]}


def read_records(
    path: str,
    entity: Entity,
    stdin: IO[bytes] | None = None,
    sheet: str | None = None,
    notes: dict | None = None,
    strict: bool = False,
) -> Iterator:
    """Records of ``path`` ('-' for JSON Lines on stdin), streamed; InputError if unreadable.

    Warnings about single records (a CSV last line without a line end: the file may be cut)
    go into ``notes``, keyed by the record's position (1-based); ``strict`` refuses those
    records instead."""
    kind = text.detect_format(path)
    if not kind:
        raise InputError(Diagnostic.of("input.format", Location(path), path=path))
    if kind == "xlsx":
        yield from read_xlsx(path, entity, sheet)
        return
    if path == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        yield from text.read_jsonl(stream, "<stdin>", entity)
        return
    with text.open_input(path) as stream:
        if kind == "csv":
            yield from text.read_csv(stream, path, entity, notes=notes, strict=strict)
            return
        reader = {"jsonl": text.read_jsonl, "json": text.read_json}[kind]
        yield from reader(stream, path, entity)
