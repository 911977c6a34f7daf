"""``fupin_ner_tagger``: entity recognition as per-token BILUO tagging.

spaCy's transition-based ``ner`` takes one parser step per token, and on
character tokens (one per Chinese character) that loop costs more than the
whole CNN beneath it (about 37 µs per character here). This component
predicts a BILUO tag for every token at once, with one softmax layer over
the shared tok2vec (spaCy's own ``spacy.Tagger.v2`` architecture), and
decodes the tags into entities in one pass. Training is the tagger's:
softmax cross-entropy against the gold BILUO tags of each token, with tokens
whose gold tag is unknown left out of the loss.

Decoding takes the best well-formed BILUO sequence (Viterbi under the
BILUO transition constraints), searched only where some token's best tag is
not ``O``, so a token-level classifier does not cut one entity in two. The
reading of tags into spans is lenient as well (``decode_tags``): an
ill-formed sequence still gives entities, with boundaries that follow it.
"""
from __future__ import annotations

import functools
from itertools import islice
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc, Span
from spacy.training import Example, validate_examples, validate_get_examples
from spacy.vocab import Vocab
from thinc.api import Config, Model, SequenceCategoricalCrossentropy
from thinc.types import Floats2d

PREFIXES = "BILU"

DEFAULT_MODEL_CONFIG = """
[model]
@architectures = "spacy.Tagger.v2"
nO = null
normalize = false

[model.tok2vec]
@architectures = "spacy.HashEmbedCNN.v2"
pretrained_vectors = null
width = 64
depth = 2
embed_size = 2000
window_size = 1
maxout_pieces = 3
subword_features = true
"""
DEFAULT_MODEL = Config().from_str(DEFAULT_MODEL_CONFIG)["model"]


@Language.factory(
    "fupin_ner_tagger",
    assigns=["doc.ents", "token.ent_iob", "token.ent_type"],
    default_config={"model": DEFAULT_MODEL, "scorer": {"@scorers": "spacy.ner_scorer.v1"}},
    default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None},
)
def make_ner_tagger(nlp: Language, name: str, model: Model[List[Doc], List[Floats2d]],
                    scorer: Optional[Callable]) -> "EntityTagger":
    """Create an entity recogniser that tags each token B/I/L/U-label or O.

    model (Model[List[Doc], List[Floats2d]]): one row of tag scores per token
        (``spacy.Tagger.v2`` over a tok2vec or a listener).
    scorer (Optional[Callable]): scoring method, by default ``spacy.ner_scorer.v1``.
    """
    return EntityTagger(nlp.vocab, model, name, scorer=scorer)


class EntityTagger(TrainablePipe):
    """Entity recogniser that predicts a BILUO tag per token and decodes spans.

    The tag set is ``O`` followed by ``B-L, I-L, L-L, U-L`` for each label
    ``L`` in order, so tag ``1 + 4 * k + j`` is prefix ``j`` of label ``k``.
    """

    def __init__(self, vocab: Vocab, model: Model, name: str = "ner", *, scorer: Optional[Callable] = None):
        """Initialise the component.

        vocab (Vocab): the shared vocabulary.
        model (Model): the tag-scoring model.
        name (str): the component's name in the pipeline.
        scorer (Optional[Callable]): the scoring method.
        """
        self.vocab = vocab
        self.model = model
        self.name = name
        self.cfg: Dict = {"labels": []}
        self.scorer = scorer

    @property
    def labels(self) -> Tuple[str, ...]:
        """The entity labels, in tag order."""
        return tuple(self.cfg["labels"])

    @property
    def tag_names(self) -> List[str]:
        """All tags the model scores: ``O``, then B/I/L/U for each label."""
        return ["O"] + [f"{prefix}-{label}" for label in self.labels for prefix in PREFIXES]

    def add_label(self, label: str) -> int:
        """Add an entity label. RETURNS (int): 1 if it was new, else 0."""
        if not isinstance(label, str):
            raise ValueError(f"entity labels are strings, got {label!r}")
        if label in self.labels:
            return 0
        if self.model.has_dim("nO") and self.model.get_dim("nO") is not None:
            raise ValueError(f"cannot add label {label!r} to {self.name!r}: its output layer is already sized")
        self.cfg["labels"].append(label)
        self.vocab.strings.add(label)
        return 1

    def predict(self, docs: Iterable[Doc]) -> List[Floats2d]:
        """Score every tag for every token. RETURNS (List[Floats2d]): one (n_tokens, n_tags) array per doc."""
        docs = list(docs)
        if not any(len(doc) for doc in docs):
            n_tags = len(self.tag_names)
            return [self.model.ops.alloc2f(len(doc), n_tags) for doc in docs]
        return self.model.predict(docs)

    def set_annotations(self, docs: Iterable[Doc], scores: List[Floats2d]) -> None:
        """Set ``doc.ents`` from the best tag of each token."""
        for doc, doc_scores in zip(docs, scores):
            tags = self.best_tags(self._log_probs(doc_scores)) if len(doc) else numpy.zeros(0, "i")
            doc.ents = [Span(doc, start, end, label=self.labels[k]) for start, end, k in decode_tags(tags)]

    def _log_probs(self, doc_scores: Floats2d) -> numpy.ndarray:
        """Tag log-probabilities (the model outputs unnormalised scores at prediction time)."""
        return log_softmax(self.model.ops.to_numpy(doc_scores))

    def best_tags(self, log_probs: numpy.ndarray) -> numpy.ndarray:
        """The tag of each token: the best well-formed sequence (``viterbi_tags``)."""
        return viterbi_tags(log_probs, transition_mask(len(self.labels)))

    def span_scores(self, docs: Sequence[Doc]) -> List[Dict[Tuple[int, int, str], float]]:
        """Confidence of each predicted entity: the smallest probability, over its
        tokens, of the tag the decoder followed (a span is as sure as its least
        sure token). RETURNS one dict per doc, keyed (start, end, label)."""
        out = []
        for doc, doc_scores in zip(docs, self.predict(docs)):
            if not len(doc):
                out.append({})
                continue
            log_probs = self._log_probs(doc_scores)
            tags = self.best_tags(log_probs)
            best = numpy.exp(log_probs[numpy.arange(len(tags)), tags])
            out.append({(start, end, self.labels[k]): float(best[start:end].min())
                        for start, end, k in decode_tags(tags)})
        return out

    def get_loss(self, examples: Iterable[Example], scores: List[Floats2d]) -> Tuple[float, List[Floats2d]]:
        """Softmax cross-entropy of the scores against the gold BILUO tags.

        Tokens whose gold tag is missing (``-``, misaligned, or a label this
        component does not know) do not count.
        """
        validate_examples(examples, "EntityTagger.get_loss")
        names = self.tag_names
        known = set(names)
        truths = [[tag if tag in known else None for tag in eg.get_aligned_ner()] for eg in examples]
        loss_func = SequenceCategoricalCrossentropy(names=names, normalize=False)
        d_scores, loss = loss_func(scores, truths)
        if self.model.ops.xp.isnan(loss):
            raise ValueError(f"NaN loss in {self.name!r}")
        return float(loss), d_scores

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *, nlp: Optional[Language] = None,
                   labels: Optional[Iterable[str]] = None) -> None:
        """Take the labels from ``labels`` or the gold entities, and size the model.

        get_examples (Callable[[], Iterable[Example]]): returns gold examples.
        nlp (Language): the pipeline (unused).
        labels (Optional[Iterable[str]]): the entity labels, e.g. from ``spacy init labels``.
        """
        validate_get_examples(get_examples, "EntityTagger.initialize")
        if labels is None:
            labels = sorted({ent.label_ for eg in get_examples() for ent in eg.reference.ents})
        for label in labels:
            self.add_label(label)
        if not self.labels:
            raise ValueError(f"{self.name!r} found no entity labels in the training examples")
        names = self.tag_names
        index = {tag: i for i, tag in enumerate(names)}
        doc_sample, label_sample = [], []
        for eg in islice(get_examples(), 10):
            doc_sample.append(eg.x)
            gold = numpy.zeros((len(eg.x), len(names)), dtype="float32")
            for i, tag in enumerate(eg.get_aligned_ner()):
                gold[i, index.get(tag, 0)] = 1.0
            label_sample.append(self.model.ops.asarray(gold))
        self.model.initialize(X=doc_sample, Y=label_sample)


def log_softmax(logits: numpy.ndarray) -> numpy.ndarray:
    """Row-wise log-softmax."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - numpy.log(numpy.exp(shifted).sum(axis=1, keepdims=True))


def decode_tags(tags: Sequence[int]) -> List[Tuple[int, int, int]]:
    """Turn per-token tag ids into entities ``(start, end, label_index)``.

    Tag ``0`` is ``O``; tag ``1 + 4 * k + j`` is prefix ``"BILU"[j]`` of
    label ``k``. Ill-formed sequences are read leniently (see the module
    docstring). Only the tokens tagged other than ``O`` are visited.
    """
    tags = numpy.asarray(tags)
    ents: List[Tuple[int, int, int]] = []
    start = label = -1  # the open entity, if start >= 0
    last = -2
    for i in numpy.flatnonzero(tags).tolist():
        k, j = divmod(int(tags[i]) - 1, 4)
        if start >= 0 and (i != last + 1 or k != label or j in (0, 3)):
            ents.append((start, last + 1, label))  # a gap, another label, or a new start closes it
            start = -1
        if j == 3:  # U
            ents.append((i, i + 1, k))
        elif start >= 0:  # I or L continuing the open entity
            if j == 2:
                ents.append((start, i + 1, k))
                start = -1
        elif j == 2:  # L with nothing open: a one-token entity
            ents.append((i, i + 1, k))
        else:  # B, or I with nothing open
            start, label = i, k
        last = i
    if start >= 0:
        ents.append((start, last + 1, label))
    return ents


@functools.lru_cache(maxsize=8)
def transition_mask(n_labels: int) -> numpy.ndarray:
    """``mask[prev, cur]``: 0 where tag ``cur`` may follow tag ``prev`` under
    BILUO, ``-inf`` where it may not (after O, L or U: O, B or U; after B-x or
    I-x: I-x or L-x)."""
    n_tags = 1 + 4 * n_labels
    mask = numpy.full((n_tags, n_tags), -numpy.inf, dtype="float32")
    opens = [1 + 4 * k + j for k in range(n_labels) for j in (0, 1)]
    closed = [0] + [1 + 4 * k + j for k in range(n_labels) for j in (2, 3)]
    starts = [0] + [1 + 4 * k + j for k in range(n_labels) for j in (0, 3)]
    for prev in closed:
        mask[prev, starts] = 0.0
    for prev in opens:
        k = (prev - 1) // 4
        mask[prev, [2 + 4 * k, 3 + 4 * k]] = 0.0
    mask.flags.writeable = False  # cached and shared
    return mask


def viterbi_tags(log_probs: numpy.ndarray, mask: numpy.ndarray) -> numpy.ndarray:
    """The best well-formed BILUO tag sequence under per-token log-probabilities.

    The search runs only inside the runs of tokens whose best tag is not ``O``
    (the tokens around them are ``O``, so every run starts and ends outside an
    entity), and only in those runs whose best tags do not already form a
    well-formed sequence; elsewhere the best tag stands. Those runs are
    searched together, one vectorised step per position, so the Python loop
    is as long as the longest of them, not the document.

    log_probs (numpy.ndarray): (n_tokens, n_tags) log-probabilities.
    mask (numpy.ndarray): ``transition_mask`` for the tag set.
    RETURNS (numpy.ndarray): one tag id per token.
    """
    tags = log_probs.argmax(axis=1)
    inside = numpy.flatnonzero(tags)
    if not len(inside):
        return tags
    breaks = numpy.flatnonzero(numpy.diff(inside) != 1) + 1
    starts = inside[numpy.r_[0, breaks]]
    lengths = inside[numpy.r_[breaks - 1, len(inside) - 1]] + 1 - starts
    # a run whose best tags already form a well-formed sequence is its own best path
    run_of = numpy.repeat(numpy.arange(len(starts)), lengths)
    may_start, may_end = numpy.isfinite(mask[0]), numpy.isfinite(mask[:, 0])
    ill = ~may_start[tags[starts]] | ~may_end[tags[starts + lengths - 1]]
    same_run = run_of[1:] == run_of[:-1]
    bad_step = same_run & ~numpy.isfinite(mask[tags[inside[:-1]], tags[inside[1:]]])
    ill[run_of[1:][bad_step]] = True
    if not ill.any():
        return tags
    starts, lengths = starts[ill], lengths[ill]
    n_runs, longest, n_tags = len(starts), int(lengths.max()), mask.shape[0]
    valid = numpy.arange(longest)[None, :] < lengths[:, None]  # (runs, positions)
    positions = numpy.where(valid, starts[:, None] + numpy.arange(longest)[None, :], 0)
    scores = log_probs[positions]  # (runs, positions, tags)
    best = numpy.where(may_start, scores[:, 0], -numpy.inf)
    back = numpy.zeros((n_runs, longest, n_tags), dtype="int64")
    for i in range(1, longest):
        total = best[:, :, None] + mask[None]  # (runs, prev, cur)
        back[:, i] = total.argmax(axis=1)
        step = numpy.take_along_axis(total, back[:, i][:, None, :], axis=1)[:, 0] + scores[:, i]
        best = numpy.where(valid[:, i, None], step, best)  # finished runs keep their score
    current = numpy.where(may_end, best, -numpy.inf).argmax(axis=1)
    path = numpy.zeros((n_runs, longest), dtype="int64")
    rows = numpy.arange(n_runs)
    for i in range(longest - 1, -1, -1):
        path[:, i] = current
        current = numpy.where(valid[:, i], back[rows, i, current], current)
    tags[positions[valid]] = path[valid]
    return tags
