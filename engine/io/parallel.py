"""Evaluating a stream of records in several processes, output kept in input order.

The parent reads the input in chunks and hands them to worker processes. What is in flight
is bounded in bytes, not lines (IN_FLIGHT, at least one chunk), so memory stays flat however
long the input and however large its lines. For a JSON Lines input the workers receive the
raw lines and do the parsing, evaluating and (for JSON Lines output) the serialising
themselves, so the parent only moves bytes and text.

Workers leave interrupts to the parent: they ignore SIGINT (Ctrl-C reaches the whole process
group; the parent stops them), die quietly on SIGTERM and SIGHUP, and on a broken pipe when
the parent is gone, so that none of them prints a traceback.
"""

from __future__ import annotations

import collections
import datetime as dt
import gc
import json
import multiprocessing as mp
import os
import signal
import threading
import time
from collections.abc import Iterable, Iterator

from ..language.compiler import compile_file
from ..language.kinds import NORMALISED

__all__ = ["CHUNK", "CHUNK_BYTES", "IN_FLIGHT", "Rendered", "evaluate_parallel"]

CHUNK = 2000  # lines at most per chunk
CHUNK_BYTES = 1024 * 1024  # a chunk is closed once it holds this many bytes
AHEAD = 3  # chunks in flight per worker, at most
IN_FLIGHT = 32 * 1024 * 1024  # bytes of input in flight at most (always at least one chunk)
DUCK_CHUNK = 16_384  # records per chunk on the columnar plan
DUCK_CHUNK_BYTES = 8 * 1024 * 1024
_STATE: dict = {}


class Rendered:
    """An outcome rendered by a worker: its dict, or its JSON line when that is the output."""

    __slots__ = ("data", "ok", "text")

    def __init__(self, ok: bool, data: dict | None, text: str | None = None):
        self.ok, self.data, self.text = ok, data, text

    def to_dict(self, lang: str = "zh", trace: bool = False) -> dict:
        if self.data is not None:
            return self.data
        assert self.text is not None  # a worker sends the outcome as data or as its JSON line
        return json.loads(self.text)


def _watch_parent(parent: int) -> None:
    """End this worker quietly once its parent is gone (killed with SIGKILL): a forked worker
    holds both ends of the task pipe, so it would otherwise wait for work forever."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


def _init(path, entity, as_of, trace, lang, as_text, source_name, engine="row"):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(signum, signal.SIG_DFL)
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    from ..runtime.policy import Policy

    policy = Policy(compile_file(path))
    _STATE.update(
        policy=policy,
        entity=entity,
        as_of=as_of,
        trace=trace,
        lang=lang,
        as_text=as_text,
        source_name=source_name,
        spec_entity=policy.spec.entities[entity],
        engine=engine,
    )


def _work(job):
    kind, start, items, size = job
    try:
        return _evaluate_chunk(kind, start, items)
    finally:
        if size >= CHUNK_BYTES:
            # a refused record of a large line can stay alive in a reference cycle (through its
            # error's traceback) until the collector runs, and few allocations mean it seldom
            # does: collect now, so that a worker's memory does not grow line by line
            del items
            gc.collect()


def _evaluate_chunk(kind, start, items):
    """(rendered outcomes, [(line, key)] of parsed lines or None, normalisation counts)."""
    state = _STATE
    NORMALISED.clear()
    keys = None
    if kind == "lines":  # raw JSON Lines: parse here; the parent checks the keys across chunks
        from .text import SeenKeys, jsonl_record

        seen = state.get("seen")
        if seen is None:
            seen = state["seen"] = SeenKeys(state["spec_entity"], state["source_name"])
        parsed = [
            (start + i, jsonl_record(raw, start + i, state["source_name"], state["spec_entity"]))
            for i, raw in enumerate(items)
        ]
        parsed = [(line, item) for line, item in parsed if item is not None]
        keys = [(line, seen.key_of(item)) for line, item in parsed] if seen.active else None
        items = [item for _, item in parsed]
    if state["engine"] == "duckdb" and not state["trace"]:
        # the chunk as one table on the columnar plan (each worker its own DuckDB); rows the
        # plan does not decide, and the readers' failures, are the row engine's as ever
        from ..columnar.run import outcomes_from_table, records_to_table

        table, originals, forced, kinds = records_to_table(items, state["spec_entity"])
        outcomes = outcomes_from_table(
            state["policy"],
            state["entity"],
            table,
            state["as_of"],
            forced=forced,
            originals=originals,
            kinds=kinds,
            start=start,
        )
    else:
        outcomes = state["policy"].evaluate_many(
            items, state["entity"], as_of=state["as_of"], trace=state["trace"], allow_outside=True, start=start
        )
    lang, trace = state["lang"], state["trace"]
    if state["as_text"]:
        rendered = [(o.ok, None, _line(o, lang, trace)) for o in outcomes]
    else:
        rendered = [(o.ok, o.to_dict(lang, trace), None) for o in outcomes]
    return rendered, keys, dict(NORMALISED)


def _line(outcome, lang, trace) -> str:
    return json.dumps(outcome.to_dict(lang, trace), ensure_ascii=False, separators=(",", ":"))


def _size(item) -> int:
    """About how many bytes an item takes as input text (a raw line is exact)."""
    if isinstance(item, (bytes, str)):
        return len(item)
    if isinstance(item, dict):
        return sum(len(str(k)) + _size(v) + 4 for k, v in item.items()) + 2
    if isinstance(item, list):
        return sum(_size(v) + 1 for v in item) + 2
    return 16


def _chunks(kind, items: Iterable, most: int = CHUNK, most_bytes: int = CHUNK_BYTES):
    """(kind, first record number, items, bytes): at most ``most`` items, closed once
    ``most_bytes`` is reached."""
    items = iter(items)
    start = 1
    while True:
        chunk, size = [], 0
        for item in items:
            chunk.append(item)
            size += _size(item) if item is not None else 64
            if len(chunk) >= most or size >= most_bytes:
                break
        if not chunk:
            return
        yield kind, start, chunk, size
        start += len(chunk)


def evaluate_parallel(
    path: str,
    records: Iterable | None,
    entity: str,
    *,
    as_of: dt.date | None,
    trace: bool = False,
    jobs: int = 2,
    lang: str = "zh",
    lines: Iterable | None = None,
    source_name: str = "-",
    as_text: bool = False,
    engine: str = "row",
) -> Iterator:
    """Like ``Policy.evaluate_many`` over ``jobs`` processes; yields Rendered outcomes in order.

    Give ``lines`` (raw JSON Lines) instead of ``records`` to let the workers parse them;
    ``as_text`` makes the workers serialise each outcome as a JSON line. At most IN_FLIGHT
    bytes of input (or one chunk, if larger) are handed out and not yet taken back.
    ``engine="duckdb"``: each worker evaluates its chunks on the columnar plan (chunks of
    DUCK_CHUNK records, so a query's fixed cost is spread over many).
    """
    most, most_bytes = (DUCK_CHUNK, DUCK_CHUNK_BYTES) if engine == "duckdb" else (CHUNK, CHUNK_BYTES)
    jobs_iter = (
        _chunks("lines", lines, most, most_bytes)
        if lines is not None
        else _chunks("records", records if records is not None else (), most, most_bytes)
    )
    seen = None
    if lines is not None:  # the workers parse the lines: the keys are checked here, across chunks
        from .text import SeenKeys

        seen = SeenKeys(compile_file(str(path)).entities[entity], source_name)
    context = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    budget = max(IN_FLIGHT, jobs * 2 * most_bytes)
    with context.Pool(
        jobs, initializer=_init, initargs=(str(path), entity, as_of, trace, lang, as_text, source_name, engine)
    ) as pool:
        pending: collections.deque = collections.deque()  # (async result, bytes)
        in_flight = 0
        waiting = next(jobs_iter, None)  # the next chunk, read but not yet handed out

        def hand_out():
            nonlocal waiting, in_flight
            while waiting is not None and len(pending) < jobs * AHEAD:
                size = waiting[3]
                if pending and in_flight + size > budget:
                    return
                pending.append((pool.apply_async(_work, (waiting,)), size))
                in_flight += size
                waiting = None
                waiting = next(jobs_iter, None)

        hand_out()
        while pending:
            result, size = pending.popleft()
            rendered, keys, counts = result.get()
            in_flight -= size
            hand_out()
            NORMALISED.update(counts)
            if keys is not None and seen is not None:
                for index, (line, key) in enumerate(keys):
                    first = seen.repeated(key, line)
                    if first is not None:
                        failure = seen.failure(key, line, first)
                        rendered[index] = (
                            (False, None, _line(failure, lang, trace))
                            if as_text
                            else (False, failure.to_dict(lang, trace), None)
                        )
            for ok, data, text in rendered:
                yield Rendered(ok, data, text)
