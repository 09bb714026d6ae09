"""The files of a batch's output folder, and writing them without ever leaving a half-written one.

Per report ``<name>.json`` (the record) and ``text/<name>.txt`` (the text the reader produced: every
offset in the record indexes it; :func:`text_path_for`). Every file is written to a temporary file in
the same directory, flushed and fsynced, then moved over the old one with ``os.replace``: a run that
fails midway leaves what the user already had intact. The batch's state and aggregates (records.jsonl,
records.csv, Parquet tables) are kept by :mod:`gainlp.store`.

Names: :func:`safe_name` turns any input name into a file name every file system takes (bounded length,
no separators or control characters); CSV cells that a spreadsheet would run as a formula are
neutralised (:func:`csv_cell`).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator

from gainlp.record import Record, csv_columns

log = logging.getLogger(__name__)

RECORDS_JSONL = "records.jsonl"
RECORDS_CSV = "records.csv"
ERRORS_JSONL = "errors.jsonl"
TEXT_DIR = "text"


def record_json(record: Record | dict, indent: int | None = None) -> str:
    """The record as JSON, compact by default (one line: records.jsonl and <name>.json share it).
    ``allow_nan=False``: a non-finite number raises instead of writing ``Infinity`` (not JSON)."""
    data = record.to_dict() if isinstance(record, Record) else record
    return json.dumps(data, ensure_ascii=False, indent=indent, allow_nan=False)


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

    def __init__(self, path: Path, newline: str | None = None, binary: bool = False, durable: bool = True):
        self.path = Path(path)
        self.durable = durable
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        self.tmp = Path(tmp)
        os.chmod(self.tmp, _file_mode(self.path))
        self.handle: IO = (os.fdopen(fd, "wb") if binary
                           else os.fdopen(fd, "w", encoding="utf-8", newline=newline))
        self.done = False

    def commit(self) -> Path:
        self.handle.flush()
        if self.durable:
            os.fsync(self.handle.fileno())
        self.handle.close()
        os.replace(self.tmp, self.path)
        if self.durable:
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
def atomic_open(path: Path, newline: str | None = None, binary: bool = False, durable: bool = True) -> Iterator[IO]:
    """``with atomic_open(p) as f: f.write(...)`` -- ``p`` changes only if the block completes.

    ``durable=False`` skips the fsyncs: the file is still never half-written for any reader and after
    any kill of the process, but a power cut may lose it until the caller syncs (see :func:`sync_files`).
    """
    f = AtomicFile(path, newline=newline, binary=binary, durable=durable)
    try:
        yield f.handle
    except BaseException:
        f.discard()
        raise
    f.commit()


def sync_files(directory: Path) -> None:
    """Flush to disk everything written to the file system that holds ``directory``: one ``syncfs``
    (Linux), else a global ``sync``. A batch calls it once per commit instead of two fsyncs per file."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(directory, os.O_RDONLY)
        try:
            if libc.syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    except (OSError, AttributeError) as exc:
        log.debug("syncfs unavailable (%s); using sync", exc)
    os.sync()


def atomic_write_text(path: Path, text: str) -> Path:
    with atomic_open(path) as f:
        f.write(text)
    return Path(path)


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    with atomic_open(path, binary=True) as f:
        f.write(data)
    return Path(path)


# --------------------------------------------------------------------------------------------- names

# what no file system takes in a name, and what would hide a file or start a shell option
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
NAME_MAX_BYTES = 160  # ext4 takes 255; room for ".json", a "-<hash>" suffix and the ".<name>.XXXX.tmp" of writes


def short_hash(text: str, n: int = 8) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:n]


def _cut_utf8(text: str, max_bytes: int) -> str:
    return text.encode("utf-8", "surrogatepass")[:max_bytes].decode("utf-8", "ignore")


def safe_name(stem: str, salt: str | None = None) -> str:
    """A file name (without extension) for an output, from an input's stem: unsafe characters become
    "_", leading dots and spaces go, and a stem over NAME_MAX_BYTES bytes is cut and given a hash of the
    whole stem, so two long names that share a beginning stay apart. ``salt`` (e.g. the input's path)
    adds "-<hash of salt>", to tell apart inputs that share a stem."""
    name = _UNSAFE.sub("_", stem).lstrip(". ").rstrip(" ") or "report"
    if len(name.encode("utf-8", "surrogatepass")) > NAME_MAX_BYTES:
        name = f"{_cut_utf8(name, NAME_MAX_BYTES - 9)}-{short_hash(stem)}"
    if salt is not None:
        name = f"{name}-{short_hash(salt)}"
    return name


def text_path_for(outdir: str | Path, json_name: str | Path) -> Path:
    """The text file beside a record: ``OUT/text/<name>.txt`` for ``<name>.json`` (or ``<name>``).

    The text is what the reader produced for the input: every ``start``/``end`` in the record indexes it.
    """
    name = Path(json_name).name
    stem = name[: -len(".json")] if name.endswith(".json") else name
    return Path(outdir) / TEXT_DIR / f"{stem}.txt"


def json_path_for(outdir: str | Path, name: str) -> Path:
    return Path(outdir) / f"{name}.json"


# --------------------------------------------------------------------------------------------- CSV

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell that a spreadsheet shows as written: a text starting like a formula
    ("=", "+", "-", "@", tab, CR, or their full-width forms) gets a leading "'". Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_line(row: dict[str, Any], columns: list[str]) -> str:
    """One records.csv line (with its line end) for a ``Record.csv_row()``-shaped row."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow([csv_cell(row.get(c)) for c in columns])
    return buf.getvalue()


def csv_header(columns: list[str], bom: bool = False) -> str:
    return ("\ufeff" if bom else "") + ",".join(columns) + "\r\n"


__all__ = ["RECORDS_JSONL", "RECORDS_CSV", "ERRORS_JSONL", "TEXT_DIR", "AtomicFile", "atomic_open", "sync_files",
           "atomic_write_text", "atomic_write_bytes", "record_json", "safe_name", "short_hash", "text_path_for",
           "json_path_for", "csv_cell", "csv_line", "csv_header", "csv_columns"]
