"""The relation model's candidate pairs and pooled features."""
import numpy
import spacy
from thinc.api import NumpyOps

from fupin.linker import link_nearest
from fupin.relation_model import N_DIST, N_EXTRA, N_PAIR, _pool_ranges, get_candidates


def test_pooled_means_and_their_gradient_match_a_plain_loop():
    ops = NumpyOps()
    rng = numpy.random.default_rng(0)
    vecs = rng.normal(size=(12, 5)).astype("float32")
    starts = numpy.asarray([0, 3, 5, 7, 11])
    ends = numpy.asarray([2, 9, 5, 6, 12])  # an empty range and a reversed one pool to zeros
    out, backprop = _pool_ranges(ops, vecs, starts, ends)
    d_out = rng.normal(size=out.shape).astype("float32")
    expected = numpy.zeros_like(out)
    d_expected = numpy.zeros_like(vecs)
    for i, (s, e) in enumerate(zip(starts, ends)):
        if e > s:
            expected[i] = vecs[s:e].mean(axis=0)
            d_expected[s:e] += d_out[i] / (e - s)
    numpy.testing.assert_allclose(out, expected, atol=1e-5)
    numpy.testing.assert_allclose(backprop(d_out), d_expected, atol=1e-5)


def test_candidates_pair_quantities_with_context_in_the_same_sentence_only():
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    text = "全县2018年脱贫1000人,全市2019年脱贫900人。全省投入资金30亿元。"
    doc = nlp.make_doc(text)

    def span(surface, label, nth=0):
        start = -1
        for _ in range(nth + 1):
            start = text.index(surface, start + 1)
        return doc.char_span(start, start + len(surface), label=label)

    ents = [span("全县", "REGION"), span("2018年", "DATE"), span("1000人", "POPULATION"),
            span("全市", "REGION"), span("2019年", "DATE"), span("900人", "POPULATION"),
            span("全省", "REGION"), span("30亿元", "MONEY")]
    doc.ents = ents
    cands = get_candidates(doc)
    pairs = [(h.text, c.text) for h, c in zip(cands.heads, cands.children)]
    starts = [(h.start, c.start) for h, c in zip(cands.heads, cands.children)]
    assert starts == sorted(starts)  # the extractor breaks score ties by this order
    assert ("1000人", "全县") in pairs and ("900人", "2018年") in pairs
    assert ("30亿元", "全省") in pairs
    assert not any(h == "30亿元" and c in ("全县", "全市", "2018年", "2019年") for h, c in pairs)
    assert not any(h in ("1000人", "900人") and c == "全省" for h, c in pairs)
    assert len(cands) == cands.extra.shape[0] == 4 + 4 + 1
    # 900人 <- 2018年: one other time span (2019年) stands between them
    i = pairs.index(("900人", "2018年"))
    assert cands.extra[i, N_PAIR + N_DIST + 1] == 1 and cands.extra[i, -1] == 1
    # 900人 <- 2019年: adjacent, nothing between
    j = pairs.index(("900人", "2019年"))
    assert cands.extra[j, N_PAIR + N_DIST + 0] == 1
    assert (cands.extra.sum(axis=1) == 3 + cands.extra[:, -1]).all()  # pair, distance, between (+ order)
    # v2's extra column marks exactly the pairs the rule linker links
    linked = get_candidates(doc, rule_links=True)
    assert linked.extra.shape == (len(cands), N_EXTRA + 1)
    numpy.testing.assert_array_equal(linked.extra[:, :N_EXTRA], cands.extra)
    rule_pairs = {(h, c) for h, c, _label, _score in link_nearest(doc, ents)}
    marked = {(h.start_char, c.start_char) for h, c, flag in zip(linked.heads, linked.children, linked.extra[:, -1]) if flag}
    assert marked == rule_pairs
    assert linked.extra[pairs.index(("1000人", "全县")), -1] == 1
    assert linked.extra[pairs.index(("900人", "2018年")), -1] == 0  # 2019年 is nearer


def test_from_side_amounts_take_the_from_time():
    from fupin.linker import from_times

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    text = "贫困人口从2013年底的625万人减少到2018年底的71万人,贫困发生率从9.6%降到1.1%。记者从1月14日召开的会议获悉,贫困发生率从38%下降到29%。"
    doc = nlp.make_doc(text)
    labels = {"2013年底": "DATE", "625万人": "POPULATION", "2018年底": "DATE", "71万人": "POPULATION",
              "9.6%": "PERCENT", "1.1%": "PERCENT", "1月14日": "DATE", "38%": "PERCENT", "29%": "PERCENT"}
    doc.ents = [doc.char_span(text.index(t), text.index(t) + len(t), label=label) for t, label in labels.items()]
    start = {t: text.index(t) for t in labels}
    assert from_times(doc, doc.ents).links == [(start["9.6%"], start["2013年底"], "AS_OF", 1.0)]
    # 记者从1月14日召开的会议: a from-time is followed by 的 and an amount, not a verb
    times = {(h, c) for h, c, label, _ in link_nearest(doc, doc.ents) if label == "AS_OF"}
    assert (start["9.6%"], start["2013年底"]) in times and (start["9.6%"], start["2018年底"]) not in times
    assert (start["1.1%"], start["2018年底"]) in times and (start["38%"], start["1月14日"]) in times


def test_extractor_replaces_the_time_of_from_side_amounts():
    from fupin.relation_extractor import _with_time_rules

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    text = "全省贫困人口从2013年底的625万人减少到2018年底的71万人,贫困发生率从9.6%降到1.1%。"
    doc = nlp.make_doc(text)
    labels = {"全省": "REGION", "2013年底": "DATE", "625万人": "POPULATION", "2018年底": "DATE",
              "71万人": "POPULATION", "9.6%": "PERCENT", "1.1%": "PERCENT"}
    doc.ents = [doc.char_span(text.index(t), text.index(t) + len(t), label=label) for t, label in labels.items()]
    at = {t: text.index(t) for t in labels}
    model_choice = [(at["9.6%"], at["全省"], "IN_REGION", 0.9), (at["9.6%"], at["2018年底"], "AS_OF", 0.8),
                    (at["1.1%"], at["2018年底"], "AS_OF", 0.9)]
    assert _with_time_rules(doc, model_choice) == [
        (at["9.6%"], at["全省"], "IN_REGION", 0.9), (at["9.6%"], at["2013年底"], "AS_OF", 1.0),
        (at["1.1%"], at["2018年底"], "AS_OF", 0.9)]


def test_no_time_link_across_a_vague_now():
    from fupin.relation_extractor import _with_time_rules

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    text = "河南2013年贫困发生率是8.79%,如今53个贫困县清零。"
    doc = nlp.make_doc(text)
    labels = {"河南": "REGION", "2013年": "DATE", "8.79%": "PERCENT", "53个贫困县": "COUNTY_COUNT"}
    doc.ents = [doc.char_span(text.index(t), text.index(t) + len(t), label=label) for t, label in labels.items()]
    at = {t: text.index(t) for t in labels}
    linked = {(h, c) for h, c, label, _ in link_nearest(doc, doc.ents) if label == "AS_OF"}
    assert linked == {(at["8.79%"], at["2013年"])}
    model_choice = [(at["8.79%"], at["2013年"], "AS_OF", 0.9), (at["53个贫困县"], at["河南"], "IN_REGION", 0.9),
                    (at["53个贫困县"], at["2013年"], "AS_OF", 0.7)]
    assert _with_time_rules(doc, model_choice) == model_choice[:2]


def test_the_base_of_a_comparison_is_no_amounts_time():
    from fupin.relation_extractor import _with_time_rules

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    text = "2017年末,全国贫困人口比上年末减少1289万人,贫困发生率3.1%。"
    doc = nlp.make_doc(text)
    labels = {"2017年末": "DATE", "全国": "REGION", "上年末": "DATE", "1289万人": "POPULATION", "3.1%": "PERCENT"}
    doc.ents = [doc.char_span(text.index(t), text.index(t) + len(t), label=label) for t, label in labels.items()]
    at = {t: text.index(t) for t in labels}
    linked = {(h, c) for h, c, label, _ in link_nearest(doc, doc.ents) if label == "AS_OF"}
    assert linked == {(at["1289万人"], at["2017年末"]), (at["3.1%"], at["2017年末"])}
    # the model's link to 上年末 moves to the time the rule linker gives the amount
    model_choice = [(at["1289万人"], at["上年末"], "AS_OF", 0.8), (at["1289万人"], at["全国"], "IN_REGION", 0.9)]
    assert _with_time_rules(doc, model_choice) == [
        (at["1289万人"], at["2017年末"], "AS_OF", 1.0), (at["1289万人"], at["全国"], "IN_REGION", 0.9)]


def test_a_from_time_governs_its_own_amounts_only():
    from fupin.linker import from_times

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    text = "2017年底,全省贫困人口由2011年底的775万人减少到了183.27万人,贫困发生率由28%下降到7.54%。"
    doc = nlp.make_doc(text)
    labels = {"2017年底": "DATE", "2011年底": "DATE", "775万人": "POPULATION", "183.27万人": "POPULATION",
              "28%": "PERCENT", "7.54%": "PERCENT"}
    doc.ents = [doc.char_span(text.index(t), text.index(t) + len(t), label=label) for t, label in labels.items()]
    at = {t: text.index(t) for t in labels}
    assert from_times(doc, doc.ents).owners == {at["2011年底"]: {at["775万人"], at["28%"]}}
    times = {h: c for h, c, label, _ in link_nearest(doc, doc.ents) if label == "AS_OF"}
    assert times == {at["775万人"]: at["2011年底"], at["183.27万人"]: at["2017年底"],
                     at["28%"]: at["2011年底"], at["7.54%"]: at["2017年底"]}
