"""Text with labelled spans, built piece by piece so that every label is aligned by construction.

A :class:`Piece` is a text and its spans. Pieces are appended to one another (spans shift with them) and
edited by :func:`insert` and :func:`replace_chars`, which keep every span on the characters it labelled:
an insertion before a span shifts it, one strictly inside a span widens it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from gainlp.annotations import LabeledSpan


@dataclass
class Piece:
    """A stretch of text with its labelled spans (offsets relative to this text)."""

    text: str = ""
    spans: list[LabeledSpan] = field(default_factory=list)

    def add(self, text: str, label: str | None = None) -> tuple[int, int]:
        """Append text (labelled as a whole when ``label``); return its offsets."""
        start = len(self.text)
        self.text += text
        end = len(self.text)
        if label is not None and end > start:
            self.spans.append(LabeledSpan(start, end, label))
        return start, end

    def extend(self, other: "Piece") -> int:
        """Append another piece; return the offset it starts at."""
        shift = len(self.text)
        self.text += other.text
        self.spans.extend(LabeledSpan(s + shift, e + shift, lab) for s, e, lab in other.spans)
        return shift

    def label(self, start: int, end: int, label: str) -> None:
        """Label an existing stretch of this piece."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"span ({start}, {end}) outside a text of {len(self.text)} characters")
        self.spans.append(LabeledSpan(start, end, label))

    def __len__(self) -> int:
        return len(self.text)


def insert(piece: Piece, pos: int, s: str) -> None:
    """Insert ``s`` at ``pos``: spans at or after pos shift, spans around pos widen."""
    n = len(s)
    if not n:
        return
    piece.text = piece.text[:pos] + s + piece.text[pos:]
    spans = []
    for a, b, lab in piece.spans:
        if a >= pos:
            a, b = a + n, b + n
        elif b > pos:
            b += n
        spans.append(LabeledSpan(a, b, lab))
    piece.spans = spans


def replace_chars(piece: Piece, mapping: dict[int, str]) -> None:
    """Replace single characters by single characters (offsets unchanged): {position: new char}."""
    if not mapping:
        return
    chars = list(piece.text)
    for pos, ch in mapping.items():
        if len(ch) != 1:
            raise ValueError(f"replacement {ch!r} is not one character")
        chars[pos] = ch
    piece.text = "".join(chars)


def join_lines(piece: Piece, joiner) -> None:
    """Remove every line break, each replaced by ``joiner(i)`` ("" or " ": the i-th break), keeping every
    span on the characters it labelled (text whose line breaks a scraper lost)."""
    out: list[str] = []
    where: list[int] = []  # old offset -> new offset
    pos = 0
    breaks = 0
    for ch in piece.text:
        where.append(pos)
        if ch == "\n":
            rep = joiner(breaks)
            breaks += 1
        else:
            rep = ch
        out.append(rep)
        pos += len(rep)
    where.append(pos)
    piece.text = "".join(out)
    spans = []
    for a, b, lab in piece.spans:
        # a span ends after its last character, wherever that went
        spans.append(LabeledSpan(where[a], where[b - 1] + (1 if piece.text[where[b - 1]:where[b - 1] + 1] else 0), lab))
    piece.spans = [sp for sp in spans if sp.end > sp.start]


def inside(piece: Piece, pos: int, labels: tuple[str, ...] | None = None) -> bool:
    """Is ``pos`` strictly inside a span (of one of ``labels``)? An insertion there would split it."""
    return any(a < pos < b and (labels is None or lab in labels) for a, b, lab in piece.spans)


def check_aligned(text: str, spans: list[LabeledSpan]) -> None:
    """Raise unless every span lies inside the text and covers more than white space."""
    for a, b, lab in spans:
        if not (0 <= a < b <= len(text)) or not text[a:b].strip():
            raise AssertionError(f"span ({a}, {b}, {lab}) is empty or outside the text: {text[a:b]!r}")


__all__ = ["Piece", "insert", "replace_chars", "inside", "check_aligned"]
