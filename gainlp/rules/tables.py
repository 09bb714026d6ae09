"""Rule-based parsing of the template tables (二, 三, 四) from a token stream.

``parse_tables(doc, sections, year)`` finds each table's region (its section from the table's first
marker, else marker words; none in a report on a year before the templates that prints none of their
headings), turns it into tokens (table_tokens.py: any layout, or a reader's cell grid), and ``assemble`` places
value tokens on the template grid of the spec by their row labels. The model's post-processor builds
tokens from model spans and calls the same ``assemble``.

How a row gets its cells: a label token that matches a row of the spec (searching forward in template
order from the last row placed, so "其他" after 逾期未按收费通知 is other_other and the header "总计" is not
the total row) opens the row; the value tokens after it, up to the next row label, are its cells, fitted
to the row's columns (padding blanks of merged cells trimmed). A tentative row that collects no number
and not exactly one blank per column (a header word that happens to equal a row label) is dropped.
Digits run together ("行政规范性文件8855698", "191000019", "10 0 1 200 0 0 0 0 0 0 00") become an
:class:`~gainlp.rules.solve.Open` with every reading of the row's pieces; the solver reads all of a
table's opens together under the table's identities (rules/solve.py). A cell the readings that fit best
do not agree on is left null, with its candidates and a warning.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

from gainlp.checks import TOTAL, balanced, table_identities
from gainlp.document import Document, Span
from gainlp.record import Ambiguity, Provenance, Section
from gainlp.rules.run_together import Readings, row_readings
from gainlp.rules.solve import Open, settled, solve
from gainlp.rules.table_tokens import (COLUMN_SLACK, Token, empty_cells_may_print_two_lines, is_clause, tokens_from_table,
                                      tokens_from_text)
from gainlp.template import (
    NUMBERED_PREFIX_MIN_LEN,
    PREFIX_MIN_LEN,
    TABLE_NAMES,
    Bound,
    TableLayout,
    detect_template,
    label_key,
    load_spec,
)
from gainlp.text import chinese_to_int, one_of, to_halfwidth

MAX_LABEL_KEY = 60  # a "label" longer than this is prose, not a table cell
NEAR_ROWS = 3  # a label spelled with characters out of place is looked for among this many next rows
# a row printing one number of at most this many digits prints only its 总计 ("（七）总计 3"); a longer one
# run into its label ("（七）总计109") may also be the row's digits with cells left blank: read both ways
TOTAL_ONLY_DIGITS = 2
NEAR_RATIO = 0.85  # and must agree with one of their labels this well (difflib ratio)
RUN_TOGETHER_CONFIDENCE = 0.9  # a cell read out of digits run together (by the table's sums)
_PROSE_MARK = re.compile(r"[。；;]")  # a label holding one is prose


@dataclass(slots=True)  # slots: one per template cell, per table
class Placed:
    """One cell value placed on the grid, with the token it came from (and, for a cell read out of
    digits run together, where its own characters stand)."""

    value: int | float | None
    token: Token | None
    span: tuple[int, int] | None = None
    candidates: list | None = None  # an ambiguous cell: the values it could take


@dataclass
class AssembledTable:
    name: str
    cells: dict[str, dict[str, Placed]]  # row -> column -> placed value
    label_tokens: list[Token] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    found_rows: int = 0
    cells_found: set[str] = field(default_factory=set)  # rows placed from printed numbers
    opens: list[Open] = field(default_factory=list)  # digits run together, read by the solver
    signed: frozenset[str] = frozenset()  # columns that may be negative (the layout's)
    ambiguities: list[Ambiguity] = field(default_factory=list)  # what the solver left open
    soft_labels: dict[str, Token] = field(default_factory=dict)  # label tokens of softly placed rows
    # per open of pieces printed apart ("1 12"), its readings with cells printed as nothing (1, blank,
    # 12; …), and whether wide gaps part the pieces (text laid out in columns): they join the open there,
    # or where the table shows that its blank cells print as nothing
    vanishing: list[tuple[Open, list, list, bool]] = field(default_factory=list)
    # values astray (text in reading order: a PDF's text read without its layout sets a row's values
    # above its label): a row's worth of numbers before a row's label, or more than a row's after one;
    # read_table reads such a table a second way
    values_above: bool = False
    # values of its last rows read from after its region (text in reading order that prints them after
    # the next table's heading): the next table reads without them
    spilled: list[Token] = field(default_factory=list)
    # where its printed words start: its first label, a block title or a header word as well as a row's
    opened_at: int | None = None

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
    ambiguities: list[Ambiguity] = field(default_factory=list)
    before_template: bool = False  # a report on a year before the template tables (old statistics forms)


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
        self.numerals = [printed_numeral(str(r.number)) if r.number is not None else None for r in layout.rows]

    def row(self, key: str, cursor: int, numeral: int | None = None) -> int | None:
        """The first row from ``cursor`` on that the key names, else the first from ``cursor`` on whose
        label starts with the key (the first line of a label wrapped over lines), else None.

        ``numeral``: the number the label prints before it ("（六）其他" -> 6); a short label ("其他",
        "总计") names a row only when that number, if printed, is the row's own (3.其他, （七）总计)."""
        if not key:
            return None
        hit = None
        for i in self.exact_rows.get(key, ()):
            if i >= cursor and (numeral is None or self.numerals[i] in (None, numeral)):
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
        if hit is not None:
            return hit
        if len(key) < PREFIX_MIN_LEN:
            # a shorter first line names a row only after that row's own printed number: any row with
            # that number from the cursor on, or, for a line of one or two characters ("1.属" / "于国" /
            # "家秘" / "密": a label cell two characters wide), the next row with that number
            if numeral is None:
                return None
            if len(key) >= NUMBERED_PREFIX_MIN_LEN:
                return min((i for i in self._prefixed(key, cursor) if self.numerals[i] == numeral), default=None)
            nxt = next((i for i in range(cursor, len(self.rows)) if self.numerals[i] == numeral), None)
            return nxt if nxt is not None and nxt in self._prefixed(key, cursor) else None
        rows = self._prefixed(key, cursor)
        if rows:
            return min(rows)
        return self.near(key, cursor)

    def _prefixed(self, key: str, cursor: int) -> list[int]:
        """The rows from ``cursor`` on with a label that starts with the key and goes on."""
        # the variants that start with the key lie together in sorted order, from where the key would be
        rows = []
        for k in range(bisect_left(self.sorted_variants, (key, -1)), len(self.sorted_variants)):
            v, i = self.sorted_variants[k]
            if not v.startswith(key):
                break
            if len(v) > len(key) and i >= cursor:
                rows.append(i)
        return rows

    def near(self, key: str, cursor: int) -> int | None:
        """One of the next rows whose label the key spells with a character or two out of place
        ("物要求提供公开出版": pdftotext moved a wrapped character) or with a few characters of another
        column printed inside it ("无正当理由逾他处理期不补正": 其他处理 wraps beside it), else None."""
        for i in range(cursor, min(cursor + NEAR_ROWS, len(self.layout.rows))):
            for v in self.layout.rows[i].labels:
                if len(v) < PREFIX_MIN_LEN:
                    continue
                if SequenceMatcher(None, key, v, autojunk=False).ratio() >= NEAR_RATIO or _gapped(v).search(key):
                    return i
        return None

    def is_group(self, key: str) -> bool:
        return self.any_group.matches(key)

    def is_header(self, key: str) -> bool:
        return bool(key and key in self.column_exact) or bool(self.header_keys and self.any_header_key.search(key))


_NUMERAL = re.compile(r"^\s*[(（]?\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*[)）、.．]")


def printed_numeral(label: str) -> int | None:
    """The number a label prints before itself ("（六）其他" -> 6, "3.其他" -> 3, "1.0" -> 1), None if none."""
    m = _NUMERAL.match(label)
    if not m:
        return None
    tok = m.group(1)
    return int(tok) if tok.isdigit() else chinese_to_int(tok)


GAP_MAX = 4  # characters of another column that may stand inside a wrapped label


@lru_cache(maxsize=None)
def _gapped(variant: str) -> re.Pattern:
    """The variant with up to GAP_MAX foreign characters inside it, at one place at least three
    characters from either end."""
    parts = [re.escape(variant[:k]) + f".{{1,{GAP_MAX}}}" + re.escape(variant[k:])
             for k in range(3, len(variant) - 2)]
    return re.compile("|".join(parts) or "(?!)")


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
    if len(vals) > n:  # which of them are the row's the text does not say: none is taken
        return [None] * n, f"{len(vals)} values for {n} columns; left null"
    if len(vals) == 1 and has_total and n > 1:  # only the 总计 printed, as tables that leave cells blank do
        return [None] * (n - 1) + vals, "one number printed and no blank cell shown; read as the 总计"
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


# ------------------------------------------------------------------------------------------ assembly


def assemble(tokens: list[Token], layout: TableLayout) -> AssembledTable:
    """Place value tokens on the template grid by their row labels; digits run together become opens
    for :func:`settle`."""
    m = _matcher(layout)
    table = AssembledTable(layout.name, {r.key: {c: Placed(None, None) for c in r.columns} for r in layout.rows},
                           signed=layout.signed)
    if layout.name == "review_litigation":
        return _assemble_review(tokens, layout, m, table)
    cursor = 0
    pending: tuple[int, Token] | None = None
    values: list[Token] = []
    placements: list[tuple] = []  # (row, values, label token, soft), placed once the padding side is known
    hard: set[str] = set()

    waiting: list[tuple[int, Token]] = []  # row labels printed one after another before their values
    doubtful: list[tuple[list, list[Token]]] = []  # (rows, values): values that any of these rows may own
    # the last label line that named nothing, with the values list of then and how long it was: the first
    # line of a label wrapped in a narrow column may be too short to name its row alone
    fragment: tuple[Token, str, list[Token], int] | None = None
    moved: list[Token] = []
    # numbers no row took, printed since the last label: a line of them right above a row's label is
    # part of that row's cells wrapped over lines ("1,96 / 一、本年新收… 153 84 / 9")
    orphans: list[Token] = []
    loose = 0  # the value tokens no row took since the last label, blanks included
    above: dict[str, list[Token]] = {}  # row key -> the numbers printed above its label
    values_first = False  # numbers printed before the first row label (text in reading order)
    seen_row = False

    def commit() -> None:
        nonlocal cursor, pending, values
        if pending is None:
            return
        idx, label_tok = pending
        row = layout.rows[idx]
        n = len(row.columns)
        queued = waiting + [pending]
        rows = [layout.rows[i] for i, _ in queued]
        cells = sum(len(r.columns) for r in rows)
        if layout.name in _NO_ROW_SUMS and len(queued) > 1 and len(values) == cells and all(
                v.row_break or v.alone for v in values) and any(len(r.columns) > 1 for r in rows):
            # labels, then their values a cell a line (each on a line of its own, or alone between empty
            # lines), no line holding a row's: row by row, or column by column (pdfminer's text of a PDF
            # prints a table's columns as its boxes)? The text does not say, and in a table with no sums
            # across its rows (table 二) nothing can
            by_row = [v.value for v in values]
            width = len(rows[0].columns)
            by_column = [values[j * len(rows) + i].value for i in range(len(rows)) for j in range(width)] \
                if all(len(r.columns) == width for r in rows) else by_row
            printed = " ".join(v.text for v in values)
            table.warnings.append(f"{table.name}.{'/'.join(r.key for r in rows)}: values '{printed}' a cell a line "
                                  f"after the labels of {len(rows)} rows, row by row or column by column; which, "
                                  f"the text does not say; left null")
            at = 0
            for r in rows:
                table.cells[r.key] = {c: Placed(None, values[at + j], None, sorted({by_row[at + j], by_column[at + j]}
                                                                                  - {None}) or None)
                                      for j, c in enumerate(r.columns)}
                hard.add(r.key)
                at += len(r.columns)
            cursor = idx + 1
            waiting.clear()
            pending, values = None, []
            return
        if len(queued) > 1 and len(values) == cells:
            # labels, then their values in the same order (pdftotext of a wrapped table): one row each
            at = 0
            for i, tok in queued:
                k = len(layout.rows[i].columns)
                if any(not v.blank for v in values[at:at + k]):
                    placements.append((layout.rows[i], values[at:at + k], tok, False))
                    hard.add(layout.rows[i].key)
                at += k
            cursor = idx + 1
            waiting.clear()
            pending, values = None, []
            return
        if len(queued) > 1 and values and (values[0].row_break or layout.name in _NO_ROW_SUMS and all(
                v.alone for v in values)) and any(not v.blank for v in values):
            # one row's values on a line of their own after the labels of several rows: pdftotext sets a
            # row's values at the middle of its cell, which can fall below the next row's label, so
            # whose they are the text does not say; nor where cells are parted by empty lines (pdfminer's
            # text boxes: "规章 / 规范性文件 / 4 / 3", one column of both rows), in table 二, whose rows no
            # sum can tell apart
            doubtful.append((rows, values))
            hard.update(r.key for r in rows)
            cursor = idx + 1
            waiting.clear()
            pending, values = None, []
            return
        waiting.clear()
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
        if tok.prose:
            if tok.kind == "label":
                commit()  # prose ends a table row; a figure inside it is no cell
                pending = None
            continue
        if tok.kind == "label":
            key = label_key(tok.text)
            if not key:
                continue
            if len(key) > MAX_LABEL_KEY or _PROSE_MARK.search(tok.text):
                commit()  # prose ends a table row
                continue
            if table.opened_at is None:
                table.opened_at = tok.start
            idx = m.row(key, cursor, printed_numeral(tok.text))
            if idx is None:
                idx = _piece_row(m, tok.text, cursor)
            if idx is None and fragment is not None and tok.row_break and fragment[2] is values:
                joined = _joined_row(m, fragment[1], tok.text, cursor, pending, len(values) - fragment[3])
                if joined is not None:
                    # "危及“三安 0 / 3. / 全一稳定” 0 0 …": the row's label is both lines, its values
                    # start after the first
                    idx, tok = joined, fragment[0]
                    moved, values[:] = values[fragment[3]:], values[:fragment[3]]
            if idx is not None and pending is not None and idx == pending[0]:
                fragment = None
                continue  # the rest of the pending row's label, wrapped around its numbers
            fragment = None
            if idx is not None and orphans:
                above[layout.rows[idx].key] = orphans
            if idx is not None and orphans and loose >= len(layout.rows[idx].columns):
                table.values_above = True
            if idx is not None and orphans and not seen_row:
                values_first = True  # numbers before the first row's label: no row's line holds its own
            seen_row = seen_row or idx is not None
            orphans, loose = [], 0
            if idx is not None:
                if pending is not None and not values and idx > pending[0]:
                    waiting.append(pending)  # no values yet: they may follow both labels
                    pending = None
                else:
                    commit()
                pending, values = (idx, tok), moved
                moved = []
                continue
            header = m.is_header(key)
            if header and cursor > 0 and len(key) <= load_spec().exact_max_len:
                continue  # "其他" in the body: part of a wrapped group label ("（六）其 / 他处理"), no header row
            if not header and m.is_group(key) and not values and (pending is not None or waiting):
                # a group label (or two: "三、本年度办理结果", "（四）无法提供") between a row's label and its
                # values: pdftotext prints a tall merged cell's label at its middle, so it can stand
                # anywhere among its rows
                if pending is not None:
                    waiting.append(pending)
                    pending = None
                continue
            if header or m.is_group(key):
                commit()
                waiting.clear()
                if header:
                    table.label_tokens.append(tok)
                continue
            if is_clause(tok.text):
                # a 第二十条 block's title starts block rows of its own: what the rows above wait for
                # does not run on under it ("规章 / 规范性文件 / 6 6 6 / 第二十条第（五）项 … / 0 0" is no
                # two rows of three)
                commit()
                waiting.clear()
                continue
            # any other label (信息内容, wrapped label ends, page headers) is passed over
            fragment = (tok, key, values, len(values))
        else:
            if pending is None:
                if not waiting:
                    loose += 1
                    if not tok.blank:
                        orphans.append(tok)
                    continue
                pending = waiting.pop()  # values after a group label that stood between label and values
            # the values of labels printed one after another come one row after another
            n = sum(len(layout.rows[i].columns) for i, _ in waiting + [pending])
            if tok.row_break and len(values) >= n:
                commit()
                loose += 1
                if not tok.blank:
                    orphans.append(tok)
                continue
            values.append(tok)
    commit()
    shaped = [(len(row.columns), vals) for row, vals, _, _ in placements]
    pad = _padding_side(shaped)
    columns = _column_positions(shaped)
    totals = _total_positions(shaped)
    for row, vals, label_tok, soft in placements:
        if soft and row.key in table.cells_found:
            continue
        n = len(row.columns)
        if not soft and sum(not v.blank for v in vals) > n:
            table.values_above = True  # more numbers than one row's after a label: some are another row's
        if len(vals) == 1 and n > 1 and row.columns[-1] == TOTAL and not soft and (values_first or (
                vals[0].x is not None and n in totals and abs(vals[0].x - totals[n]) > 2 * COLUMN_SLACK)):
            # one number, printed away from the 总计 column, or in a table whose numbers start before its
            # first row (text in reading order: a row's line need not hold its own): which cell it is, and
            # whose, the text does not say
            where = ("in a table whose numbers start before its first row" if values_first
                     else "not under the 总计 column")
            table.warnings.append(f"{table.name}.{row.key}: one number printed ('{vals[0].text}'), {where}; "
                                  f"left null")
            _leave_null(table, row, vals, every_cell=True)
            table.cells_found.add(row.key)
            continue
        if row.key in above and not soft:
            printed = " ".join(v.text for v in above[row.key] + vals)
            table.warnings.append(f"{table.name}.{row.key}: numbers printed above its label as well as beside it "
                                  f"('{printed}': cells wrapped over lines); which are its cells the text does not "
                                  f"say; left null")
            _leave_null(table, row, vals)
            table.cells_found.add(row.key)
            continue
        _place(table, row, vals, label_tok, soft=soft, pad=pad, columns=columns.get(n))
    for rows, vals in doubtful:
        printed = " ".join(v.text for v in vals)
        keys = [r.key for r in rows]
        table.warnings.append(f"{table.name}.{'/'.join(keys)}: values '{printed}' printed on a line of their own "
                              f"after the labels of {len(rows)} rows; whose they are the text does not say; left null")
        for r in rows:
            _leave_null(table, r, vals)
    return table


def _leave_null(table: AssembledTable, row, vals: list[Token], every_cell: bool = False) -> None:
    """A row the text does not settle: every cell null, with what it may hold as candidates (the k-th
    value for the k-th cell when the values are one per column; with ``every_cell``, the one value
    printed for each cell, which keeps that value's token)."""
    n = len(row.columns)
    if every_cell:
        cands, token = [[vals[0].value]] * n, vals[0]
    else:
        cands = [[v.value] if v.value is not None else None for v in vals] if len(vals) == n else [None] * n
        token = None
    table.cells[row.key] = {c: Placed(None, token, None, k) for c, k in zip(row.columns, cands)}


def _line_pieces(line: str) -> list[str]:
    """The pieces of a label line that pdftotext printed beside one another, when there are several
    (a group label's line, then a row label's: "予处理 请无正当理由大量反复申")."""
    pieces = line.split()
    return pieces if len(pieces) > 1 else []


def _piece_row(m: _Matcher, line: str, cursor: int) -> int | None:
    """The first row one piece of a label line names, when the line as a whole named none; pieces no
    longer than an exact-match label ("其他") are not tried alone."""
    limit = load_spec().exact_max_len
    for piece in _line_pieces(line):
        key = label_key(piece)
        if len(key) > limit:
            idx = m.row(key, cursor, printed_numeral(piece))
            if idx is not None:
                return idx
    return None


def _joined_row(m: _Matcher, first: str, line: str, cursor: int, pending, after: int) -> int | None:
    """The row a label's first line (``first``, a key that named nothing) and this line name together,
    when it is a new one and no more values came after the first line than the row has columns. The line
    may hold pieces of other columns beside the label's ("不予公 密": the group label's, then 国家秘密's
    last character), so each piece is tried after the line as a whole."""
    keys = [label_key(line)] + [label_key(p) for p in _line_pieces(line)]
    for key in keys:
        idx = m.row(first + key, cursor) if key else None
        if idx is not None and (pending is None or idx != pending[0]) and after <= len(m.layout.rows[idx].columns):
            return idx
    return None


def _total_positions(rows: list[tuple[int, list[Token]]]) -> dict[int, int]:
    """Where the 总计 column stands in text laid out in columns: per column count, the position of the
    last value of the rows that print all their cells, when at least two agree (within COLUMN_SLACK)."""
    out: dict[int, int] = {}
    for n in {n for n, _ in rows if n > 1}:
        xs = [vals[-1].x for k, vals in rows if k == n and len(vals) == n and vals[-1].x is not None]
        if len(xs) >= 2:
            mid = sorted(xs)[len(xs) // 2]
            if sum(abs(x - mid) <= COLUMN_SLACK for x in xs) >= max(2, len(xs) * 2 // 3):
                out[n] = mid
    return out


def _column_positions(rows: list[tuple[int, list[Token]]]) -> dict[int, list[int]]:
    """Where each value column stands in text laid out in columns (pdftotext -layout): per column count,
    the position of each column, when at least two rows print all their cells and every such row puts
    its k-th value at the k-th position (within COLUMN_SLACK); a row printing fewer cells is then read by
    position, not by order. Text that separates cells by single spaces aligns nothing and gets none."""
    out: dict[int, list[int]] = {}
    for n in {n for n, _ in rows if n > 1}:
        full = [[v.x for v in vals] for k, vals in rows if k == n and len(vals) == n
                and all(v.x is not None and not v.blank for v in vals)]
        if len(full) < 2:
            continue
        cols = [sorted(xs)[len(xs) // 2] for xs in zip(*full)]
        if (all(abs(x - c) <= COLUMN_SLACK for xs in full for x, c in zip(xs, cols))
                and all(b - a > 2 * COLUMN_SLACK for a, b in zip(cols, cols[1:]))):
            out[n] = cols
    return out


def _by_position(values: list[Token], columns: list[int]) -> list[Token | None] | None:
    """A row printing fewer cells than columns, placed by where each value stands; None when a value
    stands off every column or two stand in one."""
    out: list[Token | None] = [None] * len(columns)
    for v in values:
        k = min(range(len(columns)), key=lambda i: abs(columns[i] - v.x))
        if abs(columns[k] - v.x) > COLUMN_SLACK or out[k] is not None:
            return None
        out[k] = v
    return out


def _digits(tok: Token) -> int:
    return sum(ch.isdigit() for ch in tok.text)


def _needs_reading(values: list[Token], n: int, has_total: bool) -> bool:
    """Must the row's printed pieces be read as digits run together (or with cells missing)? Yes when a
    piece cannot be one number ("0000000", "01"), or when the pieces are fewer than the columns, unless
    the one piece printed is the row's 总计 ("（七）总计 3119", a row that prints only its total)."""
    printed = [v for v in values if not v.blank]
    if any(v.value is None for v in printed):
        return True
    if len(values) >= n or not printed:
        return False
    return not (len(values) == 1 and has_total and n > 1 and _total_only(printed[0], n))


def _total_only(tok: Token, n: int) -> bool:
    """Is one number alone in a row of n cells its 总计 ("（七）总计 109")? Yes when printed apart from the
    label, or short; digits run into the label ("总计109") may also be cells left blank around others."""
    digits = _digits(tok)
    return digits <= TOTAL_ONLY_DIGITS or (not tok.glued and digits < n)


def _place(table: AssembledTable, row, values: list[Token], label_tok: Token, soft: bool = False,
           pad: str = "right", columns: list[int] | None = None) -> None:
    n = len(row.columns)
    has_total = TOTAL in row.columns and row.columns[-1] == TOTAL
    placed = (_by_position(values, columns) if columns and 0 < len(values) < n
              and all(v.x is not None and v.value is not None for v in values) else None)
    if placed is not None:
        cells = [Placed(t.value if t is not None else None, t) for t in placed]
    elif len(values) == n and (by_x := _across_lines_by_x(values)) is not None:
        # one row's values on two lines, and the first line's stand right of the next line's (pdftotext
        # of an office's PDF: the 总计 cell set at the top of a tall row, the others at its middle):
        # read in the order printed or by where they stand, whichever the table's sums allow
        cells = [Placed(None, values[0]) for _ in row.columns]
        keys = tuple(f"{row.key}.{c}" for c in row.columns)
        table.opens.append(Open(f"{table.name}.{row.key}", keys, [tuple(v.value for v in vs) for vs in (values, by_x)],
                                [tuple((v.start, v.end) for v in vs) for vs in (values, by_x)],
                                " ".join(v.text for v in values), values[0].start, values[-1].end))
    elif _needs_reading(values, n, has_total):
        cells = _open(table, [f"{row.key}.{c}" for c in row.columns], values, f"{table.name}.{row.key}",
                      table.signed)
    else:
        fitted, warning = _fit(values, n, has_total, pad)
        if warning:
            table.warnings.append(f"{table.name}.{row.key}: {warning}")
        cells = [Placed(t.value if t is not None else None, t) for t in fitted]
    _unit_warnings(table, row, cells)
    table.cells[row.key] = dict(zip(row.columns, cells))
    if soft:
        table.soft_labels[row.key] = label_tok
    else:
        table.cells_found.add(row.key)
        table.soft_labels.pop(row.key, None)
        table.label_tokens.append(label_tok)
    table.found_rows = len(table.cells_found) + len(table.soft_labels)


def _across_lines_by_x(values: list[Token]) -> list[Token] | None:
    """A row's values in the order they stand left to right, when they are printed on more than one
    line and that order is not the printed one; else None. Only numbers and blank marks with positions
    count (text laid out in columns), each standing apart from the others."""
    if any(v.x is None or (v.value is None and not v.blank) for v in values):
        return None  # (in one line positions grow: a value left of the one before stands on a later line)
    by_x = sorted(values, key=lambda v: v.x)
    if by_x == values or any(b.x - a.x <= COLUMN_SLACK for a, b in zip(by_x, by_x[1:])):
        return None
    return by_x


def _open(table: AssembledTable, cells: list[str], values: list[Token], label: str,
          signed: frozenset[str] = frozenset()) -> list[Placed]:
    """Digits run together over ``cells``: an open with every reading of the printed pieces, for the
    solver; the cells are null until it settles them. Where the readings are too many to list, those in
    which each row's 总计 is the sum of its other cells are listed instead; where even these are too many,
    the open settles nothing. A negative number reads only in a column that may be negative
    (``signed``): "-124" under three counts is a blank "-" and 124."""
    readings = _readings(values, cells, signed)
    if not readings.found:  # padding blanks of merged cells: try without them
        printed = [v for v in values if not v.blank]
        if len(printed) < len(values):
            values, readings = printed, _readings(printed, cells, signed)
    first, last = values[0], values[-1]

    def doc_spans(found: list) -> list:
        return [tuple(None if sp is None else (values[sp[0]].start + sp[1], values[sp[0]].start + sp[2]) for sp in sps)
                for _, sps in found]

    text = " ".join(v.text for v in values)
    if not readings.found and readings.complete:
        table.warnings.append(f"{label}: '{text}' cannot be read as {len(cells)} cells; left null")
    o = Open(label, tuple(cells), [vals for vals, _ in readings.found], doc_spans(readings.found), text, first.start,
             last.end, complete=readings.complete)
    table.opens.append(o)
    printed = [v for v in values if not v.blank]
    beside_empty = len(printed) == 1 and not printed[0].glued and any(v.blank and not v.text.strip() for v in values)
    if (table.name in _NO_ROW_SUMS and (len(printed) > 1 or beside_empty) and readings.complete
            and all(b.start > a.end for a, b in zip(printed, printed[1:]))):
        # pieces printed apart ("1 12"; not a run of digits the model cut, "2135" as 2 / 135), or one
        # number set apart from its label beside an empty cell ("65" and an empty line under three
        # columns: 6, 5 and the blank, or 65 and two blanks, one printed as nothing): in a table with no
        # sums across its rows, nothing could tell digits run together from blank cells
        extra = _readings(values, cells, signed, spare_blanks=True)
        # each new reading once (the one-total reading is there already; a blank may vanish in two places alike)
        seen, more = set(o.readings), []
        for r in extra.found:
            if r[0] not in seen:
                seen.add(r[0])
                more.append(r)
        if extra.complete and more:
            wide = all(b.start - a.end >= WIDE_GAP for a, b in zip(printed, printed[1:]))
            table.vanishing.append((o, [vals for vals, _ in more], doc_spans(more), wide))
    return [Placed(None, first) for _ in cells]


def _readings(values: list[Token], cells: list[str], signed: frozenset[str] = frozenset(),
              spare_blanks: bool = False) -> Readings:
    """The readings of a row's tokens over ``cells``; spans as (token index, start, end) in the token's
    text. A reading with a negative number in a column that cannot be negative is dropped. One number
    alone in a row with a 总计 may also be that 总计 alone."""
    unsigned = [k for k, cell in enumerate(cells) if cell.split(".")[1] not in signed]
    found: list = []
    complete = True
    if (len(values) == 1 and values[0].value is not None and cells[-1].endswith("." + TOTAL) and len(cells) > 1
            and _digits(values[0]) < len(cells)):
        found.append(((None,) * (len(cells) - 1) + (values[0].value,), (None,) * (len(cells) - 1) + ((0, 0, len(values[0].text)),)))
    for pieces, owners in _piece_variants(values):
        got = _readings_of(pieces, cells, spare_blanks)
        complete &= got.complete
        for vals, spans in got.found:
            if all(vals[k] is None or vals[k] >= 0 for k in unsigned):
                found.append((vals, tuple(None if sp is None else (owners[sp[0]][0], owners[sp[0]][1] + sp[1],
                                                                   owners[sp[0]][1] + sp[2]) for sp in spans)))
    return Readings(found, complete)


def _piece_variants(values: list[Token]):
    """The printed pieces of a row, and again with a leading "-" of a number read as a blank marker
    ("-124" under three counts: "-" and 124); each piece with its owner (token index, offset in it)."""
    base = [_piece(v) for v in values]
    owners = [(k, 0) for k in range(len(values))]
    yield base, owners
    dashed = [k for k, v in enumerate(values) if not v.blank and to_halfwidth(v.text[:1]) == "-" and len(v.text) > 1]
    for k in dashed[:3]:
        yield base[:k] + [None, base[k][1:]] + base[k + 1:], owners[:k] + [(k, 0), (k, 1)] + owners[k + 1:]


def _readings_of(pieces: list, cells: list[str], spare_blanks: bool = False) -> Readings:
    """The readings of printed pieces over ``cells``. ``spare_blanks``: instead, the readings in which
    pieces printed apart stand beside more cells printed as nothing than the digits need ("1 12" under
    three columns: 1, blank, 12 and the like, besides the 1, 1, 2 of digits run together)."""
    # fewer digits and markers than cells: the cells printed blank, wherever they stand
    capacity = sum(1 if p is None else p if isinstance(p, int) else sum(ch.isdigit() for ch in p) for p in pieces)
    missing = max(0, len(cells) - capacity)
    if spare_blanks:  # only the readings with more blank cells than the digits need
        found = Readings([], True)
        for k in range(missing + 1, len(cells) - len(pieces) + 1):
            more = row_readings(pieces, len(cells), missing=k)
            found = Readings(found.found + more.found, found.complete and more.complete)
        return found
    found = row_readings(pieces, len(cells), missing=missing)
    if found.complete:
        return found
    groups = []  # each row's cells, with its total-column rule
    for key in cells:
        row, col = key.split(".")
        if groups and groups[-1][0] == row:
            groups[-1][1].append(col)
        else:
            groups.append((row, [col]))
    return row_readings(pieces, len(cells), groups=[(len(cols), _total_rule(tuple(cols))) for _, cols in groups],
                        missing=missing)


def _piece(tok: Token) -> str | int | None:
    """A printed piece for row_readings: its digits, None for one blank cell, or the number of blank
    markers printed together ("——————": one to six blank cells)."""
    if not tok.blank:
        return tok.text
    marks = len(tok.text.strip())
    return marks if marks > 1 else None


def _total_rule(columns: tuple[str, ...]):
    """The total-column rule of a row with these columns, as a test of its values (trivial without one)."""
    if TOTAL not in columns:
        return lambda values: True
    t = columns.index(TOTAL)
    return lambda values: None in values or balanced([values[t]], [v for k, v in enumerate(values) if k != t])


def _unit_warnings(table: AssembledTable, row, cells: list[Placed]) -> None:
    """A money cell printed in another unit than its column's ("3443000元" under 万元) is kept as
    printed; say so."""
    for col, placed in zip(row.columns, cells):
        tok = placed.token
        if tok is not None and tok.unit in ("元", "亿元") and col == "amount":
            table.warnings.append(f"{table.name}.{row.key}.{col}: printed in {tok.unit} ('{tok.text}{tok.unit}'), "
                                  f"not the template's 万元; kept as printed")


def _assemble_review(tokens: list[Token], layout: TableLayout, m: _Matcher, table: AssembledTable) -> AssembledTable:
    """Table 四: its 15 cells (3 groups x 5 columns) in one printed row, one row of five per group, only
    the three 总计 cells, or cells run together (read by the solver)."""
    runs: list[tuple[str | None, list[Token]]] = []  # runs of value cells, split by labels and row starts
    current_group: str | None = None
    run: list[Token] = []
    for tok in tokens:
        if run and (tok.kind == "label" or tok.row_break or tok.prose):
            runs.append((current_group, run))
            run = []
        if tok.prose:
            continue
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
    all_cells = [f"{row.key}.{col}" for row in layout.rows for col in row.columns]
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

    def plain(toks: list[Token]) -> bool:
        return all(t.blank or t.value is not None for t in toks)

    if not data:
        return table
    if len({g for g, _ in data}) == 1:  # the whole table in one run (or in rows that no group label opens)
        whole = [t for _, r in data for t in r]
        printed = [t for t in whole if not t.blank]
        if len(whole) == len(layout.rows) and len(printed) == len(whole) and plain(whole) and \
                all(_digits(t) < ncols for t in whole):  # only the 总计 cells (as a group's below)
            return put([t if c.key == TOTAL else None for t in whole for c in layout.columns])
        if len(whole) == total and plain(whole):
            return put(whole)
        return put(_open(table, all_cells, whole, table.name))
    # one row of five per group
    for g, r in data:
        if g is None:
            continue
        row = layout.row(g)
        if len(r) == ncols and plain(r):
            cells = [Placed(t.value, t) for t in r]
        elif len(r) == 1 and plain(r) and _digits(r[0]) < ncols:  # only the group's 总计 printed
            cells = [Placed(None, None)] * (ncols - 1) + [Placed(r[0].value, r[0])]
        else:
            cells = _open(table, [f"{g}.{c}" for c in row.columns], r, f"{table.name}.{g}")
        table.cells[g] = dict(zip(row.columns, cells))
        table.found_rows += 1
    return table


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
    by_key = {s.key: s for s in sections if s.key}
    regions: dict[str, tuple[int, int] | None] = {}
    for name in TABLE_NAMES:
        ts = spec.tables[name]
        sec = by_key.get(spec.section(ts.section).key)
        if sec is not None:
            # the section's prose before the table is narrative: a row label in it ("其中规范性文件类信息5条")
            # is no row. The table starts at its first marker, where one stands in the section
            hit = _table_start(doc, ts.start_markers, sec.start, sec.end)
            regions[name] = (sec.start if hit is None else max(sec.start, _clause_start(doc.text, hit)), sec.end)
            continue
        lo = max((r[1] for r in regions.values() if r), default=0)
        hit = _table_start(doc, ts.start_markers + (label_key(ts.title),), lo, len(doc.text))
        if hit is None:
            regions[name] = None
            continue
        ends = [s.start for s in sections if s.start > hit]
        nxt_idx = TABLE_NAMES.index(name) + 1
        if nxt_idx < len(TABLE_NAMES):
            nxt = _key_find(doc, spec.tables[TABLE_NAMES[nxt_idx]].start_markers, hit + 1, len(doc.text))
            if nxt is not None:
                ends.append(max(hit + 1, _clause_start(doc.text, nxt)))
        regions[name] = (_clause_start(doc.text, hit), min(ends) if ends else len(doc.text))
    return regions


def _table_start(doc: Document, markers: tuple[str, ...], lo: int, hi: int) -> int | None:
    """The first of ``markers`` in doc.text[lo:hi] that stands outside a sentence: a marker in a sentence
    ("另收到行政复议申请1件，经复议维持了原答复。" under 一、总体情况) is no table's start."""
    hit = _key_find(doc, markers, lo, hi)
    while hit is not None and _in_sentence(doc.text, hit):
        hit = _key_find(doc, markers, hit + 1, hi)
    return hit


_SENTENCE_AFTER_MARKER = re.compile(r"[^\n，,。；;]{0,40}[，,。；;]")  # a comma or sentence end, on the marker's line


def _in_sentence(text: str, at: int) -> bool:
    """Does the table marker at ``at`` stand in running prose: a comma or a sentence end follows it on its
    line within 40 characters? (A table's labels and cells run on without them: "行政复议数 件 0 行政诉讼数…".)"""
    return _SENTENCE_AFTER_MARKER.match(text, at) is not None


_CLAUSE_BREAK = re.compile(r"[\n。；;]")


def _clause_start(text: str, at: int) -> int:
    """Where the line or sentence that holds ``at`` starts (a line in laid-out text; a sentence, not the
    whole body, in text whose line breaks were lost)."""
    line = text.rfind("\n", 0, at) + 1
    m = None
    for m in _CLAUSE_BREAK.finditer(text, line, at):
        pass
    return m.end() if m else line


# ------------------------------------------------------------------------------------------ API


def tokens_for_region(doc: Document, start: int, end: int) -> tuple[str, list[Token]]:
    """Tokens of a table region: a reader's cell grids where it found them, the text between and
    around them (rows that a page break cut out of a PDF's grid, "6.属于四类过程性信" / "0 0 0 …") as
    text."""
    tables = sorted(doc.tables_in(start, end), key=lambda t: t.start)
    if not tables:
        return tokens_from_text(doc.text[start:end], start)
    toks: list[Token] = []
    pos = start
    for t in tables:
        if doc.text[pos:t.start].strip():
            toks.extend(tokens_from_text(doc.text[pos:t.start], pos)[1])
        toks.extend(tokens_from_table(t, doc.text))
        pos = max(pos, t.end)
    if doc.text[pos:end].strip():
        toks.extend(tokens_from_text(doc.text[pos:end], pos)[1])
    return "reader_table", toks


def parse_tables(doc: Document, sections: list[Section], year: int | None = None,
                 template: str | None = None) -> TablesResult:
    """Parse tables 二, 三 and 四 of a report; add TABLE_CELL / TABLE_LABEL spans to the rules layer."""
    spec = load_spec()
    regions = table_regions(doc, sections)
    found = [r for r in regions.values() if r]
    result = TablesResult(template=None, tables={n: None for n in TABLE_NAMES}, provenance={}, warnings=[],
                          regions=[])
    if template is None:
        if found and year is not None and year < spec.template_first_year and \
                detect_template(doc.folded, folded=True) is None:
            # a report on a year before the template tables, printing none of their cues: its tables are
            # the old statistics forms ("行政复议数 条 0 0"), whose labels are no template rows
            result.warnings.append(f"tables: a report on {year}, before the template tables "
                                   f"({spec.template_first_year} on), and none of their headings printed; none read")
            result.before_template = True
            return result
        scope = "".join(doc.fold_range(s, e) for s, e in found) if found else doc.folded
        template = detect_template(scope, year, folded=True) or detect_template(doc.folded, year, folded=True)
    if not found:
        return result
    template = template or "2021"

    def tokens_of(name: str, start: int, end: int) -> list[Token]:
        layout_name, toks = tokens_for_region(doc, start, end)
        result.layouts[name] = layout_name
        # (not table 四: its one line of values has no row labels to fit them to)
        if layout_name == "blank_separated" and name != "review_litigation" and empty_cells_may_print_two_lines(
                text := doc.text[start:end]):
            toks = _better_fit(toks, tokens_from_text(text, start, layout_name, blank_lines=2)[1],
                               spec.table(name, template))
        return toks

    for name, assembled in read_tables(regions, tokens_of, template).items():
        region = regions[name]
        if not assembled.found_rows:
            continue
        values = assembled.values()
        extent = table_extent(assembled, region)
        if extent is not None:
            result.regions.append(extent)
        result.warnings.extend(assembled.warnings)
        result.tables[name] = values
        result.ambiguities.extend(assembled.ambiguities)
        _record_spans(doc, assembled, name, result.provenance)
    if all(t is None for t in result.tables.values()):
        return TablesResult(None, result.tables, {}, result.warnings, [], result.layouts)
    result.template = template
    return result


MAX_SHOWN_READINGS = 4


def _misfit(tokens: list[Token], layout: TableLayout) -> int:
    """How far the values after each row's label are from that row's number of cells, summed."""
    named = _rows_named(tokens, layout)
    if named is None:
        return 0
    bounds = [pos for _, pos in named] + [len(tokens)]
    return sum(abs(len(layout.rows[idx].columns) - sum(
        t.kind == "value" and not t.prose for t in tokens[pos + 1:bounds[k + 1]])) for k, (idx, pos) in enumerate(named))


def _better_fit(one: list[Token], two: list[Token], layout: TableLayout) -> list[Token]:
    """Blank-separated text whose empty cells may print one empty line or two, tokenised both ways: two
    where that gives the rows their number of cells more nearly, else one (seed 000's, as before)."""
    return two if _misfit(two, layout) < _misfit(one, layout) else one


def read_table(tokens: list[Token], layout: TableLayout, template: str,
               after: list[list[Token]] = ()) -> AssembledTable:
    """A table's tokens placed on its grid (:func:`assemble`) and its digits run together read
    (:func:`settle`); where a row's values stand above its label (text in reading order), read again
    with the values dealt to the rows in order, and the two readings weighed (:func:`oriented`).
    ``after``: the lines of values that the text after the table's region opens with, as wide as the
    table's rows (:func:`spill_candidates`); the fewest of them that make the dealing exact are its last
    rows' values (``spilled``)."""
    table = assemble(tokens, layout)
    if not table.found_rows:
        return table
    settle(table, template)
    if table.values_above:
        dealt, spilled = values_in_row_order(tokens, layout), []
        for k in range(1, len(after) + 1):
            if dealt is not None:
                break
            spilled = [t for line in after[:k] for t in line]
            dealt = values_in_row_order(tokens + spilled, layout, inside=len(tokens))
        other = assemble(dealt if dealt is not None else values_after_labels(tokens, layout), layout)
        settle(other, template)
        table = oriented(table, other, template, exact=dealt is not None)
        if table is other and spilled:
            table.spilled = spilled
            table.warnings.append(f"{table.name}: the values of its last {k} rows printed after the "
                                  f"table, at the start of the next table's text (text in reading order); read as "
                                  f"those rows'")
    return table


def spill_candidates(tokens: list[Token], layout: TableLayout) -> list[list[Token]]:
    """The lines of values alone that a table's text opens with, each as wide as the rows of ``layout``
    (a table whose rows are all as wide, and wider than one cell), before any other line of values: where
    text in reading order prints the last rows of that table after the next table's heading ("四、政府信息
    公开行政复议…" / "行政复议" / "8 0 0 0 0 0 8"), they are its candidates for them."""
    widths = {len(r.columns) for r in layout.rows}
    if len(widths) != 1 or (width := widths.pop()) < 3:
        return []
    out: list[list[Token]] = []
    for line in _lines_of(tokens):
        values = [t for t in line if t.kind == "value" and not t.prose]
        if not values:
            if out:
                break  # the lines of values taken are one run
            continue
        if len(values) != len(line) or len(values) != width or any(t.glued for t in values):
            break
        out.append(line)
    return out


def read_tables(regions: dict[str, tuple[int, int] | None], tokens_of, template: str) -> dict[str, AssembledTable]:
    """Each table with a region read (:func:`read_table`) from ``tokens_of(name, start, end)``, in the
    template's order: values of a table's last rows printed after its region are taken from the start
    of the next table's text, which then reads without them."""
    spec = load_spec()
    names = [n for n in TABLE_NAMES if regions.get(n)]
    toks = {n: tokens_of(n, *regions[n]) for n in names}
    out: dict[str, AssembledTable] = {}
    for i, name in enumerate(names):
        layout = spec.table(name, template)
        nxt = names[i + 1] if i + 1 < len(names) else None
        out[name] = table = read_table(toks[name], layout, template,
                                       spill_candidates(toks[nxt], layout) if nxt else [])
        if table.spilled:
            taken = set(map(id, table.spilled))
            toks[nxt] = [t for t in toks[nxt] if id(t) not in taken]
    return out


def _lines_of(tokens: list[Token]) -> list[list[Token]]:
    lines: list[list[Token]] = []
    for tok in tokens:
        if tok.row_break or not lines:
            lines.append([])
        lines[-1].append(tok)
    return lines


def _names_row(m: _Matcher, text: str, cursor: int = 0) -> int | None:
    """The row (from ``cursor`` on) a label's text names, if any."""
    key = label_key(text)
    return m.row(key, cursor, printed_numeral(text)) if key else None


def values_after_labels(tokens: list[Token], layout: TableLayout) -> list[Token]:
    """The table's tokens with every line of values alone moved after a later line that names a row, the
    oldest line held to the first such line that prints no values of its own: how the table reads where
    each row's values are printed above its label (a PDF's text read in reading order, without its
    layout)."""
    m = _matcher(layout)
    out: list[Token] = []
    held: list[list[Token]] = []
    for line in _lines_of(tokens):
        if all(t.kind == "value" and not t.prose for t in line):
            held.append(line)
            continue
        out += line
        if held and not any(t.kind == "value" for t in line) and any(
                t.kind == "label" and not t.prose and _names_row(m, t.text) is not None for t in line):
            out += held.pop(0)
    return out + [t for line in held for t in line]


def _rows_named(tokens: list[Token], layout: TableLayout) -> list[tuple[int, int]] | None:
    """(row, position of its label token) of each row label, in the order printed, each row after the
    one before (a header word before the first row, "总计", names none); None where lines taken for one
    cell name two rows ("规章 / 行政规范性文件": whose values follow them the text does not say)."""
    m = _matcher(layout)
    named: list[tuple[int, int]] = []
    for pos, tok in enumerate(tokens):
        if tok.prose or tok.kind != "label":
            continue
        idx = _names_row(m, tok.text, named[-1][0] + 1 if named else 0)
        if idx is not None and "\n" in tok.text and sum(
                _names_row(m, line) is not None for line in tok.text.split("\n")) > 1:
            return None
        if idx is not None and (named or not (m.is_header(key := label_key(tok.text))
                                              and len(key) <= load_spec().exact_max_len)):
            named.append((idx, pos))
    return named


def values_in_row_order(tokens: list[Token], layout: TableLayout, inside: int | None = None) -> list[Token] | None:
    """The table's tokens with its values dealt to its row labels in order, as many to each row as it has
    cells, wherever they stand: above its label, beside it or below, a line of them or a cell a line.
    Only where that is exact: as many values as the rows named have cells, each row's values after the
    label of the row before it and before the label of the row after it, and none of a row's values
    split by its label unless both orders read alike (text in reading order prints a row's cells on the
    label's line first or last); else None. Tokens from ``inside`` on stand after the table's region:
    they are the last rows' values, after every label."""
    named = _rows_named(tokens, layout)
    if named is None:
        return None
    values = [pos for pos, tok in enumerate(tokens) if tok.kind == "value" and not tok.prose]
    counts = [len(layout.rows[i].columns) for i, _ in named]
    # blank cells beyond the rows' (empty lines of text printed a cell a line) before the first label or
    # after the last value
    while named and len(values) > sum(counts) and tokens[values[0]].blank and values[0] < named[0][1]:
        values.pop(0)
    while named and len(values) > sum(counts) and tokens[values[-1]].blank:
        values.pop()
    if not named or sum(counts) != len(values):
        return None
    after: dict[int, list[Token]] = {}
    at = 0
    for k, ((_, pos), n) in enumerate(zip(named, counts)):
        mine = values[at:at + n]
        at += n
        printed_here = [i for i in mine if inside is None or i < inside]
        if (k > 0 and mine[0] < named[k - 1][1]) or (
                k + 1 < len(named) and printed_here and printed_here[-1] > named[k + 1][1]):
            return None  # past the next row's label or before the last one's: no row's own
        cut = sum(i < pos for i in mine)
        if 0 < cut < n and [tokens[i].value for i in mine[cut:] + mine[:cut]] != [tokens[i].value for i in mine]:
            return None  # some above its label, some beside or below: which come first the text does not say
        after[pos] = [tokens[i] for i in mine]
    out: list[Token] = []
    dealt = {i for mine in after.values() for i in map(id, mine)}
    for pos, tok in enumerate(tokens):
        if tok.kind == "value" and not tok.prose and id(tok) in dealt:
            continue
        out.append(tok)
        out += after.get(pos, [])
    return out


def _broken_sums(table: AssembledTable, template: str) -> list:
    """The table's identities its values break (blank and null as 0: a row left null in a table whose
    values went astray is no proof that the others hold)."""
    values = table.values()

    def cell(key: str) -> float:
        row, col = key.split(".")
        return values.get(row, {}).get(col) or 0

    return [i for i in table_identities(table.name, template) if not balanced(map(cell, i.lhs), map(cell, i.rhs))]


def oriented(printed: AssembledTable, moved: AssembledTable, template: str, exact: bool = False) -> AssembledTable:
    """A table that printed a row's values before a row's label, read both ways: each row's values after
    its label (``printed``: the values before the first label are no row's) and as ``moved`` reads them
    (the values dealt to the rows in order, ``exact``, else each line of them with the next label). The
    dealt reading is the table unless it breaks more of the table's sums than the other: it gives every
    printed value to a row, in order, where the other leaves a row's values to no row. Else the cells
    the two ways read alike stand and the others are null, with both readings as candidates: sums that
    hold one way only do not settle it (a sparse table's sums can hold with every row one row off)."""
    broken_printed, broken_moved = len(_broken_sums(printed, template)), len(_broken_sums(moved, template))
    if exact and broken_moved <= broken_printed:
        if not table_identities(moved.name, template):
            holds = "the table has no sums to check it"
        else:
            holds = (f"{broken_moved} of its sums fail as printed" if broken_moved else "every sum of the table holds")
            holds += f" ({broken_printed} fail with each row's values after its label)"
        moved.warnings.append(f"{moved.name}: values printed above their row labels (text in reading order); "
                              f"values dealt to the rows named, in order: {holds}")
        return moved
    a, b = printed.values(), moved.values()
    differ = [(row, col) for row, cols in a.items() for col, v in cols.items() if v != b[row][col]]
    # and the cells of every sum the table breaks so read: where values went astray, a broken sum says
    # that some of its cells hold another row's number
    differ += [tuple(key.split(".")) for i in _broken_sums(printed, template) for key in (*i.lhs, *i.rhs)]
    # values go astray a row at a time: a row with one such cell has none to trust
    rows = dict.fromkeys(row for row, _ in differ)
    differ = [(row, col) for row in rows for col in a[row]]
    for row, col in differ:
        cands = sorted({v for v in (a[row][col], b[row][col]) if v is not None})
        # the cell keeps a token of its row, so that its null is the rules' reading (with candidates),
        # not a cell no rule found that a model may fill
        token = printed.cells[row][col].token or moved.cells[row][col].token or next(
            (p.token for t in (printed, moved) for p in t.cells[row].values() if p.token is not None), None)
        printed.cells[row][col] = Placed(None, token, None, cands)
    if differ:
        printed.warnings.append(
            f"{printed.name}: values printed above their row labels as well as beside or below them (text in "
            f"reading order); whose they are the text does not settle ({broken_printed} of the table's sums fail "
            f"one way, {broken_moved} the other); {len(differ)} cells of rows {', '.join(rows)} (read differently "
            f"two ways, or in a sum that fails) left null, the readings as candidates")
    return printed


def table_extent(table: AssembledTable, region: tuple[int, int]) -> tuple[int, int] | None:
    """The text a table read claims, where no narrative is: from its first word (a title, a header or a
    row's label) to its last cell inside
    its region (prose of the same section before or after it is narrative). None when no cell of it could
    be read: where its labels stand in prose ("被申请行政复议14件、提起行政诉讼5件"), the counts are narrative."""
    if not any(v is not None for cols in table.values().values() for v in cols.values()):
        return None
    toks = list(table.label_tokens) + list(table.soft_labels.values())
    toks += [p.token for cols in table.cells.values() for p in cols.values() if p.token is not None]
    spans = [(t.start, t.end) for t in toks] + [(o.start, o.end) for o in table.opens]  # digits run together too
    if spans and table.opened_at is not None:  # its titles and headers too ("第二 / 十条第（一）项" of a grid)
        spans.append((table.opened_at, table.opened_at))
    if not spans:
        return region
    return max(region[0], min(s for s, _ in spans)), min(region[1], max(e for _, e in spans))


# tables without sums across their rows: a run of digits there is settled by nothing but its own printing
_NO_ROW_SUMS = ("active_disclosure",)
WIDE_GAP = 3  # spaces between two numbers of text laid out in columns (pdftotext -layout), not a lost separator


def _allow_vanished_blanks(table: AssembledTable) -> None:
    """Where a table shows that its blank cells print as nothing (a row with a label and no digits, or
    fewer digits than cells), a run of digits that fills its cells exactly ("218" under 制发 / 废止 /
    现行有效) may also hold blanks (blank, 2, 18; 21, blank, 8; …), and so may pieces printed apart ("1 12":
    1, blank, 12; always where wide gaps part them): those readings join its open, so the cell is null
    with its candidates instead of read digit by digit. Only in tables that have no sums across their
    rows (table 二), where no check could tell the readings apart."""
    if table.name not in _NO_ROW_SUMS:
        return
    printed_nothing = any(all(p.token is None for p in cols.values())
                          for row, cols in table.cells.items() if row in table.cells_found)
    short = any(sum(ch.isdigit() for ch in to_halfwidth(o.text)) < len(o.cells) for o in table.opens)
    for o, readings, spans, wide in table.vanishing:  # pieces printed apart ("1 12")
        if wide or printed_nothing or short:
            o.readings.extend(readings)
            o.spans.extend(spans)
    if not (printed_nothing or short):
        return
    for o in table.opens:
        digits = to_halfwidth(o.text)
        if not (o.complete and digits.isascii() and digits.isdigit() and len(digits) == len(o.cells)):
            continue
        for missing in range(1, len(o.cells)):
            for vals, spans in row_readings([digits], len(o.cells), missing=missing).found:
                if vals not in o.readings:
                    o.readings.append(vals)
                    o.spans.append(tuple(None if sp is None else (o.start + sp[1], o.start + sp[2]) for sp in spans))


def _within_bounds(table: AssembledTable, bounds: tuple[Bound, ...]) -> None:
    """Drop the readings of run-together digits that break an order of the row's cells (现行有效 ≥ 本年制发
    − 本年废止: "6045" is 6, 0, 45, not 60, 4, 5), with a warning naming them. Where every reading breaks
    one, the report prints it so: all are kept."""
    if not bounds:
        return
    for o in table.opens:
        rows = dict.fromkeys(c.split(".")[0] for c in o.cells)
        keep = []
        for reading in o.readings:
            values = dict(zip(o.cells, reading))
            keep.append(not any(
                b.broken({col: values.get(f"{row}.{col}", placed.value) for col, placed in table.cells[row].items()})
                for row in rows for b in bounds))
        if all(keep) or not any(keep):
            continue
        dropped = [list(r) for r, k in zip(o.readings, keep) if not k]
        o.readings = [r for r, k in zip(o.readings, keep) if k]
        o.spans = [sp for sp, k in zip(o.spans, keep) if k]
        shown = " / ".join(str(r) for r in dropped[:MAX_SHOWN_READINGS])
        table.warnings.append(f"{o.label}: run-together cells '{o.text}' not read as {shown}, which breaks "
                              f"{'; '.join(map(str, bounds))}")


def settle(table: AssembledTable, template: str) -> None:
    """Read the table's digits run together, all at once, under its identities (rules/solve.py): cells
    the best readings agree on are placed; the others stay null with their candidates, an Ambiguity and
    a warning."""
    if not table.opens:
        return
    _allow_vanished_blanks(table)
    _within_bounds(table, load_spec().table(table.name, template).bounds)
    known: dict[str, int | float | None] = {}
    open_cells = {c for o in table.opens for c in o.cells}
    for row, cols in table.cells.items():
        for col, placed in cols.items():
            key = f"{row}.{col}"
            if key not in open_cells:
                known[key] = placed.value
    identities = table_identities(table.name, template)
    solution = solve(known, table.opens, identities)
    values, left = settled(table.opens, solution)
    for key, (value, span) in values.items():
        row, col = key.split(".")
        table.cells[row][col] = Placed(value, table.cells[row][col].token, span)
    if solution.broken and values:
        table.warnings.append(f"{table.name}: digits run together read as the table's checks allow best "
                              f"({solution.broken} of its sums fail as printed)")
    left_set = set(left)
    for o, kept, complete in zip(table.opens, solution.kept, solution.complete):
        open_here = [c for c in o.cells if c in left_set]
        if not open_here:
            continue
        if not complete:
            table.warnings.append(f"{o.label}: run-together cells '{o.text}' have too many readings to "
                                  f"search; left null")
            continue
        if not o.readings:
            continue  # no reading at all: said when the open was made
        idx = [o.cells.index(c) for c in open_here]
        readings = sorted({tuple(o.readings[r][i] for i in idx) for r in kept}, key=_order_key)
        for i, cell in zip(idx, open_here):
            row, col = cell.split(".")
            cands = sorted({r[open_here.index(cell)] for r in readings if r[open_here.index(cell)] is not None})
            table.cells[row][col] = Placed(None, table.cells[row][col].token, None, cands)
        shown = " / ".join(str(list(r)) for r in readings[:MAX_SHOWN_READINGS])
        more = f" / … ({len(readings)} in all)" if len(readings) > MAX_SHOWN_READINGS else ""
        for row in dict.fromkeys(c.split(".")[0] for c in open_here):  # a warning per row, naming it
            table.warnings.append(f"{table.name}.{row}: run-together cells '{o.text}' are ambiguous: "
                                  f"{len(readings)} readings fit the table's checks equally "
                                  f"({', '.join(open_here)}: {shown}{more}); left null")
        table.ambiguities.append(Ambiguity(table.name, open_here, [list(r) for r in readings], o.start, o.end))


def _order_key(reading: tuple) -> tuple:
    return tuple(float("-inf") if v is None else v for v in reading)


def _record_spans(doc: Document, table: AssembledTable, name: str, provenance: dict[str, Provenance]) -> None:
    layer = doc.layer("rules")
    for tok in table.label_tokens + list(table.soft_labels.values()):
        layer.append(Span(tok.start, tok.end, "TABLE_LABEL", "rules", 1.0, {"table": name}))
    seen: set[tuple[int, int]] = set()
    for row, cols in table.cells.items():
        for col, placed in cols.items():
            tok = placed.token
            if tok is None:
                continue
            # a cell read out of digits run together points at its own digits, with less confidence
            start, end = placed.span or (tok.start, tok.end)
            conf = RUN_TOGETHER_CONFIDENCE if placed.span is not None or placed.candidates is not None else 1.0
            provenance[f"tables.{name}.{row}.{col}"] = Provenance("rules", start, end, conf, placed.candidates)
            if end > start and (start, end) not in seen:
                seen.add((start, end))
                layer.append(Span(start, end, "TABLE_CELL", "rules", conf,
                                  {"table": name, "row": row, "col": col, "value": placed.value}))
