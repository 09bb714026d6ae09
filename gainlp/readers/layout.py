"""Pages of positioned lines and tables -> the reading-order text of a Document.

A reader that knows where things stand on the page (the PDF text layer, OCR of a page image) hands
over :class:`Page` s of :class:`Line` s and :class:`PageTable` s in page units (x to the right, y down).
:func:`lay_out` then, for every such reader alike:

- drops running headers/footers and page numbers ("- 3 -", "第3页", "3/6", "第 3 页 共 6 页") from the
  page margins (:func:`drop_margin_lines`, counted in ``meta``);
- joins lines wrapped inside a paragraph: a line that does not end a sentence and runs to the right
  margin continues on the next line unless that one is indented or starts with a number ("一、",
  "（一）", "1."); this also joins across a page break;
- emits lines and tables in vertical order, page by page;
- makes one table of a table that ends a page and one that starts the next page with the same columns;
- keeps the geometry: every line piece and table cell piece that carries a box is placed in the
  Document's geometry map (text offsets -> page, box).
"""
from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from gainlp.readers.base import Grid, TextBuilder, join_wrapped

Box = tuple[float, float, float, float]  # x0, top, x1, bottom

_SENTENCE_END = set("。；;：:！!？?")
_CLOSERS = set("”’」』）)")
_NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d{1,2}[.．、](?!\d)|[①-⑳]|第[一二三四五六七八九十\d]+[章节条部分])"
)
_PAGE_NO = re.compile(
    r"^(?:[-—–－~·•]*\s*\d{1,4}\s*[-—–－~·•]*"
    r"|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?"
    r"|共\s*\d+\s*页\s*[,，]?\s*第\s*\d+\s*页"
    r"|\d+\s*/\s*\d+"
    r"|(?:page|p\.)\s*\d+(?:\s*(?:of|/)\s*\d+)?)$",
    re.I,
)
MARGIN = 0.1  # share of the page height at top and bottom where running lines live


@dataclass
class Line:
    """One printed line. ``pieces``: (start, end, box) of stretches of ``text`` whose box is known more
    closely than the line's (OCR characters); without any, the whole line has the line's box."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    page: int
    pieces: list[tuple[int, int, Box]] = field(default_factory=list)
    ocr: bool = False  # sizes from OCR boxes vary more than font sizes

    def boxes(self) -> list[tuple[int, int, Box]]:
        return self.pieces or [(0, len(self.text), (self.x0, self.top, self.x1, self.bottom))]


@dataclass
class PageTable:
    grid: Grid
    x0: float
    x1: float
    top: float
    bottom: float
    col_xs: list[float]
    page: int
    end_page: int = 0  # the last page it runs on (after merging continuations)


@dataclass
class Page:
    number: int
    height: float
    lines: list[Line] = field(default_factory=list)
    tables: list[PageTable] = field(default_factory=list)
    n_chars: int = 0


@dataclass
class _Metrics:
    left: float
    right: float
    size: float


# ---------------------------------------------------------------------------------------------
# running headers, footers, page numbers


def _in_margin(line: Line, height: float) -> bool:
    return line.top < MARGIN * height or line.bottom > (1 - MARGIN) * height


def drop_margin_lines(pages: list[Page]) -> tuple[int, int]:
    """Remove page numbers and lines repeated in the margins of at least half the pages."""
    n_numbers = 0
    for p in pages:
        keep = [line for line in p.lines if not (_in_margin(line, p.height) and _PAGE_NO.match(line.text))]
        n_numbers += len(p.lines) - len(keep)
        p.lines = keep
    if len(pages) < 2:
        return n_numbers, 0
    seen: dict[str, set[int]] = {}
    for p in pages:
        for line in p.lines:
            if _in_margin(line, p.height):
                seen.setdefault(re.sub(r"\d+", "#", line.text), set()).add(p.number)
    running = {key for key, on in seen.items() if len(on) >= max(2, (len(pages) + 1) // 2)}
    n_running = 0
    if running:
        for p in pages:
            keep = [
                line for line in p.lines
                if not (_in_margin(line, p.height) and re.sub(r"\d+", "#", line.text) in running)
            ]
            n_running += len(p.lines) - len(keep)
            p.lines = keep
    return n_numbers, n_running


# ---------------------------------------------------------------------------------------------
# paragraphs and tables in reading order


def _metrics(pages: list[Page]) -> _Metrics:
    lines = [line for p in pages for line in p.lines if len(line.text) >= 8] or [line for p in pages for line in p.lines]
    if not lines:
        return _Metrics(0.0, 0.0, 10.0)
    left = Counter(round(line.x0) for line in lines).most_common(1)[0][0]
    right_mode, count = Counter(round(line.x1) for line in lines).most_common(1)[0]
    if count >= 0.2 * len(lines):  # justified text: most lines end at the margin
        right = right_mode
    else:  # ragged right (or OCR'd line ends): the 90th percentile of line ends
        ends = sorted(line.x1 for line in lines)
        right = ends[int(0.9 * (len(ends) - 1))]
    size = statistics.median(line.size for line in lines) or 10.0
    return _Metrics(float(left), float(right), float(size))


def _ends_sentence(text: str) -> bool:
    t = text.rstrip()
    while t and t[-1] in _CLOSERS and len(t) > 1 and t[-2] in _SENTENCE_END | _CLOSERS:
        t = t[:-1]
    return bool(t) and t[-1] in _SENTENCE_END


def _continues(prev: Line, nxt: Line, m: _Metrics, same_page: bool) -> bool:
    """Does ``nxt`` carry on the paragraph that ``prev`` wraps out of?"""
    if _ends_sentence(prev.text) or prev.x1 < m.right - 1.5 * m.size:
        return False
    if nxt.x0 > m.left + 0.6 * m.size or _NUMBERING.match(nxt.text):
        return False
    size_tolerance = 0.2 * max(prev.size, nxt.size) if (prev.ocr or nxt.ocr) else 1.0
    if abs(prev.size - nxt.size) > max(1.0, size_tolerance):
        return False
    if same_page and nxt.top - prev.bottom > 1.2 * max(prev.size, nxt.size, 1.0):
        return False
    return True


def _same_columns(a: PageTable, b: PageTable, tol: float = 4.0) -> bool:
    if len(a.col_xs) != len(b.col_xs) or abs(a.x1 - b.x1) > tol:
        return False
    return all(abs(x - y) <= tol for x, y in zip(a.col_xs, b.col_xs))


def _merge(a: PageTable, b: PageTable) -> None:
    offset = len(a.grid)
    for row in b.grid:
        for cell in row:
            if cell is not None:
                cell.row += offset
        a.grid.append(row)
    a.end_page = b.end_page or b.page


def lay_out(pages: list[Page]) -> tuple[TextBuilder, int]:
    """The text of the pages in reading order (with its geometry), and how many tables were merged
    across page breaks."""
    m = _metrics(pages)
    blocks: list[list[Line] | PageTable] = []
    merged = 0
    for p in pages:
        items: list[Line | PageTable] = sorted([*p.lines, *p.tables], key=lambda it: it.top)
        for idx, item in enumerate(items):
            last = blocks[-1] if blocks else None
            crossing = idx == 0 and last is not None and _page_of(last) == p.number - 1
            if isinstance(item, PageTable):
                if crossing and isinstance(last, PageTable) and _same_columns(last, item):
                    _merge(last, item)
                    merged += 1
                else:
                    blocks.append(item)
            elif isinstance(last, list) and (crossing or _page_of(last) == p.number) and _continues(
                last[-1], item, m, same_page=not crossing
            ):
                last.append(item)
            else:
                blocks.append([item])
    builder = TextBuilder()
    for block in blocks:
        if isinstance(block, PageTable):
            table = builder.add_table(block.grid, page=block.page)
            for out_row, raw_row in zip(table.grid, block.grid):
                for cell, raw in zip(out_row, raw_row):
                    if cell is not None and raw is not None:
                        for s, e, page, box in raw.pieces:
                            builder.place(cell.start + s, cell.start + e, page, box)
            continue
        text, at = block[0].text, [0]
        for line in block[1:]:
            joined = join_wrapped(text, line.text)
            at.append(len(joined) - len(line.text))
            text = joined
        start, _ = builder.add_line(text)
        for line, offset in zip(block, at):
            for s, e, box in line.boxes():
                builder.place(start + offset + s, start + offset + e, line.page, box)
    return builder, merged


def _page_of(block: list[Line] | PageTable) -> int:
    """The page a block ends on."""
    return (block.end_page or block.page) if isinstance(block, PageTable) else block[-1].page
