"""Report metadata by rules: the publishing agency, the year covered, the publication date.

agency: the publishing body, from the title ("和政县卫健局2021年度…报告": a "标题:" header line, a title
line at the top, or a title printed inside the running text of a page), else the signature block (a name
right before the closing date, on its own line or at the end of a running line), else a "发布机构:" header
line whose name the report prints too, else a name in the opening prose that the report prints at least
twice. Whichever is found first is then replaced by the fullest printed form of the same name: a longer
name elsewhere in the head, the signature or section 一 that contains it letter by letter and ends the
same way (title 区卫健局, preamble 薛城区卫生健康局). A name that opens with a prose word ("结合市财政局")
or runs two governments together ("国务院省政府", site-menu words) is never taken; where nothing is
left the agency is null, with a warning naming the candidates.
year: the title's year, else the statistics period ("统计期限自2020年1月1日"), else the most frequent
plausible year in section 一. published: the closing date in the last lines (its year may stand on the
line below, as a PDF's text prints it), else a printed "发布时间:2022-01-19", as an ISO date; a date not
after the year reported on is a slip ("2016年1月11日" under a 2016 report): the printed release date where
that one is after it, else null, with a warning.

The vocabulary (agency suffixes, the words that precede a name in prose, cue words) is the ``metadata``
block of spec.yaml.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from gainlp.document import Document, Span
from gainlp.record import Section
from gainlp.rules.sections import locate_sections
from gainlp.template import SPEC_PATH
from gainlp.text import chinese_to_int, is_cjk, one_of

_YEAR_MIN, _YEAR_MAX = 2000, 2099
_TITLE_MAX_LEN = 60  # a title line (or two wrapped ones) is short
_SIGNATURE_LINES = 8  # the signature block lies in the last non-empty lines
_AGENCY_MAX_LEN = 30
_HEAD_PROSE_LEN = 1500  # how far into the report the opening prose is searched for names

_CN_DIGIT = "零〇一二三四五六七八九"
_DATE = re.compile(
    r"(?P<y>\d{4}|[" + _CN_DIGIT + r"]{4})\s*年\s*(?P<m>\d{1,2}|[一二三四五六七八九十]{1,2})\s*月\s*"
    r"(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})\s*日"
)
_DATE_NO_YEAR = re.compile(r"(?<!\d)年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")
_BARE_YEAR = re.compile(r"\s*\d{4}\s*")
_ISO_DATE = re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})")
_YEAR = re.compile(r"(?<!\d)(\d{4})\s*年\s*(度)?")
_MONTH_DAY = re.compile(r"\s*\d{1,2}\s*月\s*\d{1,2}\s*日")  # after a year's 年: a full date
_DIVISION = re.compile(r"[省市县区州旗盟乡镇]")
_YEAR_WORD = re.compile(r"年度?")
_CJK = "\u4e00-\u9fff\u3400-\u4dbf"  # gainlp.text.is_cjk
_NOT_NAME_CHAR = re.compile(f"[^{_CJK}()（）]")
_DOUBLED = re.compile(r"(.)\1+")  # a character printed twice or more in a row


@dataclass(frozen=True)
class MetadataVocab:
    agency_suffixes: tuple[str, ...]
    place_suffixes: tuple[str, ...]
    left_boundaries: tuple[str, ...]
    pronouns: tuple[str, ...]
    year_cues: tuple[str, ...]
    period_cues: tuple[str, ...]
    date_cues: tuple[str, ...]
    title_keys: tuple[str, ...] = ()
    publisher_keys: tuple[str, ...] = ()
    not_name_starts: tuple[str, ...] = ()
    name_breaks: str = ""
    menu_run: re.Pattern | None = None
    menu_words: re.Pattern | None = None  # a run ending in the last of a portal's column names

    @property
    def suffix_re(self) -> re.Pattern:
        return re.compile(f"(?:{one_of(self.agency_suffixes)})")


@lru_cache(maxsize=None)
def load_vocab(path: str | None = None) -> MetadataVocab:
    raw = yaml.safe_load(Path(path or SPEC_PATH).read_text(encoding="utf-8"))["metadata"]
    return MetadataVocab(
        agency_suffixes=tuple(raw["agency_suffixes"]),
        place_suffixes=tuple(raw["place_suffixes"]),
        left_boundaries=tuple(raw["agency_left_boundaries"]),
        pronouns=tuple(raw["agency_pronouns"]),
        year_cues=tuple(raw["year_cues"]),
        period_cues=tuple(raw["period_cues"]),
        date_cues=tuple(raw["date_cues"]),
        title_keys=tuple(raw.get("header_keys", {}).get("title", ())),
        publisher_keys=tuple(raw.get("header_keys", {}).get("agency", ())),
        not_name_starts=tuple(raw.get("not_name_starts", ())),
        name_breaks="".join(raw.get("name_breaks", ())),
        menu_run=re.compile(raw["menu_run"]) if raw.get("menu_run") else None,
        menu_words=re.compile(f".*(?:{one_of(raw['menu_words'])})") if raw.get("menu_words") else None,
    )


@dataclass
class Found:
    """A value and where it is printed (source offsets)."""

    value: str | int
    start: int
    end: int


@dataclass
class Metadata:
    agency: str | None = None
    year: int | None = None
    published: str | None = None
    spans: list[Span] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------ helpers


def _iso(y: str, m: str, d: str) -> str | None:
    def num(s: str) -> int | None:
        return int(s) if s.isdigit() else chinese_to_int(s)

    year, month, day = num(y), num(m), num(d)
    if year is None or month is None or day is None:
        return None
    if not (_YEAR_MIN <= year <= _YEAR_MAX and 1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _nonempty_lines(text: str) -> list[tuple[str, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            out.append((line, pos))
        pos += len(line) + 1
    return out


def _last_nonempty_lines(text: str, k: int) -> list[tuple[str, int]]:
    """The last ``k`` (>= 1) of ``_nonempty_lines(text)``, reading the text from its end only as far as needed."""
    out: list[tuple[str, int]] = []
    end = len(text)
    while len(out) < k:
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end]
        if line.strip():
            out.append((line, start))
        if start == 0:
            break
        end = start - 1
    return out[::-1]


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def _clean_name(name: str) -> str:
    return _NOT_NAME_CHAR.sub("", name)


def _agency_name(text: str, vocab: MetadataVocab, place: bool = False) -> str | None:
    """``text`` itself when it reads as an agency name: CJK, short, ending in an agency suffix (or, with
    ``place``, in a place suffix: a title or signature may name a town's government by the town)."""
    name = _clean_name(text)
    if not (2 <= len(name) <= _AGENCY_MAX_LEN) or name in vocab.pronouns:
        return None
    suffixes = vocab.agency_suffixes + (vocab.place_suffixes if place else ())
    if not name.endswith(suffixes):
        return None
    if name.startswith(vocab.not_name_starts) or (vocab.menu_run is not None and vocab.menu_run.search(name)):
        return None  # prose ("结合市财政局") or site-menu words run together ("国务院省政府")
    return name


# ------------------------------------------------------------------------------------------ agency


_HEADER_LINES = 15  # a scraper's or portal's "标题: …" lines stand among the first lines
# a title printed inside running text: a name, the year, the topic, 报告
_TITLE_IN_TEXT = re.compile(r"(?P<name>[\u4e00-\u9fff()（）]{2,40}?)(?P<y>\d{4})\s*年度?\s*"
                            r"(?:政府信息公开|政务公开|信息公开)[\u4e00-\u9fff]{0,12}?报告")


def _header_value(doc: Document, keys: tuple[str, ...]) -> tuple[str, int] | None:
    """The value of a "key: value" header line among the first lines (normalised text, offset there)."""
    if not keys:
        return None
    pattern = re.compile(rf"^\s*(?:{one_of(keys)})\s*[:：]\s*(?P<v>\S.*?)\s*$")
    norm = doc.norm.text
    for line, pos in _nonempty_lines(norm[: doc.norm.from_source(min(len(doc.text), 4000))])[:_HEADER_LINES]:
        m = pattern.match(line)
        if m:
            return m.group("v"), pos + m.start("v")
    return None


def _title(doc: Document, head_end: int) -> tuple[str, int] | None:
    """The report title as the normalised text prints it (one line or a few wrapped ones, line breaks
    kept) and its offset there: short, naming a report, with a year cue. A "标题:" header line first,
    then the first lines of the head, then a title printed inside the head's running text."""
    norm = doc.norm
    vocab = load_vocab()
    header = _header_value(doc, vocab.title_keys)
    if header and "报告" in header[0] and _YEAR.search(header[0]):
        return header
    lines = _nonempty_lines(norm.text[: doc.norm.from_source(head_end)])
    found = _title_in_lines(norm.text, lines[:6], vocab)
    if found:
        return found
    m = _TITLE_IN_TEXT.search(norm.text, 0, doc.norm.from_source(head_end))
    if m:
        return m.group(), m.start()
    return None


def _title_in_lines(text: str, lines: list[tuple[str, int]], vocab: MetadataVocab) -> tuple[str, int] | None:
    norm_text = text
    for k, (line, pos) in enumerate(lines):
        start = pos + len(line) - len(line.lstrip())
        for last, lpos in lines[k : k + 3]:
            text = norm_text[start : lpos + len(last.rstrip())]
            if len(text) > _TITLE_MAX_LEN:
                break
            if "报告" in text:
                if _YEAR.search(text) and any(c in text.replace("\n", "") for c in vocab.year_cues):
                    return text, start
                break
    return None


# words of a page's breadcrumb or column names that may stand right before a title's name, run together
# with it ("政府信息公开年报平潭综合实验区经济发展局2019年…"): the name starts after the last of them
_PAGE_WORDS = re.compile(r".*(?:年报|报告|首页|当前位置|专栏|栏目|正文|[:：》】>\]])")


def _after_breaks(text: str, vocab: MetadataVocab) -> str:
    """The part of a run of characters after the last that no agency name holds ("…事项暂无平潭…局")."""
    cut = max((text.rfind(ch) for ch in vocab.name_breaks), default=-1)
    # a closing bracket ends words before the name ("…事项（文字描述)象山县…局"); one that ends the text
    # belongs to the name ("…办公室（外事办）")
    close = max(text.rfind(")", 0, len(text) - 1), text.rfind("）", 0, len(text) - 1))
    return text[max(cut, close) + 1:]


def _after_page_words(text: str) -> str:
    m = _PAGE_WORDS.match(text)
    text = text[m.end():] if m else text
    # a portal's column names run into the name ("首页政务公开政府信息公开平潭综合实验区公安局"): the name
    # starts after the last, where what follows is still a place's body (a name that holds such a word,
    # "某市政务公开办公室", keeps it)
    menu_words = load_vocab().menu_words
    m = menu_words.match(text) if menu_words is not None else None
    if m and len(text) - m.end() >= 4 and _DIVISION.search(text, m.end(), len(text) - 1):
        return text[m.end():]
    return text




def _title_agency(doc: Document, head_end: int, vocab: MetadataVocab) -> Found | None:
    title = _title(doc, head_end)
    if not title:
        return None
    text, pos = title
    m = _YEAR.search(text)
    if not m:
        return None
    before = re.sub(r"关于$", "", _after_page_words(text[: m.start()]).strip())
    name = _agency_name(before, vocab, place=True)
    if not name:  # "2021年和政县卫健局政府信息公开…": between the year and the topic
        after = re.split(r"政府信息公开|政务公开|信息公开", text[m.end():], maxsplit=1)[0]
        name = _agency_name(after, vocab, place=True)
    if not name:
        return None
    return _locate(doc, name, doc.norm.to_source(pos, pos + len(text))[0])


def _searchable(doc: Document) -> str:
    """The text with its characters folded where that keeps offsets (Kangxi radicals, full width)."""
    return doc.folded if len(doc.folded) == len(doc.text) else doc.text


def _locate(doc: Document, name: str, near: int) -> Found:
    """Where ``name`` is printed, searching the (folded) source text from ``near``."""
    text = _searchable(doc)
    i = text.find(name, near)
    if i < 0:
        i = text.find(name)
    if i < 0:
        return Found(name, near, near)
    return Found(name, i, i + len(name))


def _signature(doc: Document, vocab: MetadataVocab) -> tuple[Found | None, Found | None]:
    """(agency, date) of the closing signature block: a name line followed by a date line (read in the
    folded text: a PDF may print the date's 月 and 日 as Kangxi radicals)."""
    lines = _last_nonempty_lines(_searchable(doc), _SIGNATURE_LINES)
    agency = date = None
    for k in range(len(lines) - 1, -1, -1):
        line, pos = lines[k]
        m = _DATE.search(line) or _ISO_DATE.fullmatch(line.strip())
        if m and m.re is _ISO_DATE:
            pos += len(line) - len(line.lstrip())
            line = line.strip()
        year = None
        if m is None:  # a PDF's text may print the year on a line of its own, after the rest ("年1月13日" / "2024")
            m = _DATE_NO_YEAR.search(line)
            after = lines[k + 1][0] if m and k + 1 < len(lines) else ""
            year = after.strip() if _BARE_YEAR.fullmatch(after) else None
            if year is None:
                m = None
        if not m or line[m.end():].strip(" 。.\t"):
            continue
        iso = _iso(year or m.group("y"), m.group("m"), m.group("d"))
        before = line[: m.start()].strip()
        name = _agency_name(before, vocab, place=True) if before else None
        if not iso or (before and not name):  # a date inside a sentence is no signature
            continue
        date = Found(iso, pos + m.start(), pos + m.end())
        if name is None and k > 0:
            prev, ppos = lines[k - 1]
            name = _agency_name(prev.strip(), vocab, place=True)
            pos = ppos
        elif name is not None and k > 0:
            # "…事项暂无平潭综合实验区 / 苏平片区管理局 2021年1月26日": the line broke inside the name
            prev, ppos = lines[k - 1]
            fuller = _wrapped_name(prev, name, vocab)
            if fuller is not None:
                name, pos = fuller, ppos
        if name:
            agency = _locate(doc, name, pos)
        break
    if date is None:
        return _signature_in_line(doc, vocab)
    return agency, date


def _name_ending(run: str, vocab: MetadataVocab) -> str | None:
    """The agency name (or place) that ends a run of characters, after page words and the last character
    no name holds ("…事项暂无平潭综合实验区苏平片区管理局" -> 平潭综合实验区苏平片区管理局)."""
    return _agency_name(_after_breaks(_after_page_words(run), vocab), vocab, place=True)


_WRAPPED_LINE_MIN = 20  # a line this long that runs on without punctuation may have broken inside a name


def _wrapped_name(prev: str, name: str, vocab: MetadataVocab) -> str | None:
    """The fuller name when a signature's name opens its line and the line before, a full line of running
    text, ends with the name's first characters; None when it does not."""
    prev = prev.strip()
    tail = _NAME_BEFORE_DATE.search(prev)
    if len(prev) < _WRAPPED_LINE_MIN or tail is None or _agency_name(tail.group(1)[-_AGENCY_MAX_LEN:], vocab):
        return None  # a short line, punctuation at its end, or a name of its own (two signatures)
    fuller = _name_ending(tail.group(1) + name, vocab)
    return fuller if fuller and len(fuller) > len(name) and fuller.endswith(name) else None


_SIGNATURE_TAIL = 400  # a signature printed at the end of a running line stands in its last characters
_NAME_BEFORE_DATE = re.compile(r"([\u4e00-\u9fff()（）]{2,40})\s*$")


def _signature_in_line(doc: Document, vocab: MetadataVocab) -> tuple[Found | None, Found | None]:
    """A signature at the end of a text whose line breaks were lost ("…事项无。 平潭综合实验区经济发展局
    2020年1月2日 …办公室 2020年1月2日印发 附件下载"): the last name + date whose date ends a clause (not
    "…印发", not inside a sentence)."""
    text = doc.text
    lo = max(0, len(text) - _SIGNATURE_TAIL)
    best: tuple[Found | None, Found | None] = (None, None)
    for m in _DATE.finditer(text, lo):
        after = text[m.end() : m.end() + 1]
        if after and not after.isspace() and after not in "。.":
            continue  # "…2020年1月2日印发", "…1月2日起"
        iso = _iso(m.group("y"), m.group("m"), m.group("d"))
        nm = _NAME_BEFORE_DATE.search(text, lo, m.start())
        name = _name_ending(nm.group(1), vocab) if nm else None
        if iso and name:
            best = (_locate(doc, name, nm.start()), Found(iso, m.start(), m.end()))
    return best


def _prose_agencies(doc: Document, start: int, end: int, vocab: MetadataVocab) -> list[Found]:
    """Agency-like names in running prose: a CJK run ending in an agency suffix, cut after the last
    word that introduces a name ("向社会公布薛城区卫生健康局" -> 薛城区卫生健康局). Read in the text with
    wrapped lines joined (a PDF prints "薛城区卫生健康" / "局2020年…"), offsets mapped back."""
    norm = doc.norm_joined
    text = norm.text
    start, end = norm.from_source(start), norm.from_source(end)
    out = []
    for m in vocab.suffix_re.finditer(text, start, end):
        i = m.start()
        while i > start and is_cjk(text[i - 1]) and m.end() - i < _AGENCY_MAX_LEN:
            i -= 1
        run = text[i : m.end()]
        head = run[:-1]
        cut = max((run.rfind(b) + len(b) for b in vocab.left_boundaries if b in head), default=0)
        cut = max(cut, len(run) - len(_after_page_words(run[:-1]) + run[-1]))  # a breadcrumb run into it
        year_word = _YEAR_WORD.match(run) if cut == 0 and i > 0 and text[i - 1].isdigit() else None
        if year_word:  # "2020年宾川县…": the run starts with a year's 年
            cut = year_word.end()
        if run.startswith(vocab.pronouns, cut):  # rarely: one test for all of them first
            for p in vocab.pronouns:
                if run.startswith(p, cut):
                    cut += len(p)
        name = run[cut:]
        if _agency_name(name, vocab) and len(name) >= 4 and _DIVISION.search(name[:-1]):
            out.append(Found(name, *norm.to_source(i + cut, m.end())))
    # a name printed elsewhere on its own is the name; a longer run ending in it carries prose words
    names = {f.value for f in out}
    return [f for f in out if not any(f.value != n and f.value.endswith(n) for n in names)]


def _fullest(primary: Found, candidates: list[Found]) -> Found:
    """The longest candidate that spells out ``primary`` (same last character, primary's characters in
    order: 人社局 -> 人力资源和社会保障局). A candidate that starts with all of ``primary`` is no fuller
    spelling: prose runs on after the name ("秭归县人民政府认真贯彻落实上级部门关于政府")."""
    best = primary
    places = tuple(load_vocab().place_suffixes)
    for c in candidates:
        value, p = str(c.value), str(primary.value)
        if len(value) > len(best.value) and value[-1] == p[-1] and not value.startswith(p) and _is_subsequence(p, value):
            if _DOUBLED.sub(r"\1", value) == _DOUBLED.sub(r"\1", p):
                continue  # the same name with a character printed twice ("实验区区经济发展局"): a slip
            # words put before the whole name are a fuller name only as a place ("和政" + "县卫健局"),
            # not prose run into it ("的事项暂无" + "平潭综合实验区苏平片区管理局")
            if value.endswith(p) and not (p.startswith(places) or value[: -len(p)].endswith(places)):
                continue
            best = c
    return best


def _agency(doc: Document, sections: list[Section], vocab: MetadataVocab, signature: Found | None,
            warnings: list[str]) -> Found | None:
    head_end = sections[0].start if sections else min(len(doc.text), _HEAD_PROSE_LEN)
    prose_end = sections[1].start if len(sections) > 1 else head_end + _HEAD_PROSE_LEN
    prose_end = min(prose_end, head_end + _HEAD_PROSE_LEN, len(doc.text))
    prose = _prose_agencies(doc, 0, prose_end, vocab)
    primary = _title_agency(doc, head_end, vocab) or signature or _publisher(doc, vocab)
    if primary is None:
        # a name in the opening prose only where the report prints it more than once
        twice = [f for f in prose if _searchable(doc).count(str(f.value)) >= 2]
        primary = twice[0] if twice else None
        if primary is None:
            if prose:
                shown = "、".join(dict.fromkeys(str(f.value) for f in prose[:4]))
                warnings.append(f"agency: no title, signature or header line names the publisher; left null "
                                f"(names in the opening prose: {shown})")
            return None
    return _fullest(primary, prose + ([signature] if signature else []))


def _publisher(doc: Document, vocab: MetadataVocab) -> Found | None:
    """The name of a "发布机构:" header line, where the report itself prints it too (a portal names its
    owner there as often as the report's author)."""
    header = _header_value(doc, vocab.publisher_keys)
    if header is None:
        return None
    name = _agency_name(header[0], vocab)
    if name is None:
        return None
    start = doc.norm.to_source(header[1], header[1] + 1)[0]
    elsewhere = doc.text.find(name, start + len(name))
    return Found(name, elsewhere, elsewhere + len(name)) if elsewhere >= 0 else None


# ------------------------------------------------------------------------------------------ year / date


def after_year(date: str, year: int) -> bool:
    """Is the ISO ``date`` after the end of ``year``? A report is published after the year it covers."""
    return date > f"{year:04d}-12-31"


def _plausible(year: int, published: str | None) -> bool:
    upper = int(published[:4]) if published else _YEAR_MAX
    return _YEAR_MIN <= year <= upper


def _year(doc: Document, sections: list[Section], vocab: MetadataVocab, published: str | None,
          warnings: list[str]) -> Found | None:
    """The year reported on: the title's, else the one after a statistics-period cue, else the one the
    overview names most often (a year inside a full date is a deadline or an event, not the period:
    "年度报告于2020年1月31日前公布"). Where two years are named equally often, none, with a warning."""
    head_end = sections[0].start if sections else 0
    title = _title(doc, head_end) if head_end else None
    if title:
        text, pos = title
        m = _YEAR.search(text)
        if m and _plausible(int(m.group(1)), published):
            s, e = doc.norm.to_source(pos + m.start(1), pos + m.end(1))
            return Found(int(m.group(1)), s, e)
    text = doc.text
    for cue in vocab.period_cues:
        i = text.find(cue)
        if i >= 0:
            m = _YEAR.search(text, i, i + len(cue) + 24)
            if m and _plausible(int(m.group(1)), published):
                return Found(int(m.group(1)), m.start(1), m.end(1))
    body = next((s for s in sections if s.key == "overview"), None)
    norm = doc.norm  # folded: a PDF's "⽉" (a Kangxi radical) is 月 here
    lo, hi = (norm.from_source(body.start), norm.from_source(body.end)) if body else (0, len(norm.text))
    hits = [m for m in _YEAR.finditer(norm.text, lo, hi)
            if _plausible(int(m.group(1)), published) and not _MONTH_DAY.match(norm.text, m.end())]
    if not hits:
        return None
    counts = Counter(int(m.group(1)) for m in hits).most_common()
    if len(counts) > 1 and counts[0][1] == counts[1][1]:
        tied = "、".join(str(y) for y, n in counts if n == counts[0][1])
        warnings.append(f"year: no title or statistics period names it, and the overview names {tied} "
                        "equally often; left null")
        return None
    m = next(m for m in hits if int(m.group(1)) == counts[0][0])
    return Found(counts[0][0], *norm.to_source(m.start(1), m.end(1)))


def _cued_date(doc: Document, vocab: MetadataVocab) -> Found | None:
    """A release date printed after a cue such as "发布时间:" near the top."""
    text = doc.text
    for cue in vocab.date_cues:
        i = text.find(cue)
        while 0 <= i < _HEAD_PROSE_LEN:
            window = text[i + len(cue) : i + len(cue) + 24]
            m = _ISO_DATE.search(window) or _DATE.search(window)
            if m:
                iso = _iso(m.group("y"), m.group("m"), m.group("d"))
                if iso:
                    base = i + len(cue)
                    return Found(iso, base + m.start(), base + m.end())
            i = text.find(cue, i + 1)
    return None


# ------------------------------------------------------------------------------------------ API


def find_metadata(doc: Document, sections: list[Section] | None = None) -> Metadata:
    """Agency, year and publication date; adds AGENCY / YEAR / DATE spans to the "rules" layer."""
    vocab = load_vocab()
    if sections is None:
        sections = locate_sections(doc)
    sig_agency, sig_date = _signature(doc, vocab)
    date = sig_date or _cued_date(doc, vocab)
    published = str(date.value) if date else None
    warnings: list[str] = []
    agency = _agency(doc, sections, vocab, sig_agency, warnings)
    year = _year(doc, sections, vocab, published, warnings)
    if date is not None and year is not None and not after_year(published, int(year.value)):
        # a report is signed after the year it covers ends: "2016年1月11日" under a 2016 report is a slip
        # for 2017; a release date printed at the top settles it, else the date is null
        cued = _cued_date(doc, vocab) if date is sig_date else None
        shown = f"the {'signature' if date is sig_date else 'release'} date {published}"
        if cued is not None and after_year(str(cued.value), int(year.value)):
            warnings.append(f"published: {shown} is not after the year reported on ({year.value}); "
                            f"the release date printed at the top, {cued.value}, taken")
            date = cued
        else:
            warnings.append(f"published: {shown} is not after the year reported on ({year.value}); left null")
            date = None
        published = str(date.value) if date else None
    meta = Metadata(agency=str(agency.value) if agency else None, year=int(year.value) if year else None,
                    published=published, warnings=warnings)
    for found, label in ((agency, "AGENCY"), (year, "YEAR"), (date, "DATE")):
        if found is not None and found.end > found.start:
            attrs = {"value": found.value}
            meta.spans.append(doc.add("rules", Span(found.start, found.end, label, source="rules", attrs=attrs)))
    return meta
