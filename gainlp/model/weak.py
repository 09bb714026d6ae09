"""Real reports as training data: the rules' labels, kept only where the checks confirm them.

A real report run through the rules gives a "rules" span layer, right in places and wrong in others.
:func:`confirmed_annotation` keeps the spans something beyond the rule that made them vouches for, and
marks the characters those spans cover (with what lies between the parts of one reading) as
``meta["trusted"]``; training computes the loss on trusted characters only (gainlp.dataset), so what
the rules missed is never taught as "O":

* a template table whose checks all pass (at least one, no failure, nothing "not assessable"): every
  cell and label of it, and the characters between them;
* a narrative metric the rules read with a unit of the vocabulary: its value and subject (and the
  characters between them);
* the agency when its name is printed at least twice (title, body, signature) and ends like the name
  of a body; the year when the title line prints it; the date when it parses and is not before the year;
* the section headings when at least four were found, numbered in order.

Everything else in the report is left out of the loss, not labelled "O".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from gainlp.annotations import AnnotatedDoc, LabeledSpan
from gainlp.assemble import settled_tables
from gainlp.document import Document, Span
from gainlp.record import Record

TRUSTED = "trusted"          # meta key: [[start, end], ...] characters whose labels train the model
MIN_SECTIONS = 4
AGENCY_ENDINGS = ("局", "委", "办", "政府", "院", "室", "中心", "处", "会", "厅", "部", "署", "所", "站", "队", "馆", "行", "区", "街道", "镇", "乡")
_TITLE_LINE = 200            # characters of the text searched for the title's year


@dataclass
class Confirmation:
    """What was kept of one report, by label, and why the rest was not."""

    kept: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)


def _metric_units() -> frozenset[str]:
    from gainlp.rules.narrative import load_vocab

    return frozenset(load_vocab().units)


def _agency_ok(doc: Document, span: Span) -> bool:
    name = re.sub(r"\s+", "", doc.text[span.start:span.end])
    return (len(name) >= 3 and name.endswith(AGENCY_ENDINGS) and not re.search(r"[:：标题0-9]", name)
            and re.sub(r"\s+", "", doc.text).count(name) >= 2)


def _year_ok(doc: Document, span: Span) -> bool:
    m = re.search(r"(19|20)\d\d", doc.text[span.start:span.end])
    return m is not None and f"{m.group(0)}年" in doc.text[:_TITLE_LINE]


def _date_ok(record: Record) -> bool:
    return bool(record.published and record.year and int(record.published[:4]) >= record.year)


def _sections_ok(spans: list[Span]) -> bool:
    numbers = [s.attrs.get("number") for s in sorted(spans, key=lambda s: s.start)]
    return len(numbers) >= MIN_SECTIONS and all(isinstance(n, int) for n in numbers) and numbers == sorted(set(numbers))


def confirmed_annotation(doc: Document, record: Record, doc_id: str, layer: str = "rules"
                         ) -> tuple[AnnotatedDoc, Confirmation]:
    """The rules' spans of ``doc`` that the checks confirm, and the trusted character ranges (see above)."""
    spans = sorted(doc.layers.get(layer, []), key=lambda s: (s.start, s.end))
    by_label: dict[str, list[Span]] = {}
    for s in spans:
        by_label.setdefault(s.label, []).append(s)
    kept: list[Span] = []
    trusted: list[tuple[int, int]] = []
    conf = Confirmation()

    def keep(group: list[Span], label: str, ok: bool, joined: bool = False) -> None:
        if not group:
            return
        target = conf.kept if ok else conf.dropped
        target[label] = target.get(label, 0) + len(group)
        if ok:
            kept.extend(group)
            trusted.extend([(min(s.start for s in group), max(s.end for s in group))] if joined
                           else [(s.start, s.end) for s in group])

    tables = settled_tables(doc, record, layer)
    by_table: dict[str, list[Span]] = {}
    for s in by_label.get("TABLE_CELL", []) + by_label.get("TABLE_LABEL", []):
        by_table.setdefault(str(s.attrs.get("table")), []).append(s)
    for name, group in by_table.items():
        keep(group, f"table:{name}", name in tables, joined=True)
    units = _metric_units()
    by_metric: dict[int, list[Span]] = {}
    for s in by_label.get("METRIC_VALUE", []) + by_label.get("METRIC_SUBJECT", []):
        by_metric.setdefault(s.attrs.get("metric"), []).append(s)
    for group in by_metric.values():
        value = next((s for s in group if s.label == "METRIC_VALUE"), None)
        ok = value is not None and len(group) == 2 and value.attrs.get("unit") in units
        keep(group, "metric", ok, joined=True)
    for s in by_label.get("AGENCY", []):
        keep([s], "AGENCY", _agency_ok(doc, s))
    for s in by_label.get("YEAR", []):
        keep([s], "YEAR", _year_ok(doc, s))
    for s in by_label.get("DATE", []):
        keep([s], "DATE", _date_ok(record))
    keep(by_label.get("SECTION", []), "SECTION", _sections_ok(by_label.get("SECTION", [])))
    out = AnnotatedDoc(id=doc_id, text=doc.text,
                       spans=[LabeledSpan(s.start, s.end, s.label) for s in sorted(kept, key=lambda s: s.start)],
                       meta={"source": doc.path, "weak_labels": layer, TRUSTED: [list(r) for r in merge_ranges(trusted)],
                             "confirmed": conf.kept, "unconfirmed": conf.dropped})
    return out, conf


def merge_ranges(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, overlapping or touching ranges joined."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(ranges):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def confirmed_file(path, doc_id: str) -> tuple[AnnotatedDoc, Confirmation]:
    """Read one report, run the rules, keep what the checks confirm; raises on an unreadable file."""
    from gainlp.pipeline import extract_document
    from gainlp.readers import ReadError, read

    doc = read(path)
    if not doc.text.strip():
        raise ReadError(str(path), "no text found (an empty file, or a scan without a text layer)")
    record = extract_document(doc)
    return confirmed_annotation(doc, record, doc_id)
