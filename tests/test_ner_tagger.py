"""The BILUO-tagging entity recogniser (fupin_ner_tagger): decoding, training, save/load."""
import itertools

import numpy
import pytest
import spacy

from fupin.ner_tagger import decode_tags, transition_mask, viterbi_tags

from tiny_data import tiny_records, train_tiny


def tag(prefix: str, label: int) -> int:
    return 1 + 4 * label + "BILU".index(prefix)


@pytest.mark.parametrize("tags,expected", [
    ([], []),
    ([0, 0, 0], []),
    ([tag("B", 0), tag("I", 0), tag("L", 0), 0], [(0, 3, 0)]),
    ([tag("U", 1), tag("U", 1)], [(0, 1, 1), (1, 2, 1)]),
    # ill-formed sequences keep every entity; boundaries follow the tags
    ([tag("B", 0), tag("I", 0), 0, tag("L", 0)], [(0, 2, 0), (3, 4, 0)]),  # O closes; a stray L stands alone
    ([tag("I", 2), tag("L", 2)], [(0, 2, 2)]),  # I with nothing open starts an entity
    ([tag("B", 0), tag("I", 1), tag("L", 1)], [(0, 1, 0), (1, 3, 1)]),  # another label closes the open one
    ([tag("B", 0), tag("B", 0), tag("L", 0)], [(0, 1, 0), (1, 3, 0)]),  # a new B closes the open one
    ([0, tag("B", 3), tag("I", 3)], [(1, 3, 3)]),  # still open at the end of the doc
])
def test_decode_tags(tags, expected):
    assert decode_tags(numpy.asarray(tags, dtype="i")) == expected


@pytest.fixture(scope="module")
def trained_tagger():
    spacy.util.fix_random_seed(0)
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    nlp.add_pipe("fupin_ner_tagger", name="ner")
    losses = [step["ner"] for step in train_tiny(nlp, steps=60, learn_rate=0.01)]
    return nlp, losses


def test_tagger_learns_tiny_data(trained_tagger, tmp_path):
    nlp, losses = trained_tagger
    assert losses[-1] < 0.1 * losses[0]
    nlp.to_disk(tmp_path / "m")
    loaded = spacy.load(tmp_path / "m")
    assert loaded.get_pipe("ner").labels == nlp.get_pipe("ner").labels
    for record in tiny_records():
        doc = loaded(record["text"])
        gold = {(s["start"], s["end"], s["label"]) for s in record["spans"]}
        assert {(e.start_char, e.end_char, e.label_) for e in doc.ents} == gold


def test_span_scores_are_probabilities_of_the_predicted_spans(trained_tagger):
    nlp, _ = trained_tagger
    doc = nlp(tiny_records()[0]["text"])
    scores = nlp.get_pipe("ner").span_scores([nlp.make_doc(doc.text)])[0]
    assert set(scores) == {(e.start, e.end, e.label_) for e in doc.ents}
    assert all(0.0 < s <= 1.0 for s in scores.values())
    assert min(scores.values()) > 0.5  # overfit: sure of what it learned


def test_adding_a_label_after_initialize_is_refused(trained_tagger):
    nlp, _ = trained_tagger
    with pytest.raises(ValueError, match="already sized"):
        nlp.get_pipe("ner").add_label("NEW_LABEL")


def test_viterbi_mends_a_label_flip_inside_an_entity():
    n_tags = 1 + 4 * 2
    probs = numpy.full((5, n_tags), 0.01)
    probs[0, 0] = probs[4, 0] = 0.9  # O around the entity
    probs[1, tag("B", 0)] = 0.8
    probs[2, tag("I", 1)], probs[2, tag("I", 0)] = 0.5, 0.4  # a token-level flip to label 1
    probs[3, tag("L", 0)] = 0.8
    log_probs = numpy.log(probs / probs.sum(axis=1, keepdims=True))
    assert decode_tags(log_probs.argmax(axis=1)) == [(1, 2, 0), (2, 3, 1), (3, 4, 0)]
    tags = viterbi_tags(log_probs, transition_mask(2))
    assert decode_tags(tags) == [(1, 4, 0)]
    assert tags[0] == tags[4] == 0


def test_viterbi_closes_an_entity_left_open():
    probs = numpy.full((3, 5), 0.01)
    probs[0, tag("B", 0)] = 0.9
    probs[1, tag("I", 0)], probs[1, tag("L", 0)] = 0.6, 0.3  # argmax leaves it open at the end
    probs[2, 0] = 0.9
    tags = viterbi_tags(numpy.log(probs), transition_mask(1))
    assert list(tags) == [tag("B", 0), tag("L", 0), 0]


def test_viterbi_finds_the_best_well_formed_sequence():
    """Against brute force over every tag sequence, where no token's best tag is O
    (so the whole doc is one searched run)."""
    mask = transition_mask(2)
    rng = numpy.random.default_rng(0)
    for _ in range(30):
        probs = rng.random((4, 9)) + 0.01
        probs[:, 0] = 0.001
        log_probs = numpy.log(probs / probs.sum(axis=1, keepdims=True))
        best, best_score = None, -numpy.inf
        for seq in itertools.product(range(9), repeat=4):
            score = mask[0, seq[0]] + mask[seq[-1], 0] + sum(mask[a, b] for a, b in zip(seq, seq[1:]))
            score += sum(log_probs[i, t] for i, t in enumerate(seq))
            if score > best_score:
                best, best_score = seq, score
        assert tuple(viterbi_tags(log_probs, mask)) == best
