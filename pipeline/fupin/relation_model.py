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
from typing import Callable, Dict, List, Optional, Tuple

import numpy
from spacy.attrs import ORTH
from spacy.tokens import Doc, Span
from spacy.util import registry
from thinc.api import Linear, Model, Relu, Sigmoid, chain
from thinc.types import Floats2d

from .linker import link_nearest
from .schema import CONTEXT_LABELS, QUANTITY_LABELS, SENTENCE_END

DISTANCE_BUCKETS = (-60, -30, -15, -8, -4, -2, 0, 2, 4, 8, 15, 30, 60)
N_PAIR = len(QUANTITY_LABELS) * len(CONTEXT_LABELS)
N_DIST = len(DISTANCE_BUCKETS) + 1
N_BETWEEN = 4
N_EXTRA = N_PAIR + N_DIST + N_BETWEEN + 1  # +1: child is before the head
RULE_LINK_ATTR = "rule_link_feature"


@dataclass
class Candidates:
    """The candidate pairs of one doc: token ranges and one-hot feature ids."""

    heads: List[Span]
    children: List[Span]
    extra: numpy.ndarray  # (n, N_EXTRA) float32

    def __len__(self) -> int:
        return len(self.heads)


# orth id -> whether the token ends a sentence; filled lazily, shared by all docs
_ENDS_SENTENCE: Dict[int, bool] = {}


def _sentence_index(doc: Doc) -> numpy.ndarray:
    """Sentence number of every token (a sentence ends after a SENTENCE_END
    token or a line break). Read from the ORTH array, so no Token objects are
    made (spaCy builds one per token and per access otherwise)."""
    orths = doc.to_array(ORTH)
    unique, inverse = numpy.unique(orths, return_inverse=True)
    flags = numpy.zeros(len(unique), dtype=bool)
    for i, orth in enumerate(unique.tolist()):
        flag = _ENDS_SENTENCE.get(orth)
        if flag is None:
            text = doc.vocab.strings[orth]
            flag = _ENDS_SENTENCE[orth] = text in SENTENCE_END or "\n" in text
        flags[i] = flag
    ends = flags[inverse.reshape(-1)]
    ids = numpy.zeros(len(orths), dtype="int64")
    ids[1:] = numpy.cumsum(ends[:-1])
    return ids


def _kind(label: str) -> str:
    """DEADLINE and DATE compete for the same slot (a time); other labels are their own kind."""
    return "time" if label in ("DEADLINE", "DATE") else label


_Q_INDEX = {label: i for i, label in enumerate(QUANTITY_LABELS)}
_C_INDEX = {label: i for i, label in enumerate(CONTEXT_LABELS)}


def get_candidates(doc: Doc, ents: Optional[List[Span]] = None, max_distance: int = 120,
                   rule_links: bool = False) -> Candidates:
    """Pairs (quantity, context) inside one sentence, with their features.

    rule_links (bool): add a last feature column, 1 where the rule linker
        links the pair (``fupin.RelationModel.v2``).
    """
    ents = sorted(doc.ents if ents is None else ents, key=lambda s: s.start)
    sent = _sentence_index(doc) if ents else None
    by_sentence: Dict[int, List[Span]] = {}
    for e in ents:
        by_sentence.setdefault(int(sent[e.start]), []).append(e)
    # sentences come in order and ents in order within each, so the pairs come out
    # sorted by (head, child) start: the order the extractor's tie-breaking relies on
    heads, children, cols = [], [], []
    for group in by_sentence.values():
        contexts = [e for e in group if e.label_ in _C_INDEX]
        for head in group:
            if head.label_ not in _Q_INDEX:
                continue
            for child in contexts:
                distance = child.start - head.start
                if abs(distance) > max_distance:
                    continue
                kind = _kind(child.label_)
                lo, hi = (child.end, head.start) if child.start < head.start else (head.end, child.start)
                between = sum(1 for other in contexts if other is not child and _kind(other.label_) == kind
                              and lo <= other.start and other.end <= hi)
                heads.append(head)
                children.append(child)
                cols.append((_Q_INDEX[head.label_] * len(CONTEXT_LABELS) + _C_INDEX[child.label_],
                             N_PAIR + int(numpy.searchsorted(DISTANCE_BUCKETS, distance)),
                             N_PAIR + N_DIST + min(between, N_BETWEEN - 1)))
    extra = numpy.zeros((len(heads), N_EXTRA + int(rule_links)), dtype="float32")
    if heads:
        extra[numpy.arange(len(heads))[:, None], numpy.asarray(cols)] = 1
        extra[:, N_EXTRA - 1] = [float(c.start < h.start) for h, c in zip(heads, children)]
        if rule_links:
            linked = {(h, c) for h, c, _label, _score in link_nearest(doc, ents)}
            extra[:, N_EXTRA] = [float((h.start_char, c.start_char) in linked) for h, c in zip(heads, children)]
    return Candidates(heads, children, extra)


def _pool_ranges(ops, tokvecs: Floats2d, starts: numpy.ndarray, ends: numpy.ndarray):
    """Mean of token vectors over each [start, end) range (zeros if empty),
    from prefix sums: one vectorised step however many ranges there are."""
    xp = ops.xp
    n, width = tokvecs.shape
    ends = numpy.maximum(ends, starts)
    lengths = ops.asarray2f(numpy.maximum(ends - starts, 1).reshape(-1, 1).astype("float32"))
    prefix = xp.vstack([ops.alloc2f(1, width), xp.cumsum(tokvecs, axis=0)])
    out = (prefix[ends] - prefix[starts]) / lengths

    def backprop(d_out: Floats2d) -> Floats2d:
        # d tokvecs[t] = sum over ranges holding t of d_out / length: a difference array, then a prefix sum
        grad = d_out / lengths
        delta = ops.alloc2f(n + 1, width)
        xp.add.at(delta, starts, grad)
        xp.add.at(delta, ends, -grad)
        return xp.cumsum(delta, axis=0)[:n]

    return out, backprop


def pair_features(model: Model, inputs: Tuple[List[Doc], List[Candidates]], is_train: bool):
    docs, candidates = inputs
    tok2vec = model.get_ref("tok2vec")
    tokvecs, bp_tokvecs = tok2vec(docs, is_train)
    rows, backprops = [], []
    for vecs, cands in zip(tokvecs, candidates):
        h_start = numpy.asarray([h.start for h in cands.heads], dtype="int64")
        h_end = numpy.asarray([h.end for h in cands.heads], dtype="int64")
        c_start = numpy.asarray([c.start for c in cands.children], dtype="int64")
        c_end = numpy.asarray([c.end for c in cands.children], dtype="int64")
        before = c_start < h_start
        b_start = numpy.where(before, c_end, h_end)
        b_end = numpy.where(before, h_start, c_start)
        pooled = [_pool_ranges(model.ops, vecs, s, e) for s, e in ((h_start, h_end), (c_start, c_end),
                                                                   (b_start, b_end))]
        rows.append(model.ops.xp.hstack([p[0] for p in pooled] + [model.ops.asarray2f(cands.extra)]))
        backprops.append([p[1] for p in pooled])
    width = tokvecs[0].shape[1] if tokvecs else 0
    n_extra = N_EXTRA + int(model.attrs[RULE_LINK_ATTR])
    features = model.ops.xp.vstack(rows) if rows else model.ops.alloc2f(0, 3 * width + n_extra)

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
    return _build(tok2vec, hidden_width, dropout, rule_links=False)


@registry.architectures("fupin.RelationModel.v2")
def relation_model_v2(tok2vec: Model, hidden_width: int = 128, dropout: float = 0.1) -> Model:
    """As ``fupin.RelationModel.v1``, plus a feature saying whether the rule
    linker links the pair.

    tok2vec (Model[List[Doc], List[Floats2d]]): token vectors (a listener).
    hidden_width (int): width of the hidden ReLU layer.
    """
    return _build(tok2vec, hidden_width, dropout, rule_links=True)


def _build(tok2vec: Model, hidden_width: int, dropout: float, rule_links: bool) -> Model:
    features: Model = Model("relation_pair_features", pair_features, refs={"tok2vec": tok2vec},
                            layers=[tok2vec], attrs={RULE_LINK_ATTR: rule_links})
    classifier = chain(Relu(nO=hidden_width, dropout=dropout), Relu(nO=hidden_width // 2, dropout=dropout), Sigmoid(nO=1))
    model = chain(features, classifier)
    model.set_ref("tok2vec", tok2vec)
    # the extractor reads this to build the candidates' feature columns
    model.attrs[RULE_LINK_ATTR] = rule_links
    return model
