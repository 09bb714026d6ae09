"""The OCR engine: RapidOCR (PP-OCRv4 detection and recognition, ONNX models shipped in its wheel).

``load_engine()`` loads it once per process; without the ``ocr`` extra it raises :class:`OcrUnavailable`,
whose message says how to install it. ``recognize(image, boxes)`` reads text boxes that
:func:`detect` found and gives every character its own box, from the position of its column in the
recogniser's CTC output: a table cell is then made of the characters that lie inside it, even when
one detected text box runs across a ruling line.

Nothing here reads or writes outside the wheel: the models load from ``rapidocr_onnxruntime/models``.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

INSTALL_HINT = "install the OCR extra: pip install 'gainlp[ocr]'"
DET_BOX_THRESH = 0.3
REC_CHUNK = 24  # text boxes recognised between two looks at the page's deadline


class OcrUnavailable(RuntimeError):
    """The OCR engine is not installed (or cannot load)."""


@dataclass(slots=True)
class Glyph:
    """One recognised character and its box, in the (deskewed) page image's pixels."""

    ch: str
    x0: float
    y0: float
    x1: float
    y1: float
    score: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@lru_cache(maxsize=1)
def load_engine():
    """The RapidOCR engine (loaded once); :class:`OcrUnavailable` when the extra is missing."""
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as e:  # the extra is not installed, or a system library its OpenCV loads is missing
        if ".so" in str(e):
            raise OcrUnavailable(f"OCR cannot load ({e}); install the system libraries OpenCV needs "
                                 "(Debian/Ubuntu: apt-get install libgl1 libglib2.0-0)") from e
        raise OcrUnavailable(f"OCR is not installed; {INSTALL_HINT}") from e
    threads = int(os.environ.get("GAINLP_OCR_THREADS", "-1"))
    kwargs = {"intra_op_num_threads": threads} if threads > 0 else {}
    try:
        eng = RapidOCR(**kwargs)
    except Exception as e:  # a model file missing from a broken install
        raise OcrUnavailable(f"OCR engine failed to load ({type(e).__name__}: {e}); {INSTALL_HINT}") from e
    # a lone character in a cell ("自" of 自然人 printed one per line) scores under the default 0.5
    eng.text_det.postprocess_op.box_thresh = DET_BOX_THRESH
    return eng


def detect(gray: np.ndarray) -> list[tuple[float, float, float, float]]:
    """Text boxes (x0, y0, x1, y1) on a grey page image, axis-aligned."""
    import cv2

    eng = load_engine()
    bgr = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    quads, _ = eng.text_det(bgr)
    if quads is None or len(quads) == 0:
        return []
    out = []
    for q in quads:
        xs, ys = q[:, 0], q[:, 1]
        out.append((float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())))
    return out


def _crop(gray: np.ndarray, box) -> tuple[np.ndarray, float, float]:
    """The box as detected (the detector already grows it around the ink): any more white around a
    lone "0" and the recogniser reads "o" or "。"."""
    h, w = gray.shape
    x0, y0, x1, y1 = box
    ix0, iy0 = max(0, int(x0)), max(0, int(y0))
    ix1, iy1 = min(w, int(np.ceil(x1))), min(h, int(np.ceil(y1)))
    return gray[iy0:iy1, ix0:ix1], ix0, iy0


def recognize(gray: np.ndarray, boxes, deadline: float | None = None) -> tuple[list[list[Glyph]], int]:
    """The characters of each text box (in the order given), each with its box, and how many boxes
    were left unread because ``deadline`` (a ``time.process_time()`` value, looked at between chunks
    of boxes) had passed."""
    import cv2

    eng = load_engine()
    crops, origins = [], []
    for box in boxes:
        crop, ox, oy = _crop(gray, box)
        if crop.size == 0:
            crop, ox, oy = np.full((8, 8), 255, np.uint8), 0, 0
        crops.append(cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR))
        origins.append((ox, oy))
    results = []
    for i in range(0, len(crops), REC_CHUNK):
        if deadline is not None and time.process_time() > deadline:
            break
        res, _ = eng.text_rec(crops[i:i + REC_CHUNK], True)
        results.extend(res)
    out = []
    for (text, _conf, info), crop, (ox, oy), box in zip(results, crops, origins, boxes):
        out.append(_glyphs(text, info, crop.shape[1], ox, box))
    return out, len(crops) - len(results)


def _glyphs(text: str, info, crop_w: int, ox: float, box) -> list[Glyph]:
    """Place each character of a recognised line at its CTC column (the line's box is its height)."""
    if not text:
        return []
    n_cols, _words, word_cols, _states, confs = info
    cols = [c for wc in word_cols for c in wc]
    if len(cols) != len(text) or not n_cols:
        # (the decoder groups every character it emits; fall back to even spacing if that ever fails)
        cols = [(i + 0.5) * n_cols / len(text) for i in range(len(text))] if n_cols else list(range(len(text)))
        n_cols = n_cols or len(text)
    scale = crop_w / float(n_cols)
    centers = [ox + (c + 0.5) * scale for c in cols]
    y0, y1 = box[1], box[3]
    height = y1 - y0
    glyphs = []
    for i, (ch, cx) in enumerate(zip(text, centers)):
        half = (0.45 if _wide(ch) else 0.27) * height
        # never past the middle to a neighbour
        left = max(cx - half, (centers[i - 1] + cx) / 2) if i else cx - half
        right = min(cx + half, (cx + centers[i + 1]) / 2) if i + 1 < len(centers) else cx + half
        score = float(confs[i]) if i < len(confs) else 0.0
        glyphs.append(Glyph(ch, left, y0, right, y1, score))
    return glyphs


def _wide(ch: str) -> bool:
    from gainlp.readers.base import is_wide

    return is_wide(ch)
