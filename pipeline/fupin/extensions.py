"""The ``Doc._`` and ``Span._`` attributes the pipeline reads and writes.

Span attributes live in ``doc.user_data`` (spaCy keys them by the span's
offsets), so they survive ``DocBin(store_user_data=True)``. ``doc._.relations``
defaults to None, never to a shared list: the components that fill it create a
fresh list per document.
"""
from __future__ import annotations

import weakref

from spacy.tokens import Doc, Span

SPAN_ATTRIBUTES = ("value", "unit", "qualifier", "date", "program")
DOC_ATTRIBUTES = ("doc_id", "article_date", "relations")


def register_extensions() -> None:
    """Register the attributes once (safe to call repeatedly)."""
    for name in SPAN_ATTRIBUTES:
        if not Span.has_extension(name):
            Span.set_extension(name, default=None)
    for name in DOC_ATTRIBUTES:
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)


register_extensions()

# spaCy rebuilds doc.text from every token (one Token object each) on each access;
# several components read it, so it is built once per Doc and kept while the Doc lives
_TEXTS: "weakref.WeakKeyDictionary[Doc, str]" = weakref.WeakKeyDictionary()


def doc_text(doc: Doc) -> str:
    """``doc.text``, built once per Doc."""
    text = _TEXTS.get(doc)
    if text is None:
        text = _TEXTS[doc] = doc.text
    return text


def remember_text(doc: Doc, text: str) -> None:
    """Record the text a Doc was made from (``nlp.make_doc`` keeps it exactly)."""
    _TEXTS[doc] = text
