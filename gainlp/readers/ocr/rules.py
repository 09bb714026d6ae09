"""Page image geometry with OpenCV: skew, ruling lines, and the image with its ruling lines erased.

* :func:`skew_angle` -- the small rotation of a scanned page (the angle whose rotation makes the rows
  of ink most uneven: text lines and rules then lie flat), searched over +-3 degrees;
* :func:`straighten` -- the page rotated by it (white fill), with the matrix that maps back;
* :func:`ruling_segments` -- horizontal and vertical ruling-line segments: morphological opening of the
  binarised page with a long thin kernel keeps strokes far longer than any character stroke;
* :func:`erase` -- the page with those lines painted white, so that a character beside a rule is read
  alone (a "一" next to a cell border looks like a piece of it).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(slots=True)
class Segment:
    """A ruling-line segment in page pixels: along ``a0``..``a1`` at position ``pos`` across it."""

    pos: float
    a0: float
    a1: float
    thickness: float

    @property
    def length(self) -> float:
        return self.a1 - self.a0


def binarize(gray: np.ndarray) -> np.ndarray:
    """Ink as 255, paper as 0; adaptive, so that blur, JPEG noise and uneven paper do not matter."""
    import cv2

    block = max(15, (min(gray.shape) // 60) | 1)
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 15)


def skew_angle(gray: np.ndarray, max_angle: float = 3.0) -> float:
    """The page's skew in degrees (rotate by it to straighten), to about 0.05 degrees."""
    import cv2

    scale = min(1.0, 1000.0 / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    ink = binarize(small)
    if not ink.any():
        return 0.0
    h, w = ink.shape
    center = (w / 2, h / 2)

    def score(angle: float) -> float:
        m = cv2.getRotationMatrix2D(center, angle, 1.0)
        rotated = cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)  # (nearest: biased)
        rows = rotated.sum(axis=1, dtype=np.float64)
        return float(np.square(np.diff(rows)).sum())

    best = max(np.arange(-max_angle, max_angle + 1e-9, 0.25), key=score)
    fine = np.arange(best - 0.25, best + 0.25 + 1e-9, 0.05)
    return round(float(max(fine, key=score)), 2)


def straighten(gray: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray | None]:
    """The page rotated by ``angle`` degrees about its centre, and the 2x3 matrix mapping the rotated
    image's pixels back to the original's (None when there was nothing to rotate)."""
    import cv2

    if abs(angle) < 0.1:
        return gray, None
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rotated = cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    back = cv2.invertAffineTransform(m)
    return rotated, back


def ruling_segments(ink: np.ndarray, dpi: float) -> tuple[list[Segment], list[Segment], np.ndarray]:
    """Horizontal and vertical ruling segments of a binarised page, and the mask of all their pixels."""
    import cv2

    min_h = max(20, int(0.35 * dpi))  # a third of an inch: longer than any character stroke
    min_v = max(15, int(0.2 * dpi))
    # bridge the one-pixel breaks of a blurred or JPEG-compressed line before opening
    horiz = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 1)))
    horiz = cv2.morphologyEx(horiz, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (min_h, 1)))
    vert = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 3)))
    vert = cv2.morphologyEx(vert, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, min_v)))
    hs = _segments(horiz, horizontal=True)
    vs = _segments(vert, horizontal=False)
    hs, vs = _joined(hs, vs, tol=max(3.0, 0.04 * dpi), long=2 * min_v)
    mask = cv2.bitwise_or(horiz, vert)
    return hs, vs, mask


def _joined(hs: list[Segment], vs: list[Segment], tol: float, long: float) -> tuple[list[Segment], list[Segment]]:
    """The segments that make up rulings: a horizontal rule ends at a vertical rule at both ends; a
    vertical rule meets at least two horizontal ones, or one when it is long (its other end open where
    a page cuts a table), or none when it is very long (the border of a cell that a page break cuts at
    both ends). The strokes of characters set side by side ("本年", "企业") can line up into a long
    horizontal stroke, but it ends in the white of a cell."""

    def ends_at(pos: float, at: float, others: list[Segment]) -> bool:
        return any(abs(o.pos - at) <= tol and o.a0 - tol <= pos <= o.a1 + tol for o in others)

    def touches(v: Segment, h: Segment) -> bool:
        return h.a0 - tol <= v.pos <= h.a1 + tol and v.a0 - tol <= h.pos <= v.a1 + tol

    def ruling(v: Segment, hs: list[Segment]) -> bool:
        n = sum(1 for h in hs if touches(v, h))
        return n >= 2 or (n == 1 and v.length >= long) or v.length >= 4 * long

    for _ in range(4):  # dropping one may leave another hanging
        keep_v = [v for v in vs if ruling(v, hs)]
        keep_h = [h for h in hs if ends_at(h.pos, h.a0, keep_v) and ends_at(h.pos, h.a1, keep_v)]
        if len(keep_h) == len(hs) and len(keep_v) == len(vs):
            break
        hs, vs = keep_h, keep_v
    return hs, vs


def _segments(mask: np.ndarray, horizontal: bool) -> list[Segment]:
    import cv2

    n, _labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, _area = stats[i]
        if horizontal:
            if h > 0.5 * w:  # a blob, not a line
                continue
            out.append(Segment(y + h / 2, float(x), float(x + w), float(h)))
        else:
            if w > 0.5 * h:
                continue
            out.append(Segment(x + w / 2, float(y), float(y + h), float(w)))
    return out


def erase(gray: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The page with the masked pixels (ruling lines) painted white."""
    out = gray.copy()
    out[mask > 0] = 255
    return out
