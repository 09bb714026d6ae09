"""Random, arithmetically consistent table values, and how each value is printed.

``random_tables(rng, template)`` draws the three tables of a template so that every check of
record-format.md holds (gainlp.checks decides): per column new_received + carried_over = total +
carried_forward; the total row is the sum of the outcome rows; the total column is the sum of the six
applicant columns; each review group's total is the sum of its four cells. Most reports print small
numbers and many zeros; some print large ones (huaian: 447228, 96171.6 万元). Blank cells are null.
``break_one_check`` then changes one printed cell so that a named check fails.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from gainlp.checks import APPLICATIONS, CARRIED_FORWARD, INTAKE_ROWS, REVIEW_LITIGATION, TOTAL, run_checks
from gainlp.record import Check, Record, Source
from gainlp.template import TABLE_NAMES, load_spec

Tables = dict[str, dict[str, dict[str, int | float | None]]]

SCALES = ("zero", "tiny", "small", "medium", "large")
_SCALE_WEIGHTS = (0.22, 0.3, 0.25, 0.15, 0.08)
_SCALE_MAX = {"zero": 0, "tiny": 3, "small": 30, "medium": 400, "large": 4000}
# relative weight of each applicant column (natural persons file most requests)
_APPLICANT_WEIGHT = {"natural_person": 1.0, "commercial": 0.15, "research": 0.02, "social_welfare": 0.02,
                     "legal_services": 0.05, "other_org": 0.04}
# relative weight of each outcome row (most requests are granted or answered "not held")
_OUTCOME_WEIGHT = {"granted": 8.0, "partially_granted": 1.5, "unavailable_not_held": 3.0,
                   "unavailable_needs_creation": 0.4, "unavailable_unclear": 0.3, "not_processed_petition": 0.6,
                   "not_processed_repeat": 0.4, "other_other": 0.6, "other": 0.8, "other_overdue_correction": 0.5,
                   "withheld_third_party": 0.2, "withheld_process_info": 0.2, "withheld_inquiry": 0.3}
BLANK_STYLES = ("none", "zeros_blank", "column_blank", "totals_only", "row_blank")
_BLANK_WEIGHTS = (0.7, 0.1, 0.06, 0.08, 0.06)


def skewed(rng: random.Random, high: int) -> int:
    """A count in [0, high], most often small: real tables are mostly zeros and small numbers."""
    if high <= 0:
        return 0
    x = rng.random() ** 2.2
    return int(round(x * high))


def _split(rng: random.Random, total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split a count over keys by weight (a multinomial draw)."""
    keys = list(weights)
    out = {k: 0 for k in keys}
    if total <= 0:
        return out
    if total > 2000:  # proportional split with a random remainder: fast for big counts
        wsum = sum(weights.values())
        for k in keys:
            out[k] = int(total * weights[k] / wsum * rng.uniform(0.6, 1.4))
        over = sum(out.values()) - total
        while over > 0:
            k = max(out, key=out.get)
            take = min(over, out[k])
            out[k] -= take
            over -= take
        out[keys[0]] += total - sum(out.values())
        return out
    for k in rng.choices(keys, weights=[weights[k] for k in keys], k=total):
        out[k] += 1
    return out


# ------------------------------------------------------------------------------------------ the tables


def _applications(rng: random.Random, template: str, scale: str) -> dict[str, dict[str, int]]:
    layout = load_spec().table(APPLICATIONS, template)
    keys = [r.key for r in layout.rows]
    outcome_rows = keys[keys.index(INTAKE_ROWS[-1]) + 1 : keys.index(TOTAL)]
    applicants = [c.key for c in layout.columns if c.key != TOTAL]
    t = {r: {c: 0 for c in layout.row(r).columns} for r in keys}
    high = _SCALE_MAX[scale]
    new_total = skewed(rng, high)
    aw = {c: _APPLICANT_WEIGHT.get(c, 0.05) * rng.uniform(0.3, 1.7) for c in applicants}
    new = _split(rng, new_total, aw)
    ow = {r: _OUTCOME_WEIGHT.get(r, 0.05) * rng.uniform(0.2, 1.8) for r in outcome_rows}
    for c in applicants:
        carried = skewed(rng, max(1, new[c] // 8)) if new[c] and rng.random() < 0.35 else 0
        available = new[c] + carried
        forward = skewed(rng, max(1, available // 6)) if available and rng.random() < 0.35 else 0
        forward = min(forward, available)
        t["new_received"][c], t["carried_over"][c], t[CARRIED_FORWARD][c] = new[c], carried, forward
        for r, v in _split(rng, available - forward, ow).items():
            t[r][c] = v
        t[TOTAL][c] = available - forward
    for r in keys:
        t[r][TOTAL] = sum(t[r][c] for c in applicants)
    return t


def _review(rng: random.Random, template: str, scale: str) -> dict[str, dict[str, int]]:
    layout = load_spec().table(REVIEW_LITIGATION, template)
    high = {"zero": 0, "tiny": 1, "small": 3, "medium": 20, "large": 150}[scale]
    t = {}
    for group in layout.rows:
        parts = [c for c in group.columns if c != TOTAL]
        cells = {c: (skewed(rng, high) if rng.random() < 0.5 else 0) for c in parts}
        cells[TOTAL] = sum(cells.values())
        t[group.key] = {c: cells[c] for c in group.columns}
    return t


def _active(rng: random.Random, template: str, scale: str) -> dict[str, dict[str, int | float]]:
    layout = load_spec().table("active_disclosure", template)
    big = scale == "large"
    t: dict[str, dict[str, int | float]] = {}
    for row in layout.rows:
        cells: dict[str, int | float] = {}
        for col in row.columns:
            if col in ("amount",):
                if rng.random() < 0.6 and not big:
                    v: int | float = 0
                else:
                    v = round(rng.uniform(0.1, 100000 if big else 300), rng.choice((0, 1, 2)))
                    v = int(v) if float(v).is_integer() else v
            elif col == "decisions":
                v = skewed(rng, 500000 if big else rng.choice((0, 5, 60, 800)))
            elif col == "prev_count":
                v = skewed(rng, 400 if big else rng.choice((0, 10, 200)))
            elif col == "change":
                prev = cells.get("prev_count", 0)
                v = rng.randint(-prev, max(3, prev // 3)) if rng.random() < 0.5 else 0
            elif col in ("in_force", "total_published"):
                v = skewed(rng, 200 if big else 40)
            else:
                v = skewed(rng, 60 if big else 6)
            cells[col] = v
        for bound in layout.bounds:  # 现行有效 ≥ 本年制发 − 本年废止
            if bound.broken(cells):
                cells[bound.at_least] += bound.floor(cells)
        t[row.key] = cells
    return t


def random_tables(rng: random.Random, template: str, scale: str | None = None) -> Tables:
    """The three tables of ``template`` with values that pass every check (no blank cells)."""
    scale = scale or rng.choices(SCALES, weights=_SCALE_WEIGHTS)[0]
    return {
        "active_disclosure": _active(rng, template, scale),
        APPLICATIONS: _applications(rng, template, scale),
        REVIEW_LITIGATION: _review(rng, template, scale),
    }


# ------------------------------------------------------------------------------------------ blanks


def blank_cells(rng: random.Random, tables: Tables, template: str, style: str | None = None) -> dict[str, str]:
    """Print some cells blank (null), like real reports do; return {table: blank style used}.

    zeros_blank: some zero cells print blank; column_blank: one applicant column prints blank when it is
    all zero (seed 000, 社会公益组织); totals_only: only the 总计 column is printed (seed 001); row_blank:
    a zero row of table 2 prints no numbers (seed 000, 规章).
    """
    used = {}
    for name in TABLE_NAMES:
        st = style or rng.choices(BLANK_STYLES, weights=_BLANK_WEIGHTS)[0]
        t = tables[name]
        if st == "zeros_blank":
            p = rng.uniform(0.2, 0.9)
            for cols in t.values():
                for c, v in cols.items():
                    if v == 0 and rng.random() < p:
                        cols[c] = None
        elif st == "column_blank" and name == APPLICATIONS:
            cands = [c for c in next(iter(t.values()))
                     if c not in (TOTAL, "natural_person") and all(cols[c] == 0 for cols in t.values())]
            if not cands:
                st = "none"
            else:
                c = rng.choice(cands)
                for cols in t.values():
                    cols[c] = None
        elif st == "totals_only" and name in (APPLICATIONS, REVIEW_LITIGATION):
            for cols in t.values():
                for c in cols:
                    if c != TOTAL:
                        cols[c] = None
        elif st == "row_blank" and name == "active_disclosure":
            cands = [r for r, cols in t.items() if all(v == 0 for v in cols.values())]
            if not cands:
                st = "none"
            else:
                r = rng.choice(cands)
                for c in t[r]:
                    t[r][c] = None
        else:
            st = "none"
        used[name] = st
    return used


# ------------------------------------------------------------------------------------------ checks


def tables_record(tables: Tables, template: str) -> Record:
    return Record(source=Source(path=None, sha256="", format="synth"), template=template,
                  tables={name: tables.get(name) for name in TABLE_NAMES})


def failing_checks(tables: Tables, template: str) -> list[str]:
    return [c.name for c in run_checks(tables_record(tables, template)) if c.status == Check.FAIL]


@dataclass
class BrokenCheck:
    name: str                     # the check made to fail (gainlp.checks name)
    cell: str                     # table.row.column changed
    printed: int | float          # the value printed instead of the consistent one
    consistent: int | float
    failing: list[str] = field(default_factory=list)  # every check that fails because of it


def _cell_for(check: str, rng: random.Random, template: str) -> tuple[str, str, str]:
    """The cell changed to break a check: one that takes part in it."""
    parts = check.split(".")
    if parts[0] == REVIEW_LITIGATION:
        return REVIEW_LITIGATION, parts[1], TOTAL
    kind, which = parts[1], parts[2]
    layout = load_spec().table(APPLICATIONS, template)
    keys = [r.key for r in layout.rows]
    if kind == "balance":
        return APPLICATIONS, rng.choice(INTAKE_ROWS + (CARRIED_FORWARD,)), which
    if kind == "total_row":
        outcome_rows = keys[keys.index(INTAKE_ROWS[-1]) + 1 : keys.index(TOTAL)]
        return APPLICATIONS, rng.choice(outcome_rows + [TOTAL]), which
    return APPLICATIONS, which, TOTAL  # total_column.<row>


def break_one_check(rng: random.Random, tables: Tables, template: str) -> BrokenCheck | None:
    """Change one non-blank cell so that a passing check fails (the gold keeps the printed number)."""
    passing = [c.name for c in run_checks(tables_record(tables, template)) if c.status == Check.PASS]
    rng.shuffle(passing)
    for name in passing:
        table, row, col = _cell_for(name, rng, template)
        old = tables[table][row].get(col)
        if old is None:
            continue
        delta = rng.choice((1, 1, 2, 3, max(1, int(old * 0.1))))
        new = old - delta if old >= delta and rng.random() < 0.5 else old + delta
        tables[table][row][col] = new
        failing = failing_checks(tables, template)
        if name not in failing:  # the changed cell did not reach the check (cannot happen; be safe)
            tables[table][row][col] = old
            continue
        return BrokenCheck(name, f"{table}.{row}.{col}", new, old, failing)
    return None


def flat(tables: Tables) -> dict[str, dict[str, int | float | None]]:
    """The gold files' flat form: per table {"row.col": value}."""
    return {name: {f"{r}.{c}": v for r, cols in t.items() for c, v in cols.items()} for name, t in tables.items()}


# ------------------------------------------------------------------------------------------ printing


@dataclass
class NumberStyle:
    """How a report prints its numbers."""

    change: str = "plain"      # 2019 本年增/减: plain (-3) | cn (减3 / 3) | signed (+3 / -3) | cn_signed (增3 / 减3)
    thousands: bool = False    # 3,119
    money_decimals: int | None = None  # 0.00 for money cells
    fullwidth: bool = False    # ３１１９


def random_number_style(rng: random.Random) -> NumberStyle:
    return NumberStyle(
        change=rng.choice(("plain", "cn", "cn", "signed", "cn_signed")),
        thousands=rng.random() < 0.08,
        money_decimals=rng.choice((None, None, None, 1, 2)),
        fullwidth=rng.random() < 0.04,
    )


_FULLWIDTH = str.maketrans("0123456789.,+-", "０１２３４５６７８９．，＋－")


def format_value(value: int | float, column: str, unit: str | None, style: NumberStyle) -> str:
    """A value as a report prints it; gainlp.text.parse_cell_number reads it back to ``value``."""
    if unit and style.money_decimals is not None:
        body = f"{abs(value):,.{style.money_decimals}f}" if style.thousands else f"{abs(value):.{style.money_decimals}f}"
        if float(body.replace(",", "")) != abs(value):  # rounding would change the value
            body = f"{abs(value)}"
    else:
        body = f"{abs(value):,}" if style.thousands else f"{abs(value)}"
    sign = ""
    if value < 0:
        sign = {"plain": "-", "cn": "减", "signed": "-", "cn_signed": "减"}[style.change]
    elif column == "change" and value > 0:
        sign = {"plain": "", "cn": "", "signed": "+", "cn_signed": "增"}[style.change]
    text = sign + body
    return text.translate(_FULLWIDTH) if style.fullwidth else text


def column_units(template: str) -> dict[tuple[str, str], str]:
    """(table, column) -> unit for columns the spec prints in a unit (万元)."""
    raw = load_spec().raw["tables"]
    out = {}
    for name, t in raw.items():
        cols = t["templates"][template]["columns"] if "templates" in t else t.get("columns", {})
        for key, c in cols.items():
            if isinstance(c, dict) and c.get("unit"):
                out[(name, key)] = c["unit"]
    return out


__all__ = ["Tables", "random_tables", "blank_cells", "break_one_check", "BrokenCheck", "failing_checks", "flat",
           "NumberStyle", "random_number_style", "format_value", "column_units", "skewed", "SCALES", "BLANK_STYLES"]
