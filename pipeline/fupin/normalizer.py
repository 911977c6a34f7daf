"""The normaliser component: SCHEMA section 2 values for every entity.

It runs after the entity recogniser and fills ``span._.value``, ``._.unit``
and ``._.qualifier`` for quantities, ``._.date`` for DEADLINE/DATE (resolved
against ``doc._.article_date``) and ``._.program`` for PROGRAM.

A DEADLINE is a target still to be reached (SCHEMA section 1), so one that
resolves to a day before the article's own date is a report: the normaliser
makes it a DATE. Our annotations and the dev set's each hold two past
DEADLINEs among about 900 and 50 (the recogniser often reads 到2018年底 in an
article of 2019 as a target).
"""
from __future__ import annotations

import functools
import re
from typing import Any, Dict, Optional

from spacy.language import Language
from spacy.tokens import Doc, Span

from .extensions import doc_text
from .dates import before_article, resolve_date
from .programs import categorize
from .schema import QUANTITY_LABELS, SENTENCE_END, TIME_LABELS
from .values import parse_quantity

YEAR_RE = re.compile(r"((?:19|20)\d{2})年")

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
        return doc

    @staticmethod
    def _past_deadline(span: Span, text: str, article_date: str) -> bool:
        if span.label_ != "DEADLINE":
            return False
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
