"""A ruled table from page images -> a cell grid with row and column spans.

The ruling segments of a table (one fragment per page it runs over, stacked one under the other)
give the row bands (the y of every horizontal rule) and the column bands (the x of every vertical
rule). Two neighbouring slots of that band grid belong to one cell unless a rule runs between them
over at least half of their common side: so a merged header cell (no rule inside it) spans the
slots it covers, and a cell cut by a page break (no rule at the break) is one cell again. Each
character goes to the cell holding its centre.

Why not pdfplumber's ``edges_to_intersections`` / ``intersections_to_cells``: they need every corner
of a cell to be an exact intersection of two edges, which a blurred, rotated or JPEG-damaged scan
breaks; counting how much of a side is ruled does not.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Callable

from gainlp.readers.base import Grid, RawCell, place_cells
from gainlp.readers.ocr.engine import Glyph
from gainlp.readers.ocr.lines import Box, Run, compose
from gainlp.readers.ocr.rules import Segment

RULED = 0.5  # share of a slot's side a rule must cover to separate two slots


@dataclass
class Frame:
    """One ruled table on one page (pixels of the straightened page)."""

    x0: float
    y0: float
    x1: float
    y1: float
    hs: list[Segment]
    vs: list[Segment]
    runs: list[Run] = field(default_factory=list)

    def lowest_rule(self) -> float:
        return max((s.pos for s in self.hs), default=self.y1)

    def highest_rule(self) -> float:
        return min((s.pos for s in self.hs), default=self.y0)

    def glyphs_between(self, top: float, bottom: float) -> bool:
        return any(top < g.cy < bottom for r in self.runs for g in r.glyphs)


@dataclass
class Fragment:
    """A frame placed in the table's stacked coordinates: y + ``offset``, cut to [top, bottom)."""

    frame: Frame
    page: int
    to_out: Callable[[Glyph], Box]
    offset: float = 0.0
    top: float = 0.0
    bottom: float = 0.0


def _cluster(values: list[tuple[float, float]], tol: float) -> list[float]:
    """Positions (weighted by length) within ``tol`` of each other as one band edge."""
    out: list[float] = []
    group: list[tuple[float, float]] = []
    for v, w in sorted(values):
        if group and v - group[-1][0] > tol:
            out.append(sum(p * q for p, q in group) / sum(q for _, q in group))
            group = []
        group.append((v, max(w, 1e-6)))
    if group:
        out.append(sum(p * q for p, q in group) / sum(q for _, q in group))
    return out


def _covered(intervals: list[tuple[float, float]], lo: float, hi: float) -> float:
    """Share of [lo, hi] that the intervals cover."""
    if hi <= lo:
        return 1.0
    total, end = 0.0, lo
    for a, b in sorted(intervals):
        a, b = max(a, end), min(b, hi)
        if b > a:
            total += b - a
            end = b
    return total / (hi - lo)


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, a: int) -> int:
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass
class BuiltTable:
    grid: Grid
    col_xs: list[float]  # column band edges (stacked pixels)
    irregular: int  # cells whose slots formed no rectangle (read slot by slot)


Cell = tuple[int, int, int, int]  # (first row, first column, rowspan, colspan) in bands


def build(fragments: list[Fragment], tol: float) -> BuiltTable:
    """The cell grid of a table made of one or more stacked fragments."""
    hs: list[tuple[float, float, float]] = []  # (y, x0, x1)
    vs: list[tuple[float, float, float]] = []  # (x, y0, y1)
    y_edges: list[tuple[float, float]] = []
    x_edges: list[tuple[float, float]] = []
    for f in fragments:
        for s in f.frame.hs:
            if f.top - tol <= s.pos <= f.bottom + tol:
                hs.append((s.pos + f.offset, s.a0, s.a1))
                y_edges.append((s.pos + f.offset, s.length))
        for s in f.frame.vs:
            a0, a1 = max(s.a0, f.top), min(s.a1, f.bottom)
            if a1 - a0 > tol:
                vs.append((s.pos, a0 + f.offset, a1 + f.offset))
                x_edges.append((s.pos, a1 - a0))
        x_edges += [(f.frame.x0, 0.0), (f.frame.x1, 0.0)]
    # the table's own top and bottom bound its first and last rows; where two fragments meet there is a
    # row edge only if a rule is printed there (a row cut by the page break is one row again)
    y_edges += [(fragments[0].top + fragments[0].offset, 0.0), (fragments[-1].bottom + fragments[-1].offset, 0.0)]
    ys = _cluster(y_edges, tol)
    xs = _cluster(x_edges, tol)
    if len(ys) < 2 or len(xs) < 2:
        return BuiltTable([], xs, 0)
    while True:
        cell_of, irregular = _cells(ys, xs, hs, vs, tol)
        texts = _texts(fragments, ys, xs, cell_of, tol)
        stub = _stub_edge(ys, xs, cell_of, texts)
        if stub is None:
            break
        del ys[stub]
    rows: list[list[RawCell]] = [[] for _ in range(len(ys) - 1)]
    for cell in sorted(set(cell_of.values())):
        r0, c0, rs, cs = cell
        raw = RawCell("", rowspan=rs, colspan=cs)
        if texts.get(cell):
            raw.text, raw.pieces = _cell_text(texts[cell])
        rows[r0].append(raw)
    # the cells tile the band grid, so place_cells puts each at the first slot it covers
    return BuiltTable(place_cells(rows), xs, irregular)


def _cells(ys: list[float], xs: list[float], hs, vs, tol: float) -> tuple[dict[tuple[int, int], Cell], int]:
    """Every slot of the band grid -> its cell: neighbouring slots are one cell unless a rule runs between
    them over at least half their common side. A region that is no rectangle (an L-shaped gap in the
    rules) is read slot by slot; their count is returned too."""
    n_r, n_c = len(ys) - 1, len(xs) - 1
    uf = _UnionFind(n_r * n_c)
    margin = tol / 2
    for c in range(n_c - 1):  # the sides between (r, c) and (r, c + 1)
        ruled = [(a, b) for p, a, b in vs if abs(p - xs[c + 1]) <= tol]
        for r in range(n_r):
            if _covered(ruled, ys[r] + margin, ys[r + 1] - margin) < RULED:
                uf.union(r * n_c + c, r * n_c + c + 1)
    for r in range(n_r - 1):  # the sides between (r, c) and (r + 1, c)
        ruled = [(a, b) for p, a, b in hs if abs(p - ys[r + 1]) <= tol]
        for c in range(n_c):
            if _covered(ruled, xs[c] + margin, xs[c + 1] - margin) < RULED:
                uf.union(r * n_c + c, (r + 1) * n_c + c)
    regions: dict[int, list[tuple[int, int]]] = {}
    for r in range(n_r):
        for c in range(n_c):
            regions.setdefault(uf.find(r * n_c + c), []).append((r, c))
    cell_of: dict[tuple[int, int], Cell] = {}
    irregular = 0
    for slots in regions.values():
        r0, r1 = min(r for r, _ in slots), max(r for r, _ in slots)
        c0, c1 = min(c for _, c in slots), max(c for _, c in slots)
        if len(slots) == (r1 - r0 + 1) * (c1 - c0 + 1):
            for slot in slots:
                cell_of[slot] = (r0, c0, r1 - r0 + 1, c1 - c0 + 1)
        else:
            irregular += 1
            for r, c in slots:
                cell_of[(r, c)] = (r, c, 1, 1)
    return cell_of, irregular


def _texts(fragments: list[Fragment], ys, xs, cell_of, tol: float) -> dict[Cell, list[tuple[Fragment, Run]]]:
    """Characters to cells, by their centre, keeping their runs (one run's characters stay together)."""
    n_r, n_c = len(ys) - 1, len(xs) - 1
    texts: dict[Cell, list[tuple[Fragment, Run]]] = {}
    for f in fragments:
        for run in f.frame.runs:
            parts: dict[Cell, list[Glyph]] = {}
            for g in run.glyphs:
                if not f.top - tol <= g.cy <= f.bottom + tol:
                    continue
                r = min(max(bisect_right(ys, g.cy + f.offset) - 1, 0), n_r - 1)
                c = min(max(bisect_right(xs, g.cx) - 1, 0), n_c - 1)
                parts.setdefault(cell_of[(r, c)], []).append(g)
            for cell, glyphs in parts.items():
                texts.setdefault(cell, []).append((f, Run(glyphs)))
    return texts


def _stub_edge(ys, xs, cell_of, texts) -> int | None:
    """The index in ``ys`` of a row edge that is ruled in fewer columns than there are cells with
    text running across it (two at least), else None.

    A row edge is a rule across most of the row; the cells that span it are the few tall ones beside
    it (a header cell over two header rows, a group label). A rule under one column only, with the
    row's other cells, text and all, running on across it, is no row edge: it is the end of a cell that
    a page break cut and that Chromium draws shorter on the next page (a stub of a rule).
    """
    worst, worst_excess = None, 0
    for k in range(1, len(ys) - 1):
        ruled = 0
        across: set[Cell] = set()
        for c in range(len(xs) - 1):
            above, below = cell_of[(k - 1, c)], cell_of[(k, c)]
            if above != below:
                ruled += 1
            elif texts.get(above):
                across.add(above)
        excess = len(across) - ruled
        if len(across) >= 2 and excess > worst_excess:
            worst, worst_excess = k, excess
    return worst


_LETTER_O = re.compile(r"[0-9]*[oO][0-9oO]*")


def _cell_text(parts: list[tuple[Fragment, Run]]) -> tuple[str, list]:
    """A cell's runs in reading order (stacked y, then x), composed into its text.

    A cell that reads as digits and the letter o only ("o", "1O") holds a number: the recogniser
    takes a lone "0" for "o" now and then, and a table cell never prints the letter there.
    """
    from gainlp.readers.ocr.lines import group_lines

    text, pieces = "", []
    by_fragment: dict[int, tuple[Fragment, list[Run]]] = {}
    for f, run in parts:
        by_fragment.setdefault(id(f), (f, []))[1].append(run)
    ordered = sorted(by_fragment.values(), key=lambda fr: fr[0].offset)
    for f, runs in ordered:
        t, p = compose(group_lines(runs), f.page, f.to_out)
        if not t:
            continue
        if text and t and not (_wide(text[-1]) or _wide(t[0])):
            text += " "
        base = len(text)
        text += t
        pieces += [(s + base, e + base, page, box) for s, e, page, box in p]
    if _LETTER_O.fullmatch(text):
        text = text.replace("o", "0").replace("O", "0")
    return text, pieces


def _wide(ch: str) -> bool:
    from gainlp.readers.base import is_wide

    return is_wide(ch)
