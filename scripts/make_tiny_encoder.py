"""Build a tiny, randomly initialised BERT-style encoder folder for tests and CI.

The folder (config.json, model.safetensors, vocab.txt and tokenizer files) loads with
``transformers.AutoModel``/``AutoTokenizer`` like any Hugging Face checkpoint, so
``configs/trf.cfg`` can train on it without downloading anything:

    python scripts/make_tiny_encoder.py --out training/encoders/tiny
    python -m spacy train configs/trf.cfg --paths.encoder training/encoders/tiny ...

The vocabulary is every CJK unified ideograph, CJK and full-width punctuation and
printable ASCII (with WordPiece ``##`` continuations for ASCII letters and digits), so
Chinese text splits into one piece per character, as the char tokenizer does.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import List, Optional

logger = logging.getLogger("fupin.make_tiny_encoder")

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def tiny_vocab() -> List[str]:
    """WordPiece vocabulary: specials, ASCII, CJK punctuation, full-width forms, CJK ideographs."""
    vocab = list(SPECIAL)
    ascii_chars = [chr(c) for c in range(33, 127)]
    vocab += ascii_chars
    vocab += ["##" + c for c in ascii_chars if c.isalnum()]
    ranges = [(0x3000, 0x303F), (0xFF01, 0xFF5E), (0x4E00, 0x9FFF), (0x2000, 0x206F)]
    seen = set(vocab)
    for lo, hi in ranges:
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            if ch not in seen and not ch.isspace():
                seen.add(ch)
                vocab.append(ch)
    return vocab


def make_tiny_encoder(out: Path, hidden: int = 32, layers: int = 2, heads: int = 2, seed: int = 0) -> Path:
    """Write a random BertModel and a BertTokenizerFast to ``out``.

    out (Path): the folder to write (created).
    hidden (int): hidden width; the feed-forward width is 2 * hidden.
    layers (int): number of transformer layers.
    heads (int): attention heads (must divide ``hidden``).
    seed (int): torch seed for the random weights.
    RETURNS (Path): ``out``.
    """
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    out.mkdir(parents=True, exist_ok=True)
    vocab = tiny_vocab()
    (out / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(out / "vocab.txt"), do_lower_case=False,
                                  tokenize_chinese_chars=True, model_max_length=512)
    tokenizer.save_pretrained(out)
    config = BertConfig(vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=layers,
                        num_attention_heads=heads, intermediate_size=2 * hidden, max_position_embeddings=512,
                        pad_token_id=0)
    torch.manual_seed(seed)
    BertModel(config).save_pretrained(out, safe_serialization=True)
    logger.info("tiny encoder: %s (vocab %d, hidden %d, %d layers)", out, len(vocab), hidden, layers)
    return out


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("training/encoders/tiny"))
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--heads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    make_tiny_encoder(args.out, args.hidden, args.layers, args.heads, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
