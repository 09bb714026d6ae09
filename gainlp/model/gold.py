"""Hand-checked gold as training data: a report's text and its gold narrative metrics become labels.

A gold set (``*.gold.json`` beside its text, the form of ``benchmarks/data/blind-prose``) lists every
narrative metric of a text as ``{"subject", "value", "unit"}``, the subject printed verbatim. Training
needs character spans, so :func:`gold_annotation` finds them:

* **the value**: every count of the text the rules' number grammar reads (``rules.narrative.quantities``)
  with the gold value and unit is a candidate;
* **the subject**: an occurrence of the gold subject in the same sentence, ending before the count
  (at most ``SUBJECT_BEFORE`` characters from it) or starting right after it (``SUBJECT_AFTER``);
* one gold metric takes one count: pairs are assigned closest first, one to one.

The assigned counts and subjects are METRIC_VALUE and METRIC_SUBJECT spans; every other count of the
text is taught as "O" (the gold says it is none: a date, a deadline, a hotline). Section headings come
from the rules' layer. Characters the gold cannot vouch for are left out of the loss
(``meta["trusted"]``, gainlp.model.weak): the rules' AGENCY, YEAR and DATE spans, and the sentence of a
gold metric no count could be found for (``GoldProjection.unplaced``), so a metric written in a form the
grammar does not read is never taught as "O".
"""
from __future__ import annotations

import json
import logging
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path

from gainlp.annotations import AnnotatedDoc, LabeledSpan
from gainlp.evaluation.matching import same_quantity
from gainlp.model.weak import TRUSTED, merge_ranges
from gainlp.rules.narrative import SENTENCE_BREAK, quantities
from gainlp.text import normalize

log = logging.getLogger(__name__)

SUBJECT_BEFORE = 60  # characters between a subject's end and its count, at most
SUBJECT_AFTER = 12   # characters between a count and a subject printed after it ("一名班子成员"), at most
UNVOUCHED = ("AGENCY", "YEAR", "DATE")  # rule labels the narrative gold does not check


@dataclass
class GoldProjection:
    """How a gold file's metrics were placed in its text."""

    placed: int = 0
    unplaced: list[dict] = field(default_factory=list)  # gold metrics with no count or no subject found


class _Sentences:
    """Where the sentences of a text start and end (rules.narrative.SENTENCE_BREAK), looked up by bisection."""

    def __init__(self, text: str) -> None:
        self.n = len(text)
        self.breaks = [m.start() for m in SENTENCE_BREAK.finditer(text)]

    def bounds(self, pos: int) -> tuple[int, int]:
        k = bisect_left(self.breaks, pos)
        return (self.breaks[k - 1] + 1 if k else 0), (self.breaks[k] if k < len(self.breaks) else self.n)


def _subject_places(text: str, sentences: _Sentences, subject: str, vs: int, ve: int) -> list[tuple[int, int, int]]:
    """(distance, start, end) of each occurrence of ``subject`` near the count at text[vs:ve], in its sentence."""
    s0, s1 = sentences.bounds(vs)
    out = []
    k = text.find(subject, s0, s1)
    while k >= 0:
        end = k + len(subject)
        if end <= vs and vs - end <= SUBJECT_BEFORE:
            out.append((vs - end, k, end))
        elif k >= ve and k - ve <= SUBJECT_AFTER:
            out.append((k - ve, k, end))
        k = text.find(subject, k + 1, s1)
    return out


def gold_annotation(text: str, gold_metrics: list[dict], doc_id: str, rule_spans: list = ()
                    ) -> tuple[AnnotatedDoc, GoldProjection]:
    """The gold metrics of ``text`` as spans (see the module doc); ``rule_spans``: the rules' layer, for
    section headings and the spans left out of the loss."""
    norm = normalize(text, join_lines=True)
    sentences = _Sentences(text)
    counts = []
    for q in quantities(norm.text):
        s, e = norm.to_source(q.start, q.end)
        counts.append((s, e, q.value, q.unit))
    pairs = []
    for j, g in enumerate(gold_metrics):
        for i, (s, e, value, unit) in enumerate(counts):
            if same_quantity({"value": value, "unit": unit}, g):
                pairs += [(d, j, i, ss, se) for d, ss, se in _subject_places(text, sentences, g["subject"], s, e)]
    pairs.sort()
    used_gold: set[int] = set()
    used_count: set[int] = set()
    spans: list[LabeledSpan] = []
    for _, j, i, ss, se in pairs:
        if j in used_gold or i in used_count:
            continue
        used_gold.add(j)
        used_count.add(i)
        spans += [LabeledSpan(counts[i][0], counts[i][1], "METRIC_VALUE"), LabeledSpan(ss, se, "METRIC_SUBJECT")]
    projection = GoldProjection(placed=len(used_gold), unplaced=[g for j, g in enumerate(gold_metrics) if j not in used_gold])
    untrusted = []
    for g in projection.unplaced:  # its sentence, wherever its value could be printed
        for s, e, value, unit in counts:
            if abs(float(value) - float(g["value"])) < 1e-9:
                untrusted.append(sentences.bounds(s))
        k = text.find(g["subject"])
        while k >= 0:
            untrusted.append(sentences.bounds(k))
            k = text.find(g["subject"], k + 1)
    for sp in rule_spans:
        if sp.label == "SECTION":
            spans.append(LabeledSpan(sp.start, sp.end, "SECTION"))
        elif sp.label in UNVOUCHED:
            untrusted.append((sp.start, sp.end))
    untrusted = merge_ranges(untrusted)
    trusted, at = [], 0
    for s, e in untrusted:
        if s > at:
            trusted.append([at, s])
        at = max(at, e)
    if at < len(text):
        trusted.append([at, len(text)])
    taken = [sp for sp in sorted(set(spans)) if not any(sp.start < e and s < sp.end for s, e in untrusted)]
    doc = AnnotatedDoc(id=doc_id, text=text, spans=taken,
                       meta={"gold_labels": True, TRUSTED: trusted, "placed": projection.placed,
                             "unplaced": len(projection.unplaced)})
    return doc, projection


def read_gold_folder(path: str | Path) -> list[AnnotatedDoc]:
    """Every gold file under ``path`` with narrative metrics, as an AnnotatedDoc (:func:`gold_annotation`);
    the text is read by its reader and run through the rules for its section headings."""
    from gainlp.pipeline import extract_document
    from gainlp.readers import read

    out = []
    for f in sorted(Path(path).rglob("*.gold.json")):
        gold = json.loads(f.read_text(encoding="utf-8"))
        if not gold.get("narrative_metrics"):
            continue
        doc = read(f.with_name(gold["source"]))
        extract_document(doc)
        ann, projection = gold_annotation(doc.text, gold["narrative_metrics"], str(gold.get("id", f.stem)),
                                          doc.layers.get("rules", []))
        if projection.unplaced:
            log.info("%s: %d of %d gold metrics not placed in the text: %s", f, len(projection.unplaced),
                     len(gold["narrative_metrics"]), [(g["subject"], g["value"], g["unit"]) for g in projection.unplaced][:5])
        out.append(ann)
    return out
