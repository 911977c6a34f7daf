"""Rule-layer features for the trained model's token embeddings.

``fupin.RuleFeatureEmbed.v1`` wraps spaCy's MultiHashEmbed and concatenates,
for every token, an embedding of its BILUO tag under the rule layer's spans
(``doc.spans["rules"]``, written by the ``fupin_rules`` component placed
before tok2vec). The model thus sees what the rules know (numbers, units,
counted nouns, gazetteer regions, program lexicon) and learns from context
when to trust it.
"""
from __future__ import annotations

from typing import List, Tuple

import numpy

from spacy.ml.models import MultiHashEmbed
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Embed, Maxout, Model, chain, concatenate, with_array
from thinc.types import Floats2d, Ints2d

from .schema import LABELS

# 0 = outside; then B, I, L, U for each label
N_RULE_TAGS = 1 + 4 * len(LABELS)
_LABEL_INDEX = {label: i for i, label in enumerate(LABELS)}


def rule_tag_ids(doc: Doc, spans_key: str) -> List[int]:
    """One integer per token: the BILUO tag of the rule span covering it."""
    ids = [0] * len(doc)
    for span in doc.spans.get(spans_key, []):
        base = 1 + 4 * _LABEL_INDEX.get(span.label_, 0)
        if len(span) == 1:
            ids[span.start] = base + 3
            continue
        ids[span.start] = base
        for i in range(span.start + 1, span.end - 1):
            ids[i] = base + 1
        ids[span.end - 1] = base + 2
    return ids


def extract_rule_tags(spans_key: str) -> Model[List[Doc], List[Ints2d]]:
    def forward(model: Model, docs: List[Doc], is_train: bool) -> Tuple[List[Ints2d], object]:
        out = [model.ops.asarray2i(numpy.asarray(rule_tag_ids(doc, spans_key), dtype="int32").reshape(-1, 1))
               for doc in docs]
        return out, lambda d_out: []

    return Model("extract_rule_tags", forward)


@registry.architectures("fupin.RuleFeatureEmbed.v1")
def rule_feature_embed(width: int, attrs: List[str], rows: List[int], include_static_vectors: bool,
                       rule_width: int, spans_key: str) -> Model[List[Doc], List[Floats2d]]:
    """MultiHashEmbed plus an embedding of the rule layer's tags, mixed by a Maxout.

    width (int): output width. attrs, rows, include_static_vectors: as MultiHashEmbed.
    rule_width (int): width of the rule-tag embedding.
    spans_key (str): the doc.spans key the rule component writes.
    """
    hash_embed = MultiHashEmbed(width=width, attrs=attrs, rows=rows, include_static_vectors=include_static_vectors)
    rules = chain(extract_rule_tags(spans_key), with_array(Embed(nO=rule_width, nV=N_RULE_TAGS, column=0)))
    mix = with_array(Maxout(nO=width, nI=width + rule_width, nP=3, dropout=0.0, normalize=True))
    return chain(concatenate(hash_embed, rules), mix)
