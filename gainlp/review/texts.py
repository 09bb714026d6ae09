"""Where a record's offsets point: the text the reader produced for its report.

``gainlp extract`` saves that text beside each record, as ``OUT/text/<name>.txt`` for ``OUT/<name>.json``.
:func:`load_text` reads it from there; failing that it reads the source file named in
``record.source.path`` again with the reader registry (:func:`gainlp.readers.read`) and takes the text
only when the file's sha256 is the one the record holds. When neither works the text is ``None`` and
``note`` says why, in words the review page shows as they are.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from gainlp.record import Record

log = logging.getLogger(__name__)

TEXT_DIR = "text"  # OUT/text/<name>.txt beside OUT/<name>.json

SAVED = "saved"    # OUT/text/<name>.txt
SOURCE = "source"  # the source file read again, same sha256


@dataclass
class LoadedText:
    text: str | None
    origin: str | None  # SAVED | SOURCE | None
    note: str           # where the text came from, or why there is none

    @property
    def ok(self) -> bool:
        return self.text is not None


def text_path(outdir: Path, name: str) -> Path:
    return Path(outdir) / TEXT_DIR / f"{name}.txt"


def _max_offset(record: Record) -> int:
    ends = [p.end for p in record.provenance.values()] + [s.end for s in record.sections]
    return max(ends, default=0)


def _source_candidates(path: str, outdir: Path) -> list[Path]:
    """The source path as recorded (relative to the working directory), and relative to the folder that
    holds the output folder (a batch run from there)."""
    p = Path(path)
    if p.is_absolute():
        return [p]
    return [p, Path(outdir).resolve().parent / p]


def load_text(outdir: Path, name: str, record: Record) -> LoadedText:
    """The text a record's offsets point into (see the module docstring)."""
    problems: list[str] = []
    saved = text_path(outdir, name)
    if saved.is_file():
        try:
            text = saved.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{saved} cannot be read ({exc})")
        else:
            if len(text) >= _max_offset(record):
                return LoadedText(text, SAVED, f"text saved by the extraction ({saved.name})")
            problems.append(f"{saved} is shorter than the offsets of the record")
    else:
        problems.append(f"no saved text ({TEXT_DIR}/{saved.name})")
    source = record.source.path
    if not source:
        problems.append("the record names no source file")
        return LoadedText(None, None, "; ".join(problems))
    from gainlp.readers import ReadError, read

    found = [p for p in _source_candidates(source, outdir) if p.is_file()]
    if not found:
        problems.append(f"source file {source} not found")
        return LoadedText(None, None, "; ".join(problems))
    try:
        doc = read(found[0], fmt=record.source.format or None)
    except ReadError as exc:
        problems.append(str(exc))
        return LoadedText(None, None, "; ".join(problems))
    if doc.sha256 != record.source.sha256:
        problems.append(f"source file {source} has changed since the extraction (sha256 differs)")
        return LoadedText(None, None, "; ".join(problems))
    log.debug("%s: text read again from %s", name, found[0])
    return LoadedText(doc.text, SOURCE, f"text read again from the source file {source} (same sha256)")


__all__ = ["LoadedText", "load_text", "text_path", "TEXT_DIR", "SAVED", "SOURCE"]
