"""A progress bar on stderr for long runs, shown only when stderr is a terminal.

The bar is click's (:func:`click.progressbar`): the label (what is being done and the time
left) comes from the catalogue in the output language, the bar shows records done of the
total and the percentage when the total is known. Nothing is written when stderr is not a
terminal (a pipe, a file, a test).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TextIO

import click

from ..base.messages import cli_text

__all__ = ["count_records", "progress", "shown"]

_CHUNK = 1 << 20


def shown(stream: TextIO | None = None) -> bool:
    """Whether a bar would be drawn on ``stream`` (stderr by default): only on a terminal."""
    stream = stream or sys.stderr
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def count_records(path: str | None) -> int | None:
    """The number of records in an input, counted cheaply, or None when it is not known.

    JSON Lines: its non-empty lines; CSV: its line ends less the header (a quoted field across
    lines makes this an upper bound, so the bar ends early, never late); xlsx: the rows of the
    sheet's recorded dimension less the header; JSON, stdin: unknown."""
    if not path or path == "-":
        return None
    lower = path.lower()
    try:
        if lower.endswith((".jsonl", ".ndjson", ".csv", ".tsv")):
            lines = 0
            last = b"\n"
            with open(path, "rb") as stream:
                while chunk := stream.read(_CHUNK):
                    lines += chunk.count(b"\n")
                    last = chunk[-1:]
            lines += last != b"\n"
            return max(0, lines - 1) if lower.endswith((".csv", ".tsv")) else lines
        if lower.endswith(".xlsx") and os.path.isfile(path):
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True)
            try:
                rows = book.worksheets[0].max_row
            finally:
                book.close()
            return max(0, rows - 1) if rows else None
    except (OSError, ValueError, KeyError, IndexError):
        return None
    except Exception:  # a broken xlsx is the reader's to report, not the bar's
        return None
    return None


def progress(
    items: Iterable,
    total: int | None = None,
    lang: str = "zh",
    task: str = "evaluate",
    name: str = "",
    stream: TextIO | None = None,
) -> Iterator:
    """Yield ``items`` unchanged; on a terminal, draw a bar with ``total`` (when known), the
    percentage and the time left, labelled in ``lang`` (``task``: a ``cli.progress.*`` key)."""
    stream = stream or sys.stderr
    if not shown(stream):
        yield from items
        return
    label = cli_text("progress." + task, lang, name=name)
    # redraw about every half percent; a short list of slow steps (prove, check) at every step
    step = max(1, min(1000, total // 200)) if total else 100
    with click.progressbar(
        items,
        length=total or None,
        label=label,
        file=stream,
        show_pos=True,
        show_percent=bool(total),
        show_eta=False,
        update_min_steps=step,
    ) as bar:
        done = 0
        for item in bar:
            done += 1
            if total and done % step == 0 and done < total:
                bar.label = label + cli_text("progress.left", lang, eta=bar.format_eta())
            yield item
