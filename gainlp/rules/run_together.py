"""Cells run together: every reading of a glued number string as n printed numbers.

"8855698" for three columns can be 8|85|5698, 88|55|698, …; "46-17166" (本年增/减 between two counts)
can be 46|-17|166 or 46|-171|66; "2,54455400003,098" for seven columns must respect its thousands
separators. A reading cuts the string into exactly n numbers, each printed as
``sign? (0 | [1-9][0-9]* | [1-9][0-9]{0,2}(,[0-9]{3})+) (.[0-9]+)?`` with sign one of 减 增 + -.
Which reading is right is for the caller to settle (row arithmetic, the table's checks, the prose).
"""
from __future__ import annotations

import re
from functools import lru_cache

from gainlp.text import to_halfwidth

MAX_READINGS = 20000
_NUMBER = re.compile(r"[减增+\-]?(?:0|[1-9]\d{0,2}(?:,\d{3})+|[1-9]\d*)(?:\.\d+)?")
_SIGNS = {"减": -1, "-": -1, "增": 1, "+": 1}


def _value(token: str) -> int | float:
    sign = _SIGNS.get(token[0], 1)
    body = token.lstrip("减增+-").replace(",", "")
    v: int | float = float(body) if "." in body else int(body)
    return -v if sign < 0 else v


def _prefixes(s: str, pos: int) -> list[tuple[int, int | float]]:
    """Every number that can start at ``pos``: (end, value)."""
    out = []
    head = ""
    if pos < len(s) and s[pos] in _SIGNS:
        head = s[pos]
    start = pos + len(head)
    for end in range(start + 1, len(s) + 1):
        piece = s[pos:end]
        if _NUMBER.fullmatch(piece):
            out.append((end, _value(piece)))
    return out


def readings(text: str, n: int, limit: int = MAX_READINGS) -> list[tuple]:
    """All ways to read ``text`` as exactly n numbers (at most ``limit``)."""
    s = to_halfwidth(text).replace(" ", "")
    if not s or n <= 0:
        return []

    @lru_cache(maxsize=None)
    def rest(pos: int, k: int) -> tuple[tuple, ...]:
        if k == 0:
            return ((),) if pos == len(s) else ()
        if len(s) - pos < k:
            return ()
        out: list[tuple] = []
        for end, v in _prefixes(s, pos):
            for tail in rest(end, k - 1):
                out.append((v,) + tail)
                if len(out) >= limit:
                    return tuple(out)
        return tuple(out)

    return list(rest(0, n))


def row_readings(text: str, columns: tuple[str, ...], consistent, limit: int = MAX_READINGS) -> list[tuple]:
    """Readings of one row that its own arithmetic allows (``consistent(columns, values)``)."""
    return [r for r in readings(text, len(columns), limit) if consistent(columns, r)]


def rows_readings(text: str, rows: list[tuple[str, ...]], consistent, limit: int = MAX_READINGS) -> list[tuple]:
    """Readings of several rows printed as one glued string (table 四's fifteen cells): each row must be
    consistent on its own, which prunes the search row by row."""
    s = to_halfwidth(text).replace(" ", "")
    out: list[tuple] = []

    def search(pos: int, i: int, acc: tuple) -> None:
        if len(out) >= limit:
            return
        if i == len(rows):
            if pos == len(s):
                out.append(acc)
            return
        n = len(rows[i])
        # the shortest the remaining rows can be is one digit per cell
        remaining = sum(len(r) for r in rows[i + 1:])
        for end in range(pos + n, len(s) - remaining + 1):
            for r in readings(s[pos:end], n, limit):
                if consistent(rows[i], r):
                    search(end, i + 1, acc + r)

    search(0, 0, ())
    return out
