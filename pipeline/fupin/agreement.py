"""Inter-annotator agreement on tasks that two (or more) annotators labeled.

For every pair of submitted annotations of a task, spans match when start,
end and label are equal, relations when their head span, child span and
label are equal. F1 between two annotators is symmetric (either one may
serve as reference). Scores are pooled over all pairs per label; every
difference is listed as a disagreement to review.
"""
from __future__ import annotations

import itertools
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

from .evaluate import PRF
from .labelstudio import annotator_name, result_spans
from .schema import LABELS, RELATION_LABELS

logger = logging.getLogger(__name__)


def _items(result: List[Dict]) -> Tuple[set, set]:
    regions = result_spans(result)
    spans = {(s, e, lab): txt for s, e, lab, txt in regions.values() if s is not None}
    span_keys = set(spans)
    rels = set()
    for r in result:
        if r.get("type") != "relation" or r.get("from_id") not in regions or r.get("to_id") not in regions:
            continue
        a, b = regions[r["from_id"]], regions[r["to_id"]]
        if r.get("direction") == "left":
            a, b = b, a
        for label in r.get("labels") or ["?"]:
            rels.add(((a[0], a[1], a[2]), (b[0], b[1], b[2]), label))
    return span_keys, rels


@dataclass
class Agreement:
    """Pooled agreement over all annotator pairs."""

    spans: PRF = field(default_factory=PRF)
    relations: PRF = field(default_factory=PRF)
    spans_by: Dict[str, PRF] = field(default_factory=lambda: defaultdict(PRF))
    relations_by: Dict[str, PRF] = field(default_factory=lambda: defaultdict(PRF))
    tasks: int = 0
    pairs: int = 0
    disagreements: List[Dict] = field(default_factory=list)

    def as_dict(self) -> Dict:
        return {"tasks": self.tasks, "pairs": self.pairs, "spans": self.spans.as_dict(),
                "relations": self.relations.as_dict(),
                "spans_per_label": {k: self.spans_by[k].as_dict() for k in LABELS if k in self.spans_by},
                "relations_per_label": {k: self.relations_by[k].as_dict() for k in RELATION_LABELS
                                        if k in self.relations_by},
                "disagreements": self.disagreements}


def agreement(export: List[Dict]) -> Agreement:
    """Span and relation agreement between annotators over a full JSON export.

    RETURNS (Agreement): pooled P/R/F (annotator A as reference), per label, and the disagreements.
    """
    out = Agreement()
    for task in export:
        submitted = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
        if len(submitted) < 2:
            continue
        out.tasks += 1
        text = (task.get("data") or {}).get("text", "")
        doc_id = (task.get("data") or {}).get("doc_id")
        for a, b in itertools.combinations(sorted(submitted, key=lambda x: x.get("id") or 0), 2):
            out.pairs += 1
            sa, ra = _items(a.get("result") or [])
            sb, rb = _items(b.get("result") or [])
            _count(sa, sb, out.spans, out.spans_by)
            _count(ra, rb, out.relations, out.relations_by)
            who_a, who_b = annotator_name(a), annotator_name(b)
            only_a, only_b = sorted(sa - sb), sorted(sb - sa)
            for key in only_a:
                out.disagreements.append(_disagreement(task, doc_id, text, "span", key, who_a, who_b, sb))
            for key in only_b:
                out.disagreements.append(_disagreement(task, doc_id, text, "span", key, who_b, who_a, sa))
            for key in sorted(ra - rb):
                out.disagreements.append(_rel_disagreement(task, doc_id, text, key, who_a, who_b))
            for key in sorted(rb - ra):
                out.disagreements.append(_rel_disagreement(task, doc_id, text, key, who_b, who_a))
    return out


def _count(a: set, b: set, total: PRF, by_label: Dict[str, PRF]) -> None:
    """Score annotator b against annotator a: shared keys are tp, a-only fn, b-only fp."""
    for key in a | b:
        field_ = "tp" if key in a and key in b else "fn" if key in a else "fp"
        for prf in (total, by_label[key[2]]):
            setattr(prf, field_, getattr(prf, field_) + 1)


def _disagreement(task, doc_id, text, kind, key, has, lacks, other_spans) -> Dict:
    start, end, label = key
    same_place = [k for k in other_spans if k[0] == start and k[1] == end]
    overlapping = [k for k in other_spans if k[0] < end and start < k[1]]
    if same_place:
        what = f"{lacks} labelled it {same_place[0][2]}"
    elif overlapping:
        k = overlapping[0]
        what = f"{lacks} marked {text[k[0]:k[1]]!r} {k[2]} at {k[0]}-{k[1]}"
    else:
        what = f"{lacks} did not mark it"
    return {"task": task.get("id"), "doc_id": doc_id, "kind": kind, "label": label, "start": start, "end": end,
            "text": text[start:end] if isinstance(start, int) else None, "by": has, "other": what}


def _rel_disagreement(task, doc_id, text, key, has, lacks) -> Dict:
    (hs, he, hl), (cs, ce, cl), label = key
    return {"task": task.get("id"), "doc_id": doc_id, "kind": "relation", "label": label,
            "head": text[hs:he] if isinstance(hs, int) else None, "child": text[cs:ce] if isinstance(cs, int) else None,
            "head_start": hs, "child_start": cs, "by": has, "other": f"{lacks} has no such relation"}


def format_agreement(agr: Agreement, max_items: int = 200) -> str:
    """The agreement table and the disagreements, for the terminal."""
    lines = [f"tasks with 2+ annotators: {agr.tasks}   annotator pairs: {agr.pairs}", "",
             f"{'':20}{'F1':>8}{'agree':>8}{'only A':>8}{'only B':>8}"]

    def row(name, prf):
        return f"{name:20}{prf.f:>8.3f}{int(prf.tp):>8}{int(prf.fn):>8}{int(prf.fp):>8}"

    lines.append(row("spans", agr.spans))
    for label in LABELS:
        if label in agr.spans_by:
            lines.append(row("  " + label, agr.spans_by[label]))
    lines.append(row("relations", agr.relations))
    for label in RELATION_LABELS:
        if label in agr.relations_by:
            lines.append(row("  " + label, agr.relations_by[label]))
    lines += ["", f"disagreements to review: {len(agr.disagreements)}"]
    for d in agr.disagreements[:max_items]:
        if d["kind"] == "span":
            lines.append(f"  task {d['task']} ({d['doc_id']}): {d['by']} marked {d['text']!r} {d['label']} "
                         f"at {d['start']}-{d['end']}; {d['other']}")
        else:
            lines.append(f"  task {d['task']} ({d['doc_id']}): {d['by']} linked {d['head']!r} -{d['label']}-> "
                         f"{d['child']!r}; {d['other']}")
    if len(agr.disagreements) > max_items:
        lines.append(f"  ... and {len(agr.disagreements) - max_items} more (use --json)")
    return "\n".join(lines)
