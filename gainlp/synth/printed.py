"""The printed form of the template tables as cell grids, built from the spec (nothing hard-coded).

A :class:`PrintedTable` is the grid of the official blank form: rows of :class:`GridCell` with
rowspan/colspan exactly like the State Council's DOCX form (title rows "第二十条第（一）项", header rows,
grouping cells "三、本年度办理结果" spanning their rows, value cells). Every writer -- the text layouts, the
HTML table and the DOCX form -- walks this one grid.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import lru_cache

from gainlp.template import TABLE_NAMES, RowSpec, TableLayout, load_spec

# cell kinds
TITLE = "title"    # 第二十条第（一）项
HEADER = "header"  # column header text (信息内容, 本年制发件数, 申请人情况, 行政复议 …)
GROUP = "group"    # grouping label spanning rows (三、本年度办理结果, （三）不予公开)
LABEL = "label"    # row label (一、本年新收政府信息公开申请数量)
NOTE = "note"      # the arithmetic note printed in the corner of table 3
VALUE = "value"    # a number (or blank) of the record

LABEL_KINDS = (TITLE, HEADER, GROUP, LABEL)  # printed as TABLE_LABEL


@dataclass
class GridCell:
    kind: str
    text: str = ""        # printed text (labels); value cells are filled in by the writer
    row: int = 0
    col: int = 0
    rowspan: int = 1
    colspan: int = 1
    key: tuple[str, str] | None = None  # (record row, record column) of a value cell
    spec_labels: tuple[str, ...] = ()   # matching variants (keys) of a row/column label, for re-wording


@dataclass
class PrintedTable:
    name: str
    template: str
    width: int
    rows: list[list[GridCell]] = field(default_factory=list)  # cells whose top-left lies in each row
    header_rows: int = 0  # how many of the first rows are header rows (per 第二十条 block for table 2)

    def covered(self) -> dict[tuple[int, int], GridCell]:
        """Grid positions covered by a span of a cell starting elsewhere -> that cell."""
        out = {}
        for row in self.rows:
            for c in row:
                for r in range(c.row, c.row + c.rowspan):
                    for k in range(c.col, c.col + c.colspan):
                        if (r, k) != (c.row, c.col):
                            out[(r, k)] = c
        return out

    def value_cells(self) -> list[GridCell]:
        return [c for row in self.rows for c in row if c.kind == VALUE]


def _printed_form() -> dict:
    return load_spec().raw.get("printed_form", {})


def fmt_number_prefix(number) -> str:
    """A row's numbering as printed: YAML reads "1." as the float 1.0."""
    if number is None:
        return ""
    if isinstance(number, float):
        return f"{int(number)}."
    return str(number)


def row_text(row: RowSpec) -> str:
    return fmt_number_prefix(row.number) + (row.printed or row.canonical)


def _raw_table(name: str) -> dict:
    return load_spec().raw["tables"][name]


# ------------------------------------------------------------------------------------------ table 2


def _active_disclosure(layout: TableLayout) -> PrintedTable:
    form = _printed_form()["active_disclosure"]
    col_text = form["columns"].get(layout.template, {})
    blocks: list[tuple[str, list[RowSpec]]] = []
    for row in layout.rows:
        if blocks and blocks[-1][0] == row.clause:
            blocks[-1][1].append(row)
        else:
            blocks.append((row.clause, [row]))
    width = 1 + max(len(r.columns) for r in layout.rows)
    t = PrintedTable("active_disclosure", layout.template, width)

    def spans(n_cols: int) -> list[int]:  # the last cell of a short row spans the rest
        return [1] * (n_cols - 1) + [width - n_cols]

    for clause, rows in blocks:
        r = len(t.rows)
        t.rows.append([GridCell(TITLE, clause, r, 0, colspan=width)])
        cols = rows[0].columns
        header = [GridCell(HEADER, form["content_header"], r + 1, 0)]
        k = 1
        for ck, span in zip(cols, spans(len(cols))):
            c = layout.column(ck)
            header.append(GridCell(HEADER, col_text.get(ck, c.canonical), r + 1, k, colspan=span,
                                   spec_labels=c.labels))
            k += span
        t.rows.append(header)
        for row in rows:
            rr = len(t.rows)
            cells = [GridCell(LABEL, row_text(row), rr, 0, spec_labels=row.labels)]
            k = 1
            for ck, span in zip(row.columns, spans(len(row.columns))):
                cells.append(GridCell(VALUE, "", rr, k, colspan=span, key=(row.key, ck)))
                k += span
            t.rows.append(cells)
    t.header_rows = 2
    return t


# ------------------------------------------------------------------------------------------ table 3


def _applications(layout: TableLayout) -> PrintedTable:
    raw = _raw_table("applications")
    form = _printed_form()["applications"]
    parents: dict[str, str] = form.get("group_parents", {})
    groups = {g.key: g for g in layout.groups}
    raw_groups = raw.get("groups", {})

    def chain(row: RowSpec) -> list[str]:  # the grouping cells left of a row label, outermost first
        if row.group is None:
            return []
        return ([parents[row.group]] if row.group in parents else []) + [row.group]

    chains = [chain(r) for r in layout.rows]
    label_cols = 1 + max(len(c) for c in chains)
    n_values = len(layout.columns)
    width = label_cols + n_values
    t = PrintedTable("applications", layout.template, width)

    # header: the note over all label columns; 申请人情况 over the value columns; column groups
    t.rows.append([GridCell(NOTE, raw.get("note", ""), 0, 0, rowspan=3, colspan=label_cols),
                   GridCell(HEADER, form["header"], 0, label_cols, colspan=n_values)])
    top, sub = [], []
    grouped: dict[str, str] = {}
    for gname, members in raw.get("column_groups", {}).items():
        if isinstance(members, list):
            for m in members:
                grouped[m] = gname
    k = label_cols
    seen_groups = set()
    for col in layout.columns:
        g = grouped.get(col.key)
        if g is None:
            top.append(GridCell(HEADER, col.canonical, 1, k, rowspan=2, spec_labels=col.labels))
        else:
            if g not in seen_groups:
                seen_groups.add(g)
                n = sum(1 for c in layout.columns if grouped.get(c.key) == g)
                top.append(GridCell(HEADER, g, 1, k, colspan=n))
            sub.append(GridCell(HEADER, col.canonical, 2, k, spec_labels=col.labels))
        k += 1
    t.rows += [top, sub]
    t.header_rows = 3
    for i, row in enumerate(layout.rows):
        rr = len(t.rows)
        cells = []
        for level, g in enumerate(chains[i]):
            if i == 0 or len(chains[i - 1]) <= level or chains[i - 1][level] != g:
                run = 1
                while i + run < len(layout.rows) and len(chains[i + run]) > level and chains[i + run][level] == g:
                    run += 1
                gtext = fmt_number_prefix(raw_groups.get(g, {}).get("number")) + groups[g].canonical
                cells.append(GridCell(GROUP, gtext, rr, level, rowspan=run, spec_labels=groups[g].labels))
        depth = len(chains[i])
        cells.append(GridCell(LABEL, row_text(row), rr, depth, colspan=label_cols - depth, spec_labels=row.labels))
        for j, col in enumerate(row.columns):
            cells.append(GridCell(VALUE, "", rr, label_cols + j, key=(row.key, col)))
        t.rows.append(cells)
    return t


# ------------------------------------------------------------------------------------------ table 4


def _review_litigation(layout: TableLayout) -> PrintedTable:
    supers: dict[str, list[str]] = _printed_form()["review_litigation"].get("super_headers", {})
    super_of = {g: s for s, gs in supers.items() for g in gs}
    n_cols = len(layout.columns)
    width = n_cols * len(layout.rows)
    t = PrintedTable("review_litigation", layout.template, width)
    r0, r1, r2, data = [], [], [], []
    done_supers = set()
    for gi, group in enumerate(layout.rows):
        k = gi * n_cols
        s = super_of.get(group.key)
        if s is None:
            r0.append(GridCell(HEADER, group.canonical, 0, k, colspan=n_cols, spec_labels=group.labels))
            for j, col in enumerate(group.columns):
                c = layout.column(col)
                r1.append(GridCell(HEADER, c.canonical, 1, k + j, rowspan=2, spec_labels=c.labels))
        else:
            if s not in done_supers:
                done_supers.add(s)
                r0.append(GridCell(HEADER, s, 0, k, colspan=n_cols * len(supers[s])))
            r1.append(GridCell(HEADER, group.canonical, 1, k, colspan=n_cols, spec_labels=group.labels))
            for j, col in enumerate(group.columns):
                c = layout.column(col)
                r2.append(GridCell(HEADER, c.canonical, 2, k + j, spec_labels=c.labels))
        for j, col in enumerate(group.columns):
            data.append(GridCell(VALUE, "", 3, k + j, key=(group.key, col)))
    t.rows = [r0, r1, r2, data]
    t.header_rows = 3
    return t


_BUILDERS = {"active_disclosure": _active_disclosure, "applications": _applications,
             "review_litigation": _review_litigation}


@lru_cache(maxsize=None)
def _printed_table(name: str, template: str) -> PrintedTable:
    return _BUILDERS[name](load_spec().table(name, template))


def printed_table(name: str, template: str, rng: random.Random | None = None, variant_rate: float = 0.06) -> PrintedTable:
    """The printed grid of one table; with ``rng`` some labels are re-worded to other spec variants.

    Only variants that keep most of the label are printed ("行政执法案卷" for "属于行政执法案卷"); the short
    ones exist for matching wrapped or cut labels, not as printed forms.
    """
    base = _printed_table(name, template)
    rows = [[GridCell(**vars(c)) for c in row] for row in base.rows]
    if rng is not None:
        limit = load_spec().exact_max_len
        for row in rows:
            for c in row:
                full = c.spec_labels[0] if c.spec_labels else ""
                others = [v for v in c.spec_labels[1:] if len(v) > limit and len(v) >= 0.6 * len(full)]
                if c.kind in (HEADER, LABEL) and others and rng.random() < variant_rate:
                    prefix = c.text[: len(c.text) - len(c.text.lstrip("一二三四五六七八九十、（）()0123456789."))]
                    c.text = prefix + rng.choice(others)
    return PrintedTable(base.name, base.template, base.width, rows, base.header_rows)


def all_printed_tables(template: str) -> dict[str, PrintedTable]:
    return {name: printed_table(name, template) for name in TABLE_NAMES}


__all__ = ["GridCell", "PrintedTable", "printed_table", "all_printed_tables", "row_text", "fmt_number_prefix",
           "TITLE", "HEADER", "GROUP", "LABEL", "NOTE", "VALUE", "LABEL_KINDS"]
