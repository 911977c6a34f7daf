"""Steps the training scripts share: run a command from the repository root,
and score a pipeline on the dev set where ../shared/eval/dev.jsonl exists."""
from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path
from typing import Sequence, Union

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"
logger = logging.getLogger("steps")


def run(cmd: Sequence[Union[str, Path]]) -> None:
    """Run a command from the repository root, logging it; fail when it fails."""
    logger.info("$ %s", " ".join(str(c) for c in cmd))
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT)


def score_on_dev(model: Path, pred: Path) -> None:
    """Tag the dev set with ``model`` into ``pred`` and print ``fupin evaluate``'s table."""
    if not DEV.exists():
        logger.info("no %s: not scored", DEV)
        return
    run([sys.executable, "-m", "fupin.cli", "tag", DEV, "-o", pred, "--model", model])
    run([sys.executable, "-m", "fupin.cli", "evaluate", DEV, pred])
