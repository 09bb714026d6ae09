"""PDF with a text layer (pdfplumber): prose as clean paragraphs, ruled tables as grids.

Per page, ruled tables come from ``page.find_tables()``; a "table" with one cell per row is a box
drawn around prose and is read as text. The text outside the tables is taken line by line, and lines
and tables are emitted in vertical order. Then:

- running headers/footers and page numbers ("- 3 -", "第3页", "3/6", "第 3 页 共 6 页") are dropped
  (counted in ``meta``);
- lines wrapped inside a paragraph are joined: a line that does not end a sentence and runs to the
  right margin continues on the next line unless that one is indented or starts with a number
  ("一、", "（一）", "1."); this also joins across a page break;
- the spaces pdfplumber puts next to CJK characters are removed ("第 711 号" -> "第711号");
- a table that ends a page and one that starts the next page with the same columns are one table.

Scanned PDFs (no text layer), encrypted and corrupt files raise ReadError.
"""
from __future__ import annotations

import io
import logging
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from gainlp.document import Document
from gainlp.readers.base import Grid, RawCell, ReadError, TextBuilder, join_wrapped, leaf_grid_is_layout, register, squeeze

# pdfminer warns about every font of a browser-printed PDF ("Could not get FontBBox …"): nothing a user acts on
logging.getLogger("pdfminer").setLevel(logging.ERROR)

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
_MARGIN = 0.1  # share of the page height at top and bottom where running lines live
_MIN_TEXT_CHARS = 20


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    page: int


@dataclass
class _Table:
    grid: Grid
    x0: float
    x1: float
    top: float
    bottom: float
    col_xs: list[float]
    page: int
    end_page: int = 0  # the last page it runs on (after merging continuations)


@dataclass
class _Page:
    number: int
    height: float
    lines: list[_Line] = field(default_factory=list)
    tables: list[_Table] = field(default_factory=list)
    n_chars: int = 0


@dataclass
class _Metrics:
    left: float
    right: float
    size: float


@register("pdf", ".pdf")
def read_pdf(raw: bytes, path: str) -> Document:
    # imported here: pdfplumber takes a while to import and most runs read one format
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError
    from pdfminer.psexceptions import PSException
    from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

    if b"%PDF-" not in raw[:1024]:
        raise ReadError(path, "corrupt PDF (no PDF header)")
    try:
        with pdfplumber.open(io.BytesIO(raw)) as pdf:
            pages = [_read_page(page, i + 1) for i, page in enumerate(pdf.pages)]
    except PdfminerException as e:
        inner = e.args[0] if e.args else e
        if isinstance(inner, PDFEncryptionError):
            raise ReadError(path, "encrypted PDF (a password is needed to read it)") from e
        raise ReadError(path, f"corrupt PDF ({type(inner).__name__}: {inner})") from e
    except (MalformedPDFException, PSException) as e:
        raise ReadError(path, f"corrupt PDF ({type(e).__name__}: {e})") from e
    if not pages:
        raise ReadError(path, "corrupt PDF (no pages)")
    if sum(p.n_chars for p in pages) < _MIN_TEXT_CHARS:
        raise ReadError(path, "PDF has no text layer (scanned?); OCR is not supported")
    lines = [line for p in pages for line in p.lines]
    n_cid = sum(1 for line in lines if "(cid:" in line.text)
    if lines and n_cid > 0.3 * len(lines):
        raise ReadError(path, "PDF text cannot be decoded (fonts without a Unicode map)")
    warnings = [f"page {p.number} has no text layer" for p in pages if p.n_chars == 0]
    if n_cid:
        warnings.append(f"{n_cid} lines hold undecodable glyphs (cid:…)")
    page_numbers, running = _drop_margin_lines(pages)
    builder, merged = _layout(pages)
    meta = {
        "pages": len(pages),
        "page_numbers_dropped": page_numbers,
        "running_lines_dropped": running,
        "tables_merged_across_pages": merged,
    }
    return builder.document(raw, path, "pdf", meta=meta, warnings=warnings)


# ---------------------------------------------------------------------------------------------
# one page


def _read_page(page, number: int) -> _Page:
    page = page.dedupe_chars()  # glyphs drawn twice (simulated bold) would print twice
    out = _Page(number=number, height=float(page.height), n_chars=len(page.chars))
    for found in page.find_tables():
        table = _table(found, number)
        if table is not None:
            out.tables.append(table)
    boxes = [(t.x0 - 1, t.top - 1, t.x1 + 1, t.bottom + 1) for t in out.tables]

    def outside_tables(obj) -> bool:
        if obj.get("object_type") != "char":
            return True
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    text_page = page.filter(outside_tables) if boxes else page
    for raw in text_page.extract_text_lines(return_chars=True, strip=True):
        text = squeeze(raw["text"], tight=True)
        if not text:
            continue
        sizes = Counter(round(c["size"], 1) for c in raw["chars"])
        size = sizes.most_common(1)[0][0] if sizes else 0.0
        out.lines.append(_Line(text, raw["x0"], raw["x1"], raw["top"], raw["bottom"], size, number))
    return out


def _table(found, page: int) -> _Table | None:
    """A pdfplumber table as a grid; None for a box around prose (one cell per row) or an empty one."""
    texts = found.extract()
    xs = sorted({c[0] for c in found.cells})
    tops = sorted({c[1] for c in found.cells})
    grid: Grid = []
    for r, row in enumerate(found.rows):
        out: list[RawCell | None] = []
        for c, bbox in enumerate(row.cells):
            if bbox is None:
                out.append(None)
                continue
            x0, top, x1, bottom = bbox
            colspan = sum(1 for x in xs if x0 <= x < x1 - 0.5)
            rowspan = sum(1 for y in tops if top <= y < bottom - 0.5)
            text = squeeze(texts[r][c] or "", tight=True)
            out.append(RawCell(text, row=r, col=c, rowspan=max(1, rowspan), colspan=max(1, colspan)))
        grid.append(out)
    if not grid or leaf_grid_is_layout(grid) or not any(c.text for row in grid for c in row if c is not None):
        return None
    x0, top, x1, bottom = found.bbox
    return _Table(grid, x0, x1, top, bottom, xs, page)


# ---------------------------------------------------------------------------------------------
# running headers, footers, page numbers


def _in_margin(line: _Line, height: float) -> bool:
    return line.top < _MARGIN * height or line.bottom > (1 - _MARGIN) * height


def _drop_margin_lines(pages: list[_Page]) -> tuple[int, int]:
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


def _metrics(pages: list[_Page]) -> _Metrics:
    lines = [line for p in pages for line in p.lines if len(line.text) >= 8] or [line for p in pages for line in p.lines]
    if not lines:
        return _Metrics(0.0, 0.0, 10.0)
    left = Counter(round(line.x0) for line in lines).most_common(1)[0][0]
    right_mode, count = Counter(round(line.x1) for line in lines).most_common(1)[0]
    if count >= 0.2 * len(lines):  # justified text: most lines end at the margin
        right = right_mode
    else:  # ragged right: the 90th percentile of line ends
        ends = sorted(line.x1 for line in lines)
        right = ends[int(0.9 * (len(ends) - 1))]
    size = statistics.median(line.size for line in lines) or 10.0
    return _Metrics(float(left), float(right), float(size))


def _ends_sentence(text: str) -> bool:
    t = text.rstrip()
    while t and t[-1] in _CLOSERS and len(t) > 1 and t[-2] in _SENTENCE_END | _CLOSERS:
        t = t[:-1]
    return bool(t) and t[-1] in _SENTENCE_END


def _continues(prev: _Line, nxt: _Line, m: _Metrics, same_page: bool) -> bool:
    """Does ``nxt`` carry on the paragraph that ``prev`` wraps out of?"""
    if _ends_sentence(prev.text) or prev.x1 < m.right - 1.5 * m.size:
        return False
    if nxt.x0 > m.left + 0.6 * m.size or _NUMBERING.match(nxt.text):
        return False
    if abs(prev.size - nxt.size) > 1.0:
        return False
    if same_page and nxt.top - prev.bottom > 1.2 * max(prev.size, nxt.size, 1.0):
        return False
    return True


def _same_columns(a: _Table, b: _Table, tol: float = 4.0) -> bool:
    if len(a.col_xs) != len(b.col_xs) or abs(a.x1 - b.x1) > tol:
        return False
    return all(abs(x - y) <= tol for x, y in zip(a.col_xs, b.col_xs))


def _merge(a: _Table, b: _Table) -> None:
    offset = len(a.grid)
    for row in b.grid:
        for cell in row:
            if cell is not None:
                cell.row += offset
        a.grid.append(row)
    a.end_page = b.end_page or b.page


def _layout(pages: list[_Page]) -> tuple[TextBuilder, int]:
    m = _metrics(pages)
    blocks: list[list[_Line] | _Table] = []
    merged = 0
    for p in pages:
        items: list[_Line | _Table] = sorted([*p.lines, *p.tables], key=lambda it: it.top)
        for idx, item in enumerate(items):
            last = blocks[-1] if blocks else None
            crossing = idx == 0 and last is not None and _page_of(last) == p.number - 1
            if isinstance(item, _Table):
                if crossing and isinstance(last, _Table) and _same_columns(last, item):
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
        if isinstance(block, _Table):
            builder.add_table(block.grid, page=block.page)
        else:
            text = block[0].text
            for line in block[1:]:
                text = join_wrapped(text, line.text)
            builder.add_line(text)
    return builder, merged


def _page_of(block: list[_Line] | _Table) -> int:
    """The page a block ends on."""
    return (block.end_page or block.page) if isinstance(block, _Table) else block[-1].page
