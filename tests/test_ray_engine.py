"""The Ray engine on a real local cluster (``ray start --head`` on loopback, stopped after even when a test
fails) gives the same outputs and statuses as the local engine."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_batch import SEED_002, SEED_TEXTS, assert_consistent, jsonl

ray = pytest.importorskip("ray")
RAY = Path(sys.executable).with_name("ray")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A one-node cluster of our own: `ray start --head --block` in its own process group, so that
    stopping it stops exactly its processes (``ray stop`` would stop every Ray of the machine)."""
    port = _free_port()
    temp = Path("/tmp") / f"gainlp-ray-{os.getpid()}"  # Ray wants a short socket path
    log = tmp_path_factory.mktemp("ray") / "ray.log"
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0", RAY_AUTH_MODE="disabled")
    with open(log, "w") as f:
        proc = subprocess.Popen(
            [str(RAY), "start", "--head", "--block", f"--port={port}", "--node-ip-address=127.0.0.1",
             "--num-cpus=3", "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={temp}",
             "--object-store-memory=200000000"],
            stdout=f, stderr=subprocess.STDOUT, start_new_session=True, env=env)
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"ray start failed: {log.read_text()[-2000:]}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.5)
        else:
            pytest.fail("ray start did not answer within 120 s")
        yield address
    finally:
        if ray.is_initialized():
            ray.shutdown()
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        shutil.rmtree(temp, ignore_errors=True)


def _outputs(out: Path) -> dict:
    import pandas as pd
    import pyarrow.parquet as pq

    docs = pq.read_table(out / "documents").to_pylist()
    return {
        "documents": sorted((Path(r["path"]).name, r["status"], r["sha256"] or "", r["agency"] or "", r["year"] or 0,
                             bool(r["error"])) for r in docs),
        "records": sorted((json.dumps(r, sort_keys=True, ensure_ascii=False) for r in jsonl(out / "records.jsonl"))),
        "errors": sorted(Path(e["path"]).name for e in jsonl(out / "errors.jsonl")),
        "cells": pd.read_parquet(out / "cells").sort_values(["document", "table", "row", "column"])
        .reset_index(drop=True),
        "json_files": sorted(p.name for p in out.glob("*.json")),
    }


def test_ray_engine_matches_local_engine(cluster, tmp_path):
    from gainlp.runner import run_batch

    d = tmp_path / "in"
    d.mkdir()
    for f in SEED_TEXTS:
        shutil.copy(f, d / f.name)
    (d / "empty.txt").write_bytes(b"")
    (d / "corrupt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << broken")
    (d / "big.txt").write_text(SEED_002.read_text(encoding="utf-8") * 30, encoding="utf-8")
    (d / "notes.xyz").write_text("not a report", encoding="utf-8")
    from gainlp.limits import Limits

    limits = Limits(max_bytes=200_000)
    local = run_batch([d], tmp_path / "local", model="rules", jobs=2, limits=limits)
    remote = run_batch([d], tmp_path / "ray", model="rules", jobs=2, limits=limits, engine="ray",
                       ray_address=cluster)
    assert remote.statuses == local.statuses
    assert local.statuses["ok"] == len(SEED_TEXTS) and local.statuses["error"] == 3
    a, b = _outputs(tmp_path / "local"), _outputs(tmp_path / "ray")
    for key in ("documents", "records", "errors", "json_files"):
        assert a[key] == b[key], key
    assert a["cells"].equals(b["cells"])
    assert_consistent(tmp_path / "ray")
    # resume works the same on Ray: nothing left to read
    again = run_batch([d], tmp_path / "ray", model="rules", jobs=2, limits=limits, engine="ray", ray_address=cluster)
    assert again.resumed == len(SEED_TEXTS) and again.statuses["ok"] == 0


def test_cli_engine_ray(cluster, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "gainlp.cli.main", "extract", str(SEED_002), "-o", str(tmp_path / "o"),
                           "--no-model", "--engine", "ray", "--ray-address", cluster, "-q"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len(jsonl(tmp_path / "o" / "records.jsonl")) == 1
