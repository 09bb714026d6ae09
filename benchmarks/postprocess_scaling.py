"""Benchmark: the post-processor's cost on long reports (a script, not a test).

    .venv/bin/python benchmarks/postprocess_scaling.py [--chars 350000] [--out FILE.json]

A long report is made of synthetic reports one after another (gainlp.synth, seed 9090); its "model" layer
is the generator's own labels (score 0.99), so the model itself is not run and what is timed is only
what turns labels into a record: ``assemble.read_model_layer`` and ``combine.combine`` (the rules'
record is made first and not timed). Prints CPU seconds for several lengths up to ``--chars``: a
post-processor linear in the text grows with the length, a quadratic one with its square.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from gainlp.assemble import read_model_layer
from gainlp.combine import combine
from gainlp.document import Span
from gainlp.pipeline import extract_document
from gainlp.readers import read_text
from gainlp.synth import generate


def long_report(chars: int, seed: int = 9090) -> tuple[str, list[Span]]:
    text, spans, i = "", [], 0
    while len(text) < chars:
        doc = next(iter(generate(1, seed=seed + i))).to_annotated()
        base = len(text) + (1 if text else 0)
        text += ("\n" if text else "") + doc.text
        spans += [Span(base + s, base + e, label, source="model", score=0.99) for s, e, label in doc.spans]
        i += 1
    return text, spans


def time_postprocess(text: str, spans: list[Span]) -> dict:
    doc = read_text(text)
    record = extract_document(doc)
    doc.layers["model"] = list(spans)
    start = time.process_time()
    reading = read_model_layer(doc, record.template or "2021", record.sections)
    mid = time.process_time()
    combine(record, reading)
    end = time.process_time()
    return {"chars": len(text), "model_spans": len(spans), "metrics": len(reading.metrics),
            "read_model_layer_cpu_s": round(mid - start, 3), "combine_cpu_s": round(end - mid, 3),
            "total_cpu_s": round(end - start, 3)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chars", type=int, default=350_000)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    text, spans = long_report(args.chars)
    rows = []
    for frac in (0.125, 0.25, 0.5, 1.0):
        n = int(len(text) * frac)
        rows.append(time_postprocess(text[:n], [s for s in spans if s.end <= n]))
    print("| characters | model spans | post-processor CPU-s (read_model_layer + combine) |")
    print("|---|---|---|")
    for r in rows:
        print(f"| {r['chars']:,} | {r['model_spans']:,} | {r['total_cpu_s']:.2f} "
              f"({r['read_model_layer_cpu_s']:.2f} + {r['combine_cpu_s']:.2f}) |")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
