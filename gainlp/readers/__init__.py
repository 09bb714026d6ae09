"""Readers: turn a report file (txt, html, docx, pdf, page images) into a :class:`gainlp.document.Document`.

``read(path)`` picks the reader by file extension (or by ``fmt``); ``read_text(text)`` wraps a str
already in memory. Each format is one module that registers its reader with ``@register``::

    @register("html", ".html", ".htm")
    def read_html(raw: bytes, path: str) -> Document: ...

Every failure is a :class:`ReadError` whose message is one line naming the file.
"""
from __future__ import annotations

from pathlib import Path

from gainlp.document import Document
from gainlp.readers.base import EXTENSIONS, READERS, ReadError, ReaderSpec, register
from gainlp.readers import docx, html, image, pdf, txt  # noqa: E402,F401  (each module registers its reader)

SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(sorted(EXTENSIONS))

__all__ = ["read", "read_text", "ReadError", "register", "SUPPORTED_EXTENSIONS", "supported_extensions", "READERS"]


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


def read(path: Path | str, fmt: str | None = None) -> Document:
    """Read one report file into a Document; raise :class:`ReadError` on any problem."""
    path = Path(path)
    spec = _spec_for(path, fmt)
    name = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ReadError(name, "file not found") from None
    except IsADirectoryError:
        raise ReadError(name, "is a directory, not a file") from None
    except PermissionError:
        raise ReadError(name, "permission denied") from None
    except OSError as e:
        raise ReadError(name, f"cannot read file ({e.strerror or e})") from e
    doc = spec.func(raw, name)
    doc.path = name
    doc.format = spec.fmt
    return doc


def read_text(text: str, path: str | None = None) -> Document:
    """Wrap a str already in memory as a txt Document (BOM stripped, line breaks normalised)."""
    return txt.document_from_str(text, path)
