import csv
import json
import subprocess
import sys

from typer.testing import CliRunner

from fupin.cli import app
from fupin.ingest import read_records
from fupin.schema import FACT_FIELDS, validate_record

runner = CliRunner()


def _tag(args):
    return runner.invoke(app, ["tag", *args])


def test_tag_seeds_rules_valid_schema(seeds_path, tmp_path):
    out, facts = tmp_path / "out.jsonl", tmp_path / "facts.csv"
    result = _tag([str(seeds_path), "-o", str(out), "--rules", "--facts", str(facts)])
    assert result.exit_code == 0, result.output
    records = read_records(out)
    assert len(records) == 5
    for record in records:
        assert validate_record(record) == [], record["id"]
        assert len(record["spans"]) > 20
    raw = facts.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert rows and set(FACT_FIELDS) <= set(rows[0])


def test_tag_dev_valid_schema_and_evaluate(dev_path, tmp_path):
    out = tmp_path / "dev.jsonl"
    assert _tag([str(dev_path), "-o", str(out), "--rules"]).exit_code == 0
    records = read_records(out)
    gold = read_records(dev_path)
    assert [r["id"] for r in records] == [g["id"] for g in gold]
    for record, g in zip(records, gold):
        assert record["text"] == g["text"]
        assert validate_record(record) == []
    result = runner.invoke(app, ["evaluate", str(dev_path), str(out), "--json"])
    assert result.exit_code == 0
    scores = json.loads(result.output)
    # the rule layer must stay well above the 60-line regex floor (span F 0.55)
    assert scores["spans_overlap"]["f"] > 0.7
    assert scores["value_accuracy"]["acc"] > 0.95


def test_bad_file_reported_exit_code_and_others_tagged(tmp_path):
    (tmp_path / "good.txt").write_text("全县今年要实现5000名贫困人口脱贫。", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    proc = subprocess.run([sys.executable, "-m", "fupin.cli", "tag", str(tmp_path), "-o", str(out), "--rules"],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "empty.txt: empty file" in proc.stderr
    assert "tagged 1 documents" in proc.stderr and "1 failed" in proc.stderr
    assert len(read_records(out)) == 1


def test_missing_model_is_a_clear_error(tmp_path):
    (tmp_path / "a.txt").write_text("全县5000人。", encoding="utf-8")
    result = _tag([str(tmp_path / "a.txt"), "-o", str(tmp_path / "o.jsonl"), "--model", str(tmp_path / "nope")])
    assert result.exit_code == 2


def test_default_is_the_shipped_trained_model(tmp_path):
    from fupin.tagger import DEFAULT_MODEL, load_pipeline

    assert DEFAULT_MODEL.exists(), "the shipped default model is missing"
    nlp = load_pipeline()
    assert "ner" in nlp.pipe_names and "fupin_relation_extractor" in nlp.pipe_names
    (tmp_path / "a.txt").write_text("到2018年底,全市70个贫困村全部摘帽、2.6万余贫困人口全部脱贫。", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    proc = subprocess.run([sys.executable, "-m", "fupin.cli", "tag", str(tmp_path / "a.txt"), "-o", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert f"model: {DEFAULT_MODEL}" in proc.stderr
    [record] = read_records(out)
    assert validate_record(record) == []
    by_text = {s["text"]: s for s in record["spans"]}
    assert by_text["2.6万余贫困人口"]["value"] == 26000
    assert by_text["70个贫困村"]["label"] == "VILLAGE_COUNT"
