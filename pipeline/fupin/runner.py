"""Running a tagging job: inputs to output files with a summary.

Errors in single documents are reported (one line naming the source and the
reason) and the run goes on; the summary counts tagged and failed documents.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional, Union

from .facts import FactWriter, record_facts
from .ingest import DEFAULT_MAX_CHARS, InputError, read_inputs
from .tagger import Tagger, load_pipeline

logger = logging.getLogger(__name__)


@dataclass
class Summary:
    tagged: int = 0
    failed: int = 0
    characters: int = 0
    facts: int = 0


def run_tagging(inputs: Iterable[Union[str, Path]], output: Union[str, Path], *,
                facts_path: Optional[Union[str, Path]] = None, model=None, rules: bool = False,
                batch_size: int = 16, n_process: int = 1, max_chars: int = DEFAULT_MAX_CHARS) -> Summary:
    """Tag every readable document under ``inputs`` into ``output``."""
    nlp = load_pipeline(model, rules=rules)
    tagger = Tagger(nlp)
    summary = Summary()
    fact_writer = FactWriter(str(facts_path)) if facts_path else None

    def documents() -> Iterator[dict]:
        for item in read_inputs(inputs, max_chars=max_chars, exclude=[p for p in (output, facts_path) if p]):
            if isinstance(item, InputError):
                summary.failed += 1
                logger.error("%s", item)
                continue
            yield item

    Path(output).parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(output, "w", encoding="utf-8") as out:
            for record in tagger.tag(documents(), batch_size=batch_size, n_process=n_process):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                summary.tagged += 1
                summary.characters += len(record["text"])
                if fact_writer:
                    rows = record_facts(record)
                    summary.facts += len(rows)
                    fact_writer.write(rows)
    finally:
        if fact_writer:
            fact_writer.close()
    logger.info("tagged %d documents (%d characters), %d failed%s", summary.tagged, summary.characters,
                summary.failed, f", {summary.facts} facts" if fact_writer else "")
    return summary
