"""Rules-only extraction throughput: the seed texts repeated to 1000 reports, in process, one core.

    python benchmarks/rules_throughput.py [--repeat 200]

Times read_text + extract_document per report (the file reading itself is left out: the texts are
loaded once), prints a small table and writes benchmarks/results/rules_throughput.json.
Target: at least 100 reports/s.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from tqdm import tqdm

from gainlp.pipeline import extract_document
from gainlp.readers import read_text

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "data" / "seeds"
RESULT = ROOT / "benchmarks" / "results" / "rules_throughput.json"
TARGET = 100.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200, help="times each seed text is extracted")
    parser.add_argument("--seeds", type=Path, default=SEEDS)
    parser.add_argument("--out", type=Path, default=RESULT)
    args = parser.parse_args(argv)

    texts = [p.read_text(encoding="utf-8") for p in sorted(args.seeds.glob("*.txt"))]
    if not texts:
        print(f"no seed texts in {args.seeds}", file=sys.stderr)
        return 1
    work = texts * args.repeat
    extract_document(read_text(texts[0]))  # imports and spec loading are not part of the rate

    per_seed = [0.0] * len(texts)
    started = time.perf_counter()
    for i, text in enumerate(tqdm(work, unit="report", file=sys.stderr, desc="rules")):
        t0 = time.perf_counter()
        extract_document(read_text(text))
        per_seed[i % len(texts)] += time.perf_counter() - t0
    seconds = time.perf_counter() - started
    rate = len(work) / seconds

    result = {
        "benchmark": "rules_throughput",
        "reports": len(work),
        "seeds": len(texts),
        "seconds": round(seconds, 3),
        "reports_per_second": round(rate, 1),
        "target_reports_per_second": TARGET,
        "meets_target": rate >= TARGET,
        "ms_per_report_by_seed": [round(1000 * s / args.repeat, 2) for s in per_seed],
        "python": platform.python_version(),
        "machine": platform.machine(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    print(f"{'reports':>8} {'seconds':>8} {'reports/s':>10} {'target':>7}")
    print(f"{len(work):>8} {seconds:>8.2f} {rate:>10.1f} {TARGET:>7.0f}  {'ok' if rate >= TARGET else 'BELOW TARGET'}")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
