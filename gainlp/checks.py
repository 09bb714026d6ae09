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
_TOLERANCE = 1e-6


class Term(NamedTuple):
    """One cell of an equation: its dotted key (for messages) and its value (None when null/missing).

    A named tuple rather than a frozen dataclass: every record makes hundreds, and a frozen dataclass
    sets each field through ``object.__setattr__`` (several times slower to build)."""

    key: str
    value: Number


# --------------------------------------------------------------------------------------------- rules


def balanced(lhs: Iterable[int | float], rhs: Iterable[int | float]) -> bool:
    """Is sum(lhs) equal to sum(rhs), within the tolerance that float cells need?"""
    return abs(sum(lhs) - sum(rhs)) <= _TOLERANCE


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


def _term(record: Record, table: str, row: str, col: str) -> Term:
    return Term(f"{row}.{col}", record.cell(table, row, col))


def _row_terms(record: Record, table: str, row: str, columns: Iterable[str]) -> list[Term]:
    """``[_term(record, table, row, c) for c in columns]``, looking the row up once (the checks' hot loop)."""
    cells = (record.tables.get(table) or {}).get(row, {})
    return [Term(f"{row}.{c}", cells.get(c)) for c in columns]


def _total_column_checks(record: Record, table: str, name_of) -> list[Check]:
    """Per row: the total column equals the sum of the row's other columns."""
    layout = _layout(record, table)
    checks = []
    for row in layout.rows:
        name = name_of(row.key)
        if record.tables.get(table) is None:
            checks.append(_missing_table(name, table))
            continue
        parts = _row_terms(record, table, row.key, total_column_parts(row.columns))
        checks.append(equation(name, _row_terms(record, table, row.key, (TOTAL,)), parts, table))
    return checks


def application_checks(record: Record) -> list[Check]:
    layout = _layout(record, APPLICATIONS)
    keys = [r.key for r in layout.rows]
    outcome_rows = keys[keys.index(INTAKE_ROWS[-1]) + 1 : keys.index(TOTAL)]
    columns = [c.key for c in layout.columns]
    present = record.tables.get(APPLICATIONS) is not None
    checks: list[Check] = []
    for col in columns:
        name = f"{APPLICATIONS}.balance.{col}"
        if not present:
            checks.append(_missing_table(name, APPLICATIONS))
            continue
        checks.append(equation(
            name,
            [_term(record, APPLICATIONS, r, col) for r in INTAKE_ROWS],
            [_term(record, APPLICATIONS, r, col) for r in (TOTAL, CARRIED_FORWARD)],
            APPLICATIONS,
        ))
    for col in columns:
        name = f"{APPLICATIONS}.total_row.{col}"
        if not present:
            checks.append(_missing_table(name, APPLICATIONS))
            continue
        checks.append(equation(
            name,
            [_term(record, APPLICATIONS, TOTAL, col)],
            [_term(record, APPLICATIONS, r, col) for r in outcome_rows],
            APPLICATIONS,
        ))
    checks += _total_column_checks(record, APPLICATIONS, lambda row: f"{APPLICATIONS}.total_column.{row}")
    return checks


def review_litigation_checks(record: Record) -> list[Check]:
    return _total_column_checks(record, REVIEW_LITIGATION, lambda group: f"{REVIEW_LITIGATION}.{group}.total")


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


__all__ = ["Term", "equation", "balanced", "total_column_holds", "fmt_number", "run_checks", "application_checks",
           "review_litigation_checks", "prose_checks", "first_metric"]
