"""Batch jobs as a user runs them: `gainlp extract` over replicated bundled reports (a script, not a test).

    python benchmarks/batch_scale.py jobs [--reports 1000] [--model-reports 120]
        reports/s of `gainlp extract -j 1` and `-j 2`, rules only and model + rules
        -> benchmarks/results/batch_jobs.json
    python benchmarks/batch_scale.py 10k [--reports 10000] [--pdf-every 100]
        10,000 reports with `-j 2` (local engine) and `--engine ray -j 2` (a local Ray cluster), then a
        `-j 2` run killed with kill -9 half-way and run again -> benchmarks/results/batch_10k.json

The reports are the bundled ones (examples/ and ../shared/data/seeds) copied into a temporary folder,
each copy made unique (a line appended to a text, bytes after %%EOF of the PDF) so that no two share a
sha256; `--pdf-every N` makes every N-th copy the bundled PDF. Each run is a fresh `gainlp extract`
process, timed from its start to its exit (start-up, model loading, the cross-report step and the
final commit included). Peak memory is the largest sum of the resident memory of the process and all
its descendants (workers, Ray's processes), sampled every 0.2 s.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [*sorted((ROOT / "examples").glob("*.txt")), *sorted((ROOT.parent / "shared" / "data" / "seeds").glob("*.txt"))]
PDF = ROOT / "examples" / "huaian-2024.pdf"
RESULTS = ROOT / "benchmarks" / "results"
PAGE = os.sysconf("SC_PAGE_SIZE")


def replicate(folder: Path, n: int, pdf_every: int = 0) -> None:
    texts = [p.read_text(encoding="utf-8") for p in SOURCES]
    pdf = PDF.read_bytes()
    folder.mkdir(parents=True)
    for i in range(n):
        if pdf_every and i % pdf_every == pdf_every - 1:
            (folder / f"r{i:05d}.pdf").write_bytes(pdf + f"\n% copy {i}\n".encode())
        else:
            (folder / f"r{i:05d}.txt").write_text(texts[i % len(texts)] + f"\n（副本{i}）\n", encoding="utf-8")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _tree_rss(root: int) -> int:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(d), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields[21]) * PAGE
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


class Run:
    """One `gainlp extract` process: wall time, peak memory of its tree, exit status."""

    def __init__(self, args: list[str]):
        self.cmd = [sys.executable, "-m", "gainlp.cli.main", "extract", *args]
        self.peak = 0
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Run":
        self.cpu0 = _children_cpu()
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     start_new_session=True, cwd=ROOT)
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        return self

    def _sample(self) -> None:
        while self.proc.poll() is None:
            self.peak = max(self.peak, _tree_rss(self.proc.pid))
            time.sleep(0.2)

    def wait(self) -> dict:
        out, err = self.proc.communicate()
        seconds = time.monotonic() - self.t0
        self._sampler.join()
        if self.proc.returncode != 0:
            raise SystemExit(f"{' '.join(self.cmd)} exited {self.proc.returncode}:\n{err[-3000:]}")
        # the CPU time of the process and of every worker it waited for (its whole tree, Ray's processes too
        # when Ray runs inside it)
        cpu = _children_cpu() - self.cpu0
        return {"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "peak_mb": round(self.peak / 2**20),
                "summary": out.strip()}

    def kill9(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


def count_records(out: Path) -> tuple[int, int]:
    """(lines, distinct sha256) of records.jsonl; while a run appends to it, the line being written (no
    newline yet) is not counted."""
    text = (out / "records.jsonl").read_text(encoding="utf-8") if (out / "records.jsonl").exists() else ""
    lines = text.split("\n")[:-1]  # complete lines only
    shas = {json.loads(line)["source"]["sha256"] for line in lines}
    return len(lines), len(shas)


def consistent(out: Path, n: int) -> bool:
    import pyarrow.parquet as pq

    lines, unique = count_records(out)
    jsons = len(list(out.glob("*.json")))
    docs = pq.read_table(out / "documents").to_pylist()
    ok = sum(d["status"] == "ok" for d in docs)
    return lines == unique == jsons == ok == n


def run_jobs(args) -> dict:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        replicate(tmp / "rules_in", args.reports)
        replicate(tmp / "model_in", args.model_reports)
        for model, src, n in (("rules", tmp / "rules_in", args.reports), ("model", tmp / "model_in", args.model_reports)):
            for jobs in (1, 2):
                out = tmp / f"out-{model}-{jobs}"
                flags = ["--no-model"] if model == "rules" else ["--model", "auto"]  # the shipped model
                r = Run([str(src), "-o", str(out), "-j", str(jobs), "-q", *flags]).start().wait()
                assert consistent(out, n), f"{out} is not consistent"
                rows.append({"model": model, "jobs": jobs, "reports": n, "seconds": r["seconds"],
                             "reports_per_second": round(n / r["seconds"], 1), "peak_mb": r["peak_mb"],
                             "cpu_ms_per_report": round(1000 * r["cpu_seconds"] / n, 1),
                             "load_average": round(os.getloadavg()[0], 1)})
                print(f"{model:6} -j {jobs}  {n:5} reports  {r['seconds']:7.1f} s  {n / r['seconds']:6.1f} reports/s  "
                      f"{1000 * r['cpu_seconds'] / n:6.1f} CPU ms/report  peak {r['peak_mb']} MB  "
                      f"load {os.getloadavg()[0]:.1f}", flush=True)
    return {"benchmark": "batch_jobs", "runs": rows}


def run_10k(args) -> dict:
    n = args.reports
    result: dict = {"benchmark": "batch_10k", "reports": n, "pdf_every": args.pdf_every}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src = tmp / "in"
        replicate(src, n, args.pdf_every)
        engines = [("local -j 2", ["-j", "2"]), ("ray -j 2", ["--engine", "ray", "-j", "2"])]
        for label, flags in engines:
            if args.skip_ray and "ray" in label:
                continue
            out = tmp / f"out-{label.split()[0]}"
            r = Run([str(src), "-o", str(out), "--no-model", *flags]).start().wait()
            ok = consistent(out, n)
            result[label] = {"seconds": r["seconds"], "reports_per_second": round(n / r["seconds"], 1),
                             "peak_mb": r["peak_mb"], "cpu_ms_per_report": round(1000 * r["cpu_seconds"] / n, 1),
                             "load_average": round(os.getloadavg()[0], 1), "consistent": ok}
            print(f"{label:11} {n} reports  {r['seconds']:7.1f} s  {n / r['seconds']:6.1f} reports/s  "
                  f"peak {r['peak_mb']} MB  consistent={ok}", flush=True)
            shutil.rmtree(out)
        # kill -9 half-way, then the same command again
        out = tmp / "out-resume"
        run = Run([str(src), "-o", str(out), "--no-model", "-j", "2"]).start()
        while run.proc.poll() is None and count_records(out)[0] < n // 2:
            time.sleep(0.5)
        run.kill9()
        killed_after = round(time.monotonic() - run.t0, 1)
        committed = count_records(out)[0]
        r = Run([str(src), "-o", str(out), "--no-model", "-j", "2"]).start().wait()
        read_again = next((line for line in r["summary"].splitlines() if line.strip().startswith("files")), "")
        ok = consistent(out, n)
        result["resume after kill -9"] = {"killed_after_seconds": killed_after, "records_committed_at_kill": committed,
                                          "rerun_seconds": r["seconds"], "rerun_peak_mb": r["peak_mb"],
                                          "rerun_files_line": read_again.strip(), "consistent": ok}
        print(f"kill -9 after {killed_after} s with {committed} records committed; rerun {r['seconds']} s "
              f"({read_again.strip()}); consistent={ok}", flush=True)
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="what", required=True)
    j = sub.add_parser("jobs")
    j.add_argument("--reports", type=int, default=1000)
    j.add_argument("--model-reports", type=int, default=120)
    k = sub.add_parser("10k")
    k.add_argument("--reports", type=int, default=10000)
    k.add_argument("--pdf-every", type=int, default=100)
    k.add_argument("--skip-ray", action="store_true")
    args = ap.parse_args()
    result = run_jobs(args) if args.what == "jobs" else run_10k(args)
    result.update(machine=f"{platform.machine()}, {os.cpu_count()} cores", load_average_at_end=os.getloadavg(),
                  date=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    name = "batch_jobs.json" if args.what == "jobs" else "batch_10k.json"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / name).write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"written {RESULTS / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
