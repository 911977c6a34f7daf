"""The one definition of SCHEMA v1.1 (``../shared/spec/SCHEMA.md``) in code.

Labels, relation labels, program categories and the checks every annotated
record must pass live here; the rule layer, the models, the Label Studio
config and the evaluation all read them from this module.
"""
from __future__ import annotations

import math
import re
from typing import Dict, Iterable, List, Optional

SCHEMA_VERSION = "1.1"

QUANTITY_LABELS = (
    "VILLAGE_COUNT", "COUNTY_COUNT", "POPULATION", "HOUSEHOLD_COUNT",
    "MONEY", "PERCENT", "QUANTITY",
)
TIME_LABELS = ("DEADLINE", "DATE")
CONTEXT_LABELS = TIME_LABELS + ("REGION", "PROGRAM")
LABELS = QUANTITY_LABELS + CONTEXT_LABELS

# relation label -> the label its child (the context span) must carry
RELATION_CHILD = {
    "HAS_DEADLINE": "DEADLINE",
    "AS_OF": "DATE",
    "IN_REGION": "REGION",
    "UNDER_PROGRAM": "PROGRAM",
}
RELATION_LABELS = tuple(RELATION_CHILD)
CHILD_RELATION = {child: rel for rel, child in RELATION_CHILD.items()}

# unit fixed by the label (QUANTITY keeps its written unit; POPULATION may be 人次)
LABEL_UNITS = {
    "VILLAGE_COUNT": ("村",),
    "COUNTY_COUNT": ("县",),
    "POPULATION": ("人", "人次"),
    "HOUSEHOLD_COUNT": ("户",),
    "MONEY": ("元",),
    "PERCENT": ("%",),
}
QUALIFIERS = ("=", ">", ">=", "<", "<=", "~")

PROGRAM_CATEGORIES = (
    "relocation", "industry", "solar", "employment", "education", "health",
    "housing", "social_security", "ecology", "infrastructure", "finance",
    "assistance", "other",
)

# characters that end a sentence for relations (SCHEMA section 3), both widths
SENTENCE_END = frozenset("。！？；!?;\n")

# display colours and Label Studio hotkeys, one per label
LABEL_COLORS = {
    "VILLAGE_COUNT": "#e6194b", "COUNTY_COUNT": "#f58231", "POPULATION": "#3cb44b",
    "HOUSEHOLD_COUNT": "#911eb4", "MONEY": "#4363d8", "PERCENT": "#42d4f4",
    "QUANTITY": "#bfef45", "DEADLINE": "#f032e6", "DATE": "#fabed4",
    "REGION": "#ffe119", "PROGRAM": "#469990",
}
LABEL_HOTKEYS = {
    "VILLAGE_COUNT": "v", "COUNTY_COUNT": "c", "POPULATION": "p",
    "HOUSEHOLD_COUNT": "h", "MONEY": "m", "PERCENT": "e", "QUANTITY": "q",
    "DEADLINE": "l", "DATE": "d", "REGION": "r", "PROGRAM": "g",
}

FACT_FIELDS = (
    "label", "value", "unit", "qualifier", "text", "deadline", "as_of",
    "region", "program", "sentence", "start", "end",
)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_META_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class SchemaError(ValueError):
    """A record that breaks SCHEMA v1.1."""


def validate_record(record: Dict, *, require_values: bool = True) -> List[str]:
    """Check one annotated document against SCHEMA v1.1.

    record (dict): a document in the interchange format (section 5).
    require_values (bool): also require the normalised attributes of section 2.
    RETURNS (List[str]): the problems found; empty when the record is valid.
    """
    problems: List[str] = []
    for key in ("id", "text", "spans", "relations"):
        if key not in record:
            problems.append(f"missing field {key!r}")
    if problems:
        return problems
    text = record["text"]
    if not isinstance(text, str):
        return ["text is not a string"]
    meta = record.get("meta") or {}
    date = meta.get("date")
    if date is not None and not _META_DATE.match(str(date)):
        problems.append(f"meta.date {date!r} is not an ISO (partial) date")
    spans = record["spans"]
    occupied: List[tuple] = []
    for i, span in enumerate(spans):
        where = f"span {i}"
        start, end, label = span.get("start"), span.get("end"), span.get("label")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            problems.append(f"{where}: bad offsets {start}-{end}")
            continue
        if label not in LABELS:
            problems.append(f"{where}: unknown label {label!r}")
        if span.get("text") != text[start:end]:
            problems.append(f"{where}: text {span.get('text')!r} != {text[start:end]!r}")
        if "\n" in text[start:end]:
            problems.append(f"{where}: crosses a line break")
        occupied.append((start, end, i))
        if require_values:
            problems.extend(f"{where}: {p}" for p in _check_values(span))
    occupied.sort()
    for (s1, e1, i1), (s2, e2, i2) in zip(occupied, occupied[1:]):
        if s2 < e1:
            problems.append(f"spans {i1} and {i2} overlap")
    seen = set()
    for j, rel in enumerate(record["relations"]):
        head, child, label = rel.get("head"), rel.get("child"), rel.get("label")
        if not (isinstance(head, int) and isinstance(child, int)
                and 0 <= head < len(spans) and 0 <= child < len(spans)):
            problems.append(f"relation {j}: bad indices {head}->{child}")
            continue
        if label not in RELATION_CHILD:
            problems.append(f"relation {j}: unknown label {label!r}")
            continue
        if spans[head].get("label") not in QUANTITY_LABELS:
            problems.append(f"relation {j}: head is a {spans[head].get('label')}, not a quantity")
        if spans[child].get("label") != RELATION_CHILD[label]:
            problems.append(f"relation {j}: {label} child is a {spans[child].get('label')}")
        if (head, label) in seen:
            problems.append(f"relation {j}: span {head} has two {label} relations")
        seen.add((head, label))
    return problems


def _check_values(span: Dict) -> Iterable[str]:
    label = span.get("label")
    if label in QUANTITY_LABELS:
        value = span.get("value")
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            yield f"quantity without a numeric value ({span.get('text')!r})"
        unit = span.get("unit")
        if label in LABEL_UNITS and unit not in LABEL_UNITS[label]:
            yield f"{label} unit {unit!r} not in {LABEL_UNITS[label]}"
        if label == "QUANTITY" and not unit:
            yield "QUANTITY without a unit"
        if span.get("qualifier") not in QUALIFIERS:
            yield f"qualifier {span.get('qualifier')!r} not one of {QUALIFIERS}"
    elif label in TIME_LABELS:
        date = span.get("date")
        if date is not None and not _ISO_DATE.match(str(date)):
            yield f"date {date!r} is not an ISO date"
    elif label == "PROGRAM":
        if span.get("program") not in PROGRAM_CATEGORIES:
            yield f"program {span.get('program')!r} is not a category"


def sentence_bounds(text: str, start: int, end: Optional[int] = None) -> tuple:
    """Return (start, end) of the sentence of ``text`` holding ``start``.

    A sentence ends after one of SENTENCE_END (the line break is excluded).
    """
    if end is None:
        end = start
    s = start
    while s > 0 and text[s - 1] not in SENTENCE_END:
        s -= 1
    e = end
    while e < len(text) and text[e] not in SENTENCE_END:
        e += 1
    if e < len(text) and text[e] != "\n":
        e += 1
    return s, e


def sentence_ids(text: str) -> List[int]:
    """Sentence index of every character (sentences end at SENTENCE_END)."""
    ids, current = [], 0
    for ch in text:
        ids.append(current)
        if ch in SENTENCE_END:
            current += 1
    return ids
