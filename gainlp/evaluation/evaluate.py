"""Evaluate extraction against gold records (.gold.json), a review page's corrections (.corrections.json)
or annotated JSONL.

Scores, per mode (rules-only, model-only, combined):
- table-cell accuracy per table (every gold cell; a table not found counts all its cells wrong),
- agency and year accuracy, section F1 (printed titles), narrative-metric precision/recall/F1
  (evaluation.matching), and, where gold spans exist (annotated JSONL), span-level F1 per label
  (seqeval over character BIO tags).
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from gainlp.annotations import AnnotatedDoc, LabeledSpan, read_annotations, spans_to_bio
from gainlp.document import Document
from gainlp.evaluation.matching import match_metrics
from gainlp.record import Record
from gainlp.template import TABLE_NAMES, label_key

MODES = ("rules", "model", "combined")


@dataclass
class GoldCase:
    id: str
    gold: dict | None  # the flat gold form of the seeds' .gold.json
    path: Path | None = None  # a report file to read
    text: str | None = None  # or the text itself (annotated JSONL)
    spans: list[LabeledSpan] | None = None


@dataclass
class Tally:
    cells: dict[str, list[int]] = field(default_factory=lambda: {n: [0, 0] for n in TABLE_NAMES})  # correct, total
    agency: list[int] = field(default_factory=lambda: [0, 0])
    year: list[int] = field(default_factory=lambda: [0, 0])
    sections: list[int] = field(default_factory=lambda: [0, 0, 0])  # tp, fp, fn
    metrics: list[int] = field(default_factory=lambda: [0, 0, 0])  # matched, extra, missed
    scored: Counter = field(default_factory=Counter)  # how many gold records gave sections / metrics
    gold_bio: list[list[str]] = field(default_factory=list)
    pred_bio: list[list[str]] = field(default_factory=list)
    docs: int = 0

    def add_record(self, rec: Record, gold: dict) -> None:
        self.docs += 1
        flat = rec.flat()
        for name in TABLE_NAMES:
            g = gold.get(name)
            if not g:
                continue
            got = flat.get(name) or {}
            self.cells[name][0] += sum(1 for k, v in g.items() if k in got and got[k] == v)
            self.cells[name][1] += len(g)
        for fld, tally in (("agency", self.agency), ("year", self.year)):
            if fld in gold:
                tally[0] += int(getattr(rec, fld) == gold[fld])
                tally[1] += 1
        if "sections" in gold:
            self.scored["sections"] += 1
            g = Counter(label_key(t, strip_numbering=False) for t in gold["sections"])
            p = Counter(label_key(s.title, strip_numbering=False) for s in rec.sections)
            tp = sum((g & p).values())
            self.sections[0] += tp
            self.sections[1] += sum(p.values()) - tp
            self.sections[2] += sum(g.values()) - tp
        if "narrative_metrics" in gold:
            self.scored["narrative_metrics"] += 1
            m = match_metrics(rec.narrative_metrics, gold["narrative_metrics"])
            self.metrics[0] += len(m.matched)
            self.metrics[1] += len(m.extra)
            self.metrics[2] += len(m.missed)

    def summary(self) -> dict:
        def ratio(a, b):
            return round(a / b, 4) if b else None

        def prf(tp, fp, fn):
            p = tp / (tp + fp) if tp + fp else 1.0
            r = tp / (tp + fn) if tp + fn else 1.0
            f = 2 * p * r / (p + r) if p + r else 0.0
            return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}

        out = {
            "docs": self.docs,
            "table_cell_accuracy": {n: ratio(*self.cells[n]) for n in TABLE_NAMES},
            "table_cells": {n: self.cells[n][1] for n in TABLE_NAMES},
            "agency_accuracy": ratio(*self.agency),
            "year_accuracy": ratio(*self.year),
            # None when no gold record gave any (a set that labels only metrics has no section score)
            "sections": prf(*self.sections) if self.scored["sections"] else None,
            "narrative_metrics": prf(*self.metrics) if self.scored["narrative_metrics"] else None,
        }
        all_cells = [sum(self.cells[n][i] for n in TABLE_NAMES) for i in (0, 1)]
        out["table_cell_accuracy"]["all"] = ratio(*all_cells)
        if self.gold_bio:
            from gainlp.model.tagger import span_metrics

            out["spans"] = span_metrics(self.gold_bio, self.pred_bio)
        return out


def load_cases(paths: list[Path]) -> list[GoldCase]:
    """Gold cases from .gold.json files, folders holding them, or annotated JSONL files."""
    from gainlp.review import corrections

    cases: list[GoldCase] = []
    for p in paths:
        p = Path(p)
        files = (sorted([*p.rglob("*.gold.json"), *p.rglob(f"*{corrections.SUFFIX}")]) if p.is_dir() else [p])
        for f in files:
            if f.name.endswith(".gold.json"):
                gold = json.loads(f.read_text(encoding="utf-8"))
                cases.append(GoldCase(gold.get("id", f.stem), gold, path=f.with_name(gold["source"])))
            elif corrections.sniff(f):
                cases += [_case_from_corrections(c) for c in corrections.read_corrections(f)]
            else:
                for d in read_annotations(f):
                    cases.append(_case_from_annotated(d))
    return cases


def _case_from_corrections(c) -> GoldCase:
    """A review page's corrections as gold (gainlp.review.corrections.to_gold): the report read from its
    source file when that is still there unchanged, else from the text the corrections carry."""
    import hashlib

    from gainlp.review.corrections import CorrectionsError, to_gold

    source = c.record["source"]
    path = Path(source["path"]) if source.get("path") else None
    if path is not None and path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == source.get("sha256"):
        return GoldCase(c.id, to_gold(c), path=path)
    if c.text is None:
        raise CorrectionsError(f"{c.where()}: neither the source file {path} (unchanged) nor the text is there to evaluate on")
    return GoldCase(c.id, to_gold(c), text=c.text)


def _case_from_annotated(d: AnnotatedDoc) -> GoldCase:
    return GoldCase(d.id, d.meta.get("gold"), text=d.text, spans=list(d.spans))


def _read(case: GoldCase) -> Document:
    from gainlp.readers import read, read_text

    return read(case.path) if case.path is not None else read_text(case.text or "", path=case.id)


def _mode_record(doc: Document, mode: str, tagger) -> tuple[Record, list]:
    """The record and the layer of spans a mode produces."""
    from gainlp.assemble import read_model_layer, record_from_reading
    from gainlp.pipeline import extract_document
    from gainlp.template import detect_template

    if mode == "rules" or tagger is None:
        rec = extract_document(doc, tagger=None)
        return rec, doc.layers.get("rules", [])
    if mode == "combined":
        rec = extract_document(doc, tagger=tagger)
        rule_spans = doc.layers.get("rules", [])  # as combine.py: the rules' spans, the model's in the gaps
        claimed = [(s.start, s.end) for s in rule_spans]
        model_left = [s for s in doc.layers.get("model", []) if not any(a < s.end and s.start < b for a, b in claimed)]
        return rec, rule_spans + model_left
    tagger.tag(doc)
    template = detect_template(doc.text) or "2021"
    reading = read_model_layer(doc, template, [])
    return record_from_reading(doc, reading, template), doc.layers.get("model", [])


def evaluate(cases: list[GoldCase], modes: tuple[str, ...] = ("combined",), tagger=None,
             progress: bool = True) -> dict[str, dict]:
    """Score each mode over the cases; returns {mode: summary}."""
    tallies = {m: Tally() for m in modes}
    for case in tqdm(cases, desc="evaluating", unit="doc", disable=not progress or None):
        for mode in modes:
            doc = _read(case)
            rec, spans = _mode_record(doc, mode, tagger)
            t = tallies[mode]
            if case.gold is not None:
                t.add_record(rec, case.gold)
            else:
                t.docs += 1
            if case.spans is not None:
                t.gold_bio.append(spans_to_bio(doc.text, case.spans))
                t.pred_bio.append(spans_to_bio(doc.text, [LabeledSpan(s.start, s.end, s.label) for s in spans
                                                          if s.end > s.start]))
    return {m: tallies[m].summary() for m in modes}


def summary_rows(results: dict[str, dict]) -> list[tuple[str, ...]]:
    """A table (metric, mode1, mode2, …) for printing or a README."""
    modes = list(results)

    def fmt(v):
        return "—" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)

    rows = [("metric", *modes), ("docs", *(fmt(results[m]["docs"]) for m in modes))]
    for name in (*TABLE_NAMES, "all"):
        rows.append((f"cell accuracy: {name}", *(fmt(results[m]["table_cell_accuracy"][name]) for m in modes)))
    rows.append(("agency accuracy", *(fmt(results[m]["agency_accuracy"]) for m in modes)))
    rows.append(("year accuracy", *(fmt(results[m]["year_accuracy"]) for m in modes)))
    rows.append(("section F1", *(fmt((results[m]["sections"] or {}).get("f1")) for m in modes)))
    for k in ("precision", "recall", "f1"):
        rows.append((f"metrics {k}", *(fmt((results[m]["narrative_metrics"] or {}).get(k)) for m in modes)))
    if all("spans" in results[m] for m in modes):
        rows.append(("span F1 (all labels)", *(fmt(results[m]["spans"]["f1"]) for m in modes)))
        labels = sorted({lab for m in modes for lab in results[m]["spans"]["per_label"]})
        for lab in labels:
            rows.append((f"span F1: {lab}", *(fmt(results[m]["spans"]["per_label"].get(lab, {}).get("f1")) for m in modes)))
    return rows


def format_table(rows: list[tuple[str, ...]], markdown: bool = False) -> str:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    if markdown:
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join("---" for _ in rows[0]) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        return "\n".join(lines)
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in rows)


__all__ = ["GoldCase", "Tally", "MODES", "load_cases", "evaluate", "summary_rows", "format_table"]
