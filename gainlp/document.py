"""The document object that readers produce once and later stages enrich.

A reader turns a file into a :class:`Document`: the text it produced (every offset in a record points
into this text), the tables it found as cell grids with offsets, and metadata. Later stages add
:class:`Span` layers keyed by source ("rules", "model"): sections, table cells, metrics. Nothing reads
the file again.
"""
from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property

from gainlp.text import NormText, fold_radicals, normalize, to_halfwidth


@dataclass
class Cell:
    """One table cell as printed: its text and where that text stands in the document text."""

    text: str
    start: int
    end: int
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Table:
    """A table as a reader found it (HTML, DOCX, PDF).

    ``grid[r][c]`` is the cell whose top-left corner is at (r, c); positions covered by a rowspan or
    colspan of another cell hold ``None``. A printed blank cell is a Cell with text "".
    """

    grid: list[list[Cell | None]]
    start: int
    end: int
    page: int | None = None

    @property
    def n_rows(self) -> int:
        return len(self.grid)

    @property
    def n_cols(self) -> int:
        return max((len(r) for r in self.grid), default=0)

    def cells(self):
        for row in self.grid:
            for c in row:
                if c is not None:
                    yield c


@dataclass
class Span:
    """A labelled stretch of the document text, from one source ("rules", "model", "gold")."""

    start: int
    end: int
    label: str
    source: str = "rules"
    score: float = 1.0
    attrs: dict = field(default_factory=dict)

    def text(self, doc: "Document") -> str:
        return doc.text[self.start : self.end]


Box = tuple[float, float, float, float]  # x0, top, x1, bottom (y grows down the page)


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a stretch of the text stands on the page: page number (1-based) and box, in the unit of
    ``Document.meta["box_unit"]`` ("pt" for PDFs, "px" for page images)."""

    start: int
    end: int
    page: int
    box: Box


@dataclass
class Document:
    text: str
    path: str | None = None
    format: str = "txt"
    sha256: str = ""
    tables: list[Table] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    layers: dict[str, list[Span]] = field(default_factory=dict)
    # text offsets -> (page, box), sorted by start, without overlaps; filled by readers that know the page
    geometry: list[Placement] = field(default_factory=list)

    @classmethod
    def from_text(cls, text: str, path: str | None = None, fmt: str = "txt", raw: bytes | None = None) -> "Document":
        data = raw if raw is not None else text.encode("utf-8")
        # radical code points (PDF text layers: ⾏ for 行) as the characters they print, one for one
        return cls(text=fold_radicals(text), path=path, format=fmt, sha256=hashlib.sha256(data).hexdigest())

    @cached_property
    def folded(self) -> str:
        """The text with full-width characters folded to half width (gainlp.text.to_halfwidth)."""
        return to_halfwidth(self.text)

    def fold_range(self, start: int, end: int) -> str:
        """``to_halfwidth(self.text[start:end])``: a slice of ``folded`` when folding kept every
        character one character long (the usual case), else folded anew."""
        if len(self.folded) == len(self.text):
            return self.folded[start:end]
        return to_halfwidth(self.text[start:end])

    @cached_property
    def norm(self) -> NormText:
        """Normalised text for matching (line breaks kept)."""
        return normalize(self.text, folded=self.folded)

    @cached_property
    def norm_joined(self) -> NormText:
        """Normalised text with wrapped lines joined (for prose)."""
        return normalize(self.text, join_lines=True, folded=self.folded)

    def layer(self, name: str) -> list[Span]:
        return self.layers.setdefault(name, [])

    def add(self, layer: str, span: Span) -> Span:
        self.layer(layer).append(span)
        return span

    @cached_property
    def _geometry_starts(self) -> list[int]:
        return [p.start for p in self.geometry]

    def locate(self, start: int, end: int) -> tuple[int, Box] | None:
        """The page and box of the text at [start, end): the union of the boxes of the placed pieces
        it overlaps on the page of its first one; None when no placed piece overlaps it."""
        if not self.geometry:
            return None
        starts = self._geometry_starts
        i = max(0, bisect_right(starts, start) - 1)
        if self.geometry[i].end <= start:
            i += 1
        page = None
        x0 = top = float("inf")
        x1 = bottom = float("-inf")
        while i < len(self.geometry) and self.geometry[i].start < max(end, start + 1):
            p = self.geometry[i]
            i += 1
            if page is None:
                page = p.page
            elif p.page != page:
                break
            x0, top = min(x0, p.box[0]), min(top, p.box[1])
            x1, bottom = max(x1, p.box[2]), max(bottom, p.box[3])
        if page is None:
            return None
        return page, (x0, top, x1, bottom)

    def tables_in(self, start: int, end: int) -> list[Table]:
        """Reader tables that lie (mostly) inside [start, end)."""
        out = []
        for t in self.tables:
            overlap = min(end, t.end) - max(start, t.start)
            if overlap > 0 and overlap >= 0.5 * (t.end - t.start):
                out.append(t)
        return out
