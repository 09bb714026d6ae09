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

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache

from gainlp.checks import TOTAL, total_column_holds
from gainlp.document import Document, Span
from gainlp.record import Provenance, Section
from gainlp.rules.run_together import row_readings, rows_readings
from gainlp.rules.table_tokens import Token, tokens_from_table, tokens_from_text
from gainlp.template import (
    PREFIX_MIN_LEN,
    TABLE_NAMES,
    TableLayout,
    detect_template,
    label_key,
    load_spec,
)
from gainlp.text import one_of

MAX_LABEL_KEY = 60  # a "label" longer than this is prose, not a table cell
_PROSE_MARK = re.compile(r"[。；;]")  # a label holding one is prose


@dataclass(slots=True)  # slots: one per template cell, per table
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


class _Variants:
    """The label variants of one row, column or group, split once for :func:`label_matches`'s rule:
    a short variant (up to the spec's ``exact_max_len``) must equal the key, a longer one be in it."""

    def __init__(self, labels: tuple[str, ...], exact_max_len: int) -> None:
        self.exact = frozenset(v for v in labels if len(v) <= exact_max_len)
        self.contained = tuple(v for v in labels if len(v) > exact_max_len)

    def matches(self, key: str) -> bool:
        """``label_matches(key, labels)``."""
        return bool(key) and (key in self.exact or any(v in key for v in self.contained))


class _Matcher:
    """Which row, group or header a label key names, for one table layout (built once per layout).

    Matching label keys is the hot loop of the parser (every label token, every row from the cursor
    on), so the variants are indexed: short ones (exact matches) by key, long ones (contained in the
    key) in row order behind one regex that says whether the key holds any of them at all, all of them
    sorted for the prefix test. The answers are those of label_matches / label_prefix_of tried row by row.
    """

    def __init__(self, layout: TableLayout) -> None:
        spec = load_spec()
        limit = spec.exact_max_len
        self.layout = layout
        self.rows = tuple(_Variants(r.labels, limit) for r in layout.rows)
        # a key names some group when it matches the labels of any of them taken together
        self.any_group = _Variants(tuple(v for g in layout.groups for v in g.labels), limit)
        headers = set(layout.header_markers)
        for c in layout.columns:
            headers.update(v for v in c.labels if len(v) > limit)
        self.header_keys = tuple(sorted(headers))
        # a header: a column label matched exactly, or a header key (the long column labels among
        # them) contained in the key
        self.column_exact = frozenset(v for c in layout.columns for v in c.labels if len(v) <= limit)
        self.any_header_key = re.compile(one_of(self.header_keys))  # is any in the key? one C search
        self.exact_rows: dict[str, list[int]] = {}  # variant -> the rows it names, in order
        self.contained_rows: list[tuple[int, str]] = []  # (row, variant), in row order
        for i, variants in enumerate(self.rows):
            for v in variants.exact:
                self.exact_rows.setdefault(v, []).append(i)
            self.contained_rows.extend((i, v) for v in variants.contained)
        self.any_contained = re.compile(one_of(v for _, v in self.contained_rows))
        # where the contained variants of row i and later start in contained_rows
        self.contained_from = [bisect_left(self.contained_rows, (i, "")) for i in range(len(self.rows) + 1)]
        self.sorted_variants = sorted((v, i) for i, r in enumerate(layout.rows) for v in r.labels)

    def row(self, key: str, cursor: int) -> int | None:
        """The first row from ``cursor`` on that the key names, else the first from ``cursor`` on whose
        label starts with the key (the first line of a label wrapped over lines), else None."""
        if not key:
            return None
        hit = None
        for i in self.exact_rows.get(key, ()):
            if i >= cursor:
                hit = i
                break
        if self.contained_rows and self.any_contained.search(key):  # which row's, first?
            for k in range(self.contained_from[min(cursor, len(self.rows))], len(self.contained_rows)):
                i, v = self.contained_rows[k]
                if hit is not None and i >= hit:
                    break
                if v in key:
                    hit = i
                    break
        if hit is not None or len(key) < PREFIX_MIN_LEN:
            return hit
        # the variants that start with the key lie together in sorted order, from where the key would be
        rows = []
        for k in range(bisect_left(self.sorted_variants, (key, -1)), len(self.sorted_variants)):
            v, i = self.sorted_variants[k]
            if not v.startswith(key):
                break
            if len(v) > len(key) and i >= cursor:
                rows.append(i)
        return min(rows, default=None)

    def is_group(self, key: str) -> bool:
        return self.any_group.matches(key)

    def is_header(self, key: str) -> bool:
        return bool(key and key in self.column_exact) or bool(self.header_keys and self.any_header_key.search(key))


# one matcher per layout object: layouts come from the cached spec, so this holds a handful
_MATCHERS: dict[int, _Matcher] = {}
_MAX_MATCHERS = 64


def _matcher(layout: TableLayout) -> _Matcher:
    m = _MATCHERS.get(id(layout))
    if m is None or m.layout is not layout:  # (the matcher keeps its layout alive: ids are not reused)
        if len(_MATCHERS) >= _MAX_MATCHERS:  # layouts made on the fly (tests): start over
            _MATCHERS.clear()
        m = _MATCHERS[id(layout)] = _Matcher(layout)
    return m


# ------------------------------------------------------------------------------------------ fitting


def _fit(values: list[Token], n: int, has_total: bool, pad: str = "right") -> tuple[list[Token | None], str | None]:
    """Fit a row's value tokens to n columns. Returns the cells (None = not printed) and a warning.

    Blank cells beyond n are the padding of merged cells: trimmed first on the table's ``pad`` side
    (see :func:`_padding_side`), then on the other.
    """
    vals = list(values)
    ends = (-1, 0) if pad == "right" else (0, -1)
    for end in ends:
        while len(vals) > n and vals[end].blank:
            vals.pop(end)
    if len(vals) == n:
        return vals, None
    if len(vals) > n:
        return vals[:n], f"{len(vals)} values for {n} columns; the first {n} are kept"
    if len(vals) == 1 and has_total and n > 1:
        return [None] * (n - 1) + vals, None  # only the 总计 column printed
    if not vals:
        return [None] * n, None
    return vals + [None] * (n - len(vals)), f"{len(vals)} values for {n} columns; read left to right"


def _padding_side(rows: list[tuple[int, list[Token]]]) -> str:
    """Where a table prints the blank padding of merged label cells: "left" (right after the label, as
    tab rows of a colspan label do) or "right" (at the row's end, as markdown exports do). Decided by
    the rows whose surplus blanks can only be padding on one side."""
    left = right = 0
    for n, values in rows:
        extra = len(values) - n
        if extra <= 0:
            continue
        lead = next((i for i, v in enumerate(values) if not v.blank), len(values))
        trail = next((i for i, v in enumerate(reversed(values)) if not v.blank), len(values))
        if lead >= extra > trail:
            left += 1
        elif trail >= extra > lead:
            right += 1
    return "left" if left > right else "right"


def _row_consistent(values: tuple, columns: tuple[str, ...]) -> bool:
    """Does a reading of a row keep the checks' total-column rule (trivially so without a total)?"""
    if TOTAL in columns and len(values) == len(columns):
        return total_column_holds(dict(zip(columns, values)))
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
    placements: list[tuple] = []  # (row, values, label token, soft), placed once the padding side is known
    hard: set[str] = set()

    def commit() -> None:
        nonlocal cursor, pending, values
        if pending is None:
            return
        idx, label_tok = pending
        row = layout.rows[idx]
        n = len(row.columns)
        if any(not v.blank for v in values):
            placements.append((row, values, label_tok, False))
            hard.add(row.key)
            cursor = idx + 1
        elif len(values) == n and row.key not in hard:
            # a row printed all blank, or a header word equal to a row label ("总计", "其他") above blank
            # header cells: placed softly, without moving on, so the real row can still come
            placements.append((row, values, label_tok, True))
        pending, values = None, []

    for tok in tokens:
        if tok.kind == "label":
            key = label_key(tok.text)
            if not key:
                continue
            if len(key) > MAX_LABEL_KEY or _PROSE_MARK.search(tok.text):
                commit()  # prose ends a table row
                continue
            idx = m.row(key, cursor)
            if idx is not None:
                commit()
                pending, values = (idx, tok), []
                continue
            header = m.is_header(key)
            if header or m.is_group(key):
                commit()
                if header:
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
    pad = _padding_side([(len(row.columns), vals) for row, vals, _, _ in placements])
    for row, vals, label_tok, soft in placements:
        if soft and row.key in table.cells_found:
            continue
        _place(table, row, vals, label_tok, prose_numbers, soft=soft, pad=pad)
    return table


def _place(table: AssembledTable, row, values: list[Token], label_tok: Token, prose_numbers,
           soft: bool = False, pad: str = "right") -> None:
    n = len(row.columns)
    has_total = TOTAL in row.columns and row.columns[-1] == TOTAL
    printed = [v for v in values if not v.blank]
    if len(printed) == 1 and printed[0].glued:
        cells = _resolve_glued(table, row, printed[0], label_tok, prose_numbers)
        if cells is None:
            return
    else:
        fitted, warning = _fit(values, n, has_total, pad)
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


def _resolve_glued(table: AssembledTable, row, tok: Token, label_tok: Token, prose_numbers) -> list[Placed] | None:
    """Read run-together digits: the readings that the row's own arithmetic allows, then the one the
    prose supports; still several -> the row stays null (the table's checks may settle it later)."""
    n = len(row.columns)
    candidates = row_readings(tok.text, row.columns, lambda cols, r: _row_consistent(r, cols))
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
    table.label_tokens.append(label_tok)
    table.cells_found.add(row.key)
    table.found_rows = len(table.cells_found) + len(table.soft_labels)
    return None


def _assemble_review(tokens: list[Token], layout: TableLayout, m: _Matcher, table: AssembledTable) -> AssembledTable:
    """Table 四: its 15 cells (3 groups x 5 columns) in one printed row, one row of five per group, only
    the three 总计 cells, or fifteen cells run together into one digit string."""
    runs: list[tuple[str | None, list[Token]]] = []  # runs of value cells, split by labels and row starts
    current_group: str | None = None
    run: list[Token] = []
    for tok in tokens:
        if run and (tok.kind == "label" or tok.row_break):
            runs.append((current_group, run))
            run = []
        if tok.kind == "label":
            key = label_key(tok.text)
            if len(key) > MAX_LABEL_KEY or _PROSE_MARK.search(tok.text):
                continue
            grp = next((r.key for r, v in zip(layout.rows, m.rows) if v.matches(key)), None)
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

    def put(values: list) -> AssembledTable:
        for i, row in enumerate(layout.rows):
            for j, col in enumerate(row.columns):
                t = values[i * ncols + j]
                table.cells[row.key][col] = t if isinstance(t, Placed) else Placed(t.value if t else None, t)
        table.found_rows = len(layout.rows)
        return table

    for g, r in data:
        printed = [t for t in r if not t.blank]
        if len(printed) == 1 and printed[0].text.isdigit() and len(printed[0].text) >= total:
            return _review_run_together(table, layout, printed[0], put)
        if len(r) == len(layout.rows) and len(printed) == len(r):  # only the three 总计 cells printed
            return put([t if c.key == TOTAL else None for t in r for c in layout.columns])
        fitted, warning = _fit(r, total, False)
        if len(r) >= total - 2 * ncols and warning is None:
            return put(fitted)
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


def _review_run_together(table: AssembledTable, layout: TableLayout, tok: Token, put) -> AssembledTable:
    """Fifteen cells printed as one digit string: the readings where each group's total holds. A group
    on which all readings agree is read; the others stay null, each with a warning."""
    rows = [row.columns for row in layout.rows]
    found = rows_readings(tok.text, rows, lambda cols, r: _row_consistent(r, cols))
    cells: list[Placed] = []
    at = 0
    for row, cols in zip(layout.rows, rows):
        options = {r[at:at + len(cols)] for r in found}
        if len(options) == 1:
            cells += [Placed(v, tok) for v in options.pop()]
        else:
            cells += [Placed(None, tok)] * len(cols)
            table.warnings.append(f"{table.name}.{row.key}: run-together cells '{tok.text}' are ambiguous "
                                  f"({len(options)} readings for this group); left null")
        at += len(cols)
    return put(cells)


# ------------------------------------------------------------------------------------------ regions


@lru_cache(maxsize=None)
def _marker_pattern(key: str) -> re.Pattern:
    """A marker key as printed: its characters with any white space between them."""
    return re.compile(r"\s*".join(re.escape(ch) for ch in key))


def _key_find(doc: Document, keys: tuple[str, ...], start: int, end: int) -> int | None:
    """Offset of the first printed occurrence of any marker key in doc.text[start:end]."""
    region = doc.text[start:end]
    best = None
    for k in keys:
        hit = _marker_pattern(k).search(region)
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
        scope = "".join(doc.fold_range(s, e) for s, e in found) if found else doc.folded
        template = detect_template(scope, year, folded=True) or detect_template(doc.folded, year, folded=True)
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
