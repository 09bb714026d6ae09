"""Consistency checks over a record: the sums the official templates promise, and prose against tables.

Tables are never repaired: a check reports what the report prints. Every check is ``lhs = rhs`` over
cells; its detail shows the numbers ("1+0 = 2+0"). A check with a null cell, a missing row or a missing
table is ``not_assessable`` and its detail names what is missing.

Which rows and columns take part comes from the template spec (gainlp.template): the applications
outcome rows are those between ``carried_over`` and ``total`` in template order; a total column is the sum
of the other columns of its row. Prose checks are data too (spec.yaml ``prose_checks``).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import NamedTuple

from gainlp.record import Check, Metric, Number, Record
from gainlp.template import TEMPLATES, TableLayout, label_key, load_spec

# The row and column keys that carry the template's own arithmetic (record-format.md; the note printed
# above table 3: 第一项加第二项之和，等于第三项加第四项之和).
TOTAL = "total"
INTAKE_ROWS = ("new_received", "carried_over")
CARRIED_FORWARD = "carried_forward"

APPLICATIONS = "applications"
REVIEW_LITIGATION = "review_litigation"

# a side of an equation with more terms than this is shown as its sum and its non-zero terms
_MAX_TERMS_SHOWN = 7
_MAX_MISSING_SHOWN = 4
SUM_TOLERANCE = 1e-6  # two sums are equal within this (float cells)


class Term(NamedTuple):
    """One cell of an equation: its dotted key (for messages) and its value (None when null/missing).

    A named tuple rather than a frozen dataclass: every record makes hundreds, and a frozen dataclass
    sets each field through ``object.__setattr__`` (several times slower to build)."""

    key: str
    value: Number


# --------------------------------------------------------------------------------------------- rules


def balanced(lhs: Iterable[int | float], rhs: Iterable[int | float]) -> bool:
    """Is sum(lhs) equal to sum(rhs), within the tolerance that float cells need?"""
    return abs(sum(lhs) - sum(rhs)) <= SUM_TOLERANCE


def total_column_parts(columns: Iterable[str]) -> list[str]:
    """The columns whose sum a row's total column holds: all the others."""
    return [c for c in columns if c != TOTAL]


def total_column_holds(cells: Mapping[str, int | float]) -> bool:
    """The templates' row rule on a row with a total column and no null cell: the total equals the sum of
    the other columns. The total_column checks apply it to records, the table parser to the readings of
    digits run together (gainlp.rules.tables)."""
    return balanced([cells[TOTAL]], [cells[c] for c in total_column_parts(cells)])


# --------------------------------------------------------------------------------------------- formatting


def fmt_number(v: int | float) -> str:
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(round(v, 6))
    return str(v)


def _fmt_side(terms: list[Term]) -> str:
    if len(terms) <= _MAX_TERMS_SHOWN:
        return "+".join([fmt_number(t.value) for t in terms])
    total = fmt_number(sum(t.value for t in terms))
    nonzero = [t for t in terms if t.value != 0]
    if not nonzero:
        return f"{total} [all {len(terms)} cells 0]"
    return f"{total} [" + " + ".join(f"{t.key.split('.')[0]} {fmt_number(t.value)}" for t in nonzero) + "]"


def equation(name: str, lhs: list[Term], rhs: list[Term], table: str | None = None) -> Check:
    """The check that sum(lhs) equals sum(rhs), with the numbers in its detail. ``table`` prefixes the
    terms' "row.col" keys into the cells the check covers (Check.cells)."""
    terms = lhs + rhs
    cells = tuple([f"{table}.{t.key}" for t in terms]) if table else ()
    missing = [t.key for t in terms if t.value is None]
    if missing:
        shown = ", ".join(missing[:_MAX_MISSING_SHOWN])
        more = f" (+{len(missing) - _MAX_MISSING_SHOWN} more)" if len(missing) > _MAX_MISSING_SHOWN else ""
        return Check(name, Check.NOT_ASSESSABLE, f"null: {shown}{more}", cells)
    ok = balanced([t.value for t in lhs], [t.value for t in rhs])
    return Check(name, Check.PASS if ok else Check.FAIL, f"{_fmt_side(lhs)} = {_fmt_side(rhs)}", cells)


def _missing_table(name: str, table: str) -> Check:
    return Check(name, Check.NOT_ASSESSABLE, f"table {table} missing")


# --------------------------------------------------------------------------------------------- tables


def _layout(record: Record, table: str) -> TableLayout:
    """The layout of the record's template; a record without one is read by the rows it holds."""
    spec = load_spec()
    template = record.template
    if template not in TEMPLATES:
        rows = set(record.tables.get(table) or ())
        fits = [t for t in reversed(TEMPLATES) if rows and rows <= {r.key for r in spec.table(table, t).rows}]
        template = fits[0] if fits else TEMPLATES[-1]
    return spec.table(table, template)


class Identity(NamedTuple):
    """One sum the template promises: the cells of ``lhs`` add up to those of ``rhs`` ("row.col" keys of
    one table). The checks test them on a record; the table parser reads digits run together with them."""

    name: str
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]

    @property
    def cells(self) -> tuple[str, ...]:
        return self.lhs + self.rhs


@lru_cache(maxsize=None)
def _identities(layout: TableLayout) -> tuple[Identity, ...]:
    def total_column(name_of) -> list[Identity]:
        return [Identity(name_of(r.key), (f"{r.key}.{TOTAL}",),
                         tuple(f"{r.key}.{c}" for c in total_column_parts(r.columns)))
                for r in layout.rows if TOTAL in r.columns]

    if layout.name == REVIEW_LITIGATION:
        return tuple(total_column(lambda group: f"{REVIEW_LITIGATION}.{group}.total"))
    if layout.name != APPLICATIONS:
        return ()
    keys = [r.key for r in layout.rows]
    outcome_rows = keys[keys.index(INTAKE_ROWS[-1]) + 1 : keys.index(TOTAL)]
    columns = [c.key for c in layout.columns]
    out = [Identity(f"{APPLICATIONS}.balance.{col}", tuple(f"{r}.{col}" for r in INTAKE_ROWS),
                    tuple(f"{r}.{col}" for r in (TOTAL, CARRIED_FORWARD))) for col in columns]
    out += [Identity(f"{APPLICATIONS}.total_row.{col}", (f"{TOTAL}.{col}",),
                     tuple(f"{r}.{col}" for r in outcome_rows)) for col in columns]
    out += total_column(lambda row: f"{APPLICATIONS}.total_column.{row}")
    return tuple(out)


def table_identities(table: str, template: str) -> tuple[Identity, ...]:
    """The sums a template's table promises, in the order the checks report them: for applications the
    balance of each column (一 + 二 = 总计 + 结转), the total row of each column, the total column of each
    row; for review_litigation the total of each group; none for active_disclosure."""
    return _identities(load_spec().table(table, template))


def _table_checks(record: Record, table: str) -> list[Check]:
    layout = _layout(record, table)
    present = record.tables.get(table) is not None
    checks = []
    for ident in _identities(layout):
        if not present:
            checks.append(_missing_table(ident.name, table))
            continue
        lhs = [_cell_term(record, table, k) for k in ident.lhs]
        rhs = [_cell_term(record, table, k) for k in ident.rhs]
        checks.append(equation(ident.name, lhs, rhs, table))
    return checks


def _cell_term(record: Record, table: str, key: str) -> Term:
    row, col = key.split(".")
    return Term(key, ((record.tables.get(table) or {}).get(row) or {}).get(col))


def application_checks(record: Record) -> list[Check]:
    return _table_checks(record, APPLICATIONS)


def review_litigation_checks(record: Record) -> list[Check]:
    return _table_checks(record, REVIEW_LITIGATION)


# --------------------------------------------------------------------------------------------- prose


def first_metric(metrics: list[Metric], prose_check) -> Metric | None:
    for m in sorted(metrics, key=lambda m: m.start):
        if m.unit in prose_check.units and prose_check.subject.search(label_key(m.subject, strip_numbering=False)):
            return m
    return None


def prose_checks(record: Record) -> list[Check]:
    """Figures stated in prose against the table cells that hold them; only where the prose states one."""
    checks = []
    for pc in load_spec().prose_checks:
        metric = first_metric(record.narrative_metrics, pc)
        if metric is None:
            continue
        name = f"prose.{pc.name}"
        cells = [Term(".".join(cell), record.cell(*cell)) for cell in pc.cells]
        check = equation(name, [Term(metric.subject, metric.value)], cells)
        check.cells = tuple(t.key for t in cells)
        check.detail = f"{metric.subject} {fmt_number(metric.value)}{metric.unit}: {check.detail}"
        checks.append(check)
    return checks


# --------------------------------------------------------------------------------------------- entry


def run_checks(record: Record) -> list[Check]:
    """All checks of a record, in a stable order: applications, review_litigation, prose."""
    return application_checks(record) + review_litigation_checks(record) + prose_checks(record)


__all__ = ["Term", "Identity", "table_identities", "equation", "balanced", "total_column_holds", "fmt_number", "run_checks", "application_checks",
           "review_litigation_checks", "prose_checks", "first_metric"]
