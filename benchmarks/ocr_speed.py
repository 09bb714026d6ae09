"""OCR speed and memory per page: a 10-page image-only scan read in a fresh process.

    python benchmarks/ocr_speed.py [--pages 10] [--threads N] [--scans DIR]

The pages are the seed reports written as HTML and printed (``gainlp.evaluation.scans``; tables and
prose), rasterised at 150 dpi and bound into one image-only PDF. A child process imports gainlp, reads
the PDF once (``gainlp.readers.read``) and extracts its record (rules only); this script reports the
wall time of the read, the OCR seconds of each page, and the child's peak resident memory. The load
average of the machine before and after is shown: other sessions share it.

Writes benchmarks/results/ocr_speed.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GAINLP_SHARED", ROOT.parent / "shared"))
RESULT = ROOT / "benchmarks" / "results" / "ocr_speed.json"

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
from gainlp.readers import read
from gainlp.pipeline import extract_document
from gainlp.readers.ocr import load_engine
load_engine()
t1 = time.perf_counter()
doc = read(sys.argv[1])
t2 = time.perf_counter()
record = extract_document(doc)
t3 = time.perf_counter()
print(json.dumps({"startup": t1 - t0, "read": t2 - t1, "extract": t3 - t2, "pages": doc.meta["pages"],
                  "page_seconds": doc.meta["ocr_page_seconds"], "page_cpu": doc.meta["ocr_page_cpu_seconds"],
                  "tables": len(doc.tables),
                  "cells": sum(1 for t in doc.tables for c in t.cells()), "warnings": doc.warnings}))
"""


def make_pdf(n: int, scans_dir: Path, out: Path) -> None:
    import cv2

    from gainlp.evaluation.scans import image_pdf, pdf_pages, print_pdf, seed_sources

    pages = []
    for source in seed_sources(SHARED / "data" / "seeds", scans_dir / "html"):
        printed = scans_dir / "scans" / f"{source.name}.printed.pdf"
        printed.parent.mkdir(parents=True, exist_ok=True)
        if not printed.is_file():
            print_pdf(source.html, printed)
        with tempfile.TemporaryDirectory() as tmp:
            pages += [cv2.imread(str(p), cv2.IMREAD_GRAYSCALE) for p in pdf_pages(printed, Path(tmp))]
        if len(pages) >= n:
            break
    image_pdf(pages[:n], out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--threads", type=int, default=0, help="onnxruntime threads (default: all cores)")
    parser.add_argument("--scans", type=Path, default=Path("/tmp/gainlp-scans"))
    parser.add_argument("--out", type=Path, default=RESULT)
    args = parser.parse_args(argv)

    pdf = args.scans / f"speed-{args.pages}pages.pdf"
    if not pdf.is_file():
        make_pdf(args.pages, args.scans, pdf)
    env = dict(os.environ)
    if args.threads:
        env["GAINLP_OCR_THREADS"] = str(args.threads)
    load_before = os.getloadavg()
    done = subprocess.run([sys.executable, "-c", CHILD, str(pdf)], capture_output=True, text=True, env=env, check=True)
    load_after = os.getloadavg()
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    child = json.loads(done.stdout.strip().splitlines()[-1])
    per_page = child["page_seconds"]
    result = {
        "benchmark": "ocr_speed",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "nice": os.nice(0),
                    "load_1min_before": round(load_before[0], 2), "load_1min_after": round(load_after[0], 2)},
        "threads": args.threads or "all",
        "pages": child["pages"],
        "read_seconds": round(child["read"], 1),
        "seconds_per_page": round(child["read"] / child["pages"], 2),
        "page_seconds_max": max(per_page),
        "page_seconds": per_page,
        "page_cpu_seconds": child["page_cpu"],
        "page_cpu_seconds_max": max(child["page_cpu"]),
        "engine_load_seconds": round(child["startup"], 1),
        "extract_seconds": round(child["extract"], 2),
        "peak_rss_mb": round(peak_kb / 1024),
        "tables": child["tables"], "cells": child["cells"], "warnings": child["warnings"],
    }
    print("| pages | read (s) | s/page | slowest page (s) | most CPU s on a page | peak memory (MB) | load before/after |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {result['pages']} | {result['read_seconds']} | {result['seconds_per_page']} | {result['page_seconds_max']} "
          f"| {result['page_cpu_seconds_max']} | {result['peak_rss_mb']} "
          f"| {result['machine']['load_1min_before']} / {result['machine']['load_1min_after']} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
