"""Where fact F is lost: the model's spans against its relations.

    python scripts/oracle_bounds.py models/fupin-cnn [--gold ../shared/eval/dev.jsonl]

Scores five pipelines on the gold set and prints one line each:

- ``model``: the pipeline end to end;
- ``model spans + gold relations``: the model's spans, with every gold relation
  whose two spans the model found exactly (what perfect linking would give on
  these spans; a pessimistic bound, as a relation to a span found with other
  boundaries is not counted);
- ``model spans + rule linker``: the model's spans linked by the nearest-in-sentence
  rule linker instead of the relation extractor;
- ``gold spans + model relations``: the model's relation extractor run on the
  gold entities (with the rule features it was trained with);
- ``gold spans + rule linker``: the nearest-in-sentence linker on the gold entities.

The gap between the first two lines is what relations cost, the gap between
the fourth and a perfect 1.0 what relations cost even on perfect spans.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Dict, List

import spacy
import typer

from fupin.docio import GOLD_SPANS_KEY, doc_to_record, record_to_doc
from fupin.evaluate import evaluate
from fupin.ingest import read_records
from fupin.linker import link_nearest
from fupin.tagger import Tagger
from fupin.textnorm import align

ROOT = Path(__file__).resolve().parents[1]


def with_gold_relations(gold: Dict, pred: Dict) -> Dict:
    out = copy.deepcopy(pred)
    index = {(s["start"], s["end"], s["label"]): i for i, s in enumerate(pred["spans"])}
    out["relations"] = []
    for rel in gold["relations"]:
        h, c = gold["spans"][rel["head"]], gold["spans"][rel["child"]]
        hi = index.get((h["start"], h["end"], h["label"]))
        ci = index.get((c["start"], c["end"], c["label"]))
        if hi is not None and ci is not None:
            out["relations"].append({"head": hi, "child": ci, "label": rel["label"]})
    out.pop("facts", None)
    return out


def relinked(nlp, records: List[Dict], use_model: bool) -> List[Dict]:
    """The records' own spans (gold, or a pipeline's output), linked again by the
    model's relation extractor or by the rule linker."""
    features = [proc for name, proc in nlp.pipeline if name in ("fupin_rules", "tok2vec")]
    extractor = nlp.get_pipe("fupin_relation_extractor")
    out = []
    for record in records:
        doc = record_to_doc(nlp, record)
        gold_ents = list(doc.spans[GOLD_SPANS_KEY])
        for proc in features:
            doc = proc(doc)
        doc.ents = gold_ents
        if use_model:
            doc = extractor(doc)
        else:
            doc._.relations = link_nearest(doc, doc.ents)
        out.append(doc_to_record(doc, align(record["text"]), record))
    return out


def main(model: Path, gold: Path = typer.Option(ROOT.parent / "shared" / "eval" / "dev.jsonl", "--gold")) -> None:
    records = read_records(gold)
    inputs = [{"id": r["id"], "text": r["text"], "meta": r.get("meta") or {}} for r in records]
    nlp = spacy.load(model)
    preds = list(Tagger(nlp).tag(inputs))
    rows = {
        "model": preds,
        "model spans + gold relations": [with_gold_relations(g, p) for g, p in zip(records, preds)],
        "model spans + rule linker": relinked(nlp, preds, use_model=False),
        "gold spans + model relations": relinked(nlp, records, use_model=True),
        "gold spans + rule linker": relinked(nlp, records, use_model=False),
    }
    print(f"{'':32}{'overlap F':>10}{'relations F':>12}{'facts F':>9}")
    for name, pred in rows.items():
        s = evaluate(records, pred)
        print(f"{name:32}{s['spans_overlap']['f']:>10.3f}{s['relations']['f']:>12.3f}{s['facts']['f']:>9.3f}")


if __name__ == "__main__":
    typer.run(main)
