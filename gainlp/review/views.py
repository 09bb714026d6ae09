"""What the review pages show, computed once per record: cells with their kind, spans, checks, counts.

A cell's *kind* (:func:`cell_kind`) comes from its value and the text printed at its provenance span:

=========== ================================================================================
``value``   a number other than 0
``zero``    a printed 0
``blank``   null, printed blank (an empty span)
``slash``   null, printed "/"
``dash``    null, printed "—", "-", "－", "–" (one or more)
``mark``    null, printed some other non-number ("无", "/ 0"): the page shows what is printed
``ambiguous`` null with ``Provenance.candidates``: the text allows several values (shown)
``missing`` null and no span: no cell was found in the text (or the whole table is missing)
``null``    null with a span, but the text is not available to say how it is printed
=========== ================================================================================
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from gainlp.checks import first_metric, run_checks
from gainlp.labels import LABELS
from gainlp.record import METRIC_KEY, Check, Provenance, Record, Section
from gainlp.review.shapes import table_shape
from gainlp.review.texts import LoadedText
from gainlp.template import TABLE_NAMES, TEMPLATES, load_spec

# a value whose provenance confidence is below this is queued for review (as `gainlp annotate` marks
# spans below its MIN_SCORE)
LOW_CONFIDENCE = 0.9
HEADING_MAX = 60  # a section heading span runs to the end of its line, at most this many characters

# every kind of cell, with the words the page's legend and tooltips use for it
KIND_TEXT = {
    "value": "a number", "zero": "printed 0", "blank": "printed blank", "slash": "printed “/”",
    "dash": "printed “—”", "mark": "printed other text", "ambiguous": "ambiguous: the text allows several values",
    "missing": "missing: no cell found", "null": "null (text not available)",
}
KINDS = tuple(KIND_TEXT)
SLASHES = {"/", "／", "\\"}
_DASH = re.compile(r"^[—\-－–─━]+$")
FIELD_LABELS = {"agency": "AGENCY", "year": "YEAR", "published": "DATE"}

STATUS_FAIL, STATUS_AMBIGUOUS, STATUS_LOW, STATUS_OK = "failed checks", "ambiguous cells", "low confidence", "ok"


def cell_kind(value, prov: Provenance | None, text: str | None) -> tuple[str, str | None]:
    """(kind, printed text at the span) of one table cell; see the module docstring."""
    if value is not None:
        printed = text[prov.start:prov.end] if (prov is not None and text is not None) else None
        return ("zero" if value == 0 else "value"), printed
    if prov is None:
        return "missing", None
    if prov.candidates is not None:
        return "ambiguous", text[prov.start:prov.end] if text is not None else None
    if text is None:
        return "null", None
    printed = text[prov.start:prov.end]
    squeezed = "".join(printed.split())
    if not squeezed:
        return "blank", printed
    if squeezed in SLASHES:
        return "slash", printed
    if _DASH.match(squeezed):
        return "dash", printed
    return "mark", printed


# the span label of a value, by the first part of its provenance key (the page's script reads this too)
SPAN_LABELS = {"tables": "TABLE_CELL", "narrative_metrics": "METRIC_VALUE", "agency": "AGENCY", "year": "YEAR",
               "published": "DATE", "sections": "SECTION"}


def label_of(key: str) -> str:
    """The span label of a provenance key."""
    return SPAN_LABELS.get(key.split(".")[0], "TABLE_CELL")


def cell_title(key: str, template: str) -> str:
    """"表三 · 一、本年新收… · 自然人" for ``tables.applications.new_received.natural_person``."""
    _, table, row, col = key.split(".")
    raw = load_spec().raw["tables"][table]
    if "templates" in raw:
        raw = raw["templates"][template]
    rows = raw.get("rows") or raw.get("groups")
    r = rows.get(row, {})
    c = raw["columns"].get(col, {})
    return f"{r.get('printed') or (r.get('labels') or [row])[0]} · {(c.get('labels') or [col])[0]}"


def describe_check(check: Check, template: str) -> str:
    """A check in plain words (what should add up), for readers who do not know the check names."""
    parts = check.name.split(".")
    if parts[0] == "prose":
        return "a figure stated in the prose equals the table"
    table, kind, what = (parts + ["", ""])[:3]
    if table == "applications":
        layout = load_spec().table("applications", template)
        if kind == "balance":
            return f"column {layout.column(what).canonical}: 一 new + 二 carried over = (七) total handled + 四 carried forward"
        if kind == "total_row":
            return f"column {layout.column(what).canonical}: (七) total = the sum of the outcome rows (一)–(六)"
        if kind == "total_column":
            return f"row {layout.row(what).canonical}: 总计 = the sum of the applicant columns"
    if table == "review_litigation":
        return f"{load_spec().table(table, template).row(kind).canonical}: 总计 = 维持 + 纠正 + 其他 + 尚未审结"
    return check.name


@dataclass
class CellView:
    key: str
    value: int | float | None
    kind: str
    printed: str | None = None
    candidates: list | None = None
    layer: str | None = None
    confidence: float | None = None
    start: int | None = None
    end: int | None = None
    prev: int | float | None = None
    has_prev: bool = False

    @property
    def low(self) -> bool:
        return self.confidence is not None and self.confidence < LOW_CONFIDENCE

    def to_json(self) -> dict:
        out = {"v": self.value, "kind": self.kind}
        for k, v in (("printed", self.printed), ("cand", self.candidates), ("layer", self.layer),
                     ("conf", self.confidence), ("s", self.start), ("e", self.end)):
            if v is not None:
                out[k] = v
        if self.has_prev:
            out["prev"] = self.prev
        return out


@dataclass
class CheckView:
    name: str
    status: str
    detail: str
    cells: list[str]
    about: str

    @property
    def table(self) -> str:
        head = self.name.split(".")[0]
        return head if head in TABLE_NAMES else (self.cells[0].split(".")[1] if self.cells else "prose")


@dataclass
class ReportView:
    name: str
    record: Record
    text: LoadedText
    template: str
    cells: dict[str, CellView] = field(default_factory=dict)
    headings: list[list[int]] = field(default_factory=list)  # [start, end] of each section's heading span
    checks: list[CheckView] = field(default_factory=list)
    prev_name: str | None = None
    prev_year: int | None = None
    next_name: str | None = None

    # ------------------------------------------------------------------ counts (the review queue)

    @property
    def n_failed(self) -> int:
        return sum(c.status == Check.FAIL for c in self.record.checks)

    @property
    def n_not_assessable(self) -> int:
        return sum(c.status == Check.NOT_ASSESSABLE for c in self.record.checks)

    @property
    def n_ambiguous(self) -> int:
        return sum(c.kind == "ambiguous" for c in self.cells.values())

    @property
    def n_low(self) -> int:
        return sum(p.confidence < LOW_CONFIDENCE for p in self.record.provenance.values())

    @property
    def n_missing_tables(self) -> int:
        return sum(self.record.tables.get(n) is None for n in TABLE_NAMES)

    @property
    def status(self) -> str:
        if self.n_failed:
            return STATUS_FAIL
        if self.n_ambiguous:
            return STATUS_AMBIGUOUS
        if self.n_low:
            return STATUS_LOW
        return STATUS_OK

    def sort_key(self) -> tuple:
        return (-self.n_failed, -self.n_ambiguous, -self.n_low, -self.n_missing_tables, self.name)

    def queue_row(self) -> dict:
        r = self.record
        return {"name": self.name, "agency": r.agency or "", "year": r.year, "template": r.template or "",
                "status": self.status, "failed": self.n_failed, "ambiguous": self.n_ambiguous, "low": self.n_low,
                "not_assessable": self.n_not_assessable, "missing_tables": self.n_missing_tables,
                "warnings": len(r.warnings), "text": self.text.origin or "", "source": r.source.path or "",
                "format": r.source.format}

    # ------------------------------------------------------------------ data for the page's script

    def data(self) -> dict:
        r = self.record
        return {
            "id": self.name,
            "template": self.template,
            "text": self.text.text,
            "textOrigin": self.text.origin,
            "textNote": self.text.note,
            "spanLabels": SPAN_LABELS,
            "headings": self.headings,
            "cellTitles": {k: cell_title(k, self.template) for k in self.cells},
            "cells": {k: c.to_json() for k, c in self.cells.items()},
            "checks": [{"name": c.name, "status": c.status, "detail": c.detail, "cells": c.cells} for c in self.checks],
            "prevYear": self.prev_year,
            "kinds": KIND_TEXT,
            "labels": list(LABELS),
            "lowConfidence": LOW_CONFIDENCE,
            "record": r.to_dict(),
        }


def heading_end(text: str, section: Section) -> int:
    """Where a section's heading span ends: the end of its first line, at most HEADING_MAX characters."""
    line_end = text.find("\n", section.start)
    return min(section.end, section.start + HEADING_MAX, line_end if line_end >= 0 else len(text))


def build_view(name: str, record: Record, text: LoadedText, prev: Record | None = None,
               prev_name: str | None = None) -> ReportView:
    template = record.template if record.template in TEMPLATES else "2021"
    view = ReportView(name=name, record=record, text=text, template=template, prev_name=prev_name,
                      prev_year=prev.year if prev is not None else None)
    t = text.text
    # checks, with the cells each compares (recomputed: the record JSON does not carry them)
    cells_of = {c.name: list(c.cells) for c in run_checks(record)}
    metric_index = {id(m): i for i, m in enumerate(record.narrative_metrics)}
    for pc in load_spec().prose_checks:
        m = first_metric(record.narrative_metrics, pc)
        if m is not None and f"prose.{pc.name}" in cells_of:
            cells_of[f"prose.{pc.name}"] = [f"{METRIC_KEY}{metric_index[id(m)]}"] + [
                f"tables.{c}" for c in cells_of[f"prose.{pc.name}"]]
    for c in record.checks:
        cells = [k if k.startswith(("tables.", METRIC_KEY)) else f"tables.{k}" for k in cells_of.get(c.name, [])]
        view.checks.append(CheckView(c.name, c.status, c.detail, cells, describe_check(c, template)))
    # cells in the template's shape
    prev_template = prev.template if prev is not None else None
    for name_ in TABLE_NAMES:
        for key in table_shape(name_, template).keys():
            _, table, row, col = key.split(".")
            value = record.cell(table, row, col)
            prov = record.provenance.get(key)
            kind, printed = cell_kind(value, prov, t)
            cv = CellView(key, value, kind, printed)
            if prov is not None:
                cv.candidates, cv.layer, cv.confidence = prov.candidates, prov.method, prov.confidence
                cv.start, cv.end = prov.start, prov.end
            if prev is not None and prev_template == record.template and prev.tables.get(table) is not None:
                cv.has_prev, cv.prev = True, prev.cell(table, row, col)
            view.cells[key] = cv
    # the section headings' spans (the values' spans are the record's provenance)
    if t is not None:
        view.headings = [[sec.start, heading_end(t, sec)] for sec in record.sections]
    return view


def _agency_key(agency: str | None) -> str:
    return "".join((agency or "").split())


def link_years(records: dict[str, Record]) -> dict[str, tuple[str | None, str | None]]:
    """name -> (previous year's record name, next year's record name) of the same agency in the batch."""
    by: dict[tuple[str, int], str] = {}
    for name, r in sorted(records.items()):
        if r.agency and r.year is not None:
            by.setdefault((_agency_key(r.agency), r.year), name)
    out = {}
    for name, r in records.items():
        if r.agency and r.year is not None:
            k = _agency_key(r.agency)
            out[name] = (by.get((k, r.year - 1)), by.get((k, r.year + 1)))
        else:
            out[name] = (None, None)
    return out


def page_file(name: str) -> str:
    """The page of a record, relative to the site root."""
    return f"reports/{name}.html"


__all__ = ["KINDS", "KIND_TEXT", "LOW_CONFIDENCE", "CellView", "CheckView", "ReportView", "build_view", "cell_kind",
           "describe_check", "heading_end", "label_of", "link_years", "page_file"]
