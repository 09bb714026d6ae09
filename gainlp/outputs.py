"""Writing a batch's outputs without ever leaving a half-written file.

An output directory holds ``<name>.json`` per report, ``records.jsonl`` and ``records.csv`` (one line /
row per readable report) and ``errors.jsonl`` (one line per file in error). Every file is written to a
temporary file in the same directory, flushed and fsynced, then moved over the old one with
``os.replace``: a run that fails midway leaves what the user already had intact.
"""
from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import tempfile
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from gainlp.record import Record, csv_columns

log = logging.getLogger(__name__)

RECORDS_JSONL = "records.jsonl"
RECORDS_CSV = "records.csv"
ERRORS_JSONL = "errors.jsonl"
JSON_INDENT = 1


def record_json(record: Record, indent: int | None = JSON_INDENT) -> str:
    return json.dumps(record.to_dict(), ensure_ascii=False, indent=indent)


# --------------------------------------------------------------------------------------------- atomic


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable; not every platform can open a directory (Windows cannot)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError as exc:
        log.debug("cannot open %s to fsync it: %s", directory, exc)
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _file_mode(path: Path) -> int:
    """The mode a plain ``open(path, "w")`` would give: the old file's, else 0o666 less the umask
    (mkstemp creates 0o600)."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


class AtomicFile:
    """A text file written under a temporary name beside ``path``; ``commit`` moves it into place.

    Until ``commit`` the file at ``path`` (if any) is untouched; ``discard`` removes the temporary file.
    """

    def __init__(self, path: Path, newline: str | None = None, binary: bool = False):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        self.tmp = Path(tmp)
        os.chmod(self.tmp, _file_mode(self.path))
        self.handle: IO = (os.fdopen(fd, "wb") if binary
                           else os.fdopen(fd, "w", encoding="utf-8", newline=newline))
        self.done = False

    def commit(self) -> Path:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        os.replace(self.tmp, self.path)
        _fsync_dir(self.path.parent)
        self.done = True
        return self.path

    def discard(self) -> None:
        if self.done:
            return
        self.handle.close()
        self.tmp.unlink(missing_ok=True)
        self.done = True


@contextmanager
def atomic_open(path: Path, newline: str | None = None, binary: bool = False) -> Iterator[IO]:
    """``with atomic_open(p) as f: f.write(...)`` -- ``p`` changes only if the block completes."""
    f = AtomicFile(path, newline=newline, binary=binary)
    try:
        yield f.handle
    except BaseException:
        f.discard()
        raise
    f.commit()


def atomic_write_text(path: Path, text: str) -> Path:
    with atomic_open(path) as f:
        f.write(text)
    return Path(path)


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    with atomic_open(path, binary=True) as f:
        f.write(data)
    return Path(path)


# --------------------------------------------------------------------------------------------- names


def short_hash(text: str, n: int = 8) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n]


def output_names(paths: list[Path]) -> dict[Path, str]:
    """The output name of each input: its stem, or stem + "-" + a short hash of its path when several
    inputs (from different folders, or differing only in extension or case) share a stem."""
    stems = Counter(p.stem.casefold() for p in paths)
    return {
        p: p.stem if stems[p.stem.casefold()] == 1 else f"{p.stem}-{short_hash(str(Path(p).resolve()))}"
        for p in paths
    }


# --------------------------------------------------------------------------------------------- a run


class RunWriter:
    """The outputs of one batch run in ``outdir``.

    ``add_record`` writes ``<name>.json`` at once (atomically) and stages a jsonl line and a csv row;
    ``add_error`` stages an errors.jsonl line. ``commit`` moves the staged files into place;
    leaving the ``with`` block without a commit (an exception) discards them.
    """

    def __init__(self, outdir: Path, names: dict[Path, str] | None = None):
        self.outdir = Path(outdir)
        self.outdir.mkdir(parents=True, exist_ok=True)
        self.names = dict(names or {})
        self.columns = csv_columns()
        self._jsonl = AtomicFile(self.outdir / RECORDS_JSONL)
        self._csv = AtomicFile(self.outdir / RECORDS_CSV, newline="")
        self._errors = AtomicFile(self.outdir / ERRORS_JSONL)
        self._csv_writer = csv.DictWriter(self._csv.handle, fieldnames=self.columns, extrasaction="ignore")
        self._csv_writer.writeheader()
        self.n_records = 0
        self.n_errors = 0
        self.json_paths: list[Path] = []

    def __enter__(self) -> "RunWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.discard()

    def name_of(self, path: Path) -> str:
        if path not in self.names:
            self.names[path] = output_names([path])[path]
        return self.names[path]

    def add_record(self, path: Path, record: Record) -> Path:
        out = atomic_write_text(self.outdir / f"{self.name_of(Path(path))}.json", record_json(record) + "\n")
        self.json_paths.append(out)
        self._jsonl.handle.write(record_json(record, indent=None) + "\n")
        row = record.csv_row()
        extra = set(row) - set(self.columns)
        if extra:
            log.warning("%s: record cells outside the template left out of %s: %s", path, RECORDS_CSV,
                        ", ".join(sorted(extra)))
        self._csv_writer.writerow(row)
        self.n_records += 1
        return out

    def add_error(self, path: Path, error: str) -> None:
        self._errors.handle.write(json.dumps({"path": str(path), "error": error}, ensure_ascii=False) + "\n")
        self.n_errors += 1

    def commit(self, records: bool = True) -> list[Path]:
        """Move the staged files into place. ``records=False`` keeps the previous records.jsonl and
        records.csv (a run that read nothing should not wipe earlier results); errors.jsonl is always
        replaced."""
        staged = [self._jsonl, self._csv] if records else []
        written = [f.commit() for f in staged] + [self._errors.commit()]
        self.discard()
        return written

    def discard(self) -> None:
        for f in (self._jsonl, self._csv, self._errors):
            f.discard()


__all__ = ["RECORDS_JSONL", "RECORDS_CSV", "ERRORS_JSONL", "AtomicFile", "atomic_open", "atomic_write_text", "atomic_write_bytes",
           "output_names", "record_json", "RunWriter"]
