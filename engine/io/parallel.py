"""Evaluating a stream of records in several processes, output kept in input order.

The parent reads the input in chunks and hands them to worker processes, a bounded number
at a time, so memory stays flat however long the input. For a JSON Lines input the workers
receive the raw lines and do the parsing, evaluating and (for JSON Lines output) the
serialising themselves, so the parent only moves bytes and text.
"""

from __future__ import annotations

import collections
import itertools
import json
import multiprocessing as mp
from collections.abc import Iterable, Iterator

from ..language.compiler import compile_file

__all__ = ["CHUNK", "Rendered", "evaluate_parallel"]

CHUNK = 2000
AHEAD = 3  # chunks in flight per worker
_STATE: dict = {}


class Rendered:
    """An outcome rendered by a worker: its dict, or its JSON line when that is the output."""

    __slots__ = ("data", "ok", "text")

    def __init__(self, ok: bool, data: dict | None, text: str | None = None):
        self.ok, self.data, self.text = ok, data, text

    def to_dict(self, lang: str = "zh", trace: bool = False) -> dict:
        return self.data if self.data is not None else json.loads(self.text)


def _init(path, entity, as_of, trace, lang, as_text, source_name):
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
    )


def _work(job):
    kind, start, items = job
    state = _STATE
    if kind == "lines":  # raw JSON Lines: parse here
        from .text import jsonl_record

        parsed = (
            jsonl_record(raw, start + i, state["source_name"], state["spec_entity"]) for i, raw in enumerate(items)
        )
        items = [item for item in parsed if item is not None]
    outcomes = state["policy"].evaluate_many(
        items, state["entity"], as_of=state["as_of"], trace=state["trace"], allow_outside=True, start=start
    )
    lang, trace = state["lang"], state["trace"]
    if state["as_text"]:
        return [
            (o.ok, None, json.dumps(o.to_dict(lang, trace), ensure_ascii=False, separators=(",", ":")))
            for o in outcomes
        ]
    return [(o.ok, o.to_dict(lang, trace), None) for o in outcomes]


def _chunks(kind, items: Iterator):
    items = iter(items)
    for n in itertools.count():
        chunk = list(itertools.islice(items, CHUNK))
        if not chunk:
            return
        yield kind, n * CHUNK + 1, chunk


def evaluate_parallel(
    path,
    records: Iterable,
    entity: str,
    *,
    as_of,
    trace=False,
    jobs=2,
    lang="zh",
    lines: Iterable | None = None,
    source_name: str = "-",
    as_text: bool = False,
) -> Iterator:
    """Like ``Policy.evaluate_many`` over ``jobs`` processes; yields Rendered outcomes in order.

    Give ``lines`` (raw JSON Lines) instead of ``records`` to let the workers parse them;
    ``as_text`` makes the workers serialise each outcome as a JSON line.
    """
    jobs_iter = _chunks("lines", lines) if lines is not None else _chunks("records", records)
    context = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    with context.Pool(
        jobs, initializer=_init, initargs=(str(path), entity, as_of, trace, lang, as_text, source_name)
    ) as pool:
        pending: collections.deque = collections.deque()
        for job in itertools.islice(jobs_iter, jobs * AHEAD):
            pending.append(pool.apply_async(_work, (job,)))
        while pending:
            rendered = pending.popleft().get()
            for job in itertools.islice(jobs_iter, 1):
                pending.append(pool.apply_async(_work, (job,)))
            for ok, data, text in rendered:
                yield Rendered(ok, data, text)
