"""Rule-based parsing of the template tables (二, 三, 四) from a token stream.

``parse_tables(doc, sections, year)`` finds each table's region (its section, else marker words),
turns it into tokens (table_tokens.py: any layout, or a reader's cell grid), and ``assemble`` places
value tokens on the template grid of the spec by their row labels. The model's post-processor builds
tokens from model spans and calls the same ``assemble``.

How a row gets its cells: a label token that matches a row of the spec (searching forward in template
order from the last row placed, so "其他" after 逾期未按收费通知 is other_other and the header "总计" is not
the total row) opens the row; the value tokens after it, up to the next row label, are its cells, fitted
to the row's columns (padding blanks of merged cells trimmed). A tentative row that collects no number
and not exactly one blank per column (a header word that happens to equal a row label) is dropped.
Digits run together ("行政规范性文件8855698") are split by the column count and the arithmetic of the
checks; when more than one reading survives the row is left null and a warning says so.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from gainlp.document import Document, Span
from gainlp.record import Provenance, Section
from gainlp.rules.table_tokens import Token, tokens_from_table, tokens_from_text
from gainlp.template import (
    TABLE_NAMES,
    TableLayout,
    detect_template,
    label_key,
    label_matches,
    label_prefix_of,
    load_spec,
)

MAX_LABEL_KEY = 60  # a "label" longer than this is prose, not a table cell
MAX_SPLITS = 20000


@dataclass
class Placed:
    """One cell value placed on the grid, with the token it came from."""

    value: int | float | None
    token: Token | None


@dataclass
class AssembledTable:
    name: str
    cells: dict[str, dict[str, Placed]]  # row -> column -> placed value
    label_tokens: list[Token] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    found_rows: int = 0
    cells_found: set[str] = field(default_factory=set)  # rows placed from printed numbers
    ambiguous: dict[str, list[tuple]] = field(default_factory=dict)  # run-together rows: their readings
    soft_labels: dict[str, Token] = field(default_factory=dict)  # label tokens of softly placed rows

    def values(self) -> dict[str, dict[str, int | float | None]]:
        return {r: {c: p.value for c, p in cols.items()} for r, cols in self.cells.items()}


@dataclass
class TablesResult:
    template: str | None
    tables: dict[str, dict | None]
    provenance: dict[str, Provenance]
    warnings: list[str]
    regions: list[tuple[int, int]]
    layouts: dict[str, str] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------ matching


@dataclass
class _Matcher:
    layout: TableLayout
    header_keys: tuple[str, ...]

    def row(self, key: str, cursor: int) -> int | None:
        for i in range(cursor, len(self.layout.rows)):
            if label_matches(key, self.layout.rows[i].labels):
                return i
        for i in range(cursor, len(self.layout.rows)):  # first line of a label wrapped over lines
            if label_prefix_of(key, self.layout.rows[i].labels):
                return i
        return None

    def is_group(self, key: str) -> bool:
        return any(label_matches(key, g.labels) for g in self.layout.groups)

    def is_header(self, key: str) -> bool:
        if any(label_matches(key, c.labels) for c in self.layout.columns):
            return True
        return any(h in key for h in self.header_keys)


def _matcher(layout: TableLayout) -> _Matcher:
    spec = load_spec()
    headers = set(layout.header_markers)
    for c in layout.columns:
        headers.update(v for v in c.labels if len(v) > spec.exact_max_len)
    return _Matcher(layout, tuple(sorted(headers)))


# ------------------------------------------------------------------------------------------ fitting


def _fit(values: list[Token], n: int, has_total: bool) -> tuple[list[Token | None], str | None]:
    """Fit a row's value tokens to n columns. Returns the cells (None = not printed) and a warning."""
    vals = list(values)
    while len(vals) > n and vals[-1].blank:
        vals.pop()
    while len(vals) > n and vals[0].blank:
        vals.pop(0)
    if len(vals) == n:
        return vals, None
    if len(vals) > n:
        return vals[:n], f"{len(vals)} values for {n} columns; the first {n} are kept"
    if len(vals) == 1 and has_total and n > 1:
        return [None] * (n - 1) + vals, None  # only the 总计 column printed
    if not vals:
        return [None] * n, None
    return vals + [None] * (n - len(vals)), f"{len(vals)} values for {n} columns; read left to right"


def _splits(digits: str, n: int):
    """All ways to cut a digit string into n numbers without leading zeros."""
    if n == 1:
        if digits and (digits == "0" or digits[0] != "0"):
            yield (int(digits),)
        return
    for i in range(1, len(digits) - n + 2):
        head = digits[:i]
        if len(head) > 1 and head[0] == "0":
            break
        for rest in _splits(digits[i:], n - 1):
            yield (int(head),) + rest


def _row_consistent(values: tuple, columns: tuple[str, ...]) -> bool:
    if "total" in columns and len(values) == len(columns):
        i = columns.index("total")
        return sum(v for j, v in enumerate(values) if j != i) == values[i]
    return True


# ------------------------------------------------------------------------------------------ assembly


def assemble(tokens: list[Token], layout: TableLayout, prose_numbers: set[int] | None = None) -> AssembledTable:
    """Place value tokens on the template grid by their row labels."""
    m = _matcher(layout)
    table = AssembledTable(layout.name, {r.key: {c: Placed(None, None) for c in r.columns} for r in layout.rows})
    if layout.name == "review_litigation":
        return _assemble_review(tokens, layout, m, table)
    cursor = 0
    pending: tuple[int, Token] | None = None
    values: list[Token] = []

    def commit() -> None:
        nonlocal cursor, pending, values
        if pending is None:
            return
        idx, label_tok = pending
        row = layout.rows[idx]
        n = len(row.columns)
        if any(not v.blank for v in values):
            _place(table, row, values, label_tok, prose_numbers)
            cursor = idx + 1
        elif len(values) == n and row.key not in table.cells_found:
            # a row printed all blank, or a header word equal to a row label ("总计", "其他") above blank
            # header cells: placed softly, without moving on, so the real row can still come
            _place(table, row, values, label_tok, prose_numbers, soft=True)
        pending, values = None, []

    for tok in tokens:
        if tok.kind == "label":
            key = label_key(tok.text)
            if not key:
                continue
            if len(key) > MAX_LABEL_KEY or re.search(r"[。；;]", tok.text):
                commit()  # prose ends a table row
                continue
            idx = m.row(key, cursor)
            if idx is not None:
                commit()
                pending, values = (idx, tok), []
            elif m.is_group(key) or m.is_header(key):
                commit()
                if m.is_header(key):
                    table.label_tokens.append(tok)
            # any other label (clause numbers, 信息内容, wrapped label ends, page headers) is passed over
        else:
            if pending is None:
                continue
            n = len(layout.rows[pending[0]].columns)
            if tok.row_break and len(values) >= n:
                commit()
                continue
            values.append(tok)
    commit()
    return table


def _place(table: AssembledTable, row, values: list[Token], label_tok: Token, prose_numbers,
           soft: bool = False) -> None:
    n = len(row.columns)
    has_total = "total" in row.columns and row.columns[-1] == "total"
    glued = [v for v in values if v.glued]
    if glued and len(values) < n and len(values) == 1:
        cells = _resolve_glued(table, row, glued[0], prose_numbers)
        if cells is None:
            return
    else:
        fitted, warning = _fit(values, n, has_total)
        if warning:
            table.warnings.append(f"{table.name}.{row.key}: {warning}")
        cells = [Placed(t.value if t is not None else None, t) for t in fitted]
    table.cells[row.key] = dict(zip(row.columns, cells))
    if soft:
        table.soft_labels[row.key] = label_tok
    else:
        table.cells_found.add(row.key)
        table.soft_labels.pop(row.key, None)
        table.label_tokens.append(label_tok)
    table.found_rows = len(table.cells_found) + len(table.soft_labels)


def _resolve_glued(table: AssembledTable, row, tok: Token, prose_numbers) -> list[Placed] | None:
    n = len(row.columns)
    digits = re.sub(r"\D", "", tok.text)
    candidates = []
    for cand in _splits(digits, n):
        if _row_consistent(cand, row.columns):
            candidates.append(cand)
        if len(candidates) > MAX_SPLITS:
            break
    if len(candidates) > 1 and prose_numbers:
        scored = [(sum(1 for v in c if v >= 10 and v in prose_numbers), c) for c in candidates]
        best = max(s for s, _ in scored)
        if best > 0 and sum(1 for s, _ in scored if s == best) == 1:
            choice = next(c for s, c in scored if s == best)
            table.warnings.append(
                f"{table.name}.{row.key}: run-together cells '{tok.text}' read as {list(choice)} "
                f"using figures printed in the prose"
            )
            candidates = [choice]
    if len(candidates) == 1:
        return [Placed(v, tok) for v in candidates[0]]
    # still ambiguous: leave the row for the table-level checks (resolve_ambiguous) or null
    table.warnings.append(
        f"{table.name}.{row.key}: run-together cells '{tok.text}' are ambiguous "
        f"({len(candidates)} readings for {n} columns); left null"
    )
    table.cells[row.key] = {c: Placed(None, tok) for c in row.columns}
    table.ambiguous[row.key] = candidates
    table.label_tokens.append(tok)
    table.cells_found.add(row.key)
    table.found_rows = len(table.cells_found) + len(table.soft_labels)
    return None


def _assemble_review(tokens: list[Token], layout: TableLayout, m: _Matcher, table: AssembledTable) -> AssembledTable:
    """Table 四: 15 cells (3 groups x 5 columns) in one printed row, or one row of 5 per group."""
    runs: list[tuple[str | None, list[Token]]] = []
    current_group: str | None = None
    run: list[Token] = []
    for tok in tokens:
        if tok.kind == "label":
            if run:
                runs.append((current_group, run))
                run = []
            key = label_key(tok.text)
            if len(key) > MAX_LABEL_KEY or re.search(r"[。；;]", tok.text):
                continue
            grp = next((r.key for r in layout.rows if label_matches(key, r.labels)), None)
            if grp:
                current_group = grp
            table.label_tokens.append(tok)
        else:
            run.append(tok)
    if run:
        runs.append((current_group, run))
    ncols = len(layout.columns)
    total = ncols * len(layout.rows)
    data = [(g, r) for g, r in runs if any(not t.blank for t in r)]
    if not data:  # a table printed with every cell blank (the blank official form)
        data = [(g, r) for g, r in runs if len(r) == total]
    for g, r in data:
        fitted, warning = _fit(r, total, False)
        if len(r) >= total - 2 * ncols and warning is None:
            for i, row in enumerate(layout.rows):
                for j, col in enumerate(row.columns):
                    t = fitted[i * ncols + j]
                    table.cells[row.key][col] = Placed(t.value if t else None, t)
            table.found_rows = len(layout.rows)
            return table
    # one row of five per group
    for g, r in data:
        if g is None:
            continue
        fitted, warning = _fit(r, ncols, True)
        if warning:
            table.warnings.append(f"{table.name}.{g}: {warning}")
        table.cells[g] = {c: Placed(t.value if t else None, t) for c, t in zip(layout.row(g).columns, fitted)}
        table.found_rows += 1
    if data and not table.found_rows:
        table.warnings.append(f"{table.name}: {len(data[0][1])} cells where {total} were expected; not read")
    return table


# ------------------------------------------------------------------------------------------ regions


def _key_find(doc: Document, keys: tuple[str, ...], start: int, end: int) -> int | None:
    """Offset of the first printed occurrence of any marker key in doc.text[start:end]."""
    region = doc.text[start:end]
    best = None
    for k in keys:
        pattern = r"\s*".join(re.escape(ch) for ch in k)
        hit = re.search(pattern, region)
        if hit and (best is None or hit.start() < best):
            best = hit.start()
    return None if best is None else start + best


def table_regions(doc: Document, sections: list[Section]) -> dict[str, tuple[int, int] | None]:
    """Where each template table lies: its section, else from its start markers to the next table."""
    spec = load_spec()
    by_number = {s.number: s for s in sections}
    regions: dict[str, tuple[int, int] | None] = {}
    for name in TABLE_NAMES:
        ts = spec.tables[name]
        sec = by_number.get(ts.section)
        if sec is not None:
            regions[name] = (sec.start, sec.end)
            continue
        lo = max((r[1] for r in regions.values() if r), default=0)
        hit = _key_find(doc, ts.start_markers + (label_key(ts.title),), lo, len(doc.text))
        if hit is None:
            regions[name] = None
            continue
        line_start = doc.text.rfind("\n", 0, hit) + 1
        ends = [s.start for s in sections if s.start > hit]
        nxt_idx = TABLE_NAMES.index(name) + 1
        if nxt_idx < len(TABLE_NAMES):
            nxt = _key_find(doc, spec.tables[TABLE_NAMES[nxt_idx]].start_markers, hit + 1, len(doc.text))
            if nxt is not None:
                ends.append(doc.text.rfind("\n", 0, nxt) + 1)
        regions[name] = (line_start, min(ends) if ends else len(doc.text))
    return regions


_PROSE_NUMBER = re.compile(r"\d+")


def _prose_numbers(doc: Document, regions: list[tuple[int, int]]) -> set[int]:
    nums: set[int] = set()
    pos = 0
    for s, e in sorted(regions) + [(len(doc.text), len(doc.text))]:
        nums.update(int(x) for x in _PROSE_NUMBER.findall(doc.text[pos:s]) if len(x) < 12)
        pos = max(pos, e)
    return nums


# ------------------------------------------------------------------------------------------ API


def tokens_for_region(doc: Document, start: int, end: int) -> tuple[str, list[Token]]:
    tables = doc.tables_in(start, end)
    if tables:
        toks: list[Token] = []
        for t in tables:
            toks.extend(tokens_from_table(t, doc.text))
        return "reader_table", toks
    return tokens_from_text(doc.text[start:end], start)


def parse_tables(doc: Document, sections: list[Section], year: int | None = None,
                 template: str | None = None) -> TablesResult:
    """Parse tables 二, 三 and 四 of a report; add TABLE_CELL / TABLE_LABEL spans to the rules layer."""
    spec = load_spec()
    regions = table_regions(doc, sections)
    found = [r for r in regions.values() if r]
    if template is None:
        scope = "".join(doc.text[s:e] for s, e in found) if found else doc.text
        template = detect_template(scope, year) or detect_template(doc.text, year)
    result = TablesResult(template=None, tables={n: None for n in TABLE_NAMES}, provenance={}, warnings=[],
                          regions=[])
    if not found:
        return result
    template = template or "2021"
    prose = _prose_numbers(doc, found)
    for name in TABLE_NAMES:
        region = regions[name]
        if region is None:
            continue
        layout_name, toks = tokens_for_region(doc, *region)
        result.layouts[name] = layout_name
        assembled = assemble(toks, spec.table(name, template), prose)
        if not assembled.found_rows:
            continue
        resolve_ambiguous(assembled, name, template)
        result.regions.append(region)
        result.warnings.extend(assembled.warnings)
        result.tables[name] = assembled.values()
        _record_spans(doc, assembled, name, result.provenance)
    if all(t is None for t in result.tables.values()):
        return TablesResult(None, result.tables, {}, result.warnings, [], result.layouts)
    result.template = template
    return result


def resolve_ambiguous(table: AssembledTable, name: str, template: str) -> None:
    """Settle run-together rows that the row arithmetic left open, using the table's other checks."""
    from gainlp.checks import run_checks
    from gainlp.record import Record, Source

    for row_key, candidates in list(table.ambiguous.items()):
        cols = [c for c in table.cells[row_key]]
        best: list[tuple] = []
        best_fails = None
        for cand in candidates[:2000]:
            trial = Record(source=Source(None, "", "txt"), template=template)
            trial.tables[name] = table.values()
            trial.tables[name][row_key] = dict(zip(cols, cand))
            fails = sum(c.status == "fail" for c in run_checks(trial) if c.name.startswith(name))
            if best_fails is None or fails < best_fails:
                best, best_fails = [cand], fails
            elif fails == best_fails:
                best.append(cand)
        if len(best) == 1 and len(candidates) <= 2000:
            tok = table.cells[row_key][cols[0]].token
            table.cells[row_key] = {c: Placed(v, tok) for c, v in zip(cols, best[0])}
            del table.ambiguous[row_key]
            table.warnings.append(f"{name}.{row_key}: run-together cells read as {list(best[0])} by the table's checks")


def _record_spans(doc: Document, table: AssembledTable, name: str, provenance: dict[str, Provenance]) -> None:
    layer = doc.layer("rules")
    for tok in table.label_tokens + list(table.soft_labels.values()):
        layer.append(Span(tok.start, tok.end, "TABLE_LABEL", "rules", 1.0, {"table": name}))
    seen_tokens: set[int] = set()
    for row, cols in table.cells.items():
        for col, placed in cols.items():
            tok = placed.token
            if tok is None:
                continue
            conf = 0.8 if tok.glued else 1.0
            provenance[f"tables.{name}.{row}.{col}"] = Provenance("rules", tok.start, tok.end, conf)
            if tok.end > tok.start and id(tok) not in seen_tokens:
                seen_tokens.add(id(tok))
                layer.append(Span(tok.start, tok.end, "TABLE_CELL", "rules", conf,
                                  {"table": name, "row": row, "col": col, "value": placed.value}))
