"""Round trip against a real Label Studio server (fixture ``label_studio`` in conftest.py).

Push rule-layer predictions, annotate through the API as annotators would
(accept, change a label, move a boundary, delete a span a relation used, add
a relation, cancel, two annotators on one task, a label outside the schema,
overlapping spans), pull, and check the round is exactly what was done,
offsets of text with characters outside the BMP included.
"""
import copy
import json

import pytest
from typer.testing import CliRunner

from fupin.agreement import agreement
from fupin.labelstudio import label_config_xml, tag_with_scores, text_hash
from fupin.ls_client import LSClient, push

DOCS = [
    ("A", "𠀀𡈽到2018年底，全市要实现2.6万余贫困人口脱贫，70个贫困村全部摘帽。", "2017-03-01"),
    ("B", "2016年，攀枝花市投入资金15亿元，完成易地扶贫搬迁8677户。😀", "2017-01-05"),
    ("C", "今年全县要完成危房改造350户。", "2018-02-01"),
    ("D", "到2020年，全省5个贫困县全部摘帽。", "2018-02-01"),
    ("E", "攀枝花市\n贫困人口减少3.2万人。𠀀", "2017-03-01"),
    ("F", "2017年共投入5000万元用于产业扶贫。", "2017-03-01"),
    ("G", "全市贫困人口减少3.2万人，贫困发生率降至2.5%。", "2017-03-01"),
    ("H", "全县发展光伏扶贫，带动贫困户1200户增收。", "2017-03-01"),
]
PROJECT = "fupin-roundtrip"


@pytest.fixture(scope="module")
def client(label_studio):
    return LSClient(label_studio["url"], label_studio["token"])


@pytest.fixture(scope="module")
def tagged(rules_nlp):
    docs = [{"id": i, "text": t, "meta": {"date": d}} for i, t, d in DOCS]
    return list(tag_with_scores(rules_nlp, docs))


def _region(result, text):
    return next(r for r in result if r.get("type") == "labels" and r["value"]["text"] == text)


def _spans(record):
    return [(s["start"], s["end"], s["label"], s["text"]) for s in record["spans"]]


def _rels(record):
    return [(r["head"], r["child"], r["label"]) for r in record["relations"]]


@pytest.fixture(scope="module")
def pushed(client, tagged):
    first = push(client, tagged, project=PROJECT, model_version="rules-test")
    again = push(client, tagged, project=PROJECT, model_version="rules-test")
    refreshed = push(client, tagged, project=PROJECT, model_version="rules-test-2", refresh=True)
    proj = client.find_project(PROJECT)
    tasks = {t.data["doc_id"]: t for t in client.ls.tasks.list(project=proj.id, fields="all")}
    return {"first": first, "again": again, "refreshed": refreshed, "project": proj, "tasks": tasks}


def test_push_is_idempotent_and_carries_scores(client, pushed, tagged):
    assert len(pushed["first"].created) == len(DOCS)
    assert pushed["again"].created == [] and pushed["again"].unchanged == len(DOCS)
    assert sorted(pushed["refreshed"].refreshed) == sorted(pushed["first"].created)
    assert len(pushed["tasks"]) == len(DOCS)
    assert pushed["project"].label_config.strip() == label_config_xml().strip()
    export = client.export(pushed["project"].id)
    for task in export:
        assert task["data"]["text_hash"] == text_hash(task["data"]["text"])
        assert len(task["predictions"]) == 1  # refreshed, not duplicated
        pred = client.ls.predictions.get(id=task["predictions"][0]).dict()
        assert pred["model_version"] == "rules-test-2"
        assert 0.0 <= pred["score"] <= 1.0
        regions = [r for r in pred["result"] if r["type"] == "labels"]
        rels = [r for r in pred["result"] if r["type"] == "relation"]
        assert regions and all("score" in r for r in regions)
        for r in regions:  # code-point offsets, also after characters outside the BMP
            assert task["data"]["text"][r["value"]["start"]:r["value"]["end"]] == r["value"]["text"]
        record = next(t for t in tagged if t["id"] == task["data"]["doc_id"])
        assert len(rels) == len(record["relations"])


def test_push_rejects_predictions_outside_the_config(client, tagged):
    bad = copy.deepcopy(tagged[0])
    bad["id"] = "bad-label"
    bad["spans"][0]["label"] = "NOT_A_LABEL"
    summary = push(client, [bad], project=PROJECT, model_version="x")
    assert summary.created == [] and summary.invalid and "NOT_A_LABEL" in summary.invalid[0][1][0]


def test_push_orders_uncertain_first_and_limits(client, tagged):
    records = copy.deepcopy(tagged[:4])
    for n, record in enumerate(records):  # scores 0.9, 0.3, 0.6, 0.1
        for s in record["spans"]:
            s["score"] = [0.9, 0.3, 0.6, 0.1][n]
        for r in record["relations"]:
            r["score"] = [0.9, 0.3, 0.6, 0.1][n]
    summary = push(client, records, project="fupin-order", model_version="m", order="uncertain", limit=2)
    assert [doc for doc, _ in summary.order] == ["D", "B", "C", "A"]
    assert len(summary.created) == 2
    proj = client.find_project("fupin-order")
    tasks = sorted(client.ls.tasks.list(project=proj.id, fields="all"), key=lambda t: t.id)
    assert [t.data["doc_id"] for t in tasks] == ["D", "B"]
    summary = push(client, records, project="fupin-order", model_version="m", order="uncertain", limit=2)
    assert len(summary.created) == 2 and summary.unchanged == 2  # the next batch: C, A


@pytest.fixture(scope="module")
def annotated(client, pushed, label_studio):
    ls, tasks = client.ls, pushed["tasks"]
    me = ls.users.whoami().id
    other = ls.users.create(username="annotator2", email="annotator2@example.com", password="not-used-123").id

    def pred_result(doc):
        return copy.deepcopy(client.ls.tasks.get(id=tasks[doc].id).predictions[0].result)

    # A: accept the prediction, then change a label and move a boundary
    result = pred_result("A")
    ann = ls.annotations.create(id=tasks["A"].id, result=result, completed_by=me)
    _region(result, "70个贫困村")["value"]["labels"] = ["COUNTY_COUNT"]
    deadline = _region(result, "到2018年底")["value"]
    deadline.update(start=deadline["start"] + 1, text="2018年底")
    ls.annotations.update(id=ann.id, result=result)
    # B: delete the span 攀枝花市 but leave the relations that used it
    result = [r for r in pred_result("B") if not (r.get("type") == "labels" and r["value"]["text"] == "攀枝花市")]
    ls.annotations.create(id=tasks["B"].id, result=result, completed_by=me)
    # C: cancelled (Skip)
    ls.annotations.create(id=tasks["C"].id, result=[], was_cancelled=True, completed_by=me)
    # D: two annotators; the second drops the deadline relation and submits later
    ls.annotations.create(id=tasks["D"].id, result=pred_result("D"), completed_by=me)
    result = [r for r in pred_result("D") if r.get("labels") != ["HAS_DEADLINE"]]
    d2 = ls.annotations.create(id=tasks["D"].id, result=result, completed_by=other)
    # E: add a relation the model missed
    result = pred_result("E")
    result.append({"from_id": _region(result, "3.2万人")["id"], "to_id": _region(result, "攀枝花市")["id"],
                   "type": "relation", "direction": "right", "labels": ["IN_REGION"]})
    ls.annotations.create(id=tasks["E"].id, result=result, completed_by=other)
    # F: nobody touches it
    # G: an overlapping span
    result = pred_result("G")
    result.append({"id": "overlap1", "from_name": "label", "to_name": "text", "type": "labels",
                   "value": {"start": 4, "end": 10, "text": DOCS[6][1][4:10], "labels": ["POPULATION"]}})
    ls.annotations.create(id=tasks["G"].id, result=result, completed_by=me)
    # H: a label that is not in the schema
    result = pred_result("H")
    _region(result, "1200户")["value"]["labels"] = ["HOUSEHOLDS"]
    ls.annotations.create(id=tasks["H"].id, result=result, completed_by=me)
    return {"me": me, "other": other, "d2": d2.id}


def test_pull_writes_exactly_what_was_done(client, pushed, annotated, label_studio, tmp_path, monkeypatch):
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio["token"])
    from fupin.cli import app

    res = CliRunner().invoke(app, ["ls", "pull", "--project", PROJECT, "--url", label_studio["url"],
                                   "--annotations", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert label_studio["token"] not in res.output
    out = tmp_path / "round-0"
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["tasks"] == len(DOCS) == sum(report["counts"].values())
    assert report["counts"] == {"annotated": 2, "multiply annotated": 1, "cancelled": 1, "skipped": 1,
                                "unusable": 3}
    by_doc = {o["doc_id"]: o for o in report["outcomes"]}
    assert {d: o["disposition"] for d, o in by_doc.items()} == {
        "A": "annotated", "B": "unusable", "C": "cancelled", "D": "multiply annotated", "E": "annotated",
        "F": "skipped", "G": "unusable", "H": "unusable"}
    assert "was deleted" in by_doc["B"]["reason"]
    assert "overlap" in by_doc["G"]["reason"]
    assert "'HOUSEHOLDS' is not in the schema" in by_doc["H"]["reason"]
    assert by_doc["D"]["winner"] == annotated["d2"]
    assert "most recently updated" in by_doc["D"]["reason"] and "annotator2@example.com" in by_doc["D"]["reason"]
    readme = (out / "README.md").read_text(encoding="utf-8")
    for doc in "ABCDEFGH":
        assert f"| {doc} |" in readme
    assert PROJECT in readme and "| **total** | **8** |" in readme
    records = {r["id"]: r for r in map(json.loads, (out / "docs.jsonl").read_text(encoding="utf-8").splitlines())}
    assert sorted(records) == ["A", "D", "E"]
    a = records["A"]
    assert a["text"] == DOCS[0][1]
    assert _spans(a) == [(3, 9, "DEADLINE", "2018年底"), (10, 12, "REGION", "全市"),
                         (15, 24, "POPULATION", "2.6万余贫困人口"), (27, 33, "COUNTY_COUNT", "70个贫困村")]
    assert _rels(a) == [(2, 0, "HAS_DEADLINE"), (2, 1, "IN_REGION"), (3, 0, "HAS_DEADLINE"), (3, 1, "IN_REGION")]
    assert a["spans"][2]["value"] == 26000 and a["spans"][0]["date"] == "2018-12-31"
    assert _spans(records["D"]) == [(0, 6, "DEADLINE", "到2020年"), (7, 9, "REGION", "全省"),
                                    (9, 14, "COUNTY_COUNT", "5个贫困县")]
    assert _rels(records["D"]) == [(2, 1, "IN_REGION")]
    assert _spans(records["E"]) == [(0, 4, "REGION", "攀枝花市"), (11, 16, "POPULATION", "3.2万人")]
    assert _rels(records["E"]) == [(1, 0, "IN_REGION")]
    assert (out / "train.spacy").exists() and (out / "dev.spacy").exists()
    assert json.loads((out / "export.json").read_text(encoding="utf-8"))  # the raw export is kept


def test_agreement_between_two_annotators(client, pushed, annotated):
    export = client.export(pushed["project"].id)
    agr = agreement(export)
    assert agr.tasks == 1 and agr.pairs == 1
    assert agr.spans.f == 1.0
    assert agr.relations_by["IN_REGION"].f == 1.0 and agr.relations_by["HAS_DEADLINE"].f == 0.0
    assert round(agr.relations.f, 3) == 0.667
    [d] = agr.disagreements
    assert d["kind"] == "relation" and d["label"] == "HAS_DEADLINE" and d["head"] == "5个贫困县"
