"""Scoring predicted SCHEMA records against gold ones.

Spans: strict (same offsets and label) and overlap (same label, overlapping
offsets, matched one to one, longest overlap first) P/R/F, overall and per
label. Values: among strictly matched quantity spans, the share whose value,
unit and qualifier all equal gold (value alone is reported too); dates and
program categories likewise. Relations: end to end, a predicted relation is
right when its head and child overlap-match the gold relation's head and
child and the labels agree. Facts: per document, multisets of
(label, value, deadline, as_of, region, program) keys.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Tuple

from .facts import record_facts
from .schema import LABELS, QUANTITY_LABELS, RELATION_LABELS, TIME_LABELS
from .textnorm import align


@dataclass
class PRF:
    tp: float = 0
    fp: float = 0
    fn: float = 0

    @property
    def p(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def r(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f(self) -> float:
        return 2 * self.p * self.r / (self.p + self.r) if self.p + self.r else 0.0

    def as_dict(self) -> Dict[str, float]:
        return {"p": round(self.p, 4), "r": round(self.r, 4), "f": round(self.f, 4),
                "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass
class Accuracy:
    right: int = 0
    total: int = 0

    @property
    def acc(self) -> float:
        return self.right / self.total if self.total else 0.0

    def as_dict(self):
        return {"acc": round(self.acc, 4), "right": self.right, "total": self.total}


def _overlap_alignment(gold: List[Dict], pred: List[Dict]) -> Dict[int, int]:
    """One-to-one gold->pred matching of same-label overlapping spans."""
    pairs = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            if g["label"] == p["label"]:
                ov = min(g["end"], p["end"]) - max(g["start"], p["start"])
                if ov > 0:
                    pairs.append((ov, gi, pi))
    pairs.sort(key=lambda x: (-x[0], x[1], x[2]))
    match: Dict[int, int] = {}
    used = set()
    for _, gi, pi in pairs:
        if gi not in match and pi not in used:
            match[gi] = pi
            used.add(pi)
    return match


def _same_value(g: Dict, p: Dict) -> bool:
    gv, pv = g.get("value"), p.get("value")
    if gv is None or pv is None:
        return gv == pv
    return math.isclose(float(gv), float(pv), rel_tol=1e-4, abs_tol=0.011)


def _fact_key(fact: Dict) -> Tuple:
    value = fact.get("value")
    value = None if value is None else round(float(value), 2)
    region = fact.get("region")
    region = align(region).clean if region else None
    return (fact["label"], value, fact.get("deadline"), fact.get("as_of"), region, fact.get("program"))


def evaluate(gold_records: Iterable[Dict], pred_records: Iterable[Dict]) -> Dict:
    """Score predictions against gold; records are paired by ``id``.

    RETURNS (dict): spans (strict/overlap, per label), values, dates,
        programs, relations (overall and per label), facts, and counts.
    """
    preds = {r["id"]: r for r in pred_records}
    strict, overlap = PRF(), PRF()
    strict_by, overlap_by = defaultdict(PRF), defaultdict(PRF)
    rel_all, rel_by = PRF(), defaultdict(PRF)
    facts = PRF()
    value_full, value_only, date_acc, program_acc = Accuracy(), Accuracy(), Accuracy(), Accuracy()
    missing = 0
    n_docs = 0
    for gold in gold_records:
        n_docs += 1
        pred = preds.get(gold["id"])
        if pred is None:
            missing += 1
            pred = {"spans": [], "relations": [], "text": gold["text"], "id": gold["id"]}
        gs, ps = gold["spans"], pred["spans"]
        gkeys = {(s["start"], s["end"], s["label"]): i for i, s in enumerate(gs)}
        pkeys = {(s["start"], s["end"], s["label"]): i for i, s in enumerate(ps)}
        for key, gi in gkeys.items():
            if key in pkeys:
                strict.tp += 1
                strict_by[key[2]].tp += 1
                g, p = gs[gi], ps[pkeys[key]]
                if key[2] in QUANTITY_LABELS:
                    value_only.total += 1
                    value_full.total += 1
                    if _same_value(g, p):
                        value_only.right += 1
                        if g.get("unit") == p.get("unit") and g.get("qualifier") == p.get("qualifier"):
                            value_full.right += 1
                elif key[2] in TIME_LABELS and g.get("date") is not None:
                    date_acc.total += 1
                    date_acc.right += g.get("date") == p.get("date")
                elif key[2] == "PROGRAM":
                    program_acc.total += 1
                    program_acc.right += g.get("program") == p.get("program")
            else:
                strict.fn += 1
                strict_by[key[2]].fn += 1
        for key in pkeys:
            if key not in gkeys:
                strict.fp += 1
                strict_by[key[2]].fp += 1
        match = _overlap_alignment(gs, ps)
        for gi, g in enumerate(gs):
            if gi in match:
                overlap.tp += 1
                overlap_by[g["label"]].tp += 1
            else:
                overlap.fn += 1
                overlap_by[g["label"]].fn += 1
        matched_pred = set(match.values())
        for pi, p in enumerate(ps):
            if pi not in matched_pred:
                overlap.fp += 1
                overlap_by[p["label"]].fp += 1
        g_rels = {(match.get(r["head"], -1 - r["head"]), match.get(r["child"], -1 - r["child"]), r["label"])
                  for r in gold["relations"]}
        p_rels = {(r["head"], r["child"], r["label"]) for r in pred["relations"]}
        for rel in g_rels:
            if rel in p_rels:
                rel_all.tp += 1
                rel_by[rel[2]].tp += 1
            else:
                rel_all.fn += 1
                rel_by[rel[2]].fn += 1
        for rel in p_rels - g_rels:
            rel_all.fp += 1
            rel_by[rel[2]].fp += 1
        g_facts = Counter(_fact_key(f) for f in record_facts(gold))
        p_facts = Counter(_fact_key(f) for f in record_facts(pred))
        common = sum((g_facts & p_facts).values())
        facts.tp += common
        facts.fn += sum(g_facts.values()) - common
        facts.fp += sum(p_facts.values()) - common
    return {
        "documents": n_docs,
        "missing_predictions": missing,
        "spans_strict": strict.as_dict(),
        "spans_overlap": overlap.as_dict(),
        "per_label": {label: {"strict": strict_by[label].as_dict(), "overlap": overlap_by[label].as_dict()}
                      for label in LABELS},
        "value_accuracy": value_full.as_dict(),
        "value_only_accuracy": value_only.as_dict(),
        "date_accuracy": date_acc.as_dict(),
        "program_accuracy": program_acc.as_dict(),
        "relations": rel_all.as_dict(),
        "relations_per_label": {label: rel_by[label].as_dict() for label in RELATION_LABELS},
        "facts": facts.as_dict(),
    }


def format_table(scores: Dict) -> str:
    """A plain-text table of the scores for the terminal."""
    lines = [f"documents: {scores['documents']}  (missing predictions: {scores['missing_predictions']})", ""]
    lines.append(f"{'':22}{'P':>8}{'R':>8}{'F':>8}")

    def row(name: str, d: Dict) -> str:
        return f"{name:22}{d['p']:>8.3f}{d['r']:>8.3f}{d['f']:>8.3f}"

    lines.append(row("spans (strict)", scores["spans_strict"]))
    lines.append(row("spans (overlap)", scores["spans_overlap"]))
    lines.append(row("relations", scores["relations"]))
    lines.append(row("facts", scores["facts"]))
    lines.append("")
    for name in ("value_accuracy", "value_only_accuracy", "date_accuracy", "program_accuracy"):
        d = scores[name]
        lines.append(f"{name:22}{d['acc']:>8.3f}   ({d['right']}/{d['total']})")
    lines.append("")
    lines.append(f"{'label':22}{'strict F':>10}{'overlap F':>10}{'gold':>7}")
    for label, d in scores["per_label"].items():
        gold_n = int(d["strict"]["tp"] + d["strict"]["fn"])
        lines.append(f"{label:22}{d['strict']['f']:>10.3f}{d['overlap']['f']:>10.3f}{gold_n:>7}")
    lines.append("")
    lines.append(f"{'relation':22}{'P':>8}{'R':>8}{'F':>8}")
    for label, d in scores["relations_per_label"].items():
        lines.append(row(label, d))
    return "\n".join(lines)
