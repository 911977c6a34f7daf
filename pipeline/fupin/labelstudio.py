"""Label Studio <-> SCHEMA: the labeling config, tasks, predictions and results.

The labeling config is generated from ``fupin.schema`` (labels, colours,
hotkeys, relation labels), never written by hand. A SCHEMA record becomes a
task whose ``data`` carries the text, the document id, a hash of the text and
the meta; its spans and relations become a prediction: ``labels`` regions
(one per span, with a score) and ``relation`` results between region ids.
Annotations come back through ``annotation_to_record``, which reports every
problem instead of dropping anything silently.

Offsets: Label Studio 1.23 counts ``start``/``end`` in code points, as
Python does (checked in a real browser, see tests/test_labelstudio_browser.py).
On the way back the region's ``text`` is compared with the task text; results
written by a client that counted UTF-16 code units are recognised and
converted, anything else is reported as misaligned.
"""
from __future__ import annotations

import hashlib
import json
import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Tuple
from xml.sax.saxutils import quoteattr

from .extensions import doc_text
from .schema import (CHILD_RELATION, LABEL_COLORS, LABEL_HOTKEYS, LABELS, QUANTITY_LABELS, RELATION_CHILD,
                     RELATION_LABELS, validate_record)

logger = logging.getLogger(__name__)

FROM_NAME = "label"
TO_NAME = "text"
RELATION_COLOR = "#333333"


# ----------------------------------------------------------------------------------------------
# labeling config


def label_config_xml() -> str:
    """The Label Studio labeling config for SCHEMA v1.1, generated from ``fupin.schema``.

    RETURNS (str): the XML text (the content of ``annotations/label_config.xml``).
    """
    lines = [
        "<!-- Generated from fupin.schema by `fupin ls config`; do not edit by hand. -->",
        "<View>",
        '  <Header value="$doc_id"/>',
        "  <Relations>",
    ]
    for rel in RELATION_LABELS:
        lines.append(f"    <Relation value={quoteattr(rel)}/>")
    lines.append("  </Relations>")
    lines.append(f'  <Labels name="{FROM_NAME}" toName="{TO_NAME}" showInline="true">')
    for label in LABELS:
        lines.append(f"    <Label value={quoteattr(label)} background={quoteattr(LABEL_COLORS[label])}"
                     f" hotkey={quoteattr(LABEL_HOTKEYS[label])}/>")
    lines.append("  </Labels>")
    lines.append(f'  <Text name="{TO_NAME}" value="$text" granularity="symbol"/>')
    lines.append("</View>")
    return "\n".join(lines) + "\n"


@dataclass
class LabelConfig:
    """What a labeling config allows: region labels (with colour, hotkey) and relation labels."""

    labels: Dict[str, Dict[str, Optional[str]]]
    relations: Tuple[str, ...]
    from_name: str
    to_name: str
    text_value: str


def parse_label_config(xml: str) -> LabelConfig:
    """Read the labels, colours, hotkeys and relation labels out of a labeling config.

    xml (str): the config text.
    RETURNS (LabelConfig): its contents. Raises ValueError when it has no Labels/Text pair.
    """
    root = ET.fromstring(xml)
    labels_el = root.find(".//Labels")
    text_el = root.find(".//Text")
    if labels_el is None or text_el is None:
        raise ValueError("labeling config has no <Labels> or no <Text>")
    labels = {el.get("value"): {"background": el.get("background"), "hotkey": el.get("hotkey")}
              for el in labels_el.findall("Label")}
    relations = tuple(el.get("value") for el in root.findall(".//Relations/Relation"))
    return LabelConfig(labels=labels, relations=relations, from_name=labels_el.get("name"),
                       to_name=labels_el.get("toName"), text_value=text_el.get("value", "").lstrip("$"))


# ----------------------------------------------------------------------------------------------
# tasks and predictions


def text_hash(text: str) -> str:
    """A short stable hash of a document's text (SHA-256 of its UTF-8, 16 hex digits)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def task_key(data: Dict) -> Tuple[str, str]:
    """The identity of a task: (document id, text hash)."""
    return str(data.get("doc_id")), str(data.get("text_hash") or text_hash(data.get("text", "")))


def region_id(i: int) -> str:
    return f"s{i}"


def record_to_results(record: Dict) -> List[Dict]:
    """Label Studio results for a SCHEMA record: one region per span, one relation per relation.

    Region scores come from the span's ``score`` when the tagger gave one.
    """
    results: List[Dict] = []
    for i, span in enumerate(record.get("spans", [])):
        region = {
            "id": region_id(i), "from_name": FROM_NAME, "to_name": TO_NAME, "type": "labels",
            "origin": "prediction",
            "value": {"start": span["start"], "end": span["end"], "text": span["text"], "labels": [span["label"]]},
        }
        if span.get("score") is not None:
            region["score"] = round(float(span["score"]), 4)
        results.append(region)
    for rel in record.get("relations", []):
        out = {"from_id": region_id(rel["head"]), "to_id": region_id(rel["child"]), "type": "relation",
               "direction": "right", "labels": [rel["label"]]}
        if rel.get("score") is not None:
            out["score"] = round(float(rel["score"]), 4)
        results.append(out)
    return results


def task_score(record: Dict) -> float:
    """How sure the model is of a document: the mean of its region and relation scores.

    A document with nothing found scores 0 (worth a look first).
    """
    scores = [s["score"] for s in record.get("spans", []) if s.get("score") is not None]
    scores += [r["score"] for r in record.get("relations", []) if r.get("score") is not None]
    if not record.get("spans"):
        return 0.0
    if not scores:
        return 1.0
    return round(sum(scores) / len(scores), 4)


def record_to_task(record: Dict, model_version: str) -> Dict:
    """A Label Studio task with its pre-annotation for a tagged SCHEMA record."""
    data = {"text": record["text"], "doc_id": str(record["id"]), "text_hash": text_hash(record["text"]),
            "meta": record.get("meta") or {}}
    return {"data": data, "predictions": [record_to_prediction(record, model_version)]}


def record_to_prediction(record: Dict, model_version: str) -> Dict:
    return {"model_version": model_version, "score": task_score(record), "result": record_to_results(record)}


def validate_results(results: List[Dict], text: str, config: LabelConfig) -> List[str]:
    """Check prediction results against the labeling config and the task text.

    RETURNS (List[str]): the problems; empty when Label Studio can show them as meant.
    """
    problems: List[str] = []
    ids = set()
    for r in results:
        if r.get("type") == "relation":
            continue
        rid = r.get("id")
        where = f"region {rid!r}"
        if rid in ids:
            problems.append(f"{where}: duplicate id")
        ids.add(rid)
        if r.get("type") != "labels":
            problems.append(f"{where}: type {r.get('type')!r} is not 'labels'")
        if r.get("from_name") != config.from_name or r.get("to_name") != config.to_name:
            problems.append(f"{where}: from_name/to_name {r.get('from_name')}/{r.get('to_name')} "
                            f"not {config.from_name}/{config.to_name}")
        value = r.get("value") or {}
        labels = value.get("labels") or []
        if len(labels) != 1:
            problems.append(f"{where}: {len(labels)} labels")
        for label in labels:
            if label not in config.labels:
                problems.append(f"{where}: label {label!r} not in the labeling config")
        start, end = value.get("start"), value.get("end")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            problems.append(f"{where}: bad offsets {start}-{end}")
        elif value.get("text") != text[start:end]:
            problems.append(f"{where}: text {value.get('text')!r} != {text[start:end]!r}")
        score = r.get("score")
        if score is not None and not (0.0 <= score <= 1.0):
            problems.append(f"{where}: score {score} outside [0, 1]")
    for r in results:
        if r.get("type") != "relation":
            continue
        where = f"relation {r.get('from_id')}->{r.get('to_id')}"
        if r.get("from_id") not in ids or r.get("to_id") not in ids:
            problems.append(f"{where}: refers to a missing region")
        for label in r.get("labels") or []:
            if label not in config.relations:
                problems.append(f"{where}: label {label!r} not in the labeling config")
    return problems


# ----------------------------------------------------------------------------------------------
# annotations back to SCHEMA records


def _utf16_to_cp(text: str, offset: int) -> Optional[int]:
    """Convert a UTF-16 code-unit offset of ``text`` to a code-point offset (None if it splits a pair)."""
    units = 0
    for i, ch in enumerate(text):
        if units == offset:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > offset:
            return None
    return len(text) if units == offset else None


@dataclass
class Converted:
    """An annotation converted to a SCHEMA record, with what stops it from being used."""

    record: Dict
    problems: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)


def annotation_to_record(data: Dict, result: List[Dict], *, doc_id: Optional[str] = None,
                         normalize: bool = True) -> Converted:
    """Turn one annotation's ``result`` on a task into a SCHEMA record.

    data (dict): the task's data (``text``, ``doc_id``, ``meta``).
    result (list): the annotation's results (regions and relations).
    doc_id (str): the record id (default: ``data["doc_id"]``).
    normalize (bool): fill values, units, qualifiers, dates and programs with the normaliser.
    RETURNS (Converted): the record, the problems that make it unusable (misaligned or
        overlapping spans, labels outside the schema, relations to missing regions ...)
        and notes (offsets converted, values the normaliser could not give).
    """
    text = data.get("text") or ""
    rid = doc_id or str(data.get("doc_id"))
    problems: List[str] = []
    notes: List[str] = []
    spans: List[Dict] = []
    index: Dict[str, int] = {}
    for r in result:
        if r.get("type") == "relation":
            continue
        if r.get("type") != "labels" or r.get("from_name") != FROM_NAME:
            problems.append(f"result {r.get('id')!r} of type {r.get('type')!r} ({r.get('from_name')}) is not a span")
            continue
        value = r.get("value") or {}
        labels = value.get("labels") or []
        shown = value.get("text")
        where = f"region {r.get('id')!r} {shown!r}"
        if len(labels) != 1:
            problems.append(f"{where} has {len(labels)} labels {labels}")
            continue
        label = labels[0]
        if label not in LABELS:
            problems.append(f"{where}: label {label!r} is not in the schema")
            continue
        start, end = value.get("start"), value.get("end")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            problems.append(f"{where}: offsets {start}-{end} outside the text")
            continue
        if shown is not None and text[start:end] != shown:
            s16, e16 = _utf16_to_cp(text, start), _utf16_to_cp(text, end)
            if s16 is not None and e16 is not None and text[s16:e16] == shown:
                notes.append(f"{where}: UTF-16 offsets {start}-{end} converted to {s16}-{e16}")
                start, end = s16, e16
            else:
                problems.append(f"{where}: misaligned, text at {start}-{end} is {text[start:end]!r}")
                continue
        if "\n" in text[start:end]:
            problems.append(f"{where}: crosses a line break")
            continue
        index[r.get("id")] = len(spans)
        spans.append({"start": start, "end": end, "label": label, "text": text[start:end]})
    relations: List[Dict] = []
    for r in result:
        if r.get("type") != "relation":
            continue
        a, b = r.get("from_id"), r.get("to_id")
        where = f"relation {a!r}->{b!r} {r.get('labels') or []}"
        if a not in index or b not in index:
            gone = [x for x in (a, b) if x not in index]
            problems.append(f"{where}: region {', '.join(map(repr, gone))} was deleted or is unusable")
            continue
        head, child = index[a], index[b]
        if r.get("direction") == "left":
            head, child = child, head
        if spans[head]["label"] not in QUANTITY_LABELS and spans[child]["label"] in QUANTITY_LABELS:
            head, child = child, head  # drawn from the context to the quantity
        labels = r.get("labels") or []
        if len(labels) > 1:
            problems.append(f"{where}: {len(labels)} relation labels")
            continue
        label = labels[0] if labels else CHILD_RELATION.get(spans[child]["label"])
        if label is None:
            problems.append(f"{where}: no label and child {spans[child]['label']} takes none")
            continue
        if not labels:
            notes.append(f"{where}: unlabelled relation labelled {label} from its child")
        if label not in RELATION_CHILD:
            problems.append(f"{where}: relation label {label!r} is not in the schema")
            continue
        relations.append({"head": head, "child": child, "label": label})
    # spans sorted by offset, relation indices remapped
    order = sorted(range(len(spans)), key=lambda i: (spans[i]["start"], spans[i]["end"]))
    new_index = {old: new for new, old in enumerate(order)}
    spans = [spans[i] for i in order]
    relations = sorted(({"head": new_index[r["head"]], "child": new_index[r["child"]], "label": r["label"]}
                        for r in relations), key=lambda r: (r["head"], r["child"], r["label"]))
    meta = data.get("meta") or {}
    if isinstance(meta, str):
        try:
            meta = json.loads(meta)
        except json.JSONDecodeError:
            meta = {"raw": meta}
    record = {"id": rid, "text": text, "meta": meta, "spans": spans, "relations": relations}
    problems.extend(validate_record(record, require_values=False))
    if normalize and not problems:
        notes.extend(normalize_record(record))
    return Converted(record, problems, notes)


_NLP = None


def normalize_record(record: Dict) -> List[str]:
    """Fill the SCHEMA values of a record's spans in place with the normaliser.

    RETURNS (List[str]): notes on spans left without a value.
    """
    global _NLP
    import spacy

    from .docio import record_to_doc
    from .normalizer import normalize_span
    from .textnorm import align

    if _NLP is None:
        _NLP = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    doc = record_to_doc(_NLP, {**record, "relations": []})
    aligned = align(record["text"])
    by_offsets = {(s["start"], s["end"]): s for s in record["spans"]}
    text = doc_text(doc)
    for ent in doc.ents:
        normalize_span(ent, doc._.article_date, text)
        start, end = aligned.to_original(ent.start_char, ent.end_char)
        span = by_offsets.get((start, end))
        if span is None:
            continue
        if span["label"] in QUANTITY_LABELS:
            span.update(value=ent._.value, unit=ent._.unit, qualifier=ent._.qualifier)
        elif span["label"] in ("DEADLINE", "DATE"):
            span["date"] = ent._.date
        elif span["label"] == "PROGRAM":
            span["program"] = ent._.program
    notes = []
    for span in record["spans"]:
        if span["label"] in QUANTITY_LABELS and span.get("value") is None:
            notes.append(f"span {span['text']!r} ({span['label']}) at {span['start']}: no value could be normalised")
    return notes


def result_spans(result: Iterable[Dict]) -> Dict[str, Tuple[int, int, str, str]]:
    """Region id -> (start, end, label, text) for the labels regions of a result (lenient)."""
    out = {}
    for r in result:
        if r.get("type") == "labels":
            v = r.get("value") or {}
            labels = v.get("labels") or [None]
            out[r.get("id")] = (v.get("start"), v.get("end"), labels[0], v.get("text"))
    return out


# ----------------------------------------------------------------------------------------------
# tagging with scores


def tag_with_scores(nlp, records: Iterable[Dict], beam_width: int = 16) -> Iterable[Dict]:
    """Tag records and give every span a score.

    With a trained ``fupin_ner_tagger`` the score of a span is the smallest tag
    probability over its tokens (``EntityTagger.span_scores``); with spaCy's
    ``ner``, its probability under a beam search (``EntityRecognizer.scored_ents``).
    Spans of the rule layer get 1.0, and so do spans the rule back-off added or
    extended to a rule span's extent.
    Relation scores come from the relation extractor (the linker gives 1.0).

    nlp (Language): a loaded pipeline (``tagger.load_pipeline``).
    records (Iterable[dict]): documents (id, text, meta).
    YIELDS (dict): SCHEMA records with ``score`` on spans and relations.
    """
    from .docio import doc_to_record, new_doc

    ner = nlp.get_pipe("ner") if "ner" in nlp.pipe_names else None
    before_ner = []
    if ner is not None:
        for name, proc in nlp.pipeline:
            if name == "ner":
                break
            before_ner.append(proc)
    for record in records:
        doc, aligned = new_doc(nlp, record)
        doc = nlp(doc)
        out = doc_to_record(doc, aligned, record, with_scores=True)
        scores: Dict[Tuple[int, int, str], float] = {}
        if ner is not None and len(doc):
            probe, _ = new_doc(nlp, record)
            for proc in before_ner:
                probe = proc(probe)
            if hasattr(ner, "span_scores"):  # fupin_ner_tagger: per-token tag probabilities
                scores = ner.span_scores([probe])[0]
            else:  # spaCy's transition-based ner: probabilities under a beam search
                scores = ner.scored_ents(ner.beam_parse([probe], beam_width=beam_width))[0]
        by_start = {}
        for ent in doc.ents:
            start, _end = aligned.to_original(ent.start_char, ent.end_char)
            # a span the NER did not decode itself was added or extended by the rule back-off
            # (without an NER, every span is the rule layer's): 1.0
            by_start[start] = scores.get((ent.start, ent.end, ent.label_), 1.0)
        for span in out["spans"]:
            span["score"] = round(min(1.0, float(by_start.get(span["start"], 1.0))), 4)
        for rel in out["relations"]:
            rel.setdefault("score", 1.0)
        yield out


def annotator_name(annotation: Dict) -> str:
    """Who made an annotation, as the export names them (email, else user id)."""
    if annotation.get("completed_by_email"):
        return annotation["completed_by_email"]
    by = annotation.get("completed_by")
    if isinstance(by, dict):
        return by.get("email") or str(by.get("id"))
    return f"user {by}"
