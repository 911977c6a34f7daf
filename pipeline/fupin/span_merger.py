"""``fupin_rule_backoff``: add rule-layer spans where the model found nothing.

After the trained NER, rule spans (``doc.spans[spans_key]``, written by
``fupin_rules`` before tok2vec) of the configured labels are added to
``doc.ents`` wherever they overlap no predicted entity. The model decides
where it has an opinion; the rules' high-precision patterns (amounts with a
unit, percentages, money) fill the gaps it leaves.

With ``extend`` set, a predicted entity that lies strictly inside a rule span
of the same label first takes the rule span's extent (when that collides with
no other entity), and so do several same-label pieces of one rule span; an
entity made of two or more whole rule spans written edge to edge (「1856套
169768平方米」) is split into them. The per-token tagger often finds a lexicon
entry but cuts it short (「贵州」 for 「贵州省」, 「族自治州」 for 「果洛藏族自治州」,
「018年」); the rules know where a gazetteer name, date or amount ends. An
entity that starts or ends inside a written number takes the whole number.

With ``drop_enumerations`` set, predicted region names that only enumerate a
counted set (印台区、耀州区等「29个」) are removed, as SCHEMA wants and the
rule layer does (``rules.enumerated_regions``): the per-token tagger sees a
few characters around each name, not the count that ends the list.

With ``unmarked_key`` set, predicted entities inside a range the rule layer
found unmarked (``doc.spans[unmarked_key]``) are removed first: anything inside
a document title 《…》, and a region that begins an organisation or meeting
name (中国扶贫研究院, 全国扶贫开发信息系统), as SCHEMA wants.
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Sequence

from spacy.language import Language
from spacy.tokens import Doc, Span

from .extensions import doc_text
from .rules import enumerated_regions, within_any


class RuleBackoff:
    def __init__(self, nlp: Language, name: str, spans_key: str, labels: Optional[Iterable[str]],
                 extend: bool = False, drop_enumerations: bool = False, unmarked_key: Optional[str] = None):
        self.name = name
        self.spans_key = spans_key
        self.allowed_labels = set(labels) if labels else None
        self.extend = extend
        self.drop_enumerations = drop_enumerations
        self.unmarked_key = unmarked_key

    def __call__(self, doc: Doc) -> Doc:
        if self.spans_key not in doc.spans:
            return doc
        if self.unmarked_key and doc.spans.get(self.unmarked_key):
            self._drop_unmarked(doc, doc.spans[self.unmarked_key])
        if self.extend:
            self._whole_numbers(doc)
            self._extend(doc)
            self._split_joined(doc)
        owner = _owners(len(doc), doc.ents)
        added: List[Span] = []
        for span in doc.spans[self.spans_key]:
            if self.allowed_labels is not None and span.label_ not in self.allowed_labels:
                continue
            if any(o != -1 for o in owner[span.start:span.end]):
                continue
            owner[span.start:span.end] = [len(doc.ents) + len(added)] * (span.end - span.start)
            added.append(Span(doc, span.start, span.end, label=span.label_))
        if added:
            doc.ents = sorted(list(doc.ents) + added, key=lambda s: s.start)
        if self.drop_enumerations:
            self._drop_enumerations(doc)
        return doc

    @staticmethod
    def _drop_unmarked(doc: Doc, unmarked: Iterable[Span]) -> None:
        titles = [(u.start, u.end) for u in unmarked if u.label_ == "TITLE"]
        names = [(u.start, u.end) for u in unmarked if u.label_ == "NAME"]
        kept = [ent for ent in doc.ents
                if not within_any(titles, ent.start, ent.end)
                and not (ent.label_ == "REGION" and any(ent.start < b and a < ent.end for a, b in names))]
        if len(kept) < len(doc.ents):
            doc.ents = kept

    @staticmethod
    def _drop_enumerations(doc: Doc) -> None:
        ents = list(doc.ents)
        regions = [i for i, ent in enumerate(ents) if ent.label_ == "REGION"]
        dropped = enumerated_regions(doc_text(doc), [(ents[i].start_char, ents[i].end_char) for i in regions])
        if dropped:
            drop = {regions[k] for k in dropped}
            doc.ents = [ent for i, ent in enumerate(ents) if i not in drop]

    @staticmethod
    def _whole_numbers(doc: Doc) -> None:
        """An entity that starts or ends inside a written number (「0万以上」 in
        1000万以上) takes the whole number: the per-character tagger can cut one."""
        ents = list(doc.ents)
        owner = _owners(len(doc), ents)
        changed = False
        for i, ent in enumerate(ents):
            start, end = ent.start, ent.end
            while start > 0 and owner[start - 1] == -1 and _in_number(doc, start - 1) and _in_number(doc, start):
                start -= 1
            while end < len(doc) and owner[end] == -1 and _in_number(doc, end) and _in_number(doc, end - 1):
                end += 1
            if (start, end) != (ent.start, ent.end):
                ents[i] = Span(doc, start, end, label=ent.label_)
                owner[start:end] = [i] * (end - start)
                changed = True
        if changed:
            doc.ents = ents

    def _extend(self, doc: Doc) -> None:
        ents: List[Optional[Span]] = list(doc.ents)
        owner = _owners(len(doc), ents)
        changed = False
        for span in doc.spans[self.spans_key]:
            if self.allowed_labels is not None and span.label_ not in self.allowed_labels:
                continue
            inside = sorted({owner[t] for t in range(span.start, span.end)} - {-1})
            if not inside:
                continue
            if any(ents[i].label_ != span.label_ for i in inside):
                continue  # another label inside: the model's call
            if not all(span.start <= ents[i].start and ents[i].end <= span.end for i in inside):
                continue  # an entity reaches outside the rule span: the model's call
            if len(inside) == 1 and (ents[inside[0]].start, ents[inside[0]].end) == (span.start, span.end):
                continue
            # one entity cut short, or pieces of one (2017 | 03-05 10:52:00 in a page stamp)
            keep = inside[0]
            ents[keep] = Span(doc, span.start, span.end, label=span.label_)
            for i in inside[1:]:
                ents[i] = None
            owner[span.start:span.end] = [keep] * (span.end - span.start)
            changed = True
        if changed:
            doc.ents = [ent for ent in ents if ent is not None]

    def _split_joined(self, doc: Doc) -> None:
        """Split an entity that is two or more same-label rule spans edge to edge."""
        old = list(doc.ents)
        owner = _owners(len(doc), old)
        parts: Dict[int, List[Span]] = {}
        for r in sorted(doc.spans[self.spans_key], key=lambda r: r.start):
            i = owner[r.start]
            if i != -1 and r.label_ == old[i].label_ and r.end <= old[i].end and \
                    (self.allowed_labels is None or r.label_ in self.allowed_labels):
                parts.setdefault(i, []).append(r)
        ents: List[Span] = []
        changed = False
        for i, ent in enumerate(old):
            pieces = parts.get(i, [])
            if len(pieces) >= 2 and pieces[0].start == ent.start and pieces[-1].end == ent.end \
                    and all(a.end == b.start for a, b in zip(pieces, pieces[1:])):
                ents.extend(Span(doc, r.start, r.end, label=r.label_) for r in pieces)
                changed = True
            else:
                ents.append(ent)
        if changed:
            doc.ents = ents

    def to_disk(self, path, exclude=tuple()):
        pass

    def from_disk(self, path, exclude=tuple()):
        return self


def _owners(n_tokens: int, ents: Sequence[Span]) -> List[int]:
    """For every token, the index in ``ents`` of the entity holding it, or -1."""
    owner = [-1] * n_tokens
    for i, ent in enumerate(ents):
        owner[ent.start:ent.end] = [i] * (ent.end - ent.start)
    return owner


def _in_number(doc: Doc, i: int) -> bool:
    """A digit, or a decimal point between digits (not a comma: cleaned text has
    half-width commas between clauses)."""
    text = doc[i].text
    if text == ".":
        return 0 < i < len(doc) - 1 and doc[i - 1].text.isdigit() and doc[i + 1].text.isdigit()
    return len(text) == 1 and text.isdigit()


@Language.factory("fupin_rule_backoff",
                  default_config={"spans_key": "rules", "labels": None, "extend": False, "drop_enumerations": False,
                                  "unmarked_key": None})
def make_rule_backoff(nlp: Language, name: str, spans_key: str, labels: Optional[List[str]],
                      extend: bool, drop_enumerations: bool, unmarked_key: Optional[str]) -> RuleBackoff:
    """Create the rule back-off.

    spans_key (str): where ``fupin_rules`` wrote its spans.
    labels (Optional[List[str]]): which rule labels may fill gaps (and extend); None = all.
    extend (bool): let a predicted entity strictly inside a same-label rule span take its
        extent, and one that cuts a written number take the whole number.
    drop_enumerations (bool): remove predicted region names that only enumerate a counted set.
    unmarked_key (Optional[str]): where ``fupin_rules`` wrote the ranges SCHEMA leaves
        unmarked; predictions inside them are removed. None keeps them.
    """
    return RuleBackoff(nlp, name, spans_key, labels, extend, drop_enumerations, unmarked_key)
