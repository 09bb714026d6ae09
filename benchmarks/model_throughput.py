"""Benchmark: model + rules extraction on 6,000-character reports, and peak memory (a script, not a test).

    .venv/bin/python benchmarks/model_throughput.py [--model DIR] [--reports 60] [--threads 2]

Reports are synthetic (gainlp.synth, a seed not used in training), each grown to 6,000 characters with
more prose from other synthetic reports. Prints a table and writes benchmarks/results/model_throughput.json.
Peak memory is the process's maximum resident set size (model loaded, all reports extracted).
"""
from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

from gainlp.model.registry import default_model_path, get_tagger
from gainlp.pipeline import extract_document
from gainlp.readers import read_text
from gainlp.synth import generate

TARGET_RPS = 5.0
TARGET_PEAK_MB = 1536
REPORT_CHARS = 6000
OUT = Path(__file__).resolve().parent / "results" / "model_throughput.json"


def six_thousand_char_reports(n: int, seed: int = 777) -> list[str]:
    reports = list(generate(2 * n, seed=seed))
    texts = []
    for i in range(n):
        text = reports[i].text
        j = n + i
        while len(text) < REPORT_CHARS:  # more prose: another report's section 一, before the signature
            extra = reports[j % len(reports)].text
            cut = extra.find("二、")
            text += "\n" + (extra[: cut if cut > 0 else 1500])
            j += 1
        texts.append(text[:REPORT_CHARS])
    return texts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="model folder (default: the shipped model)")
    ap.add_argument("--reports", type=int, default=60)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = args.model or default_model_path()
    if model is None:
        sys.exit("no model folder found (train one: gainlp train --config configs/train.yaml)")
    texts = six_thousand_char_reports(args.reports)
    t0 = time.perf_counter()
    tagger = get_tagger(str(model))
    load_s = time.perf_counter() - t0

    def run(tag) -> float:
        start = time.perf_counter()
        for text in texts:
            extract_document(read_text(text), tagger=tag)
        return time.perf_counter() - start

    run_model = run(tagger)
    run_rules = run(None)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "benchmark": "model_throughput",
        "model": str(model),
        "reports": len(texts),
        "chars_per_report": REPORT_CHARS,
        "threads": args.threads,
        "model_load_seconds": round(load_s, 2),
        "model_plus_rules_seconds": round(run_model, 2),
        "model_plus_rules_reports_per_second": round(len(texts) / run_model, 2),
        "rules_only_reports_per_second": round(len(texts) / run_rules, 2),
        "peak_rss_mb": round(peak_mb, 1),
        "target_reports_per_second": TARGET_RPS,
        "target_peak_mb": TARGET_PEAK_MB,
        "meets_targets": len(texts) / run_model >= TARGET_RPS and peak_mb <= TARGET_PEAK_MB,
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    rows = [("measure", "value", "target"),
            ("model + rules, reports/s", f"{result['model_plus_rules_reports_per_second']:.2f}", f">= {TARGET_RPS}"),
            ("rules only, reports/s", f"{result['rules_only_reports_per_second']:.2f}", ""),
            ("peak memory, MB", f"{peak_mb:.0f}", f"<= {TARGET_PEAK_MB}"),
            ("model load, s", f"{load_s:.2f}", "")]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    print("\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
