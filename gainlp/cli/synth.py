"""`gainlp synth -n N -o FILE.jsonl`: synthetic labelled reports for training and evaluation.

Writes one gainlp annotation object a line (id, text, spans, meta with the gold record), atomically:
the file appears only when every report is written. ``--html-dir`` / ``--docx-dir`` also write each
report as an HTML page / DOCX file with ``<id>.gold.json`` beside it, plus ``annotations.jsonl``: the
same reports labelled over the text that gainlp's readers produce from those files.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

from gainlp.annotations import doc_to_dict
from gainlp.cli import positive_int
from gainlp.outputs import atomic_open, atomic_write_bytes, atomic_write_text
from gainlp.synth import generate
from gainlp.synth.layouts import TEXT_LAYOUTS
from gainlp.synth.narrative import SPLITS
from gainlp.template import TEMPLATES


def _names(value: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in value.split(",") if x.strip())


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-n", type=positive_int, required=True, metavar="N", help="number of reports")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.jsonl", help="annotations file to write")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0); report i depends on (seed, i) only")
    parser.add_argument("--html-dir", type=Path, metavar="D", help="also write each report as D/<id>.html")
    parser.add_argument("--docx-dir", type=Path, metavar="D", help="also write each report as D/<id>.docx")
    parser.add_argument("--layouts", type=_names, metavar="A,B", help=f"only these table layouts ({', '.join(TEXT_LAYOUTS)})")
    parser.add_argument("--exclude-layouts", type=_names, default=(), metavar="A,B", help="never these table layouts")
    parser.add_argument("--phrasing-split", choices=SPLITS, help="only the train or only the held-out phrasings")
    parser.add_argument("--templates", type=_names, default=TEMPLATES, metavar="T", help="2019, 2021 or both (default)")
    parser.add_argument("--noise", type=float, default=1.0, help="noise level in [0, 1] (default 1; 0 = clean text)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")


def run(args: argparse.Namespace) -> int:
    from gainlp.synth.files import annotate_file

    try:
        reports = generate(args.n, seed=args.seed, layouts=args.layouts, exclude_layouts=args.exclude_layouts,
                           phrasing_split=args.phrasing_split, templates=args.templates, noise=args.noise)
    except ValueError as exc:
        print(f"gainlp synth: {exc}", file=sys.stderr)
        return 2
    file_dirs = {fmt: d for fmt, d in (("html", args.html_dir), ("docx", args.docx_dir)) if d is not None}
    file_annotations: dict[str, list[str]] = {fmt: [] for fmt in file_dirs}
    labels = 0
    with atomic_open(args.output) as out:
        for report in tqdm(reports, total=args.n, desc="synth", unit="report", disable=args.quiet, file=sys.stderr):
            doc = report.to_annotated()
            labels += len(doc.spans)
            out.write(json.dumps(doc_to_dict(doc), ensure_ascii=False) + "\n")
            for fmt, folder in file_dirs.items():
                path = folder / f"{report.id}.{fmt}"
                atomic_write_bytes(path, report.to_html() if fmt == "html" else report.to_docx())
                atomic_write_text(folder / f"{report.id}.gold.json",
                                  json.dumps(report.gold, ensure_ascii=False, indent=1) + "\n")
                file_annotations[fmt].append(json.dumps(doc_to_dict(annotate_file(report, path)), ensure_ascii=False))
    for fmt, folder in file_dirs.items():
        atomic_write_text(folder / "annotations.jsonl", "".join(line + "\n" for line in file_annotations[fmt]))
    if not args.quiet:
        extra = "".join(f", {fmt} files in {folder}/" for fmt, folder in file_dirs.items())
        print(f"{args.n} reports, {labels} labelled spans -> {args.output}{extra}")
    return 0
