"""The Ray engine: the same per-file function on Ray Data, for a cluster (``gainlp extract --engine ray``).

The files are read by Ray Data (``read_binary_files``), then ``map_batches`` runs
:func:`gainlp.batch.process_file` in a pool of actors, each of which loads the extractor and its model
once. Results stream back to the driver, which commits them to the output folder exactly as the local
engine does (JSON, text, JSONL/CSV, Parquet; statuses, resume, cross-report step). A file whose batch
Ray could not finish (an actor that died past its retries) becomes an ``error`` result; the rest of the
job goes on.

Cluster: ``--ray-address`` (or ``$RAY_ADDRESS``) joins an existing cluster; without one a local Ray is
started for the run and stopped after. Every node must see the input paths (a shared file system), as
with any Ray Data file source. Install with ``pip install 'gainlp[ray]'``.
"""
from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path
from typing import Iterator

from gainlp.batch import FileResult, Settings, process_file
from gainlp.errors import UserError
from gainlp.store import ERROR

log = logging.getLogger(__name__)

BATCH_SIZE = 4  # files per map_batches call: a lost batch costs this many files
READ_CPUS = 0.1


class FileExtractor:
    """A Ray Data actor: the extractor loaded once, then ``process_file`` over batches of files."""

    def __init__(self, settings: Settings, names: dict[str, tuple[str, str]]):
        from gainlp.batch import extractor_for
        from gainlp.workers import set_threads

        set_threads(settings.threads)
        extractor_for(settings.model)
        self.settings = settings
        self.names = names

    def __call__(self, batch: dict) -> dict:
        out = []
        for raw, path in zip(batch["bytes"], batch["path"]):
            name, given = self.names.get(_key(path), (Path(path).stem, str(path)))
            result = process_file(given, name, self.settings, raw=bytes(raw))
            out.append(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        return {"result": out}


def _key(path: str) -> str:
    """Ray Data reports local paths without a scheme and absolute; so are the keys."""
    return os.path.abspath(str(path).removeprefix("local://"))


def _init(address: str | None, jobs: int):
    try:
        import ray
    except ImportError:
        raise UserError("the Ray engine needs Ray: pip install 'gainlp[ray]'") from None
    if ray.is_initialized():
        return ray, False
    address = address or os.environ.get("RAY_ADDRESS") or None
    try:
        if address:
            ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
        else:
            # one CPU per actor and one for reading files: Ray never starts a task without its CPU
            ray.init(num_cpus=jobs + 1, include_dashboard=False, log_to_driver=False,
                     logging_level=logging.WARNING)
    except Exception as exc:
        raise UserError(f"cannot start or join Ray ({address or 'local'}): {exc}") from exc
    for name in ("ray", "ray.data"):  # Ray's own progress and info lines stay out of the user's terminal
        logging.getLogger(name).setLevel(logging.WARNING)
    return ray, True


def ray_results(todo: list[tuple[Path, str, str | None]], settings: Settings, *, jobs: int = 1,
                address: str | None = None) -> Iterator[FileResult]:
    """Results for ``(path, name, sha256)`` inputs, in the order Ray finishes them."""
    if not todo:
        return
    from gainlp.limits import LimitExceeded
    from gainlp.readers import ReadError

    # the per-file checks that need no reading (regular file, size) happen here: Ray would read /dev/zero
    names: dict[str, tuple[str, str]] = {}
    for path, name, _ in todo:
        try:
            st = os.stat(path)
            if not os.path.isfile(path):
                raise ReadError(str(path), "not a regular file; only files are read")
            settings.limits.check_size(str(path), st.st_size)
        except (OSError, ReadError, LimitExceeded) as exc:
            yield process_file(path, name, settings) if isinstance(exc, OSError) else FileResult(
                Path(path), name, ERROR, error=str(exc), gainlp_version=settings.versions.gainlp,
                model_version=settings.model_version)
            continue
        names[_key(path)] = (name, str(path))
    if not names:
        return
    ray, started_here = _init(address, jobs)
    try:
        import ray.data

        ctx = ray.data.DataContext.get_current()
        ctx.max_errored_blocks = -1  # a batch that fails past its retries costs its files, not the job
        ctx.enable_progress_bars = False
        # reading is I/O: its tasks take a sliver of a CPU
        ds = ray.data.read_binary_files(sorted(names), include_paths=True, ignore_missing_paths=True,
                                        num_cpus=READ_CPUS)
        ds = ds.map_batches(FileExtractor, fn_constructor_args=(settings, names), batch_size=BATCH_SIZE,
                            compute=ray.data.ActorPoolStrategy(size=jobs), num_cpus=1, batch_format="numpy",
                            max_restarts=1, max_task_retries=1)
        seen: set[str] = set()
        for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
            for blob in batch["result"]:
                result = pickle.loads(blob)
                seen.add(_key(result.path))
                yield result
        for key, (name, given) in names.items():
            if key not in seen:
                yield FileResult(Path(given), name, ERROR,
                                 error=f"{given}: Ray could not process it (its worker failed or died)",
                                 gainlp_version=settings.versions.gainlp, model_version=settings.model_version)
    finally:
        if started_here:
            ray.shutdown()


__all__ = ["ray_results", "FileExtractor", "BATCH_SIZE"]
