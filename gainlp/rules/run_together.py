"""Cells run together: every reading of printed digit strings as the cells of a row.

"8855698" for three columns can be 8|85|5698, 88|55|698, …; "46-17166" (本年增/减 between two counts)
can be 46|-17|166 or 46|-171|66; "2,54455400003,098" for seven columns must respect its thousands
separators. A reading cuts a string into numbers, each printed as
``sign? (0 | [1-9][0-9]* | [1-9][0-9]{0,2}(,[0-9]{3})+) (.[0-9]+)?`` with sign one of 减 增 + -.

A row may print its cells as several pieces ("10 0 1 200 0 0 0 0 0 0 00": white space where the page had
it, digits together where it had none): :func:`row_readings` gives every way to read the pieces as the
row's n cells, each piece one number or more, a blank piece one empty cell, and where each cell's digits
stand. Which reading is right is for the caller to settle (the table's checks, the prose, the
neighbouring years: gainlp.rules.solve).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from gainlp.text import to_halfwidth

MAX_READINGS = 20000
_NUMBER = re.compile(r"[减增+\-]?(?:0|[1-9]\d{0,2}(?:,\d{3})+|[1-9]\d*)(?:\.\d+)?")
_SIGNS = {"减": -1, "-": -1, "增": 1, "+": 1}

Cut = tuple[int | float, int, int]  # a number and where its characters stand in the piece


def _value(token: str) -> int | float:
    sign = _SIGNS.get(token[0], 1)
    body = token.lstrip("减增+-").replace(",", "")
    v: int | float = float(body) if "." in body else int(body)
    return -v if sign < 0 else v


@lru_cache(maxsize=4096)
def splits(text: str, n: int, limit: int = MAX_READINGS) -> tuple[tuple[Cut, ...], ...]:
    """Every way to cut ``text`` into exactly n numbers (at most ``limit``), with their spans."""
    s = to_halfwidth(text)
    if not s or n <= 0:
        return ()
    ends: list[list[int]] = [[end for end in range(pos + 1, len(s) + 1) if _NUMBER.fullmatch(s, pos, end)]
                             for pos in range(len(s))]

    @lru_cache(maxsize=None)
    def rest(pos: int, k: int) -> tuple[tuple[Cut, ...], ...]:
        if k == 0:
            return ((),) if pos == len(s) else ()
        if len(s) - pos < k:
            return ()
        out: list[tuple[Cut, ...]] = []
        for end in ends[pos]:
            head = (_value(s[pos:end]), pos, end)
            for tail in rest(end, k - 1):
                out.append((head,) + tail)
                if len(out) >= limit:
                    return tuple(out)
        return tuple(out)

    return rest(0, n)


def readings(text: str, n: int, limit: int = MAX_READINGS) -> list[tuple]:
    """All ways to read ``text`` as exactly n numbers (at most ``limit``)."""
    return [tuple(v for v, _, _ in cut) for cut in splits(text.replace(" ", ""), n, limit)]


@dataclass
class Readings:
    """The readings of a row's pieces: (values, spans) each; ``complete`` is False when there were more
    than the limit (then the list is no basis for settling anything)."""

    found: list[tuple[tuple, tuple]]
    complete: bool


def row_readings(pieces: list[str | int | None], n: int, limit: int = MAX_READINGS, groups=None,
                 missing: int = 0) -> Readings:
    """Every way to read a row's printed pieces as its n cells, in order: a piece of digits as one
    number or more, a blank piece (None) as one empty cell, a run of k blank markers printed together
    (the int k: "——————") as one to k empty cells. Each reading is (values, spans): the n
    values (None for a blank) and, per cell, the (piece index, start, end) of its characters (None for a
    blank). ``groups``: (size, test) pairs cutting the n cells into consecutive groups (table 四's three
    groups of five); a reading with a group that fails its test is not listed, and the search drops it
    as soon as the group is read. ``missing``: cells printed blank with nothing to show where (six
    numbers for seven columns), each an empty cell anywhere in the row. At most ``limit`` readings
    (``complete`` says whether all were)."""
    texts = [p if p is None or isinstance(p, int) else to_halfwidth(p) for p in pieces]
    # per piece and position: the ends of the numbers that can start there
    ends = [[[e for e in range(pos + 1, len(t) + 1) if _NUMBER.fullmatch(t, pos, e)] for pos in range(len(t))]
            if isinstance(t, str) else None for t in texts]
    # the most cells the pieces from i on can make (a digit or a marker each), the fewest (one each)
    most = [0] * (len(texts) + 1)
    for i in range(len(texts) - 1, -1, -1):
        t = texts[i]
        most[i] = most[i + 1] + (1 if t is None else t if isinstance(t, int) else sum(ch.isdigit() for ch in t))
    group_end: dict[int, tuple[int, object]] = {}  # cell count at a group's end -> (its first cell, test)
    at = 0
    for size, test in groups or ():
        group_end[at + size] = (at, test)
        at += size
    out: list[tuple[tuple, tuple]] = []
    values: list = []
    spans: list = []
    stopped = [False]

    def search(i: int, pos: int, blanks: int) -> None:
        if stopped[0]:
            return
        if i == len(texts) and blanks == 0:
            if len(values) == n:
                if len(out) >= limit:
                    stopped[0] = True
                    return
                out.append((tuple(values), tuple(spans)))
            return
        left = n - len(values)
        # pieces from i on need a cell each (the rest of piece i too, when it is under way)
        fewest = len(texts) - i + blanks
        t = texts[i] if i < len(texts) else None
        used = 0 if pos == 0 else (pos if isinstance(t, int) else sum(ch.isdigit() for ch in t[:pos]))
        if not (fewest <= left <= most[i] - used + blanks):
            return
        options = []
        if blanks:
            options.append((None, None, i, pos, blanks - 1))
        if i < len(texts):
            if t is None:
                options.append((None, None, i + 1, 0, blanks))
            elif isinstance(t, int):  # one more empty cell of the run; the run may end after it
                options.append((None, None, i + 1, 0, blanks))
                if pos + 1 < t:
                    options.append((None, None, i, pos + 1, blanks))
            else:
                options += [(_value(t[pos:e]), (i, pos, e), i + 1 if e == len(t) else i, 0 if e == len(t) else e,
                             blanks) for e in ends[i][pos]]
        for value, span, ni, npos, nblanks in options:
            values.append(value)
            spans.append(span)
            g = group_end.get(len(values))
            if g is None or g[1](tuple(values[g[0]:])):
                search(ni, npos, nblanks)
            values.pop()
            spans.pop()

    search(0, 0, missing)
    return Readings(out, not stopped[0])
