"""The rule back-off: gap filling, and extending cut-short entities to the rule span."""
import spacy

from fupin.span_merger import RuleBackoff


def _doc(text, ents, rules):
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    doc = nlp.make_doc(text)

    def span(surface, label):
        start = text.index(surface)
        return doc.char_span(start, start + len(surface), label=label)

    doc.ents = [span(s, label) for s, label in ents]
    doc.spans["rules"] = [span(s, label) for s, label in rules]
    return nlp, doc


def _ents(doc):
    return [(e.text, e.label_) for e in doc.ents]


def test_backoff_fills_gaps_only():
    nlp, doc = _doc("贵州省减贫120万人。", [("贵州省", "REGION")], [("贵州", "REGION"), ("120万人", "POPULATION")])
    RuleBackoff(nlp, "backoff", "rules", None)(doc)
    assert _ents(doc) == [("贵州省", "REGION"), ("120万人", "POPULATION")]


def test_extend_takes_the_rule_extent_of_a_cut_short_entity():
    text = "到2018年底贵州省减贫120万人，果洛藏族自治州减贫2万人。"
    ents = [("018年底", "DEADLINE"), ("贵州", "REGION"), ("族自治州", "REGION")]
    rules = [("到2018年底", "DEADLINE"), ("贵州省", "REGION"), ("果洛藏族自治州", "REGION")]
    nlp, doc = _doc(text, ents, rules)
    RuleBackoff(nlp, "backoff", "rules", None, extend=False)(doc)
    assert ("贵州", "REGION") in _ents(doc)  # without extend the model's cut stands
    nlp, doc = _doc(text, ents, rules)
    RuleBackoff(nlp, "backoff", "rules", None, extend=True)(doc)
    assert _ents(doc) == [("到2018年底", "DEADLINE"), ("贵州省", "REGION"), ("果洛藏族自治州", "REGION")]


def test_extend_leaves_other_labels_reaching_entities_and_collisions_alone():
    text = "全省贵州省减贫120万人"
    # different label; an entity that reaches outside the rule span; a rule span holding two entities
    nlp, doc = _doc(text, [("全省", "REGION"), ("贵州", "PROGRAM"), ("120万", "POPULATION")],
                    [("全省贵州省", "REGION"), ("120", "POPULATION")])
    before = _ents(doc)
    RuleBackoff(nlp, "backoff", "rules", None, extend=True)(doc)
    assert _ents(doc) == before


def test_extend_completes_a_cut_number():
    text = "贫困人口减少1000万以上，其中1.5万人。"
    # no rule span for the bare amount: the number alone decides
    nlp, doc = _doc(text, [("0万以上", "POPULATION"), (".5万人", "POPULATION")], [])
    RuleBackoff(nlp, "backoff", "rules", None, extend=True)(doc)
    assert _ents(doc) == [("1000万以上", "POPULATION"), ("1.5万人", "POPULATION")]


def test_drop_enumerations_removes_listed_names_before_a_count():
    text = "批准印台区、耀州区等29个县退出,北京、天津等地帮扶。"
    ents = [("印台区", "REGION"), ("耀州区", "REGION"), ("29个县", "COUNTY_COUNT"), ("北京", "REGION"), ("天津", "REGION")]
    nlp, doc = _doc(text, ents, [])
    RuleBackoff(nlp, "backoff", "rules", None)(doc)
    assert ("印台区", "REGION") in _ents(doc)  # off by default
    nlp, doc = _doc(text, ents, [])
    RuleBackoff(nlp, "backoff", "rules", None, drop_enumerations=True)(doc)
    assert _ents(doc) == [("29个县", "COUNTY_COUNT"), ("北京", "REGION"), ("天津", "REGION")]


def test_unmarked_ranges_remove_predictions_inside_them():
    text = "印发《临夏州方案》,对38个村督战;经全国扶贫开发信息系统比对,全省减贫1万人。"
    ents = [("临夏州", "REGION"), ("38个村", "VILLAGE_COUNT"), ("全国", "REGION"), ("全省", "REGION"), ("1万人", "POPULATION")]
    nlp, doc = _doc(text, ents, [])
    start = text.index("《")
    doc.spans["unmarked"] = [doc.char_span(start, text.index("》") + 1, label="TITLE"),
                             doc.char_span(text.index("全国"), text.index("全国") + 2, label="NAME")]
    RuleBackoff(nlp, "backoff", "rules", None)(doc)
    assert len(doc.ents) == 5  # off by default
    RuleBackoff(nlp, "backoff", "rules", None, unmarked_key="unmarked")(doc)
    assert _ents(doc) == [("38个村", "VILLAGE_COUNT"), ("全省", "REGION"), ("1万人", "POPULATION")]


def test_extend_joins_pieces_and_splits_joined_rule_spans():
    text = "2017-03-05 10:52:00 来源; 建房1856套169768平方米。"
    nlp, doc = _doc(text, [("2017", "DATE"), ("03-05 10:52:00", "DATE"), ("1856套169768平方米", "QUANTITY")],
                    [("2017-03-05 10:52:00", "DATE"), ("1856套", "QUANTITY"), ("169768平方米", "QUANTITY")])
    RuleBackoff(nlp, "backoff", "rules", None, extend=True)(doc)
    assert _ents(doc) == [("2017-03-05 10:52:00", "DATE"), ("1856套", "QUANTITY"), ("169768平方米", "QUANTITY")]
