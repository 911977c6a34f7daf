"""The normaliser component: SCHEMA section 2 values for every entity.

It runs after the entity recogniser and fills ``span._.value``, ``._.unit``
and ``._.qualifier`` for quantities, ``._.date`` for DEADLINE/DATE (resolved
against ``doc._.article_date``) and ``._.program`` for PROGRAM.
"""
from __future__ import annotations

import functools
import re
from typing import Optional

from spacy.language import Language
from spacy.tokens import Doc, Span

from .extensions import doc_text
from .dates import resolve_date
from .programs import categorize
from .schema import QUANTITY_LABELS, SENTENCE_END, TIME_LABELS
from .values import parse_quantity

YEAR_RE = re.compile(r"((?:19|20)\d{2})年")

# The same surface forms (2018年底, 贫困村, 易地扶贫搬迁 ...) recur across a corpus, and
# parsing is pure: cache it, so the normaliser costs little after the first articles.
_parse_quantity = functools.lru_cache(maxsize=1 << 16)(parse_quantity)
_resolve_date = functools.lru_cache(maxsize=1 << 16)(resolve_date)
_categorize = functools.lru_cache(maxsize=1 << 12)(categorize)


def normalize_span(span: Span, article_date: Optional[str], text: Optional[str] = None) -> None:
    """Fill the normalised attributes of one entity span.

    text (str | None): ``span.doc.text``, when the caller has it (spaCy rebuilds it on every access).
    """
    label = span.label_
    surface = span.text if text is None else text[span.start_char:span.end_char]
    if label in QUANTITY_LABELS:
        parsed = _parse_quantity(surface, label)
        if parsed is not None:
            values = parsed.as_dict()
            span._.value, span._.unit, span._.qualifier = values["value"], values["unit"], values["qualifier"]
    elif label in TIME_LABELS:
        span._.date = _resolve_date(surface, article_date, sentence_year(span, text))
    elif label == "PROGRAM":
        span._.program = _categorize(surface)


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
        for span in doc.ents:
            normalize_span(span, doc._.article_date, text)
        return doc

    def to_disk(self, path, exclude=tuple()):  # stateless: nothing to save
        pass

    def from_disk(self, path, exclude=tuple()):
        return self


@Language.factory("fupin_normalizer")
def make_normalizer(nlp: Language, name: str) -> Normalizer:
    """Create the normaliser (stateless; see SCHEMA section 2)."""
    return Normalizer(nlp, name)
