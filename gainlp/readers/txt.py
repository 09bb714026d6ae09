"""Plain text: detect the encoding (BOM, strict UTF-8, strict GB18030, then charset-normalizer)."""
from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from gainlp.document import Document
from gainlp.readers.base import ReadError, register

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# control bytes that do not occur in text (tab, LF, VT, FF, CR, SUB and ESC do)
_CONTROL = frozenset(range(0x20)) - {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1A, 0x1B}


def looks_binary(raw: bytes, sample: int = 8192) -> bool:
    """NUL bytes, or more than 5% control bytes, in the first ``sample`` bytes."""
    head = raw[:sample]
    if b"\x00" in head:
        return True
    n_ctrl = sum(1 for b in head if b in _CONTROL)
    return n_ctrl > 0.05 * len(head)


def decode_bytes(raw: bytes, path: str, declared: str | None = None) -> tuple[str, str, list[str]]:
    """Decode text bytes: (text, encoding, warnings). ``declared`` (e.g. an HTML meta charset) is tried
    right after a BOM. Raises ReadError for binary or undecodable input."""
    warnings: list[str] = []
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(enc), enc, warnings
            except UnicodeDecodeError as e:
                raise ReadError(path, f"cannot decode text (byte-order mark says {enc}, but {e.reason} at byte {e.start})") from e
    if looks_binary(raw):
        raise ReadError(path, "binary file, not text")
    tried = []
    candidates = ["utf-8", "gb18030"]
    if declared:
        declared = _canonical(declared)
        if declared:
            candidates = [declared] + [c for c in candidates if c != declared]
    for enc in candidates:
        tried.append(enc)
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            if enc == declared:
                warnings.append(f"declared encoding {enc} does not decode the file; detected another")
            continue
        return text, enc, warnings
    best = from_bytes(raw).best()
    tried.append("charset-normalizer")
    if best is None or best.encoding is None:
        raise ReadError(path, f"cannot decode text (tried {', '.join(tried)})")
    warnings.append(f"encoding guessed by charset-normalizer: {best.encoding}")
    return str(best), best.encoding, warnings


def _canonical(name: str) -> str | None:
    """A Python codec name for a declared charset; GB2312 and GBK read as their superset GB18030."""
    try:
        enc = codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None
    return "gb18030" if enc in ("gb2312", "gbk", "cp936", "hz") else enc


def _normalise_newlines(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


@register("txt", ".txt", ".text", ".md")
def read_txt(raw: bytes, path: str) -> Document:
    if not raw.strip():
        raise ReadError(path, "empty file")
    text, encoding, warnings = decode_bytes(raw, path)
    text = _normalise_newlines(text)
    if not text.strip():
        raise ReadError(path, "empty file")
    doc = Document.from_text(text, path=path, fmt="txt", raw=raw)
    doc.meta = {"encoding": encoding}
    doc.warnings = warnings
    return doc


def document_from_str(text: str, path: str | None = None) -> Document:
    """A txt Document from a str in memory (the digest is of its UTF-8 bytes as given)."""
    if not text.strip():
        raise ReadError(path, "empty text")
    doc = Document.from_text(_normalise_newlines(text), path=path, fmt="txt", raw=text.encode("utf-8", "surrogatepass"))
    doc.meta = {"encoding": "str"}
    return doc
