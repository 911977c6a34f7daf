"""Running a tagging job: inputs to output files with a summary.

Documents stream from the readers through an engine (``local``: ``nlp.pipe``
with ``n_process`` workers; ``ray``: actors of a Ray cluster, see
``fupin.distributed``) into the output files, written incrementally, so
memory stays flat in the number of documents.

Errors in single documents are reported (one line naming the source and the
reason, and a line in the errors file) and the run goes on; the summary
counts tagged and failed documents. With ``resume`` the documents whose ids
are already in the output are skipped, so a killed run can be restarted.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, List, Optional, Sequence, Union

from .ingest import DEFAULT_MAX_CHARS, TEXT_SUFFIXES, InputError, find_files, read_inputs
from .outputs import RunOutputs
from .progress import Progress
from .tagger import Result, Tagger

logger = logging.getLogger(__name__)

PathLike = Union[str, Path]
ENGINES = ("local", "ray")


@dataclass
class Summary:
    """What a run did.

    tagged (int): documents written in this run.
    failed (int): documents (or files) that could not be read or tagged.
    skipped (int): documents already in the output (``resume``).
    characters (int): characters of the documents tagged in this run.
    facts (int): fact rows written (all of them, when resuming).
    seconds (float): wall time of the tagging loop.
    """

    tagged: int = 0
    failed: int = 0
    skipped: int = 0
    characters: int = 0
    facts: int = 0
    seconds: float = 0.0


def default_errors_path(output: PathLike) -> Path:
    """``out.jsonl`` -> ``out.errors.jsonl`` beside it."""
    output = Path(output)
    return output.with_name(output.stem + ".errors.jsonl")


def count_documents(inputs: Iterable[PathLike], exclude: Iterable[PathLike] = ()) -> int:
    """Count the documents under ``inputs`` cheaply (for the ETA).

    A .jsonl file counts its non-blank lines; any other file counts one.
    """
    total = 0
    for found in find_files(inputs, exclude):
        if isinstance(found, InputError):
            continue
        if TEXT_SUFFIXES.get(found.suffix.lower()) == "jsonl":
            with open(found, "rb") as f:
                total += sum(1 for line in f if line.strip())
        else:
            total += 1
    return total


def run_tagging(inputs: Iterable[PathLike], output: PathLike, *,
                facts_path: Optional[Union[PathLike, Sequence[PathLike]]] = None, model=None, rules: bool = False,
                batch_size: int = 16, n_process: int = 1, max_chars: int = DEFAULT_MAX_CHARS,
                resume: bool = False, errors_path: Optional[PathLike] = None, engine: str = "local",
                workers: Optional[int] = None, address: Optional[str] = None,
                progress: str = "auto") -> Summary:
    """Tag every readable document under ``inputs`` into ``output``.

    inputs (Iterable[Path]): files and directories (.txt, .html/.htm, .jsonl).
    output (Path): SCHEMA JSONL.
    facts_path (Path | List[Path] | None): facts tables, CSV or Parquet by suffix.
    model (Path | None): pipeline directory; None is ``tagger.DEFAULT_MODEL``.
    rules (bool): use the rule layer alone.
    batch_size (int): documents per ``nlp.pipe`` batch (and per Ray task).
    n_process (int): ``nlp.pipe`` processes (local engine).
    max_chars (int): longer documents are rejected.
    resume (bool): skip documents already in ``output`` and append.
    errors_path (Path | None): where failures go (default ``OUT.errors.jsonl``).
    engine (str): "local" or "ray".
    workers (int | None): Ray actors (default: the cluster's CPUs).
    address (str | None): Ray cluster address (None: start a local one).
    progress (str): "auto", "bar", "log" or "off".
    RETURNS (Summary): the counts.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r} (choose from {', '.join(ENGINES)})")
    inputs = list(inputs)
    facts: List[PathLike] = [] if facts_path is None else (
        [facts_path] if isinstance(facts_path, (str, Path)) else list(facts_path))
    errors_path = Path(errors_path) if errors_path else default_errors_path(output)
    exclude = [output, errors_path, *facts]

    if engine == "local":
        tagger = Tagger.load(model, rules=rules)
    else:
        from .distributed import RayTagger

        tagger = RayTagger(model=model, rules=rules, workers=workers, address=address)

    summary = Summary()
    outputs = RunOutputs(output, facts, errors=errors_path, resume=resume)
    summary.skipped = len(outputs.done)
    total = count_documents(inputs, exclude) if progress != "off" else None
    bar = Progress(total=total, mode=progress, initial=summary.skipped if total else 0)

    def documents() -> Iterator[dict]:
        for item in read_inputs(inputs, max_chars=max_chars, exclude=exclude):
            if isinstance(item, InputError):
                summary.failed += 1
                logger.error("%s", item)
                outputs.write_error(item.source, item.reason)
                bar.update(0, failed=True)
                continue
            if resume and item["id"] in outputs.done:
                continue
            yield item

    try:
        for result in tagger.results(documents(), batch_size=batch_size, n_process=n_process):
            _handle(result, outputs, summary)
            bar.update(len(result.record["text"]), failed=not result.ok)
    finally:
        bar.close()
        outputs.close()
        if hasattr(tagger, "close"):
            tagger.close()
    summary.facts = outputs.facts_count
    summary.seconds = bar_elapsed(bar)
    rate = summary.characters / summary.seconds if summary.seconds else 0.0
    logger.info("tagged %d documents (%d characters, %.0f chars/s), %d failed%s%s", summary.tagged,
                summary.characters, rate, summary.failed,
                f", {summary.skipped} already done" if resume else "",
                f", {summary.facts} facts" if facts else "")
    if summary.failed:
        logger.info("failures are listed in %s", errors_path)
    return summary


def _handle(result: Result, outputs: RunOutputs, summary: Summary) -> None:
    if result.ok:
        outputs.write_record(result.output)
        summary.tagged += 1
        summary.characters += len(result.record["text"])
    else:
        summary.failed += 1
        source = (result.record.get("meta") or {}).get("source") or str(result.record.get("id"))
        logger.error("%s: %s", source, result.error)
        outputs.write_error(source, result.error, doc_id=result.record.get("id"))


def bar_elapsed(bar: Progress) -> float:
    import time

    return time.monotonic() - bar.start
