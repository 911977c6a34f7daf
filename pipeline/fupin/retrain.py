"""Retraining on all annotation rounds, with a comparison and a learning curve.

``retrain`` merges ``annotations/round-*/docs.jsonl`` (a later round's version
of a document replaces an earlier one), splits it deterministically (crc32 of
the id, as ``scripts/make_docbins.py`` does), trains ``configs/cnn.cfg`` with
plain ``spacy train`` on 25/50/75/100% of the training documents (nested
subsets), scores each model and the previous model on the same dev records,
and prints the comparison per label. The previous model is kept unless
``replace`` is set.
"""
from __future__ import annotations

import json
import logging
import math
import re
import shutil
import subprocess
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from .ingest import read_records

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = ROOT / "configs" / "cnn.cfg"
DEFAULT_CURVE = (0.25, 0.5, 0.75, 1.0)


def round_number(path: Path) -> int:
    m = re.search(r"round-(\d+)", str(path))
    return int(m.group(1)) if m else -1


def merge_rounds(annotations_dir: Path) -> Tuple[List[Dict], Dict[str, int]]:
    """All rounds' documents, a later round's version of a document replacing an earlier one.

    RETURNS (records, source): the records in first-seen order, and document id -> round number.
    """
    merged: Dict[str, Dict] = {}
    source: Dict[str, int] = {}
    paths = sorted(Path(annotations_dir).glob("round-*/docs.jsonl"), key=round_number)
    for path in paths:
        for record in read_records(path):
            if record["id"] in merged:
                logger.debug("%s: round %d replaces round %d", record["id"], round_number(path), source[record["id"]])
            merged[record["id"]] = record
            source[record["id"]] = round_number(path)
    logger.info("merged %d rounds: %d documents", len(paths), len(merged))
    return list(merged.values()), source


def is_dev(doc_id: str, dev_share: float) -> bool:
    """The split rule of scripts/make_docbins.py."""
    return (zlib.crc32(doc_id.encode()) % 1000) < dev_share * 1000


def split(records: Sequence[Dict], dev_share: float) -> Tuple[List[Dict], List[Dict]]:
    train = [r for r in records if not is_dev(r["id"], dev_share)]
    dev = [r for r in records if is_dev(r["id"], dev_share)]
    return train, dev


def curve_subset(train: Sequence[Dict], fraction: float) -> List[Dict]:
    """The first ``fraction`` of the training documents in a fixed order (nested subsets)."""
    ordered = sorted(train, key=lambda r: (zlib.crc32(("curve:" + r["id"]).encode()), r["id"]))
    n = max(1, math.ceil(fraction * len(ordered))) if ordered else 0
    return ordered[:n]


def write_docbin(records: Iterable[Dict], path: Path) -> int:
    import spacy
    from spacy.tokens import DocBin

    from .docio import record_to_doc

    nlp = spacy.blank("zh")
    db = DocBin(store_user_data=True)
    n = 0
    for record in records:
        db.add(record_to_doc(nlp, record))
        n += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    db.to_disk(path)
    return n


def train_model(train: Path, dev: Path, output: Path, *, config: Path = DEFAULT_CONFIG,
                max_steps: Optional[int] = None, max_minutes: Optional[float] = None,
                overrides: Optional[Dict[str, str]] = None) -> Path:
    """Run ``spacy train`` and return the trained pipeline (model-best, else model-last)."""
    cmd = [sys.executable, "-m", "spacy", "train", str(config), "--output", str(output),
           "--paths.train", str(train), "--paths.dev", str(dev)]
    if max_steps is not None:
        cmd += ["--training.max_steps", str(max_steps),
                "--training.eval_frequency", str(max(1, min(200, max_steps)))]
    for key, value in (overrides or {}).items():
        cmd += [f"--{key.lstrip('-')}", str(value)]
    logger.info("$ %s", " ".join(cmd))
    best = output / "model-best"
    try:
        # spaCy's training loop has no time budget: a wall-clock limit stops it,
        # keeping the best pipeline saved at the last evaluation
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                              timeout=max_minutes * 60 if max_minutes else None)
    except subprocess.TimeoutExpired:
        if not best.exists():
            raise RuntimeError(f"spacy train saved no model within {max_minutes} minutes") from None
        logger.info("stopped training after %s minutes; using %s", max_minutes, best)
        return best
    if proc.returncode != 0:
        raise RuntimeError(f"spacy train failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return best if best.exists() else output / "model-last"


def score_model(model: Optional[Path], dev: Sequence[Dict], rules: bool = False) -> Dict:
    """Tag the dev records' texts with a model and score them against the records."""
    from .docio import doc_to_record, new_doc
    from .evaluate import evaluate
    from .tagger import load_pipeline

    nlp = load_pipeline(model, rules=rules)
    preds = []
    for r in dev:
        record = {"id": r["id"], "text": r["text"], "meta": r.get("meta") or {}}
        doc, aligned = new_doc(nlp, record)
        preds.append(doc_to_record(nlp(doc), aligned, record))
    return evaluate(dev, preds)


def compare_table(old: Dict, new: Dict, old_name: str = "previous", new_name: str = "new") -> str:
    """Per-label strict span F and per-label relation F of two score dicts, with the change."""
    from .schema import LABELS, RELATION_LABELS

    def line(name, a, b, gold=""):
        return f"{name:22}{a:>10.3f}{b:>10.3f}{b - a:>+9.3f}{gold:>7}"

    lines = [f"{'':22}{old_name[:10]:>10}{new_name[:10]:>10}{'change':>9}{'gold':>7}"]
    lines.append(line("spans (strict F)", old["spans_strict"]["f"], new["spans_strict"]["f"]))
    lines.append(line("spans (overlap F)", old["spans_overlap"]["f"], new["spans_overlap"]["f"]))
    lines.append(line("relations F", old["relations"]["f"], new["relations"]["f"]))
    lines.append(line("facts F", old["facts"]["f"], new["facts"]["f"]))
    lines.append("")
    for label in LABELS:
        o, n = old["per_label"][label]["strict"], new["per_label"][label]["strict"]
        lines.append(line(label, o["f"], n["f"], str(int(n["tp"] + n["fn"]))))
    lines.append("")
    for label in RELATION_LABELS:
        o, n = old["relations_per_label"][label], new["relations_per_label"][label]
        lines.append(line(label, o["f"], n["f"], str(int(n["tp"] + n["fn"]))))
    return "\n".join(lines)


@dataclass
class RetrainResult:
    model: Path
    previous: Optional[Path]
    train_docs: int
    dev_docs: int
    previous_scores: Dict
    new_scores: Dict
    curve: List[Dict] = field(default_factory=list)
    replaced: bool = False

    def report(self) -> str:
        prev = str(self.previous) if self.previous else "rules"
        lines = [f"train documents: {self.train_docs}   dev documents: {self.dev_docs}",
                 f"previous: {prev}", f"new: {self.model}", "",
                 compare_table(self.previous_scores, self.new_scores), "",
                 "learning curve (same dev data)", f"{'share':>8}{'docs':>7}{'span F':>9}{'rel F':>8}"]
        for point in self.curve:
            lines.append(f"{point['fraction']:>8.0%}{point['train_docs']:>7}{point['spans_f']:>9.3f}"
                         f"{point['relations_f']:>8.3f}")
        lines.append("")
        lines.append(f"replaced {self.previous} with the new model" if self.replaced
                     else "previous model kept (use --replace to install the new one)")
        return "\n".join(lines)


def retrain(annotations_dir: Path = ROOT / "annotations", *, previous: Optional[Path] = None,
            work: Path = ROOT / "training" / "retrain", config: Path = DEFAULT_CONFIG,
            dev_path: Optional[Path] = None, dev_share: float = 0.1,
            curve: Sequence[float] = DEFAULT_CURVE, max_steps: Optional[int] = None,
            max_minutes: Optional[float] = None, overrides: Optional[Dict[str, str]] = None,
            replace: bool = False) -> RetrainResult:
    """Merge all rounds, train, and compare the new model with the previous one.

    annotations_dir (Path): holds ``round-*/docs.jsonl``.
    previous (Path): the model to compare with (None: the rule layer).
    work (Path): where corpora, curve models and the new model go.
    dev_path (Path): dev records to score on (default: the dev split of the merged rounds).
    curve (Sequence[float]): training shares for the learning curve; 1.0 is the new model.
    max_steps / max_minutes / overrides: passed to ``spacy train``.
    replace (bool): install the new model at ``previous`` (the old one is kept beside it).
    RETURNS (RetrainResult): scores, curve and paths.
    """
    work = Path(work)
    records, _ = merge_rounds(annotations_dir)
    if not records:
        raise ValueError(f"no annotated documents under {annotations_dir}/round-*/docs.jsonl")
    train, dev_split = split(records, dev_share)
    dev = read_records(dev_path) if dev_path else dev_split
    if dev_path:
        dev_ids = {r["id"] for r in dev}
        train = [r for r in records if r["id"] not in dev_ids]
    if not train or not dev:
        raise ValueError(f"need training and dev documents (have {len(train)} train, {len(dev)} dev)")
    corpus = work / "corpus"
    write_docbin(dev, corpus / "dev.spacy")
    points = sorted(set(float(f) for f in curve) | {1.0})
    results: List[Dict] = []
    new_model = None
    new_scores = None
    for fraction in points:
        subset = curve_subset(train, fraction)
        tag = f"{round(fraction * 100):03d}"
        write_docbin(subset, corpus / f"train-{tag}.spacy")
        model = train_model(corpus / f"train-{tag}.spacy", corpus / "dev.spacy", work / f"model-{tag}",
                            config=config, max_steps=max_steps, max_minutes=max_minutes, overrides=overrides)
        scores = score_model(model, dev)
        point = {"fraction": fraction, "train_docs": len(subset), "spans_f": scores["spans_strict"]["f"],
                 "relations_f": scores["relations"]["f"], "model": str(model)}
        logger.info("curve %3.0f%% (%d docs): span F %.3f, relation F %.3f", fraction * 100, len(subset),
                    point["spans_f"], point["relations_f"])
        if fraction == 1.0:
            new_model, new_scores = model, scores
        if fraction in [float(f) for f in curve]:
            results.append(point)
    prev_scores = score_model(previous, dev, rules=previous is None)
    result = RetrainResult(model=new_model, previous=previous, train_docs=len(train), dev_docs=len(dev),
                           previous_scores=prev_scores, new_scores=new_scores, curve=results)
    if replace:
        if previous is None:
            raise ValueError("--replace needs --previous (the model directory to replace)")
        previous = Path(previous)
        if previous.exists():
            backup = previous.with_name(previous.name + "-previous")
            if backup.exists():
                shutil.rmtree(backup)
            shutil.move(str(previous), str(backup))
            logger.info("previous model moved to %s", backup)
        shutil.copytree(new_model, previous)
        result.replaced = True
    (work / "comparison.json").write_text(json.dumps(
        {"previous": str(result.previous), "new": str(new_model), "train_docs": len(train), "dev_docs": len(dev),
         "previous_scores": prev_scores, "new_scores": new_scores, "curve": results, "replaced": result.replaced},
        ensure_ascii=False, indent=1), encoding="utf-8")
    return result
