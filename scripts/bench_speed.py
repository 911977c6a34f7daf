"""Measure tagging speed and peak memory, side by side, in one run.

    python scripts/bench_speed.py [--docs 2000] [--model PATH] [--baseline-model PATH] [--runs rules,make_doc,model-1,model-2]

Builds a synthetic corpus of ``--docs`` articles (JSONL) from the bundled texts
(``examples/`` and ``annotations/round-0/docs.jsonl``), then runs, each in its
own process:

- ``make_doc``: ``nlp.make_doc`` alone over the corpus (the upper bound: reading
  the JSONL and tokenising, nothing else);
- ``rules``: ``fupin tag --rules`` (the rule layer built in code);
- ``model-1`` / ``model-2``: ``fupin tag`` with the default model (or ``--model``)
  and ``--n-process 1`` / ``2``;
- ``baseline-1`` / ``baseline-2``: the same with ``--baseline-model`` (e.g. the
  previous default), when given.

Each ``fupin tag`` run is the real command (reading, tagging, writing JSONL and a
facts CSV). Characters per second are the run's own tagging-loop figure (model
loading excluded, the total wall time is shown too); CPU seconds are those of
the whole process tree less its start-up (the CPU of the same command on a
one-document corpus), and chars/CPU-s is the corpus size over them: a figure that holds when the machine is shared with other jobs
(the load average is printed), where wall-clock rates do not; peak memory is the largest
proportional set size (PSS) of the whole process tree (the main process and
its workers; pages the forked workers share are counted once), sampled every
50 ms from /proc.
"""
from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

import typer

ROOT = Path(__file__).resolve().parents[1]


def bundled_texts() -> List[str]:
    """The texts of the bundled examples and of the round-0 documents."""
    from fupin.ingest import read_inputs

    texts = [item["text"] for item in read_inputs([ROOT / "examples"]) if isinstance(item, dict)]
    round0 = ROOT / "annotations" / "round-0" / "docs.jsonl"
    if round0.exists():
        with open(round0, encoding="utf-8") as f:
            texts += [json.loads(line)["text"] for line in f if line.strip()]
    return texts


def build_corpus(path: Path, docs: int, seed: int = 0) -> int:
    """Write ``docs`` synthetic articles to ``path`` (JSONL); return the characters written.

    Each article is a bundled text, with its paragraphs shuffled for half of
    them, so that the corpus is not one text repeated.
    """
    rng = random.Random(seed)
    texts = bundled_texts()
    chars = 0
    with open(path, "w", encoding="utf-8") as f:
        for i in range(docs):
            text = texts[i % len(texts)]
            if i >= len(texts) and rng.random() < 0.5:
                paras = text.split("\n")
                rng.shuffle(paras)
                text = "\n".join(paras)
            chars += len(text)
            f.write(json.dumps({"id": f"bench-{i:06d}", "text": text, "meta": {"date": "2018-06-01"}},
                               ensure_ascii=False) + "\n")
    return chars


def _pss(pid: int) -> int:
    """Proportional set size of a process in bytes (pages shared with forked
    workers counted once over the tree); resident size where PSS is not shown."""
    for name, key in (("smaps_rollup", "Pss:"), ("status", "VmRSS:")):
        try:
            with open(f"/proc/{pid}/{name}") as f:
                for line in f:
                    if line.startswith(key):
                        return int(line.split()[1]) * 1024
        except OSError:
            continue
    return 0


def _tree_rss(root: int) -> int:
    """Memory of ``root`` and all its descendants (sum of PSS)."""
    children: Dict[int, List[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        total += _pss(pid)
    return total


def measure(cmd: List[str], env: Optional[Dict[str, str]] = None) -> Dict:
    """Run ``cmd``, sampling the memory of its process tree; return output, wall time, peak RSS."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = 0
    import threading

    out: Dict[str, str] = {}

    def read(stream, key):
        out[key] = stream.read()

    threads = [threading.Thread(target=read, args=(proc.stdout, "stdout")),
               threading.Thread(target=read, args=(proc.stderr, "stderr"))]
    for t in threads:
        t.start()
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.05)
    for t in threads:
        t.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"rc": proc.returncode, "wall": time.monotonic() - start, "peak": peak, "cpu": cpu,
            "stdout": out.get("stdout", ""), "stderr": out.get("stderr", "")}


MAKE_DOC = r"""
import json, sys, time
from fupin.tagger import load_pipeline
nlp = load_pipeline(sys.argv[2] or None, rules=sys.argv[2] == "")
chars = 0
start = time.monotonic()
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        text = json.loads(line)["text"]
        nlp.make_doc(text)
        chars += len(text)
seconds = time.monotonic() - start
print(f"tagged 0 documents ({chars} characters, {chars / seconds:.0f} chars/s)", file=sys.stderr)
"""

RATE_RE = re.compile(r"tagged (\d+) documents \((\d+) characters, (\d+) chars/s\)")


def main(
    docs: int = typer.Option(2000, "--docs", min=1, help="Articles in the synthetic corpus."),
    model: Optional[Path] = typer.Option(None, "--model", help="Pipeline to bench (default: fupin.tagger.DEFAULT_MODEL)."),
    baseline: Optional[Path] = typer.Option(None, "--baseline-model",
                                            help="A second pipeline benched the same way (runs baseline-1, baseline-2)."),
    runs: Optional[str] = typer.Option(None, "--runs", help="Comma-separated runs (default: all)."),
    batch_size: int = typer.Option(16, "--batch-size", min=1, help="Documents per nlp.pipe batch (the fupin tag default)."),
    workdir: Optional[Path] = typer.Option(None, "--workdir", help="Keep the corpus and outputs here."),
) -> None:
    """Bench the tagger: chars/s and peak memory for each run, side by side."""
    from fupin.tagger import DEFAULT_MODEL

    model_path = str(model or DEFAULT_MODEL)
    if runs is None:
        runs = "make_doc,rules,model-1,model-2" + (",baseline-1,baseline-2" if baseline else "")
    tmp = Path(workdir or tempfile.mkdtemp(prefix="fupin-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    corpus = tmp / "corpus.jsonl"
    chars = build_corpus(corpus, docs)
    tiny = str(tmp / "one.jsonl")
    build_corpus(Path(tiny), 1)
    print(f"corpus: {docs} documents, {chars:,} characters ({corpus}); model: {model_path}; "
          + (f"baseline: {baseline}; " if baseline else "") +
          f"batch size {batch_size}; {os.cpu_count()} CPUs")
    fupin = [sys.executable, "-m", "fupin.cli", "tag", str(corpus), "--progress", "off",
             "--batch-size", str(batch_size)]
    commands = {
        "make_doc": [sys.executable, "-c", MAKE_DOC, str(corpus), model_path],
        "rules": fupin + ["--rules", "-o", str(tmp / "rules.jsonl"), "--facts", str(tmp / "rules.csv")],
        "model-1": fupin + ["--model", model_path, "--n-process", "1", "-o", str(tmp / "m1.jsonl"),
                            "--facts", str(tmp / "m1.csv")],
        "model-2": fupin + ["--model", model_path, "--n-process", "2", "-o", str(tmp / "m2.jsonl"),
                            "--facts", str(tmp / "m2.csv")],
    }
    if baseline:
        for n in (1, 2):
            commands[f"baseline-{n}"] = fupin + ["--model", str(baseline), "--n-process", str(n),
                                                 "-o", str(tmp / f"b{n}.jsonl"), "--facts", str(tmp / f"b{n}.csv")]
    rows = []
    load = f"{os.getloadavg()[0]:.1f}"
    for name in [r.strip() for r in runs.split(",") if r.strip()]:
        if name not in commands:
            raise typer.BadParameter(f"unknown run {name!r} (choose from {', '.join(commands)})")
        # the same command on a one-document corpus: start-up CPU (imports, model loading)
        startup = measure([tiny if part == str(corpus) else part for part in commands[name]])["cpu"]
        result = measure(commands[name])
        result["cpu"] = max(0.0, result["cpu"] - startup)
        m = RATE_RE.search(result["stderr"])
        if result["rc"] != 0 or not m:
            print(f"{name}: failed (exit {result['rc']})\n{result['stderr'][-2000:]}", file=sys.stderr)
            rows.append((name, None, result["wall"], result["cpu"], result["peak"]))
            continue
        rows.append((name, int(m.group(3)), result["wall"], result["cpu"], result["peak"]))
    print(f"load average before/after: {load} / {os.getloadavg()[0]:.1f}")
    print(f"{'run':<10} {'chars/s':>10} {'wall s':>8} {'CPU s':>8} {'chars/CPU-s':>12} {'peak MB':>9}")
    for name, rate, wall, cpu, peak in rows:
        shown = f"{rate:>10,}" if rate is not None else f"{'failed':>10}"
        print(f"{name:<10} {shown} {wall:>8.1f} {cpu:>8.1f} {chars / cpu if cpu else 0:>12,.0f} {peak / 2**20:>9.0f}")


if __name__ == "__main__":
    typer.run(main)
