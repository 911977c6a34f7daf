"""Reading articles: txt, html/htm and jsonl, in any common encoding.

``read_inputs(paths)`` streams ``Document`` records or ``InputError`` items,
one reader per format, so that a bad file is reported and the others go on.
Encodings are detected with charset-normalizer (UTF-8, GB18030/GBK, Big5 ...),
HTML main text is extracted with trafilatura, and when a record has no
``meta.date`` the article's date is looked for in its text.
"""
from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Union

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html", ".jsonl": "jsonl"}
DEFAULT_MAX_CHARS = 1_000_000


@dataclass
class InputError:
    """A document or file that could not be read."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


Item = Union[Dict, InputError]


def find_files(paths: Iterable[Union[str, Path]], exclude: Iterable[Union[str, Path]] = ()) -> Iterator[Union[Path, InputError]]:
    """Expand directories (recursively, sorted) into readable input files.

    exclude: files never to read (the run's own outputs).
    """
    skip = {Path(p).resolve() for p in exclude}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if child.suffix.lower() in TEXT_SUFFIXES and child.resolve() not in skip:
                    yield child
        elif path.is_file():
            yield path
        else:
            yield InputError(str(path), "no such file or directory")


def decode_bytes(data: bytes) -> str:
    """Decode article bytes, detecting the encoding.

    Raises ValueError for binary data or text no encoding explains.
    """
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError("binary file (contains NUL bytes)")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["gb18030", "big5", "utf_16", "utf_8", "cp1252"]).best()
    if best is None:
        best = from_bytes(data).best()
    if best is None:
        raise ValueError("unreadable encoding (no encoding detected)")
    text = str(best)
    if _control_ratio(text) > 0.05:
        raise ValueError(f"binary file (decodes as {best.encoding} to control characters)")
    return text


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    sample = text[:20000]
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return bad / len(sample)


def html_to_text(html: str) -> Dict:
    """Main text and date of an HTML page (trafilatura)."""
    import trafilatura

    result = trafilatura.bare_extraction(html, include_comments=False, include_tables=True, favor_recall=True,
                                         with_metadata=True)
    if result is None:
        return {"text": "", "date": None, "title": None}
    data = result.as_dict() if hasattr(result, "as_dict") else dict(result)
    text = data.get("text") or ""
    title = data.get("title")
    if title and not text.startswith(title):
        text = title + "\n" + text
    return {"text": text, "date": data.get("date"), "title": title}


# article stamps: a date with a time first, then any full date near the top
_STAMPS = [
    re.compile(r"(?P<y>20\d{2}|19\d{2})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日\s*\d{1,2}[时:]\d{1,2}"),
    re.compile(r"(?P<y>20\d{2}|19\d{2})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\s+\d{1,2}:\d{2}"),
    re.compile(r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>20\d{2})\s+\d{1,2}:\d{2}"),
    re.compile(r"(?P<y>20\d{2}|19\d{2})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日"),
    re.compile(r"(?P<y>20\d{2}|19\d{2})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"),
]


def find_article_date(text: str, head_chars: int = 1500) -> Optional[str]:
    """Find the article's own date in its text (ISO), or None.

    A stamp with a time of day (``2016年02月26日 15时52分``,
    ``(2017-03-14 07:18:00)``, ``23.04.2017 20:23``) is preferred; otherwise
    the first full date near the top.
    """
    from .textnorm import to_simplified

    head = to_simplified(text[:head_chars])
    for pattern in _STAMPS:
        m = pattern.search(head)
        if m:
            y, mo, d = int(m.group("y")), int(m.group("m")), int(m.group("d"))
            if 1 <= mo <= 12 and 1 <= d <= 31:
                return f"{y:04d}-{mo:02d}-{d:02d}"
    return None


def _finish(record: Dict, source: str, max_chars: int) -> Item:
    text = record.get("text")
    if not isinstance(text, str):
        return InputError(source, "no text field")
    if not text.strip():
        return InputError(source, "empty document")
    if len(text) > max_chars:
        return InputError(source, f"document has {len(text):,} characters, over the limit of {max_chars:,} (--max-chars)")
    meta = dict(record.get("meta") or {})
    if not meta.get("date"):
        meta["date"] = find_article_date(text)
    meta.setdefault("source", source)
    return {"id": str(record["id"]), "text": text, "meta": meta}


def read_file(path: Path, max_chars: int = DEFAULT_MAX_CHARS) -> Iterator[Item]:
    """Yield the documents of one file, or InputErrors naming file and reason."""
    kind = TEXT_SUFFIXES.get(path.suffix.lower(), "txt")
    try:
        data = path.read_bytes()
    except OSError as err:
        yield InputError(str(path), f"cannot read: {err.strerror or err}")
        return
    if not data.strip():
        yield InputError(str(path), "empty file")
        return
    try:
        text = decode_bytes(data)
    except ValueError as err:
        yield InputError(str(path), str(err))
        return
    if kind == "jsonl":
        yield from _read_jsonl(path, text, max_chars)
    elif kind == "html":
        page = html_to_text(text)
        meta = {"date": page["date"] or None, "source": str(path)}
        if page["title"]:
            meta["title"] = page["title"]
        yield _finish({"id": path.stem, "text": page["text"], "meta": meta}, str(path), max_chars)
    else:
        yield _finish({"id": path.stem, "text": text, "meta": {"source": str(path)}}, str(path), max_chars)


def _read_jsonl(path: Path, text: str, max_chars: int) -> Iterator[Item]:
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            yield InputError(where, f"malformed JSON ({err.msg} at column {err.colno})")
            continue
        if not isinstance(obj, dict) or "text" not in obj:
            yield InputError(where, "a JSONL record needs an object with a 'text' field")
            continue
        obj.setdefault("id", f"{path.stem}-{lineno}")
        yield _finish(obj, where, max_chars)


def read_inputs(paths: Iterable[Union[str, Path]], max_chars: int = DEFAULT_MAX_CHARS,
                exclude: Iterable[Union[str, Path]] = ()) -> Iterator[Item]:
    """Stream documents from files and directories; errors come as InputError."""
    for found in find_files(paths, exclude):
        if isinstance(found, InputError):
            yield found
        else:
            yield from read_file(found, max_chars)


def read_records(path: Union[str, Path]) -> List[Dict]:
    """Read an annotated SCHEMA JSONL file whole (gold or predictions)."""
    records = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as err:
                    raise ValueError(f"{path}:{lineno}: malformed JSON ({err.msg})") from None
    return records
