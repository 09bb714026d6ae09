"""Extracting many files: one bad file never stops the batch, and a batch never loses work.

- :func:`process_file` is the per-file function every engine runs (the local worker pool of
  :mod:`gainlp.workers`, the Ray actors of :mod:`gainlp.ray_engine`): read, extract, and serialise the
  record once, with the text, the records.csv line and the research-table rows, under the per-file
  limits (:mod:`gainlp.limits`). It never raises for a bad file: the result's status says ``ok``,
  ``error``, ``timeout`` or ``skipped-unsupported``, with a one-line error naming the file.
- :func:`run_batch` drives a whole job into an output folder (:mod:`gainlp.store`): it resumes (an
  input whose bytes already have a record from the same gainlp and model versions is not read again),
  commits as it goes, runs the cross-report step (:mod:`gainlp.crossreport`) at the end, and returns a
  :class:`Summary`.
- :func:`extract_all` is the library's iterator over files (results in input order, records in memory).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Callable, Iterable, Iterator

from gainlp import __version__, crossreport
from gainlp import limits as limits_mod
from gainlp.document import Document
from gainlp.errors import UserError
from gainlp.limits import FileTimeout, LimitExceeded, Limits
from gainlp.outputs import csv_columns, csv_line, record_json
from gainlp.pipeline import extract_document
from gainlp.readers import ReadError, read, read_bytes, supported_extensions
from gainlp.record import Check, Record, Versions
from gainlp.store import ERROR, OK, TIMEOUT, UNSUPPORTED
from gainlp.tabular import Rows, report_rows
from gainlp.template import TABLE_NAMES, load_spec
from gainlp.text import to_halfwidth

log = logging.getLogger(__name__)

MODELS = ("auto", "rules", "model")
ENGINES = ("local", "ray")

# Words every annual report uses. A text with fewer than MIN_VOCABULARY of them, fewer than MIN_SECTIONS
# of the template's section headings and no template table is probably something else.
REPORT_VOCABULARY = ("政府信息公开", "政务公开", "信息公开申请", "依申请公开", "主动公开", "年度报告",
                     "信息公开条例", "信息公开工作")
MIN_SECTIONS = 2
MIN_VOCABULARY = 2
NOT_A_REPORT = "not an annual report?"

_SPACE = re.compile(r"\s+")


# --------------------------------------------------------------------------------------------- results


@dataclass
class FileResult:
    """What the per-file function returns: serialised once, in the worker."""

    path: Path
    name: str
    status: str  # ok | error | timeout | skipped-unsupported
    error: str | None = None
    seconds: float = 0.0
    sha256: str | None = None
    format: str | None = None
    record_json: str | None = None  # compact JSON, the line of records.jsonl and the body of <name>.json
    text: str | None = None  # the text the reader produced
    csv_line: str | None = None
    rows: Rows | None = None
    agency: str | None = None
    year: int | None = None
    template: str | None = None
    published: str | None = None
    tables: tuple[str, ...] = ()
    failed_checks: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    gainlp_version: str | None = None
    model_version: str | None = None
    facts: str | None = None  # gainlp.crossreport.Facts as JSON (what the cross-report step needs)

    OK = OK
    ERROR = ERROR

    @property
    def ok(self) -> bool:
        return self.status == OK

    @cached_property
    def record(self) -> Record | None:
        return Record.from_dict(json.loads(self.record_json)) if self.record_json else None


ExtractResult = FileResult  # the name earlier versions used


# --------------------------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Settings:
    """What every worker needs to process files (picklable, sent once per worker)."""

    model: str = "auto"  # auto | rules | model | a model folder
    limits: Limits = field(default_factory=Limits)
    model_version: str | None = None  # filled in by :func:`make_settings`
    threads: int = 0  # matrix threads per worker (0: leave as is)

    @property
    def versions(self) -> Versions:
        return Versions(gainlp=__version__, model=self.model_version)


def model_folder(model: str) -> Path | None:
    """The model folder an extraction with ``model`` uses (None: rules only); UserError when it names
    a folder that is not there."""
    from gainlp.model.registry import default_model_path

    if model == "rules":
        return None
    if model == "auto":
        return default_model_path()
    if model == "model":
        path = default_model_path()
        if path is None:
            raise UserError("no shipped model found; train one (see README) or use --no-model")
        return path
    path = Path(model)
    if not path.exists():
        raise UserError(f"model folder {path} not found (--model)")
    if not path.is_dir():
        raise UserError(f"model {path} is a file; --model takes a model folder")
    return path


def model_version(folder: Path | None) -> str | None:
    """``<folder name>@<digest>`` of the files that make a model (their names and bytes; READMEs
    aside), so that a retrained model in the same folder gets a new version. None for rules only."""
    if folder is None:
        return None
    digest = hashlib.sha256()
    for f in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() != ".md"):
        digest.update(f.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        with open(f, "rb") as fh:
            for chunk in iter(partial(fh.read, 1 << 20), b""):
                digest.update(chunk)
    return f"{folder.name}@{digest.hexdigest()[:12]}"


def make_settings(model: str = "auto", limits: Limits | None = None, threads: int = 0) -> Settings:
    if model not in MODELS and not Path(model).exists():
        raise UserError(f"model folder {model} not found (--model; or one of {', '.join(MODELS)})")
    folder = model_folder(model)
    return Settings(model=model if folder is None or model in MODELS else str(folder.resolve()),
                    limits=limits or Limits(), model_version=model_version(folder), threads=threads)


# --------------------------------------------------------------------------------------------- inputs


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in supported_extensions()


def iter_inputs(paths: Iterable[str | Path], unsupported: bool = False) -> list[Path]:
    """The files to read: each path given as it is, and under each folder (recursively, sorted, hidden
    files and folders skipped) the files of supported types, and with ``unsupported`` the others too
    (they become ``skipped-unsupported`` rows). A path that does not exist is kept, so that it
    surfaces as an error rather than vanishing. Duplicates are dropped."""
    extensions = supported_extensions()
    out: list[Path] = []
    seen: set[str] = set()
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.rglob("*")
                           if f.is_file() and not _hidden(f, p) and (unsupported or f.suffix.lower() in extensions))
        else:
            found = [p]
        for f in found:
            key = os.path.realpath(f)
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out


def file_sha256(path: Path, limit: int = 0) -> str | None:
    """The sha256 of a regular file's bytes (None for anything else, or a file over ``limit``)."""
    try:
        st = os.stat(path)
        if not os.path.isfile(path) or (limit and st.st_size > limit):
            return None
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(partial(f.read, 1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None


# --------------------------------------------------------------------------------------------- one file

_EXTRACTORS: dict[str, Callable[[Document], Record]] = {}


def extractor_for(model: str) -> Callable[[Document], Record]:
    """The extractor of a model setting, loaded once per process (a worker loads its model once)."""
    if model not in _EXTRACTORS:
        from gainlp.model.registry import get_tagger

        if model == "rules":
            _EXTRACTORS[model] = extract_document
        else:
            try:
                tagger = get_tagger("auto" if model in ("auto", "model") else model)
            except Exception as exc:  # a corrupt folder: the user's to fix, said in one line
                raise UserError(f"cannot load the model {model}: {_one_line(str(exc)) or type(exc).__name__}") from exc
            _EXTRACTORS[model] = partial(extract_document, tagger=tagger)
    return _EXTRACTORS[model]


def resolve_engine(engine: str = "auto") -> Callable[[Document], Record]:
    """The extractor for a model setting ("auto", "rules", "model" or a model folder); ValueError for
    anything else (kept for callers of earlier versions)."""
    if engine not in MODELS and not Path(engine).exists():
        raise ValueError(f"unknown engine {engine!r}; expected one of {', '.join(MODELS)} or a model folder")
    return extractor_for(engine)


def _one_line(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def error_message(path: Path, exc: BaseException) -> str:
    msg = _one_line(str(exc))
    if not isinstance(exc, (ReadError, LimitExceeded)):
        msg = f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__
    if str(path) not in msg:
        msg = f"{path}: {msg}"
    return msg


def report_likeness(doc: Document, record: Record) -> str | None:
    """A warning when a text has neither the template's section headings nor its tables nor the
    vocabulary of a disclosure report; None when it looks like a report."""
    n_sections = len({s.number for s in record.sections})
    n_tables = sum(record.tables.get(name) is not None for name in TABLE_NAMES)
    squeezed = _SPACE.sub("", to_halfwidth(doc.text))
    terms = [w for w in REPORT_VOCABULARY if w in squeezed]
    if n_sections >= MIN_SECTIONS or n_tables or len(terms) >= MIN_VOCABULARY:
        return None
    return (f"{NOT_A_REPORT} {n_sections} of {len(load_spec().sections)} section headings, no template table "
            f"and {len(terms)} disclosure term(s) ({'、'.join(REPORT_VOCABULARY[:3])} …) found")


def unsupported_result(path: Path, name: str, settings: Settings) -> FileResult:
    ext = path.suffix.lower()
    why = ("legacy Word .doc is not supported; save it as .docx" if ext == ".doc" else
           f"unsupported file type {ext or '(no extension)'} (supported: {', '.join(supported_extensions())})")
    return FileResult(path, name, UNSUPPORTED, error=f"{path}: {why}", gainlp_version=__version__,
                      model_version=settings.model_version)


def process_file(path: str | Path, name: str, settings: Settings, raw: bytes | None = None) -> FileResult:
    """Read and extract one file and serialise what the outputs need; never raises for a bad file
    (KeyboardInterrupt aside, and UserError for a model that cannot load). ``raw``: the file's bytes,
    when an engine has read them already (Ray)."""
    path = Path(path)
    base = dict(gainlp_version=__version__, model_version=settings.model_version)
    if not is_supported(path):
        return unsupported_result(path, name, settings)
    extractor = extractor_for(settings.model)
    started = time.perf_counter()
    try:
        with limits_mod.deadline(settings.limits.max_seconds), limits_mod.using(settings.limits):
            doc = read(path, limits=settings.limits) if raw is None else read_bytes(raw, path, limits=settings.limits)
            if not doc.text.strip():
                raise ReadError(str(path), "no text found (an empty file, or a scan without a text layer)")
            record = extractor(doc)
            warning = report_likeness(doc, record)
            if warning:
                record.warnings.append(warning)
            record.versions = settings.versions
            data = record.to_dict()  # serialised once: JSON, CSV line and rows all come from here on
            rows = report_rows(name, record, doc.text)
            line = record_json(data)
            csv = csv_line(record.csv_row(), _columns())
            facts = crossreport.facts_of(name, record, doc.text)
    except FileTimeout:
        seconds = time.perf_counter() - started
        return FileResult(path, name, TIMEOUT, seconds=seconds, **base,
                          error=limits_mod.timeout_error(path, settings.limits.max_seconds, limits_mod.extended()))
    except UserError:
        raise
    except Exception as exc:  # one bad file never stops the batch: it becomes an error result
        log.debug("extracting %s failed", path, exc_info=True)
        return FileResult(path, name, ERROR, error=error_message(path, exc),
                          seconds=time.perf_counter() - started, **base)
    return FileResult(
        path, name, OK, seconds=time.perf_counter() - started, sha256=doc.sha256, format=doc.format,
        record_json=line, text=doc.text, csv_line=csv, rows=rows, agency=record.agency, year=record.year,
        template=record.template, published=record.published,
        tables=tuple(t for t in TABLE_NAMES if record.tables.get(t) is not None),
        failed_checks=tuple(c.name for c in record.checks if c.status == Check.FAIL),
        warnings=tuple(record.warnings), facts=facts.to_json() if facts else None, **base)


_COLUMNS: list[str] = []


def _columns() -> list[str]:
    if not _COLUMNS:
        _COLUMNS.extend(csv_columns())
    return _COLUMNS


def extract_one(path: str | Path, engine: str = "auto") -> FileResult:
    """Read and extract one file (the record in ``.record``); never raises for a bad file."""
    path = Path(path)
    return process_file(path, path.stem, make_settings(engine))


def extract_all(paths: Iterable[str | Path], *, engine: str = "auto", jobs: int = 1,
                limits: Limits | None = None) -> Iterator[FileResult]:
    """Extract every input file (see :func:`iter_inputs`); results in input order, ``.record`` on each.

    ``jobs`` > 1 extracts in that many worker processes (a crashed worker costs only its file).
    """
    if jobs < 1:
        raise ValueError("jobs must be at least 1")
    resolve_engine(engine)  # an unknown engine is the caller's mistake, not a file's
    settings = make_settings(engine, limits)
    files = iter_inputs(paths)
    if jobs == 1 or len(files) <= 1:
        for f in files:
            yield process_file(f, f.stem, settings)
        return
    from gainlp.workers import LocalPool

    settings = Settings(settings.model, settings.limits, settings.model_version, threads_per_worker(jobs))
    waiting: dict[int, FileResult] = {}
    next_out = 0
    with LocalPool(jobs, settings) as pool:
        for i, result in pool.imap_unordered((i, f, f.stem) for i, f in enumerate(files)):
            waiting[i] = result
            while next_out in waiting:
                yield waiting.pop(next_out)
                next_out += 1


def threads_per_worker(jobs: int) -> int:
    """Each of ``jobs`` workers gets its share of the cores for the model's matrix work: on 2 cores,
    2 workers of 1 thread extract about 40% more reports per second than one process of 2 threads
    (benchmarks/model_throughput.py --jobs 2)."""
    from gainlp.model.runtime import available_cores

    return max(1, available_cores() // jobs)


# --------------------------------------------------------------------------------------------- summary


@dataclass
class Summary:
    """What a batch run did, for the one-screen report of ``gainlp extract``."""

    files: int = 0
    statuses: Counter = field(default_factory=Counter)
    resumed: int = 0  # inputs whose record was there already
    seconds: float = 0.0  # wall time from start-up
    tables: Counter = field(default_factory=Counter)
    reports_with_fail: list[str] = field(default_factory=list)  # names of reports with a failed check
    failed_checks: int = 0
    reports_with_warnings: int = 0
    warnings: Counter = field(default_factory=Counter)
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (status, path, message)
    cross: Counter = field(default_factory=Counter)  # cross-report check statuses
    cross_failed: list[str] = field(default_factory=list)
    interrupted: bool = False
    records_in_folder: int = 0

    @property
    def ok(self) -> int:
        return self.statuses[OK]

    @property
    def errors(self) -> list[tuple[str, str, str]]:
        return [p for p in self.problems if p[0] in (ERROR, TIMEOUT)]

    def add(self, result: FileResult) -> None:
        self.files += 1
        self.statuses[result.status] += 1
        if not result.ok:
            self.problems.append((result.status, str(result.path), result.error or ""))
            return
        self.tables.update(result.tables)
        if result.failed_checks:
            self.reports_with_fail.append(result.name)
            self.failed_checks += len(result.failed_checks)
        self.reports_with_warnings += bool(result.warnings)
        # "not an annual report? 0 of 6 …" counts as "not an annual report?"
        self.warnings.update({NOT_A_REPORT if w.startswith(NOT_A_REPORT) else w for w in result.warnings})


__all__ = ["MODELS", "ENGINES", "FileResult", "ExtractResult", "Settings", "Summary", "make_settings", "model_folder",
           "model_version", "process_file", "extract_all", "extract_one", "iter_inputs", "report_likeness",
           "resolve_engine", "error_message", "file_sha256", "is_supported", "unsupported_result"]
