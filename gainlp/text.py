"""Text normalisation for matching, with offsets back into the reader's text.

Readers keep the text as printed; matching runs on a normalised copy: full-width digits, letters and
punctuation folded to half width (ＮＦＫＣ per character), spaces removed between CJK characters and
digits or Latin words ("社会公 益组织" -> "社会公益组织", "全年组织 4 次" -> "全年组织4次", "利用 LED 屏" ->
"利用LED屏"), and a line break
inside a wrapped label or sentence removed when neither side ends a sentence. Every normalised character
knows the reader offset it came from, so a match in the normalised text maps back to a span.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass

# characters NFKC would change that we keep as printed: the ideographic comma and full stop carry
# meaning for sentence and list splitting and have no half-width twin in these reports.
_KEEP = set("、。“”‘’《》【】〔〕…—")


# CJK Radicals Supplement forms that PDF fonts (Chromium's among them) print for whole characters and that
# NFKC leaves alone ("首⻚" for 首页, "人⺠" for 人民); the Kangxi radicals (⾏ ⼀ ⼈ …) NFKC folds itself.
# The pairs are Unicode's EquivalentUnifiedIdeograph.txt for the forms that stand for a whole character.
_RADICAL_FORMS = dict(zip("⺁⺇⺎⺐⺒⺓⺟⺠⺩⺪⺬⺮⺶⺻⺽⻁⻄⻆⻊⻑⻓⻗⻘⻙⻣⻪⻅⻉⻋⻔⻚⻛⻜⻝⻢⻤⻥⻦⻧⻨⻩⻬⻮⻰⻳",
                          "厂几兀尢巳幺母民王疋示竹羊聿臼虎西角足長长雨青韦骨黾见贝车门页风飞食马鬼鱼鸟卤麦黄齐齿龙龟"))
# a radical code point as the whole character it prints: Kangxi radicals by NFKC, the supplement's by the table
_RADICALS = {**{cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0x2F00, 0x2FD6)},
             **{ord(k): v for k, v in _RADICAL_FORMS.items()}}
_RADICAL_RANGE = re.compile("[\u2e80-\u2fdf]")


def fold_radicals(text: str) -> str:
    """Radical code points (⾏ ⼯ ⺠ ⻚, which PDF text layers print for 行 工 民 页) as the characters they
    stand for, one for one, so offsets hold. Readers apply it: the text is what the page shows."""
    return text.translate(_RADICALS) if _RADICAL_RANGE.search(text) else text


def _fold_char(ch: str) -> str:
    """One character folded: NFKC, except ASCII and ``_KEEP`` stay and U+3000 / NBSP become a space.

    No character folds to the empty string (NFKC never deletes one), so a folded text is never shorter
    than its source, and one of equal length folded every character to exactly one character.
    """
    if ch in _KEEP or ch < "\x80":
        return ch
    if ch == "\u3000" or ch == "\xa0":
        return " "
    return _RADICALS.get(ord(ch)) or unicodedata.normalize("NFKC", ch)


class _PerChar(dict):
    """A function of one character (or code point), memoised in a dict filled on first sight.

    Folding per character in Python was the largest cost of the pipeline: as a ``str.translate`` table
    (``_FOLD``) the loop runs in C and calls back into Python once per distinct character. Keyed by
    character, never by text; stops growing at ``_MAX`` entries (a text of every Unicode character
    would otherwise keep a million of them).
    """

    _MAX = 1 << 16

    def __init__(self, fn) -> None:
        super().__init__()
        self.fn = fn

    def __missing__(self, key):
        value = self.fn(key)
        if len(self) < self._MAX:
            self[key] = value
        return value


_FOLD = _PerChar(lambda cp: _fold_char(chr(cp)))  # code point -> folded str: a str.translate table


def to_halfwidth(text: str) -> str:
    """Fold full-width characters (digits, letters, punctuation, spaces) to half width."""
    if text.isascii():
        return text
    # A character that folding changes is one that NFKC changes (U+3000 and NBSP included), and such a
    # character never stands in a text that NFKC leaves as it is; this C check spares most labels
    # the slower translate.
    if unicodedata.is_normalized("NFKC", text) and not _RADICAL_RANGE.search(text):
        return text  # (the supplement's radicals, which NFKC leaves alone, _FOLD still folds)
    return text.translate(_FOLD)


def one_of(words) -> str:
    """A regex alternation of the literal ``words``, longest first (so that a match takes the longest
    word: 人次 before 人), without repeats."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


_SENTENCE_END = set("。；;：:！!？?")
# may white space after (before) this character be an artefact? (memoised: normalize asks per run)
_JOINS_AFTER = _PerChar(lambda ch: is_cjk(ch) or ch.isdigit() or ch in "%）)”，,、")
# (a space before a comma or a closing mark is pdftotext's too: "明确一名分管领导 、9名…")
_JOINS_BEFORE = _PerChar(lambda ch: is_cjk(ch) or ch.isdigit() or ch in "（(“%、，,。；;：:）)”")


_LATIN = _PerChar(lambda ch: ch.isascii() and ch.isalpha())
# an opening mark, or the point after a numbering ("2."): white space after it and before a CJK character
# is an artefact
_OPENS = _PerChar(lambda ch: ch in "“‘（(《【[.")


def _joinable(prev: str, nxt: str) -> bool:
    """Is the whitespace between prev and nxt (non-space characters) an artefact to drop? Between CJK
    characters and digits or the marks around them, and between CJK and a Latin word set apart in
    Chinese text ("利用 LED 屏": the text of a word processor's PDF); never between two Latin words."""
    if _JOINS_AFTER[prev] and _JOINS_BEFORE[nxt] and not (prev.isdigit() and nxt.isdigit()):
        return True
    if _OPENS[prev] and is_cjk(nxt):  # "“ 平潭国资”", "( 部门文件)", "2. 加强": pypdf's text of a PDF
        return True
    return (is_cjk(prev) and _LATIN[nxt]) or (_LATIN[prev] and is_cjk(nxt))


@dataclass
class NormText:
    """A normalised text with, for each of its characters, the offset of the source character."""

    text: str
    offsets: list[int]
    source_len: int

    def from_source(self, offset: int) -> int:
        """The first normalised index whose source character is at or after a source offset."""
        return bisect_left(self.offsets, offset)

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised span [start, end) to the reader's text."""
        if start >= len(self.offsets):
            return self.source_len, self.source_len
        s = self.offsets[start]
        e = self.offsets[end - 1] + 1 if end > start else s
        return s, e


# runs of white space that normalize() squeezes; with join_lines, line breaks belong to the runs
_SPACE_RUN = re.compile("[ \t\u3000\xa0]+")
_LINE_BREAKS = "\r\n\f\v"  # \f: pdftotext's page break, a line break too
_TO_LF = str.maketrans("\r\f\v", "\n\n\n")
_SPACE_RUN_LINES = re.compile(f"[ \t\u3000\xa0{_LINE_BREAKS}]+")

# The shortcut of normalize(). When every character folds to one and no character but the white space
# of the runs folds to a space, a run comes out as itself in the folded text with tabs as spaces (and
# carriage returns as line feeds, when joining lines) if it is one character long, lies between two
# characters, and those two could not make it an artefact (_joinable). Only the other runs need a
# look; _RUN_CHECK finds them, taking any non-ASCII neighbour for one that could (a superset).


def _run_check(ws: str) -> re.Pattern:
    """A run that starts here (the look-behinds come after its first character, so that ``re`` can skip
    to white space) and is longer than one character, or at the start or end of the text, or between
    two characters that could make it an artefact."""
    w = f"[{ws}]"
    # every character that _joinable may join after (before), and more
    after = rf"[^\x00-\x7f]{w}|[0-9%),A-Za-z(\[.]{w}"
    before = r"[^\x00-\x7f]|[0-9(%A-Za-z,;:)]"
    return re.compile(rf"{w}(?<!{w}{w})(?:{w}+|(?<=\A{w})|\Z|(?<={after})(?={before}))")


_RUN_CHECK = _run_check(" ")
_RUN_CHECK_LINES = _run_check(" \n")


def _fold_into(text: str, start: int, end: int, out: list[str], offs: list[int]) -> None:
    """Append text[start:end] folded to ``out`` and, per folded character, its source offset to ``offs``."""
    for i in range(start, end):
        folded = _fold_char(text[i])
        out.append(folded)
        offs.extend([i] * len(folded))


def normalize(text: str, join_lines: bool = False, folded: str | None = None, *, shortcut: bool = True) -> NormText:
    """Normalise for matching; ``join_lines`` also drops line breaks inside sentences and labels.

    The text between white-space runs is folded to half width; each run of white space (with
    ``join_lines``, line breaks included) is dropped between joinable characters and otherwise kept as
    one newline (when it holds a line break) or one space (when it lies between two characters).
    ``folded``: ``to_halfwidth(text)`` when the caller has it already. ``shortcut=False`` looks at every
    run (the plain loop; tests check that the shortcut gives the same result).
    """
    n = len(text)
    if folded is None:
        folded = to_halfwidth(text)
    # source: where the pieces between the runs looked at are sliced from. Usually every character
    # folds to one, so folded[k] is text[k] folded; and usually only the runs' own white space folds to
    # a space, which allows the shortcut above. Else (a "㈠" -> "(一)") pieces are folded char by char.
    one_to_one = len(folded) == n
    source: str | None = folded if one_to_one else None
    runs = (_SPACE_RUN_LINES if join_lines else _SPACE_RUN).finditer(text)
    if shortcut and one_to_one and folded.count(" ") == text.count(" ") + text.count("\u3000") + text.count("\xa0"):
        source = folded.replace("\t", " ")
        if join_lines:
            source = source.translate(_TO_LF)
        runs = (_RUN_CHECK_LINES if join_lines else _RUN_CHECK).finditer(source)
    out: list[str] = []  # output pieces, each non-empty
    offs: list[int] = []
    pos = 0
    for run in runs:
        i, j = run.span()
        if pos < i:
            if source is not None:
                out.append(source[pos:i])
                offs.extend(range(pos, i))
            else:
                _fold_into(text, pos, i, out, offs)
        has_newline = join_lines and any(c in run.group() for c in _LINE_BREAKS)
        prev = out[-1][-1] if out else ""
        nxt = "" if j >= n else source[j] if source is not None else _fold_char(text[j])
        if prev and nxt and _joinable(prev, nxt[0]) and not (has_newline and prev in _SENTENCE_END):
            pass  # drop it
        elif has_newline:
            out.append("\n")
            offs.append(i)
        elif prev and nxt:
            out.append(" ")
            offs.append(i)
        pos = j
    if pos < n:
        if source is not None:
            out.append(source[pos:])
            offs.extend(range(pos, n))
        else:
            _fold_into(text, pos, n, out, offs)
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
_WORDY = re.compile("(?![减增无空])[\u4e00-\u9fff]")  # a CJK character other than a sign or null word


def parse_cell_number(text: str) -> tuple[bool, int | float | None]:
    """Parse a table cell: (is_value, value). Blank, '/', '—', '-' are values that are null.

    "减62" is -62, "增5" and "+5" are 5, "3,119" is 3119, "96171.6" stays a float.
    Anything else is not a value cell: (False, None).
    """
    # fast answers for the common cells, each what the full reading below gives
    if not text:
        return True, None
    if text.isascii() and text.isdigit():
        return True, int(text)
    if _WORDY.search(text):  # a label: no number nor null word holds such a character
        return False, None
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
