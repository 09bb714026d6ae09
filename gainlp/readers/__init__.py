"""Readers: turn a report file (txt, html, docx, pdf, page images) into a :class:`gainlp.document.Document`.

``read(path)`` picks the reader by file extension (or by ``fmt``); ``read_text(text)`` wraps a str
already in memory. Each format is one module that registers its reader with ``@register``::

    @register("html", ".html", ".htm")
    def read_html(raw: bytes, path: str) -> Document: ...

Every failure is a :class:`ReadError` whose message is one line naming the file.
"""
from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from gainlp import limits as _limits
from gainlp.document import Document
from gainlp.readers.base import EXTENSIONS, READERS, ReadError, ReaderSpec, register
from gainlp.readers import docx, html, image, pdf, txt  # noqa: E402,F401  (each module registers its reader)

SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(sorted(EXTENSIONS))

__all__ = ["read", "read_bytes", "read_text", "ReadError", "register", "SUPPORTED_EXTENSIONS", "supported_extensions", "READERS"]


def supported_extensions() -> tuple[str, ...]:
    """The extensions with a reader, including readers registered after import."""
    return tuple(sorted(EXTENSIONS))


def _spec_for(path: Path, fmt: str | None) -> ReaderSpec:
    if fmt is not None:
        key = fmt.lower().lstrip(".")
        if key in READERS:
            return READERS[key]
        if "." + key in EXTENSIONS:
            return READERS[EXTENSIONS["." + key]]
        raise ReadError(str(path), f"unknown format {fmt!r} (known: {', '.join(sorted(READERS))})")
    ext = path.suffix.lower()
    if ext in EXTENSIONS:
        return READERS[EXTENSIONS[ext]]
    if ext == ".doc":
        raise ReadError(str(path), "legacy Word .doc is not supported; save it as .docx")
    shown = f"'{ext}'" if ext else "(no extension)"
    raise ReadError(str(path), f"unsupported file type {shown} (supported: {', '.join(supported_extensions())})")


def read(path: Path | str, fmt: str | None = None, limits: _limits.Limits | None = None) -> Document:
    """Read one report file into a Document; raise :class:`ReadError` on any problem, and
    :class:`gainlp.limits.LimitExceeded` for a file over ``limits`` (default: those in force).

    Only regular files are read (a FIFO or a device such as /dev/zero would hang or never end), and
    never more than the size limit allows, even if the file grows while it is read.
    """
    path = Path(path)
    _spec_for(path, fmt)  # an unsupported type fails before the file is opened
    limits = limits or _limits.active()
    return read_bytes(_read_bytes(path, str(path), limits), path, fmt=fmt, limits=limits)


# the start of a web page's source: a doctype or an <html>, <head> or <body> tag, after a BOM, white space
# and comments (tags are ASCII in UTF-8 and GB18030 alike)
_HTML_SOURCE = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)[\s>]",
                          re.IGNORECASE | re.DOTALL)


def html_source(raw: bytes) -> bool:
    """Is this text a web page's source (a scraper's saved page named .txt)?"""
    return _HTML_SOURCE.match(raw[:4096]) is not None


def read_bytes(raw: bytes, path: Path | str, fmt: str | None = None, limits: _limits.Limits | None = None) -> Document:
    """Read a file's bytes already in memory (``path`` names it and picks the reader). A text file that is
    a web page's source is read as the page, with a warning: as text its tables were markup."""
    path = Path(path)
    spec = _spec_for(path, fmt)
    page_source = spec.fmt == "txt" and fmt is None and html_source(raw)
    if page_source:
        spec = READERS["html"]
    name = str(path)
    limits = limits or _limits.active()
    limits.check_size(name, len(raw))
    with _limits.using(limits):
        doc = spec.func(raw, name)
    limits.check_chars(name, len(doc.text))
    doc.path = name
    if page_source:
        doc.warnings = [*doc.warnings, "the text is a web page's source (HTML): read as the page"]
    doc.format = spec.fmt
    return doc


def _read_bytes(path: Path, name: str, limits: _limits.Limits) -> bytes:
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise ReadError(name, "is a directory, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise ReadError(name, f"not a regular file ({_file_kind(st.st_mode)}); only files are read")
        limits.check_size(name, st.st_size)
        # O_NONBLOCK: a file swapped for a FIFO after the stat must not block the open
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ReadError(name, "not a regular file; only files are read")
            cap = limits.max_bytes + 1 if limits.max_bytes else -1
            raw = f.read(cap)
    except FileNotFoundError:
        raise ReadError(name, "file not found") from None
    except IsADirectoryError:
        raise ReadError(name, "is a directory, not a file") from None
    except PermissionError:
        raise ReadError(name, "permission denied") from None
    except OSError as e:
        raise ReadError(name, f"cannot read file ({e.strerror or e})") from e
    limits.check_size(name, len(raw))
    return raw


def _file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a file"


def read_text(text: str, path: str | None = None) -> Document:
    """Wrap a str already in memory as a txt Document (BOM stripped, line breaks normalised); a web page's
    source is read as the page (:func:`read_bytes`)."""
    raw = text.encode("utf-8", "surrogatepass")
    if html_source(raw):
        doc = read_bytes(raw, path or "<text>.txt")
        doc.path = path
        return doc
    return txt.document_from_str(text, path)
