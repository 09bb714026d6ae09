"""OCR of page images (scanned PDF pages, PNG/JPEG/TIFF files) into the pages that every reader lays out.

``read_pages(images)`` reads each page (:mod:`.page`: skew, rules, RapidOCR), joins the fragments of a
ruled table that runs over a page break (:func:`link`), rebuilds each table's cell grid from its rules
(:mod:`.grid`) and hands back :class:`gainlp.readers.layout.Page` s, so that the layout, the table
parser and everything after them treat a scan as they treat a PDF with a text layer. Every character
keeps its page and box (the Document's geometry).

The engine is an extra (``pip install 'gainlp[ocr]'``); without it :class:`OcrUnavailable` says so.
Time: each page gets ``GAINLP_OCR_PAGE_SECONDS`` of CPU time (default :data:`PAGE_SECONDS`); text boxes
not read by then are counted in a warning, never guessed.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable

from gainlp import limits
from gainlp.readers.base import leaf_grid_is_layout
from gainlp.readers.layout import MARGIN, Line, Page, PageTable
from gainlp.readers.ocr.engine import INSTALL_HINT, OcrUnavailable, load_engine
from gainlp.readers.ocr.grid import Fragment, Frame, build
from gainlp.readers.ocr.lines import compose, group_lines, line_height
from gainlp.readers.ocr.page import PageImage, ScannedPage, scan

__all__ = ["read_pages", "PageImage", "OcrUnavailable", "INSTALL_HINT", "PAGE_SECONDS", "page_seconds", "load_engine"]

PAGE_SECONDS = 60.0  # CPU seconds per page: a safety bound, several times what a page takes (README)
SIZE_PER_HEIGHT = 1 / 1.25  # font size of a line from the height of its OCR boxes


def page_seconds() -> float:
    value = os.environ.get("GAINLP_OCR_PAGE_SECONDS")
    try:
        return float(value) if value else PAGE_SECONDS
    except ValueError:
        return PAGE_SECONDS


@dataclass
class OcrResult:
    pages: list[Page]
    warnings: list[str]
    meta: dict


def read_pages(images: Iterable[PageImage], seconds: float | None = None) -> OcrResult:
    """Read page images (lazily produced, one in memory at a time) into layout pages."""
    load_engine()  # fail early, with the install hint, when the extra is missing
    budget = page_seconds() if seconds is None else seconds
    scanned = [_scan_in_time(image, budget) for image in images]
    warnings = [f"read by OCR (page images): {_page_list([p.number for p in scanned])}"] if scanned else []
    warnings += [w for p in scanned for w in p.warnings]
    chains = link(scanned)
    pages = {p.number: Page(p.number, p.height * p.unit, n_chars=sum(len(r.glyphs) for r in p.runs)
                            + sum(len(r.glyphs) for f in p.frames for r in f.runs)) for p in scanned}
    by_number = {p.number: p for p in scanned}
    irregular = 0
    layout_boxes: dict[int, list] = {}  # frames read as text (boxes drawn around prose)
    for chain in chains:
        first = chain[0]
        built = build(chain, by_number[first.page].tol)
        irregular += built.irregular
        if not built.grid or leaf_grid_is_layout(built.grid):
            for f in chain:
                layout_boxes.setdefault(f.page, []).extend(f.frame.runs)
            continue
        if not any(c.text for row in built.grid for c in row if c is not None):
            continue
        sp = by_number[first.page]
        u = sp.unit
        pages[first.page].tables.append(PageTable(
            built.grid, first.frame.x0 * u, first.frame.x1 * u, first.frame.y0 * u, first.bottom * u,
            [x * u for x in built.col_xs], first.page, end_page=chain[-1].page,
        ))
    for sp in scanned:
        runs = sp.runs + layout_boxes.get(sp.number, [])
        pages[sp.number].lines = _lines(sp, runs)
    meta = {
        "ocr_pages": [p.number for p in scanned],
        "ocr_seconds": round(sum(p.seconds for p in scanned), 2),
        "ocr_page_seconds": [round(p.seconds, 2) for p in scanned],
        "ocr_page_cpu_seconds": [round(p.cpu_seconds, 2) for p in scanned],
        "ocr_skew_degrees": {p.number: round(p.skew, 2) for p in scanned if abs(p.skew) >= 0.1},
        "ocr_tables_across_pages": sum(1 for c in chains if len(c) > 1),
    }
    if irregular:
        warnings.append(f"{irregular} table cells with broken rules were read slot by slot")
    return OcrResult([pages[p.number] for p in scanned], warnings, meta)


def _scan_in_time(image: PageImage, budget: float) -> ScannedPage:
    """One page, with its OCR time added to the file's wall-time limit (``--max-page-seconds``)."""
    limits.extend(limits.active().ocr_page_seconds)
    return scan(image, budget)


def _lines(sp: ScannedPage, runs) -> list[Line]:
    out = []
    for line_runs in group_lines(runs):
        text, pieces = compose([line_runs], sp.number, sp.to_out)
        if not text:
            continue
        u = sp.unit
        x0, x1 = line_runs[0].x0, max(r.x1 for r in line_runs)
        top, bottom = min(r.y0 for r in line_runs), max(r.y1 for r in line_runs)
        size = line_height(line_runs) * SIZE_PER_HEIGHT * u
        out.append(Line(text, x0 * u, x1 * u, top * u, bottom * u, size, sp.number,
                        [(s, e, box) for s, e, _page, box in pieces], ocr=True))
    return out


def _page_list(numbers: list[int]) -> str:
    """"page 3" or "pages 1-4, 6"."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    text = ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)
    return ("page " if len(numbers) == 1 else "pages ") + text


# ---------------------------------------------------------------------------------------------
# tables across page breaks


def _alone_below(sp: ScannedPage, f: Frame) -> bool:
    """Nothing but the bottom margin below the frame: the table may go on on the next page."""
    if any(o.y0 > f.y1 for o in sp.frames if o is not f):
        return False
    limit = (1 - MARGIN) * sp.height
    return not any(r.y0 >= f.y1 - sp.tol and (r.y0 + r.y1) / 2 < limit for r in sp.runs)


def _alone_above(sp: ScannedPage, f: Frame) -> bool:
    if any(o.y1 < f.y0 for o in sp.frames if o is not f):
        return False
    limit = MARGIN * sp.height
    return not any(r.y1 <= f.y0 + sp.tol and (r.y0 + r.y1) / 2 > limit for r in sp.runs)


def _columns_agree(a: Frame, b: Frame, tol: float) -> bool:
    if abs(a.x0 - b.x0) > 3 * tol or abs(a.x1 - b.x1) > 3 * tol:
        return False
    xa = sorted({round(s.pos) for s in a.vs})
    xb = sorted({round(s.pos) for s in b.vs})
    small, large = (xa, xb) if len(xa) <= len(xb) else (xb, xa)  # (a header cut off has fewer rules)
    hits = sum(1 for x in small if any(abs(x - y) <= tol for y in large))
    return hits >= 0.5 * len(small)


def link(scanned: list[ScannedPage]) -> list[list[Fragment]]:
    """Every table as its chain of fragments: a table that fills a page to its bottom margin goes on
    in the table that opens the next page when their columns agree. An empty strip of a cut row at
    the foot of a page (rules running on below the last rule, no text) is cut off, as is one at the
    head of the next page, so that the two fragments meet at a rule or inside a cut cell."""
    chains: list[list[Fragment]] = []
    open_chain: list[Fragment] | None = None  # the chain that may go on on the next page
    prev: ScannedPage | None = None
    for sp in scanned:
        carry = open_chain if prev is not None and prev.number == sp.number - 1 else None
        open_chain = None
        for idx, f in enumerate(sp.frames):
            frag = Fragment(f, sp.number, sp.to_out, top=f.y0, bottom=f.y1)
            if idx == 0 and carry and _alone_above(sp, f) and _columns_agree(carry[-1].frame, f, sp.tol):
                last = carry[-1]
                lowest = last.frame.lowest_rule()
                if last.bottom - lowest > sp.tol and not last.frame.glyphs_between(lowest, last.bottom):
                    last.bottom = lowest
                highest = f.highest_rule()
                if highest - f.y0 > sp.tol and not f.glyphs_between(f.y0, highest):
                    frag.top = highest
                frag.offset = last.bottom + last.offset - frag.top
                chain = carry
                chain.append(frag)
            else:
                chain = [frag]
                chains.append(chain)
            if idx == len(sp.frames) - 1 and _alone_below(sp, f):
                open_chain = chain
        prev = sp
    return chains
