"""Train configs/trf.cfg, fine-tuning the encoder or over a frozen one, and print dev scores.

    python scripts/train_trf.py --encoder training/encoders/e5-small [--frozen] [--max-steps 2000]
        [--corpus training/corpus] [--out training/trf]

Fine-tuning (the config as written) wants a GPU. ``--frozen`` is the CPU route:
spaCy initialises a frozen component only when it is sourced from a trained
pipeline, so the script first trains one step (which loads the encoder from the
Hugging Face folder and saves an initialised pipeline), then trains the config
with the transformer sourced from that pipeline and listed in
``frozen_components``; it stays in ``annotating_components``, so every batch
still runs through it and ner and the relation extractor learn over its fixed
output. The heads then train at ``--learn-rate`` (the config's 1e-4 suits
fine-tuning a transformer, not fresh heads).

The DocBins come from ``scripts/make_docbins.py`` (``scripts/build_default_model.py``
writes them to training/corpus). Where ../shared/eval/dev.jsonl exists, the
kept pipeline tags it and ``fupin evaluate`` prints its scores.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import typer
from spacy.util import load_config

from steps import ROOT, run, score_on_dev

CONFIG = ROOT / "configs" / "trf.cfg"


def main(encoder: Path = typer.Option(..., "--encoder", help="Local Hugging Face folder of the encoder."),
         frozen: bool = typer.Option(False, "--frozen", help="Train the heads over the fixed encoder (CPU)."),
         max_steps: int = typer.Option(2000, "--max-steps"),
         learn_rate: float = typer.Option(0.001, "--learn-rate", help="Initial rate for the heads with --frozen."),
         corpus: Path = typer.Option(ROOT / "training" / "corpus", "--corpus"),
         out: Path = typer.Option(ROOT / "training" / "trf", "--out"),
         evaluate: bool = typer.Option(True, "--evaluate/--no-evaluate", help="Score model-best on the dev set.")) -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    py = sys.executable
    paths = ["--paths.encoder", encoder, "--paths.train", corpus / "train.spacy", "--paths.dev", corpus / "dev.spacy"]
    config, extra = CONFIG, []
    if frozen:
        init = out.with_name(out.name + "-init")
        run([py, "-m", "spacy", "train", CONFIG, "--output", init, *paths, "--training.max_steps", "1"])
        frozen_config = load_config(CONFIG)
        frozen_config["components"]["transformer"] = {"source": str(init / "model-last")}
        frozen_config["training"]["frozen_components"] = ["transformer"]
        out.mkdir(parents=True, exist_ok=True)
        config = out / "frozen.cfg"
        frozen_config.to_disk(config)
        extra = ["--training.optimizer.learn_rate.initial_rate", str(learn_rate)]
    run([py, "-m", "spacy", "train", config, "--output", out, *paths, "--training.max_steps", str(max_steps),
         "--training.eval_frequency", "200", *extra])
    if evaluate:
        score_on_dev(out / "model-best", out / "dev-pred.jsonl")


if __name__ == "__main__":
    typer.run(main)
