"""Text normalisation for the model with an exact character alignment.

The model sees a cleaned text: traditional characters converted to simplified
ones (OpenCC's character table), full-width ASCII folded to half-width, and
scraped pinyin noise such as ``縣(xiàn)`` removed. Every cleaned character
keeps the range of original characters it came from, so any span found on the
cleaned text maps back to exact offsets in the original text.

Every conversion is one character to one character, or a deletion; this is
what keeps the alignment a simple pair of index arrays.
"""
from __future__ import annotations

import functools
import os
import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

# pinyin with at least one tone mark (so "(a)" list markers stay), in half- or
# full-width brackets, right after a CJK character
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
PINYIN_NOISE_RE = re.compile(
    r"(?<=[\u3400-\u9fff])[(（][a-zü" + _TONED + r"]*[" + _TONED + r"][a-zü" + _TONED + r"]*[)）]"
)


_VARIANTS = {"陜": "陕", "鄕": "乡", "衞": "卫", "凖": "准", "囘": "回", "彚": "汇", "戸": "户"}


@functools.lru_cache(maxsize=1)
def _translation_table() -> Dict[int, str]:
    """Traditional -> simplified characters and full-width -> half-width."""
    import opencc  # the table ships with opencc-python-reimplemented

    path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", "TSCharacters.txt")
    table: Dict[int, str] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 2:
                continue
            src, targets = parts
            target = targets.split(" ")[0]
            if len(src) == 1 and len(target) == 1 and src != target:
                table[ord(src)] = target
    # variant forms common in Big5-era pages that the table leaves as they are
    # (陜西 for 陝西 is the usual spelling on many Taiwanese and Hong Kong sites)
    table.update({ord(src): dst for src, dst in _VARIANTS.items()})
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII block
        table[code] = chr(code - 0xFEE0)
    table[0x3000] = " "  # ideographic space
    return table


def to_simplified(text: str) -> str:
    """Convert characters one to one (no alignment needed)."""
    return text.translate(_translation_table())


@dataclass
class AlignedText:
    """A cleaned text and where each of its characters came from.

    original (str): the text as given.
    clean (str): the text the model sees.
    starts (List[int] | None): for clean char i, the original offset it came
        from; None when nothing was deleted (offsets are then identical).
    """

    original: str
    clean: str
    starts: Optional[List[int]] = None

    def to_original(self, start: int, end: int) -> Tuple[int, int]:
        """Map a clean span [start, end) to the original text.

        A clean character owns the noise deleted right after it, so a span
        ending in 縣 ends after 縣(xiàn) in the original, as SCHEMA wants.
        """
        if self.starts is None:
            return start, end
        # everything between two kept characters is deleted noise
        o_start = self.starts[start]
        o_end = self.starts[end] if end < len(self.starts) else len(self.original)
        return o_start, o_end

    def to_clean(self, start: int, end: int) -> Optional[Tuple[int, int]]:
        """Map an original span [start, end) to the clean text (None if it vanishes)."""
        if self.starts is None:
            return start, end
        c_start = bisect_left(self.starts, start)
        c_end = bisect_left(self.starts, end)
        if c_start >= c_end:
            return None
        return c_start, c_end


def align(text: str) -> AlignedText:
    """Clean ``text`` for the model, keeping the character alignment."""
    table = _translation_table()
    noise = list(PINYIN_NOISE_RE.finditer(text))
    if not noise:
        return AlignedText(text, text.translate(table), None)
    pieces: List[str] = []
    starts: List[int] = []
    pos = 0
    for m in noise:
        pieces.append(text[pos:m.start()])
        starts.extend(range(pos, m.start()))
        pos = m.end()
    pieces.append(text[pos:])
    starts.extend(range(pos, len(text)))
    return AlignedText(text, "".join(pieces).translate(table), starts)
