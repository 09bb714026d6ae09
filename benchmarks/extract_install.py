"""Benchmark: the extract path as a user installs it (a script, not a test; tests/test_install.py runs it).

    .venv/bin/python benchmarks/extract_install.py [--venv DIR] [--keep]

Makes a fresh virtualenv, installs this checkout with ``pip install .`` (no extras: no torch, no
transformers), then in that venv: measures the size of its site-packages, times ``gainlp extract`` of one
seed report (start-up included) and the import of the model runtime, and checks that the record's values
came from the shipped model (provenance "model") and that neither torch nor transformers is installed.
Prints a table and writes benchmarks/results/extract_install.json.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "results" / "extract_install.json"
SEED = REPO.parent / "shared" / "data" / "seeds" / "000_b2a178df0c812b22.txt"


def _du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def measure(venv: Path, seed: Path = SEED) -> dict:
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as build:  # build outside the checkout: no stale build/ or egg-info
        src = Path(build) / "src"
        shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "out",
                                                                 "__pycache__", ".pytest_cache", ".hypothesis"))
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", str(src)], check=True)
    install_s = time.perf_counter() - started
    site = next((venv / "lib").glob("python3*/site-packages"))
    listed = subprocess.run([str(py), "-m", "pip", "list", "--format=json"], capture_output=True, text=True,
                            check=True)
    names = {p["name"].lower() for p in json.loads(listed.stdout)}
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        res = subprocess.run([str(venv / "bin" / "gainlp"), "extract", str(seed), "-o", out, "-q"],
                             capture_output=True, text=True, cwd=tempfile.gettempdir())
        extract_s = time.perf_counter() - t0
        if res.returncode != 0:
            raise SystemExit(f"gainlp extract failed in the fresh venv: {res.stderr.strip()}")
        record = json.loads((Path(out) / f"{seed.stem}.json").read_text(encoding="utf-8"))
    probe = ("import time, resource; t = time.perf_counter(); from gainlp.model.registry import get_tagger; "
             "tagger = get_tagger('auto'); print(time.perf_counter() - t, "
             "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    load = subprocess.run([str(py), "-c", probe], capture_output=True, text=True, check=True,
                          cwd=tempfile.gettempdir()).stdout.split()
    methods = sorted({p["method"] for p in record["provenance"].values()})
    model_dir = site / "gainlp" / "models" / "gainlp-zh-base"
    return {
        "site_packages_mb": round(_du(site) / 1e6, 1),
        "shipped_model_mb": round(_du(model_dir) / 1e6, 1) if model_dir.is_dir() else 0.0,
        "install_seconds": round(install_s, 1),
        "extract_one_report_seconds": round(extract_s, 2),
        "model_load_seconds": round(float(load[0]), 2),
        "model_load_peak_rss_mb": round(float(load[1]), 1),
        "torch_installed": "torch" in names, "transformers_installed": "transformers" in names,
        "provenance_methods": methods,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--venv", type=Path, default=None, help="where to make the venv (default: a temp folder)")
    ap.add_argument("--keep", action="store_true", help="keep the venv")
    args = ap.parse_args()
    venv = args.venv or Path(tempfile.mkdtemp(prefix="gainlp-extract-venv-")) / "venv"
    try:
        result = measure(venv)
    finally:
        if not args.keep:
            shutil.rmtree(venv, ignore_errors=True)
    print("| measure | value |\n|---|---|")
    for k, v in result.items():
        print(f"| {k} | {v} |")
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
