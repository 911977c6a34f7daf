"""Tagging with several worker processes on one machine.

Records are cut into batches; each batch goes to a worker process that
holds the pipeline and runs ``Tagger.pipe_results`` on it (one ``nlp.pipe``
stream), and the finished records come back in input order. At most
``in_flight`` batches are out at a time, so the input is read lazily and
memory stays flat. A worker that dies (killed, out of memory) breaks the
pool: a new pool is started and the batches in flight are sent again; a
batch that breaks the pool twice fails with the reason.
"""
from __future__ import annotations

import gc
import logging
import multiprocessing as mp
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Deque, Dict, Iterable, Iterator, List, Optional, Tuple

from .tagger import Result, Tagger, batches  # noqa: F401  (batches: used by distributed)

logger = logging.getLogger(__name__)

_WORKER: Optional[Tagger] = None
Outcome = Tuple[Optional[Dict], Optional[str]]


def slim(result: Result) -> Outcome:
    """What a worker sends back: the output without the text and meta the caller has."""
    if result.output is None:
        return None, result.error
    out = {k: v for k, v in result.output.items() if k not in ("text", "meta")}
    return out, None


def unslim(record: Dict, outcome: Outcome) -> Result:
    """Rebuild the full Result from the input record and a worker's outcome."""
    out, error = outcome
    if out is None:
        return Result(record, error=error)
    full = {"id": out.get("id"), "text": record["text"], "meta": record.get("meta") or {}}
    full.update((k, v) for k, v in out.items() if k != "id")
    return Result(record, full)


def _init_worker(source) -> None:
    global _WORKER
    if _WORKER is None:  # spawn: load the pipeline; fork: inherited from the parent
        model, rules = source
        _WORKER = Tagger.load(model, rules=rules)


def _tag_batch(batch: List[Dict], batch_size: int) -> List[Outcome]:
    assert _WORKER is not None
    return [slim(r) for r in _WORKER.pipe_results(batch, batch_size=batch_size)]


def pool_results(tagger: Tagger, records: Iterable[Dict], batch_size: int = 16, n_process: int = 2,
                 in_flight: Optional[int] = None) -> Iterator[Result]:
    """Tag ``records`` in ``n_process`` worker processes; yield Results in input order."""
    global _WORKER
    methods = mp.get_all_start_methods()
    if "fork" in methods:
        context = mp.get_context("fork")
        _WORKER = tagger  # the forked workers inherit the loaded pipeline
        gc.collect()
        gc.freeze()  # keep the garbage collector off the inherited objects (fewer copy-on-write pages)
    else:
        if tagger.source is None:
            raise ValueError("n_process > 1 needs fork, or a Tagger made with Tagger.load")
        context = mp.get_context("spawn")
    in_flight = in_flight or 2 * n_process

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=n_process, mp_context=context, initializer=_init_worker,
                                   initargs=(tagger.source,))

    pool = new_pool()
    queue: Deque[Tuple[List[Dict], object, int]] = deque()
    source = batches(records, batch_size)
    try:
        while True:
            while len(queue) < in_flight:
                batch = next(source, None)
                if batch is None:
                    break
                queue.append((batch, pool.submit(_tag_batch, batch, batch_size), 0))
            if not queue:
                break
            batch, future, tries = queue.popleft()
            try:
                outcomes = future.result()
            except BrokenProcessPool:
                logger.warning("a worker process died; restarting the pool and resending %d batches", len(queue) + 1)
                pool.shutdown(wait=False, cancel_futures=True)
                pool = new_pool()
                resend = [(batch, tries + 1)] + [(b, t) for b, _, t in queue]
                queue.clear()
                for b, t in resend:
                    if t >= 2:
                        for record in b:
                            yield Result(record, error="the worker process died on this batch twice "
                                                       "(killed or out of memory)")
                        continue
                    queue.append((b, pool.submit(_tag_batch, b, batch_size), t))
                continue
            for record, outcome in zip(batch, outcomes):
                yield unslim(record, outcome)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if "fork" in methods:
            _WORKER = None
            gc.unfreeze()
