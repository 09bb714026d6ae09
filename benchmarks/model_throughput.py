"""Benchmark: model + rules extraction on 6,000-character reports, and peak memory (a script, not a test).

    .venv/bin/python benchmarks/model_throughput.py [--model DIR] [--reports 60] [--threads 2] [--jobs 2] [--busy 1]

Reports are synthetic (gainlp.synth, a seed not used in training), each grown to 6,000 characters with
more prose from other synthetic reports. Prints a table and writes benchmarks/results/model_throughput.json.
Peak memory is the process's maximum resident set size (model loaded, all reports extracted).
With ``--jobs N`` it also times a batch job, ``gainlp extract -j N`` run as a command over
``--batch-reports`` reports written as files: interpreter start-up, worker start-up and model loading count
in that rate, and the peak memory of its largest process is reported. ``--busy K`` runs K CPU-bound
processes (plain Python loops, not niced) beside the whole measurement, as other work on a shared machine
would (results go to model_throughput_busy.json).
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

from gainlp.model.registry import default_model_path, get_tagger
from gainlp.model.runtime import set_threads, threads
from gainlp.pipeline import extract_document
from gainlp.readers import read_text
from gainlp.synth import generate

TARGET_RPS = 4.0
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


def batch_job(model: str, jobs: int, n: int) -> tuple[float, float]:
    """(reports per second, largest process's peak MB) of `gainlp extract -j jobs` over n 6,000-character
    reports written as files, timed from the command's start (interpreter and workers included)."""
    import subprocess
    import tempfile

    texts = six_thousand_char_reports(n, seed=778)
    with tempfile.TemporaryDirectory() as tmp:
        for i, text in enumerate(texts):
            Path(tmp, "in", f"r{i:04d}.txt").parent.mkdir(exist_ok=True)
            Path(tmp, "in", f"r{i:04d}.txt").write_text(text, encoding="utf-8")
        start = time.perf_counter()
        res = subprocess.run([sys.executable, "-m", "gainlp.cli.main", "extract", str(Path(tmp, "in")), "-o",
                              str(Path(tmp, "out")), "-j", str(jobs), "-q", "--model", model],
                             capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if res.returncode != 0:
            raise SystemExit(f"the batch job failed: {res.stderr.strip()[-500:]}")
        done = sum(1 for _ in Path(tmp, "out").glob("r*.json"))
    if done != n:
        raise SystemExit(f"the batch job wrote {done} of {n} records")
    return n / seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _spin(seconds: float) -> None:
    end = time.time() + seconds
    x = 0
    while time.time() < end:
        x += 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="model folder (default: the shipped model)")
    ap.add_argument("--reports", type=int, default=60)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=0, help="also time a batch job with this many worker processes")
    ap.add_argument("--batch-reports", type=int, default=240)
    ap.add_argument("--busy", type=int, default=0, help="CPU-bound processes running beside the measurement")
    args = ap.parse_args()
    set_threads(args.threads)
    import multiprocessing

    hogs = [multiprocessing.Process(target=_spin, args=(1800,), daemon=True) for _ in range(args.busy)]
    for h in hogs:
        h.start()
    try:
        return _measure(args)
    finally:
        for h in hogs:
            h.terminate()
            h.join()


def _measure(args) -> int:
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
    batch_rps, batch_peak = batch_job(str(model), args.jobs, args.batch_reports) if args.jobs else (None, None)
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
        "batch_worker_peak_rss_mb": round(batch_peak, 1) if batch_rps else None,
        "busy_processes": args.busy,
        "target_reports_per_second": TARGET_RPS,
        "target_peak_mb": TARGET_PEAK_MB,
        "meets_targets": (batch_rps or 0) >= TARGET_RPS and (batch_peak or 0) <= TARGET_PEAK_MB,
        "machine": f"{platform.machine()}, {threads()} onnxruntime threads",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    rows = [("measure", "value", "target"),
            ("model + rules, one process, reports/s", f"{result['model_plus_rules_reports_per_second']:.2f}", ""),
            ("rules only, reports/s", f"{result['rules_only_reports_per_second']:.2f}", ""),
            ("peak memory, MB", f"{peak_mb:.0f}", f"<= {TARGET_PEAK_MB}"),
            *([(f"batch job, {args.jobs} workers, reports/s", f"{batch_rps:.2f}", f">= {TARGET_RPS}"),
               ("batch job, largest process's peak, MB", f"{result['batch_worker_peak_rss_mb']:.0f}",
                f"<= {TARGET_PEAK_MB} a worker")] if batch_rps else []),
            ("model load, s", f"{load_s:.2f}", "")]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    print("\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    out = OUT.with_name("model_throughput_busy.json") if args.busy else OUT
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
