"""Scan against source: how many table cells a scan's reading shares with its HTML source's reading,
and whether any number the scan's record states is wrong without a failing check beside it.

* Cell agreement (:func:`cell_agreement`): every cell of every reader table, in reading order, as
  (text, column, rowspan, colspan); the scan's list is aligned to the source's (``difflib``), and a
  source cell agrees when it is aligned to an equal scan cell. Texts are compared with full-width forms
  folded and white space removed ("（一）" = "(一)"); a cell in another column or with other spans
  does not agree. Rows are not compared by index, so a row that a page break adds or removes costs only
  its own cells.
* Record values (:func:`value_errors`): the scan's record against a reference record (the source's, or
  the gold): a cell is wrong when the scan states a number that differs, or a number where the
  reference has none; a wrong cell is flagged when a check over it fails (``Check.cells``), silent
  otherwise.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from gainlp.document import Document
from gainlp.record import Check, Record
from gainlp.text import to_halfwidth

_WS = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _WS.sub("", to_halfwidth(text))


def cell_items(doc: Document) -> list[tuple[str, int, int, int]]:
    return [(_norm(c.text), c.col, c.rowspan, c.colspan) for t in doc.tables for c in t.cells()]


@dataclass
class Agreement:
    cells: int = 0
    agree: int = 0
    diffs: list[tuple[str, str]] = field(default_factory=list)  # (source cell, scan cell) that differ

    @property
    def share(self) -> float:
        return self.agree / self.cells if self.cells else 1.0

    def add(self, other: "Agreement") -> None:
        self.cells += other.cells
        self.agree += other.agree
        self.diffs += other.diffs


def cell_agreement(source: Document, scan: Document) -> Agreement:
    a, b = cell_items(source), cell_items(scan)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    out = Agreement(cells=len(a))
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.agree += i2 - i1
        elif tag in ("replace", "delete"):
            for k in range(i1, i2):
                other = b[j1 + k - i1] if tag == "replace" and j1 + k - i1 < j2 else None
                out.diffs.append((repr(a[k]), repr(other) if other else "-"))
    return out


@dataclass
class ValueErrors:
    cells: int = 0  # cells the reference states a number for
    same: int = 0
    null: int = 0  # the scan left null
    wrong: list[str] = field(default_factory=list)  # keys stated with another number
    flagged: list[str] = field(default_factory=list)  # ... of which a failing check covers

    @property
    def silent(self) -> list[str]:
        return [k for k in self.wrong if k not in self.flagged]

    def add(self, other: "ValueErrors") -> None:
        self.cells += other.cells
        self.same += other.same
        self.null += other.null
        self.wrong += other.wrong
        self.flagged += other.flagged


def value_errors(scan: Record, reference: dict[str, dict | None]) -> ValueErrors:
    """``reference``: per table, its flat ``{"row.col": value}`` (``Record.flat()`` or a gold file)."""
    out = ValueErrors()
    failing = {cell for c in scan.checks if c.status == Check.FAIL for cell in c.cells}
    got = scan.flat()
    for table, cells in reference.items():
        for key, want in (cells or {}).items():
            have = (got.get(table) or {}).get(key)
            full = f"{table}.{key}"
            if want is None:
                if have is not None:  # a number where the reference has none
                    out.wrong.append(full)
                    if full in failing:
                        out.flagged.append(full)
                continue
            out.cells += 1
            if have is None:
                out.null += 1
            elif float(have) == float(want):
                out.same += 1
            else:
                out.wrong.append(full)
                if full in failing:
                    out.flagged.append(full)
    return out
