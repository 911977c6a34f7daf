"""The rule relation linker: each quantity to the nearest governing context
span of each kind inside its sentence (SCHEMA section 3).

Time rules refine "nearest", and the relation extractor applies them over its
own choices too: the from-side of a 从…到 comparison takes the from-time, which
governs no other amount (``from_times``); no time reaches an amount across a
vague 'now' such as 如今 (``crosses_now``); and the base of a comparison
(比上年末, 较2016年) is no amount's time (``is_comparison_time``).

Time and region context usually stands before the amount it governs and
also governs the list that follows it ("2018年,全县计划实现1.5万贫困人口脱贫、
11个贫困村出列"), so the nearest preceding span wins and a following one is
used only when none precedes. A program is as often after its amount
(197户易地搬迁) as before, so the nearest by distance wins. Dateline places
and page stamps are linked to nothing.
"""
from __future__ import annotations

import re
from typing import Dict, List, NamedTuple, Optional, Sequence, Set, Tuple

from spacy.language import Language
from spacy.tokens import Doc, Span

from .extensions import doc_text
from .schema import CHILD_RELATION, QUANTITY_LABELS, SENTENCE_END, sentence_ids

DATELINE_RE = re.compile(r"^\s*(?:\d{1,2}月\d{1,2}日)?电")
STAMP_RE = re.compile(r"\d{1,2}[时:]\d{2}")

Relation = Tuple[int, int, str, float]


def _unlinkable(doc: Doc, span: Span, text: Optional[str] = None) -> bool:
    text = doc_text(doc) if text is None else text
    if span.label_ in ("REGION", "DATE") and DATELINE_RE.match(text[span.end_char:span.end_char + 12]):
        return True
    if span.label_ == "DATE" and STAMP_RE.search(span.text):
        return True
    return span.label_ in ("DATE", "DEADLINE") and is_comparison_time(text, span)


def is_comparison_time(text: str, span: Span) -> bool:
    """Whether a time is the base of a comparison (比上年末减少1289万人, 较2016年减少了95.89万人):
    the amounts of its sentence belong to the time the sentence reports, not to it."""
    return span.start_char > 0 and text[span.start_char - 1] in COMPARISON_MARKS


def link_nearest(doc: Doc, ents: Sequence[Span], from_side: Optional["FromTimes"] = None) -> List[Relation]:
    """Return (head_start_char, child_start_char, label, score) relations.

    from_side (FromTimes | None): ``from_times(doc, ents)``, when the caller has it.
    """
    text = doc_text(doc)
    sent = sentence_ids(text)
    relations: List[Relation] = []
    by_sentence: Dict[int, List[Span]] = {}
    for span in ents:
        by_sentence.setdefault(sent[span.start_char], []).append(span)
    if from_side is None:
        from_side = from_times(doc, ents)
    from_time_of = {h: (c, label) for h, c, label, _score in from_side.links}
    for spans in by_sentence.values():
        contexts = [s for s in spans if s.label_ in CHILD_RELATION and not _unlinkable(doc, s, text)]
        for head in spans:
            if head.label_ not in QUANTITY_LABELS:
                continue
            for kind in ("time", "REGION", "PROGRAM"):
                if kind == "time":
                    if head.start_char in from_time_of:
                        child_start, label = from_time_of[head.start_char]
                        relations.append((head.start_char, child_start, label, 1.0))
                        continue
                    pool = [c for c in contexts if c.label_ in ("DEADLINE", "DATE") and not crosses_now(text, head, c)
                            and from_side.may_link(head.start_char, c.start_char)]
                else:
                    pool = [c for c in contexts if c.label_ == kind]
                child = _nearest(head, pool, prefer_before=kind != "PROGRAM")
                if child is not None:
                    relations.append((head.start_char, child.start_char, CHILD_RELATION[child.label_], 1.0))
    return relations


def _nearest(head: Span, pool: List[Span], prefer_before: bool) -> Optional[Span]:
    before = [c for c in pool if c.end_char <= head.start_char]
    after = [c for c in pool if c.start_char >= head.end_char]
    if prefer_before:
        if before:
            return max(before, key=lambda c: c.end_char)
        return min(after, key=lambda c: c.start_char) if after else None
    candidates = [(head.start_char - c.end_char, c) for c in before] + [(c.start_char - head.end_char, c) for c in after]
    return min(candidates, key=lambda x: x[0])[1] if candidates else None


FROM_MARKS = "从由"
COMPARISON_MARKS = "比较"
# a vague 'now' (SCHEMA: not a time expression) between a time and an amount: the amount is of now
NOW_RE = re.compile(r"如今|目前|当前|现在|眼下")


class FromTimes(NamedTuple):
    """The from-times of a doc's 从/由…到 comparisons (see ``from_times``).

    links (List[Relation]): the time link of each from-side amount.
    owners (Dict[int, Set[int]]): start char of each from-time -> start chars
        of the amounts it may govern.
    """

    links: List[Relation]
    owners: Dict[int, Set[int]]

    def may_link(self, head: int, child: int) -> bool:
        """Whether the time starting at ``child`` may be the time of the amount at ``head``."""
        return head in self.owners.get(child, (head,))


def from_times(doc: Doc, ents: Sequence[Span]) -> FromTimes:
    """The times written right after 从/由 and followed by 的, and what they govern.

    In 「从2013年底的625万人减少到2018年底的71万人,贫困发生率从9.6%降到1.1%」
    the amount written right after 从/由 (9.6%) belongs to the time written
    right after 从/由 earlier in its sentence and followed by 的 (2013年底), not
    to the nearer 2018年底: ``links`` holds (head_start_char, child_start_char,
    label, 1.0) for such amounts. A from-time governs only those amounts and
    the one right after its 的 (625万人); the amounts after 到 belong to the
    time the sentence reports (2017年底,全省贫困人口由2011年底的775万人减少到了
    183.27万人: 183.27万人 is of 2017年底).
    """
    text = doc_text(doc)
    links: List[Relation] = []
    owners: Dict[int, Set[int]] = {}
    from_time: Optional[Span] = None  # the latest from-time so far
    for span in sorted(ents, key=lambda e: e.start_char):
        start = span.start_char
        if from_time is not None and span.label_ in QUANTITY_LABELS and text[from_time.end_char:start] == "的":
            owners[from_time.start_char].add(start)
        if not (start > 0 and text[start - 1] in FROM_MARKS):
            continue
        if span.label_ in ("DATE", "DEADLINE"):
            if text[span.end_char:span.end_char + 1] == "的":
                from_time = span
                owners[start] = set()
        elif span.label_ in QUANTITY_LABELS and from_time is not None \
                and not any(ch in SENTENCE_END for ch in text[from_time.end_char:start]):
            links.append((start, from_time.start_char, CHILD_RELATION[from_time.label_], 1.0))
            owners[from_time.start_char].add(start)
    return FromTimes(links, owners)


def crosses_now(text: str, head: Span, child: Span) -> bool:
    """Whether a vague 'now' word stands between an earlier time ``child`` and the amount ``head``
    (河南2013年贫困发生率是8.79%,如今53个贫困县清零: 53个 is of now, not of 2013)."""
    return child.end_char <= head.start_char and NOW_RE.search(text, child.end_char, head.start_char) is not None


class RuleLinker:
    """Pipeline component writing ``doc._.relations`` by the nearest rule."""

    def __init__(self, nlp: Language, name: str = "fupin_linker"):
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        doc._.relations = link_nearest(doc, doc.ents)
        return doc

    def to_disk(self, path, exclude=tuple()):
        pass

    def from_disk(self, path, exclude=tuple()):
        return self


@Language.factory("fupin_linker")
def make_linker(nlp: Language, name: str) -> RuleLinker:
    """Create the nearest-in-sentence relation linker."""
    return RuleLinker(nlp, name)
