"""The trainable relation component (``fupin_relation_extractor``).

Learns from explosion's ``tutorials/rel_component`` and fixes its flaws:
``doc._.relations`` is created per doc (no shared mutable default), the loss
is binary cross-entropy (not squared error), pairs carry entity-label and
distance features, candidates are limited to quantity -> context pairs inside
one sentence, decoding keeps at most one relation per label per head, and
training uses the gold entities and, when an entity recogniser annotates
during training (``[training] annotating_components``), the predicted
entities too, so it works end to end.
"""
from __future__ import annotations

from itertools import islice
from typing import Callable, Dict, Iterable, List, Optional, Tuple

import numpy
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc
from spacy.training import Example, validate_get_examples
from spacy.vocab import Vocab
from thinc.api import Model, Optimizer

from .extensions import doc_text
from .linker import crosses_now, from_times, is_comparison_time, link_nearest
from .relation_model import RULE_LINK_ATTR, Candidates, get_candidates
from .schema import CHILD_RELATION, RELATION_LABELS

default_config = """
[model]
@architectures = "fupin.RelationModel.v1"
hidden_width = 128
dropout = 0.1

[model.tok2vec]
@architectures = "spacy.Tok2VecListener.v1"
width = 96
upstream = "*"
"""


@Language.factory("fupin_relation_extractor", assigns=["doc._.relations"],
                  default_config={"threshold": 0.5, "max_distance": 120, "time_rules": False, "model": None},
                  default_score_weights={"rel_micro_f": 1.0, "rel_micro_p": 0.0, "rel_micro_r": 0.0})
def make_relation_extractor(nlp: Language, name: str, model: Model, threshold: float, max_distance: int,
                            time_rules: bool):
    """Create the relation extractor.

    model: a ``fupin.RelationModel.v1`` (or compatible) scoring candidate pairs.
    threshold (float): minimum probability for a relation.
    max_distance (int): maximum token distance between head and child.
    time_rules (bool): apply the rule linker's time rules over the model's time
        links: an amount written right after 从/由 takes the time written right
        after 从/由 before it in its sentence (the from-side of a 从…到 comparison),
        and a from-time governs no other amount (``linker.from_times``); no time
        links an amount across a vague 'now' such as 如今 (``linker.crosses_now``);
        a link to a comparison base (比上年末) or to another amount's from-time
        goes to the time the rule linker gives that amount.
    """
    return RelationExtractor(nlp.vocab, model, name, threshold=threshold, max_distance=max_distance,
                             time_rules=time_rules)


class RelationExtractor(TrainablePipe):
    def __init__(self, vocab: Vocab, model: Model, name: str = "fupin_relation_extractor", *,
                 threshold: float = 0.5, max_distance: int = 120, time_rules: bool = False):
        self.vocab = vocab
        self.model = model
        self.name = name
        # threshold and max_distance come from the config, not the saved cfg,
        # so that a config override at load time takes effect
        self.threshold = threshold
        self.max_distance = max_distance
        self.time_rules = time_rules
        self.cfg = {"labels": list(RELATION_LABELS)}

    @property
    def labels(self) -> Tuple[str, ...]:
        return tuple(self.cfg["labels"])

    @property
    def _rule_links(self) -> bool:
        return bool(self.model.attrs.get(RULE_LINK_ATTR, False))

    def _candidates(self, docs: Iterable[Doc]) -> List[Candidates]:
        return [get_candidates(doc, max_distance=self.max_distance, rule_links=self._rule_links) for doc in docs]

    def predict(self, docs: Iterable[Doc]):
        docs = list(docs)
        candidates = self._candidates(docs)
        if not any(len(c) for c in candidates):
            return candidates, self.model.ops.alloc2f(0, 1)
        scores = self.model.predict((docs, candidates))
        return candidates, scores

    def set_annotations(self, docs: Iterable[Doc], predictions) -> None:
        candidates, scores = predictions
        scores = self.model.ops.to_numpy(scores).reshape(-1)
        offset = 0
        for doc, cands in zip(docs, candidates):
            best: Dict[Tuple[int, str], Tuple[float, int]] = {}
            for i, (head, child) in enumerate(zip(cands.heads, cands.children)):
                score = float(scores[offset + i])
                label = CHILD_RELATION[child.label_]
                # one relation per label per head, and one time relation in all
                key = (head.start_char, "time" if label in ("HAS_DEADLINE", "AS_OF") else label)
                if score >= self.threshold and score > best.get(key, (0.0, -1))[0]:
                    best[key] = (score, i)
            offset += len(cands)
            relations = [
                (cands.heads[i].start_char, cands.children[i].start_char, CHILD_RELATION[cands.children[i].label_], s)
                for s, i in sorted(best.values(), key=lambda x: x[1])
            ]
            if self.time_rules:
                relations = _with_time_rules(doc, relations)
            doc._.relations = relations

    def _gold_pairs(self, example: Example) -> set:
        return {(h, c) for h, c, _label, *_ in (example.reference._.relations or [])}

    def _training_candidates(self, examples: List[Example]):
        docs, candidates, truths = [], [], []
        for eg in examples:
            doc = eg.predicted
            gold_ents = [doc.char_span(e.start_char, e.end_char, label=e.label_) for e in eg.reference.ents]
            gold_ents = [e for e in gold_ents if e is not None]
            gold_pairs = self._gold_pairs(eg)
            gold_keys = {(e.start_char, e.end_char, e.label_) for e in eg.reference.ents}
            sets = [gold_ents]
            if len(doc.ents):
                sets.append(list(doc.ents))
            for ents in sets:
                cands = get_candidates(doc, ents, self.max_distance, rule_links=self._rule_links)
                truth = [
                    float((h.start_char, c.start_char) in gold_pairs
                          and (h.start_char, h.end_char, h.label_) in gold_keys
                          and (c.start_char, c.end_char, c.label_) in gold_keys)
                    for h, c in zip(cands.heads, cands.children)
                ]
                docs.append(doc)
                candidates.append(cands)
                truths.extend(truth)
        return docs, candidates, numpy.asarray(truths, dtype="float32").reshape(-1, 1)

    def update(self, examples: Iterable[Example], *, drop: float = 0.0, sgd: Optional[Optimizer] = None,
               losses: Optional[Dict[str, float]] = None) -> Dict[str, float]:
        losses = {} if losses is None else losses
        losses.setdefault(self.name, 0.0)
        examples = list(examples)
        validate_get_examples(lambda: examples, "RelationExtractor.update")
        docs, candidates, truths = self._training_candidates(examples)
        if not len(truths):
            return losses
        # the tok2vec listener expects one call per batch of the examples' docs
        scores, backprop = self.model.begin_update(([eg.predicted for eg in examples], _merge(candidates, docs, examples)))
        d_scores, loss = self.get_loss(examples, (scores, truths))
        backprop(d_scores)
        if sgd is not None:
            self.finish_update(sgd)
        losses[self.name] += loss
        return losses

    def get_loss(self, examples, scores_truths) -> Tuple[numpy.ndarray, float]:
        scores, truths = scores_truths
        truths = self.model.ops.asarray2f(truths)
        eps = 1e-7
        clipped = self.model.ops.xp.clip(scores, eps, 1 - eps)
        loss = -float((truths * numpy.log(clipped) + (1 - truths) * numpy.log(1 - clipped)).sum())
        # gradient of the mean BCE with respect to the sigmoid's output
        d_scores = (clipped - truths) / (clipped * (1 - clipped)) / max(len(truths), 1)
        return d_scores, loss / max(len(truths), 1)

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *, nlp: Optional[Language] = None,
                   labels=None) -> None:
        validate_get_examples(get_examples, "RelationExtractor.initialize")
        examples = list(islice(get_examples(), 10))
        docs, candidates, truths = self._training_candidates(examples)
        merged = _merge(candidates, docs, examples)
        self.model.initialize(X=([eg.predicted for eg in examples], merged), Y=truths if len(truths) else None)

    def score(self, examples: Iterable[Example], **kwargs) -> Dict[str, float]:
        tp = fp = fn = 0
        for eg in examples:
            pred = {(h, c, label) for h, c, label, *_ in (eg.predicted._.relations or [])}
            gold = {(h, c, label) for h, c, label, *_ in (eg.reference._.relations or [])}
            tp += len(pred & gold)
            fp += len(pred - gold)
            fn += len(gold - pred)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return {"rel_micro_p": p, "rel_micro_r": r, "rel_micro_f": 2 * p * r / (p + r) if p + r else 0.0}


def _with_time_rules(doc: Doc, relations: List[Tuple]) -> List[Tuple]:
    """Replace the time relation of each from-side amount by its from-time,
    drop time relations that reach across a vague 'now', and move a time
    relation that reaches the base of a comparison (比上年末) or another
    amount's from-time (由2011年底的775万人减少到183.27万人) to the time the rule
    linker gives that amount."""
    from_side = from_times(doc, doc.ents)
    replaced = {r[0]: r for r in from_side.links}
    spans = {span.start_char: span for span in doc.ents}
    text = doc_text(doc)
    kept, moved = [], set()
    for r in relations:
        if r[2] in ("HAS_DEADLINE", "AS_OF"):
            if r[0] in replaced or crosses_now(text, spans[r[0]], spans[r[1]]):
                continue
            if is_comparison_time(text, spans[r[1]]) or not from_side.may_link(r[0], r[1]):
                moved.add(r[0])  # to a comparison base, or to another amount's from-time
                continue
        kept.append(r)
    if moved:
        kept += [r for r in link_nearest(doc, doc.ents, from_side) if r[0] in moved and r[2] in ("HAS_DEADLINE", "AS_OF")]
    return sorted(kept + from_side.links, key=lambda r: (r[0], r[1]))


def _merge(candidates: List[Candidates], docs: List[Doc], examples: List[Example]) -> List[Candidates]:
    """Merge the candidate sets built per example (gold and predicted ents) into one per doc."""
    merged: List[Candidates] = []
    i = 0
    for eg in examples:
        heads, children, extras = [], [], []
        while i < len(docs) and docs[i] is eg.predicted:
            heads += candidates[i].heads
            children += candidates[i].children
            extras.append(candidates[i].extra)
            i += 1
        extra = numpy.vstack(extras) if extras else numpy.zeros((0, candidates[0].extra.shape[1] if candidates else 1), "float32")
        merged.append(Candidates(heads, children, extra))
    return merged
