"""Per-file limits: how much one input may cost before it becomes a one-line error.

A batch over thousands of reports must not let one file eat the machine: a huge text, a DOCX holding
a zip bomb, an HTML page nested thousands of levels deep or a PDF whose ruled grids take minutes.
:class:`Limits` holds the bounds (defaults below, ``gainlp extract`` flags to change them). Readers
consult the limits in force through :func:`active` (a context variable that :func:`gainlp.readers.read`
sets), so reader signatures stay ``(raw, path) -> Document``.

The wall-time limit is enforced by the batch (:mod:`gainlp.batch`): an alarm in the process that
extracts, and the parent killing a worker that does not answer the alarm (a loop inside a C library).
A page read by OCR takes seconds where a text page takes milliseconds, so each one the OCR reader
starts adds ``ocr_page_seconds`` to the file's limit (:func:`extend`, which also tells the parent).
"""
from __future__ import annotations

import contextlib
import contextvars
import re
import signal
import threading
from dataclasses import dataclass
from typing import Callable, Iterator

MB = 1024 * 1024
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.I)
_UNITS = {"": 1, "k": 1024, "m": MB, "g": 1024 * MB, "t": 1024 * 1024 * MB}


@dataclass(frozen=True)
class Limits:
    """Bounds for one input file. ``0`` turns a bound off."""

    max_bytes: int = 64 * MB  # the file as stored
    max_unpacked: int = 256 * MB  # what a packed format (DOCX: a zip of XML parts) unpacks to
    max_chars: int = 5_000_000  # the text a reader produces (a long report has 100,000 characters)
    max_seconds: float = 120.0  # wall time to read and extract it
    ocr_page_seconds: float = 30.0  # more wall time for each page read by OCR (about 8-14 s a page measured)
    max_depth: int = 5000  # element nesting of an HTML page

    def check_size(self, path: str, size: int) -> None:
        if self.max_bytes and size > self.max_bytes:
            raise LimitExceeded(path, f"file is {human_bytes(size)}, over the {human_bytes(self.max_bytes)} "
                                      f"limit (--max-size)")

    def check_unpacked(self, path: str, size: int, what: str = "unpacks to") -> None:
        if self.max_unpacked and size > self.max_unpacked:
            raise LimitExceeded(path, f"{what} {human_bytes(size)}, over the {human_bytes(self.max_unpacked)} "
                                      f"limit (--max-unpacked)")

    def check_chars(self, path: str, n: int) -> None:
        if self.max_chars and n > self.max_chars:
            raise LimitExceeded(path, f"its text has {n:,} characters, over the {self.max_chars:,} limit (--max-chars)")

    def check_depth(self, path: str, depth: int) -> None:
        if self.max_depth and depth > self.max_depth:
            raise LimitExceeded(path, f"elements nested {depth} deep, over the {self.max_depth} limit (--max-depth)")


class LimitExceeded(Exception):
    """An input over one of the per-file limits; ``str()`` is one line naming the file."""

    def __init__(self, path: str | None, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class FileTimeout(BaseException):
    """Raised by the alarm when a file runs past ``Limits.max_seconds``.

    A BaseException, so that no ``except Exception`` inside a reader or a library swallows it.
    """


_ACTIVE: contextvars.ContextVar[Limits] = contextvars.ContextVar("gainlp_limits", default=Limits())


def active() -> Limits:
    """The limits in force for the file being read."""
    return _ACTIVE.get()


@contextlib.contextmanager
def using(limits: Limits) -> Iterator[Limits]:
    token = _ACTIVE.set(limits)
    try:
        yield limits
    finally:
        _ACTIVE.reset(token)


def _raise_timeout(signum, frame) -> None:
    raise FileTimeout()


class _Clock:
    """The deadline armed in this process: whether one is, the seconds :func:`extend` added to it, and
    who to tell (the worker's pipe to the parent, whose own watchdog must allow the same time)."""

    armed: bool = False
    extra: float = 0.0
    notify: Callable[[float], None] | None = None


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise :class:`FileTimeout` in this thread after ``seconds`` (SIGALRM; the main thread of a POSIX
    process only; elsewhere, or for ``seconds`` <= 0, no alarm is set)."""
    _Clock.extra = 0.0
    usable = (seconds and seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _raise_timeout)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    _Clock.armed = True
    try:
        yield
    finally:
        _Clock.armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def extend(seconds: float) -> None:
    """Give the file being read ``seconds`` more before its deadline (no-op when none is armed)."""
    if not _Clock.armed or seconds <= 0:
        return
    remaining, _ = signal.getitimer(signal.ITIMER_REAL)
    if remaining <= 0:
        return
    signal.setitimer(signal.ITIMER_REAL, remaining + seconds)
    _Clock.extra += seconds
    if _Clock.notify is not None:
        _Clock.notify(seconds)


def extended() -> float:
    """Seconds :func:`extend` added to the last deadline armed in this process."""
    return _Clock.extra


def timeout_error(path, limit: float, extra: float) -> str:
    """The one-line error of a file stopped at its wall-time limit (``extra``: seconds :func:`extend` added)."""
    flags = "--max-seconds, --max-page-seconds" if extra else "--max-seconds"
    return f"{path}: took over {limit + extra:g} s ({flags}); stopped"


def on_extend(notify: Callable[[float], None] | None) -> None:
    """Call ``notify(seconds)`` whenever :func:`extend` grants more time (the worker tells its parent)."""
    _Clock.notify = notify


def parse_size(text: str) -> int:
    """"100MB", "1.5G", "512k", "1000" (bytes) -> bytes; "0" turns the limit off."""
    m = _SIZE.match(str(text))
    if not m:
        raise ValueError(f"not a size: {text!r} (e.g. 100MB, 2G, 512k)")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def human_bytes(n: int) -> str:
    for unit, size in (("GB", 1024 * MB), ("MB", MB), ("kB", 1024)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


__all__ = ["Limits", "LimitExceeded", "FileTimeout", "active", "using", "deadline", "extend", "extended", "on_extend",
           "timeout_error", "parse_size", "human_bytes"]
