"""Recognised characters -> printed lines -> text, keeping each character's box.

Text boxes that stand side by side on one baseline form one line (a borderless table row is several
boxes on a line). A line's text is its characters left to right; a space stands only between two
narrow (latin, digit) characters, where the recogniser printed one inside a box or where two boxes
meet, as the PDF reader spaces its text (``squeeze(tight=True)``): CJK text never gets one.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Callable

from gainlp.readers.base import is_wide
from gainlp.readers.ocr.engine import Glyph

Box = tuple[float, float, float, float]


@dataclass
class Run:
    """The characters of one detected text box (pixels of the straightened page)."""

    glyphs: list[Glyph]

    @property
    def x0(self) -> float:
        return self.glyphs[0].x0

    @property
    def x1(self) -> float:
        return self.glyphs[-1].x1

    @property
    def y0(self) -> float:
        return min(g.y0 for g in self.glyphs)

    @property
    def y1(self) -> float:
        return max(g.y1 for g in self.glyphs)


def group_lines(runs: list[Run]) -> list[list[Run]]:
    """Runs on one baseline as lines, top to bottom; each line's runs left to right."""
    lines: list[list[Run]] = []
    spans: list[tuple[float, float]] = []
    for run in sorted(runs, key=lambda r: (r.y0 + r.y1) / 2):
        h = run.y1 - run.y0
        placed = False
        for i in range(len(lines) - 1, max(-1, len(lines) - 4), -1):  # the last few lines suffice
            top, bottom = spans[i]
            overlap = min(bottom, run.y1) - max(top, run.y0)
            if overlap >= 0.5 * min(h, bottom - top) and not any(
                min(r.x1, run.x1) - max(r.x0, run.x0) > 0.3 * h for r in lines[i]
            ):
                lines[i].append(run)
                spans[i] = (min(top, run.y0), max(bottom, run.y1))
                placed = True
                break
        if not placed:
            lines.append([run])
            spans.append((run.y0, run.y1))
    for line in lines:
        line.sort(key=lambda r: r.x0)
    return lines


def _needs_space(a: str, b: str) -> bool:
    return not (is_wide(a) or is_wide(b))


def compose(lines: list[list[Run]], page: int, to_out: Callable[[Glyph], Box]) -> tuple[str, list[tuple[int, int, int, Box]]]:
    """The text of lines of runs, and the box of each character as (start, end, page, box) pieces.

    A space stands where the recogniser printed one, between two boxes or between two lines (the
    lines of one table cell, joined as ``join_cell_lines`` joins them), but only between two narrow
    characters.
    """
    out: list[str] = []
    pieces: list[tuple[int, int, int, Box]] = []
    pos = 0
    prev = ""
    for li, line in enumerate(lines):
        for ri, run in enumerate(line):
            gap = ri > 0 or (li > 0 and ri == 0)
            for g in run.glyphs:
                if g.ch.isspace():
                    gap = True
                    continue
                if prev and gap and _needs_space(prev, g.ch[0]):
                    out.append(" ")
                    pos += 1
                out.append(g.ch)
                pieces.append((pos, pos + len(g.ch), page, to_out(g)))
                pos += len(g.ch)
                prev = g.ch[-1]
                gap = False
    return "".join(out), pieces


def line_height(runs: list[Run]) -> float:
    return statistics.median([r.y1 - r.y0 for r in runs]) if runs else 0.0
