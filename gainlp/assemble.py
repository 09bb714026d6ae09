"""The post-processor: the model's spans (doc.layers["model"]) -> the parts of a record.

Section headings become sections numbered by the spec's title patterns; TABLE_LABEL and TABLE_CELL spans
become tokens that the rule parser's own assembler (rules/tables.py) places on the template grid (blank
cells, which the model does not label, come from the region's layout); METRIC_VALUE spans are read by the
rules' number grammar (an ordinal or a routine's schedule is no count) and paired with the nearest
METRIC_SUBJECT in their sentence, the one after the count where the grammar says the count is of the noun
that follows it (rules.narrative.count_subject); AGENCY / YEAR / DATE spans give the metadata.
Every value keeps its span and the model's confidence.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from itertools import accumulate
from typing import Sequence

from gainlp.document import Document, Span
from gainlp.record import Metric, Provenance, Record, Section, Source
from gainlp.rules.narrative import (SENTENCE_BREAK, Stated, before_open_bracket, can_be_subject, clause_start,
                                   clean_subject, count_subject, counted_again, is_no_count, lone_verb, quantities,
                                   malformed_subject, names_a_change, read_quantity)
from gainlp.rules.sections import one_line_title, printed_numeral, section_numbers
from gainlp.rules.table_tokens import WRAPPED_CELL_LAYOUTS, Token
from gainlp.rules.tables import AssembledTable, read_tables, table_extent, table_regions, tokens_for_region
from gainlp.template import TABLE_NAMES, load_spec
from gainlp.text import CN_NUMERAL_CHARS, normalize, parse_cell_number

SUBJECT_WINDOW = 40  # how far before a value its subject may end (characters)
# a model metric at a count no rule metric reads is added (combine) when at least this sure: over every used
# gold set (the blind splits dev–test6, ../shared dev, seeds, real, fresh-prose) the unclaimed model metrics
# between 0.8 and 0.9 were right 2 of 2 times, those between 0.5 and 0.8 2 of 5; a subject at least this
# sure names a count printed beside it that the model left untagged (model_metrics)
METRIC_CONFIDENT = 0.8
_YEAR = re.compile(r"(20\d\d|19\d\d)")
_DATE = re.compile(r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})")


@dataclass
class Scored:
    value: object
    span: Span


@dataclass
class ModelReading:
    sections: list[Section] = field(default_factory=list)
    agency: Scored | None = None
    year: Scored | None = None
    published: Scored | None = None
    tables: dict[str, AssembledTable | None] = field(default_factory=dict)
    metrics: list[tuple[Metric, float]] = field(default_factory=list)


def _best(spans: list[Span], parse) -> Scored | None:
    """The highest-scoring span whose text parses."""
    for s in sorted(spans, key=lambda s: -s.score):
        value = parse(s)
        if value is not None:
            return Scored(value, s)
    return None


def _heading_lines(doc: Document, spans: list[Span]) -> list[tuple[int, str]]:
    """(line start, heading text) per line holding SECTION spans, in order. A heading starts a line and
    is mostly printed as a line of its own: when the spans of a line cover at least half of it, the
    heading is the whole line (the model may stop a character short, or break a heading in two); else,
    when they start the line, their own text ("一、总体情况。2021年，…"); else, and whenever two spans of
    the line start with a heading's number (a body printed on one line), each span that starts with one
    ("一、…"), from where it starts."""
    text = doc.text
    numbering = load_spec().top_level_numbering
    lines: dict[int, list[Span]] = {}
    for s in sorted(spans, key=lambda s: s.start):
        lines.setdefault(text.rfind("\n", 0, s.start) + 1, []).append(s)
    out = []
    for line_start, group in lines.items():
        line_end = text.find("\n", group[-1].end)
        line = text[line_start: len(text) if line_end < 0 else line_end].strip()
        tagged = "".join(text[s.start:s.end] for s in group).strip()
        numbered = [s for s in group if any(p.match(text[s.start:s.end].strip()) for p in numbering)]
        if len(numbered) >= 2:  # several headings on one line (a body printed on one line): each its own
            out.extend((s.start, text[s.start:s.end].strip()) for s in numbered)
        elif len(tagged) * 2 >= len(line):
            out.append((line_start, line))
        elif not text[line_start:group[0].start].strip():
            out.append((line_start, tagged))
        else:  # inside a line: a span that starts with a heading's number
            out.extend((s.start, text[s.start:s.end].strip()) for s in numbered)
    return out


def model_sections(doc: Document, spans: list[Span]) -> list[Section]:
    """The sections whose headings the model labelled: the template's, in increasing order, and a
    report's own between two of them whose printed numerals skip it ("一、总体情况 二、政务公开工作主要任务
    落实情况 三、主动公开政府信息情况"), numbered as the rules number them (:func:`section_numbers`)."""
    spec = load_spec()
    heads: list[_Heading] = []
    for line_start, title in _heading_lines(doc, spans):
        numeral = None
        for pat in spec.top_level_numbering:
            m = pat.match(title)
            if m:
                numeral = printed_numeral(m.group())
                title = title[m.end():].strip()
                break
        title = one_line_title(title)  # a heading the page wrapped, labelled across the break
        number = next((sec.number for sec in spec.sections if sec.matches(title)), None)
        heads.append(_Heading(number, numeral, title, line_start))
    found: list[_Heading] = []
    for h in heads:
        if h.number is not None and (not found or h.number > found[-1].number):
            found.append(h)
    own = []
    for a, b in zip(found, found[1:]):
        if a.numeral is None or b.numeral is None or b.numeral - a.numeral < 2:
            continue
        wanted = set(range(a.numeral + 1, b.numeral))
        for h in heads:
            if h.number is None and h.numeral in wanted and a.start < h.start < b.start and h.title:
                own.append(h)
                wanted.discard(h.numeral)
    chosen = sorted(found + own, key=lambda h: h.start)
    numbers = section_numbers([h.numeral for h in chosen], [h.number for h in chosen])
    keys = {sec.number: sec.key for sec in spec.sections}
    return [Section(n, h.title, h.start, chosen[i + 1].start if i + 1 < len(chosen) else len(doc.text),
                    key=keys.get(h.number) if h.number is not None else None)
            for i, (h, n) in enumerate(zip(chosen, numbers))]


@dataclass
class _Heading:
    number: int | None   # the template section its title names; None: a report's own
    numeral: int | None  # as printed ("三、" -> 3); None: unnumbered
    title: str
    start: int           # where its line starts


def _model_tokens(doc: Document, spans: list[Span], start: int, end: int) -> list[Token]:
    """The model's TABLE_CELL and TABLE_LABEL spans in [start, end) as tokens (``spans`` sorted by start)."""
    toks: list[Token] = []
    lo = bisect_left([s.start for s in spans], start)
    for s in spans[lo:]:
        if s.start >= end:
            break
        if s.label not in ("TABLE_CELL", "TABLE_LABEL"):
            continue
        text = doc.text[s.start:s.end]
        if s.label == "TABLE_CELL":
            ok, value = parse_cell_number(text)
            if not ok or not text.strip():
                continue
            toks.append(Token("value", text, s.start, s.end, value, score=s.score))
        else:
            toks.append(Token("label", text, s.start, s.end, score=s.score))
    return toks


def _table_tokens(doc: Document, spans: list[Span], start: int, end: int) -> list[Token]:
    """Model cells and labels in [start, end), fitted to the cells of the region's printed layout.

    The model says what each printed piece is (label, number or nothing); the layout says where a
    cell begins and ends. A model token inside one printed cell of its own kind takes that cell's
    extent (a label wrapped over two lines, which the model may tag as two, is one cell; a number the
    model split is one number), except digits run together, which only the model can split. Blank
    cells, which the model does not tag, come from the layout, as do the row starts. Where a cell's text
    is no one span of the text (a grid table's cell wrapped over lines between its neighbours' text), the
    printed grid is the reading: the layout's cells as they are.
    """
    layout_name, layout = tokens_for_region(doc, start, end)
    if layout_name in WRAPPED_CELL_LAYOUTS:
        return layout
    model = _model_tokens(doc, spans, start, end)
    layout = sorted(layout, key=lambda t: t.start)
    layout_starts = [t.start for t in layout]

    def cell_of(tok: Token) -> int | None:
        k = bisect_right(layout_starts, tok.start) - 1
        if k < 0 or tok.end > layout[k].end:
            return None
        cell = layout[k]
        return k if cell.kind == tok.kind and not cell.glued and not cell.blank else None

    out: list[Token] = []
    fitted: dict[int, list[Token]] = {}
    for tok in model:
        k = cell_of(tok)
        if k is None:
            out.append(tok)
        else:
            fitted.setdefault(k, []).append(tok)
    for k, group in fitted.items():
        cell = layout[k]
        score = min(t.score for t in group)
        out.append(Token(cell.kind, cell.text, cell.start, cell.end, cell.value, score=score))
    out.sort(key=lambda t: t.start)
    out_starts = [t.start for t in out]
    by_start = {t.start: t for t in out}

    def covered(pos: int) -> bool:
        k = bisect_right(out_starts, pos) - 1
        return k >= 0 and pos < out[k].end

    blanks = []
    for t in layout:
        if t.blank and not covered(t.start):
            blanks.append(t)
        elif t.row_break and t.start in by_start:  # carry the layout's row starts over to the model's tokens
            by_start[t.start].row_break = True
    return sorted(out + blanks, key=lambda t: (t.start, 0 if t.kind == "label" else 1))


_AFTER_COUNT = 4  # characters after a count that may make it no count ("3个" + "工作日")
_GRAMMAR_SUBJECT_MAX = 30  # characters: a subject the grammar reads over more is none (1,735 gold subjects: 3 longer)


def model_metrics(doc: Document, spans: list[Span], sections: list[Section],
                  tables: Sequence[tuple[int, int]] = ()) -> list[tuple[Metric, float]]:
    """The model's METRIC_VALUE spans outside ``tables`` (the text of the tables read), each read by the
    rules' number grammar, with the subject the model labelled for it (:class:`SubjectIndex`) or, where it
    labelled none, the grammar's: the words before the count, the noun after it, or the last count's thing
    counted again, in the clause that starts after the previous value at the earliest."""
    tagged = [t for t in (_trimmed(doc.text, s) for s in spans if s.label == "METRIC_VALUE") if t is not None]
    subject_spans = sorted((s for s in spans if s.label == "METRIC_SUBJECT"), key=lambda s: s.start)
    values = sorted((v for v in tagged + _counts_beside_subjects(doc, subject_spans, tagged)
                     if not any(a <= v.start < b for a, b in tables)), key=lambda s: s.start)
    subjects = SubjectIndex(doc.text, subject_spans, values)
    section_starts = [s.start for s in sections]
    reach = list(accumulate((s.end for s in sections), max))  # the farthest end of sections[:i + 1]
    norm = doc.norm_joined
    out = []
    kept: list[Metric] = []  # the metrics of ``out``
    stated = Stated()        # the same, by value and unit
    prev_end = 0             # where the previous value ends (normalised text)
    last_count = None        # where the last kept metric's count stands (normalised text), if any
    for k, v in enumerate(values):
        found = read_quantity(normalize(doc.text[v.start:v.end], join_lines=True).text,
                              after=normalize(doc.text[v.end:v.end + _AFTER_COUNT], join_lines=True).text,
                              before=doc.text[max(0, v.start - 2):v.start])
        if found is None:
            continue
        value, unit = found
        # the rules' grammar around the count: a schedule ("每周更新2次") is none; whether the noun after
        # it is what it counts ("对全区38个区直部门")
        ns, ne = norm.from_source(v.start), norm.from_source(v.end)
        floor = max(0, ns - SUBJECT_WINDOW * 2)
        lo = max(floor, min(prev_end, ns))
        clause = clause_start(norm.text, ns, lo)
        prev_end = ne
        if is_no_count(norm.text, clause, ns, unit):
            continue
        rs, re_, noun_after = count_subject(norm.text, clause, ns, ne, floor=lo)
        grammar = norm.text[rs:re_]  # the grammar's subject, the rules' reading
        subject = subjects.subject_for(k, side="after" if noun_after else "nearest")
        if subject is not None and subject.start >= v.end and names_a_change(_subject_text(doc, subject)):
            subject = subjects.subject_for(k, side="before")  # "58项增加到63项": 增加到 is 63's, not 58's
        # the i-th section (in order) holding the value: sections[:i + 1] start at or before it
        i, j = bisect_right(section_starts, v.start) - 1, bisect_right(reach, v.start)
        number = sections[j].number if j <= i else None
        text = before_open_bracket(_subject_text(doc, subject)) if subject is not None else ""
        if kept and text and names_a_change(text) and subjects.same_sentence(kept[-1].end, v.start):
            text = kept[-1].subject  # the same thing counted again ("由原来的58项增加到63项")
        elif (not can_be_subject(text) or (malformed_subject(text) and not malformed_subject(grammar))
              or (lone_verb(text) and text in grammar and grammar != text and not malformed_subject(grammar))):
            # the model named nothing for a figure it found, filler only ("不少于", "全县"), a malformed
            # subject ("条例》") or a verb alone where the grammar's holds it and says more ("发布" in
            # "按月发布疫情概况，全年共发布12期", "提高" in "覆盖率比上年提高6.5个百分点"): the grammar names
            # it ("办复率均为100%", "同比增长8.4%", "一名班子成员"), or it is the last count's thing counted
            # again ("低保户1,904户2,871人", "分别发布信息495条和632条")
            if last_count is not None and counted_again(norm.text, rs, re_, ns, last_count, floor):
                text = kept[-1].subject
            elif re_ - rs <= _GRAMMAR_SUBJECT_MAX:  # longer: text without clause marks (a table on one line)
                text = _subject_text(doc, Span(*norm.to_source(rs, re_), "METRIC_SUBJECT"))
        if not can_be_subject(text) or stated.before(text, value, unit):
            continue  # no subject, or the same figure of the same thing said again
        kept.append(Metric(text, value, unit, number, v.start, v.end))
        last_count = ns
        stated.add(kept[-1])
        out.append((kept[-1], min(v.score, subject.score) if subject is not None else v.score))
    return out


_BESIDE = 2  # characters between a subject and a count printed right beside it ("7个子栏目", "关注人数达到1.86万人")


def _counts_beside_subjects(doc: Document, subjects: list[Span], values: list[Span]) -> list[Span]:
    """Counts the model left untagged right beside a subject it tagged at least METRIC_CONFIDENT sure
    ("设置…等7个子栏目": 子栏目 tagged, 7个 not), as METRIC_VALUE spans with the subject's score: the model
    named what is counted, the number grammar (rules.narrative.quantities) reads the count. A count that
    overlaps a tagged value is the model's own reading."""
    norm = doc.norm_joined
    tagged = sorted((v.start, v.end) for v in values)
    sure = [s for s in subjects if s.score >= METRIC_CONFIDENT]
    by_start = [s.start for s in sure]
    by_end = sorted(sure, key=lambda s: s.end)
    end_keys = [s.end for s in by_end]
    out = []
    for q in quantities(norm.text):
        qs, qe = norm.to_source(q.start, q.end)
        k = bisect_left(tagged, (qe, qe))
        if k > 0 and tagged[k - 1][1] > qs:
            continue  # overlaps a tagged value (values do not overlap each other)
        k = bisect_left(by_start, qe)
        j = bisect_right(end_keys, qs) - 1
        beside = (sure[k] if k < len(sure) and sure[k].start - qe <= _BESIDE
                  else by_end[j] if j >= 0 and qs - by_end[j].end <= _BESIDE else None)
        if beside is not None:
            out.append(Span(qs, qe, "METRIC_VALUE", source=beside.source, score=beside.score))
    return out


_VALUE_EDGE = "、，,。；;：:（）()　 \t\n"  # a figure neither begins nor ends with these ("、3名", "8.6%。")


def _trimmed(text: str, span: Span) -> Span | None:
    """The value span without punctuation the model took in at its edges, and with the digits it left out
    before it ("4" of "410条" tagged "10条", "二十" of "第二十一条" tagged "一条"): the number is read whole,
    an ordinal seen as one (None when nothing is left)."""
    s, e = span.start, span.end
    while s < e and text[s] in _VALUE_EDGE:
        s += 1
    while e > s and text[e - 1] in _VALUE_EDGE:
        e -= 1
    if s == e:
        return None
    while s > 0 and (text[s - 1].isdigit() or text[s - 1] in ",." and s > 1 and text[s - 2].isdigit()):
        s -= 1
    while s > 0 and text[s] in CN_NUMERAL_CHARS and text[s - 1] in CN_NUMERAL_CHARS:
        s -= 1
    return span if (s, e) == (span.start, span.end) else replace(span, start=s, end=e)


def _subject_text(doc: Document, span: Span) -> str:
    return clean_subject(re.sub(r"\s+", "", doc.text[span.start:span.end]))


_CLAUSE_MARKS = frozenset("，,；;、：:")  # a subject after its count is in the count's clause ("一名班子成员")


class SubjectIndex:
    """The subject a value counts: the nearest one before it in its sentence with no other value in
    between ("主动公开信息50条"), or one right after it ("一名班子成员"), whichever is closer.

    Every lookup is a bisection over sorted positions (sentence breaks, value starts, subject starts and
    ends), so that tagging a long report costs time in proportion to its length."""

    def __init__(self, text: str, subjects: list[Span], values: list[Span]) -> None:
        self.text = text
        self.values = values                       # sorted by start
        self.value_starts = [v.start for v in values]
        self.subjects = subjects                   # sorted by start
        self.subject_starts = [s.start for s in subjects]
        self.by_end = sorted(range(len(subjects)), key=lambda i: (subjects[i].end, i))
        self.ends = [subjects[i].end for i in self.by_end]
        self.breaks = [m.start() for m in SENTENCE_BREAK.finditer(text)]

    def same_sentence(self, a: int, b: int) -> bool:
        """No sentence break in text[a:b]."""
        k = bisect_left(self.breaks, a)
        return not (k < len(self.breaks) and self.breaks[k] < b)

    def _free(self, a: int, b: int, value_index: int) -> bool:
        """No sentence break in text[a:b] and no value but ``value_index`` starting in [a, b)."""
        if not self.same_sentence(a, b):
            return False
        lo, hi = bisect_left(self.value_starts, a), bisect_left(self.value_starts, b)
        return all(j == value_index for j in range(lo, hi))

    def subject_for(self, value_index: int, side: str = "nearest") -> Span | None:
        """The subject of a value: the nearer of the one before and the one right after it; ``side``
        "after": only the one after (the grammar says the count is of the noun that follows it),
        "before": only the one before."""
        value = self.values[value_index]
        before = None  # the candidate latest in start order (ties: later in the list)
        lo, hi = bisect_left(self.ends, value.start - SUBJECT_WINDOW), bisect_right(self.ends, value.start)
        for k in range(lo, hi):
            i = self.by_end[k]
            s = self.subjects[i]
            if s.end <= value.start and self._free(s.end, value.start, value_index) and (before is None or i > before):
                before = i
        after = None
        k = bisect_left(self.subject_starts, value.end)
        while k < len(self.subjects) and self.subjects[k].start - value.end <= 2:
            gap = self.text[value.end:self.subjects[k].start]
            if self._free(value.end, self.subjects[k].start, value_index) and not _CLAUSE_MARKS.intersection(gap):
                after = self.subjects[k]
                break
            k += 1
        if side == "after":
            return after
        b = self.subjects[before] if before is not None else None
        if side == "before":
            return b
        if after is not None and (b is None or after.start - value.end < value.start - b.end):
            return after
        return b


def read_model_layer(doc: Document, template: str | None, rule_sections: list[Section],
                     layer: str = "model") -> ModelReading:
    """Assemble everything the model labelled into a ModelReading; no tables where ``template`` is None (a
    report before the template tables)."""
    spans = sorted(doc.layers.get(layer, []), key=lambda s: s.start)
    by_label: dict[str, list[Span]] = {}
    for s in spans:
        by_label.setdefault(s.label, []).append(s)
    reading = ModelReading()
    reading.sections = model_sections(doc, by_label.get("SECTION", []))
    reading.agency = _best(by_label.get("AGENCY", []),
                           lambda s: re.sub(r"\s+", "", doc.text[s.start:s.end]) or None)
    reading.year = _best(by_label.get("YEAR", []), lambda s: _parse_year(doc.text[s.start:s.end]))
    reading.published = _best(by_label.get("DATE", []), lambda s: _parse_date(doc.text[s.start:s.end]))
    # table regions: the rules' sections where they exist, the model's otherwise
    keys = {s.key for s in rule_sections}
    sections = sorted(rule_sections + [s for s in reading.sections if s.key not in keys], key=lambda s: s.start)
    regions = table_regions(doc, sections)
    claimed: list[tuple[int, int]] = []  # the text of the tables read: no narrative there
    read = read_tables(regions, lambda _, start, end: _table_tokens(doc, spans, start, end),
                       template) if template is not None else {}
    for name in TABLE_NAMES:
        assembled = read.get(name)
        reading.tables[name] = assembled if assembled is not None and assembled.found_rows else None
        if reading.tables[name] is None:
            continue
        extent = table_extent(assembled, regions[name])
        if extent is not None:  # as the rules claim a table's text
            claimed.append(extent)
    reading.metrics = model_metrics(doc, spans, sections, claimed)
    return reading


def settled_tables(doc: Document, record: Record, layer: str = "rules") -> dict[str, tuple[int, int]]:
    """The tables the rules read with every check passing (at least one, none failed or not assessable),
    each with the extent of its printed cells and labels in the rules' layer: text the model need not read."""
    status: dict[str, set[str]] = {}
    for c in record.checks:
        status.setdefault(c.name.split(".")[0], set()).add(c.status)
    out: dict[str, tuple[int, int]] = {}
    for sp in doc.layers.get(layer, []):
        name = sp.attrs.get("table")
        if sp.label in ("TABLE_CELL", "TABLE_LABEL") and status.get(name) == {"pass"} and record.tables.get(name):
            s, e = out.get(name, (sp.start, sp.end))
            out[name] = (min(s, sp.start), max(e, sp.end))
    return out


def provenance_of(placed_token: Token | None) -> Provenance | None:
    if placed_token is None:
        return None
    return Provenance("model", placed_token.start, placed_token.end, float(placed_token.score))


def _parse_year(text: str) -> int | None:
    m = _YEAR.search(text)
    return int(m.group(1)) if m else None


def _parse_date(text: str) -> str | None:
    m = _DATE.search(text)
    if not m:
        return None
    y, mo, d = (int(x) for x in m.groups())
    if 1 <= mo <= 12 and 1 <= d <= 31:
        return f"{y:04d}-{mo:02d}-{d:02d}"
    return None


def record_from_reading(doc: Document, reading: ModelReading, template: str) -> Record:
    """A record from the model's reading alone (model-only extraction, for comparison)."""
    from gainlp.checks import run_checks

    record = Record(source=Source(path=doc.path, sha256=doc.sha256, format=doc.format), template=template)
    record.sections = reading.sections
    for name in ("agency", "year", "published"):
        scored = getattr(reading, name)
        if scored is not None:
            setattr(record, name, scored.value)
            record.field_provenance[name] = Provenance("model", scored.span.start, scored.span.end, scored.span.score)
    for name, assembled in reading.tables.items():
        if assembled is None:
            continue
        record.tables[name] = assembled.values()
        for row, cols in assembled.cells.items():
            for col, placed in cols.items():
                prov = provenance_of(placed.token)
                if prov is not None:
                    record.provenance[f"tables.{name}.{row}.{col}"] = prov
    if all(record.tables.get(n) is None for n in TABLE_NAMES):
        record.template = None
    record.set_metrics([(m, Provenance("model", m.start, m.end, score)) for m, score in reading.metrics])
    record.checks = run_checks(record)
    return record
