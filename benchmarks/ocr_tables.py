"""Scanned reports: table cells read from a scan against those read from its HTML source, per variant.

    python benchmarks/ocr_tables.py [--synth 5] [--variants clean,rot+1,rot-1,blur,jpeg] [--scans DIR]

Makes the scans with ``gainlp.evaluation.scans`` (the five seeds written as HTML, the two dev pages,
N synthetic reports, and with ``--corpus`` the reports of a folder of texts written as pages; Chromium -> pdftoppm -r 150 -> image-only PDF, per variant; cached in
``--scans``), reads each scan and its source, and reports per variant:

- cell agreement of the reader tables (``gainlp.evaluation.scan_compare.cell_agreement``);
- the record's table values (rules only) against the source's record: the same, left null, wrong;
  and of the wrong ones, how many a failing check flags (the rest are silent);
- the same against the gold record, where the source has one (seeds and synthetic reports);
- OCR seconds per page (machine load shown; other sessions share this machine).

Writes benchmarks/results/ocr_tables.json and prints a markdown table. Target: agreement >= 0.98 and
no silent wrong number.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from tqdm import tqdm

from gainlp.evaluation.scan_compare import Agreement, ValueErrors, cell_agreement, value_errors
from gainlp.evaluation.scans import VARIANTS, make_scans
from gainlp.pipeline import extract_document
from gainlp.readers import read

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GAINLP_SHARED", ROOT.parent / "shared"))
RESULT = ROOT / "benchmarks" / "results" / "ocr_tables.json"
TARGET = 0.98


def _gold_flat(gold: dict) -> dict:
    from gainlp.template import TABLE_NAMES

    return {name: gold.get(name) for name in TABLE_NAMES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synth", type=int, default=5, help="synthetic reports (default 5)")
    parser.add_argument("--synth-seed", type=int, default=13)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--scans", type=Path, default=Path("/tmp/gainlp-scans"), help="scan cache folder")
    parser.add_argument("--only", default="", help="comma-separated source names (default: all)")
    parser.add_argument("--corpus", type=Path, default=None,
                        help="also a folder of report texts, each written as a page (sources corpus-<name>)")
    parser.add_argument("--out", type=Path, default=RESULT)
    parser.add_argument("--show-diffs", action="store_true", help="print the cells that differ")
    args = parser.parse_args(argv)
    variants = tuple(v for v in args.variants.split(",") if v)

    made = make_scans(args.scans, seeds=SHARED / "data" / "seeds", dev=SHARED / "data" / "dev", synth=args.synth,
                      synth_seed=args.synth_seed, variants=variants, corpus=args.corpus,
                      only=set(args.only.split(",")) if args.only else None)
    per_variant: dict[str, dict] = {}
    docs = []
    load = []
    jobs = [(s, v, scans[v]) for s, scans in made for v in variants]
    sources: dict[str, tuple] = {}
    for source, variant, pdf in tqdm(jobs, unit="scan", file=sys.stderr, desc="ocr"):
        if source.name not in sources:
            src_doc = read(source.html)
            sources[source.name] = (src_doc, extract_document(src_doc))
        src_doc, src_rec = sources[source.name]
        load.append(os.getloadavg()[0])
        t0 = time.perf_counter()
        scan_doc = read(pdf)
        seconds = time.perf_counter() - t0
        scan_rec = extract_document(scan_doc)
        agree = cell_agreement(src_doc, scan_doc)
        vs_source = value_errors(scan_rec, src_rec.flat())
        vs_gold = value_errors(scan_rec, _gold_flat(source.gold)) if source.gold else None
        src_vs_gold = value_errors(src_rec, _gold_flat(source.gold)) if source.gold else None
        pages = scan_doc.meta.get("pages", 0)
        v = per_variant.setdefault(variant, {"docs": 0, "pages": 0, "seconds": 0.0, "agree": Agreement(),
                                             "source": ValueErrors(), "gold": ValueErrors(), "source_gold": ValueErrors()})
        v["docs"] += 1
        v["pages"] += pages
        v["seconds"] += seconds
        v["agree"].add(agree)
        v["source"].add(vs_source)
        if vs_gold is not None:
            v["gold"].add(vs_gold)
            v["source_gold"].add(src_vs_gold)
        docs.append({
            "source": source.name, "variant": variant, "pages": pages, "seconds": round(seconds, 1),
            "cells": agree.cells, "agree": agree.agree, "agreement": round(agree.share, 4),
            "wrong_vs_source": vs_source.wrong, "flagged_vs_source": vs_source.flagged,
            "null_vs_source": vs_source.null,
            "wrong_vs_gold": vs_gold.wrong if vs_gold else None,
            "flagged_vs_gold": vs_gold.flagged if vs_gold else None,
            "warnings": scan_doc.warnings,
        })
        if args.show_diffs and agree.diffs:
            print(f"{source.name} {variant}: {agree.agree}/{agree.cells}", file=sys.stderr)
            for a, b in agree.diffs:
                print(f"    {a} -> {b}", file=sys.stderr)

    rows = []
    summary = {}
    for variant in variants:
        v = per_variant.get(variant)
        if not v:
            continue
        a, s, g = v["agree"], v["source"], v["gold"]
        summary[variant] = {
            "docs": v["docs"], "pages": v["pages"], "cells": a.cells, "agree": a.agree,
            "agreement": round(a.share, 4),
            "values_vs_source": {"cells": s.cells, "same": s.same, "null": s.null, "wrong": len(s.wrong),
                                 "flagged": len(s.flagged), "silent": len(s.silent)},
            "values_vs_gold": {"cells": g.cells, "same": g.same, "null": g.null, "wrong": len(g.wrong),
                               "flagged": len(g.flagged), "silent": len(g.silent),
                               "source_html_wrong": len(v["source_gold"].wrong)},
            "seconds_per_page": round(v["seconds"] / max(1, v["pages"]), 2),
        }
        rows.append((variant, str(v["docs"]), str(v["pages"]), f"{a.agree}/{a.cells}", f"{a.share:.3f}",
                     f"{s.same}/{s.cells}", str(s.null), str(len(s.wrong)), str(len(s.silent)),
                     f"{g.same}/{g.cells}", str(len(g.wrong)), str(len(g.silent)),
                     f"{v['seconds'] / max(1, v['pages']):.1f}"))
    head = ("variant", "docs", "pages", "cells agreeing", "agreement", "values = source", "null", "wrong",
            "silent wrong", "values = gold", "wrong", "silent wrong", "s/page")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    result = {
        "benchmark": "ocr_tables",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_1min_mean": round(sum(load) / max(1, len(load)), 2)},
        "target_agreement": TARGET,
        "synth": args.synth, "synth_seed": args.synth_seed,
        "summary": summary,
        "docs": docs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"load average during the run (1 min, mean): {result['machine']['load_1min_mean']}; -> {args.out}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
