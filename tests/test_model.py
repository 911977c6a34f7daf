"""Train the CNN pipelines of configs/cnn*.cfg briefly on tiny data."""
import random
from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin
from spacy.util import load_config, load_model_from_config

from fupin.docio import record_to_doc

from tiny_data import tiny_records, train_tiny

ROOT = Path(__file__).resolve().parents[1]


CONFIGS = {"cnn.cfg": "ner", "cnn-transition.cfg": "ner", "cnn-spancat.cfg": "spancat"}


def small_nlp(name="cnn.cfg"):
    config = load_config(ROOT / "configs" / name)
    config["components"]["tok2vec"]["model"]["encode"]["width"] = 64
    config["components"]["tok2vec"]["model"]["encode"]["depth"] = 2
    config["components"]["tok2vec"]["model"]["encode"]["window_size"] = 2
    config["components"]["tok2vec"]["model"]["embed"]["rows"] = [500, 50]
    return load_model_from_config(config, auto_fill=True, validate=True), list(config["training"]["annotating_components"])


@pytest.fixture(scope="module", params=sorted(CONFIGS))
def trained(request):
    random.seed(0)
    spacy.util.fix_random_seed(0)
    nlp, annotates = small_nlp(request.param)
    history = train_tiny(nlp, steps=100, learn_rate=0.005, annotates=annotates)
    return nlp, history, CONFIGS[request.param]


def test_loss_falls(trained):
    _, history, entity_component = trained
    for name in (entity_component, "fupin_relation_extractor"):
        first = sum(h[name] for h in history[:5])
        last = sum(h[name] for h in history[-5:])
        assert last < 0.5 * first, (name, first, last)


def test_overfit_reproduces_spans_and_relations(trained, tmp_path):
    nlp, _, _ = trained
    nlp.to_disk(tmp_path / "m")
    loaded = spacy.load(tmp_path / "m")  # save/load round trip through entry points
    for record in tiny_records():
        doc = loaded.make_doc(record["text"])
        doc._.article_date = record["meta"]["date"]
        doc = loaded(doc)
        gold = {(s["start"], s["end"], s["label"]) for s in record["spans"]}
        assert {(e.start_char, e.end_char, e.label_) for e in doc.ents} == gold
        gold_rels = {(record["spans"][r["head"]]["start"], record["spans"][r["child"]]["start"], r["label"])
                     for r in record["relations"]}
        assert {(h, c, l) for h, c, l, _ in doc._.relations} == gold_rels
        values = {e.text: e._.value for e in doc.ents if e._.value is not None}
        assert values.get("2.6万余贫困人口", 26000) == 26000


def test_doc_attributes_survive_docbin():
    blank = spacy.blank("zh")
    docs = [record_to_doc(blank, r) for r in tiny_records()]
    docs[0].ents[2]._.value = 70
    data = DocBin(docs=docs, store_user_data=True).to_bytes()
    back = list(DocBin().from_bytes(data).get_docs(blank.vocab))
    assert back[0].ents[2]._.value == 70
    assert [tuple(r) for r in back[0]._.relations] == [tuple(r) for r in docs[0]._.relations]
    assert back[2]._.article_date == "2017-03-01"


def test_rule_backoff_fills_gaps_only():
    nlp = spacy.blank("zh")
    nlp.add_pipe("fupin_rules", config={"spans_key": "rules"})
    nlp.add_pipe("fupin_rule_backoff", config={"labels": ["MONEY", "PERCENT"]})
    doc = nlp.make_doc("全县投入资金30亿元,贫困发生率降至2.52%。")
    doc.ents = [doc.char_span(0, 2, label="REGION"), doc.char_span(17, 22, label="QUANTITY")]
    for name, proc in nlp.pipeline:
        doc = proc(doc)
    ents = {(e.text, e.label_) for e in doc.ents}
    assert ("30亿元", "MONEY") in ents  # filled from the rules
    assert ("全县", "REGION") in ents  # the model's own spans stay
    assert not any(e.text == "2.52%" and e.label_ == "PERCENT" for e in doc.ents)  # overlaps a model span
