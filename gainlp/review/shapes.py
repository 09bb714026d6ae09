"""The three template tables drawn in the shape the official forms print them, from the template spec.

Every row, column, group and header label comes from ``gainlp/template/spec.yaml`` (through
:func:`gainlp.template.load_spec`): the rows and columns of each template, their printed labels and
numbering, the 第二十条 clauses, the applicant column groups (``column_groups``), the outcome groups and
their parents (``printed_form.applications.group_parents``) and the litigation super-header
(``printed_form.review_litigation.super_headers``). A shape is a list of header rows and body rows of
:class:`GridCell`; a body cell with a ``key`` is a record cell (``tables.<table>.<row>.<col>``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from gainlp.template import TABLE_NAMES, TEMPLATES, load_spec


@dataclass
class GridCell:
    text: str = ""
    key: str | None = None   # "tables.<table>.<row>.<col>" for a value cell
    header: bool = True
    colspan: int = 1
    rowspan: int = 1
    cls: str = ""


@dataclass
class Shape:
    name: str
    title: str
    section: int
    template: str
    head: list[list[GridCell]] = field(default_factory=list)
    body: list[list[GridCell]] = field(default_factory=list)

    def keys(self) -> list[str]:
        return [c.key for row in self.body for c in row if c.key]


def _raw_table(name: str) -> dict:
    return load_spec().raw["tables"][name]


def _printed_form(name: str) -> dict:
    return load_spec().raw.get("printed_form", {}).get(name, {})


def _first(raw: dict) -> str:
    return raw.get("printed") or raw["labels"][0]


def _start(name: str, template: str):
    """The layout of a table, its raw spec block, and an empty shape to fill."""
    spec = load_spec()
    table = spec.tables[name]
    return spec.table(name, template), _raw_table(name), Shape(name, table.title, table.section, template)


def _value(table: str, row: str, col: str) -> GridCell:
    return GridCell(key=f"tables.{table}.{row}.{col}", header=False)


# --------------------------------------------------------------------------------------- active disclosure

def _active_disclosure(template: str) -> Shape:
    name = "active_disclosure"
    layout, raw, shape = _start(name, template)
    raw = raw["templates"][template]
    printed = _printed_form(name)
    col_text = {k: _first(c) for k, c in raw["columns"].items()}
    col_text.update(printed.get("columns", {}).get(template, {}))
    width = 1 + max(len(r.columns) for r in layout.rows)
    blocks: list[tuple[str, list]] = []
    for row in layout.rows:
        if not blocks or blocks[-1][0] != row.clause:
            blocks.append((row.clause, []))
        blocks[-1][1].append(row)
    for clause, rows in blocks:
        shape.body.append([GridCell(clause or "", colspan=width, cls="clause")])
        columns = rows[0].columns
        head = [GridCell(printed.get("content_header", ""))]
        head += [GridCell(col_text[c], colspan=(width - len(columns) if i == len(columns) - 1 else 1))
                 for i, c in enumerate(columns)]
        shape.body.append(head)
        for row in rows:
            line = [GridCell(_first(raw["rows"][row.key]), cls="rowlabel")]
            for i, c in enumerate(row.columns):
                cell = _value(name, row.key, c)
                cell.colspan = width - len(row.columns) if i == len(row.columns) - 1 else 1
                line.append(cell)
            shape.body.append(line)
    return shape


# --------------------------------------------------------------------------------------- applications

def _applications(template: str) -> Shape:
    name = "applications"
    layout, raw, shape = _start(name, template)
    printed = _printed_form(name)
    columns = [c.key for c in layout.columns]
    col_text = {k: _first(c) for k, c in raw["columns"].items()}
    grouped = {c: g for g, cs in raw.get("column_groups", {}).items() if isinstance(cs, list) for c in cs}
    # three header rows: note + 申请人情况; single columns and column groups; grouped columns
    shape.head.append([GridCell(raw.get("note", ""), colspan=3, rowspan=3, cls="note"),
                       GridCell(printed.get("header", ""), colspan=len(columns))])
    second, third, seen = [], [], set()
    for c in columns:
        group = grouped.get(c)
        if group is None:
            second.append(GridCell(col_text[c], rowspan=2))
        elif group not in seen:
            seen.add(group)
            second.append(GridCell(group, colspan=sum(1 for x in columns if grouped.get(x) == group)))
            third += [GridCell(col_text[x]) for x in columns if grouped.get(x) == group]
    shape.head += [second, third]

    group_raw = raw.get("groups", {})
    parents = printed.get("group_parents", {})
    present_groups = {g.key for g in layout.groups}

    def label(key: str, r: dict) -> str:
        number = r.get("number", "")
        if isinstance(number, (int, float)):  # YAML reads a bare "1." as the number 1.0
            number = f"{int(number)}."
        return f"{number}{_first(r)}"

    def top(group: str | None) -> str | None:
        return parents.get(group, group) if group else None

    rows = layout.rows
    top_count: dict[str, int] = {}
    group_count: dict[str, int] = {}
    for row in rows:
        if row.group:
            top_count[top(row.group)] = top_count.get(top(row.group), 0) + 1
            group_count[row.group] = group_count.get(row.group, 0) + 1
    started: set[str] = set()
    for row in rows:
        line: list[GridCell] = []
        r = raw["rows"][row.key]
        if row.group is None:
            line.append(GridCell(label(row.key, r), colspan=3, cls="rowlabel"))
        else:
            t = top(row.group)
            if t not in started:
                started.add(t)
                line.append(GridCell(label(t, group_raw[t]), rowspan=top_count[t], cls="grouplabel"))
            if row.group == t or row.group not in present_groups:
                line.append(GridCell(label(row.key, r), colspan=2, cls="rowlabel"))
            else:
                if row.group not in started:
                    started.add(row.group)
                    line.append(GridCell(label(row.group, group_raw[row.group]), rowspan=group_count[row.group],
                                         cls="grouplabel"))
                line.append(GridCell(label(row.key, r), cls="rowlabel"))
        line += [_value(name, row.key, c) for c in row.columns]
        shape.body.append(line)
    return shape


# --------------------------------------------------------------------------------------- review / litigation

def _review_litigation(template: str) -> Shape:
    name = "review_litigation"
    layout, raw, shape = _start(name, template)
    supers = _printed_form(name).get("super_headers", {})
    under = {g: s for s, gs in supers.items() for g in gs}
    first, second, third, body = [], [], [], []
    done: set[str] = set()
    for group in layout.rows:
        n = len(group.columns)
        text = _first(raw["groups"][group.key])
        sup = under.get(group.key)
        if sup is None:
            first.append(GridCell(text, colspan=n, rowspan=2))
        else:
            if sup not in done:
                done.add(sup)
                first.append(GridCell(sup, colspan=sum(len(layout.row(g).columns) for g in supers[sup])))
            second.append(GridCell(text, colspan=n))
        third += [GridCell(_first(raw["columns"][c])) for c in group.columns]
        body += [_value(name, group.key, c) for c in group.columns]
    shape.head = [first, second, third]
    shape.body = [body]
    return shape


_BUILDERS = {"active_disclosure": _active_disclosure, "applications": _applications,
             "review_litigation": _review_litigation}


@lru_cache(maxsize=None)
def table_shape(name: str, template: str) -> Shape:
    """The printed shape of one table of one template ("2019" or "2021")."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown template {template!r}; known: {', '.join(TEMPLATES)}")
    return _BUILDERS[name](template)


def shapes(template: str) -> list[Shape]:
    return [table_shape(name, template) for name in TABLE_NAMES]


__all__ = ["GridCell", "Shape", "table_shape", "shapes"]
