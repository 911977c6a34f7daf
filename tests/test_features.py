"""The rule-layer features: BILUO tags of the rule spans, one per token."""
import spacy

from fupin.features import rule_tag_ids


def test_rule_tags_are_biluo_per_span():
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    doc = nlp.make_doc("全县减贫1万人。")
    doc.spans["rules"] = [doc.char_span(0, 2, label="REGION"), doc.char_span(4, 7, label="POPULATION"),
                          doc.char_span(7, 8, label="QUANTITY")]
    ids = rule_tag_ids(doc, "rules")
    assert ids[2] == ids[3] == 0  # outside any rule span
    assert ids[0] != ids[1] and 0 not in ids[:2]  # B and L of REGION
    assert len({ids[4], ids[5], ids[6]}) == 3 and ids[4] != ids[0]  # B, I, L of another label
    assert ids[7] not in (0, ids[4], ids[5], ids[6])  # U
