"""The local engine: worker processes that survive what their files do to them.

Each worker loads its extractor (and model) once, then takes one file at a time over a pipe. The
parent knows which file each worker holds, so:

- a worker that dies (the OOM killer, a crash in a C library) costs only its file, which becomes an
  ``error`` result saying so, and a new worker takes its place;
- a file that runs past the wall-time limit is stopped by an alarm in the worker (``timeout``), and
  if the worker does not answer it (a loop inside C code), the parent kills it after a grace period;
- work in flight is bounded (one file per worker), so finished results never pile up;
- Ctrl-C: workers ignore SIGINT, the parent stops them at once (SIGTERM, then SIGKILL) and
  re-raises KeyboardInterrupt for the caller to keep what is done.
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Iterable, Iterator

from gainlp import __version__
from gainlp.errors import UserError
from gainlp.limits import on_extend, timeout_error

log = logging.getLogger(__name__)

GRACE_SECONDS = 10.0  # past the wall-time limit before the parent kills a worker that ignores its alarm
_POLL = 1.0


def _context(model: str) -> mp.context.BaseContext:
    """fork for rules on Linux: a worker starts at once with the parent's modules imported. spawn for a
    model, and elsewhere: a process forked from one whose matrix library has started its thread pool
    (torch, OpenMP) can hang in its first forward pass."""
    return mp.get_context("fork" if model == "rules" and sys.platform.startswith("linux") else "spawn")


def set_threads(threads: int) -> None:
    """Matrix threads for this process's model (gainlp.model.runtime: onnxruntime, or torch for a
    training folder), and for OpenMP and BLAS, which read their variables when they start."""
    if threads <= 0:
        return
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(threads)
    from gainlp.model.runtime import set_threads as set_model_threads

    set_model_threads(threads)


def _worker_main(conn: Connection, settings) -> None:
    from gainlp.batch import extractor_for, process_file

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    on_extend(lambda seconds: conn.send(("extend", seconds)))  # more time for a page read by OCR
    set_threads(settings.threads)
    try:
        extractor_for(settings.model)
        if "torch" in sys.modules:
            set_threads(settings.threads)
    except UserError as exc:
        conn.send(("init_error", str(exc)))
        return
    conn.send(("ready", None))
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        key, path, name = task
        conn.send(("result", (key, process_file(path, name, settings))))


@dataclass
class _Worker:
    process: mp.Process
    conn: Connection
    task: tuple | None = None
    started: float = 0.0
    extra: float = 0.0  # seconds the worker's file was granted past the limit (pages read by OCR)


class LocalPool:
    """``jobs`` worker processes running :func:`gainlp.batch.process_file`."""

    def __init__(self, jobs: int, settings, grace: float | None = None):
        if jobs < 1:
            raise ValueError("jobs must be at least 1")
        self.jobs = jobs
        self.settings = settings
        self.grace = GRACE_SECONDS if grace is None else grace
        self.ctx = _context(settings.model)
        self.workers: list[_Worker] = []
        self.restarts = 0

    def __enter__(self) -> "LocalPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> _Worker:
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=_worker_main, args=(child, self.settings), daemon=True)
        proc.start()
        child.close()
        try:
            kind, payload = parent.recv()
        except EOFError:
            proc.join(5)
            raise UserError(f"a worker process could not start (exit code {proc.exitcode})") from None
        if kind == "init_error":
            proc.join(5)
            raise UserError(payload)
        worker = _Worker(proc, parent)
        self.workers.append(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        self._stop(worker)
        self.workers.remove(worker)
        self.restarts += 1
        self._start()

    def _stop(self, worker: _Worker, kill: bool = True) -> None:
        if worker.process.is_alive():
            if kill:
                worker.process.kill()
            else:
                worker.process.terminate()
        worker.process.join(5)
        worker.conn.close()

    def close(self) -> None:
        """Stop every worker: an idle one is asked to exit (it cleans up after itself), a busy one (the
        work in flight is dropped: Ctrl-C) is terminated, then killed if it does not go."""
        for w in self.workers:
            if w.task is None and w.process.is_alive():
                try:
                    w.conn.send(None)
                except OSError:
                    pass
            elif w.process.is_alive():
                w.process.terminate()
        deadline = time.monotonic() + 5
        for w in self.workers:
            w.process.join(max(0.0, deadline - time.monotonic()))
            if w.process.is_alive():
                w.process.kill()
                w.process.join(2)
            w.conn.close()
        self.workers.clear()

    def imap_unordered(self, tasks: Iterable[tuple]) -> Iterator[tuple]:
        """``(key, path, name)`` tasks in, ``(key, FileResult)`` out as files finish."""
        from gainlp.batch import FileResult
        from gainlp.store import ERROR, TIMEOUT

        tasks = iter(tasks)
        exhausted = False
        limit = self.settings.limits.max_seconds
        while len(self.workers) < self.jobs:
            self._start()
        while True:
            for w in self.workers:
                if w.task is None and not exhausted:
                    task = next(tasks, None)
                    if task is None:
                        exhausted = True
                        break
                    w.task, w.started, w.extra = task, time.monotonic(), 0.0
                    w.conn.send(task)
            busy = [w for w in self.workers if w.task is not None]
            if not busy:
                return
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=_POLL)
            now = time.monotonic()
            for w in list(busy):
                key, path, name = w.task
                if w.conn in ready:
                    try:
                        kind, payload = w.conn.recv()
                    except (EOFError, OSError):
                        kind = None
                    if kind == "result":
                        w.task = None
                        yield payload
                        continue
                    if kind == "extend":
                        w.extra += payload
                        continue
                if w.process.sentinel in ready or not w.process.is_alive():
                    w.process.join(1)
                    code = w.process.exitcode
                    why = (f"killed by signal {-code} ({signal.Signals(-code).name})" if code is not None and code < 0
                           else f"exit code {code}")
                    hint = "; out of memory?" if code == -signal.SIGKILL else ""
                    log.warning("%s: worker process died (%s); a new one takes over", path, why)
                    yield key, FileResult(Path(path), name, ERROR, seconds=now - w.started,
                                          error=f"{path}: the worker process reading it died ({why}{hint})",
                                          gainlp_version=__version__, model_version=self.settings.model_version)
                    w.task = None
                    self._replace(w)
                elif limit and now - w.started > limit + w.extra + self.grace:
                    log.warning("%s: no answer %.0f s past the time limit; worker killed", path, self.grace)
                    yield key, FileResult(Path(path), name, TIMEOUT, seconds=now - w.started,
                                          error=timeout_error(path, limit, w.extra),
                                          gainlp_version=__version__, model_version=self.settings.model_version)
                    w.task = None
                    self._replace(w)


__all__ = ["LocalPool", "set_threads", "GRACE_SECONDS"]
