"""Inline annotation markup used to write round-0 training documents.

The format is described in ``annotations/round-0/MARKUP.md``:
``[[text|LABEL]]``, ``[[text|LABEL#id]]`` for a context span that others point
to, and ``[[text|LABEL>id1,id2]]`` for a quantity with relations.

Check a batch with ``python -m fupin.markup FILE``.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Tuple

HEADER_RE = re.compile(r"^@@\s+(.*)$")
SPAN_RE = re.compile(r"\[\[([^\[\]|]+)\|([A-Z_]+)(?:#([A-Za-z0-9_]+))?(?:>([A-Za-z0-9_,\s]+))?\]\]")
from .schema import CHILD_RELATION as CONTEXT_RELATION
from .schema import LABELS, QUANTITY_LABELS, sentence_ids


class MarkupError(ValueError):
    pass


@dataclass
class MarkedDocument:
    id: str
    meta: Dict[str, Optional[str]]
    text: str
    spans: List[Dict] = field(default_factory=list)
    relations: List[Dict] = field(default_factory=list)


def parse_document(doc_id: str, meta: Dict[str, Optional[str]], body: str) -> MarkedDocument:
    """Strip the markup of one document and return its text, spans and relations.

    Raises MarkupError naming the document and the problem.
    """
    out: List[str] = []
    pos = 0
    length = 0
    spans: List[Dict] = []
    ids: Dict[str, int] = {}
    refs: List[Tuple[int, List[str]]] = []
    for m in SPAN_RE.finditer(body):
        plain = body[pos:m.start()]
        out.append(plain)
        length += len(plain)
        span_text, label, span_id, targets = m.groups()
        if label not in LABELS:
            raise MarkupError(f"{doc_id}: unknown label {label!r} in {m.group(0)!r}")
        if "\n" in span_text:
            raise MarkupError(f"{doc_id}: span crosses a line break: {m.group(0)!r}")
        if span_text != span_text.strip():
            raise MarkupError(f"{doc_id}: span has surrounding spaces: {m.group(0)!r}")
        index = len(spans)
        spans.append({"start": length, "end": length + len(span_text), "label": label, "text": span_text})
        out.append(span_text)
        length += len(span_text)
        if span_id:
            if span_id in ids:
                raise MarkupError(f"{doc_id}: id {span_id!r} used twice")
            ids[span_id] = index
        if targets:
            if label not in QUANTITY_LABELS:
                raise MarkupError(f"{doc_id}: only quantities point to context: {m.group(0)!r}")
            refs.append((index, [t.strip() for t in targets.split(",") if t.strip()]))
        pos = m.end()
    out.append(body[pos:])
    text = "".join(out)
    if "[[" in text or "]]" in text:
        where = text.find("[[") if "[[" in text else text.find("]]")
        raise MarkupError(f"{doc_id}: malformed markup near {text[max(0, where - 10):where + 30]!r}")
    sentence = sentence_ids(text)
    relations: List[Dict] = []
    for head, targets in refs:
        seen_labels = set()
        for target in targets:
            if target not in ids:
                raise MarkupError(f"{doc_id}: {spans[head]['text']!r} points to unknown id {target!r}")
            child = ids[target]
            child_label = spans[child]["label"]
            if child_label not in CONTEXT_RELATION:
                raise MarkupError(f"{doc_id}: {target!r} is a {child_label}, not a context span")
            rel_label = CONTEXT_RELATION[child_label]
            if rel_label in seen_labels:
                raise MarkupError(f"{doc_id}: {spans[head]['text']!r} has two {rel_label} relations")
            seen_labels.add(rel_label)
            if sentence[spans[head]["start"]] != sentence[spans[child]["start"]]:
                raise MarkupError(
                    f"{doc_id}: relation {spans[head]['text']!r} -> {spans[child]['text']!r} crosses a sentence end"
                )
            relations.append({"head": head, "child": child, "label": rel_label})
    return MarkedDocument(doc_id, meta, text, spans, relations)


def read_markup(path: str) -> Iterator[MarkedDocument]:
    """Yield the documents of one markup batch file."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    header: Optional[Dict[str, str]] = None
    body: List[str] = []

    def flush() -> Optional[MarkedDocument]:
        if header is None:
            return None
        doc_id = header.get("id")
        if not doc_id:
            raise MarkupError(f"{path}: a header has no id")
        date = header.get("date")
        meta = {"date": None if date in (None, "none", "null") else date,
                "source": header.get("source", "team-written"),
                "genre": header.get("genre")}
        return parse_document(doc_id, meta, "\n".join(body).strip("\n"))

    for line in lines:
        m = HEADER_RE.match(line)
        if m:
            doc = flush()
            if doc is not None:
                yield doc
            header = dict(kv.split("=", 1) for kv in m.group(1).split() if "=" in kv)
            body = []
        else:
            body.append(line)
    doc = flush()
    if doc is not None:
        yield doc


def main(argv: List[str]) -> int:
    status = 0
    for path in argv:
        try:
            docs = list(read_markup(path))
        except MarkupError as err:
            print(f"ERROR {err}")
            status = 1
            continue
        n_spans = sum(len(d.spans) for d in docs)
        n_rels = sum(len(d.relations) for d in docs)
        print(f"{path}: {len(docs)} documents, {n_spans} spans, {n_rels} relations")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
