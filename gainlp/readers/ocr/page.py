"""One page image -> its ruled table frames and its recognised text runs.

The steps, each with the library that does it: the skew is measured and undone (OpenCV), the ruling
lines are found (OpenCV morphology) and grouped into table frames, the frames' rules are painted out,
text boxes are detected and read (RapidOCR), and every character is given to the frame it stands in
or to the page's prose. Work on one page stops when it has used its CPU time: the boxes not read by
then are counted in a warning. (CPU time, not wall time: a page takes the same budget on a busy
machine as on an idle one.)
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np

from gainlp.readers.ocr import engine
from gainlp.readers.ocr.grid import Frame
from gainlp.readers.ocr.lines import Box, Run
from gainlp.readers.ocr import rules

log = logging.getLogger("gainlp.ocr")
MIN_RUN_SCORE = 0.5  # RapidOCR's own text_score: a box read with less is noise (a stamp, a smudge)


@dataclass
class PageImage:
    """A page to read: its number in the document, a grey image, its resolution, the output unit per
    pixel (72 / dpi for PDF points, 1 for image pixels) and where the image's top-left corner stands
    on the page (output units; a scan placed with a margin)."""

    number: int
    gray: np.ndarray
    dpi: float
    unit: float
    origin: tuple[float, float] = (0.0, 0.0)


@dataclass
class ScannedPage:
    number: int
    width: float  # pixels
    height: float
    unit: float
    tol: float  # pixels within which two rules are one
    frames: list[Frame]
    runs: list[Run]  # the text outside the frames
    back: np.ndarray | None  # straightened pixels -> original pixels
    origin: tuple[float, float] = (0.0, 0.0)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0  # wall time
    cpu_seconds: float = 0.0
    skew: float = 0.0

    def to_out(self, g) -> Box:
        """A character's box on the original page, in output units."""
        u, (ox, oy) = self.unit, self.origin
        if self.back is None:
            return (ox + g.x0 * u, oy + g.y0 * u, ox + g.x1 * u, oy + g.y1 * u)
        corners = np.array([[g.x0, g.y0, 1.0], [g.x1, g.y0, 1.0], [g.x1, g.y1, 1.0], [g.x0, g.y1, 1.0]])
        pts = corners @ self.back.T
        xs, ys = ox + pts[:, 0] * u, oy + pts[:, 1] * u
        return (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))


def scan(page: PageImage, seconds: float | None) -> ScannedPage:
    """Analyse and read one page image, spending at most about ``seconds`` of CPU time on it (all
    threads of the process counted)."""
    t0 = time.monotonic()
    cpu0 = time.process_time()
    deadline = cpu0 + seconds if seconds else None
    angle = rules.skew_angle(page.gray)
    img, back = rules.straighten(page.gray, angle)
    tol = max(3.0, 0.04 * page.dpi)
    hs, vs, line_mask = rules.ruling_segments(rules.binarize(img), page.dpi)
    frames = _frames(hs, vs, tol)
    clean = rules.erase(img, _frame_mask(line_mask, frames, tol)) if frames else img
    boxes = _merge_touching(engine.detect(clean))
    if frames:
        ink = rules.binarize(clean)
        boxes = _cell_pieces(boxes + _missed_ink(ink, frames, boxes), frames, ink, tol)
    glyph_runs, unread = engine.recognize(clean, boxes, deadline)
    out = ScannedPage(page.number, float(img.shape[1]), float(img.shape[0]), page.unit, tol, frames, [], back,
                      origin=page.origin, skew=angle)
    if unread:
        out.warnings.append(
            f"page {page.number}: OCR stopped at its time limit ({seconds:g} CPU s); {unread} of {len(boxes)} "
            "text boxes not read"
        )
    unsure = 0
    for glyphs in glyph_runs:
        glyphs = [g for g in glyphs if g.ch]
        if not glyphs or all(g.ch.isspace() for g in glyphs):
            continue
        if sum(g.score for g in glyphs) / len(glyphs) < MIN_RUN_SCORE:
            unsure += 1
            continue
        _assign(out, glyphs)
    if unsure:
        out.warnings.append(f"page {page.number}: {unsure} text boxes read with too little confidence were left out")
    for f in out.frames:
        f.runs = _without_repeats(f.runs)
    out.runs = _without_repeats(out.runs)
    out.seconds = time.monotonic() - t0
    out.cpu_seconds = time.process_time() - cpu0
    log.info("page %d: %d text boxes, %d tables, skew %.2f deg, %.1f s (%.1f CPU s)", page.number, len(boxes),
             len(frames), angle, out.seconds, out.cpu_seconds)
    return out


def _without_repeats(runs: list[Run]) -> list[Run]:
    """Runs without the characters another (longer) run already holds at the same place: two boxes
    that overlap read the characters they share twice ("0" as "00", "37" as "377")."""
    def overlap(a, b) -> bool:
        return (min(a.x1, b.x1) - max(a.x0, b.x0) > 0.5 * min(a.x1 - a.x0, b.x1 - b.x0)
                and min(a.y1, b.y1) - max(a.y0, b.y0) > 0.5 * min(a.y1 - a.y0, b.y1 - b.y0))

    out: list[Run] = []
    for run in sorted(runs, key=lambda r: len(r.glyphs), reverse=True):
        near = [k for r in out if r.x0 < run.x1 and run.x0 < r.x1 and r.y0 < run.y1 and run.y0 < r.y1
                for k in r.glyphs]
        mine = [g for g in run.glyphs if not any(overlap(g, k) for k in near)] if near else run.glyphs
        if mine:
            out.append(Run(mine))
    return out


def _assign(page: ScannedPage, glyphs) -> None:
    """A run's characters to the frame each stands in, the rest to the page's prose."""
    inside: dict[int, list] = {}
    outside = []
    for g in glyphs:
        for i, f in enumerate(page.frames):
            if f.x0 - page.tol <= g.cx <= f.x1 + page.tol and f.y0 - page.tol <= g.cy <= f.y1 + page.tol:
                inside.setdefault(i, []).append(g)
                break
        else:
            outside.append(g)
    for i, gs in inside.items():
        page.frames[i].runs.append(Run(gs))
    if outside:
        page.runs.append(Run(outside))


def _merge_touching(boxes: list[tuple]) -> list[tuple]:
    """Detected boxes that stand side by side on one line with (almost) no gap, as one box: the
    detector sometimes boxes a thin "一" or a "、" apart from the words it belongs to, and each piece
    read alone reads worse (and their order is lost). Boxes run across a rule are cut again later."""
    heights = sorted(b[3] - b[1] for b in boxes)
    if not heights:
        return []
    gap = 0.3 * heights[len(heights) // 2]
    out: list[list[float]] = []
    last: list[tuple] = []  # the box last joined to each merged box (lines must not chain downwards)
    for b in sorted(boxes, key=lambda b: (b[0], b[1])):
        for m, prev in zip(out, last):
            h = min(prev[3] - prev[1], b[3] - b[1])
            same_line = abs((prev[1] + prev[3]) / 2 - (b[1] + b[3]) / 2) <= 0.25 * h
            if same_line and b[0] - m[2] <= gap and b[2] > m[2] - gap:
                m[0], m[1], m[2], m[3] = min(m[0], b[0]), min(m[1], b[1]), max(m[2], b[2]), max(m[3], b[3])
                last[out.index(m)] = b
                break
        else:
            out.append(list(b))
            last.append(b)
    return sorted((tuple(m) for m in out), key=lambda b: (b[1], b[0]))


def _cell_pieces(boxes, frames: list[Frame], ink: np.ndarray, tol: float) -> list[tuple]:
    """Text boxes inside a table cut at its vertical rules, each piece narrowed to its ink.

    With the rules painted out, the detector runs the cells of a row together ("0    0    0" as one
    box), and the recogniser reads widely spaced lone digits badly; one piece per cell, as tight as
    the detector draws a box around a word, reads "0" as "0" (not "o", "。" or nothing).
    """
    heights = sorted(b[3] - b[1] for b in boxes)
    h_text = heights[len(heights) // 2] if heights else 0.0
    out: list[tuple[tuple, bool]] = []  # (box, whole: not cut at a rule)
    for b in boxes:
        cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
        if b[3] - b[1] < 0.75 * h_text:  # the detector drew a box round part of a lone digit only
            b = (b[0], cy - h_text / 2, b[2], cy + h_text / 2)
        frame = next((f for f in frames if f.x0 - tol <= cx <= f.x1 + tol and f.y0 - tol <= cy <= f.y1 + tol), None)
        if frame is None:
            out.append((b, True))
            continue
        cuts = sorted(s.pos for s in frame.vs if s.a0 - tol <= cy <= s.a1 + tol and b[0] + tol < s.pos < b[2] - tol)
        edges = [b[0], *cuts, b[2]]
        for a, c in zip(edges, edges[1:]):
            piece = _tighten(ink, (a, b[1], c, b[3]))
            if piece is not None:
                out.append((piece, not cuts))
    return _distinct(out)


def _distinct(pieces: list[tuple[tuple, bool]]) -> list[tuple]:
    """Boxes without those lying mostly (half their area) on one kept before: two detected boxes over
    one word would read it twice. Whole detected boxes are kept first, then the pieces of boxes cut at
    a rule, larger first: the end of a label's box reaching past a rule holds only part of the number
    there ("3" of "37"), whose own box holds all of it."""
    def area(b) -> float:
        return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])

    kept: list[tuple] = []
    for b, _whole in sorted(pieces, key=lambda p: (not p[1], -area(p[0]))):
        if not any(area((max(b[0], k[0]), max(b[1], k[1]), min(b[2], k[2]), min(b[3], k[3]))) > 0.5 * area(b)
                   for k in kept if k[0] < b[2] and b[0] < k[2] and k[1] < b[3] and b[1] < k[3]):
            kept.append(b)
    return sorted(kept, key=lambda b: (b[1], b[0]))


def _missed_ink(ink: np.ndarray, frames: list[Frame], boxes: list[tuple]) -> list[tuple]:
    """Boxes around ink inside the tables that no detected box covers.

    The detector can miss a short word right beside a longer one across a (painted-out) rule: the "0"
    after "...禁" where the label runs up to the cell border. Ink of about a character's height left
    uncovered in a table is boxed line by line (cut at the rules and read like any other box).
    """
    import cv2

    heights = sorted(b[3] - b[1] for b in boxes)
    if not heights:
        return []
    h_text = heights[len(heights) // 2]
    h, w = ink.shape
    left = np.zeros_like(ink)
    for f in frames:
        y0, y1, x0, x1 = max(0, int(f.y0)), min(h, int(f.y1) + 1), max(0, int(f.x0)), min(w, int(f.x1) + 1)
        left[y0:y1, x0:x1] = ink[y0:y1, x0:x1]
    for b in boxes:
        left[max(0, int(b[1]) - 1):int(b[3]) + 2, max(0, int(b[0]) - 1):int(b[2]) + 2] = 0
    left = cv2.morphologyEx(left, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (2, 2)))
    joined = cv2.dilate(left, cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, int(0.5 * h_text)), 1)))
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, bw, bh, _area = stats[i]
        if not 0.35 * h_text <= bh <= 1.5 * h_text:
            continue
        margin = max(1.0, (h_text - bh) / 2)
        out.append((float(x), max(0.0, y - margin), float(x + bw), min(float(h), y + bh + margin)))
    return out


def _tighten(ink: np.ndarray, box) -> tuple | None:
    """The box narrowed to the columns holding ink, with a margin of a tenth of its height; None when
    it holds no ink."""
    h, w = ink.shape
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    x0, x1, y0, y1 = max(0, x0), min(w, x1), max(0, y0), min(h, y1)
    if x1 <= x0 or y1 <= y0:
        return None
    cols = np.flatnonzero(ink[y0:y1, x0:x1].any(axis=0))
    if cols.size == 0:
        return None
    pad = 0.1 * (y1 - y0)
    return (max(0.0, x0 + cols[0] - pad), float(y0), min(float(w), x0 + cols[-1] + 1 + pad), float(y1))


def _frames(hs: list[rules.Segment], vs: list[rules.Segment], tol: float) -> list[Frame]:
    """Ruling segments that cross or touch each other, as table frames (at least two of each kind)."""
    n = len(hs) + len(vs)
    parent = list(range(n))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for i, h in enumerate(hs):
        for j, v in enumerate(vs):
            if h.a0 - tol <= v.pos <= h.a1 + tol and v.a0 - tol <= h.pos <= v.a1 + tol:
                a, b = find(i), find(len(hs) + j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[int, tuple[list, list]] = {}
    for i, h in enumerate(hs):
        groups.setdefault(find(i), ([], []))[0].append(h)
    for j, v in enumerate(vs):
        groups.setdefault(find(len(hs) + j), ([], []))[1].append(v)
    tables = [(gh, gv) for gh, gv in groups.values() if len(gh) >= 2 and len(gv) >= 2]
    # a vertical rule touching no horizontal one belongs to the table whose rules start and end where
    # it does (the border of a cell cut by the page at both ends: no rule crosses it on this page)
    for gh, gv in groups.values():
        if gh or len(gv) != 1:
            continue
        v = gv[0]
        for th, tv in tables:
            if any(abs(o.a0 - v.a0) <= tol and abs(o.a1 - v.a1) <= tol for o in tv):
                tv.append(v)
                break
    frames = []
    for gh, gv in tables:
        x0 = min(min(s.a0 for s in gh), min(s.pos for s in gv))
        x1 = max(max(s.a1 for s in gh), max(s.pos for s in gv))
        y0 = min(min(s.pos for s in gh), min(s.a0 for s in gv))
        y1 = max(max(s.pos for s in gh), max(s.a1 for s in gv))
        frames.append(Frame(x0, y0, x1, y1, gh, gv))
    return sorted(frames, key=lambda f: f.y0)


def _frame_mask(line_mask: np.ndarray, frames: list[Frame], tol: float) -> np.ndarray:
    """The ruling-line pixels inside the table frames, grown by one pixel (the grey edge of a scanned
    line, which could read as "1"), no more: a digit printed against a rule keeps its own pixels ("0"
    beside a border must not lose its left arc and read as "D")."""
    import cv2

    line_mask = cv2.dilate(line_mask, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    mask = np.zeros_like(line_mask)
    h, w = line_mask.shape
    for f in frames:
        x0, y0 = max(0, int(f.x0 - tol)), max(0, int(f.y0 - tol))
        x1, y1 = min(w, int(f.x1 + tol) + 1), min(h, int(f.y1 + tol) + 1)
        mask[y0:y1, x0:x1] = line_mask[y0:y1, x0:x1]
    return mask
