"""Tagging on a Ray cluster (``fupin tag --engine ray``).

The driver (the machine running ``fupin tag``) reads the corpus lazily, cuts
it into partitions of ``batch_size`` documents and sends them to a pool of
Ray actors, one per worker CPU, each holding the pipeline and running the
same ``Tagger.pipe_results`` as the local engine. Finished records come back
in input order and the driver writes the same outputs as a local run
(JSONL, facts, errors; ``--resume`` works the same). At most two partitions
per actor are in flight, so the driver's memory stays flat.

Without an address a local Ray is started with ``workers`` CPUs (what the
tests use). On a real cluster (see README, "Beyond one machine"):

    ray start --head                          # on the head node
    ray start --address HEAD:6379             # on every worker node
    fupin tag corpus/ -o out.jsonl --engine ray --address auto --workers 32

Every node needs fupin installed in the same Python environment, and the
model directory (``--model``, or the shipped default) at the same path, for
example on a shared filesystem.
"""
from __future__ import annotations

import logging
import os
from collections import deque
from pathlib import Path
from typing import Deque, Dict, Iterable, Iterator, List, Optional, Tuple

from .parallel import Outcome, batches, slim, unslim
from .tagger import DEFAULT_MODEL, Result

logger = logging.getLogger(__name__)

RAY_VERSION = "2.49.2"  # the version tested here (pyproject extra "ray")


class _TaggerActor:
    """A Ray actor holding one loaded pipeline."""

    def __init__(self, model: Optional[str], rules: bool):
        logging.basicConfig(level=logging.WARNING)
        from .tagger import Tagger

        self.tagger = Tagger.load(model, rules=rules)

    def tag(self, batch: List[Dict], batch_size: int) -> List[Outcome]:
        return [slim(r) for r in self.tagger.pipe_results(batch, batch_size=batch_size)]

    def ping(self) -> bool:
        return True


class RayTagger:
    """Tag through a pool of Ray actors (same interface as ``Tagger.results``).

    model (Path | None): pipeline directory, readable on every node; None is the shipped default.
    rules (bool): the rule layer alone.
    workers (int | None): actors (default: the cluster's CPUs).
    address (str | None): cluster address ("auto", "ray://HEAD:10001" ...);
        None uses RAY_ADDRESS or starts a local Ray with ``workers`` CPUs.
    """

    def __init__(self, model=None, rules: bool = False, workers: Optional[int] = None,
                 address: Optional[str] = None):
        try:
            import ray
        except ImportError:
            raise ImportError("--engine ray needs Ray: pip install 'fupin[ray]' "
                              f"(ray=={RAY_VERSION})") from None
        if not rules:
            path = Path(model) if model else DEFAULT_MODEL
            if not path.exists():
                raise FileNotFoundError(f"model not found: {path}")
            model = str(path.resolve())
        self.ray = ray
        address = address or os.environ.get("RAY_ADDRESS")
        self.started = not ray.is_initialized()
        if self.started:
            kwargs = dict(include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False,
                          configure_logging=True)
            if address:
                ray.init(address=address, **kwargs)
            else:
                ray.init(num_cpus=workers or os.cpu_count() or 1, **kwargs)
        n = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        actor = ray.remote(num_cpus=1, max_restarts=1, max_task_retries=1)(_TaggerActor)
        self.actors = [actor.remote(None if rules else model, rules) for _ in range(n)]
        ray.get([a.ping.remote() for a in self.actors])  # load errors surface here
        logger.info("ray: %d workers on %s", n, "a local Ray" if not address else address)

    def results(self, records: Iterable[Dict], batch_size: int = 16, n_process: int = 1) -> Iterator[Result]:
        """Tag records on the actors; yield one Result per record, in input order.

        n_process is ignored (one process per actor).
        """
        ray = self.ray
        queue: Deque[Tuple[List[Dict], object]] = deque()
        source = batches(records, batch_size)
        in_flight = 2 * len(self.actors)
        turn = 0
        while True:
            while len(queue) < in_flight:
                batch = next(source, None)
                if batch is None:
                    break
                queue.append((batch, self.actors[turn % len(self.actors)].tag.remote(batch, batch_size)))
                turn += 1
            if not queue:
                return
            batch, ref = queue.popleft()
            try:
                outcomes = ray.get(ref)
            except ray.exceptions.RayError as err:
                reason = f"ray worker failed: {type(err).__name__}: {str(err).strip().splitlines()[0][:300]}"
                outcomes = [(None, reason)] * len(batch)
            for record, outcome in zip(batch, outcomes):
                yield unslim(record, outcome)

    def close(self) -> None:
        """Stop the actors, and the local Ray when this tagger started it."""
        for a in self.actors:
            try:
                self.ray.kill(a)
            except Exception:  # already gone
                pass
        if self.started:
            self.ray.shutdown()
