"""A batch job from inputs to a committed output folder, on the local or the Ray engine.

``run_batch`` lists the inputs, skips those already done (resume), sends the rest through the engine
(:class:`gainlp.workers.LocalPool` or :func:`gainlp.ray_engine.ray_results`), commits results as they
come (:class:`gainlp.store.OutputFolder`), then runs the cross-report step over the folder's records and
rebuilds the aggregates if any record was replaced. Ctrl-C stops the engine at once and keeps every
result committed so far.
"""
from __future__ import annotations

import logging
import os
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pyarrow as pa

from gainlp import crossreport
from gainlp.batch import (ENGINES, FileResult, Settings, Summary, threads_per_worker, file_sha256, is_supported,
                          iter_inputs, make_settings, unsupported_result)
from gainlp.errors import NoInputs, UserError
from gainlp.limits import Limits
from gainlp.record import Check
from gainlp.store import OK, OutputFolder
from gainlp.tabular import SCHEMAS

log = logging.getLogger(__name__)

Progress = Callable[[FileResult], None]


def cross_table(checks: list[crossreport.CrossCheck]) -> pa.Table:
    """The cross-report checks as rows of the ``checks`` table (scope "batch"), one per document of
    the later year."""
    cols: dict[str, list] = {name: [] for name in SCHEMAS["checks"].names}
    for c in checks:
        for doc in c.documents:
            row = dict(document=doc, scope="batch", name=c.name, status=c.status, detail=c.detail,
                       cells=list(c.cells), values=list(c.values), other_document=c.previous[0] if c.previous else None)
            for k in cols:
                cols[k].append(row[k])
    return pa.Table.from_pydict(cols, schema=SCHEMAS["checks"])


def _unchanged(path: Path, known) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return known.size == st.st_size and known.mtime_ns == st.st_mtime_ns


def plan(files: list[Path], folder: OutputFolder, settings: Settings, force: bool,
         summary: Summary) -> tuple[list[tuple[Path, str, str | None]], list[FileResult]]:
    """(the files to read with their names and sha256, the results known without reading: unsupported)."""
    todo, done_now = [], []
    resumable = folder.count(OK) > 0  # a new folder: nothing to look up, no input to hash here
    for f in files:
        name = folder.name_for(f)
        if not is_supported(f):
            done_now.append(unsupported_result(f, name, settings))
            continue
        if not resumable:
            todo.append((f, name, None))
            continue
        known = folder.known(f)
        sha = known.sha256 if known and known.sha256 and _unchanged(f, known) else file_sha256(
            f, settings.limits.max_bytes)
        if not force and sha and folder.done(sha, settings.versions.gainlp, settings.model_version):
            summary.resumed += 1
            continue
        todo.append((f, name, sha))
    return todo, done_now


def _local_results(todo, settings: Settings, jobs: int) -> Iterator[FileResult]:
    from gainlp.workers import LocalPool

    if settings.model != "rules":
        settings = replace(settings, threads=threads_per_worker(jobs))
    with LocalPool(jobs, settings) as pool:
        for _, result in pool.imap_unordered((i, str(f), name) for i, (f, name, _) in enumerate(todo)):
            yield result


def run_batch(paths: Iterable[str | Path], outdir: str | Path, *, model: str = "auto", limits: Limits | None = None,
              jobs: int = 1, engine: str = "local", force: bool = False, csv_bom: bool = False,
              ray_address: str | None = None, progress: Progress | None = None,
              on_total: Callable[[int], None] | None = None, started: float | None = None) -> Summary:
    """Run a batch into ``outdir``; the summary of this run (see the module doc)."""
    started = time.monotonic() if started is None else started
    if jobs < 1:
        raise UserError(f"-j must be at least 1 (got {jobs})")
    if engine not in ENGINES:
        raise UserError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    paths = [Path(p) for p in paths]
    settings = make_settings(model, limits)
    files = iter_inputs(paths, unsupported=True)
    if not files:
        raise NoInputs(f"no report files found in {', '.join(map(str, paths))}")
    summary = Summary()
    with OutputFolder(outdir, csv_bom=csv_bom) as folder:
        folder.write_codebook()
        todo, known_results = plan(files, folder, settings, force, summary)
        for result in known_results:
            folder.add(result)
            summary.add(result)
        if on_total:
            on_total(len(todo))
        sha_of = {str(f): sha for f, _, sha in todo}
        if engine == "ray":
            from gainlp.ray_engine import ray_results

            results = ray_results(todo, settings, jobs=jobs, address=ray_address)
        else:
            results = _local_results(todo, settings, jobs)
        try:
            for result in results:
                if result.sha256 is None:
                    result.sha256 = sha_of.get(str(result.path))
                folder.add(result)
                summary.add(result)
                if progress:
                    progress(result)
        except KeyboardInterrupt:
            summary.interrupted = True
            log.warning("interrupted: keeping the %d file(s) done; run again to finish the rest", summary.files)
        finally:
            close = getattr(results, "close", None)
            if close:
                close()  # stops the engine's workers now
            folder.commit()
        if not summary.interrupted:
            finalize(folder, summary)
        summary.records_in_folder = folder.count(OK)
    summary.seconds = time.monotonic() - started
    return summary


def finalize(folder: OutputFolder, summary: Summary) -> None:
    """The cross-report step over the folder's records, then a rebuild of the aggregates if needed."""
    result = crossreport.finalize(folder.records(), folder.texts(), facts=folder.facts())
    folder.update_records(result.updated)
    folder.write_cross_checks(cross_table(result.checks))
    summary.cross = Counter(c.status for c in result.checks)
    summary.cross_failed = sorted({f"{c.documents[0]} ({c.name})" for c in result.checks if c.status == Check.FAIL})
    if folder.dirty:
        log.info("rebuilding the aggregates of %s from its records", folder.outdir)
        folder.rebuild()


__all__ = ["run_batch", "finalize", "plan", "cross_table"]
