"""``fupin tag --engine ray``: a local Ray with two workers writes what the local engine writes."""
import json
from pathlib import Path

import pytest

from fupin.runner import run_tagging

ray = pytest.importorskip("ray")

SENTENCES = [
    "到2018年底,全县要实现1.5万贫困人口脱贫、11个贫困村出列。",
    "2017年全市共投入扶贫资金3.2亿元,完成易地扶贫搬迁1200户。",
    "截至2016年底,我省还有贫困县52个,贫困发生率降至4.3%。",
]


def test_ray_engine_matches_local_engine(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    with open(inputs / "corpus.jsonl", "w", encoding="utf-8") as f:
        for i in range(30):
            text = SENTENCES[i % 3] + SENTENCES[(i + 1) % 3]
            f.write(json.dumps({"id": f"r{i:03d}", "text": text, "meta": {"date": "2017-01-01"}},
                               ensure_ascii=False) + "\n")
    (inputs / "empty.txt").write_text("", encoding="utf-8")
    local, dist = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    run_tagging([inputs], local, rules=True, facts_path=tmp_path / "local.csv", progress="off")
    summary = run_tagging([inputs], dist, rules=True, facts_path=tmp_path / "ray.csv", engine="ray", workers=2,
                          batch_size=4, progress="off")
    assert not ray.is_initialized()  # the local Ray it started is shut down
    assert summary.tagged == 30 and summary.failed == 1
    assert dist.read_text(encoding="utf-8") == local.read_text(encoding="utf-8")
    assert (tmp_path / "ray.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    errors = (tmp_path / "ray.errors.jsonl").read_text(encoding="utf-8")
    assert "empty.txt" in errors and "empty file" in errors
