"""Extracting many files: one bad file never stops the batch.

``extract_all(paths)`` walks files and folders and yields one :class:`ExtractResult` per file, in input
order: ``ok`` with a record, or ``error`` with a one-line message naming the file (the traceback is
logged at debug level). A readable text that does not look like an annual report still yields a record,
with a warning.
"""
from __future__ import annotations

import logging
import re
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator

from gainlp.document import Document
from gainlp.pipeline import extract_document
from gainlp.readers import SUPPORTED_EXTENSIONS, ReadError, read
from gainlp.record import Check, Record
from gainlp.template import TABLE_NAMES, load_spec
from gainlp.text import to_halfwidth

log = logging.getLogger(__name__)

ENGINES = ("auto", "rules", "model")

# Words every annual report uses. A text with fewer than MIN_VOCABULARY of them, fewer than MIN_SECTIONS
# of the template's section headings and no template table is probably something else.
REPORT_VOCABULARY = ("政府信息公开", "政务公开", "信息公开申请", "依申请公开", "主动公开", "年度报告",
                     "信息公开条例", "信息公开工作")
MIN_SECTIONS = 2
MIN_VOCABULARY = 2
NOT_A_REPORT = "not an annual report?"

_SPACE = re.compile(r"\s+")


@dataclass
class ExtractResult:
    path: Path
    status: str  # ok | error
    record: Record | None = None
    error: str | None = None
    seconds: float = 0.0

    OK = "ok"
    ERROR = "error"

    @property
    def ok(self) -> bool:
        return self.status == self.OK


# --------------------------------------------------------------------------------------------- inputs


def _supported_extensions() -> frozenset[str]:
    return frozenset(e.lower() if e.startswith(".") else f".{e.lower()}" for e in SUPPORTED_EXTENSIONS)


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def iter_inputs(paths: Iterable[str | Path]) -> list[Path]:
    """The files to read: each file as given, and the files of supported extensions under each folder
    (recursively, sorted, hidden files and folders skipped). A path that does not exist is kept, so that
    it surfaces as an error result rather than vanishing. Duplicates are dropped."""
    extensions = _supported_extensions()
    out: list[Path] = []
    seen: set[Path] = set()
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.rglob("*")
                           if f.is_file() and f.suffix.lower() in extensions and not _hidden(f, p))
        else:
            found = [p]
        for f in found:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out


# --------------------------------------------------------------------------------------------- engines


def resolve_engine(engine: str = "auto") -> Callable[[Document], Record]:
    """The extractor for an engine: "auto" or "model" (the shipped model), "rules", or the path of a
    model folder. A model that cannot be loaded raises ModelLoadError (one line), never rules instead."""
    from gainlp.model.registry import get_tagger

    if engine == "rules":
        return extract_document
    if engine not in ENGINES and not Path(engine).exists():
        raise ValueError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)} or a model folder")
    return partial(extract_document, tagger=get_tagger("auto" if engine == "model" else engine))


# --------------------------------------------------------------------------------------------- one file


def _one_line(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def error_message(path: Path, exc: BaseException) -> str:
    msg = _one_line(str(exc))
    if not isinstance(exc, ReadError):
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


def extract_one(path: str | Path, engine: str = "auto") -> ExtractResult:
    """Read and extract one file; never raises for a bad file (KeyboardInterrupt aside)."""
    path = Path(path)
    started = time.perf_counter()
    try:
        extractor = resolve_engine(engine)
        if not path.exists():
            raise ReadError(str(path), "no such file or directory")
        doc = read(path)
        if not doc.text.strip():
            raise ReadError(str(path), "no text found (an empty file, or a scan without a text layer)")
        record = extractor(doc)
        warning = report_likeness(doc, record)
        if warning:
            record.warnings.append(warning)
    except Exception as exc:  # one bad file never stops the batch: it becomes an error result
        log.debug("extracting %s failed", path, exc_info=True)
        return ExtractResult(path, ExtractResult.ERROR, error=error_message(path, exc),
                             seconds=time.perf_counter() - started)
    return ExtractResult(path, ExtractResult.OK, record=record, seconds=time.perf_counter() - started)


def extract_all(paths: Iterable[str | Path], *, engine: str = "auto", jobs: int = 1) -> Iterator[ExtractResult]:
    """Extract every input file (see :func:`iter_inputs`); results come in input order.

    ``jobs`` > 1 extracts in that many worker processes.
    """
    resolve_engine(engine)  # an unknown engine is the caller's mistake, not a file's
    files = iter_inputs(paths)
    if jobs <= 1 or len(files) <= 1:
        for f in files:
            yield extract_one(f, engine)
        return
    pool_args: dict = {}
    if engine != "rules":  # the model's matrix work: each worker gets its share of the cores
        from gainlp.model.runtime import available_cores

        pool_args = {"initializer": _worker_threads, "initargs": (max(1, available_cores() // jobs),)}
    with ProcessPoolExecutor(max_workers=jobs, **pool_args) as pool:
        yield from pool.map(partial(extract_one, engine=engine), files, chunksize=4)


def _worker_threads(threads: int) -> None:
    """Give a worker its share of the cores before it loads a model (gainlp.model.runtime.set_threads):
    N workers must not each start one thread per core."""
    from gainlp.model.runtime import set_threads

    set_threads(threads)


# --------------------------------------------------------------------------------------------- summary


@dataclass
class Summary:
    """What a batch produced, for the one-screen report of ``gainlp extract``."""

    files: int = 0
    ok: int = 0
    seconds: float = 0.0
    tables: Counter = field(default_factory=Counter)
    reports_with_fail: int = 0
    failed_checks: int = 0
    reports_with_warnings: int = 0
    warnings: Counter = field(default_factory=Counter)
    errors: list[tuple[Path, str]] = field(default_factory=list)

    def add(self, result: ExtractResult) -> None:
        self.files += 1
        self.seconds += result.seconds
        if not result.ok:
            self.errors.append((result.path, result.error or ""))
            return
        record = result.record
        self.ok += 1
        self.tables.update(name for name in TABLE_NAMES if record.tables.get(name) is not None)
        fails = sum(c.status == Check.FAIL for c in record.checks)
        self.failed_checks += fails
        self.reports_with_fail += fails > 0
        self.reports_with_warnings += bool(record.warnings)
        # "not an annual report? 0 of 6 …" counts as "not an annual report?"
        self.warnings.update({NOT_A_REPORT if w.startswith(NOT_A_REPORT) else w for w in record.warnings})


__all__ = ["ENGINES", "ExtractResult", "Summary", "extract_all", "extract_one", "iter_inputs", "report_likeness",
           "resolve_engine", "error_message"]
