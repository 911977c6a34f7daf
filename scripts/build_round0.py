"""Build annotations/round-0 from the team's markup batches.

    python scripts/build_round0.py
    python scripts/build_round0.py --check annotations/round-0/src/n1.txt

Reads ``annotations/round-0/src/*.txt`` (format: ``round-0/MARKUP.md``),
fills the normalised values with the project's own normaliser, converts every
fifth written document to traditional script (character for character, so
offsets stay exact), validates every record against SCHEMA, and writes
``annotations/round-0/docs.jsonl`` plus the counts table used in the round's
README. Deterministic: same sources, same output. With ``--check`` it reads only
the named batch files, validates them the same way and prints their counts,
writing nothing (so writers can check a batch while others work).
"""
from __future__ import annotations

import json
import logging
import zlib
from collections import Counter
from pathlib import Path
from typing import List, Optional

import typer

from fupin.markup import read_markup
from fupin.normalizer import normalised_values, context_qualifiers, sentence_year_before
from fupin.schema import QUANTITY_LABELS, TIME_LABELS, validate_record

ROOT = Path(__file__).resolve().parents[1]
ROUND = ROOT / "annotations" / "round-0"
logger = logging.getLogger("build_round0")


def _s2t_table():
    import os

    import opencc

    path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", "STCharacters.txt")
    table = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            src, _, targets = line.rstrip("\n").partition("\t")
            target = targets.split(" ")[0]
            if len(src) == 1 and len(target) == 1:
                table[ord(src)] = target
    return table


def normalise(record: dict) -> None:
    """Fill the normalised values with the pipeline's own normaliser."""
    date = record["meta"].get("date")
    for span in record["spans"]:
        year = sentence_year_before(record["text"], span["start"]) if span["label"] in TIME_LABELS else None
        values = normalised_values(span["text"], span["label"], date, year)
        if span["label"] in QUANTITY_LABELS and not values:
            raise ValueError(f"{record['id']}: no value for {span['text']!r}")
        span.update(values)
    spans = sorted(record["spans"], key=lambda s: s["start"])
    bounds = [(s["start"], s["end"], s["label"], s.get("qualifier")) for s in spans]
    for i, qualifier in context_qualifiers(record["text"], bounds).items():
        spans[i]["qualifier"] = qualifier


def build(check: Optional[List[Path]] = None) -> int:
    """Build round 0 (or only validate the ``check`` batches); returns the exit code."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    s2t = _s2t_table()
    records = []
    for path in check or sorted((ROUND / "src").glob("*.txt")):
        for doc in read_markup(str(path)):
            record = {"id": doc.id, "text": doc.text, "meta": {k: v for k, v in doc.meta.items() if v is not None},
                      "spans": doc.spans, "relations": doc.relations}
            record["meta"].setdefault("date", None)
            if not doc.id.startswith("seed-") and zlib.crc32(doc.id.encode()) % 5 == 0:
                record["text"] = record["text"].translate(s2t)
                for span in record["spans"]:
                    span["text"] = record["text"][span["start"]:span["end"]]
                record["meta"]["script"] = "traditional"
            normalise(record)
            problems = validate_record(record)
            if problems:
                for p in problems:
                    logger.error("%s: %s", doc.id, p)
                return 1
            records.append(record)
    ids = Counter(r["id"] for r in records)
    dup = [i for i, n in ids.items() if n > 1]
    if dup:
        logger.error("duplicate ids: %s", dup)
        return 1
    if check:
        print(_counts(records))
        return 0
    with open(ROUND / "docs.jsonl", "w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    counts = _counts(records)
    (ROUND / "counts.md").write_text(counts + "\n", encoding="utf-8")
    print(counts)
    return 0


def _counts(records: List[dict]) -> str:
    labels = Counter(s["label"] for r in records for s in r["spans"])
    rels = Counter(x["label"] for r in records for x in r["relations"])
    trad = sum(1 for r in records if r["meta"].get("script") == "traditional" or r["id"] == "seed-003")
    lines = [f"documents: {len(records)}  characters: {sum(len(r['text']) for r in records)}  "
             f"traditional: {trad}", f"spans: {sum(labels.values())}  relations: {sum(rels.values())}", ""]
    lines += [f"| {k} | {v} |" for k, v in labels.most_common()]
    lines += [""] + [f"| {k} | {v} |" for k, v in rels.most_common()]
    return "\n".join(lines)


def main(check: Optional[List[Path]] = typer.Option(None, "--check", help="Validate these batch files only; write nothing.")) -> None:
    raise typer.Exit(build(check))


if __name__ == "__main__":
    typer.run(main)
