"""Batch tagging: streaming, worker processes, errors file, resume after kill -9, outputs."""
import csv
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from spacy.language import Language

from fupin.facts import record_facts
from fupin.ingest import read_records
from fupin.outputs import repair_jsonl
from fupin.progress import Progress
from fupin.runner import run_tagging
from fupin.tagger import Tagger, build_rules_pipeline

ROOT = Path(__file__).resolve().parents[1]
SENTENCES = [
    "到2018年底,全县要实现1.5万贫困人口脱贫、11个贫困村出列。",
    "2017年全市共投入扶贫资金3.2亿元,完成易地扶贫搬迁1200户。",
    "截至2016年底,我省还有贫困县52个,贫困发生率降至4.3%。",
]


def make_corpus(path: Path, n: int, repeat: int = 3) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            text = "".join(SENTENCES[(i + k) % len(SENTENCES)] for k in range(repeat))
            f.write(json.dumps({"id": f"d{i:04d}", "text": text, "meta": {"date": "2017-05-01"}},
                               ensure_ascii=False) + "\n")
    return path


@Language.component("explode_on_boom")
def explode_on_boom(doc):
    if "BOOM" in doc.text:
        raise RuntimeError("this document explodes")
    return doc


@pytest.fixture(scope="module")
def boom_tagger():
    nlp = build_rules_pipeline()
    nlp.add_pipe("explode_on_boom", after="fupin_rules")
    return Tagger(nlp)


@pytest.mark.parametrize("n_process", [1, 2])
def test_failing_document_is_reported_and_its_batch_mates_tagged(boom_tagger, n_process):
    records = [{"id": str(i), "text": SENTENCES[i % 3] + ("BOOM" if i == 4 else ""), "meta": {}} for i in range(9)]
    results = list(boom_tagger.results(records, batch_size=3, n_process=n_process))
    assert [r.record["id"] for r in results] == [str(i) for i in range(9)]
    failed = [r for r in results if not r.ok]
    assert [r.record["id"] for r in failed] == ["4"]
    assert "explode_on_boom" in failed[0].error and "this document explodes" in failed[0].error
    assert all(r.output["spans"] for r in results if r.ok)


def test_records_are_read_lazily(rules_nlp):
    consumed = []

    def stream():
        for i in range(1000):
            consumed.append(i)
            yield {"id": str(i), "text": SENTENCES[i % 3], "meta": {}}

    results = Tagger(rules_nlp).results(stream(), batch_size=8, n_process=2)
    first = next(results)
    assert first.ok and first.record["id"] == "0"
    assert len(consumed) <= 8 * 6  # a few batches in flight, never the whole corpus
    results.close()


def test_n_process_2_writes_the_same_as_one(tmp_path):
    corpus = make_corpus(tmp_path / "corpus.jsonl", 40)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    run_tagging([corpus], one, rules=True, batch_size=4, n_process=1, progress="off")
    summary = run_tagging([corpus], two, rules=True, batch_size=4, n_process=2, progress="off")
    assert summary.tagged == 40 and summary.failed == 0
    assert one.read_text(encoding="utf-8") == two.read_text(encoding="utf-8")


def test_errors_file_lists_failures_with_reasons(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    make_corpus(inputs / "ok.jsonl", 3)
    (inputs / "empty.txt").write_text("", encoding="utf-8")
    (inputs / "long.txt").write_text("贫困人口" * 100, encoding="utf-8")
    with open(inputs / "ok.jsonl", "a", encoding="utf-8") as f:
        f.write("{not json\n")
    out = tmp_path / "out.jsonl"
    summary = run_tagging([inputs], out, rules=True, max_chars=200, progress="off")
    assert summary.tagged == 3 and summary.failed == 3
    errors = [json.loads(line) for line in (tmp_path / "out.errors.jsonl").read_text(encoding="utf-8").splitlines()]
    reasons = {Path(e["source"]).name.split(":")[0]: e["reason"] for e in errors}
    assert reasons["empty.txt"] == "empty file"
    assert "over the limit" in reasons["long.txt"]
    assert "malformed JSON" in reasons["ok.jsonl"]
    # a clean rerun removes the stale errors file
    run_tagging([make_corpus(tmp_path / "good.jsonl", 2)], out, rules=True, progress="off")
    assert not (tmp_path / "out.errors.jsonl").exists()


def test_resume_after_kill_9_every_document_exactly_once(tmp_path):
    corpus = make_corpus(tmp_path / "corpus.jsonl", 250, repeat=8)
    out, facts = tmp_path / "out.jsonl", tmp_path / "facts.csv"
    cmd = [sys.executable, "-m", "fupin.cli", "tag", str(corpus), "-o", str(out), "--facts", str(facts),
           "--rules", "--batch-size", "4", "--progress", "off"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and out.stat().st_size > 0:
            break
        time.sleep(0.05)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # make sure the restart meets a half-written last line, as a kill mid-write leaves
    with open(out, "a", encoding="utf-8") as f:
        f.write('{"id": "d9999", "text": "半')
    resumed = subprocess.run(cmd + ["--resume"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert "truncated last line" in resumed.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]  # no truncated line
    ids = [r["id"] for r in records]
    assert sorted(ids) == [f"d{i:04d}" for i in range(250)]  # each exactly once
    with open(facts, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == sum(len(record_facts(r)) for r in records)
    assert {row["id"] for row in rows} <= set(ids)


def test_resume_skips_done_documents(tmp_path):
    corpus = make_corpus(tmp_path / "corpus.jsonl", 10)
    out = tmp_path / "out.jsonl"
    run_tagging([corpus], out, rules=True, progress="off")
    before = out.read_text(encoding="utf-8")
    summary = run_tagging([corpus], out, rules=True, resume=True, progress="off")
    assert summary.tagged == 0 and summary.skipped == 10
    assert out.read_text(encoding="utf-8") == before


def test_repair_jsonl_cuts_only_a_partial_line(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": 1}\n{"id": 2}\n{"id": 3', encoding="utf-8")
    assert repair_jsonl(path) == len('{"id": 3')
    assert path.read_text(encoding="utf-8") == '{"id": 1}\n{"id": 2}\n'
    assert repair_jsonl(path) == 0


def test_facts_csv_and_parquet_agree(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    out, csv_path, pq_path = tmp_path / "o.jsonl", tmp_path / "f.csv", tmp_path / "f.parquet"
    summary = run_tagging([ROOT / "examples"], out, facts_path=[csv_path, pq_path], rules=True, progress="off")
    table = pq.read_table(pq_path)
    with open(csv_path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert table.num_rows == len(rows) == summary.facts > 0
    assert table.schema.field("value").type == "double" and table.schema.field("start").type == "int64"
    assert table.column("text").to_pylist() == [r["text"] for r in rows]
    records = read_records(out)
    assert table.num_rows == sum(len(record_facts(r)) for r in records)


def test_progress_log_lines(caplog):
    with caplog.at_level(logging.INFO, logger="fupin.progress"):
        progress = Progress(total=4, mode="log", interval=0)
        for _ in range(2):
            progress.update(1000)
        progress.update(0, failed=True)
        progress.close()
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3
    assert lines[-1].startswith("progress: 3/4 documents (75%), 1 failed")
    assert "chars/s" in lines[-1] and "ETA" in lines[-1]


def test_progress_bar_on_a_terminal(capsys):
    progress = Progress(total=2, mode="bar")
    progress.update(500)
    progress.update(500)
    progress.close()
    err = capsys.readouterr().err
    assert "2/2" in err and "chars/s" in err
