import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FUPIN_SHARED", ROOT.parent / "shared"))
DEV = SHARED / "eval" / "dev.jsonl"
SEEDS = SHARED / "seeds"


@pytest.fixture(scope="session")
def dev_path():
    if not DEV.exists():
        pytest.skip(f"{DEV} is absent (../shared is not beside the checkout)")
    return DEV


@pytest.fixture(scope="session")
def seeds_path():
    if not SEEDS.exists():
        pytest.skip(f"{SEEDS} is absent (../shared is not beside the checkout)")
    return SEEDS


@pytest.fixture(scope="session")
def rules_nlp():
    from fupin.tagger import build_rules_pipeline

    return build_rules_pipeline()
