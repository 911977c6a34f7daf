"""Rebuild the shipped default model from annotations/ and print its dev scores.

    python scripts/build_default_model.py [--config configs/cnn.cfg] [--max-steps 6000] [--out models/fupin-cnn]

Steps, all deterministic (fixed seeds, crc32 splits): build round 0 from its
markup, convert every round in annotations/ to DocBin train/dev splits, train
configs/cnn.cfg with plain ``spacy train``, copy model-best to ``--out``, and,
where ../shared/eval/dev.jsonl exists, tag it and print ``fupin evaluate``.
"""
from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

import typer

from steps import ROOT, run, score_on_dev

logger = logging.getLogger("build_default_model")


def main(config: Path = typer.Option(ROOT / "configs" / "cnn.cfg", "--config"),
         max_steps: int = typer.Option(6000, "--max-steps", help="Training steps (fixed, so the run is reproducible)."),
         out: Path = typer.Option(ROOT / "models" / "fupin-cnn", "--out"),
         work: Path = typer.Option(ROOT / "training", "--work")) -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    py = sys.executable
    run([py, "scripts/build_round0.py"])
    rounds = sorted(ROOT.glob("annotations/round-*/docs.jsonl"))
    run([py, "scripts/make_docbins.py", *rounds, "--out", work / "corpus"])
    run([py, "-m", "spacy", "train", config, "--output", work / "cnn",
         "--paths.train", work / "corpus" / "train.spacy", "--paths.dev", work / "corpus" / "dev.spacy",
         "--training.max_steps", str(max_steps)])
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(work / "cnn" / "model-best", out)
    logger.info("saved %s", out)
    score_on_dev(out, work / "dev-pred.jsonl")


if __name__ == "__main__":
    typer.run(main)
