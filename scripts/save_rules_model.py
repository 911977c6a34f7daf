"""Save the rule-layer pipeline as a loadable spaCy pipeline directory.

    python scripts/save_rules_model.py [--out models/fupin-default]

The result is what ``fupin tag`` loads by default (see README, "Measured":
within this round's training budget the trained CNN does not yet beat it).
"""
from pathlib import Path

import typer

from fupin.tagger import build_rules_pipeline

ROOT = Path(__file__).resolve().parents[1]


def main(out: Path = typer.Option(ROOT / "models" / "fupin-default", "--out")) -> None:
    nlp = build_rules_pipeline()
    nlp.meta.update({"name": "fupin_default", "version": "0.1.0",
                     "description": "fupin rule layer: rules + normaliser + nearest-in-sentence linker"})
    out.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out)
    print(f"saved {out}")


if __name__ == "__main__":
    typer.run(main)
