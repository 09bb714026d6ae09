"""A batch's output folder: its lock, its index, and aggregates committed as the batch goes.

``OUT/.gainlp/index.sqlite`` holds one row per input file ever read into the folder (its output name,
path, sha256, status, error, agency, year, versions ...). Results are committed in checkpoints (every
few seconds or files): first the names being written are noted as pending, then the per-report files
(``<name>.json``, ``text/<name>.txt``) are written atomically, the records appended to records.jsonl
and records.csv, and one Parquet part per table written (``cells/part-000007.parquet`` ...); then one
SQLite transaction records the new rows, the aggregates' committed lengths and parts, and clears the
pending names. That transaction is the commit point. Opening the folder (under its lock) undoes what a
killed run left past it: aggregates are cut back to their committed length, uncommitted parts and
temporary files removed, pending reports' files deleted (they are read again).

When records are replaced (a file re-read after it changed, ``--force``, records updated by the
cross-report step), the aggregates are rebuilt from the per-report files at the end of the run, and
swapped in through a journal in the index, so that a kill at any point leaves the folder recoverable.
``documents/documents.parquet`` and ``errors.jsonl`` are written anew from the index at every commit.
"""
from __future__ import annotations

import errno
import json
import logging
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from gainlp.errors import OutputError, UserError
from gainlp.outputs import (ERRORS_JSONL, RECORDS_CSV, RECORDS_JSONL, TEXT_DIR, atomic_open, csv_columns,
                            csv_header, csv_line, json_path_for, record_json, safe_name, sync_files, text_path_for)
from gainlp.record import Check, Record
from gainlp.tabular import SCHEMAS, Rows, codebook_table, report_rows

if TYPE_CHECKING:
    from gainlp.batch import FileResult
    from gainlp.crossreport import Facts

log = logging.getLogger(__name__)

STATE_DIR = ".gainlp"
INDEX = "index.sqlite"
LOCK = "lock"
PART_TABLES = ("cells", "checks", "metrics", "warnings")
DOCUMENTS_FILE = "documents/documents.parquet"
CROSS_PART = "checks/cross-report.parquet"
CODEBOOK_CSV = "codebook.csv"
CODEBOOK_PARQUET = "codebook.parquet"
CHECKPOINT_FILES = 200  # commit at least every this many files ...
CHECKPOINT_SECONDS = 5.0  # ... or this many seconds
REBUILD_CHUNK = 500  # reports per Parquet part when rebuilding

OK, ERROR, TIMEOUT, UNSUPPORTED = "ok", "error", "timeout", "skipped-unsupported"
STATUSES = (OK, ERROR, TIMEOUT, UNSUPPORTED)

_COLUMNS = ("name", "path", "realpath", "size", "mtime_ns", "sha256", "format", "status", "error", "seconds",
            "agency", "year", "template", "published", "checks_failed", "warnings", "gainlp_version",
            "model_version", "ckpt", "extracted_at", "facts")
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS documents (
    name TEXT PRIMARY KEY, path TEXT, realpath TEXT UNIQUE, size INTEGER, mtime_ns INTEGER, sha256 TEXT,
    format TEXT, status TEXT, error TEXT, seconds REAL, agency TEXT, year INTEGER, template TEXT,
    published TEXT, checks_failed TEXT, warnings INTEGER, gainlp_version TEXT, model_version TEXT,
    ckpt INTEGER, extracted_at TEXT, facts TEXT);
CREATE INDEX IF NOT EXISTS documents_sha ON documents (sha256, status);
CREATE TABLE IF NOT EXISTS pending (name TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""


@dataclass
class Known:
    """What the index knows of an input path."""

    name: str
    size: int | None
    mtime_ns: int | None
    sha256: str | None
    status: str
    gainlp_version: str | None
    model_version: str | None


@contextmanager
def _no_interrupt() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) until the block is done, then raise KeyboardInterrupt: a commit is never
    cut in half by the user (a kill still can be; opening the folder repairs that)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _realpath(path: str | Path) -> str:
    return os.path.realpath(os.fspath(path))


class OutputFolder:
    """The output folder of batch runs; use as a context manager (it holds the folder's lock)."""

    def __init__(self, outdir: str | Path, *, csv_bom: bool = False,
                 checkpoint_files: int = CHECKPOINT_FILES, checkpoint_seconds: float = CHECKPOINT_SECONDS):
        self.outdir = Path(outdir)
        self.csv_bom = csv_bom
        self.checkpoint_files = checkpoint_files
        self.checkpoint_seconds = checkpoint_seconds
        self.columns = csv_columns()
        self._buffer: list[FileResult] = []
        self._last_commit = time.monotonic()
        self._lock_fd: int | None = None
        self.db: sqlite3.Connection | None = None
        self._taken: set[str] = set()  # casefolded names in use
        self._run_names: dict[str, str] = {}  # realpath -> name allocated in this run
        self.commits = 0

    # ------------------------------------------------------------------ open / close

    def __enter__(self) -> "OutputFolder":
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        out = self.outdir
        if out.exists() and not out.is_dir():
            raise UserError(f"output folder {out} is a file; give a folder (-o)")
        try:
            (out / STATE_DIR).mkdir(parents=True, exist_ok=True)
            (out / TEXT_DIR).mkdir(exist_ok=True)
            for table in ("documents", *PART_TABLES):
                (out / table).mkdir(exist_ok=True)
        except OSError as exc:
            raise OutputError(out, exc) from None
        if not os.access(out, os.W_OK | os.X_OK):
            raise OutputError(out, "permission denied (read-only folder?)")
        self._lock()
        try:
            self.db = sqlite3.connect(out / STATE_DIR / INDEX, isolation_level=None)
            self.db.executescript(_SCHEMA)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
        except sqlite3.Error as exc:
            raise OutputError(out / STATE_DIR / INDEX, str(exc)) from None
        self._taken = {n.casefold() for (n,) in self.db.execute("SELECT name FROM documents")}
        self._recover()

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None

    def _lock(self) -> None:
        path = self.outdir / STATE_DIR / LOCK
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise OutputError(path, exc) from None
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # no flock on this platform: run unlocked
            pass
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise OutputError(path, exc) from None
            other = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise UserError(f"output folder {self.outdir} is in use by another gainlp run (pid {other}); "
                            f"wait for it to finish or write to another folder") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        self._lock_fd = fd

    # ------------------------------------------------------------------ meta

    def _meta(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def _set_meta(self, key: str, value: Any) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    def _next_seq(self) -> int:
        seq = self._meta("seq", 0) + 1
        self._set_meta("seq", seq)
        return seq

    # ------------------------------------------------------------------ recovery

    def _recover(self) -> None:
        """Undo what a killed run left past its last commit (see the module doc)."""
        db, out = self.db, self.outdir
        self._finish_swap()
        pending = [n for (n,) in db.execute("SELECT name FROM pending")]
        if pending:
            log.warning("%s: the last run stopped before committing %d report(s); they will be read again",
                        out, len(pending))
            db.execute("BEGIN")
            for name in pending:
                row = db.execute("SELECT status FROM documents WHERE name=?", (name,)).fetchone()
                if row is not None and row[0] == OK:  # its old files may be overwritten: read it again
                    db.execute("DELETE FROM documents WHERE name=?", (name,))
                    self._set_meta("dirty", True)
                json_path_for(out, name).unlink(missing_ok=True)
                text_path_for(out, name).unlink(missing_ok=True)
            db.execute("DELETE FROM pending")
            db.execute("COMMIT")
        for fname, key in ((RECORDS_JSONL, "jsonl_bytes"), (RECORDS_CSV, "csv_bytes")):
            committed = self._meta(key)
            path = out / fname
            if committed is None:
                continue
            size = path.stat().st_size if path.exists() else -1
            if size > committed:
                with open(path, "r+b") as f:
                    f.truncate(committed)
            elif size < committed:  # changed behind our back: make it anew from the reports
                self._set_meta("dirty", True)
        parts = set(self._meta("parts", []))
        for table in PART_TABLES:
            for p in (out / table).glob("part-*.parquet"):
                if f"{table}/{p.name}" not in parts:
                    p.unlink()
        for folder in (out, out / TEXT_DIR, *(out / t for t in ("documents", *PART_TABLES))):
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)
        self._write_index_views()

    def _finish_swap(self) -> None:
        """Carry out a swap journalled by a rebuild (renames, then deletions); idempotent."""
        swap = self._meta("swap")
        if not swap:
            return
        for src, dst in swap["rename"]:
            s, d = self.outdir / src, self.outdir / dst
            if s.exists():
                os.replace(s, d)
        for rel in swap["delete"]:
            (self.outdir / rel).unlink(missing_ok=True)
        self.db.execute("DELETE FROM meta WHERE key='swap'")

    # ------------------------------------------------------------------ lookups

    def known(self, path: str | Path) -> Known | None:
        row = self.db.execute(
            "SELECT name, size, mtime_ns, sha256, status, gainlp_version, model_version FROM documents "
            "WHERE realpath=?", (_realpath(path),)).fetchone()
        return Known(*row) if row else None

    def done(self, sha256: str, gainlp_version: str, model_version: str | None) -> str | None:
        """The name of a record already made from these bytes by these versions, if any."""
        row = self.db.execute(
            "SELECT name FROM documents WHERE sha256=? AND status=? AND gainlp_version=? AND model_version IS ?",
            (sha256, OK, gainlp_version, model_version)).fetchone()
        return row[0] if row else None

    def name_for(self, path: str | Path) -> str:
        """The output name of an input: the one it had in this folder before, else its safe stem, else
        its stem with a hash of its path when another input holds that name."""
        real = _realpath(path)
        if real in self._run_names:
            return self._run_names[real]
        row = self.db.execute("SELECT name FROM documents WHERE realpath=?", (real,)).fetchone()
        if row:
            name = row[0]
        else:
            name = safe_name(Path(path).stem)
            if name.casefold() in self._taken:
                name = safe_name(Path(path).stem, salt=real)
        self._taken.add(name.casefold())
        self._run_names[real] = name
        return name

    def count(self, status: str | None = None) -> int:
        if status is None:
            return self.db.execute("SELECT count(*) FROM documents").fetchone()[0]
        return self.db.execute("SELECT count(*) FROM documents WHERE status=?", (status,)).fetchone()[0]

    # ------------------------------------------------------------------ adding results

    def add(self, result: FileResult) -> bool:
        """Stage a result; commit when a checkpoint is due. True when this call committed."""
        self._buffer.append(result)
        if (len(self._buffer) >= self.checkpoint_files
                or time.monotonic() - self._last_commit >= self.checkpoint_seconds):
            self.commit()
            return True
        return False

    def commit(self) -> None:
        """Write and commit the staged results (see the module doc)."""
        with _no_interrupt():
            self._commit()

    def _commit(self) -> None:
        batch, self._buffer = self._buffer, []
        self._last_commit = time.monotonic()
        if not batch:
            return
        db, out = self.db, self.outdir
        db.execute("BEGIN")
        db.executemany("INSERT OR IGNORE INTO pending VALUES (?)", [(r.name,) for r in batch])
        db.execute("COMMIT")

        superseded = False
        old = {}
        for r in batch:
            row = db.execute("SELECT status FROM documents WHERE name=?", (r.name,)).fetchone()
            old[r.name] = row[0] if row else None
            superseded |= old[r.name] == OK
        rows = Rows()
        jsonl, csv_text = [], []
        for r in batch:
            if r.status == OK:  # made durable by one sync_files below, not two fsyncs each
                self._write(json_path_for(out, r.name), r.record_json + "\n", durable=False)
                self._write(text_path_for(out, r.name), r.text, durable=False)
                jsonl.append(r.record_json + "\n")
                csv_text.append(r.csv_line)
                rows.extend(r.rows)
            elif old[r.name] == OK:  # it was read before and fails now: its old record goes
                json_path_for(out, r.name).unlink(missing_ok=True)
                text_path_for(out, r.name).unlink(missing_ok=True)
        jsonl_bytes = self._append(out / RECORDS_JSONL, "".join(jsonl))
        csv_bytes = self._append(out / RECORDS_CSV, "".join(csv_text), header=True)
        parts = list(self._meta("parts", []))
        seq = self._meta("seq", 0) + 1
        for table in PART_TABLES:
            if rows.n(table):
                rel = f"{table}/part-{seq:06d}.parquet"
                self._write_parquet(out / rel, rows.arrow(table))
                parts.append(rel)

        if jsonl:
            try:
                sync_files(out)
            except OSError as exc:
                raise OutputError(out, exc) from None
        extracted = _now()
        db.execute("BEGIN")
        db.executemany(f"INSERT OR REPLACE INTO documents ({', '.join(_COLUMNS)}) VALUES "
                       f"({', '.join('?' * len(_COLUMNS))})",
                       [self._index_row(r, seq, extracted) for r in batch])
        self._set_meta("seq", seq)
        self._set_meta("jsonl_bytes", jsonl_bytes)
        self._set_meta("csv_bytes", csv_bytes)
        self._set_meta("parts", parts)
        if superseded:
            self._set_meta("dirty", True)
        db.execute("DELETE FROM pending")
        db.execute("COMMIT")
        self.commits += 1
        self._write_index_views()

    def _index_row(self, r: FileResult, seq: int, extracted: str) -> tuple:
        try:
            st = os.stat(r.path)
            size, mtime = st.st_size, st.st_mtime_ns
        except OSError:
            size = mtime = None
        values = {
            "name": r.name, "path": str(r.path), "realpath": _realpath(r.path), "size": size, "mtime_ns": mtime,
            "sha256": r.sha256, "format": r.format, "status": r.status, "error": r.error, "seconds": r.seconds,
            "agency": r.agency, "year": r.year, "template": r.template, "published": r.published,
            "checks_failed": json.dumps(list(r.failed_checks), ensure_ascii=False), "warnings": len(r.warnings),
            "gainlp_version": r.gainlp_version, "model_version": r.model_version, "ckpt": seq,
            "extracted_at": extracted, "facts": r.facts,
        }
        return tuple(values[c] for c in _COLUMNS)

    # ------------------------------------------------------------------ writing

    def _write(self, path: Path, text: str, durable: bool = True) -> None:
        try:
            with atomic_open(path, durable=durable) as f:
                f.write(text)
        except OSError as exc:
            raise OutputError(path, exc) from None

    def _append(self, path: Path, text: str, header: bool = False) -> int:
        """Append to an aggregate, fsynced; its new length in bytes."""
        try:
            with open(path, "ab") as f:
                if header and f.tell() == 0:
                    f.write(csv_header(self.columns, self.csv_bom).encode("utf-8"))
                f.write(text.encode("utf-8"))
                f.flush()
                os.fsync(f.fileno())
                return f.tell()
        except OSError as exc:
            raise OutputError(path, exc) from None

    def _write_parquet(self, path: Path, table: pa.Table) -> None:
        try:
            with atomic_open(path, binary=True) as f:
                pq.write_table(table, f, compression="zstd")
        except OSError as exc:
            raise OutputError(path, exc) from None

    def _write_index_views(self) -> None:
        """documents/documents.parquet and errors.jsonl, from the index."""
        cols = ("name", "path", "sha256", "format", "status", "error", "agency", "year", "template", "published",
                "checks_failed", "warnings", "seconds", "gainlp_version", "model_version", "extracted_at")
        rows = self.db.execute(f"SELECT {', '.join(cols)} FROM documents ORDER BY ckpt, rowid").fetchall()
        data: dict[str, list] = {name: [] for name in SCHEMAS["documents"].names}
        errors = []
        for row in rows:
            d = dict(zip(cols, row))
            d["document"] = d.pop("name")
            d["checks_failed"] = len(json.loads(d["checks_failed"] or "[]"))
            for k in data:
                data[k].append(d.get(k))
            if d["status"] in (ERROR, TIMEOUT):
                errors.append(json.dumps({"path": d["path"], "status": d["status"], "error": d["error"]},
                                         ensure_ascii=False) + "\n")
        self._write_parquet(self.outdir / DOCUMENTS_FILE, pa.Table.from_pydict(data, schema=SCHEMAS["documents"]))
        self._write(self.outdir / ERRORS_JSONL, "".join(errors))

    def write_codebook(self) -> None:
        table = codebook_table()
        self._write_parquet(self.outdir / CODEBOOK_PARQUET, table)
        path = self.outdir / CODEBOOK_CSV
        try:
            with atomic_open(path, binary=True) as f:
                if self.csv_bom:
                    f.write("\ufeff".encode("utf-8"))
                pacsv.write_csv(table, f)
        except OSError as exc:
            raise OutputError(path, exc) from None

    # ------------------------------------------------------------------ records of the folder

    def ok_names(self) -> list[str]:
        return [n for (n,) in self.db.execute("SELECT name FROM documents WHERE status=? ORDER BY ckpt, rowid",
                                              (OK,))]

    def load_record(self, name: str) -> Record:
        return Record.from_dict(json.loads(json_path_for(self.outdir, name).read_text(encoding="utf-8")))

    def load_text(self, name: str) -> str:
        return text_path_for(self.outdir, name).read_text(encoding="utf-8")

    def facts(self) -> dict[str, "Facts | None"]:
        """The cross-report facts of every record, from the index (nothing is read from the records)."""
        from gainlp.crossreport import Facts

        return {name: Facts.from_json(name, facts) if facts else None for name, facts in self.db.execute(
            "SELECT name, facts FROM documents WHERE status=? ORDER BY ckpt, rowid", (OK,))}

    def records(self) -> "LazyRecords":
        """The folder's records by name, each loaded from its JSON when asked for."""
        return LazyRecords(self, self.ok_names(), self.load_record)

    def texts(self) -> "LazyRecords":
        return LazyRecords(self, self.ok_names(), self.load_text)

    def update_records(self, updated: Mapping[str, Record]) -> None:
        """Write records changed after extraction (the cross-report step) and mark the aggregates for a
        rebuild; the index keeps each report's summary fields in step."""
        if not updated:
            return
        with _no_interrupt():
            self._update_records(updated)

    def _update_records(self, updated: Mapping[str, Record]) -> None:
        db = self.db
        db.execute("BEGIN")
        db.executemany("INSERT OR IGNORE INTO pending VALUES (?)", [(n,) for n in updated])
        db.execute("COMMIT")
        for name, record in updated.items():
            self._write(json_path_for(self.outdir, name), record_json(record) + "\n")
        from gainlp.crossreport import facts_of

        db.execute("BEGIN")
        for name, record in updated.items():
            failed = [c.name for c in record.checks if c.status == Check.FAIL]
            facts = facts_of(name, record, self.load_text(name))
            db.execute("UPDATE documents SET agency=?, year=?, template=?, published=?, checks_failed=?, "
                       "warnings=?, facts=? WHERE name=?",
                       (record.agency, record.year, record.template, record.published,
                        json.dumps(failed, ensure_ascii=False), len(record.warnings),
                        facts.to_json() if facts else None, name))
        self._set_meta("dirty", True)
        db.execute("DELETE FROM pending")
        db.execute("COMMIT")

    def write_cross_checks(self, table: pa.Table) -> None:
        self._write_parquet(self.outdir / CROSS_PART, table)
        parts = self._meta("parts", [])
        if CROSS_PART not in parts:
            self.db.execute("BEGIN")
            self._set_meta("parts", [*parts, CROSS_PART])
            self.db.execute("COMMIT")

    # ------------------------------------------------------------------ rebuild

    @property
    def dirty(self) -> bool:
        return bool(self._meta("dirty", False))

    def rebuild(self) -> int:
        """Make records.jsonl, records.csv and the Parquet parts anew from the per-report files; the
        number of reports. Written under temporary names, swapped in through a journal."""
        with _no_interrupt():
            return self._rebuild()

    def _rebuild(self) -> int:
        out, db = self.outdir, self.db
        names = self.ok_names()
        seq = self._meta("seq", 0)
        old_parts = [p for p in self._meta("parts", []) if p != CROSS_PART]
        new_parts: list[str] = []
        renames: list[tuple[str, str]] = []

        def tmp_name(rel: str) -> str:
            p = Path(rel)
            return str(p.with_name(f".{p.name}.rebuild.tmp"))

        jsonl_tmp, csv_tmp = tmp_name(RECORDS_JSONL), tmp_name(RECORDS_CSV)
        try:
            with open(out / jsonl_tmp, "wb") as fj, open(out / csv_tmp, "wb") as fc:
                fc.write(csv_header(self.columns, self.csv_bom).encode("utf-8"))
                for start in range(0, len(names), REBUILD_CHUNK):
                    rows = Rows()
                    for name in names[start:start + REBUILD_CHUNK]:
                        line = json_path_for(out, name).read_text(encoding="utf-8").strip()
                        record = Record.from_dict(json.loads(line))
                        fj.write((line + "\n").encode("utf-8"))
                        fc.write(csv_line(record.csv_row(), self.columns).encode("utf-8"))
                        rows.extend(report_rows(name, record, self.load_text(name)))
                    seq += 1
                    for table in PART_TABLES:
                        if rows.n(table):
                            rel = f"{table}/part-{seq:06d}.parquet"
                            with open(out / tmp_name(rel), "wb") as f:
                                pq.write_table(rows.arrow(table), f, compression="zstd")
                                f.flush()
                                os.fsync(f.fileno())
                            renames.append((tmp_name(rel), rel))
                            new_parts.append(rel)
                for f in (fj, fc):
                    f.flush()
                    os.fsync(f.fileno())
                jsonl_bytes, csv_bytes = fj.tell(), fc.tell()
        except OSError as exc:
            raise OutputError(getattr(exc, "filename", None) or out, exc) from None
        renames += [(jsonl_tmp, RECORDS_JSONL), (csv_tmp, RECORDS_CSV)]
        cross = [CROSS_PART] if CROSS_PART in self._meta("parts", []) else []
        db.execute("BEGIN")
        self._set_meta("swap", {"rename": renames, "delete": old_parts})
        self._set_meta("seq", seq)
        self._set_meta("parts", new_parts + cross)
        self._set_meta("jsonl_bytes", jsonl_bytes)
        self._set_meta("csv_bytes", csv_bytes)
        self._set_meta("dirty", False)
        db.execute("COMMIT")
        db.execute("BEGIN")
        self._finish_swap()
        db.execute("COMMIT")
        return len(names)


class LazyRecords(Mapping):
    """A read-only mapping name -> value that loads each value when asked for (nothing is kept)."""

    def __init__(self, folder: OutputFolder, names: list[str], load):
        self._names = names
        self._set = set(names)
        self._load = load

    def __getitem__(self, name: str):
        if name not in self._set:
            raise KeyError(name)
        return self._load(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


__all__ = ["OutputFolder", "LazyRecords", "Known", "STATUSES", "OK", "ERROR", "TIMEOUT", "UNSUPPORTED",
           "PART_TABLES", "DOCUMENTS_FILE", "CODEBOOK_CSV"]
