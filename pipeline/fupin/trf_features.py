"""Rule-layer features on top of a transformer listener.

``fupin.TrfRuleFeatures.v1`` is the transformer counterpart of
``fupin.RuleFeatureEmbed.v1`` (``features.py``): it concatenates, for every
token, the vectors of a wrapped tok2vec layer (in ``configs/trf.cfg`` a
``spacy-transformers.TransformerListener.v1``) with an embedding of the token's
BILUO tag under the rule layer's spans (``doc.spans["rules"]``): the output
width is the transformer's plus ``rule_width``, and the components' own
hidden layers (the parser's, the relation classifier's) mix the two.

The wrapped listener stays a node of the model, so the transformer component
finds it (``Transformer.find_listeners`` walks the model) and backpropagates
through it. Nothing here imports torch or spacy-transformers.
"""
from __future__ import annotations

from typing import Callable, List, Optional, Tuple

from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Embed, Model, chain, with_array
from thinc.types import Floats2d

from .features import N_RULE_TAGS, extract_rule_tags


@registry.architectures("fupin.TrfRuleFeatures.v1")
def trf_rule_features(tok2vec: Model[List[Doc], List[Floats2d]], rule_width: int = 32,
                      spans_key: str = "rules") -> Model[List[Doc], List[Floats2d]]:
    """Token vectors of ``tok2vec`` concatenated with a rule-tag embedding.

    tok2vec (Model[List[Doc], List[Floats2d]]): the token vectors, e.g. a transformer listener.
    rule_width (int): width of the rule-tag embedding.
    spans_key (str): the doc.spans key the ``fupin_rules`` component writes.
    RETURNS (Model[List[Doc], List[Floats2d]]): one (n_tokens, tok2vec width + rule_width)
        array per doc.
    """
    embed = Embed(nO=rule_width, nV=N_RULE_TAGS, column=0)
    # allocated now: the relation model's pair-feature layer does not initialise its tok2vec
    embed.initialize()
    rules = chain(extract_rule_tags(spans_key), with_array(embed))
    model: Model = Model("trf_rule_features", _concat_forward, init=_concat_init, layers=[tok2vec, rules],
                         dims={"nO": None}, attrs={"rule_width": rule_width})
    if tok2vec.has_dim("nO"):
        model.set_dim("nO", tok2vec.get_dim("nO") + rule_width)
    model.set_ref("tok2vec", tok2vec)
    return model


def _concat_init(model: Model, X: Optional[List[Doc]] = None, Y=None) -> None:
    for layer in model.layers:
        layer.initialize(X=X)
    tok2vec = model.layers[0]
    if tok2vec.has_dim("nO"):
        model.set_dim("nO", tok2vec.get_dim("nO") + model.attrs["rule_width"], force=True)


def _concat_forward(model: Model, docs: List[Doc], is_train: bool) -> Tuple[List[Floats2d], Callable]:
    """Per doc, hstack the token vectors and the rule-tag vectors.

    Unlike thinc's ``concatenate`` the backward pass does not add up the branches'
    return values (gradients with respect to Docs mean nothing, and the transformer
    listener hands back None or the docs): it feeds each branch its slice of the
    gradient and returns what the token-vector branch returns.
    """
    tok2vec, rules = model.layers
    vecs, bp_vecs = tok2vec(docs, is_train)
    tags, bp_tags = rules(docs, is_train)
    xp = model.ops.xp
    out = [xp.hstack((v, model.ops.asarray2f(t, dtype=v.dtype))) for v, t in zip(vecs, tags)]
    widths = [v.shape[1] for v in vecs]

    def backprop(d_out: List[Floats2d]):
        bp_tags([model.ops.as_contig(d[:, w:]) for d, w in zip(d_out, widths)])
        return bp_vecs([model.ops.as_contig(d[:, :w]) for d, w in zip(d_out, widths)])

    return out, backprop
