"""Output files of a tagging run: SCHEMA JSONL, facts (CSV, Parquet), errors.

Everything is written incrementally. The JSONL output is the run's ledger:
``--resume`` reads the ids already in it (after cutting a line a killed run
left half-written) and the facts files, which are derived from it, are
rebuilt from it before the run goes on, so that every document ends up
exactly once in every output.
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Set, Union

from .facts import FACT_COLUMNS, FactWriter, record_facts

logger = logging.getLogger(__name__)

PathLike = Union[str, Path]


def repair_jsonl(path: PathLike) -> int:
    """Cut a half-written last line (a run killed mid-write) off a JSONL file.

    RETURNS (int): the number of bytes removed.
    """
    path = Path(path)
    if not path.exists():
        return 0
    size = path.stat().st_size
    with open(path, "rb+") as f:
        keep = size
        # walk back to the last newline, then check the line before it parses
        chunk = 1 << 16
        pos = size
        tail = b""
        while pos > 0:
            step = min(chunk, pos)
            pos -= step
            f.seek(pos)
            tail = f.read(step) + tail
            idx = tail.rfind(b"\n")
            if idx >= 0:
                keep = pos + idx + 1
                break
        else:
            keep = 0
        if keep < size:
            f.truncate(keep)
    removed = size - keep
    if removed:
        logger.warning("%s: removed a truncated last line (%d bytes) left by an interrupted run", path, removed)
    return removed


def iter_jsonl(path: PathLike) -> Iterator[Dict]:
    """Stream the records of a JSONL file (skipping blank lines)."""
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as err:
                    raise ValueError(f"{path}:{lineno}: malformed JSON ({err.msg})") from None


def done_ids(path: PathLike) -> Set[str]:
    """The ids of the records already in an output file (for ``--resume``)."""
    if not Path(path).exists():
        return set()
    return {str(record.get("id")) for record in iter_jsonl(path)}


class ParquetFactWriter:
    """Write facts to a Parquet file (pyarrow), one row group per ``row_group_size`` rows."""

    def __init__(self, path: PathLike, row_group_size: int = 10_000):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.pa = pa
        types = {"value": pa.float64(), "start": pa.int64(), "end": pa.int64()}
        self.schema = pa.schema([(name, types.get(name, pa.string())) for name in FACT_COLUMNS])
        self.writer = pq.ParquetWriter(str(path), self.schema, compression="zstd")
        self.row_group_size = row_group_size
        self.rows: List[Dict] = []

    def write(self, facts: Iterable[Dict]) -> None:
        self.rows.extend(facts)
        if len(self.rows) >= self.row_group_size:
            self._flush()

    def _flush(self) -> None:
        if not self.rows:
            return
        columns = {}
        for name in FACT_COLUMNS:
            values = [row.get(name) for row in self.rows]
            if name == "value":
                values = [None if v is None else float(v) for v in values]
            elif name not in ("start", "end"):
                values = [None if v is None else str(v) for v in values]
            columns[name] = values
        self.writer.write_table(self.pa.table(columns, schema=self.schema))
        self.rows = []

    def close(self) -> None:
        self._flush()
        self.writer.close()


def open_fact_writer(path: PathLike):
    """A facts writer chosen by suffix: ``.parquet``/``.pq`` or CSV (anything else)."""
    if Path(path).suffix.lower() in (".parquet", ".pq"):
        return ParquetFactWriter(path)
    return FactWriter(str(path))


class RunOutputs:
    """The files one run writes: JSONL records, facts files and the errors file.

    output (Path): SCHEMA JSONL, one record per tagged document.
    facts (List[Path]): facts tables (CSV or Parquet by suffix).
    errors (Path | None): JSONL of failures (``{"id", "source", "reason"}``).
    resume (bool): keep the records already in ``output`` and append; the
        facts files are rebuilt from them.
    flush_every (int): records between flushes of the JSONL file.
    """

    def __init__(self, output: PathLike, facts: Iterable[PathLike] = (), errors: Optional[PathLike] = None,
                 resume: bool = False, flush_every: int = 32):
        self.output = Path(output)
        self.facts_paths = [Path(p) for p in facts]
        self.errors_path = Path(errors) if errors else None
        self.flush_every = flush_every
        self.done: Set[str] = set()
        self.facts_count = 0
        self._since_flush = 0
        for path in [self.output, *self.facts_paths, *([self.errors_path] if self.errors_path else [])]:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.fact_writers = [open_fact_writer(p) for p in self.facts_paths]
        if resume and self.output.exists():
            repair_jsonl(self.output)
            for record in iter_jsonl(self.output):
                self.done.add(str(record.get("id")))
                self._write_facts(record)
            logger.info("resuming: %d documents already in %s", len(self.done), self.output)
            self.out = open(self.output, "a", encoding="utf-8")
        else:
            self.out = open(self.output, "w", encoding="utf-8")
        # the errors file lists this run's failures only; it is created at the first one
        self.err = None
        self.errors = 0
        if self.errors_path and self.errors_path.exists():
            self.errors_path.unlink()

    def _write_facts(self, record: Dict) -> None:
        if not self.fact_writers:
            return
        rows = record_facts(record)
        self.facts_count += len(rows)
        for writer in self.fact_writers:
            writer.write(rows)

    def write_record(self, record: Dict) -> None:
        """Append one output record (one line, written whole) and its facts."""
        self.out.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.done.add(str(record.get("id")))
        self._since_flush += 1
        if self._since_flush >= self.flush_every:
            self.flush()
        self._write_facts(record)

    def write_error(self, source: str, reason: str, doc_id: Optional[str] = None) -> None:
        """Record one failure in the errors file."""
        self.errors += 1
        if self.errors_path is None:
            return
        if self.err is None:
            self.err = open(self.errors_path, "w", encoding="utf-8")
        if self.err is not None:
            self.err.write(json.dumps({"id": doc_id, "source": source, "reason": reason}, ensure_ascii=False) + "\n")
            self.err.flush()

    def flush(self) -> None:
        self.out.flush()
        self._since_flush = 0

    def close(self) -> None:
        """Flush and close every file (Parquet files are only valid once closed)."""
        self.out.flush()
        os.fsync(self.out.fileno())
        self.out.close()
        for writer in self.fact_writers:
            writer.close()
        if self.err is not None:
            self.err.close()
