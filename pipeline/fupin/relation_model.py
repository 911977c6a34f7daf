"""The relation model: scores (quantity, context) candidate pairs.

Candidates are only pairs of a quantity span and a context span in the same
sentence, at most ``max_distance`` tokens apart (linear in practice, not
quadratic in the number of entities). Each pair is represented by the mean
token vectors of the head, of the child and of the context between them,
plus one-hot features: the (head label, child label) pair, the signed
distance bucket, and how many other context spans of the child's kind stand
between the two. A hidden ReLU layer and a sigmoid give P(related); training
uses binary cross-entropy.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple

import numpy
from spacy.tokens import Doc, Span
from spacy.util import registry
from thinc.api import Linear, Model, Relu, Sigmoid, chain
from thinc.types import Floats2d

from .schema import CONTEXT_LABELS, QUANTITY_LABELS, SENTENCE_END

DISTANCE_BUCKETS = (-60, -30, -15, -8, -4, -2, 0, 2, 4, 8, 15, 30, 60)
N_PAIR = len(QUANTITY_LABELS) * len(CONTEXT_LABELS)
N_DIST = len(DISTANCE_BUCKETS) + 1
N_BETWEEN = 4
N_EXTRA = N_PAIR + N_DIST + N_BETWEEN + 1  # +1: child is before the head


@dataclass
class Candidates:
    """The candidate pairs of one doc: token ranges and one-hot feature ids."""

    heads: List[Span]
    children: List[Span]
    extra: numpy.ndarray  # (n, N_EXTRA) float32

    def __len__(self) -> int:
        return len(self.heads)


def _sentence_index(doc: Doc) -> List[int]:
    ids, current = [], 0
    for token in doc:
        ids.append(current)
        if token.text in SENTENCE_END or "\n" in token.text:
            current += 1
    return ids


def get_candidates(doc: Doc, ents: Optional[List[Span]] = None, max_distance: int = 120) -> Candidates:
    """Pairs (quantity, context) inside one sentence, with their features."""
    ents = sorted(doc.ents if ents is None else ents, key=lambda s: s.start)
    sent = _sentence_index(doc)
    heads, children, rows = [], [], []
    q_index = {label: i for i, label in enumerate(QUANTITY_LABELS)}
    c_index = {label: i for i, label in enumerate(CONTEXT_LABELS)}
    by_kind = {}
    for e in ents:
        if e.label_ in c_index:
            kind = "time" if e.label_ in ("DEADLINE", "DATE") else e.label_
            by_kind.setdefault(kind, []).append(e)
    for head in ents:
        if head.label_ not in q_index:
            continue
        for child in ents:
            if child.label_ not in c_index or sent[child.start] != sent[head.start]:
                continue
            distance = child.start - head.start
            if abs(distance) > max_distance:
                continue
            kind = "time" if child.label_ in ("DEADLINE", "DATE") else child.label_
            lo, hi = (child.end, head.start) if child.start < head.start else (head.end, child.start)
            between = sum(1 for other in by_kind[kind] if other is not child and lo <= other.start and other.end <= hi)
            row = numpy.zeros(N_EXTRA, dtype="float32")
            row[q_index[head.label_] * len(CONTEXT_LABELS) + c_index[child.label_]] = 1
            row[N_PAIR + int(numpy.searchsorted(DISTANCE_BUCKETS, distance))] = 1
            row[N_PAIR + N_DIST + min(between, N_BETWEEN - 1)] = 1
            row[-1] = float(child.start < head.start)
            heads.append(head)
            children.append(child)
            rows.append(row)
    extra = numpy.vstack(rows) if rows else numpy.zeros((0, N_EXTRA), dtype="float32")
    return Candidates(heads, children, extra)


def _pool_ranges(ops, tokvecs: Floats2d, ranges: List[Tuple[int, int]]):
    """Mean of token vectors over each [start, end) range (zeros if empty)."""
    width = tokvecs.shape[1]
    out = ops.alloc2f(len(ranges), width)
    for i, (s, e) in enumerate(ranges):
        if e > s:
            out[i] = tokvecs[s:e].mean(axis=0)

    def backprop(d_out: Floats2d) -> Floats2d:
        d_tok = ops.alloc2f(*tokvecs.shape)
        for i, (s, e) in enumerate(ranges):
            if e > s:
                d_tok[s:e] += d_out[i] / (e - s)
        return d_tok

    return out, backprop


def pair_features(model: Model, inputs: Tuple[List[Doc], List[Candidates]], is_train: bool):
    docs, candidates = inputs
    tok2vec = model.get_ref("tok2vec")
    tokvecs, bp_tokvecs = tok2vec(docs, is_train)
    rows, backprops = [], []
    for vecs, cands in zip(tokvecs, candidates):
        heads = [(h.start, h.end) for h in cands.heads]
        children = [(c.start, c.end) for c in cands.children]
        betweens = [(c.end, h.start) if c.start < h.start else (h.end, c.start)
                    for h, c in zip(cands.heads, cands.children)]
        pooled = [_pool_ranges(model.ops, vecs, r) for r in (heads, children, betweens)]
        rows.append(model.ops.xp.hstack([p[0] for p in pooled] + [model.ops.asarray2f(cands.extra)]))
        backprops.append([p[1] for p in pooled])
    width = tokvecs[0].shape[1] if tokvecs else 0
    features = model.ops.xp.vstack(rows) if rows else model.ops.alloc2f(0, 3 * width + N_EXTRA)

    def backprop(d_features: Floats2d):
        d_tokvecs, offset = [], 0
        for vecs, cands, bps in zip(tokvecs, candidates, backprops):
            n = len(cands)
            d_rows = d_features[offset:offset + n]
            offset += n
            d_vec = model.ops.alloc2f(*vecs.shape)
            for j, bp in enumerate(bps):
                d_vec += bp(d_rows[:, j * width:(j + 1) * width])
            d_tokvecs.append(d_vec)
        return bp_tokvecs(d_tokvecs)

    return features, backprop


@registry.architectures("fupin.RelationModel.v1")
def relation_model(tok2vec: Model, hidden_width: int = 128, dropout: float = 0.1) -> Model:
    """Score candidate pairs: (docs, candidates) -> (n_pairs, 1) probabilities.

    tok2vec (Model[List[Doc], List[Floats2d]]): token vectors (a listener).
    hidden_width (int): width of the hidden ReLU layer.
    """
    features: Model = Model("relation_pair_features", pair_features, refs={"tok2vec": tok2vec},
                            layers=[tok2vec])
    classifier = chain(Relu(nO=hidden_width, dropout=dropout), Relu(nO=hidden_width // 2, dropout=dropout), Sigmoid(nO=1))
    model = chain(features, classifier)
    model.set_ref("tok2vec", tok2vec)
    return model
