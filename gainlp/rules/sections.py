"""The six top-level sections of a report (一、总体情况 … 六、其他需要报告的事项), found by rules.

A heading is a line that starts with top-level numbering (spec ``numbering.top_level``: 一、 1、 (一) 1.
第一部分 …) followed by a title that one section's pattern matches, or an un-numbered line that is
exactly such a title. Text whose line breaks were lost prints headings inside a running line
("…编制。一、总体情况2024年，…", "…0000000四、政府信息公开行政复议…"): there a 一、 or 第一部分 numbering
right after a sentence end, white space or a number starts a candidate whose title is the longest
stretch after it that a section's pattern matches and that ends as titles end (spec ``title_endings``). Reports mix numbering styles and print table rows that look like headings
("三、本年度办理结果" is a row of table 3), so every candidate line is collected first and the headings
are then chosen as the best-scoring sequence with increasing section numbers: a candidate whose printed
numeral equals its section number, or that uses the top-level styles 一、/第一部分, weighs more.
A report may add sections of its own ("二、政务公开工作主要任务落实情况"): a numbering that fills a gap in
the printed numerals of the chosen headings, or comes in turn before the first or after the last of them,
with a title-like stretch after it, is one more section.
Sections are numbered by their place in the report; ``Section.key`` says which template section it is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from gainlp.document import Document, Span
from gainlp.record import Section
from gainlp.template import label_key, line_keys, load_spec
from gainlp.text import chinese_to_int

# numbering styles (indices into spec numbering.top_level) that only top-level headings use
_TOP_STYLES = (0, 1)
# a heading merged with its first sentence: the title ends at the first of these
_TITLE_END = re.compile(r"[。;:!?]|\s")
_TITLE_MAX_LEN = 40
_NUMERAL = re.compile(r"[0-9]+|[零〇一二两三四五六七八九十]+")


@lru_cache(maxsize=None)
def any_pattern(patterns: tuple[re.Pattern, ...]) -> re.Pattern | None:
    """One regex that matches (``match`` or ``search``) wherever one of ``patterns`` does, to rule a
    string out with one call instead of one per pattern; None when the patterns cannot be joined
    safely (groups that a backreference could point at, or flags of their own)."""
    if not patterns or any(p.groups or p.flags != re.UNICODE for p in patterns):
        return None
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns))


@dataclass
class HeadingCandidate:
    """A line that could be the heading of section ``number``."""

    number: int
    title: str
    start: int  # source offset of the heading's first printed character
    end: int  # source offset of the end of the heading line
    numeral: int | None  # the printed numbering, None for an un-numbered title line
    style: int | None  # index of the numbering style in the spec, None when un-numbered

    @property
    def score(self) -> float:
        s = 1.0
        if self.numeral is None:
            return s - 0.2
        if self.numeral == self.number:
            s += 0.5
        if self.style in _TOP_STYLES:
            s += 0.25
        return s


def _lines(text: str):
    """(line, start offset) for each line of ``text``."""
    pos = 0
    for line in text.split("\n"):
        yield line, pos
        pos += len(line) + 1


def _match_title(rest: str, any_section: re.Pattern | None = None) -> tuple[int, str] | None:
    """(section number, title) when ``rest`` (a line without its numbering) starts with a section title.

    ``any_section``: the section patterns joined by :func:`any_pattern`, to rule most lines out at once.
    """
    rest = rest.strip()
    variants = [rest]
    m = _TITLE_END.search(rest)
    if m:
        variants.append(rest[: m.start()])
    for v in variants:
        v = v.strip().rstrip("：:。.")
        if not v or len(v) > _TITLE_MAX_LEN:
            continue
        key = label_key(v, strip_numbering=False)  # once, not once per section
        if any_section is not None and not any_section.search(key):
            continue  # most lines: no section matches
        for sec in load_spec().sections:
            if sec.matches_key(key):
                return sec.number, v
    return None


# top-level numbering inside a running line ("…3443000元三、收到和处理…"): a template title must follow
_INLINE_NUMBERING = re.compile(r"(?<!第)(?:[一二三四五六七八九十]{1,3}\s*[、.．]|第[一二三四五六七八九十]{1,3}部分\s*[、:]?"
                               r"|[1-9]\s*[、.．](?!\d)|[(（]\s*(?:[一二三四五六七八九十]{1,2}|[1-9])\s*[)）])")
_SENTENCE_ENDS = ("。", "；", ";", "！", "!", "？", "?")
_KEY_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
_EXTRA_TITLE_LEN = (4, 24)  # the key length of a title of a report's own section
_OWN_NUMERAL_MAX = 10  # the last top-level numeral a report's own section after the template's may print


@lru_cache(maxsize=None)
def _title_endings() -> tuple[str, ...]:
    return tuple(load_spec().raw.get("title_endings", ()))


def _title_prefix(rest: str) -> tuple[int, int] | None:
    """(section number, length in ``rest``) of the longest start of ``rest`` that a section's pattern
    matches and that ends as titles end ("总体情况2024年，…" -> 总体情况)."""
    offs = [m.start() for m in _KEY_CHAR.finditer(rest)]
    key = "".join(rest[i] for i in offs)
    for ending in _title_endings():
        # the prefixes of key (longest first, at most _TITLE_MAX_LEN) that end with this ending
        i = key.rfind(ending, 0, min(len(key), _TITLE_MAX_LEN))
        while i >= 0:
            n = i + len(ending)
            if n > 1:
                k = key[:n]
                for sec in load_spec().sections:
                    if sec.matches_key(k):
                        return sec.number, offs[n - 1] + 1
            i = key.rfind(ending, 0, n - 1)
    return None


@lru_cache(maxsize=None)
def _own_title_stop() -> re.Pattern:
    pronouns = load_spec().raw["metadata"]["agency_pronouns"]
    return re.compile(r"\s|[(（]|" + "|".join(map(re.escape, pronouns)))


def _own_title(rest: str) -> int | None:
    """Length in ``rest`` of a title of a report's own section: a short stretch ending as titles end,
    naming no template section, before a sentence mark, and on a running line before a space, a
    sub-heading's bracket or a sentence's first word ("工作人员以及支出与收费情况我局办公室设有…",
    "年度工作核心成效（一）主动公开…")."""
    lead = len(rest) - len(rest.lstrip())
    stop = _own_title_stop().search(rest, lead, 60)
    offs = [m.start() for m in _KEY_CHAR.finditer(rest[: stop.start() if stop else 60])]
    key = "".join(rest[i] for i in offs)
    lo, hi = _EXTRA_TITLE_LEN
    for n in range(min(len(key), hi), lo - 1, -1):
        k = key[:n]
        if k.endswith(_title_endings()) and not re.search(r"[。;!?,，\d]", rest[: offs[n - 1] + 1]):
            if any(sec.matches_key(k) for sec in load_spec().sections):
                return None
            return offs[n - 1] + 1
    return None


_WRAP = re.compile(r"\s*\n\s*")
_LEFT_MARK = "、.．"  # a numbering's mark left before a title whose numeral pdftotext moved to another line


def one_line_title(title: str) -> str:
    """A heading's title without the line breaks of a page that wrapped it ("主动公开 / 政府信息情况"), an
    opening bracket of what follows it ("存在的主要问题及改进情况（一）…" labelled up to its bracket) or the
    mark of a numeral that pdftotext moved to another line ("、存在的主要问题及改进情况")."""
    return _WRAP.sub("", title.strip()).rstrip("（(【[《“ ").lstrip(_LEFT_MARK + " ")


def printed_numeral(prefix: str) -> int | None:
    """The numeral a heading's numbering prints ("三、" -> 3, "(4)" -> 4, "第二部分" -> 2), or None."""
    m = _NUMERAL.search(prefix)
    if not m:
        return None
    tok = m.group()
    return int(tok) if tok.isdigit() else chinese_to_int(tok)


def heading_candidates(doc: Document) -> list[HeadingCandidate]:
    """Every line that looks like a section heading, in text order."""
    spec = load_spec()
    any_numbering = any_pattern(spec.top_level_numbering)
    any_section = any_pattern(tuple(sec.pattern for sec in spec.sections))
    norm = doc.norm
    out: list[HeadingCandidate] = []
    for (line, pos), key in zip(_lines(norm.text), line_keys(norm.text)):
        stripped = line.lstrip()
        if not stripped:
            continue
        numbered = any_numbering is None or any_numbering.match(stripped)
        if not numbered and any_section is not None and not any_section.search(key):
            out.extend(_inline_candidates(norm, line, pos))
            continue  # most lines: no numbering, and no title by their key (the test below)
        lead = pos + len(line) - len(stripped)
        found = None
        for style, pat in enumerate(spec.top_level_numbering if numbered else ()):
            m = pat.match(stripped)
            if not m:
                continue
            hit = _match_title(stripped[m.end():], any_section)
            if hit:
                found = (hit, printed_numeral(m.group()), style)
                break
        # an un-numbered title line: the whole line is the title, and _match_title's test of it comes
        # down to the sections' patterns on the line's key (the normalised text is folded already; the
        # white space that lstrip drops is no key character)
        if found is None and len(stripped.strip()) <= _TITLE_MAX_LEN and (
                any_section is None or any_section.search(key)):
            # a numbering's mark left before the title where pdftotext moved its numeral to another line
            # ("5" below "、存在的主要问题及改进情况")
            bare = stripped.strip().lstrip(_LEFT_MARK).rstrip("：:。.")
            hit = _match_title(bare, any_section)
            if hit and hit[1] == bare:
                found = (hit, None, None)
        # headings inside the line; at its start too where a long line is no heading line ("一、总体情况2024年，
        # …" opening a body printed on one line) or a short one numbered as top-level headings are and run
        # on into a table's caption ("二、主动公开政府信息情况 第二十条第（一）项…": normalising drops the
        # space); not on a table's rows numbered 1. (三) …, which are many
        top = numbered and any(spec.top_level_numbering[i].match(stripped) for i in _TOP_STYLES)
        out.extend(_inline_candidates(norm, line, pos, at_start=found is None and (
            len(stripped) > _TITLE_MAX_LEN or bool(top))))
        if found is None:
            continue
        (number, title), numeral, style = found
        start, end = norm.to_source(lead, pos + len(line.rstrip()))
        out.append(HeadingCandidate(number, title, start, end, numeral, style))
    return sorted(out, key=lambda c: c.start)


def _inline_candidates(norm, line: str, pos: int, at_start: bool = False) -> list[HeadingCandidate]:
    """Headings printed inside a running line (at its start too, with ``at_start``). A running line
    longer than a title is a paragraph wrapped by the page (pdftotext of a body printed on one line):
    a heading at its end may go on on the next line ("…整改。二、主动公开 / 政府信息情况第二十条…"), and so
    may one right after a sentence's end on a short line."""
    out = []
    wrapped = len(line.strip()) > _TITLE_MAX_LEN
    for m in _INLINE_NUMBERING.finditer(line):
        if not at_start and not line[: m.start()].strip():
            continue  # the line's start: the line candidate
        rest = line[m.end() : m.end() + _TITLE_MAX_LEN + 20]
        # a short line too where the heading follows a sentence's end ("。一、总体情 / 况2022年": pdftotext
        # -raw began a line with the full stop the page wrapped before the heading)
        if (wrapped or line[: m.start()].rstrip().endswith(_SENTENCE_ENDS)) and len(rest) < _TITLE_MAX_LEN:
            nxt = norm.text.find("\n", pos + len(line) + 1)
            rest = norm.text[pos + m.end(): nxt if nxt >= 0 else len(norm.text)][: _TITLE_MAX_LEN + 20]
        hit = _title_prefix(rest)
        if hit is None:
            continue
        number, length = hit
        title = one_line_title(rest[:length])
        start, end = norm.to_source(pos + m.start(), pos + m.end() + length)
        g = m.group()
        style = 1 if "部分" in g else 3 if g[0].isdigit() else (4 if re.search(r"\d", g) else 2) if g[0] in "(（" else 0
        out.append(HeadingCandidate(number, title, start, end, printed_numeral(m.group()), style))
    return out


def _own_sections(doc: Document, chosen: list[HeadingCandidate],
                  cands: list[HeadingCandidate]) -> list[HeadingCandidate]:
    """Sections of a report's own around the template's: where the printed numerals of the chosen
    headings skip one ("一、总体情况 … 三、主动公开政府信息情况"), a heading with a missing numeral between
    them ("二、政务公开工作主要任务落实情况"); before the first, where it prints a numeral above 1 (一、 … up
    to it: "一、年度工作核心成效 … 二、主动公开政府信息情况"); after the last (the numerals that follow it, in
    order: "四、…行政诉讼情况 … 五、当前存在的突出问题 六、下一步改进举措"). Before the first and after the
    last, each numeral must come in turn. A heading candidate that names a template section the chosen
    headings name already ("六、下一步改进举措" after "五、当前存在的突出问题") keeps its title there."""
    norm = doc.norm
    titled = {norm.from_source(c.start): c for c in cands if c not in chosen and c.style in _TOP_STYLES}
    numbered = [c for c in chosen if c.numeral is not None]
    if not numbered:
        return []
    spans = [(None, numbered[0])] + list(zip(numbered, numbered[1:])) + [(numbered[-1], None)]
    out: list[HeadingCandidate] = []
    for a, b in spans:
        lo = norm.from_source(a.end) if a else 0
        hi = norm.from_source(b.start) if b else len(norm.text)
        first = a.numeral + 1 if a else 1
        last = b.numeral - 1 if b else _OWN_NUMERAL_MAX
        in_turn = a is None or b is None
        wanted = set(range(first, last + 1))
        for m in _NUMBERING_ANYWHERE.finditer(norm.text, lo, hi):
            numeral = printed_numeral(m.group())
            if numeral not in wanted or (in_turn and numeral != min(wanted)):
                continue
            start, after = norm.to_source(m.start(), m.end())
            before = doc.fold_range(start - 1, start) if start else "\n"  # the source's: its spaces kept
            if not (before.isspace() or before in "。;!?:)]”》" or before.isdigit()):
                continue
            cand = titled.get(m.start())
            if cand is not None and cand.numeral == numeral:
                out.append(HeadingCandidate(0, cand.title, cand.start, cand.end, numeral, cand.style))
                wanted.discard(numeral)
                continue
            rest = doc.fold_range(after, after + 80).split("\n", 1)[0]
            length = _own_title(rest)
            if length is None:
                continue
            out.append(HeadingCandidate(0, rest[:length].strip(), start, after + length, numeral, 0))
            wanted.discard(numeral)
    return out


_NUMBERING_ANYWHERE = re.compile(r"[一二三四五六七八九十]{1,3}\s*[、.．]")


def choose_headings(cands: list[HeadingCandidate]) -> list[HeadingCandidate]:
    """The best-scoring subsequence of candidates whose section numbers strictly increase.

    On equal scores the later candidate wins (a table of contents or a title line precedes the heading).
    """
    n = len(cands)
    best = [0.0] * n
    prev: list[int | None] = [None] * n
    for i, c in enumerate(cands):
        best[i] = c.score
        for j in range(i):
            if cands[j].number < c.number and best[j] + c.score >= best[i]:
                best[i] = best[j] + c.score
                prev[i] = j
    if not n:
        return []
    i: int | None = max(range(n), key=lambda k: (best[k], k))
    chain = []
    while i is not None:
        chain.append(cands[i])
        i = prev[i]
    return chain[::-1]


def _as_sections(doc: Document, chosen: list[HeadingCandidate]) -> list[Section]:
    keys = {sec.number: sec.key for sec in load_spec().sections}
    numbers = section_numbers([c.numeral for c in chosen], [c.number or None for c in chosen])
    return [
        Section(number=n, title=c.title, start=c.start,
                end=chosen[k + 1].start if k + 1 < len(chosen) else len(doc.text), key=keys.get(c.number))
        for k, (c, n) in enumerate(zip(chosen, numbers))
    ]


def section_numbers(printed: list[int | None], template: list[int | None]) -> list[int]:
    """The numbers of a report's sections, in order: as printed (三 for the third heading of a report
    that adds a section of its own) when every heading prints one and they increase; else the template's
    numbers when each section has one and they increase; else their places, 1, 2, 3, …"""
    for numbers in (printed, template):
        if all(n is not None for n in numbers) and all(a < b for a, b in zip(numbers, numbers[1:])):
            return list(numbers)  # type: ignore[arg-type]
    return list(range(1, len(printed) + 1))


def _headings(doc: Document) -> list[HeadingCandidate]:
    cands = heading_candidates(doc)
    chosen = choose_headings(cands)
    return sorted(chosen + _own_sections(doc, chosen, cands), key=lambda c: c.start)


def locate_sections(doc: Document) -> list[Section]:
    """The top-level sections, in order, without touching the document's layers."""
    return _as_sections(doc, _headings(doc))


def find_sections(doc: Document) -> list[Section]:
    """The report's top-level sections in order; adds a SECTION span per heading to the "rules" layer."""
    chosen = _headings(doc)
    sections = _as_sections(doc, chosen)
    for c, sec in zip(chosen, sections):
        doc.add("rules", Span(c.start, c.end, "SECTION", source="rules", attrs={"number": sec.number, "key": sec.key}))
    return sections


def section_at(sections: list[Section], offset: int) -> int | None:
    """The number of the section that holds a source offset, None before the first."""
    for s in sections:
        if s.start <= offset < s.end:
            return s.number
    return None
