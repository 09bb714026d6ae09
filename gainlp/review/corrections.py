"""Corrections: what a reviewer changed on a review page, and the gold and annotation forms they map to.

The page's "Download corrections" writes ``<name>.corrections.json``, one JSON object::

    {
      "gainlp": "corrections", "version": 1,
      "id": "pingtan-jjf-2023",                  # the record's name (OUT/<id>.json)
      "created": "2026-11-23T10:00:00.000Z",
      "text_origin": "saved",                    # "saved" (OUT/text/<id>.txt) | "source" (file read again) | null
      "text": "…",                               # the text every offset points into (null when not available)
      "record": {…},                             # the record as extracted (record-format.md)
      "values": [                                # corrected values, keyed as the record's provenance
        {"key": "tables.applications.new_received.total", "was": 5, "value": 6},
        {"key": "agency", "was": "标题平潭…", "value": "平潭综合实验区公安局"},
        {"key": "narrative_metrics.3", "was": 50, "value": 60},
        {"key": "tables.applications.granted.commercial", "was": null, "value": 8}   # an ambiguous cell settled
      ],
      "spans": [                                 # changed spans, offsets in characters (code points), end exclusive
        {"key": "tables.applications.new_received.total", "was": {"start": 10, "end": 11, "label": "TABLE_CELL"},
         "start": 10, "end": 12, "label": "TABLE_CELL"},                 # new boundaries or label
        {"key": "narrative_metrics.2", "was": {…}, "deleted": true},     # not a value at all
        {"key": null, "was": null, "start": 40, "end": 52, "label": "AGENCY"}   # a span the page did not have
      ]
    }

A value ``null`` sets a cell to null. Keys: ``tables.<table>.<row>.<col>``, ``agency``, ``year``,
``published``, ``narrative_metrics.<i>`` (the i-th metric of the record); span keys also ``sections.<i>``.
Downloading corrections says "this record, with these changes, is right": the reviewed record is the
extracted one with the values replaced (:func:`reviewed_record`).

**Gold form** (:func:`to_gold`, the shape of ``../shared/data/seeds/*.gold.json``): ``id``, ``source`` (the
source file's name), ``template``, ``agency``, ``year``, ``sections`` (titles), per table the flat cells
``{"row.col": value}`` (a table the record lacks and no correction fills is left out) and
``narrative_metrics`` as ``[{"subject", "value", "unit"}]``. A cell left ambiguous (null with
candidates) that no correction settles is left out of the gold: nobody has decided it. ``gainlp evaluate``
reads a corrections file as this gold, with the report read from its source file when that file is still
there with the same sha256, else from the saved text.

**Annotation form** (:func:`to_annotated`, a :class:`gainlp.annotations.AnnotatedDoc`, what
``gainlp train data.annotations=[x.corrections.json]`` reads): the text, and spans = every span the page
showed (the record's values and section headings) after the changes (zero-length spans of printed-blank
cells have no characters to label and are left out), plus, for the rest of the text, the rules' weak labels
(the ``rules`` layer of the rule pipeline over the text, as ``gainlp annotate`` gives them, e.g.
TABLE_LABEL, METRIC_SUBJECT) wherever they do not overlap a span the page showed or a reviewer changed.
``meta`` holds ``gold`` (the gold form, so an evaluation on the annotation form scores values too),
``reviewed`` (the indices of the spans from the page) and ``corrections`` (how many changes).
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gainlp.annotations import AnnotatedDoc, AnnotationError, LabeledSpan
from gainlp.labels import LABELS
from gainlp.record import METRIC_KEY, Record
from gainlp.template import TABLE_NAMES

FORMAT = "corrections"
VERSION = 1
SUFFIX = ".corrections.json"
FIELDS = ("agency", "year", "published")


class CorrectionsError(AnnotationError):
    """A corrections file that is not readable or does not fit its record."""


@dataclass
class Corrections:
    id: str
    record: dict
    text: str | None = None
    text_origin: str | None = None
    values: list[dict] = field(default_factory=list)
    spans: list[dict] = field(default_factory=list)
    created: str | None = None
    path: str | None = None  # the file it was read from (for messages)

    def where(self) -> str:
        return self.path or self.id


def is_corrections(obj: Any) -> bool:
    return isinstance(obj, dict) and obj.get("gainlp") == FORMAT


def from_dict(obj: dict, path: str | None = None) -> Corrections:
    where = path or str(obj.get("id", "corrections"))
    if not is_corrections(obj):
        raise CorrectionsError(f"{where}: not a gainlp corrections object (no \"gainlp\": \"corrections\")")
    if obj.get("version") != VERSION:
        raise CorrectionsError(f"{where}: corrections version {obj.get('version')!r}; this gainlp reads {VERSION}")
    record = obj.get("record")
    if not isinstance(record, dict) or not isinstance(record.get("source"), dict):
        raise CorrectionsError(f"{where}: corrections without the record they correct")
    c = Corrections(id=str(obj.get("id") or Path(where).name.removesuffix(SUFFIX)), record=record,
                    text=obj.get("text"), text_origin=obj.get("text_origin"), values=list(obj.get("values") or []),
                    spans=list(obj.get("spans") or []), created=obj.get("created"), path=path)
    _validate(c)
    return c


def read_corrections(path: str | Path) -> list[Corrections]:
    """The corrections in a file: one object, a JSON list of them, or JSON lines."""
    from gainlp.annotations import _load_json_objects

    return [from_dict(o, str(path)) for o in _load_json_objects(path)]


def _validate(c: Corrections) -> None:
    rec = Record.from_dict(c.record)
    n = len(c.text) if c.text is not None else None
    for v in c.values:
        key = v.get("key")
        if not isinstance(key, str) or "value" not in v:
            raise CorrectionsError(f"{c.where()}: a value correction needs \"key\" and \"value\": {v!r}")
        value = v["value"]
        if key.startswith("tables."):
            parts = key.split(".")
            if len(parts) != 4 or parts[1] not in TABLE_NAMES:
                raise CorrectionsError(f"{c.where()}: unknown cell key {key!r}")
            _number(c, key, value)
        elif key.startswith(METRIC_KEY):
            i = key[len(METRIC_KEY):]
            if not i.isdigit() or int(i) >= len(rec.narrative_metrics):
                raise CorrectionsError(f"{c.where()}: no metric {key!r} in the record")
            if value is None:
                raise CorrectionsError(f"{c.where()}: {key}: a metric's value cannot be null (delete its span instead)")
            _number(c, key, value)
        elif key == "year":
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise CorrectionsError(f"{c.where()}: year must be a whole number or null, not {value!r}")
        elif key in FIELDS:
            if value is not None and not isinstance(value, str):
                raise CorrectionsError(f"{c.where()}: {key} must be text or null, not {value!r}")
        else:
            raise CorrectionsError(f"{c.where()}: unknown value key {key!r}")
    for s in c.spans:
        if s.get("deleted"):
            continue
        start, end, label = s.get("start"), s.get("end"), s.get("label")
        if label not in LABELS:
            raise CorrectionsError(f"{c.where()}: span label {label!r} unknown; known: {', '.join(LABELS)}")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end and (n is None or end <= n)):
            raise CorrectionsError(f"{c.where()}: span ({start}, {end}) is not inside the text")


def _number(c: Corrections, key: str, value) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise CorrectionsError(f"{c.where()}: {key} must be a number or null, not {value!r}")


# --------------------------------------------------------------------------------------------- gold form

def reviewed_record(c: Corrections) -> Record:
    """The extracted record with the corrected values in place."""
    rec = Record.from_dict(copy.deepcopy(c.record))
    for v in c.values:
        key, value = v["key"], v["value"]
        if key.startswith("tables."):
            _, table, row, col = key.split(".")
            rec.set_cell(table, row, col, value)
        elif key.startswith(METRIC_KEY):
            rec.narrative_metrics[int(key[len(METRIC_KEY):])].value = value
        else:
            setattr(rec, key, value)
    return rec


def to_gold(c: Corrections) -> dict:
    """The gold form (see the module docstring)."""
    rec = reviewed_record(c)
    settled = {v["key"] for v in c.values}
    unsettled = {k for k, p in rec.provenance.items() if p.candidates is not None and k not in settled}
    gold: dict[str, Any] = {
        "id": c.id,
        "source": Path(rec.source.path).name if rec.source.path else None,
        "template": rec.template,
        "agency": rec.agency,
        "year": rec.year,
        "sections": [s.title for s in rec.sections],
    }
    for name, cells in rec.flat().items():
        if cells is not None:
            gold[name] = {k: v for k, v in cells.items() if f"tables.{name}.{k}" not in unsettled}
    removed = {int(s["key"][len(METRIC_KEY):]) for s in c.spans
               if s.get("deleted") and str(s.get("key") or "").startswith(METRIC_KEY)}
    gold["narrative_metrics"] = [{"subject": m.subject, "value": m.value, "unit": m.unit}
                                 for i, m in enumerate(rec.narrative_metrics) if i not in removed]
    gold["from_corrections"] = {"created": c.created, "values": len(c.values), "spans": len(c.spans)}
    return gold


# --------------------------------------------------------------------------------------------- annotation form

def page_spans(record: Record, text: str) -> dict[str, LabeledSpan]:
    """The spans a review page shows for a record (its values and section headings), by key."""
    from gainlp.review.views import heading_end, label_of

    out = {key: LabeledSpan(p.start, p.end, label_of(key)) for key, p in record.provenance.items()}
    for i, s in enumerate(record.sections):
        out[f"sections.{i}"] = LabeledSpan(s.start, heading_end(text, s), "SECTION")
    return {k: sp for k, sp in out.items() if 0 <= sp.start <= sp.end <= len(text)}


def _overlaps(a: LabeledSpan, spans: list[LabeledSpan]) -> bool:
    for b in spans:
        if b.start == b.end:  # a printed blank's place: a span over that point overlaps it
            if a.start < b.start < a.end:
                return True
        elif a.start < b.end and b.start < a.end:
            return True
    return False


def to_annotated(c: Corrections) -> AnnotatedDoc:
    """The annotation form (see the module docstring)."""
    if c.text is None:
        raise CorrectionsError(f"{c.where()}: no text in the corrections (the page had none), so no spans to train on")
    from gainlp.pipeline import extract_document
    from gainlp.readers import read_text

    record = Record.from_dict(c.record)
    shown = page_spans(record, c.text)
    claimed = list(shown.values())  # where the page's spans were: the weak labels stay out of these
    for s in c.spans:
        key = s.get("key")
        if key is not None and key in shown:
            if s.get("deleted"):
                del shown[key]
            else:
                shown[key] = LabeledSpan(s["start"], s["end"], s["label"])
        elif key is None and not s.get("deleted"):
            shown[f"added.{len(shown)}"] = LabeledSpan(s["start"], s["end"], s["label"])
    reviewed = sorted({sp for sp in shown.values() if sp.end > sp.start})
    claimed += reviewed
    doc = read_text(c.text, path=record.source.path)
    extract_document(doc)  # the rules' layer over the text: weak labels for what the page does not show
    weak = sorted({LabeledSpan(s.start, s.end, s.label) for s in doc.layers.get("rules", [])
                   if s.end > s.start and not _overlaps(LabeledSpan(s.start, s.end, s.label), claimed)})
    spans = reviewed + weak
    order = sorted(range(len(spans)), key=lambda i: (spans[i].start, spans[i].end, spans[i].label))
    spans = [spans[i] for i in order]
    reviewed_set = set(reviewed)
    meta = {
        "source": record.source.path, "sha256": record.source.sha256, "format": record.source.format,
        "template": record.template, "from": "corrections", "weak_labels": "rules",
        "reviewed": [i for i, sp in enumerate(spans) if sp in reviewed_set],
        "corrections": len(c.values) + len(c.spans),
        "gold": to_gold(c),
    }
    return AnnotatedDoc(id=c.id, text=c.text, spans=spans, meta=meta)


def read_annotated(path: str | Path) -> list[AnnotatedDoc]:
    """A corrections file in the annotation form (for :func:`gainlp.annotations.read_annotations`)."""
    return [to_annotated(c) for c in read_corrections(path)]


def sniff(path: str | Path) -> bool:
    """Is this file a corrections file? (Its name, else its first object.)"""
    p = Path(path)
    if p.name.endswith(SUFFIX):
        return True
    if p.suffix.lower() not in (".json", ".jsonl"):
        return False
    try:
        with open(p, encoding="utf-8-sig") as f:
            head = f.read(4096)
    except (OSError, UnicodeDecodeError):
        return False
    return '"gainlp": "corrections"' in head or '"gainlp":"corrections"' in head


def dumps(c: Corrections) -> str:
    obj = {"gainlp": FORMAT, "version": VERSION, "id": c.id, "created": c.created, "text_origin": c.text_origin,
           "text": c.text, "record": c.record, "values": c.values, "spans": c.spans}
    return json.dumps(obj, ensure_ascii=False, indent=1)


__all__ = ["FORMAT", "VERSION", "SUFFIX", "Corrections", "CorrectionsError", "is_corrections", "from_dict",
           "read_corrections", "reviewed_record", "to_gold", "to_annotated", "page_spans", "read_annotated",
           "sniff", "dumps"]
