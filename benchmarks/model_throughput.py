"""Benchmark: model + rules extraction on 6,000-character reports, and peak memory (a script, not a test).

    .venv/bin/python benchmarks/model_throughput.py [--model DIR] [--reports 60] [--threads 2] [--jobs 2]

Reports are synthetic (gainlp.synth, a seed not used in training), each grown to 6,000 characters with
more prose from other synthetic reports. Prints a table and writes benchmarks/results/model_throughput.json.
Peak memory is the process's maximum resident set size (model loaded, all reports extracted).
With ``--jobs N`` it also times a batch job, ``gainlp.batch.extract_all(jobs=N)`` (what
``gainlp extract -j N`` runs), over ``--batch-reports`` reports written as files; worker start-up and model
loading count in that rate.
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


def batch_job(model: str, jobs: int, n: int) -> float:
    """Reports per second of extract_all(jobs=...) over n 6,000-character reports written as files."""
    import tempfile

    from gainlp.batch import extract_all

    texts = six_thousand_char_reports(n, seed=778)
    with tempfile.TemporaryDirectory() as tmp:
        for i, text in enumerate(texts):
            Path(tmp, f"r{i:04d}.txt").write_text(text, encoding="utf-8")
        start = time.perf_counter()
        results = list(extract_all([tmp], engine=model, jobs=jobs))
        seconds = time.perf_counter() - start
    failed = [r for r in results if not r.ok]
    if failed:
        raise SystemExit(f"{len(failed)} reports failed in the batch job: {failed[0].error}")
    return len(results) / seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="model folder (default: the shipped model)")
    ap.add_argument("--reports", type=int, default=60)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=0, help="also time a batch job with this many worker processes")
    ap.add_argument("--batch-reports", type=int, default=240)
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
    batch_rps = batch_job(str(model), args.jobs, args.batch_reports) if args.jobs else None
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
        "batch_jobs": args.jobs or None,
        "batch_reports": args.batch_reports if args.jobs else None,
        "batch_reports_per_second": round(batch_rps, 2) if batch_rps else None,
        # the largest worker's peak; the job's whole footprint is at most jobs times this
        "batch_worker_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
        if batch_rps else None,
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
            *([(f"batch job, {args.jobs} workers, reports/s", f"{batch_rps:.2f}", f">= {TARGET_RPS}"),
               ("batch job, largest worker's peak, MB", f"{result['batch_worker_peak_rss_mb']:.0f}",
                f"x {args.jobs} <= {TARGET_PEAK_MB}")] if batch_rps else []),
            ("model load, s", f"{load_s:.2f}", "")]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    print("\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
