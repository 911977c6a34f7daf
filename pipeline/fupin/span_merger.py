"""``fupin_rule_backoff``: add rule-layer spans where the model found nothing.

After the trained NER, rule spans (``doc.spans[spans_key]``, written by
``fupin_rules`` before tok2vec) of the configured labels are added to
``doc.ents`` wherever they overlap no predicted entity. The model decides
where it has an opinion; the rules' high-precision patterns (amounts with a
unit, percentages, money) fill the gaps it leaves.
"""
from __future__ import annotations

from typing import Iterable, List, Optional

from spacy.language import Language
from spacy.tokens import Doc, Span


class RuleBackoff:
    def __init__(self, nlp: Language, name: str, spans_key: str, labels: Optional[Iterable[str]]):
        self.name = name
        self.spans_key = spans_key
        self.allowed_labels = set(labels) if labels else None

    def __call__(self, doc: Doc) -> Doc:
        if self.spans_key not in doc.spans:
            return doc
        taken = bytearray(len(doc))
        for ent in doc.ents:
            taken[ent.start:ent.end] = b"\1" * (ent.end - ent.start)
        added: List[Span] = []
        for span in doc.spans[self.spans_key]:
            if self.allowed_labels is not None and span.label_ not in self.allowed_labels:
                continue
            if any(taken[span.start:span.end]):
                continue
            taken[span.start:span.end] = b"\1" * (span.end - span.start)
            added.append(Span(doc, span.start, span.end, label=span.label_))
        if added:
            doc.ents = sorted(list(doc.ents) + added, key=lambda s: s.start)
        return doc

    def to_disk(self, path, exclude=tuple()):
        pass

    def from_disk(self, path, exclude=tuple()):
        return self


@Language.factory("fupin_rule_backoff", default_config={"spans_key": "rules", "labels": None})
def make_rule_backoff(nlp: Language, name: str, spans_key: str, labels: Optional[List[str]]) -> RuleBackoff:
    """Create the rule back-off (labels: which rule labels may fill gaps; None = all)."""
    return RuleBackoff(nlp, name, spans_key, labels)
