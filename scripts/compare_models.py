"""Tag one gold set with several pipelines and print their scores side by side.

    python scripts/compare_models.py [--gold ../shared/eval/dev.jsonl] rules models/fupin-cnn models/fupin-cnn+backoff

A model is ``rules`` (the rule layer), a pipeline directory, a directory
followed by ``+backoff`` (rule spans of the quantity labels fill the gaps its
entity recogniser leaves; see ``fupin_rule_backoff``), or a directory
followed by ``+rule-ents`` (the rule layer's entities, the directory's trained
relation extractor). Prints strict and
overlap span F, relation F, fact F, value and date accuracy, per-label
overlap F and tagging speed, one column per pipeline.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import List

import typer

from fupin.evaluate import evaluate
from fupin.ingest import read_records
from fupin.schema import LABELS, QUANTITY_LABELS
from fupin.tagger import Tagger, load_pipeline

ROOT = Path(__file__).resolve().parents[1]


def load(spec: str):
    if spec == "rules":
        return load_pipeline(rules=True)
    if spec.endswith("+rule-ents"):
        # the rule layer's entities with the trained relation extractor
        nlp = load_pipeline(spec[: -len("+rule-ents")])
        for name in ("ner", "spancat", "fupin_spans_to_ents"):
            if name in nlp.pipe_names:
                nlp.remove_pipe(name)
        nlp.add_pipe("fupin_rules", name="rule_ents", before="fupin_normalizer")
        return nlp
    backoff = spec.endswith("+backoff")
    nlp = load_pipeline(spec[: -len("+backoff")] if backoff else spec)
    if backoff:
        after = "ner" if "ner" in nlp.pipe_names else "fupin_spans_to_ents"
        nlp.add_pipe("fupin_rule_backoff", after=after, config={"labels": list(QUANTITY_LABELS)})
    return nlp


def main(models: List[str], gold: Path = typer.Option(ROOT.parent / "shared" / "eval" / "dev.jsonl", "--gold")) -> None:
    records = read_records(gold)
    inputs = [{"id": r["id"], "text": r["text"], "meta": r.get("meta") or {}} for r in records]
    columns = {}
    for spec in models:
        tagger = Tagger(load(spec))
        t0 = time.perf_counter()
        preds = list(tagger.tag(inputs))
        seconds = time.perf_counter() - t0
        scores = evaluate(records, preds)
        scores["chars_per_s"] = sum(len(r["text"]) for r in inputs) / seconds
        columns[spec] = scores
    names = list(columns)
    width = max(12, *(len(n) + 2 for n in names))
    print(f"{'':30}" + "".join(f"{n:>{width}}" for n in names))

    def row(title, get):
        print(f"{title:30}" + "".join(f"{get(columns[n]):>{width}.3f}" for n in names))

    row("spans strict F", lambda s: s["spans_strict"]["f"])
    row("spans overlap F", lambda s: s["spans_overlap"]["f"])
    row("relations F", lambda s: s["relations"]["f"])
    row("facts F", lambda s: s["facts"]["f"])
    row("value accuracy", lambda s: s["value_accuracy"]["acc"])
    # the counts too: at three decimals two pipelines can look level
    print(f"{'  right / matched':30}" + "".join(
        f"{'%d/%d' % (columns[n]['value_accuracy']['right'], columns[n]['value_accuracy']['total']):>{width}}" for n in names))
    row("date accuracy", lambda s: s["date_accuracy"]["acc"])
    for label in LABELS:
        row(f"  {label} (overlap F)", lambda s, label=label: s["per_label"][label]["overlap"]["f"])
    for label in ("HAS_DEADLINE", "AS_OF", "IN_REGION", "UNDER_PROGRAM"):
        row(f"  {label} F", lambda s, label=label: s["relations_per_label"][label]["f"])
    print(f"{'chars/s':30}" + "".join(f"{columns[n]['chars_per_s']:>{width}.0f}" for n in names))


if __name__ == "__main__":
    typer.run(main)
