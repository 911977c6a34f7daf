"""The normaliser component: SCHEMA section 2 values for every entity.

It runs after the entity recogniser and fills ``span._.value``, ``._.unit``
and ``._.qualifier`` for quantities, ``._.date`` for DEADLINE/DATE (resolved
against ``doc._.article_date``) and ``._.program`` for PROGRAM.

A DEADLINE is a target still to be reached (SCHEMA section 1), so one that
resolves to a day before the article's own date is a report: the normaliser
makes it a DATE. Our annotations and the dev set's each hold two past
DEADLINEs among about 900 and 50 (the recogniser often reads 到2018年底 in an
article of 2019 as a target). Those past DEADLINEs are plans (2016年,我市下达年度搬迁
计划10万人), so a sentence with 计划 keeps its DEADLINE.

A range written as two spans (「5%」—「10%」, 「13万」-「15万度」) bounds one
amount: its lower end takes qualifier ``>=`` and its upper end ``<=``, as the
dev set's annotators write it (SCHEMA only says how to qualify a range that is
one span); an upper end whose lower end is left unmarked takes ``<=``.
"""
from __future__ import annotations

import functools
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

from spacy.language import Language
from spacy.tokens import Doc, Span

from .extensions import doc_text
from .dates import before_article, resolve_date
from .programs import categorize
from .schema import QUANTITY_LABELS, SENTENCE_END, TIME_LABELS, sentence_bounds
from .textnorm import to_simplified
from .values import parse_quantity

YEAR_RE = re.compile(r"((?:19|20)\d{2})年")
# a sentence that states a plan keeps its DEADLINE even when the year is past (目标 and
# 任务 also close reports, 完成了全年目标任务, so only 计划 counts)
PLAN_WORDS = re.compile(r"计划")
# between the two ends of a range (not 到: 从625万人到71万人 is a change, not a range)
RANGE_GAP = re.compile(r"\s*[-—–~～至]\s*")
# 约 with a verb before a quantity (约有444.76万人): SCHEMA's 约 gives ~ (the verb keeps it outside the span)
APPROX_BEFORE = re.compile(r"约(?:有|为|占|达|是)$")
# an unmarked number and a dash right before a quantity: the lower end of its range
BARE_RANGE_START = re.compile(r"(?<![\d.])\d+(?:\.\d+)?[万亿]?\s*[-—–~～]\s*$")

# The same surface forms (2018年底, 贫困村, 易地扶贫搬迁 ...) recur across a corpus, and
# parsing is pure: cache it, so the normaliser costs little after the first articles.
_parse_quantity = functools.lru_cache(maxsize=1 << 16)(parse_quantity)
_resolve_date = functools.lru_cache(maxsize=1 << 16)(resolve_date)
_categorize = functools.lru_cache(maxsize=1 << 12)(categorize)


def normalised_values(surface: str, label: str, article_date: Optional[str],
                      sentence_year: Optional[int] = None) -> Dict[str, Any]:
    """The SCHEMA section 2 attributes of one span as written.

    surface (str): the span text. label (str): its label.
    sentence_year (int | None): a year its sentence names before it (for 全年, 当年).
    RETURNS (dict): value/unit/qualifier, date or program; empty when a quantity
        has no readable number or the label has no normalised attributes.
    """
    if label in QUANTITY_LABELS:
        parsed = _parse_quantity(surface, label)
        return {} if parsed is None else parsed.as_dict()
    if label in TIME_LABELS:
        return {"date": _resolve_date(surface, article_date, sentence_year)}
    if label == "PROGRAM":
        return {"program": _categorize(surface)}
    return {}


def normalize_span(span: Span, article_date: Optional[str], text: Optional[str] = None) -> None:
    """Fill the normalised attributes of one entity span.

    text (str | None): the doc's text, when the caller has it.
    """
    surface = span.text if text is None else text[span.start_char:span.end_char]
    year = sentence_year(span, text) if span.label_ in TIME_LABELS else None
    for attr, value in normalised_values(surface, span.label_, article_date, year).items():
        setattr(span._, attr, value)


def sentence_year(span: Span, text: Optional[str] = None) -> Optional[int]:
    """The last explicit year written before ``span`` in its sentence (for 全年, 当年)."""
    return sentence_year_before(doc_text(span.doc) if text is None else text, span.start_char)


def sentence_year_before(text: str, offset: int) -> Optional[int]:
    """The last explicit year written in ``text`` before ``offset``, within its sentence."""
    start = offset
    while start > 0 and text[start - 1] not in SENTENCE_END:
        start -= 1
    years = YEAR_RE.findall(text[start:offset])
    return int(years[-1]) if years else None


def context_qualifiers(text: str, spans: Sequence[Tuple[int, int, str, Optional[str]]]) -> Dict[int, str]:
    """New qualifiers that words outside the quantity spans give them.

    text (str): the text the offsets refer to.
    spans (Sequence[Tuple[int, int, str, Optional[str]]]): (start, end, label,
        qualifier) of every span, in text order.
    RETURNS (Dict[int, str]): index into ``spans`` -> qualifier. Two quantities
        of one label, both qualified ``=``, with only a range dash or 至 between
        them and no 从/由 before the first, are the ends of one range (5%—10%):
        ``>=`` and ``<=``. A quantity right after an unmarked number and a dash
        (13万-「15万度」) is the upper end of a range with one amount: ``<=``,
        as SCHEMA values 「1-2个」. A quantity after 约 and a verb (约有「444.76万人」)
        is approximate: ``~``.
    """
    new: Dict[int, str] = {}
    for i, (s1, e1, l1, q1) in enumerate(spans):
        if l1 not in QUANTITY_LABELS or q1 != "=":
            continue
        if i + 1 < len(spans):
            s2, _e2, l2, q2 = spans[i + 1]
            if l2 == l1 and q2 == "=" and RANGE_GAP.fullmatch(text, e1, s2) \
                    and text[max(0, s1 - 1):s1] not in ("从", "由"):
                new[i], new[i + 1] = ">=", "<="
                continue
        prev_end = spans[i - 1][1] if i else 0
        if i not in new and BARE_RANGE_START.search(text, max(prev_end, s1 - 16), s1):
            new[i] = "<="
        elif i not in new and APPROX_BEFORE.search(text, max(prev_end, s1 - 4), s1):
            new[i] = "~"
    return new


class Normalizer:
    """Pipeline component filling normalised values of ``doc.ents``."""

    def __init__(self, nlp: Language, name: str = "fupin_normalizer"):
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        article_date = doc._.article_date
        if article_date:
            past = [self._past_deadline(span, text, article_date) for span in doc.ents]
            if any(past):
                doc.ents = [Span(doc, span.start, span.end, label="DATE") if is_past else span
                            for span, is_past in zip(doc.ents, past)]
        for span in doc.ents:
            normalize_span(span, article_date, text)
        ents = doc.ents
        spans = [(e.start_char, e.end_char, e.label_, e._.qualifier) for e in ents]
        for i, qualifier in context_qualifiers(text, spans).items():
            ents[i]._.qualifier = qualifier
        return doc

    @staticmethod
    def _past_deadline(span: Span, text: str, article_date: str) -> bool:
        if span.label_ != "DEADLINE":
            return False
        start, end = sentence_bounds(text, span.start_char, span.end_char)
        if PLAN_WORDS.search(to_simplified(text[start:end])):
            return False  # a past year's plan stays a target (2016年,我市下达年度搬迁计划10万人)
        surface = text[span.start_char:span.end_char]
        date = normalised_values(surface, "DEADLINE", article_date, sentence_year(span, text))["date"]
        return before_article(date, article_date)

    def to_disk(self, path, exclude=tuple()):  # stateless: nothing to save
        pass

    def from_disk(self, path, exclude=tuple()):
        return self


@Language.factory("fupin_normalizer")
def make_normalizer(nlp: Language, name: str) -> Normalizer:
    """Create the normaliser (stateless; see SCHEMA section 2)."""
    return Normalizer(nlp, name)
