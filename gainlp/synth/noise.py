"""Noise that real report text carries, applied to labelled pieces without breaking their spans.

Character swaps (full/half-width punctuation, full-width digits) replace one character by one, so no
offset moves. Insertions (stray spaces, hard line wraps, page footers) go through
:func:`gainlp.synth.builder.insert`, which shifts or widens spans; they avoid the inside of the spans
whose text must stay whole (a count, a date, a year).
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from gainlp.synth.builder import Piece, insert, inside, replace_chars

# spans whose inside takes no inserted line break (a wrapped "95\n个" is real, but keeps values whole)
_KEEP_WHOLE = ("METRIC_VALUE", "DATE", "YEAR", "TABLE_CELL", "SECTION")

_HALF_PUNCT = str.maketrans({"（": "(", "）": ")", "，": ",", "：": ":", "；": ";"})
_FULL_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass
class Translation:
    """A one-for-one character mapping of a block (and of the gold strings taken from it)."""

    name: str
    table: dict

    def __call__(self, s: str) -> str:
        return s.translate(self.table) if self.table else s


NO_TRANSLATION = Translation("none", {})


def punctuation_style(rng: random.Random) -> Translation:
    """Most reports print full-width punctuation; some half-width (seed 000), some a mix of both."""
    r = rng.random()
    if r < 0.72:
        return NO_TRANSLATION
    if r < 0.9:
        return Translation("half_punct", _HALF_PUNCT)
    keep = rng.sample(sorted(_HALF_PUNCT), k=2)
    return Translation("mixed_punct", {k: v for k, v in _HALF_PUNCT.items() if k in keep})


def fullwidth_digits(piece: Piece, rng: random.Random, labels=("METRIC_VALUE",)) -> bool:
    """Print the digits of some counts full width (５０条)."""
    changed = {}
    for a, b, lab in piece.spans:
        if lab in labels and rng.random() < 0.5:
            for i in range(a, b):
                if piece.text[i].isdigit() and piece.text[i].isascii():
                    changed[i] = piece.text[i].translate(_FULL_DIGITS)
    replace_chars(piece, changed)
    return bool(changed)


def stray_spaces(piece: Piece, rng: random.Random, labels: tuple[str, ...], rate: float = 0.3) -> int:
    """A space inside some labels ("社会公 益组织") -- as PDF and Word exports leave them."""
    spots = []
    for a, b, lab in piece.spans:
        text = piece.text[a:b]
        if lab in labels and b - a >= 4 and "\n" not in text and rng.random() < rate:
            spots.append(rng.randint(a + 1, b - 1))
    for pos in sorted(spots, reverse=True):
        insert(piece, pos, " ")
    return len(spots)


def spaced_numbers(piece: Piece, rng: random.Random, rate: float = 0.5) -> int:
    """Spaces around counts in prose ("全年组织 4 次"), as PDF text extraction prints them."""
    spots = set()
    for a, b, lab in piece.spans:
        if lab != "METRIC_VALUE" or rng.random() >= rate:
            continue
        d = a
        while d < b and (piece.text[d].isdigit() or piece.text[d] in ".,"):  # 4,383 元
            d += 1
        if a < d < b:
            spots.add(d)  # "4 次"
        if a > 0 and not inside(piece, a):
            spots.add(a)  # " 4"
    for pos in sorted(spots, reverse=True):
        insert(piece, pos, " ")
    return len(spots)


def hard_wrap(piece: Piece, width: int) -> int:
    """Break lines every ``width`` characters (PDF text), never inside a count, date or year."""
    out_positions = []
    col = 0
    for i, ch in enumerate(piece.text):
        if ch == "\n":
            col = 0
            continue
        col += 1
        if col >= width and i + 1 < len(piece.text) and piece.text[i + 1] != "\n":
            pos = i + 1
            if inside(piece, pos, _KEEP_WHOLE):
                continue  # break a little later
            out_positions.append(pos)
            col = 0
    for pos in reversed(out_positions):
        insert(piece, pos, "\n")
    return len(out_positions)


@dataclass
class Pager:
    """Page footers ("- 3 -") and a running header every few lines, across the blocks of a report."""

    lines_per_page: int
    running_header: str | None
    page: int = 1
    lines: int = 0

    def footer(self) -> str:
        s = f"- {self.page} -\n"
        self.page += 1
        if self.running_header:
            s += self.running_header + "\n"
        return s

    def paginate(self, piece: Piece) -> int:
        """Insert footers at line starts of a piece that continues the report's running line count."""
        spots = []
        for i, ch in enumerate(piece.text):
            if ch == "\n":
                self.lines += 1
                if self.lines >= self.lines_per_page and not inside(piece, i + 1):
                    spots.append(i + 1)
                    self.lines = 0
        texts = [self.footer() for _ in spots]
        for pos, s in zip(reversed(spots), reversed(texts)):
            insert(piece, pos, s)
        return len(spots)


def trailing_spaces(piece: Piece, rng: random.Random, rate: float = 0.08) -> int:
    """A space or an en space after some table cells (seed 001: "0 ", "0\u2002")."""
    spots = [b for a, b, lab in piece.spans if lab == "TABLE_CELL" and rng.random() < rate]
    for pos in sorted(spots, reverse=True):
        insert(piece, pos, rng.choice((" ", "\u2002")))
    return len(spots)


__all__ = ["Translation", "NO_TRANSLATION", "punctuation_style", "fullwidth_digits", "stray_spaces",
           "spaced_numbers", "hard_wrap", "Pager", "trailing_spaces"]
