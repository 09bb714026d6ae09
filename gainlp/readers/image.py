"""Page images (PNG, JPEG, TIFF -- a multi-page TIFF is a multi-page report) read by OCR.

Each image (each frame of a TIFF) is a page, decoded by Pillow and read by :mod:`gainlp.readers.ocr`
through the same layout as a PDF. Boxes are in the image's pixels (``meta["box_unit"] = "px"``). An
image larger than :data:`MAX_SIDE` pixels is scaled down for reading (boxes still in its own pixels).
"""
from __future__ import annotations

import io

from gainlp.document import Document
from gainlp.readers.base import ReadError, register
from gainlp.readers.layout import drop_margin_lines, lay_out

MAX_SIDE = 3600  # pixels: an A4 page at 300 dpi is 3508 high
A4_INCHES = (8.27, 11.69)


@register("image", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")
def read_image(raw: bytes, path: str) -> Document:
    from gainlp.readers.ocr import OcrUnavailable, read_pages

    if not raw:
        raise ReadError(path, "empty file")
    try:
        result = read_pages(_pages(raw, path))
    except OcrUnavailable as e:
        raise ReadError(path, f"a page image is read by OCR: {e}") from None
    if sum(p.n_chars for p in result.pages) == 0:
        late = next((w for w in result.warnings if "time limit" in w), None)
        raise ReadError(path, f"no text read ({late})" if late else "no text found in the image")
    page_numbers, running = drop_margin_lines(result.pages)
    builder, merged = lay_out(result.pages)
    meta = {"pages": len(result.pages), "page_numbers_dropped": page_numbers, "running_lines_dropped": running,
            "tables_merged_across_pages": merged, "box_unit": "px", **result.meta}
    return builder.document(raw, path, "image", meta=meta, warnings=result.warnings)


def _pages(raw: bytes, path: str):
    """Each frame as a grey page image, decoded when it is read."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(raw))
        for number, frame in enumerate(ImageSequence.Iterator(image), 1):
            yield _page(image, frame.convert("L"), number)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as e:
        raise ReadError(path, f"cannot read image ({type(e).__name__}: {e})") from e


def _page(image, frame, number: int):
    """A grey frame as a page, scaled down past MAX_SIDE, with its resolution (from the file, else
    as if the page were A4 wide)."""
    import numpy as np
    from PIL import Image

    from gainlp.readers.ocr import PageImage

    w, h = frame.size
    scale = min(1.0, MAX_SIDE / max(w, h))
    if scale < 1.0:
        frame = frame.resize((round(w * scale), round(h * scale)), Image.Resampling.LANCZOS)
    return PageImage(number, np.asarray(frame, dtype=np.uint8).copy(), _dpi(image, w, h) * scale, 1.0 / scale)


def _dpi(image, w: int, h: int) -> float:
    found = image.info.get("dpi")
    if found and 72 <= float(found[0]) <= 1200:
        return float(found[0])
    return w / (A4_INCHES[0] if h >= w else A4_INCHES[1])
