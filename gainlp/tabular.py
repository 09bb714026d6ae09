"""Research tables: a batch's records as long tables that load in one line (Parquet via pyarrow).

- ``documents``: one row per input file (path, sha256, status, agency, year, template, published, versions);
- ``cells``: one row per table cell (document, table, row, column, value, the printed text, its kind,
  method, confidence, start, end, candidates);
- ``checks``: one row per check with its status and the numbers compared (per report, and across reports);
- ``metrics``: one row per narrative metric; ``warnings``: one row per warning;
- the codebook: every cell key of both templates with its printed Chinese labels.

:func:`report_rows` builds a report's rows from its record and the text the reader produced (the
printed text and kind of a cell come from the text at the cell's provenance span). It runs in the
worker, where the text is at hand, and again when the batch rebuilds its aggregates from the files
it wrote (``<name>.json`` and ``text/<name>.txt``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import pyarrow as pa

from gainlp.record import Record
from gainlp.template import TABLE_NAMES, TEMPLATES, load_spec
from gainlp.text import to_halfwidth

TABLES = ("documents", "cells", "checks", "metrics", "warnings")

KINDS = ("number", "zero", "blank", "slash", "dash", "ambiguous", "missing")
_SLASH = set("/\\")
_DASH = set("-—–_~―‐‑‒")
_BLANK_WORDS = {"无", "空", "暂无", "null", "none", "n/a", "na"}

SCHEMAS: dict[str, pa.Schema] = {
    "documents": pa.schema([
        ("document", pa.string()), ("path", pa.string()), ("sha256", pa.string()), ("format", pa.string()),
        ("status", pa.string()), ("error", pa.string()), ("agency", pa.string()), ("year", pa.int32()),
        ("template", pa.string()), ("published", pa.string()), ("checks_failed", pa.int32()),
        ("warnings", pa.int32()), ("seconds", pa.float64()), ("gainlp_version", pa.string()),
        ("model_version", pa.string()), ("extracted_at", pa.string()),
    ]),
    "cells": pa.schema([
        ("document", pa.string()), ("table", pa.string()), ("row", pa.string()), ("column", pa.string()),
        ("value", pa.float64()), ("text", pa.string()), ("kind", pa.string()), ("method", pa.string()),
        ("confidence", pa.float64()), ("start", pa.int64()), ("end", pa.int64()),
        ("candidates", pa.list_(pa.float64())),
    ]),
    "checks": pa.schema([
        ("document", pa.string()), ("scope", pa.string()), ("name", pa.string()), ("status", pa.string()),
        ("detail", pa.string()), ("cells", pa.list_(pa.string())), ("values", pa.list_(pa.float64())),
        ("other_document", pa.string()),
    ]),
    "metrics": pa.schema([
        ("document", pa.string()), ("index", pa.int32()), ("subject", pa.string()), ("value", pa.float64()),
        ("unit", pa.string()), ("section", pa.int32()), ("start", pa.int64()), ("end", pa.int64()),
        ("method", pa.string()), ("confidence", pa.float64()),
    ]),
    "warnings": pa.schema([("document", pa.string()), ("index", pa.int32()), ("warning", pa.string())]),
}


@dataclass
class Rows:
    """Columns of one or more tables, as lists (cheap to pickle, appended without copying rows)."""

    columns: dict[str, dict[str, list]] = field(default_factory=dict)

    def add(self, _table: str, **row: Any) -> None:
        cols = self.columns.get(_table)
        if cols is None:
            cols = self.columns[_table] = {name: [] for name in SCHEMAS[_table].names}
        for name in cols:
            cols[name].append(row.get(name))

    def add_many(self, _table: str, tuples: list[tuple]) -> None:
        """Rows given as tuples in the schema's column order."""
        if not tuples:
            return
        names = SCHEMAS[_table].names
        cols = self.columns.setdefault(_table, {name: [] for name in names})
        for name, values in zip(names, zip(*tuples)):
            cols[name].extend(values)

    def extend(self, other: "Rows") -> None:
        for table, cols in other.columns.items():
            mine = self.columns.get(table)
            if mine is None:
                self.columns[table] = {k: list(v) for k, v in cols.items()}
            else:
                for k, v in cols.items():
                    mine[k].extend(v)

    def n(self, table: str) -> int:
        cols = self.columns.get(table)
        return len(next(iter(cols.values()))) if cols else 0

    def arrow(self, table: str) -> pa.Table:
        cols = self.columns.get(table) or {name: [] for name in SCHEMAS[table].names}
        return pa.Table.from_pydict(cols, schema=SCHEMAS[table])


# --------------------------------------------------------------------------------------------- kinds


def cell_kind(value: Any, printed: str | None, candidates: list | None) -> str:
    """number / zero / blank / slash / dash / ambiguous / missing (see the module doc)."""
    if value is not None:
        return "zero" if value == 0 else "number"
    if candidates:
        return "ambiguous"
    if printed is None:
        return "missing"
    s = "".join(to_halfwidth(printed).split())
    if not s or s.lower() in _BLANK_WORDS:
        return "blank"
    if set(s) <= _SLASH:
        return "slash"
    if set(s) <= _DASH:
        return "dash"
    return "missing"


def _span_text(text: str | None, start: int, end: int) -> str | None:
    if text is None or not (0 <= start <= end <= len(text)):
        return None
    return text[start:end]


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


# --------------------------------------------------------------------------------------------- rows


def report_rows(document: str, record: Record, text: str | None) -> Rows:
    """The cells, checks, metrics and warnings rows of one report."""
    rows = Rows()
    spec = load_spec()
    template = record.template or "2021"
    provenance = record.provenance
    cells_out: list[tuple] = []
    for table in TABLE_NAMES:
        cells = record.tables.get(table)
        if cells is None:
            continue
        keys = [(r.key, c) for r in spec.table(table, template).rows for c in r.columns]
        known = set(keys)
        keys += [(r, c) for r, cols in cells.items() for c in cols if (r, c) not in known]
        prefix = f"tables.{table}."
        for row, col in keys:
            value = cells.get(row, {}).get(col)
            prov = provenance.get(f"{prefix}{row}.{col}")
            if prov is None:
                cells_out.append((document, table, row, col, value, None, cell_kind(value, None, None),
                                  None, None, None, None, None))
                continue
            printed = _span_text(text, prov.start, prov.end)
            candidates = prov.candidates
            cells_out.append((document, table, row, col, value, printed, cell_kind(value, printed, candidates),
                              prov.method, prov.confidence, prov.start, prov.end,
                              [float(x) for x in candidates] if candidates else None))
    rows.add_many("cells", cells_out)
    checks_out = []
    for check in record.checks:
        values = [record.cell(*cell.split(".", 2)) for cell in check.cells if cell.count(".") >= 2]
        checks_out.append((document, "report", check.name, check.status, check.detail, list(check.cells),
                           values, None))
    rows.add_many("checks", checks_out)
    for i, m in enumerate(record.narrative_metrics):
        prov = record.metric_provenance(i)
        rows.add("metrics", document=document, index=i, subject=m.subject, value=_float(m.value), unit=m.unit,
                 section=m.section, start=m.start, end=m.end, method=prov.method if prov else None,
                 confidence=prov.confidence if prov else None)
    for i, w in enumerate(record.warnings):
        rows.add("warnings", document=document, index=i, warning=w)
    return rows


# --------------------------------------------------------------------------------------------- codebook

SCALAR_LABELS = {  # the records.csv / documents columns that are not table cells
    "path": "文件路径", "format": "文件格式", "sha256": "文件SHA-256", "agency": "发布机关", "year": "报告年度",
    "published": "发布日期", "template": "表格模板（2019：国办公开办函〔2019〕60号；2021：〔2021〕30号）",
    "sections": "报告章节", "n_metrics": "正文数字指标个数", "checks_failed": "未通过的勾稽校验个数",
    "warnings": "提示",
}
CODEBOOK_SCHEMA = pa.schema([
    ("key", pa.string()), ("template", pa.string()), ("table", pa.string()), ("table_title", pa.string()),
    ("row", pa.string()), ("column", pa.string()), ("group_label", pa.string()), ("number", pa.string()),
    ("row_label", pa.string()), ("column_label", pa.string()),
])


def codebook_rows() -> Iterable[dict[str, Any]]:
    """Every cell key of both templates (``table.row.column``, the records.csv column) with its
    printed labels, then the scalar columns (template "all")."""
    spec = load_spec()
    for template in TEMPLATES:
        for name in TABLE_NAMES:
            table = spec.tables[name]
            layout = table.layout(template)
            groups = {g.key: g.canonical for g in layout.groups}
            for r in layout.rows:
                for c in r.columns:
                    yield {"key": f"{name}.{r.key}.{c}", "template": template, "table": name,
                           "table_title": table.title, "row": r.key, "column": c,
                           "group_label": groups.get(r.group) if r.group else None,
                           "number": None if r.number is None else str(r.number),
                           "row_label": r.printed or r.canonical, "column_label": layout.column(c).canonical}
    for key, label in SCALAR_LABELS.items():
        yield {"key": key, "template": "all", "table": None, "table_title": None, "row": None, "column": None,
               "group_label": None, "number": None, "row_label": label, "column_label": None}


def codebook_table() -> pa.Table:
    return pa.Table.from_pylist(list(codebook_rows()), schema=CODEBOOK_SCHEMA)


__all__ = ["TABLES", "KINDS", "SCHEMAS", "Rows", "cell_kind", "report_rows", "codebook_rows", "codebook_table",
           "CODEBOOK_SCHEMA"]
