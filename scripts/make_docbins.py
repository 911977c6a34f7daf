"""Convert annotation rounds (SCHEMA JSONL) to DocBin train/dev splits.

    python scripts/make_docbins.py annotations/round-0/docs.jsonl [...] --out corpus --dev-share 0.1

Deterministic: a document goes to dev when crc32(id) falls in the dev share,
so adding documents never moves old ones between splits. ``doc._``
attributes (values, dates, programs, relations) are stored with the docs.
"""
from __future__ import annotations

import logging
import zlib
from pathlib import Path
from typing import List

import spacy
import typer
from spacy.tokens import DocBin

from fupin.docio import record_to_doc
from fupin.ingest import read_records


def make_docbins(paths: List[Path], out: Path, dev_share: float = 0.1) -> dict:
    nlp = spacy.blank("zh")
    train, dev = DocBin(store_user_data=True), DocBin(store_user_data=True)
    counts = {"train": 0, "dev": 0}
    for path in paths:
        for record in read_records(path):
            doc = record_to_doc(nlp, record)
            split = "dev" if (zlib.crc32(record["id"].encode()) % 1000) < dev_share * 1000 else "train"
            (dev if split == "dev" else train).add(doc)
            counts[split] += 1
    out.mkdir(parents=True, exist_ok=True)
    train.to_disk(out / "train.spacy")
    dev.to_disk(out / "dev.spacy")
    return counts


def main(paths: List[Path], out: Path = typer.Option(Path("corpus"), "--out"),
         dev_share: float = typer.Option(0.1, "--dev-share")) -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    counts = make_docbins(paths, out, dev_share)
    logging.info("wrote %s: %d train, %d dev documents", out, counts["train"], counts["dev"])


if __name__ == "__main__":
    typer.run(main)
