from fupin.evaluate import evaluate
from fupin.schema import validate_record

GOLD = {
    "id": "d", "text": "到2018年底全市70个贫困村全部摘帽。", "meta": {"date": "2016-02-26"},
    "spans": [
        {"start": 0, "end": 7, "label": "DEADLINE", "text": "到2018年底", "date": "2018-12-31"},
        {"start": 7, "end": 9, "label": "REGION", "text": "全市"},
        {"start": 9, "end": 15, "label": "VILLAGE_COUNT", "text": "70个贫困村", "value": 70, "unit": "村", "qualifier": "="},
    ],
    "relations": [{"head": 2, "child": 0, "label": "HAS_DEADLINE"}, {"head": 2, "child": 1, "label": "IN_REGION"}],
}


def test_gold_is_valid_and_scores_perfectly():
    assert validate_record(GOLD) == []
    scores = evaluate([GOLD], [GOLD])
    for key in ("spans_strict", "spans_overlap", "relations", "facts"):
        assert scores[key]["f"] == 1.0
    assert scores["value_accuracy"]["acc"] == 1.0


def test_boundary_error_counts_in_strict_not_overlap():
    pred = {**GOLD, "spans": [dict(GOLD["spans"][0], start=1, text="2018年底"), *GOLD["spans"][1:]]}
    scores = evaluate([GOLD], [pred])
    assert scores["spans_strict"]["tp"] == 2 and scores["spans_overlap"]["tp"] == 3
    assert scores["relations"]["f"] == 1.0


def test_wrong_value_and_missing_relation():
    spans = [dict(s) for s in GOLD["spans"]]
    spans[2]["value"] = 7
    pred = {**GOLD, "spans": spans, "relations": GOLD["relations"][:1]}
    scores = evaluate([GOLD], [pred])
    assert scores["value_accuracy"]["acc"] == 0.0
    assert scores["relations"]["tp"] == 1 and scores["relations"]["fn"] == 1
    assert scores["facts"]["f"] == 0.0


def test_validate_catches_problems():
    bad = {**GOLD, "spans": [dict(GOLD["spans"][0], text="wrong"), GOLD["spans"][1],
                             dict(GOLD["spans"][2], unit="个")],
           "relations": [{"head": 0, "child": 1, "label": "IN_REGION"}]}
    problems = validate_record(bad)
    assert any("text" in p for p in problems)
    assert any("unit" in p for p in problems)
    assert any("not a quantity" in p for p in problems)
