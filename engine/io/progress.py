"""A progress line on stderr for large inputs, shown only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator

__all__ = ["progress"]

_EVERY = 5000


def progress(items: Iterable, label: str | None = None, stream=None) -> Iterator:
    """Yield ``items`` unchanged; on a terminal, show records done, records/s and elapsed time."""
    stream = stream or sys.stderr
    if not getattr(stream, "isatty", lambda: False)():
        yield from items
        return
    start = time.monotonic()
    count = 0
    shown = False
    for item in items:
        count += 1
        if count % _EVERY == 0:
            elapsed = time.monotonic() - start
            if elapsed >= 1.0:
                rate = count / elapsed
                stream.write(f"\r{count:,} records  {rate:,.0f}/s  {elapsed:,.0f}s")
                stream.flush()
                shown = True
        yield item
    if shown:
        stream.write("\n")
        stream.flush()
