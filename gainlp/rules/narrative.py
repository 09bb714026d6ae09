"""Narrative metrics by rules: counts and amounts stated in running prose outside the template tables.

A metric is a number (Arabic, or a Chinese numeral: 两件 is 2 件) followed by a unit from the vocabulary
("50条", "60余起", "99.8%以上", "3940元"). Its subject is the phrase the count belongs to, usually the clause
right before the number ("其中政策类文件8条" -> 政策类文件), stripped of filler (时间, 我局, 共, 其中, a
channel such as 在…网站上, a trailing 等/达/均为), or the noun right after the unit when only a verb
precedes it ("收到1条依申请公开" -> 依申请公开, "明确一名班子成员具体分管" -> 班子成员).

Not metrics: ordinals (第711号, 第二十条), years and dates, phone and document numbers (no unit follows),
一 with most units when a noun follows (an article: "一项长期的工作"; "开展培训一次," counts), a unit followed by a period or structure word
("四个季度", "六个部分"), and anything inside the template tables (``regions``).

The work runs on ``doc.norm_joined`` (wrapped lines joined, full width folded) and offsets are mapped back
to the reader's text. All vocabulary is data: the ``narrative`` block of spec.yaml, via :func:`load_vocab`.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from gainlp.document import Document, Span
from gainlp.record import Metric, Section
from gainlp.rules.sections import any_pattern, section_at
from gainlp.template import SPEC_PATH, label_key, load_spec
from gainlp.text import chinese_to_int, is_cjk, one_of

# clause boundaries in the normalised text (full-width punctuation is folded to these)
_BOUNDARY = set(",;。:!?\n")
SENTENCE_BREAK = re.compile(r"[。；;！？!?\n]")  # where a sentence ends
_OPEN, _CLOSE = "(", ")"
_QUOTES = {"”": "“", "’": "‘", "》": "《"}
_HEADING_MAX_LEN = 30
_CLAUSE_MARK = re.compile("[,;。]")  # a line holding one is a sentence, not a heading
_NOUN_MAX_LEN = 20
_BRACKETED_MAX = 4  # characters inside a bracketed part of a noun after a count
_NAME_MARKS = (("《", "》"), ("“", "”"))  # a number between them is part of a name
_NOT_COUNTED_AFTER = ("第", "星期", "礼拜")  # an ordinal or a weekday ("第50条", "星期三")
_ORDINAL_RANGE = re.compile(r"第\s*[\d一二三四五六七八九十百]+\s*(?:至|到|-|－|—|~|～)\s*$")  # "第7至" of "第7至14位"
_ORDINAL_RANGE_MAX = 12  # characters searched before a count for it
_PREVIOUS_CLAUSE_MAX = 20  # characters of a clause before that may name what a clause of counts only counts
_MULTIPLIER = {"万": 10_000, "亿": 100_000_000}
_SESSION_NUMBER_MAX = 4  # characters of a session's number ("二", "十二")


@dataclass(frozen=True)
class NarrativeVocab:
    """The ``narrative`` block of spec.yaml, compiled."""

    units: tuple[str, ...]
    counted_one_units: tuple[str, ...]
    approximators: tuple[str, ...]
    after_unit: tuple[str, ...]
    excluded_after: tuple[str, ...]
    excluded_after_units: tuple[str, ...]
    not_units: tuple[str, ...]
    unit_words: tuple[str, ...]
    subject_max_len: int
    strip_leading: tuple[re.Pattern, ...]
    channel: re.Pattern
    strip_trailing: tuple[re.Pattern, ...]
    noun_stops: tuple[str, ...]
    noun_words: tuple[str, ...]
    not_subject_starts: tuple[str, ...]
    not_subject_ends: tuple[str, ...]
    subject_pairs: tuple[str, ...]
    not_subject: re.Pattern | None
    noun_follows: frozenset[str]
    predicate_follows: tuple[str, ...]
    same_topic: re.Pattern | None
    verb_max_len: int
    verbs: tuple[str, ...]
    change_verbs: tuple[str, ...]
    scope_words: tuple[str, ...]
    schedule: re.Pattern | None
    schedule_units: tuple[str, ...]
    rank_change: re.Pattern | None
    rank_units: tuple[str, ...]
    session: re.Pattern | None
    session_after: tuple[str, ...]
    names_end: tuple[str, ...]
    quantity: re.Pattern
    open_quantity: re.Pattern
    # ``quantity`` split by how a match starts, to find matches fast (see _quantity_matches); empty: unused
    quantity_scans: tuple[re.Pattern, ...] = ()


# A quantity starts with an Arabic number not printed right after one of _AR_NOT_AFTER, or with a Chinese
# numeral (first character _CN_FIRST) not printed right after one of _CN_NOT_AFTER.
_AR_NOT_AFTER = r"[\d.A-Za-z\-/:第]"
_AR_NOT_AFTER_RE = re.compile(_AR_NOT_AFTER)
_AR_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_CN_FIRST = "[一二两三四五六七八九十]"
_CN_NOT_AFTER = "[零〇一二两三四五六七八九十百千万亿第]"
_CN_MORE = "[零〇一二两三四五六七八九十百千万]*"


def _quantity_tail(units, approximators) -> str:
    """What follows the number: an approximator, then a unit or 万/亿 and a unit."""
    approx = f"(?:{one_of(approximators)})?"
    return f"{approx}(?:(?P<unit>{one_of(units)})|(?P<mult>万|亿){approx}(?P<unit2>{one_of(units)}))"


def _quantity_re(units, approximators) -> re.Pattern:
    arabic = f"(?<!{_AR_NOT_AFTER})(?P<ar>{_AR_NUMBER})"
    chinese = f"(?<!{_CN_NOT_AFTER})(?P<cn>{_CN_FIRST}{_CN_MORE})"
    return re.compile(f"(?:{arabic}|{chinese}){_quantity_tail(units, approximators)}")


def _quantity_scans(units, approximators) -> tuple[re.Pattern, ...]:
    """The two branches of :func:`_quantity_re`, each a pattern that matches where its branch does.

    Why: a pattern whose first element is a look-behind makes ``re`` try a match at every position of
    the text; here each branch consumes its first character before looking behind (the same test, one
    character later), so ``re`` skips in C to the characters that can start a match. The number groups
    are spelled the same way from their second character on ("\\d{1,3}" = "\\d\\d{0,2}").
    """
    tail = _quantity_tail(units, approximators)
    arabic = rf"\d(?<!{_AR_NOT_AFTER}\d)(?:\d{{0,2}}(?:,\d{{3}})+(?:\.\d+)?|\d*(?:\.\d+)?)"
    chinese = f"{_CN_FIRST}(?<!{_CN_NOT_AFTER}{_CN_FIRST}){_CN_MORE}"
    return re.compile(f"(?:{arabic}){tail}"), re.compile(f"(?:{chinese}){tail}")


def _open_quantity_re(approximators) -> re.Pattern:
    """A number and any measure word (1-3 CJK characters that are no numeral, or %): how a value the
    model labelled is read when its unit is not in the vocabulary ("2000册", "56封")."""
    approx = f"(?:{one_of(approximators)})?"
    unit = f"(?:(?!{_CN_FIRST}|[零〇百千万亿])[\u4e00-\u9fff]){{1,3}}|%"
    return re.compile(f"(?:(?P<ar>{_AR_NUMBER})|(?P<cn>{_CN_FIRST}{_CN_MORE})){approx}"
                      f"(?:(?P<mult>万|亿){approx})?(?P<unit>{unit})")


@lru_cache(maxsize=None)
def load_vocab(path: str | None = None) -> NarrativeVocab:
    raw = yaml.safe_load(Path(path or SPEC_PATH).read_text(encoding="utf-8"))["narrative"]
    return NarrativeVocab(
        units=tuple(raw["units"]),
        counted_one_units=tuple(raw["counted_one_units"]),
        approximators=tuple(raw["approximators"]),
        after_unit=tuple(raw["after_unit"]),
        excluded_after=tuple(raw["excluded_after"]),
        excluded_after_units=tuple(raw["excluded_after_units"]),
        not_units=tuple(raw["not_units"]),
        unit_words=tuple(raw["unit_words"]),
        subject_max_len=int(raw["subject_max_len"]),
        strip_leading=tuple(re.compile(p) for p in raw["strip_leading"]),
        channel=re.compile(raw["channel"]),
        strip_trailing=tuple(re.compile(f"(?:{p})$") for p in raw["strip_trailing"]),
        noun_stops=tuple(raw["noun_stops"]),
        noun_words=tuple(raw.get("noun_words", ())),
        not_subject_starts=tuple(raw.get("not_subject_starts", ())),
        not_subject_ends=tuple(raw.get("not_subject_ends", ())),
        subject_pairs=tuple(raw.get("subject_pairs", ())),
        not_subject=re.compile(raw["not_subject"]) if raw.get("not_subject") else None,
        noun_follows=frozenset(raw["noun_follows"]),
        predicate_follows=tuple(raw.get("predicate_follows", ())),
        same_topic=re.compile(raw["same_topic"]) if raw.get("same_topic") else None,
        verb_max_len=int(raw["verb_max_len"]),
        verbs=tuple(raw["verbs"]),
        change_verbs=tuple(raw.get("change_verbs", ())),
        scope_words=tuple(raw.get("scope_words", ())),
        schedule=re.compile(raw["schedule"]) if raw.get("schedule") else None,
        schedule_units=tuple(raw.get("schedule_units", ())),
        rank_change=re.compile(raw["rank_change"]) if raw.get("rank_change") else None,
        rank_units=tuple(raw.get("rank_units", ())),
        session=re.compile(raw["session"]) if raw.get("session") else None,
        session_after=tuple(raw.get("session_after", ())),
        names_end=tuple(raw.get("names_end", ())),
        quantity=_quantity_re(raw["units"], raw["approximators"]),
        open_quantity=_open_quantity_re(raw["approximators"]),
        quantity_scans=_quantity_scans(raw["units"], raw["approximators"]),
    )


@dataclass
class Quantity:
    """A number with its unit, as matched in the normalised text."""

    value: int | float
    unit: str
    start: int  # normalised offsets of value .. unit
    end: int
    after: int  # normalised offset after the unit and an "以上"-like modifier


# ------------------------------------------------------------------------------------------ quantities


def _value(m: re.Match) -> int | float | None:
    if m.group("ar"):
        num = m.group("ar").replace(",", "")
        value: int | float = float(num) if "." in num else int(num)
    else:
        cn = m.group("cn")
        if len(cn) > 1 and all(c not in "十百千万" for c in cn):  # 一一, 二〇二一: not a count
            return None
        value = chinese_to_int(cn)
        if value is None:
            return None
    if m.group("mult"):
        value = round(value * _MULTIPLIER[m.group("mult")], 6)  # 43.02万: 430200, not 430200.00000000006
        if isinstance(value, float) and value.is_integer():
            value = int(value)
    return value


def _ends_clause(text: str, pos: int) -> bool:
    return pos >= len(text) or text[pos] in _BOUNDARY or text[pos] in (_OPEN, _CLOSE)


def _quantity_matches(text: str, vocab: NarrativeVocab):
    """``vocab.quantity.finditer(text)``, found with the faster scan patterns when there are any.

    No position can start both branches (a digit is no Chinese numeral), so the leftmost match of
    either scan pattern is where the full pattern matches next; it is matched there for its groups.
    A scan's next match is kept until the text before it is passed (a match depends on its start only).
    """
    if not vocab.quantity_scans:
        yield from vocab.quantity.finditer(text)
        return
    ahead = [p.search(text) for p in vocab.quantity_scans]
    pos = 0
    while True:
        for k, p in enumerate(vocab.quantity_scans):
            if ahead[k] is not None and ahead[k].start() < pos:
                ahead[k] = p.search(text, pos)
        starts = [m.start() for m in ahead if m is not None]
        if not starts:
            return
        m = vocab.quantity.match(text, min(starts))
        yield m
        pos = m.end()


def quantities(text: str, vocab: NarrativeVocab | None = None) -> list[Quantity]:
    """Every number+unit in ``text`` that reads as a count (see the module doc for what does not)."""
    vocab = vocab or load_vocab()
    out = []
    for m in _quantity_matches(text, vocab):
        unit = m.group("unit") or m.group("unit2")
        unit_start = m.start("unit") if m.group("unit") else m.start("unit2")
        if (m.group("cn") == "一" and unit not in vocab.counted_one_units and not _ends_clause(text, m.end())
                and not text.startswith("、", m.end())):
            continue  # an article ("一项长期的工作"); "开展培训一次," and "流程图一张、" are counts
        if _ORDINAL_RANGE.search(text, max(0, m.start() - _ORDINAL_RANGE_MAX), m.start()):
            continue  # the end of a range of ordinals ("第7至14位")
        if text.startswith(vocab.unit_words, unit_start):  # (a tuple: any of them)
            continue
        if unit in vocab.excluded_after_units and text.startswith(vocab.excluded_after, m.end()):
            continue
        value = _value(m)
        cn = m.group("cn") or ""
        if len(cn) > 1 and cn[-1] in _MULTIPLIER and cn[-1] + unit in vocab.units:
            # a money or visit unit keeps its 万 as the Arabic form does ("三百一十二万元" = 312 万元)
            value, unit = chinese_to_int(cn[:-1]), cn[-1] + unit
        if value is None:
            continue
        after = m.end()
        for a in vocab.after_unit:
            if text.startswith(a, after):
                after += len(a)
                break
        out.append(Quantity(value, unit, m.start(), m.end(), after))
    return out


def read_quantity(text: str, vocab: NarrativeVocab | None = None, after: str = "",
                  before: str = "") -> tuple[int | float, str] | None:
    """(value, unit) of a span that a model labelled as a count; ``after`` / ``before``: the text that
    follows / precedes it.

    The first count of the vocabulary in it (as :func:`quantities` finds them, ``after`` included, so
    that "3个" before "工作日" is no count); else the whole span read as a number and a measure word of
    its own ("2000册"): the model has told that it is a count, so the unit need not be one the rules
    know. None when neither reads, when the number is an ordinal or a weekday ("第50条", "星期三": 第 or
    星期 right before it), or when it is part of a name or code (a letter, digit or / . - : right before an
    Arabic number, as for :func:`quantities`: "IPv6改造", "PM2.5"), or when a measure word of its own is
    followed by a Latin letter (a name: "85度C").
    """
    vocab = vocab or load_vocab()
    if before.rstrip().endswith(_NOT_COUNTED_AFTER):
        return None
    if text[:1].isdigit() and before and _AR_NOT_AFTER_RE.fullmatch(before[-1]):
        return None
    found = [q for q in quantities(text + after, vocab) if q.start < len(text)]
    if found:
        return (found[0].value, found[0].unit) if found[0].end <= len(text) else None
    for a in vocab.after_unit:
        if text.endswith(a):
            text = text[: -len(a)]
            break
    m = vocab.open_quantity.fullmatch(text)
    if (m is None or m.group("unit") in vocab.units  # a unit of the vocabulary: quantities() has decided
            or m.group("unit").startswith(vocab.not_units)
            or (m.group("unit") + after).startswith(vocab.unit_words)
            or after[:1].isascii() and after[:1].isalpha()):  # a name's letters go on after it ("85度C")
        return None
    value = _value(m)
    return None if value is None else (value, m.group("unit"))


# ------------------------------------------------------------------------------------------ subjects


def clause_start(text: str, pos: int, lo: int = 0) -> int:
    """Where the clause that ends at ``pos`` starts: after the nearest boundary not inside brackets or
    quotes (nor a number's thousands comma), or after an unclosed opening bracket ("答复3050件(含上年度结转申请34件")."""
    depth = 0
    quote: str | None = None
    i = pos - 1
    while i >= lo:
        c = text[i]
        if quote is not None:
            if c == quote:
                quote = None
        elif c in _QUOTES:
            quote = _QUOTES[c]
        elif c == _CLOSE:
            depth += 1
        elif c == _OPEN:
            if depth == 0:
                break
            depth -= 1
        elif c in _BOUNDARY and depth == 0 and not _thousands_comma(text, i):
            break
        i -= 1
    return i + 1


def _thousands_comma(text: str, i: int) -> bool:
    """Is text[i] the comma inside a number ("1,904"), not a clause boundary?"""
    return text[i] == "," and 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()


def _strip(text: str, s: int, e: int, vocab: NarrativeVocab) -> tuple[int, int]:
    """Strip leading and trailing filler from text[s:e]; returns the new bounds."""
    changed = True
    while changed and s < e:
        changed = False
        for pat in vocab.strip_leading:
            m = pat.match(text, s, e)
            if m and m.end() > s:
                s, changed = m.end(), True
    changed = True
    while changed and s < e:
        changed = False
        for pat in vocab.strip_trailing:
            m = pat.search(text, s, e)
            if m and m.start() < e:
                e, changed = m.start(), True
    return s, e


def can_be_subject(subject: str) -> bool:
    """At least two characters, one of them Chinese."""
    return len(subject) >= 2 and any(is_cjk(c) for c in subject)


def malformed_subject(subject: str, vocab: NarrativeVocab | None = None) -> bool:
    """Does a subject name nothing counted (spec: not_subject_starts / _ends / subject_pairs / not_subject)?
    One that starts or ends like a cut ("每人每年", "纳入对", "因申请人未", "申请占"), leaves a mark of a pair
    open or closes one it never opened ("”提交的", "镇（"), or is a short verb's 的-phrase ("办理的")."""
    vocab = vocab or load_vocab()
    subject = subject.strip()
    return (not subject or subject.startswith(vocab.not_subject_starts) or subject.endswith(vocab.not_subject_ends)
            or any(not _balanced(subject, pair) for pair in vocab.subject_pairs)
            or (vocab.not_subject is not None and vocab.not_subject.search(subject) is not None))


def lone_verb(subject: str, vocab: NarrativeVocab | None = None) -> bool:
    """Is a subject only a verb (spec: verbs, change_verbs), naming what was done but not to what ("发布",
    "提高")? The grammar may find its object or the thing that changed in the sentence."""
    vocab = vocab or load_vocab()
    return subject in vocab.verbs or subject in vocab.change_verbs


def before_open_bracket(subject: str) -> str:
    """A subject cut before a bracket it leaves open ("缴费标准（每人每年" -> 缴费标准): the count stands in
    the brackets, after what it measures."""
    depth, cut = 0, None
    for i in range(len(subject) - 1, -1, -1):
        if subject[i] in ")）":
            depth += 1
        elif subject[i] in "(（":
            if depth == 0:
                cut = i
            else:
                depth -= 1
    return subject if cut is None else subject[:cut]


def _balanced(text: str, pair: str) -> bool:
    depth = 0
    for c in text:
        if c == pair[0]:
            depth += 1
        elif c == pair[1]:
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def clean_subject(subject: str, vocab: NarrativeVocab | None = None) -> str:
    """A subject without the filler the rules strip from theirs ("全年共", "我局", "等", "累计")."""
    vocab = vocab or load_vocab()
    s, e = _strip(subject, 0, len(subject), vocab)
    return subject[s:e]


def _subject_before(text: str, s: int, e: int, vocab: NarrativeVocab) -> tuple[int, int]:
    s, e = _strip(text, s, e, vocab)
    last = None
    for m in vocab.channel.finditer(text, s, e):
        last = m
    if last is not None and e - last.end() > 2:  # keep the channel before a lone verb ("通过网站公开")
        s, e = _strip(text, last.end(), e, vocab)
    if e - s > vocab.subject_max_len:
        k = text.rfind("等", s, e)
        if k >= 0 and e - k > 2:
            s = k + 1
    return s, e


def _noun_after(text: str, j: int, vocab: NarrativeVocab) -> tuple[int, int]:
    """The noun phrase that a count printed before it belongs to ("1条依申请公开,")."""
    k = j
    while k < len(text) and k - j < _NOUN_MAX_LEN:
        c = text[k]
        if c == _OPEN and k > j:  # a short bracketed part of the noun ("村(社区)", "市(州)局子站")
            close = text.find(_CLOSE, k + 1, k + 2 + _BRACKETED_MAX)
            if close > k + 1 and all(is_cjk(x) or x == "、" for x in text[k + 1:close]):
                k = close + 1
                continue
        word = next((w for w in vocab.noun_words if text.startswith(w, k)), None)
        if word is not None:  # a noun's word that holds a stop ("公共机构")
            k += len(word)
            continue
        if (c in _BOUNDARY or c in (_OPEN, _CLOSE) or c.isdigit() or c in vocab.noun_follows
                or text.startswith(vocab.noun_stops, k)):
            break
        k += 1
    if k - j >= _NOUN_MAX_LEN:
        return j, j  # ran on: not a noun phrase
    return _strip(text, j, k, vocab)


def count_subject(text: str, clause: int, pos: int, after: int,
                  vocab: NarrativeVocab | None = None, floor: int | None = None) -> tuple[int, int, bool]:
    """The subject of the count printed at text[pos:after] (normalised text; its clause starts at
    ``clause``): (start, end, whether it is the noun after the count). The verb and object before it
    ("主动公开政府信息50条"), or the noun after it where the text before is no verb and object of its own:
    a short verb, one of the verbs, 的/和/、 right before the count, a scope, a quoted name, a list
    ("开展了3期政务公开培训", "以前制发的136件规范性文件", "对全区38个区直部门", "开设“…”2个专栏").
    A lone verb with no noun after the count names the object it took earlier in the sentence, at or after
    ``floor`` ("按月发布疫情概况，全年共发布12期" -> 发布疫情概况)."""
    vocab = vocab or load_vocab()
    s, e = _subject_before(text, clause, pos, vocab)
    if clause > 0 and text[clause - 1] == _OPEN and malformed_subject(text[s:e], vocab):
        # a count in brackets after what it measures ("缴费标准(每人每年380元)"): the subject before them
        s, e = _subject_before(text, clause_start(text, clause - 1, floor or 0), clause - 1, vocab)
    # a count right after 的/和/、… counts the noun after it, unless the 的 was filler ("由原来的29项")
    joined = _char_before(text, pos) in vocab.noun_follows and e >= pos - 1
    if (e - s <= vocab.verb_max_len or text.endswith(vocab.verbs, s, e) or joined
            or text.endswith(vocab.predicate_follows, clause, pos) or _names_items(text, s, e, pos, vocab)):
        ns, ne = _noun_after(text, after, vocab)
        if ne - ns >= 2 and is_cjk(text[ns]):
            return ns, ne, True
        said = _object_before(text, text[s:e], floor, clause) if floor is not None and text[s:e] in vocab.verbs else None
        if said is not None:
            return (*said, False)
    if s == e and floor is not None and clause - 1 > floor and text[clause - 1] == ",":
        # a clause of filler and counts only ("编制信息公开目录，共6大类48项"): the clause before it in the
        # sentence, when it holds no figure of its own, names what they count
        ps, pe = _subject_before(text, clause_start(text, clause - 1, floor), clause - 1, vocab)
        if (2 <= pe - ps <= _PREVIOUS_CLAUSE_MAX and not any(c.isdigit() for c in text[ps:pe])
                and not quantities(text[ps:pe], vocab)):
            return ps, pe, False
    return s, e, False


def _object_before(text: str, verb: str, floor: int, clause: int) -> tuple[int, int] | None:
    """The verb and its object where the sentence (from ``floor``) said them before the clause at
    ``clause`` ("按月发布全市疫情概况，" for 发布): from the verb to its clause's end, or None."""
    start = floor
    for m in SENTENCE_BREAK.finditer(text, floor, clause):
        start = m.end()
    k = text.rfind(verb, start, clause)
    if k < 0:
        return None
    end = k
    while end < clause and text[end] not in _BOUNDARY:
        end += 1
    return (k, end) if end - k >= len(verb) + 2 else None


def _names_items(text: str, s: int, e: int, pos: int, vocab: NarrativeVocab) -> bool:
    """Does the subject before a count (text[s:e], the count at ``pos``) end in a scope ("对全区"), a
    quoted name ("开设“国企改革”") or a list of names ("微信、微博、抖音"), so that the noun after the
    count is what it counts?"""
    if text.endswith(vocab.scope_words, s, e) or text.endswith(vocab.names_end, s, pos):
        return True
    last = text.rfind("、", s, e)  # a list's last item: short, no verb of the vocabulary
    return last >= 0 and 1 <= e - last - 1 <= 4 and not any(v in text[last:e] for v in vocab.verbs)


def counted_again(text: str, s: int, e: int, pos: int, last: int, floor: int,
                  vocab: NarrativeVocab | None = None) -> bool:
    """Is the count at ``pos`` (its grammar subject text[s:e]) the thing of the last count, printed at
    ``last`` in the same clause, counted again: a subject of nothing but a joining word, or one that only
    names a change ("…由原来的29项精简合并为22项", "…分别发布信息495条和632条", "低保户1,904户2,871人")?
    ``floor``: where the text may hold the clause's start at the earliest (a heading break)."""
    vocab = vocab or load_vocab()
    return last >= clause_start(text, pos, floor) and (
        e - s < 2 and text[s:e] in vocab.noun_follows | {""} or names_a_change(text[s:e], vocab))


def names_a_change(subject: str, vocab: NarrativeVocab | None = None) -> bool:
    """Is the subject only a change of the thing counted before it ("精简合并为", "增加到"), so that the count
    is that thing's new figure ("行政许可事项由原来的29项精简合并为22项")?"""
    vocab = vocab or load_vocab()
    return vocab.same_topic is not None and vocab.same_topic.search(subject) is not None


def is_no_count(text: str, clause: int, pos: int, unit: str, vocab: NarrativeVocab | None = None) -> bool:
    """Is the number of ``unit`` at ``pos`` no count of things done, by its clause (text[clause:pos])? A
    number inside a name in title marks or quotes ("《支持侨资企业发展二十条》", "“壮阔七秩”图片展"), a move in
    a ranking ("较上年前进4位"), a routine's schedule ("每周更新2次": the clause says 每周 / 每月 …), or a
    congress's session ("十三届人大二次会议")."""
    vocab = vocab or load_vocab()
    for opening, closing in _NAME_MARKS:
        if text.rfind(opening, clause, pos) > text.rfind(closing, clause, pos):
            return True
    if vocab.session is not None and vocab.session.search(text[clause:pos]) is not None:
        k = text.find(unit, pos, pos + _SESSION_NUMBER_MAX)
        if k >= 0 and text.startswith(vocab.session_after, k + len(unit)):
            return True
    if unit in vocab.rank_units and vocab.rank_change is not None:
        if vocab.rank_change.search(text[clause:pos]) is not None:
            return True
    return (unit in vocab.schedule_units and vocab.schedule is not None
            and vocab.schedule.search(text, clause, pos) is not None)


def _char_before(text: str, pos: int) -> str:
    """The last character before ``pos`` that is not a space ("" at the start)."""
    while pos > 0 and text[pos - 1] == " ":
        pos -= 1
    return text[pos - 1] if pos else ""


def _heading_breaks(doc: Document) -> list[int]:
    """Normalised offsets where a short numbered heading line ends, a section heading that the rules
    found (its SECTION span in the "rules" layer: a heading inside a running line, "…。一、总体情况今年我局
    共制作政务信息1197条"), or a sub-heading's short title that a space sets off ("（一）主动公开 全年…"): a
    clause never runs across one."""
    spec = load_spec()
    pats = (*spec.top_level_numbering, spec.label_prefix)
    numbering = any_pattern(pats)
    norm = doc.norm_joined
    out, pos = [], 0
    # folding maps no character to a line break, so the folded text splits into the folded lines
    for line, folded in zip(doc.text.split("\n"), doc.folded.split("\n")):
        s = folded.strip()
        # the numbering first: most lines have none, so this one test settles them
        if (s and len(s) <= _HEADING_MAX_LEN
                and (numbering.match(s) if numbering is not None else any(p.match(s) for p in pats))
                and not _CLAUSE_MARK.search(s)):
            out.append(norm.from_source(pos + len(line)))
        pos += len(line) + 1
    headings = [norm.from_source(sp.end) for sp in doc.layers.get("rules", ()) if sp.label == "SECTION"]
    source = doc.folded if len(doc.folded) == len(doc.text) else doc.text
    headings += [norm.from_source(m.end()) for m in _INLINE_SUBHEADING.finditer(source)]
    return sorted(set(out + headings)) if headings else out


# a sub-heading inside a running line, its short title set off by a space ("…。（一）主动公开 全年主动公开…")
_INLINE_SUBHEADING = re.compile(r"(?<![^\s。；;!?！？])[(（]\s*[一二三四五六七八九十]{1,2}\s*[)）]\s*[\u4e00-\u9fff、]{2,16}?(?=\s)")


def _in_regions(offset: int, regions) -> bool:
    return any(a <= offset < b for a, b in regions)


# ------------------------------------------------------------------------------------------ API


def find_metrics(doc: Document, sections: list[Section] | None = None, regions=()) -> list[Metric]:
    """Every count stated in prose outside ``regions`` (source (start, end) ranges of template tables).

    Adds a METRIC_VALUE span (attrs: metric index, value, unit) and a METRIC_SUBJECT span (attrs: metric
    index) per metric to the "rules" layer.
    """
    vocab = load_vocab()
    norm = doc.norm_joined
    text = norm.text
    breaks = _heading_breaks(doc)
    out: list[Metric] = []
    stated = Stated()  # the metrics of ``out``, by value and unit
    prev_end = 0
    last_subject: tuple[int, int, int] | None = None  # the last metric's subject, and where its count stood
    last_unit, last_after = "", 0
    for q in quantities(text, vocab):
        src_start, src_end = norm.to_source(q.start, q.end)
        if _in_regions(src_start, regions):
            continue
        k = bisect_right(breaks, q.start)
        lo = max(prev_end, breaks[k - 1] if k else 0)
        prev_end = q.after
        clause = clause_start(text, q.start, lo)
        if is_no_count(text, clause, q.start, q.unit, vocab):
            continue
        s, e, _ = count_subject(text, clause, q.start, q.after, vocab, floor=lo)
        if last_subject is not None and counted_again(text, s, e, q.start, last_subject[2], breaks[k - 1] if k else 0,
                                                      vocab):
            s, e = last_subject[:2]
        if not can_be_subject(text[s:e]):
            continue
        # an item of a list of counts printed without its unit ("其中A类3条，B类信息 45，其他类4条")
        if last_subject is not None and last_unit == q.unit:
            item = _UNITLESS_ITEM.fullmatch(text, last_after, clause)
            if item is not None:
                _add_metric(doc, norm, out, sections, item.start("subj"), item.end("subj"), item.start("num"),
                            item.end("num"), int(item.group("num")), "")
                stated.add(out[-1])
        last_subject, last_unit, last_after = (s, e, q.start), q.unit, q.after
        if stated.before(text[s:e], q.value, q.unit):
            continue  # the same figure of the same thing, said again ("主动公开政府信息128条" twice)
        _add_metric(doc, norm, out, sections, s, e, q.start, q.end, q.value, q.unit)
        stated.add(out[-1])
    return out


class Stated:
    """The figures already stated, by value and unit, to ask whether a figure is stated again with a
    subject that names the same thing (one subject holds the other: "公安政府信息" in "主动公开公安政府信息").
    A lookup reads only the metrics of that value and unit, so a long report costs time in proportion."""

    def __init__(self, metrics: list[Metric] = ()) -> None:
        self._keys: dict[tuple, list[str]] = {}
        for m in metrics:
            self.add(m)

    def add(self, metric: Metric) -> None:
        self._keys.setdefault((metric.value, metric.unit), []).append(label_key(metric.subject, strip_numbering=False))

    def before(self, subject: str, value, unit: str) -> bool:
        key = label_key(subject, strip_numbering=False)
        return bool(key) and any(other and (key in other or other in key)
                                 for other in self._keys.get((value, unit), ()))


# the text between two counts of one unit that holds one more item of the list without its unit
_UNITLESS_ITEM = re.compile(r"[,、;]\s*(?P<subj>[\u4e00-\u9fff]{2,20})\s*(?P<num>\d{1,6})\s*[,、;]\s*")


def _add_metric(doc: Document, norm, out: list[Metric], sections, s: int, e: int, vs: int, ve: int, value, unit: str) -> None:
    """Append a metric (subject norm[s:e], value norm[vs:ve]) and its two spans to the rules layer."""
    src_start, src_end = norm.to_source(vs, ve)
    sub_start, sub_end = norm.to_source(s, e)
    index = len(out)
    out.append(Metric(subject=norm.text[s:e], value=value, unit=unit,
                      section=section_at(sections or [], src_start), start=src_start, end=src_end))
    doc.add("rules", Span(src_start, src_end, "METRIC_VALUE", source="rules",
                          attrs={"metric": index, "value": value, "unit": unit}))
    doc.add("rules", Span(sub_start, sub_end, "METRIC_SUBJECT", source="rules", attrs={"metric": index}))
