"""Conversion between SCHEMA records and spaCy Docs.

A Doc is always built on the cleaned text (``textnorm.align``); the record
keeps the original text, and spans are mapped through the alignment in both
directions. ``record_to_doc`` is used for gold data (training, DocBin) and
``doc_to_record`` for the tagger's output.
"""
from __future__ import annotations

import logging
from typing import Dict, List, Optional, Tuple

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from .extensions import remember_text
from .schema import QUANTITY_LABELS, TIME_LABELS
from .textnorm import AlignedText, align

logger = logging.getLogger(__name__)

GOLD_SPANS_KEY = "sc"


def new_doc(nlp: Language, record: Dict) -> Tuple[Doc, AlignedText]:
    """Make an unannotated Doc from a record's text (cleaned for the model)."""
    aligned = align(record["text"])
    doc = nlp.make_doc(aligned.clean)
    remember_text(doc, aligned.clean)
    doc._.doc_id = record.get("id")
    doc._.article_date = (record.get("meta") or {}).get("date")
    return doc, aligned


def record_to_doc(nlp: Language, record: Dict) -> Doc:
    """Make a gold Doc from an annotated record: entities, values, relations.

    Spans that do not align to tokens or vanish in cleaning are dropped with
    a warning naming the document.
    """
    doc, aligned = new_doc(nlp, record)
    ents: List[Span] = []
    index_to_span: Dict[int, Span] = {}
    for i, rec_span in enumerate(record.get("spans", [])):
        mapped = aligned.to_clean(rec_span["start"], rec_span["end"])
        span = None
        if mapped is not None:
            span = doc.char_span(mapped[0], mapped[1], label=rec_span["label"], alignment_mode="strict")
        if span is None:
            logger.warning("%s: span %r at %d does not align; dropped", record.get("id"), rec_span.get("text"), rec_span["start"])
            continue
        ents.append(span)
        index_to_span[i] = span
    kept = filter_spans(ents)
    if len(kept) != len(ents):
        logger.warning("%s: %d overlapping spans dropped", record.get("id"), len(ents) - len(kept))
    doc.ents = kept
    doc.spans[GOLD_SPANS_KEY] = list(kept)  # the same spans for span classifiers (spancat)
    kept_starts = {s.start_char for s in kept}
    for i, span in index_to_span.items():
        if span.start_char not in kept_starts:
            continue
        rec_span = record["spans"][i]
        target = doc.char_span(span.start_char, span.end_char, label=span.label_)
        for attr in ("value", "unit", "qualifier", "date", "program"):
            if rec_span.get(attr) is not None:
                setattr(target._, attr, rec_span[attr])
    relations = []
    for rel in record.get("relations", []):
        head, child = index_to_span.get(rel["head"]), index_to_span.get(rel["child"])
        if head is None or child is None or head.start_char not in kept_starts or child.start_char not in kept_starts:
            continue
        relations.append((head.start_char, child.start_char, rel["label"], 1.0))
    doc._.relations = relations
    return doc


def doc_to_record(doc: Doc, aligned: AlignedText, record: Dict, *, with_scores: bool = False) -> Dict:
    """Write a processed Doc as a SCHEMA record on the original text.

    record (dict): the input record; its id, text and meta are kept as given.
    """
    spans: List[Dict] = []
    start_to_index: Dict[int, int] = {}
    for span in sorted(doc.ents, key=lambda s: s.start_char):
        start, end = aligned.to_original(span.start_char, span.end_char)
        out = {"start": start, "end": end, "label": span.label_, "text": aligned.original[start:end]}
        if span.label_ in QUANTITY_LABELS:
            out.update(value=span._.value, unit=span._.unit, qualifier=span._.qualifier)
        elif span.label_ in TIME_LABELS:
            out["date"] = span._.date
        elif span.label_ == "PROGRAM":
            out["program"] = span._.program
        start_to_index[span.start_char] = len(spans)
        spans.append(out)
    relations = []
    for head_start, child_start, label, score in doc._.relations or []:
        if head_start in start_to_index and child_start in start_to_index:
            rel = {"head": start_to_index[head_start], "child": start_to_index[child_start], "label": label}
            if with_scores:
                rel["score"] = round(float(score), 4)
            relations.append(rel)
    relations.sort(key=lambda r: (r["head"], r["child"]))
    result = {"id": record.get("id"), "text": aligned.original, "meta": record.get("meta") or {},
              "spans": spans, "relations": relations}
    return result
