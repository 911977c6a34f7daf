"""Fact rows (SCHEMA section 5): one quantity with its context.

A fact's ``deadline`` and ``as_of`` are the normalised ISO dates of the
linked DEADLINE/DATE spans, ``region`` the linked region as written, and
``program`` the linked program's category; missing context is None.
"""
from __future__ import annotations

import csv
from typing import Dict, Iterable, Iterator, List, Optional

from .schema import FACT_FIELDS, QUANTITY_LABELS, sentence_bounds

FACT_COLUMNS = ("id",) + FACT_FIELDS + ("program_text",)


def record_facts(record: Dict) -> List[Dict]:
    """Build the fact rows of one annotated document."""
    spans = record["spans"]
    text = record["text"]
    context: Dict[int, Dict[str, Dict]] = {}
    for rel in record.get("relations", []):
        context.setdefault(rel["head"], {})[rel["label"]] = spans[rel["child"]]
    facts = []
    for i, span in enumerate(spans):
        if span["label"] not in QUANTITY_LABELS:
            continue
        ctx = context.get(i, {})
        s, e = sentence_bounds(text, span["start"], span["end"])
        program = ctx.get("UNDER_PROGRAM")
        facts.append({
            "id": record.get("id"),
            "label": span["label"], "value": span.get("value"), "unit": span.get("unit"),
            "qualifier": span.get("qualifier"), "text": span["text"],
            "deadline": _get(ctx.get("HAS_DEADLINE"), "date"),
            "as_of": _get(ctx.get("AS_OF"), "date"),
            "region": _get(ctx.get("IN_REGION"), "text"),
            "program": _get(program, "program"),
            "sentence": text[s:e].strip(), "start": span["start"], "end": span["end"],
            "program_text": _get(program, "text"),
        })
    return facts


def _get(span: Optional[Dict], key: str):
    return None if span is None else span.get(key)


class FactWriter:
    """Write facts incrementally as CSV (UTF-8 with BOM, for spreadsheets)."""

    def __init__(self, path: str, append: bool = False):
        exists = append and _nonempty(path)
        self.file = open(path, "a" if append else "w", encoding="utf-8-sig" if not exists else "utf-8", newline="")
        self.writer = csv.DictWriter(self.file, fieldnames=FACT_COLUMNS, extrasaction="ignore")
        if not exists:
            self.writer.writeheader()

    def write(self, facts: Iterable[Dict]) -> None:
        for fact in facts:
            self.writer.writerow(fact)
        self.file.flush()

    def close(self) -> None:
        self.file.close()


def _nonempty(path: str) -> bool:
    import os

    return os.path.exists(path) and os.path.getsize(path) > 0


def read_facts_csv(path: str) -> Iterator[Dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        yield from csv.DictReader(f)
