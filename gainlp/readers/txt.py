"""Plain text: detect the encoding (BOM, strict UTF-8, strict GB18030, then charset-normalizer)."""
from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from gainlp import limits
from gainlp.document import Document
from gainlp.readers.base import ReadError, TextBuilder, register

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
    if b"\x00" in raw[:8192]:
        utf16 = _utf16_without_bom(raw)
        if utf16 is not None:
            text, enc = utf16
            warnings.append(f"no byte-order mark; read as {enc.upper()}")
            return text, enc, warnings
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
        if enc == "gb18030" and declared != "gb18030":
            big5 = _big5_instead(raw, text)
            if big5 is not None:
                warnings.append("read as Big5 (traditional Chinese): it decodes as GB18030 too, but as "
                                "Big5 its characters are the common ones")
                return big5, "big5", warnings
        return text, enc, warnings
    best = from_bytes(raw).best()
    tried.append("charset-normalizer")
    if best is None or best.encoding is None:
        raise ReadError(path, f"cannot decode text (tried {', '.join(tried)})")
    warnings.append(f"encoding guessed by charset-normalizer: {best.encoding}")
    return str(best), best.encoding, warnings


def _plausible_share(text: str) -> float:
    """Share of a text's characters that a report would print: CJK, ASCII printable, white space and
    the CJK / full-width punctuation."""
    if not text:
        return 0.0
    good = sum(1 for ch in text if ch.isprintable() or ch in "\n\r\t") - sum(
        1 for ch in text if "\ue000" <= ch <= "\uf8ff" or "\ud800" <= ch <= "\udfff")
    return good / len(text)


def _utf16_without_bom(raw: bytes) -> tuple[str, str] | None:
    """UTF-16 text saved without a byte-order mark (Windows "Unicode" text): NUL bytes on the even (BE)
    or odd (LE) positions of ASCII characters. The variant that decodes to plausible text wins."""
    if len(raw) % 2:
        raw = raw[:-1]
    head = raw[:8192]
    even, odd = head[0::2].count(0), head[1::2].count(0)
    order = ("utf-16-le", "utf-16-be") if odd >= even else ("utf-16-be", "utf-16-le")
    for enc in order:
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text and _plausible_share(text[:20000]) >= 0.98:
            return text, enc
    return None


def _is_common_hanzi(ch: str) -> bool:
    """One of the frequent characters: GB2312 level 1 (simplified) or Big5 level 1 (traditional)."""
    try:
        gb = ch.encode("gb2312")
        if len(gb) == 2 and 0xB0 <= gb[0] <= 0xD7:
            return True
    except UnicodeEncodeError:
        pass
    try:
        b5 = ch.encode("big5")
        return len(b5) == 2 and 0xA440 <= int.from_bytes(b5, "big") <= 0xC67E
    except UnicodeEncodeError:
        return False


def _common_share(text: str, sample: int = 20000) -> float:
    hanzi = [ch for ch in text[:sample] if "\u3400" <= ch <= "\u9fff"]
    if len(hanzi) < 20:
        return 1.0
    return sum(map(_is_common_hanzi, hanzi)) / len(hanzi)


def _big5_instead(raw: bytes, gb_text: str) -> str | None:
    """Big5 text decodes as GB18030 too, into rare characters and kana (mojibake). When the bytes also
    decode as Big5 and that reading is clearly made of the common characters, it is Big5."""
    gb_share = _common_share(gb_text)
    if gb_share >= 0.9:
        return None
    try:
        text = raw.decode("big5")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp950")
        except UnicodeDecodeError:
            return None
    return text if _common_share(text) >= max(0.9, gb_share + 0.2) else None


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


# a table printed as HTML inside a text: pandoc's Markdown (GFM too) of a page keeps a table with merged
# cells as its HTML ("<td colspan="3">一、本年新收…</td>"), whose attributes' digits were read as cells
_HTML_TABLE = re.compile(r"<table\b.*?</table\s*>", re.IGNORECASE | re.DOTALL)
_HTML_TABLE_END = re.compile(r"</table", re.IGNORECASE)


def _with_html_tables(text: str, raw: bytes, path: str) -> Document | None:
    """A text whose tables are printed as HTML: its other lines as they are, each such table as its grid
    (a reader table, as the HTML reader's); None where no table is."""
    tables = list(_HTML_TABLE.finditer(text)) if _HTML_TABLE_END.search(text) else []
    if not tables:
        return None
    from gainlp.readers.html import table_grid

    builder = TextBuilder()
    pos = 0
    for m in tables:
        if text[pos:m.start()].strip("\n"):
            builder.add_lines(text[pos:m.start()].strip("\n"))
        grid = table_grid(m.group())
        if grid is not None:
            builder.add_table(grid)
        pos = m.end()
    if text[pos:].strip("\n"):
        builder.add_lines(text[pos:].strip("\n"))
    return builder.document(raw, path, "txt")


@register("txt", ".txt", ".text", ".md")
def read_txt(raw: bytes, path: str) -> Document:
    if not raw.strip():
        raise ReadError(path, "empty file")
    text, encoding, warnings = decode_bytes(raw, path)
    limits.active().check_chars(path, len(text))
    text = _normalise_newlines(text)
    if not text.strip():
        raise ReadError(path, "empty file")
    doc = _with_html_tables(text, raw, path)
    if doc is not None:
        warnings = [*warnings, "tables printed as HTML inside the text (pandoc's Markdown of a page): read as "
                               "tables, the rest as lines of text"]
    else:
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
