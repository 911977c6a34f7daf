"""Tagging documents: ingest -> clean -> spaCy pipeline -> SCHEMA records.

``Tagger`` wraps a loaded pipeline (the shipped model, any ``--model`` path,
or the rule layer) and streams records through ``nlp.pipe`` so that memory
stays flat in the number of documents.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Dict, Iterable, Iterator, Optional, Tuple, Union

import spacy
from spacy.language import Language

from . import extensions  # noqa: F401
from .docio import doc_to_record, new_doc

logger = logging.getLogger(__name__)

DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "models" / "fupin-default"


def build_rules_pipeline() -> Language:
    """A pipeline of the rule layer alone: rules, normaliser, nearest linker."""
    nlp = spacy.blank("zh")
    nlp.add_pipe("fupin_rules")
    nlp.add_pipe("fupin_normalizer")
    nlp.add_pipe("fupin_linker")
    return nlp


def load_pipeline(model: Optional[Union[str, Path]] = None, rules: bool = False) -> Language:
    """Load the pipeline to tag with.

    model: a trained pipeline directory; None means the shipped default model.
    rules: use the rule layer alone.
    """
    if rules:
        return build_rules_pipeline()
    path = Path(model) if model else DEFAULT_MODEL
    if not path.exists():
        hint = "" if model else " (rebuild it with `python scripts/save_rules_model.py`, or pass --rules)"
        raise FileNotFoundError(f"model not found: {path}{hint}")
    return spacy.load(path)


class Tagger:
    """Tag SCHEMA records with a loaded pipeline."""

    def __init__(self, nlp: Language):
        self.nlp = nlp

    def tag(self, records: Iterable[Dict], batch_size: int = 16, n_process: int = 1) -> Iterator[Dict]:
        """Yield one output record per input record, in order."""
        def docs() -> Iterator[Tuple]:
            for record in records:
                doc, aligned = new_doc(self.nlp, record)
                yield doc, (record, aligned)

        for doc, (record, aligned) in self.nlp.pipe(docs(), as_tuples=True, batch_size=batch_size,
                                                     n_process=n_process):
            yield doc_to_record(doc, aligned, record, with_scores=True)

    def tag_one(self, record: Dict) -> Dict:
        return next(self.tag([record]))
