"""`gainlp annotate PATH... -o FILE.jsonl`: pre-label real reports with the rules, for human correction.

Every report is read and run through the rule pipeline; the spans of its "rules" layer become the
document's labels (:func:`weak_annotation`). Spans a reviewer should look at first are listed in
``meta["low_confidence"]`` (with reasons in ``meta["low_confidence_reasons"]``) and get a lower score
in Label Studio predictions:

* a rules score below ``MIN_SCORE`` (0.9);
* a TABLE_CELL whose table has a failed or not-assessable check;
* a METRIC_VALUE / METRIC_SUBJECT no passing prose check confirms.

``--format label-studio`` also writes the labelling config next to the output (``FILE.label_config.xml``).
A file that cannot be read gets a one-line error on stderr; the others go on. Exit status 1 only when
no document could be annotated.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from tqdm import tqdm

from gainlp.annotations import (LOW_CONFIDENCE_SCORE, AnnotatedDoc, LabeledSpan, atomic_write_text,
                                label_studio_config, write_annotations, write_docbin)
from gainlp.document import Document
from gainlp.record import Check, Record

log = logging.getLogger(__name__)

MIN_SCORE = 0.9
FORMATS = ("gainlp", "label-studio", "doccano")
METRIC_LABELS = ("METRIC_VALUE", "METRIC_SUBJECT")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="report files or folders (recursive)")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="FILE",
                        help="annotation file to write (JSONL; a JSON task list for label-studio)")
    parser.add_argument("--format", choices=FORMATS, default="gainlp", help="output format (default gainlp)")
    parser.add_argument("--as-annotations", action="store_true",
                        help="label-studio: write the spans as annotations instead of predictions")
    parser.add_argument("--docbin", type=Path, metavar="FILE.spacy", help="also write a spaCy DocBin")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


# --------------------------------------------------------------------------------------- weak labels

def _confirmed_metric_ranges(record: Record) -> list[tuple[int, int]]:
    """Character ranges of the narrative metrics that a passing prose check compared with the tables."""
    from gainlp.checks import first_metric  # the metric each prose check uses
    from gainlp.template import load_spec

    status = {c.name: c.status for c in record.checks}
    out = []
    for pc in load_spec().prose_checks:
        metric = first_metric(record.narrative_metrics, pc)
        if metric is not None and status.get(f"prose.{pc.name}") == Check.PASS:
            out.append((metric.start, metric.end))
    return out


def _unsure_cells(record: Record) -> dict[str, str]:
    """"table.row.col" -> the first failed check comparing that cell (a cell the checks cannot settle)."""
    out: dict[str, str] = {}
    for c in record.checks:
        if c.status == Check.FAIL:
            for cell in c.cells:
                out.setdefault(cell, f"check {c.name} fails")
    return out


def weak_annotation(doc: Document, record: Record, doc_id: str, layer: str = "rules") -> AnnotatedDoc:
    """The document's ``layer`` spans as an AnnotatedDoc, low-confidence spans marked in meta."""
    unsure = _unsure_cells(record)
    confirmed = _confirmed_metric_ranges(record)
    spans, scores, reasons = [], [], {}
    for sp in sorted(doc.layers.get(layer, []), key=lambda s: (s.start, s.end, s.label)):
        i = len(spans)
        spans.append(LabeledSpan(sp.start, sp.end, sp.label))
        reason = None
        if sp.score < MIN_SCORE:
            reason = f"score {sp.score:.2f} < {MIN_SCORE}"
        elif sp.label == "TABLE_CELL" and (cell := f"{sp.attrs.get('table')}.{sp.attrs.get('row')}.{sp.attrs.get('col')}") in unsure:
            reason = unsure[cell]
        elif sp.label in METRIC_LABELS and not any(s <= sp.start and sp.end <= e for s, e in confirmed):
            reason = "metric not confirmed by a prose check"
        if reason:
            reasons[str(i)] = reason
        scores.append(round(min(sp.score, LOW_CONFIDENCE_SCORE) if reason else sp.score, 4))
    meta = {
        "source": doc.path, "format": doc.format, "sha256": doc.sha256, "template": record.template,
        "year": record.year, "agency": record.agency, "weak_labels": layer,
        "failed_checks": [c.name for c in record.checks if c.status == Check.FAIL],
        "low_confidence": sorted(int(i) for i in reasons), "low_confidence_reasons": reasons,
        "span_scores": scores,
    }
    reader_meta = _json_safe(doc.meta)
    if reader_meta:
        meta["reader"] = reader_meta
    return AnnotatedDoc(id=doc_id, text=doc.text, spans=spans, meta=meta)


def _json_safe(meta: dict) -> dict:
    """The entries of a reader's meta that survive JSON (layout hints, page counts, ...)."""
    out = {}
    for k, v in meta.items():
        try:
            json.dumps(v)
        except (TypeError, ValueError):
            log.debug("reader meta %r is not JSON-serialisable; left out of the annotation", k)
            continue
        out[str(k)] = v
    return out


def annotate_file(path: Path, doc_id: str) -> AnnotatedDoc:
    """Read one report and pre-label it with the rules; raises on an unreadable file."""
    from gainlp.pipeline import extract_document
    from gainlp.readers import ReadError, read

    doc = read(path)
    if not doc.text.strip():
        raise ReadError(str(path), "no text found (an empty file, or a scan without a text layer)")
    record = extract_document(doc)
    return weak_annotation(doc, record, doc_id)


def _doc_ids(files: list[Path]) -> list[str]:
    """The file stem, made unique with "-2", "-3", ... when two files share one."""
    ids, used = [], set()
    for f in files:
        base, n = f.stem, 1
        doc_id = base
        while doc_id in used:
            n += 1
            doc_id = f"{base}-{n}"
        used.add(doc_id)
        ids.append(doc_id)
    return ids


def run(args: argparse.Namespace) -> int:
    from gainlp.batch import error_message, iter_inputs  # one-line error text shared with `gainlp extract`

    files = iter_inputs(args.paths)
    if not files:
        print(f"gainlp annotate: no report files found in {', '.join(map(str, args.paths))}", file=sys.stderr)
        return 1
    docs, errors = [], 0
    bar = tqdm(list(zip(files, _doc_ids(files))), unit="file", desc="annotate", file=sys.stderr,
               disable=args.quiet)
    for path, doc_id in bar:
        try:
            docs.append(annotate_file(path, doc_id))
        except Exception as exc:  # one bad file never stops the batch: it is reported on one line
            log.debug("annotating %s failed", path, exc_info=True)
            errors += 1
            tqdm.write(f"gainlp annotate: {error_message(path, exc)}", file=sys.stderr)
    if not docs:
        print("gainlp annotate: no document could be annotated; nothing written", file=sys.stderr)
        return 1
    kwargs = {"as_annotations": args.as_annotations} if args.format == "label-studio" else {}
    write_annotations(docs, args.output, args.format, **kwargs)
    if args.format == "label-studio":
        atomic_write_text(args.output.with_suffix(".label_config.xml"), label_studio_config())
    if args.docbin:
        write_docbin(docs, args.docbin)
    if not args.quiet:
        n_low = sum(len(d.meta["low_confidence"]) for d in docs)
        n_spans = sum(len(d.spans) for d in docs)
        print(f"gainlp annotate: {len(docs)} documents, {n_spans} spans ({n_low} low-confidence) -> {args.output}"
              + (f"; {errors} file(s) in error" if errors else ""), file=sys.stderr)
    return 0
