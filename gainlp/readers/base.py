"""What every reader shares: the error type, the format registry, and the text builder.

A reader is a function ``(raw: bytes, path: str) -> Document`` registered for a format name and its
file extensions. It lays its output out with :class:`TextBuilder`, which keeps the offsets of every
line and table cell, so all offsets in a Document point into the text the reader produced.

Tables are rendered the same way by every reader: one line per grid row, the row's cells (only the
cells that start in that row, blank cells included) joined by a tab.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from gainlp.document import Cell, Document, Placement, Table
from gainlp.text import fold_radicals, is_cjk


class ReadError(Exception):
    """A file that cannot be read; ``str(err)`` is one line naming the file and the reason."""

    def __init__(self, path: str | None, reason: str):
        self.path = path
        self.reason = " ".join(str(reason).split())  # keep it on one line
        super().__init__(f"{path or '<text>'}: {self.reason}")


ReaderFunc = Callable[[bytes, str], Document]


@dataclass(frozen=True)
class ReaderSpec:
    fmt: str
    extensions: tuple[str, ...]
    func: ReaderFunc


READERS: dict[str, ReaderSpec] = {}
EXTENSIONS: dict[str, str] = {}


def register(fmt: str, *extensions: str) -> Callable[[ReaderFunc], ReaderFunc]:
    """Class the decorated function as the reader of ``fmt`` and of files with these extensions."""

    def wrap(func: ReaderFunc) -> ReaderFunc:
        exts = tuple(e.lower() if e.startswith(".") else "." + e.lower() for e in extensions)
        READERS[fmt] = ReaderSpec(fmt, exts, func)
        for ext in exts:
            EXTENSIONS[ext] = fmt
        return func

    return wrap


# ---------------------------------------------------------------------------------------------
# characters and white space

_WIDE_EXTRA = set("“”‘’…—·")


def is_wide(ch: str) -> bool:
    """A CJK ideograph, CJK punctuation or a full-width form: no space is ever needed next to it."""
    return is_cjk(ch) or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef" or ch in _WIDE_EXTRA


def join_cell_lines(lines: list[str]) -> str:
    """The lines of one table cell as one string: a space between two narrow (latin) sides, none where
    either side is wide (CJK), as a reader of the printed cell would join them."""
    out = ""
    for line in lines:
        if out and not (is_wide(out[-1]) or is_wide(line[0])):
            out += " "
        out += line
    return out


_WS_RUN = re.compile(r"[ \t\r\n\f\v\xa0\u3000\u2002\u2003\u200b]+")


def squeeze(text: str, *, tight: bool = False) -> str:
    """Collapse each white-space run to one space and strip the ends.

    A run is dropped altogether when ``tight`` and a wide character stands on either side of it
    (PDF spacing: "第 711 号" -> "第711号"), or, when not tight, when it holds a line break next to a
    wide character (a CJK word wrapped inside a cell: "商业\\n企业" -> "商业企业").
    """

    def repl(m: re.Match) -> str:
        s, e = m.start(), m.end()
        if s == 0 or e == len(text):
            return ""
        before, after = text[s - 1], text[e]
        if is_wide(before) or is_wide(after):
            if tight or "\n" in m.group() or "\r" in m.group():
                return ""
        return " "

    return _WS_RUN.sub(repl, text)


def join_wrapped(first: str, second: str) -> str:
    """Join two pieces of one wrapped line: a space only between two latin letters."""
    if first and second and first[-1].isascii() and first[-1].isalpha() and second[0].isascii() and second[0].isalpha():
        return first + " " + second
    return first + second


# ---------------------------------------------------------------------------------------------
# tables


@dataclass
class RawCell:
    """A table cell before layout: its text, grid position and spans."""

    text: str
    row: int = 0
    col: int = 0
    rowspan: int = 1
    colspan: int = 1
    # where stretches of the text stand on the page: (start, end, page, box) relative to ``text``
    pieces: list[tuple[int, int, int, tuple[float, float, float, float]]] = field(default_factory=list)


Grid = list[list["RawCell | None"]]


def place_cells(rows: list[list[RawCell]], max_span: int = 1000) -> Grid:
    """Lay cells given row by row (HTML order, spans as attributes) out on a grid.

    Each cell goes to the first free column of its row; rowspan and colspan mark positions as covered
    (``None``). A rowspan is cut at the last row; short rows are padded with ``None``.
    """
    n_rows = len(rows)
    grid: Grid = [[] for _ in range(n_rows)]
    taken: list[set[int]] = [set() for _ in range(n_rows)]
    for r, cells in enumerate(rows):
        c = 0
        for cell in cells:
            while c in taken[r]:
                c += 1
            cell.rowspan = max(1, min(cell.rowspan, n_rows - r))
            cell.colspan = max(1, min(cell.colspan, max_span))
            cell.row, cell.col = r, c
            for rr in range(r, r + cell.rowspan):
                row = grid[rr]
                while len(row) < c + cell.colspan:
                    row.append(None)
                for cc in range(c, c + cell.colspan):
                    taken[rr].add(cc)
            grid[r][c] = cell
            c += cell.colspan
    return pad_grid(grid)


def pad_grid(grid: Grid) -> Grid:
    width = max((len(r) for r in grid), default=0)
    for row in grid:
        row.extend([None] * (width - len(row)))
    return grid


# ---------------------------------------------------------------------------------------------
# the text builder


@dataclass
class TextBuilder:
    """Accumulates lines and tables, tracking offsets into the final text (lines joined by "\\n")."""

    parts: list[str] = field(default_factory=list)
    pos: int = 0
    tables: list[Table] = field(default_factory=list)
    n_lines: int = 0
    geometry: list[Placement] = field(default_factory=list)

    def _newline(self) -> None:
        if self.n_lines:
            self.parts.append("\n")
            self.pos += 1
        self.n_lines += 1

    def _put(self, s: str) -> tuple[int, int]:
        start = self.pos
        self.parts.append(s)
        self.pos += len(s)
        return start, self.pos

    def add_line(self, line: str) -> tuple[int, int]:
        """Append one line (it must not contain a line break); return its span."""
        self._newline()
        return self._put(line)  # (its radical code points Document.from_text folds, as every reader's)

    def add_lines(self, text: str) -> None:
        for line in text.split("\n"):
            self.add_line(line)

    def add_blocks(self, blocks: "list[str | Grid]") -> None:
        """Paragraph lines and table grids, in reading order."""
        for block in blocks:
            if isinstance(block, str):
                self.add_line(block)
            else:
                self.add_table(block)

    def add_table(self, grid: Grid, page: int | None = None) -> Table:
        """Render a grid of RawCells (covered positions ``None``) and record it as a Table."""
        out: list[list[Cell | None]] = []
        start = None
        for r, row in enumerate(grid):
            self._newline()
            if start is None:
                start = self.pos
            out_row: list[Cell | None] = []
            first = True
            for c, raw in enumerate(row):
                if raw is None:
                    out_row.append(None)
                    continue
                if not first:
                    self._put("\t")
                first = False
                # folded here too, so that the cell's own text is the document's (Document.from_text)
                text = fold_radicals(raw.text.replace("\n", " ").replace("\t", " "))
                s, e = self._put(text)
                out_row.append(Cell(text=text, start=s, end=e, row=r, col=c, rowspan=raw.rowspan, colspan=raw.colspan))
            out.append(out_row)
        if start is None:
            start = self.pos
        table = Table(grid=out, start=start, end=self.pos, page=page)
        self.tables.append(table)
        return table

    def place(self, start: int, end: int, page: int, box: tuple[float, float, float, float]) -> None:
        """Record where the text at [start, end) stands: page (1-based) and box (x0, top, x1, bottom)."""
        if end > start:
            self.geometry.append(Placement(start, end, page, box))

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def document(self, raw: bytes, path: str, fmt: str, meta: dict | None = None, warnings: list[str] | None = None) -> Document:
        doc = Document.from_text(self.text, path=path, fmt=fmt, raw=raw)
        doc.tables = self.tables
        doc.geometry = sorted(self.geometry, key=lambda p: (p.start, p.end))
        doc.meta = meta or {}
        doc.warnings = warnings or []
        return doc


def leaf_grid_is_layout(grid: Grid) -> bool:
    """A 'table' with at most one cell in every row is a box drawn around text, not a data table."""
    return all(sum(1 for c in row if c is not None) <= 1 for row in grid)
