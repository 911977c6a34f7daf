"""Tagging documents: ingest -> clean -> spaCy pipeline -> SCHEMA records.

``Tagger`` wraps a loaded pipeline (the shipped model, any ``--model`` path,
or the rule layer) and streams records through ``nlp.pipe`` (``batch_size``,
``n_process``) so that memory stays flat in the number of documents.

``Tagger.results`` is the robust form used by the runner and the distributed
engines: it yields one ``Result`` per input record, in input order, with the
output record or the reason the document failed. A component that raises on
one document does not end the run: the batch it was in is retried document
by document in the calling process, so the failure is pinned to the document
that caused it and its batch-mates are still tagged.
"""
from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from pathlib import Path
from itertools import islice
from typing import Dict, Iterable, Iterator, List, Optional, Tuple, Union

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from . import extensions  # noqa: F401
from .docio import doc_to_record, new_doc
from .textnorm import AlignedText

logger = logging.getLogger(__name__)

DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "models" / "fupin-cnn"


def build_rules_pipeline() -> Language:
    """A pipeline of the rule layer alone: rules, normaliser, nearest linker."""
    nlp = spacy.blank("zh")
    nlp.add_pipe("fupin_rules")
    nlp.add_pipe("fupin_normalizer")
    nlp.add_pipe("fupin_linker")
    return nlp


def load_pipeline(model: Optional[Union[str, Path]] = None, rules: bool = False) -> Language:
    """Load the pipeline to tag with.

    model (str | Path | None): a trained pipeline directory; None means the
        shipped default model (``DEFAULT_MODEL``).
    rules (bool): use the rule layer alone.
    RETURNS (Language): the loaded pipeline.
    """
    if rules:
        return build_rules_pipeline()
    path = Path(model) if model else DEFAULT_MODEL
    if not path.exists():
        hint = "" if model else " (rebuild it with `python scripts/build_default_model.py`, or pass --rules)"
        raise FileNotFoundError(f"model not found: {path}{hint}")
    logger.info("model: %s", path)
    try:
        return spacy.load(path)
    except (OSError, ValueError, KeyError) as err:
        raise ValueError(f"{path}: cannot load the model ({type(err).__name__}: {err})") from None


@dataclass
class Result:
    """The outcome of tagging one input record.

    record (dict): the input record (id, text, meta).
    output (dict | None): the SCHEMA output record, None when it failed.
    error (str | None): why it failed, one line.
    """

    record: Dict
    output: Optional[Dict] = None
    error: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.output is not None


def _error_line(err: BaseException, where: str = "") -> str:
    msg = str(err).strip().splitlines()
    first = msg[-1] if msg else ""
    prefix = f"{where}: " if where else ""
    return f"{prefix}{type(err).__name__}: {first}"[:500]


class Tagger:
    """Tag SCHEMA records with a loaded pipeline."""

    def __init__(self, nlp: Language, source: Optional[Tuple[Optional[str], bool]] = None):
        self.nlp = nlp
        # how to load the same pipeline elsewhere (worker processes started by spawn)
        self.source = source

    @classmethod
    def load(cls, model: Optional[Union[str, Path]] = None, rules: bool = False) -> "Tagger":
        """A Tagger for ``load_pipeline(model, rules)``."""
        return cls(load_pipeline(model, rules=rules), source=(str(model) if model else None, rules))

    def results(self, records: Iterable[Dict], batch_size: int = 16, n_process: int = 1) -> Iterator[Result]:
        """Tag records, yielding one ``Result`` per record, in input order.

        With ``n_process`` > 1 the records go in batches of ``batch_size`` to
        worker processes, each streaming its batches through ``nlp.pipe``
        and sending back finished records; the main process only reads and
        writes. (spaCy's own ``nlp.pipe(n_process=...)`` ships every Doc
        through the main process as bytes, which made two processes slower
        than one for this pipeline; see ``scripts/bench_speed.py``.)

        records (Iterable[dict]): input records with ``id``, ``text`` and
            ``meta``; consumed lazily (at most ``2 * n_process`` batches are
            in flight).
        batch_size (int): documents per ``nlp.pipe`` batch.
        n_process (int): worker processes.
        YIELDS (Result): the output record or the failure reason.
        """
        if n_process > 1:
            from .parallel import pool_results

            yield from pool_results(self, records, batch_size=batch_size, n_process=n_process)
        else:
            yield from self.pipe_results(records, batch_size=batch_size)

    def pipe_results(self, records: Iterable[Dict], batch_size: int = 16) -> Iterator[Result]:
        """``results`` in this process: batches of ``batch_size`` through ``nlp.pipe``.

        When a component raises, the batch is run again document by document
        (``_retry``), so the failure is pinned to its document and the others
        are tagged.
        """
        for batch in batches(records, batch_size):
            prepared: List[Union[Result, Tuple[Dict, Doc, AlignedText]]] = []
            for record in batch:
                try:
                    doc, aligned = new_doc(self.nlp, record)
                    prepared.append((record, doc, aligned))
                except Exception as err:  # a text the tokenizer or the aligner cannot take
                    prepared.append(Result(record, error=_error_line(err, "preparing the document")))
            docs = [item[1] for item in prepared if not isinstance(item, Result)]
            try:
                done: Optional[List[Doc]] = list(self.nlp.pipe(docs, batch_size=batch_size))
                if len(done) != len(docs):  # a component's error handler dropped some
                    done = None
            except Exception as err:
                logger.debug("a batch failed (%s: %s); retrying its documents one by one", type(err).__name__, err)
                done = None
            processed = iter(done or [])
            for item in prepared:
                if isinstance(item, Result):
                    yield item
                    continue
                record, _, aligned = item
                if done is None:
                    yield self._retry(record)
                    continue
                doc = next(processed)
                try:
                    yield Result(record, doc_to_record(doc, aligned, record, with_scores=True))
                except Exception as err:
                    yield Result(record, error=_error_line(err, "writing the record"))

    def _retry(self, record: Dict) -> Result:
        """Run one document through the pipeline alone, catching the failing component."""
        doc, aligned = new_doc(self.nlp, record)
        for name, proc in self.nlp.pipeline:
            try:
                doc = proc(doc)
            except Exception as err:
                logger.debug("%s: %s failed:\n%s", record.get("id"), name, traceback.format_exc())
                return Result(record, error=_error_line(err, f"component {name!r}"))
        try:
            return Result(record, doc_to_record(doc, aligned, record, with_scores=True))
        except Exception as err:
            return Result(record, error=_error_line(err, "writing the record"))

    def tag(self, records: Iterable[Dict], batch_size: int = 16, n_process: int = 1) -> Iterator[Dict]:
        """Yield one output record per input record, in order; raise on a failed document."""
        for result in self.results(records, batch_size=batch_size, n_process=n_process):
            if result.error:
                raise ValueError(f"{result.record.get('id')}: {result.error}")
            yield result.output

    def tag_one(self, record: Dict) -> Dict:
        """Tag a single record (raises ValueError when it fails)."""
        return next(self.tag([record]))


def batches(records: Iterable[Dict], size: int) -> Iterator[List[Dict]]:
    """Cut a stream of records into lists of ``size``."""
    it = iter(records)
    while True:
        batch = list(islice(it, size))
        if not batch:
            return
        yield batch
