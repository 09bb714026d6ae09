"""PDF (pdfplumber): prose as clean paragraphs, ruled tables as grids; image-only pages through OCR.

Per page with a text layer, ruled tables come from ``page.find_tables()``; a "table" with one cell
per row is a box drawn around prose and is read as text. The text outside the tables is taken line by
line; the spaces pdfplumber puts next to CJK characters are removed ("第 711 号" -> "第711号").

A page without a text layer that shows an image (a scan) is rendered with pypdfium2 (which
pdfplumber itself uses to draw pages, so nothing more to install) and read by OCR
(:mod:`gainlp.readers.ocr`, the ``ocr`` extra). Both kinds of page then go through the same layout
(:mod:`gainlp.readers.layout`: reading order, running lines and page numbers dropped, wrapped lines
joined, tables merged across page breaks), so a mixed PDF is one Document in page order. Every line
and cell keeps its page and box, in PDF points from the top-left corner (``meta["box_unit"] = "pt"``).

Encrypted and corrupt files raise ReadError, and so does a scanned PDF when OCR is not installed.
"""
from __future__ import annotations

import io
import logging
from collections import Counter

from gainlp.document import Document
from gainlp.readers.base import Grid, RawCell, ReadError, leaf_grid_is_layout, register, squeeze
from gainlp.readers.layout import Line, Page, PageTable, drop_margin_lines, lay_out

# pdfminer warns about every font of a browser-printed PDF ("Could not get FontBBox …"): nothing a user acts on
logging.getLogger("pdfminer").setLevel(logging.ERROR)

_MIN_TEXT_CHARS = 20  # fewer characters than this on a page showing an image: a scanned page
_MIN_IMAGE_SHARE = 0.25  # ... that covers at least this share of the page
OCR_DPI = (150, 200)  # render scanned pages at their images' resolution, within these bounds
NATIVE_DPI_MAX = 320  # a page image finer than this is scaled down to OCR_DPI[1] (OCR time grows with pixels)


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
            pages, scans = [], []
            for i, page in enumerate(pdf.pages):
                pages.append(_read_page(page, i + 1))
                dpi = _scan_resolution(page, pages[-1])
                if dpi:
                    scans.append((i, dpi))
    except PdfminerException as e:
        inner = e.args[0] if e.args else e
        if isinstance(inner, PDFEncryptionError):
            raise ReadError(path, "encrypted PDF (a password is needed to read it)") from e
        raise ReadError(path, f"corrupt PDF ({type(inner).__name__}: {inner})") from e
    except (MalformedPDFException, PSException) as e:
        raise ReadError(path, f"corrupt PDF ({type(e).__name__}: {e})") from e
    if not pages:
        raise ReadError(path, "corrupt PDF (no pages)")
    warnings: list[str] = []
    meta: dict = {"pages": len(pages)}
    if scans:
        _ocr(raw, path, scans, pages, warnings, meta)
    if sum(p.n_chars for p in pages) < _MIN_TEXT_CHARS:
        late = next((w for w in warnings if "time limit" in w), None)
        raise ReadError(path, f"no text read from the scanned pages ({late})" if late
                        else "PDF has no text layer (scanned?) and no page image to read")
    lines = [line for p in pages for line in p.lines]
    n_cid = sum(1 for line in lines if "(cid:" in line.text)
    if lines and n_cid > 0.3 * len(lines):
        raise ReadError(path, "PDF text cannot be decoded (fonts without a Unicode map)")
    read_by_ocr = set(meta.get("ocr_pages", ()))
    warnings[:0] = [f"page {p.number} has no text layer" for p in pages if p.n_chars == 0 and p.number not in read_by_ocr]
    if n_cid:
        warnings.append(f"{n_cid} lines hold undecodable glyphs (cid:…)")
    page_numbers, running = drop_margin_lines(pages)
    builder, merged = lay_out(pages)
    meta.update({
        "page_numbers_dropped": page_numbers,
        "running_lines_dropped": running,
        "tables_merged_across_pages": merged,
        "box_unit": "pt",
    })
    return builder.document(raw, path, "pdf", meta=meta, warnings=warnings)


# ---------------------------------------------------------------------------------------------
# scanned pages


def _scan_resolution(page, read: Page) -> float | None:
    """The resolution to render a scanned page at (its largest image's, within OCR_DPI); None for a
    page with a text layer or without an image covering a good part of it."""
    if read.n_chars >= _MIN_TEXT_CHARS or not page.images:
        return None
    area = float(page.width * page.height) or 1.0
    shown = sum(max(0.0, float(im["x1"] - im["x0"])) * max(0.0, float(im["bottom"] - im["top"])) for im in page.images)
    if shown < _MIN_IMAGE_SHARE * area:
        return None
    big = max(page.images, key=lambda im: float(im["x1"] - im["x0"]) * float(im["bottom"] - im["top"]))
    width_pt = float(big["x1"] - big["x0"])
    src = big.get("srcsize") or (0, 0)
    native = src[0] * 72.0 / width_pt if width_pt > 0 and src[0] else OCR_DPI[0]
    return float(min(max(native, OCR_DPI[0]), OCR_DPI[1]))


def _render(raw: bytes, path: str, scans: list[tuple[int, float]]):
    """The scanned pages as grey images, one at a time (pypdfium2): a page that is one upright image
    covering it gives that image's own pixels (no resampling: a scan's "0" stays as sharp as scanned),
    any other page is rendered at the given resolution."""
    import pypdfium2 as pdfium

    from gainlp.readers.ocr import PageImage

    try:
        pdf = pdfium.PdfDocument(raw)
    except pdfium.PdfiumError as e:
        raise ReadError(path, f"cannot render the scanned pages ({e})") from e
    try:
        for index, dpi in scans:
            page = pdf[index]
            try:
                yield _native_image(page, index + 1) or _rendered(page, index + 1, dpi)
            except pdfium.PdfiumError as e:
                raise ReadError(path, f"cannot render page {index + 1} ({e})") from e
            finally:
                page.close()
    finally:
        pdf.close()


def _gray(array):
    import cv2

    if array.ndim == 2:
        return array.copy()
    code = cv2.COLOR_BGRA2GRAY if array.shape[2] == 4 else cv2.COLOR_BGR2GRAY
    return cv2.cvtColor(array, code)


def _native_image(page, number: int):
    """The page's one image at its own resolution, when it is upright and covers the page; else None."""
    import cv2
    import pypdfium2 as pdfium

    from gainlp.readers.ocr import PageImage

    images = [o for o in page.get_objects() if o.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE]
    if len(images) != 1:
        return None
    image = images[0]
    a, b, c, d, _e, _f = image.get_matrix().get()
    left, bottom, right, top = image.get_bounds()
    width, height = page.get_size()
    if b or c or a <= 0 or d <= 0 or (right - left) * (top - bottom) < 0.9 * width * height:
        return None
    gray = _gray(image.get_bitmap(render=True).to_numpy())
    dpi = gray.shape[1] * 72.0 / (right - left)
    if not OCR_DPI[0] <= dpi <= NATIVE_DPI_MAX:  # too coarse or too fine: resample to the usual resolution
        target = min(max(dpi, OCR_DPI[0]), OCR_DPI[1])
        factor = target / dpi
        gray = cv2.resize(gray, None, fx=factor, fy=factor,
                          interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC)
        dpi = target
    return PageImage(number, gray, dpi, (right - left) / gray.shape[1], origin=(left, height - top))


def _rendered(page, number: int, dpi: float):
    from gainlp.readers.ocr import PageImage

    width, height = page.get_size()
    scale = dpi / 72.0
    gray = _gray(page.render(scale=scale, grayscale=True).to_numpy())
    gray = gray[: int(round(height * scale)), : int(round(width * scale))].copy()  # (rounding up adds a pixel)
    return PageImage(number, gray, dpi, 72.0 / dpi)


def _ocr(raw: bytes, path: str, scans: list[tuple[int, float]], pages: list[Page], warnings: list[str], meta: dict) -> None:
    """Read the scanned pages by OCR in place of their (empty) text-layer reading."""
    from gainlp.readers.ocr import OcrUnavailable, read_pages

    numbers = ", ".join(str(i + 1) for i, _ in scans)
    try:
        result = read_pages(_render(raw, path, scans))
    except OcrUnavailable as e:
        if sum(p.n_chars for p in pages) < _MIN_TEXT_CHARS:
            raise ReadError(path, f"PDF has no text layer (scanned pages): {e}") from None
        warnings.append(f"scanned pages not read (page {numbers}): {e}")
        return
    for page in result.pages:
        pages[page.number - 1] = page
    warnings.extend(result.warnings)
    meta.update(result.meta)


# ---------------------------------------------------------------------------------------------
# one page with a text layer


def _read_page(page, number: int) -> Page:
    page = page.dedupe_chars()  # glyphs drawn twice (simulated bold) would print twice
    out = Page(number=number, height=float(page.height), n_chars=len(page.chars))
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
        out.lines.append(Line(text, raw["x0"], raw["x1"], raw["top"], raw["bottom"], size, number))
    return out


def _table(found, page: int) -> PageTable | None:
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
            out.append(RawCell(text, row=r, col=c, rowspan=max(1, rowspan), colspan=max(1, colspan),
                               pieces=[(0, len(text), page, (float(x0), float(top), float(x1), float(bottom)))]))
        grid.append(out)
    if not grid or leaf_grid_is_layout(grid) or not any(c.text for row in grid for c in row if c is not None):
        return None
    x0, top, x1, bottom = found.bbox
    return PageTable(grid, x0, x1, top, bottom, xs, page)


