"""Label Studio conversion, rounds, agreement and retraining helpers (no server needed)."""
import json
from pathlib import Path

from fupin.agreement import agreement, format_agreement
from fupin.labelstudio import (annotation_to_record, label_config_xml, parse_label_config, record_to_task,
                               tag_with_scores, task_score, validate_results)
from fupin.retrain import curve_subset, merge_rounds, split
from fupin.rounds import DISPOSITIONS, write_round
from fupin.schema import LABEL_COLORS, LABEL_HOTKEYS, LABELS, RELATION_LABELS

ROOT = Path(__file__).resolve().parents[1]
TEXT = "𠀀𡈽到2018年底，全市要实现2.6万余贫困人口脱贫，70个贫困村全部摘帽。"


def test_label_config_agrees_with_schema():
    config = parse_label_config(label_config_xml())
    assert list(config.labels) == list(LABELS)
    for label in LABELS:
        assert config.labels[label] == {"background": LABEL_COLORS[label], "hotkey": LABEL_HOTKEYS[label]}
    assert config.relations == RELATION_LABELS
    assert len(set(LABEL_HOTKEYS.values())) == len(LABELS)
    assert (config.from_name, config.to_name, config.text_value) == ("label", "text", "text")


def test_committed_label_config_is_generated():
    committed = (ROOT / "annotations" / "label_config.xml").read_text(encoding="utf-8")
    assert committed == label_config_xml(), "run `fupin ls config` after changing fupin.schema"


def _tagged(rules_nlp, text=TEXT, doc_id="d1"):
    return next(tag_with_scores(rules_nlp, [{"id": doc_id, "text": text, "meta": {"date": "2017-03-01"}}]))


def test_record_task_record_round_trip_outside_the_bmp(rules_nlp):
    record = _tagged(rules_nlp)
    task = record_to_task(record, "rules")
    pred = task["predictions"][0]
    assert pred["model_version"] == "rules" and pred["score"] == task_score(record)
    assert all("score" in r for r in pred["result"] if r["type"] == "labels")
    assert validate_results(pred["result"], TEXT, parse_label_config(label_config_xml())) == []
    back = annotation_to_record(task["data"], pred["result"])
    assert back.problems == []
    strip = lambda spans: [{k: v for k, v in s.items() if k != "score"} for s in spans]  # noqa: E731
    assert strip(back.record["spans"]) == strip(record["spans"])
    assert strip(back.record["relations"]) == strip(record["relations"])


def test_validation_catches_what_label_studio_would_misshow(rules_nlp):
    record = _tagged(rules_nlp)
    result = record_to_task(record, "m")["predictions"][0]["result"]
    result[0]["value"]["labels"] = ["VILLAGES"]
    result[1]["value"]["start"] += 1
    result.append({"from_id": "s0", "to_id": "nowhere", "type": "relation", "labels": ["AS_OF"]})
    problems = validate_results(result, TEXT, parse_label_config(label_config_xml()))
    assert any("VILLAGES" in p for p in problems)
    assert any("text" in p and "s1" in p for p in problems)
    assert any("missing region" in p for p in problems)


def test_utf16_offsets_are_converted_and_misaligned_spans_reported():
    data = {"text": TEXT, "doc_id": "x"}
    start = TEXT.index("全市")
    utf16 = [{"id": "a", "from_name": "label", "to_name": "text", "type": "labels",
              "value": {"start": start + 2, "end": start + 4, "text": "全市", "labels": ["REGION"]}}]
    out = annotation_to_record(data, utf16)
    assert out.problems == [] and out.record["spans"][0]["start"] == start and out.notes
    utf16[0]["value"]["text"] = "全县"
    out = annotation_to_record(data, utf16)
    assert out.problems and "misaligned" in out.problems[0]


def _ann(aid, result, by=1, cancelled=False, updated="2026-01-01T00:00:00Z", gt=False):
    return {"id": aid, "result": result, "completed_by": by, "was_cancelled": cancelled, "updated_at": updated,
            "ground_truth": gt, "completed_by_email": f"user{by}@example.com"}


def test_round_accounts_for_every_task(rules_nlp, tmp_path):
    record = _tagged(rules_nlp)
    task = record_to_task(record, "m")
    result = task["predictions"][0]["result"]
    no_region = [r for r in result if r.get("id") != "s1"]
    export = [
        {"id": 1, "data": task["data"], "annotations": [_ann(11, result)]},
        {"id": 2, "data": {**task["data"], "doc_id": "d2"}, "annotations": [], "drafts": [{"result": result}]},
        {"id": 3, "data": {**task["data"], "doc_id": "d3"}, "annotations": [_ann(31, [], cancelled=True)]},
        {"id": 4, "data": {**task["data"], "doc_id": "d4"},
         "annotations": [_ann(41, result, 1, gt=True), _ann(42, result[:1], 2, updated="2026-02-01T00:00:00Z")]},
        {"id": 5, "data": {**task["data"], "doc_id": "d5"}, "annotations": [_ann(51, no_region)]},
        {"id": 6, "data": {**task["data"], "doc_id": "d6"}, "annotations": []},
    ]
    summary = write_round(export, tmp_path, project={"title": "t", "id": 1, "url": "http://127.0.0.1"})
    assert summary.path == tmp_path / "round-0"
    assert summary.counts == {"annotated": 1, "multiply annotated": 1, "cancelled": 1, "skipped": 2, "unusable": 1}
    assert sum(summary.counts.values()) == len(export) and set(summary.counts) == set(DISPOSITIONS)
    outcome = {o.task_id: o for o in summary.outcomes}
    assert "draft" in outcome[2].reason
    assert outcome[4].winner == 41 and "ground truth" in outcome[4].reason
    assert "'s1'" in outcome[5].reason and "deleted" in outcome[5].reason
    docs = [json.loads(x) for x in (summary.path / "docs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [d["id"] for d in docs] == ["d1", "d4"]
    readme = (summary.path / "README.md").read_text(encoding="utf-8")
    assert "| **total** | **6** |" in readme and "## unusable (1)" in readme
    # the next pull goes to round-1
    assert write_round(export[:1], tmp_path, project={"title": "t"}).number == 1


def test_agreement_per_label_and_disagreements(rules_nlp):
    record = _tagged(rules_nlp)
    task = record_to_task(record, "m")
    result = task["predictions"][0]["result"]
    relabelled = json.loads(json.dumps(result))
    relabelled[3]["value"]["labels"] = ["QUANTITY"]  # 70个贫困村
    export = [{"id": 1, "data": task["data"], "annotations": [_ann(1, result, 1), _ann(2, relabelled, 2)]}]
    agr = agreement(export)
    assert agr.tasks == 1 and agr.pairs == 1
    assert agr.spans_by["REGION"].f == 1.0 and agr.spans_by["VILLAGE_COUNT"].f == 0.0
    assert agr.spans.tp == 3 and agr.spans.fn == 1 and agr.spans.fp == 1
    kinds = {(d["kind"], d["label"]) for d in agr.disagreements}
    assert ("span", "VILLAGE_COUNT") in kinds and ("span", "QUANTITY") in kinds
    assert any("labelled it QUANTITY" in d["other"] for d in agr.disagreements)
    assert "disagreements to review" in format_agreement(agr)


def test_merge_rounds_later_round_wins_and_curve_is_nested(tmp_path):
    for n, texts in ((0, {"a": "一", "b": "二"}), (1, {"b": "三", "c": "四"})):
        d = tmp_path / f"round-{n}"
        d.mkdir()
        with open(d / "docs.jsonl", "w", encoding="utf-8") as f:
            for i, t in texts.items():
                f.write(json.dumps({"id": i, "text": t, "meta": {}, "spans": [], "relations": []},
                                   ensure_ascii=False) + "\n")
    records, source = merge_rounds(tmp_path)
    assert {r["id"]: r["text"] for r in records} == {"a": "一", "b": "三", "c": "四"}
    assert source == {"a": 0, "b": 1, "c": 1}
    many = [{"id": f"doc-{i}"} for i in range(40)]
    train, dev = split(many, 0.25)
    assert len(train) + len(dev) == 40 and dev
    quarter, half = curve_subset(train, 0.25), curve_subset(train, 0.5)
    assert set(r["id"] for r in quarter) <= set(r["id"] for r in half)
    assert len(curve_subset(train, 1.0)) == len(train)


def test_shipped_model_scores_its_spans():
    """The default model's pre-annotations carry the tagger's confidences (not the rules' 1.0)."""
    from fupin.tagger import load_pipeline

    nlp = load_pipeline(None)
    record = next(tag_with_scores(nlp, [{"id": "m1", "text": TEXT, "meta": {"date": "2017-03-01"}}]))
    scores = [s["score"] for s in record["spans"]]
    assert scores and all(0.0 < s <= 1.0 for s in scores)
    assert any(s < 1.0 for s in scores)
    assert {s["text"] for s in record["spans"]} >= {"2.6万余贫困人口", "70个贫困村"}
