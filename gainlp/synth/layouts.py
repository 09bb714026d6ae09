"""Text layouts of the template tables: one renderer per way real report text prints a table.

Every renderer walks a :class:`~gainlp.synth.printed.PrintedTable` (the official form's grid) and the
printed value of each value cell, and returns a :class:`~gainlp.synth.builder.Piece`: the text plus a
TABLE_CELL span on every printed number or blank marker ("/", "—"; a blank cell has no span) and a
TABLE_LABEL span on every row label, grouping label, column header and 第二十条 title.

Layouts (``LAYOUTS``), each seen in real reports or in the extraction issue:

* ``cell_per_line``: one cell per line, cells separated by a blank line, an empty cell one extra lone
  blank line (seed 000);
* ``tab_cell_per_line``: one cell per line prefixed by a tab, rows separated by a blank line, a cell
  covered by a merged cell above printed as a lone tab (seeds 001, 003, 004);
* ``tab_rows``: a row per line, cells joined by tabs, merged cells blank;
* ``pipe_rows``: "cell | cell |" rows padded with "|" to the grid width (seed 002);
* ``cell_pipe_lines``: one cell per line ending in "|";
* ``space_rows``: a row per line, cells separated by spaces;
* ``run_together``: label and digits with no separator ("行政规范性文件8855698");
* ``pdf_text``: PDF-extracted text: "label 1 2 3" rows, long labels wrapped around their numbers, header
  words split over two lines, page numbers ("- 3 -") and a running header between rows;
* ``one_line_glued``, ``one_line_spaced``, ``one_line_padded``: the table on one line, as a scraper's
  text without line breaks keeps it: cells run together ("规章000行政规范性文件417"), separated by single
  spaces ("行政许可 17 0 2"), or run together with the padding spaces of some cells left between them
  ("10 0 0 0 01", "000000 0"). The report around such a table loses its line breaks too
  (gainlp.synth.report).

Layouts that cannot show an empty cell (``blanks=False``) print a marker for a null cell, except in a
row whose only printed number is its 总计 (seed 001's pattern), where the blanks are left out.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

from gainlp.synth.builder import Piece
from gainlp.synth.printed import GROUP, HEADER, LABEL_KINDS, VALUE, GridCell, PrintedTable

TABLE_CELL = "TABLE_CELL"
TABLE_LABEL = "TABLE_LABEL"
TOTAL = "total"


@dataclass
class RenderOptions:
    """Per-report choices that a layout may use."""

    wrap_headers: float = 0.0        # share of header cells printed over two lines (layouts with wraps=True)
    marker: str = "/"                # printed for a null cell where the layout cannot print a blank
    sep: str = " "                   # between cells of space_rows / pdf_text
    running_header: str | None = None  # pdf_text: a line repeated at the top of each page
    page: int = 3                    # pdf_text: the next page number (advanced as pages break)
    line: int = 0                    # pdf_text: lines already on the current page (advanced too)
    rows_per_page: int = 22          # pdf_text: lines per page
    label_width: int = 16            # pdf_text: characters of a row label per line


@dataclass(frozen=True)
class Layout:
    name: str
    render: Callable[[PrintedTable, dict, random.Random, RenderOptions], Piece]
    blanks: bool          # can print an empty cell so that it is recoverable
    wraps: bool           # cells may hold line breaks
    ambiguous: bool = False  # the text alone does not always say where one cell ends (run_together)
    one_line: bool = False  # the report around it is printed without line breaks


# ------------------------------------------------------------------------------------------ helpers


def wrap_text(rng: random.Random, text: str) -> str:
    """Split a header over two lines ("结果\\n纠正", "社会公\\n益组织")."""
    if len(text) < 4 or "（" in text or "(" in text:
        return text
    cut = rng.randint(2, len(text) - 2) if len(text) > 4 else 2
    return text[:cut] + "\n" + text[cut:]


def _cell_text(cell: GridCell, values: dict, rng: random.Random, opts: RenderOptions, wraps: bool) -> str:
    if cell.kind == VALUE:
        return values.get(cell.key, "")
    if wraps and cell.kind == HEADER and opts.wrap_headers and rng.random() < opts.wrap_headers:
        return wrap_text(rng, cell.text)
    return cell.text


def _add_cell(out: Piece, cell: GridCell | None, text: str) -> None:
    """Append a cell's text with its label (none for blanks, notes and covered positions)."""
    if cell is None or not text.strip():
        out.add(text)
    elif cell.kind == VALUE:
        out.add(text, TABLE_CELL)
    elif cell.kind in LABEL_KINDS:
        out.add(text, TABLE_LABEL)
    else:
        out.add(text)


def _row_cells(t: PrintedTable, mode: str) -> list[list[GridCell | None]]:
    """Per grid row, the cells a layout prints, in column order.

    omit: cells whose top-left lies in the row; blank: also a None for each cell that a merged cell from
    an earlier row covers (once per covering cell); expand: every grid position (None where covered).
    """
    covered = t.covered()
    out = []
    for r, row in enumerate(t.rows):
        starts = {c.col: c for c in row}
        cells: list[GridCell | None] = []
        k = 0
        while k < t.width:
            if k in starts:
                cells.append(starts[k])
                k += 1 if mode == "expand" else starts[k].colspan
                continue
            cover = covered.get((r, k))
            if mode == "expand":
                cells.append(None)
                k += 1
            elif cover is not None and cover.row < r:
                if mode == "blank":
                    cells.append(None)
                k += cover.colspan
            else:
                k += 1
        out.append(cells)
    return out


def _only_total(row: list[GridCell | None], values: dict) -> bool:
    """Does the row print only its 总计 (every other value cell null)?"""
    vals = [c for c in row if c is not None and c.kind == VALUE]
    return (len(vals) > 2 and all(values.get(c.key, "") == "" for c in vals if c.key[1] != TOTAL)
            and any(c.key[1] == TOTAL and values.get(c.key, "") != "" for c in vals))


# ------------------------------------------------------------------------------------------ layouts


def cell_per_line(t: PrintedTable, values: dict, rng: random.Random, opts: RenderOptions) -> Piece:
    out = Piece()
    pending = ""
    first = True
    for row in _row_cells(t, "omit"):
        for cell in row:
            text = _cell_text(cell, values, rng, opts, True)
            if not text:
                pending += "\n"  # an empty cell is one extra lone blank line
                continue
            if not first:
                out.add("\n\n" + pending)
            pending, first = "", False
            _add_cell(out, cell, text)
    # trailing empty cells, then half of the blank-line separator: the line break that joins the next
    # block completes it, so that the last cells stay countable ("65\n\n\n\n第二十条" in seed 000)
    out.add(pending + "\n")
    return out


def tab_cell_per_line(t: PrintedTable, values: dict, rng: random.Random, opts: RenderOptions) -> Piece:
    out = Piece()
    for i, row in enumerate(_row_cells(t, "blank")):
        if i:
            out.add("\n\n")
        for j, cell in enumerate(row):
            out.add(("\n" if j else "") + "\t")
            _add_cell(out, cell, "" if cell is None else _cell_text(cell, values, rng, opts, True))
    return out


def tab_rows(t: PrintedTable, values: dict, rng: random.Random, opts: RenderOptions) -> Piece:
    out = Piece()
    for i, row in enumerate(_row_cells(t, "expand")):
        if i:
            out.add("\n")
        for j, cell in enumerate(row):
            if j:
                out.add("\t")
            _add_cell(out, cell, "" if cell is None else _cell_text(cell, values, rng, opts, False))
    return out


def pipe_rows(t: PrintedTable, values: dict, rng: random.Random, opts: RenderOptions) -> Piece:
    out = Piece()
    for i, row in enumerate(_row_cells(t, "omit")):
        if i:
            out.add("\n")
        texts = [_cell_text(c, values, rng, opts, False) for c in row]
        cells: list[tuple[GridCell | None, str]] = list(zip(row, texts)) + [(None, "")] * (t.width - len(row))
        line = Piece()
        for cell, text in cells:
            if text:
                _add_cell(line, cell, text)
                line.add(" | ")
            else:
                line.add("|")
        line.text = line.text.rstrip()
        out.extend(line)
    return out


def cell_pipe_lines(t: PrintedTable, values: dict, rng: random.Random, opts: RenderOptions) -> Piece:
    out = Piece()
    first = True
    for row in _row_cells(t, "omit"):
        for cell in row:
            if not first:
                out.add("\n")
            first = False
            _add_cell(out, cell, _cell_text(cell, values, rng, opts, False))
            out.add("|")
    return out


def _marked(cell: GridCell, values: dict, opts: RenderOptions) -> str:
    text = values.get(cell.key, "")
    return text if text else opts.marker


def _printed_cells(row, values: dict, rng: random.Random, opts: RenderOptions):
    """(cell, text) of each cell of a row that prints something, blanks marked as ``opts`` says (a row
    that prints only its 总计 prints nothing else)."""
    only_total = _only_total(row, values)
    for cell in row:
        if cell.kind == VALUE:
            text = values.get(cell.key, "") if only_total else _marked(cell, values, opts)
        else:
            text = _cell_text(cell, values, rng, opts, False)
        if text:
            yield cell, text


def space_rows(t: PrintedTable, values: dict, rng: random.Random, opts: RenderOptions) -> Piece:
    out = Piece()
    for i, row in enumerate(_row_cells(t, "omit")):
        if i:
            out.add("\n")
        for k, (cell, text) in enumerate(_printed_cells(row, values, rng, opts)):
            if k:
                out.add(opts.sep)
            _add_cell(out, cell, text)
    return out


def run_together(t: PrintedTable, values: dict, rng: random.Random, opts: RenderOptions) -> Piece:
    out = Piece()
    for i, row in enumerate(_row_cells(t, "omit")):
        if i:
            out.add("\n")
        for cell in row:
            _add_cell(out, cell, _cell_text(cell, values, rng, opts, False))
    return out


def _one_line(t: PrintedTable, values: dict, rng: random.Random, opts: RenderOptions, sep) -> Piece:
    """All cells of the table on one line, ``sep(cell)`` printed before each cell but the first."""
    out = Piece()
    first = True
    for row in _row_cells(t, "omit"):
        for cell, text in _printed_cells(row, values, rng, opts):
            if not first:
                out.add(sep(cell))
            first = False
            _add_cell(out, cell, text)
    return out


def one_line_glued(t: PrintedTable, values: dict, rng: random.Random, opts: RenderOptions) -> Piece:
    return _one_line(t, values, rng, opts, lambda cell: "")


def one_line_spaced(t: PrintedTable, values: dict, rng: random.Random, opts: RenderOptions) -> Piece:
    return _one_line(t, values, rng, opts, lambda cell: " ")


def one_line_padded(t: PrintedTable, values: dict, rng: random.Random, opts: RenderOptions) -> Piece:
    """Run together, but a cell padded with a non-breaking space in the page keeps a space (or two, or
    an ideographic one) on that side."""
    pads = ("", "", "", " ", " ", "  ", "\u3000")
    return _one_line(t, values, rng, opts, lambda cell: rng.choice(pads))


def _chunks(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def pdf_text(t: PrintedTable, values: dict, rng: random.Random, opts: RenderOptions) -> Piece:
    out = Piece()
    lines_on_page = opts.line

    def newline() -> None:
        nonlocal lines_on_page
        out.add("\n")
        lines_on_page += 1
        if lines_on_page >= opts.rows_per_page:  # a page break between rows
            out.add(f"- {opts.page} -\n")
            opts.page += 1
            if opts.running_header:
                out.add(opts.running_header + "\n")
            lines_on_page = 0

    # pdftotext prints a tall merged label at its middle: on a line of its own between the label of its
    # middle row and that row's values ("8.属于行政查询事项 / 三、本年度办理结果 / 0 0 0 0 0 0 0"), in
    # some tables; in the others on a line of its own before its first row
    at_middle = rng.random() < 0.5
    deferred: dict[int, list[GridCell]] = {}  # grid row -> grouping labels printed among its lines
    first = True
    for r, grid_row in enumerate(_row_cells(t, "omit")):
        labels = [c for c in grid_row if c.kind != VALUE and c.text]
        vals = [c for c in grid_row if c.kind == VALUE]
        if at_middle and vals:
            for g in [c for c in labels if c.kind == GROUP and c.rowspan > 2]:
                deferred.setdefault(g.row + g.rowspan // 2, []).append(g)
                labels.remove(g)
        if not first:
            newline()
        first = False
        if not vals:  # a header or title row: words split over two lines when wrapped
            texts = [_cell_text(c, values, rng, opts, True) for c in labels]
            parts = [tx.split("\n") + [""] for tx in texts]
            for line_no in range(2 if any("\n" in tx for tx in texts) else 1):
                if line_no:
                    newline()
                first_cell = True
                for cell, p in zip(labels, parts):
                    if p[line_no]:
                        if not first_cell:
                            out.add(opts.sep)
                        first_cell = False
                        _add_cell(out, cell, p[line_no])
            continue
        for g in [c for c in labels if c.kind == GROUP]:  # a grouping label on a line of its own
            _add_cell(out, g, g.text)
            newline()
        label = next((c for c in labels if c.kind != GROUP), None)
        chunks = _chunks(label.text, opts.label_width) if label else [""]
        only_total = _only_total(grid_row, values)
        middle = (len(chunks) - 1) // 2
        between = deferred.pop(r, [])
        if between:  # the label's lines, the grouping labels, then the values on a line of their own
            chunks, middle = chunks + [""], len(chunks)
        for n, chunk in enumerate(chunks):
            if n:
                newline()
            if chunk:
                _add_cell(out, label, chunk)
            if between and n == middle:
                for g in between:
                    _add_cell(out, g, g.text)
                    newline()
            if n == middle:
                for c in vals:
                    text = values.get(c.key, "") if only_total else _marked(c, values, opts)
                    if text:
                        if out.text and not out.text.endswith("\n"):
                            out.add(opts.sep)
                        _add_cell(out, c, text)
    opts.line = lines_on_page
    return out


LAYOUTS: dict[str, Layout] = {
    "cell_per_line": Layout("cell_per_line", cell_per_line, blanks=True, wraps=True),
    "tab_cell_per_line": Layout("tab_cell_per_line", tab_cell_per_line, blanks=True, wraps=True),
    "tab_rows": Layout("tab_rows", tab_rows, blanks=True, wraps=False),
    "pipe_rows": Layout("pipe_rows", pipe_rows, blanks=True, wraps=False),
    "cell_pipe_lines": Layout("cell_pipe_lines", cell_pipe_lines, blanks=True, wraps=False),
    "space_rows": Layout("space_rows", space_rows, blanks=False, wraps=False),
    "run_together": Layout("run_together", run_together, blanks=True, wraps=False, ambiguous=True),
    "pdf_text": Layout("pdf_text", pdf_text, blanks=False, wraps=True),
    "one_line_glued": Layout("one_line_glued", one_line_glued, blanks=False, wraps=False, ambiguous=True, one_line=True),
    "one_line_spaced": Layout("one_line_spaced", one_line_spaced, blanks=False, wraps=False, one_line=True),
    "one_line_padded": Layout("one_line_padded", one_line_padded, blanks=False, wraps=False, ambiguous=True,
                              one_line=True),
}
TEXT_LAYOUTS: tuple[str, ...] = tuple(LAYOUTS)
FILE_LAYOUTS: tuple[str, ...] = ("html", "docx")  # gainlp.synth.files


def render_table(layout: str, t: PrintedTable, values: dict, rng: random.Random,
                 opts: RenderOptions | None = None) -> Piece:
    """Render one table in a text layout; ``values`` maps (row, column) to the printed text."""
    return LAYOUTS[layout].render(t, values, rng, opts or RenderOptions())


__all__ = ["Layout", "LAYOUTS", "TEXT_LAYOUTS", "FILE_LAYOUTS", "RenderOptions", "render_table", "wrap_text",
           "TABLE_CELL", "TABLE_LABEL"]
