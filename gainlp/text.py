"""Text normalisation for matching, with offsets back into the reader's text.

Readers keep the text as printed; matching runs on a normalised copy: full-width digits, letters and
punctuation folded to half width (ＮＦＫＣ per character), spaces removed between CJK characters and
digits ("社会公 益组织" -> "社会公益组织", "全年组织 4 次" -> "全年组织4次"), and a line break
inside a wrapped label or sentence removed when neither side ends a sentence. Every normalised character
knows the reader offset it came from, so a match in the normalised text maps back to a span.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# characters NFKC would change that we keep as printed: the ideographic comma and full stop carry
# meaning for sentence and list splitting and have no half-width twin in these reports.
_KEEP = set("、。“”‘’《》【】〔〕…—")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in _KEEP or ch < "\x80":
        return ch
    if ch == "\u3000" or ch == "\xa0":
        return " "
    folded = unicodedata.normalize("NFKC", ch)
    return folded


def to_halfwidth(text: str) -> str:
    """Fold full-width characters (digits, letters, punctuation, spaces) to half width."""
    if text.isascii():
        return text
    return "".join(_fold_char(c) for c in text)


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


_SENTENCE_END = set("。；;：:！!？?")


def _joinable(prev: str, nxt: str) -> bool:
    """Is the whitespace between prev and nxt (non-space characters) an artefact to drop?"""
    return (is_cjk(prev) or prev.isdigit() or prev in "%）)”，,、") and (
        is_cjk(nxt) or nxt.isdigit() or nxt in "（(“%"
    ) and not (prev.isdigit() and nxt.isdigit())


@dataclass
class NormText:
    """A normalised text with, for each of its characters, the offset of the source character."""

    text: str
    offsets: list[int]
    source_len: int

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised span [start, end) to the reader's text."""
        if start >= len(self.offsets):
            return self.source_len, self.source_len
        s = self.offsets[start]
        e = self.offsets[end - 1] + 1 if end > start else s
        return s, e


def normalize(text: str, join_lines: bool = False) -> NormText:
    """Normalise for matching; ``join_lines`` also drops line breaks inside sentences and labels."""
    out: list[str] = []
    offs: list[int] = []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if ch in " \t\u3000\xa0" or (join_lines and ch in "\r\n"):
            # a run of white space: keep one space (or newline) unless it sits between joinable chars
            j = i
            has_newline = False
            while j < n and (text[j] in " \t\u3000\xa0" or (join_lines and text[j] in "\r\n")):
                has_newline = has_newline or text[j] in "\r\n"
                j += 1
            prev = out[-1] if out else ""
            nxt = _fold_char(text[j]) if j < n else ""
            if prev and nxt and _joinable(prev, nxt[0]) and not (has_newline and prev in _SENTENCE_END):
                pass  # drop it
            elif has_newline:
                out.append("\n")
                offs.append(i)
            elif prev and nxt:
                out.append(" ")
                offs.append(i)
            i = j
            continue
        folded = _fold_char(ch)
        for f in folded:
            out.append(f)
            offs.append(i)
        i += 1
    return NormText("".join(out), offs, n)


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}
CN_NUMERAL_CHARS = "".join(_CN_DIGITS) + "".join(_CN_UNITS)


def chinese_to_int(s: str) -> int | None:
    """'两' -> 2, '十二' -> 12, '一百零五' -> 105, '三千' -> 3000; None if not a numeral."""
    if not s or any(c not in _CN_DIGITS and c not in _CN_UNITS for c in s):
        return None
    if all(c in _CN_DIGITS for c in s) and len(s) > 1:  # digit by digit: 二〇二一
        return int("".join(str(_CN_DIGITS[c]) for c in s))
    total, section, num = 0, 0, 0
    for c in s:
        if c in _CN_DIGITS:
            num = _CN_DIGITS[c]
        else:
            unit = _CN_UNITS[c]
            if unit >= 10_000:
                section = (section + num) * unit
                total += section
                section = 0
            else:
                section += (num or 1) * unit
            num = 0
    return total + section + num


_NUMBER = re.compile(r"^(?P<sign>[减增+\-−－]?)\s*(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)$")
NULL_CELLS = {"", "/", "／", "—", "-", "－", "——", "–", "\\", "无", "空"}


def parse_cell_number(text: str) -> tuple[bool, int | float | None]:
    """Parse a table cell: (is_value, value). Blank, '/', '—', '-' are values that are null.

    "减62" is -62, "增5" and "+5" are 5, "3,119" is 3119, "96171.6" stays a float.
    Anything else is not a value cell: (False, None).
    """
    t = to_halfwidth(text).strip().replace(" ", "")
    if t in NULL_CELLS:
        return True, None
    m = _NUMBER.match(t)
    if not m:
        return False, None
    num = m.group("num").replace(",", "")
    val: int | float = float(num) if "." in num else int(num)
    if m.group("sign") in ("减", "-", "−", "－"):
        val = -val
    return True, val
