"""Rule-suggested span classification: the rules propose, the model decides.

``fupin.RuleSuggester.v1`` suggests, for spaCy's ``spancat``, every raw rule
candidate (``doc.spans["rule_candidates"]``, written by ``fupin_rules`` with
``candidates_key``) together with its boundary variants (start and end moved
by up to ``widen`` tokens, which covers 在/到 prefixes, 前/底 suffixes and
counted nouns). ``spancat`` learns from context which candidates are
entities and with which label; ``fupin_spans_to_ents`` then writes the
best-scoring non-overlapping spans to ``doc.ents`` for the normaliser and the
relation extractor.
"""
from __future__ import annotations

from typing import Iterable, List, Optional

import numpy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import registry
from thinc.api import Ops, get_current_ops
from thinc.types import Ragged


@registry.misc("fupin.RuleSuggester.v1")
def build_rule_suggester(spans_key: str = "rule_candidates", widen: int = 1, max_length: int = 25):
    """Suggest rule candidates and their boundary variants.

    spans_key (str): where ``fupin_rules`` wrote its raw candidates.
    widen (int): how many tokens a boundary may move either way.
    max_length (int): longest span suggested, in tokens.
    """

    def suggest(docs: Iterable[Doc], *, ops: Optional[Ops] = None) -> Ragged:
        ops = ops or get_current_ops()
        spans: List[List[int]] = []
        lengths: List[int] = []
        for doc in docs:
            seen = set()
            for cand in doc.spans.get(spans_key, []):
                for ds in range(-widen, widen + 1):
                    for de in range(-widen, widen + 1):
                        s, e = cand.start + ds, cand.end + de
                        if 0 <= s < e <= len(doc) and e - s <= max_length:
                            seen.add((s, e))
            ordered = sorted(seen)
            spans.extend([s, e] for s, e in ordered)
            lengths.append(len(ordered))
        data = numpy.asarray(spans, dtype="int32").reshape(-1, 2)
        return Ragged(ops.asarray2i(data), ops.asarray1i(numpy.asarray(lengths, dtype="int32")))

    return suggest


class SpansToEnts:
    """Write the best-scoring non-overlapping spans of a span group to doc.ents."""

    def __init__(self, nlp: Language, name: str, spans_key: str, threshold: float):
        self.name = name
        self.spans_key = spans_key
        self.threshold = threshold

    def __call__(self, doc: Doc) -> Doc:
        group = doc.spans.get(self.spans_key)
        if group is None:
            return doc
        scores = group.attrs.get("scores")
        if scores is not None and len(group):
            scores = numpy.asarray(scores).reshape(len(group), -1).max(axis=1)
        ranked = []
        for i, span in enumerate(group):
            score = float(scores[i]) if scores is not None and i < len(scores) else 1.0
            if score >= self.threshold:
                ranked.append((score, span))
        ranked.sort(key=lambda x: (-x[0], x[1].start))
        taken = bytearray(len(doc))
        chosen: List[Span] = []
        for score, span in ranked:
            if any(taken[span.start:span.end]) or "\n" in span.text:
                continue
            taken[span.start:span.end] = b"\1" * (span.end - span.start)
            chosen.append(Span(doc, span.start, span.end, label=span.label_))
        doc.ents = sorted(chosen, key=lambda s: s.start)
        return doc

    def to_disk(self, path, exclude=tuple()):
        pass

    def from_disk(self, path, exclude=tuple()):
        return self


@Language.factory("fupin_spans_to_ents", default_config={"spans_key": "sc", "threshold": 0.5})
def make_spans_to_ents(nlp: Language, name: str, spans_key: str, threshold: float) -> SpansToEnts:
    """Create the span-group -> doc.ents writer."""
    return SpansToEnts(nlp, name, spans_key, threshold)
