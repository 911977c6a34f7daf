"""A Label Studio export -> an annotation round ``annotations/round-N/``.

Every task of the export gets exactly one disposition, with its reason:

- ``annotated``: one submitted annotation, converted to a SCHEMA record;
- ``multiply annotated``: several submitted annotations; one wins (ground truth
  first, then the most recently updated, then the highest id) and the README
  says which and why;
- ``cancelled``: every annotation was cancelled (the annotator pressed Skip);
- ``skipped``: nobody has submitted an annotation yet (drafts are named);
- ``unusable``: the winning annotation has misaligned or overlapping spans,
  relations whose region was deleted, labels outside the schema ... each
  listed with the reason; the annotation stays in Label Studio to be fixed.

The counts add up to the number of tasks. The round holds ``docs.jsonl``
(SCHEMA records of annotated tasks), ``train.spacy``/``dev.spacy``,
``report.json`` (every task's disposition), ``export.json`` (the raw export,
so nothing an annotator did is lost) and ``README.md``.
"""
from __future__ import annotations

import datetime as _dt
import importlib.util
import json
import logging
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from .labelstudio import annotation_to_record, annotator_name

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
DISPOSITIONS = ("annotated", "multiply annotated", "cancelled", "skipped", "unusable")


@dataclass
class TaskOutcome:
    """What was done with one task."""

    task_id: int
    doc_id: str
    disposition: str
    reason: str
    annotations: List[Dict] = field(default_factory=list)  # id, by, cancelled, updated
    winner: Optional[int] = None
    problems: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)


def _pick_winner(submitted: List[Dict]) -> tuple:
    """The annotation that wins among several submitted ones, and why."""
    gt = [a for a in submitted if a.get("ground_truth")]
    pool = gt or submitted
    winner = max(pool, key=lambda a: (a.get("updated_at") or a.get("created_at") or "", a.get("id") or 0))
    if gt:
        why = "marked ground truth" + (" (and the most recently updated of those)" if len(gt) > 1 else "")
    else:
        times = [a.get("updated_at") or a.get("created_at") or "" for a in submitted]
        if times.count(winner.get("updated_at") or winner.get("created_at") or "") > 1:
            why = "same update time; the highest annotation id"
        else:
            why = "the most recently updated"
    return winner, why


def classify_task(task: Dict) -> tuple:
    """Decide what to do with one exported task.

    RETURNS (TaskOutcome, dict | None): the outcome and the SCHEMA record when usable.
    """
    data = task.get("data") or {}
    doc_id = str(data.get("doc_id") or f"ls-task-{task.get('id')}")
    annotations = task.get("annotations") or []
    info = [{"id": a.get("id"), "by": annotator_name(a), "cancelled": bool(a.get("was_cancelled")),
             "ground_truth": bool(a.get("ground_truth")), "updated": a.get("updated_at")} for a in annotations]
    outcome = TaskOutcome(task_id=task.get("id"), doc_id=doc_id, disposition="", reason="", annotations=info)
    submitted = [a for a in annotations if not a.get("was_cancelled")]
    cancelled = [a for a in annotations if a.get("was_cancelled")]
    if not annotations:
        drafts = task.get("drafts") or []
        outcome.disposition = "skipped"
        outcome.reason = ("not annotated yet" if not drafts else
                          f"not submitted: only {len(drafts)} draft(s), left in Label Studio")
        return outcome, None
    if not submitted:
        outcome.disposition = "cancelled"
        outcome.reason = "cancelled (skipped in Label Studio) by " + ", ".join(
            f"{annotator_name(a)} (annotation {a.get('id')})" for a in cancelled)
        return outcome, None
    if len(submitted) == 1:
        winner, why = submitted[0], ""
    else:
        winner, why = _pick_winner(submitted)
    outcome.winner = winner.get("id")
    converted = annotation_to_record(data, winner.get("result") or [], doc_id=doc_id)
    outcome.problems, outcome.notes = converted.problems, converted.notes
    also = f"; {len(cancelled)} cancelled annotation(s) ignored" if cancelled else ""
    if converted.problems:
        outcome.disposition = "unusable"
        outcome.reason = (f"annotation {winner.get('id')} by {annotator_name(winner)}: " + "; ".join(converted.problems))
        if len(submitted) > 1:
            outcome.reason += f" (it won over {len(submitted) - 1} other annotation(s): {why})"
        return outcome, None
    if len(submitted) > 1:
        others = ", ".join(f"{a.get('id')} by {annotator_name(a)}" for a in submitted if a is not winner)
        outcome.disposition = "multiply annotated"
        outcome.reason = (f"{len(submitted)} annotations; annotation {winner.get('id')} by {annotator_name(winner)} won "
                          f"({why}) over {others}{also}")
    else:
        outcome.disposition = "annotated"
        outcome.reason = f"annotation {winner.get('id')} by {annotator_name(winner)}{also}"
    record = converted.record
    record.setdefault("meta", {})
    record["meta"] = {**record["meta"], "ls_task": task.get("id"), "ls_annotation": winner.get("id")}
    return outcome, record


def next_round_number(annotations_dir: Path) -> int:
    numbers = [int(m.group(1)) for p in annotations_dir.glob("round-*")
               if (m := re.fullmatch(r"round-(\d+)", p.name))]
    return max(numbers, default=-1) + 1


def _make_docbins():
    spec = importlib.util.spec_from_file_location("fupin_make_docbins", ROOT / "scripts" / "make_docbins.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_docbins


@dataclass
class RoundSummary:
    path: Path
    number: int
    counts: Dict[str, int]
    total: int
    outcomes: List[TaskOutcome]
    records: List[Dict]


def write_round(export: List[Dict], annotations_dir: Path, *, project: Dict, number: Optional[int] = None,
                dev_share: float = 0.1, now: Optional[_dt.datetime] = None) -> RoundSummary:
    """Write ``annotations_dir/round-N/`` from a full JSON export.

    export (list): the tasks of Label Studio's JSON export (not JSON_MIN).
    project (dict): ``title``, ``id`` and ``url`` of the project, for the README.
    number (int): the round number (default: the next free one).
    RETURNS (RoundSummary): where it went and what was done with every task.
    """
    now = now or _dt.datetime.now(_dt.timezone.utc)
    annotations_dir = Path(annotations_dir)
    number = next_round_number(annotations_dir) if number is None else number
    out = annotations_dir / f"round-{number}"
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} exists and is not empty; choose another --round")
    out.mkdir(parents=True, exist_ok=True)
    outcomes: List[TaskOutcome] = []
    records: List[Dict] = []
    by_doc: Dict[str, int] = {}
    for task in sorted(export, key=lambda t: t.get("id") or 0):
        outcome, record = classify_task(task)
        if record is not None and record["id"] in by_doc:
            # the same document id in two tasks (a re-pushed edited text): the later task wins
            earlier = by_doc[record["id"]]
            prev = next(o for o in outcomes if o.task_id == records[earlier]["meta"]["ls_task"])
            prev.disposition = "unusable"
            prev.reason = f"superseded: task {task.get('id')} holds a later version of document {record['id']}"
            records[earlier] = record
        elif record is not None:
            by_doc[record["id"]] = len(records)
            records.append(record)
        outcomes.append(outcome)
    counts = {d: sum(o.disposition == d for o in outcomes) for d in DISPOSITIONS}
    assert sum(counts.values()) == len(export), "every task has exactly one disposition"
    with open(out / "docs.jsonl", "w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    split = _make_docbins()([out / "docs.jsonl"], out, dev_share) if records else {"train": 0, "dev": 0}
    (out / "export.json").write_text(json.dumps(export, ensure_ascii=False, indent=1), encoding="utf-8")
    report = {"project": project, "round": number, "time": now.isoformat(timespec="seconds"),
              "tasks": len(export), "counts": counts, "documents": len(records), "splits": split,
              "outcomes": [asdict(o) for o in outcomes]}
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    (out / "README.md").write_text(round_readme(report, records), encoding="utf-8")
    logger.info("wrote %s: %d tasks -> %s", out, len(export),
                ", ".join(f"{n} {d}" for d, n in counts.items() if n))
    return RoundSummary(out, number, counts, len(export), outcomes, records)


def round_readme(report: Dict, records: List[Dict]) -> str:
    """The round's README: project, time, counts, and every task with its reason."""
    p = report["project"]
    n_spans = sum(len(r["spans"]) for r in records)
    n_rels = sum(len(r["relations"]) for r in records)
    lines = [
        f"# Annotation round {report['round']}",
        "",
        f"- project: {p.get('title')!s} (id {p.get('id')}) at {p.get('url')}",
        f"- pulled: {report['time']} (full JSON export, every task)",
        f"- tasks: {report['tasks']}; documents written: {report['documents']} "
        f"({report['splits'].get('train', 0)} train, {report['splits'].get('dev', 0)} dev); "
        f"spans: {n_spans}; relations: {n_rels}",
        "",
        "| disposition | tasks |",
        "|---|---|",
    ]
    for d, n in report["counts"].items():
        lines.append(f"| {d} | {n} |")
    lines.append(f"| **total** | **{sum(report['counts'].values())}** |")
    lines += ["", "Files: `docs.jsonl` (SCHEMA records of the annotated and multiply annotated tasks),",
              "`train.spacy`/`dev.spacy` (DocBin, split by crc32 of the id), `report.json` (every task),",
              "`export.json` (the raw Label Studio export).", ""]
    for d in DISPOSITIONS:
        rows = [o for o in report["outcomes"] if o["disposition"] == d]
        if not rows:
            continue
        lines += [f"## {d} ({len(rows)})", "", "| task | document | reason |", "|---|---|---|"]
        for o in rows:
            reason = o["reason"].replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {o['task_id']} | {o['doc_id']} | {reason} |")
        lines.append("")
    notes = [(o["task_id"], n) for o in report["outcomes"] for n in o["notes"]]
    if notes:
        lines += ["## notes", ""]
        lines += [f"- task {tid}: {n}" for tid, n in notes]
        lines.append("")
    return "\n".join(lines)
