"""``fupin retrain`` on tiny data with a tiny step count: comparison and learning curve."""
import json
from pathlib import Path

from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]


def test_retrain_compares_and_draws_a_learning_curve(tmp_path):
    from fupin.cli import app

    lines = (ROOT / "annotations" / "round-0" / "docs.jsonl").read_text(encoding="utf-8").splitlines()
    docs = [json.loads(x) for x in lines]
    docs = sorted(docs, key=lambda d: len(d["text"]))[:10]  # the ten shortest documents
    ann = tmp_path / "annotations"
    (ann / "round-0").mkdir(parents=True)
    (ann / "round-1").mkdir()
    (ann / "round-0" / "docs.jsonl").write_text(
        "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    corrected = dict(docs[0], relations=[])  # round 1 replaces one document
    (ann / "round-1" / "docs.jsonl").write_text(json.dumps(corrected, ensure_ascii=False) + "\n", encoding="utf-8")
    work = tmp_path / "work"
    res = CliRunner().invoke(app, ["retrain", "--annotations", str(ann), "--work", str(work), "--dev-share", "0.3",
                                   "--curve", "50,100", "--max-steps", "2"])
    assert res.exit_code == 0, res.output
    out = res.output
    from fupin.tagger import DEFAULT_MODEL

    # the shipped model is what a new one is compared with
    assert f"previous: {DEFAULT_MODEL}" in out and "learning curve" in out
    for label in ("POPULATION", "REGION", "HAS_DEADLINE", "IN_REGION"):
        assert label in out
    assert "previous model kept" in out
    report = json.loads((work / "comparison.json").read_text(encoding="utf-8"))
    assert [p["fraction"] for p in report["curve"]] == [0.5, 1.0]
    assert report["train_docs"] + report["dev_docs"] == 10
    assert report["curve"][0]["train_docs"] < report["curve"][1]["train_docs"] == report["train_docs"]
    assert Path(report["new"]).exists()
