"""Evaluating a stream of records in several processes, output kept in input order."""

from __future__ import annotations

import itertools
import multiprocessing as mp
from typing import Iterable, Iterator

from .compiler import compile_file

__all__ = ["evaluate_parallel", "CHUNK"]

CHUNK = 2000
_STATE: dict = {}


class Rendered:
    """An outcome already rendered to a dict by a worker process."""

    __slots__ = ("ok", "data")

    def __init__(self, ok: bool, data: dict):
        self.ok, self.data = ok, data

    def to_dict(self, lang: str = "zh", trace: bool = False) -> dict:
        return self.data


def _init(path, entity, as_of, trace, lang):
    from .policy import Policy

    _STATE.update(policy=Policy(compile_file(path)), entity=entity, as_of=as_of, trace=trace, lang=lang)


def _work(job):
    start, chunk = job
    policy, lang, trace = _STATE["policy"], _STATE["lang"], _STATE["trace"]
    outcomes = policy.evaluate_many(chunk, _STATE["entity"], as_of=_STATE["as_of"], trace=trace,
                                    allow_outside=True, start=start)
    return [(o.ok, o.to_dict(lang, trace)) for o in outcomes]


def evaluate_parallel(path, records: Iterable, entity: str, *, as_of, trace=False, jobs=2, lang="zh") -> Iterator:
    """Like ``Policy.evaluate_many`` over ``jobs`` processes; yields rendered outcomes in order.

    Records are sent in chunks of CHUNK; at most a few chunks per worker are in flight, so
    memory stays flat however long the input.
    """
    records = iter(records)
    chunks = ((n * CHUNK + 1, chunk) for n, chunk in enumerate(iter(lambda: list(itertools.islice(records, CHUNK)), [])))
    context = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    with context.Pool(jobs, initializer=_init, initargs=(str(path), entity, as_of, trace, lang)) as pool:
        for rendered in pool.imap(_work, chunks, chunksize=1):
            for ok, data in rendered:
                yield Rendered(ok, data)

