"""Table text in any layout -> one stream of cell tokens.

Every layout a report reaches us in is reduced to the same thing: a sequence of :class:`Token` (a label
cell or a value cell, with its span in the document text) where ``row_break`` marks the start of a
printed row when the layout shows rows. The assembler (tables.py) never sees layouts.

Layouts recognised in text (``detect_layout``):
- ``blank_separated``: one cell per line, cells separated by one blank line, an empty cell is one extra
  blank line (seed 000); lines of one cell wrapped over several lines are joined.
- ``tab_cells``: one cell per line, each line starting with a tab, a line holding only a tab is an empty
  cell, an empty line ends a row; a line without the tab continues the previous cell (seeds 001/003/004).
- ``tab_rows``: one row per line, cells separated by tabs.
- ``pipe_rows``: one row per line, cells separated by ``|`` (markdown, seed 002).
- ``pipe_cells``: one cell per line, each ending in ``|``.
- ``line_rows``: one row per line, cells separated by spaces (also PDF text dumps).
Reader tables (HTML, DOCX, PDF) give tokens straight from their cell grids (``tokens_from_table``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from gainlp.document import Table
from gainlp.template import load_spec
from gainlp.text import parse_cell_number, to_halfwidth

LAYOUTS = ("blank_separated", "tab_cells", "tab_rows", "pipe_rows", "pipe_cells", "line_rows")


@dataclass(slots=True)  # slots: tokens are made by the thousand per report
class Token:
    kind: str  # "label" | "value"
    text: str
    start: int
    end: int
    value: int | float | None = None
    row_break: bool = False  # a printed row starts with this token
    glued: bool = False  # digits printed with no separator after a label ("行政规范性文件8855698")
    score: float = 1.0  # confidence of whoever labelled it (1.0 for the printed layout)

    @property
    def blank(self) -> bool:
        """A printed blank cell ("", "/", "—"); run-together digits are never blank."""
        return self.kind == "value" and self.value is None and not self.glued


# page furniture between rows of a PDF dump
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－]\s*\d{1,3}\s*[-—–－]|第\s*\d{1,3}\s*页(?:\s*[,，/]?\s*共\s*\d{1,3}\s*页)?|"
    r"\d{1,3}\s*/\s*\d{1,3}|[Pp]age\s*\d{1,3}(?:\s*of\s*\d{1,3})?)\s*$"
)
# _PAGE_NUMBER over a whole region: white space but the line break (within a line, the same as \s), and
# ^ $ at every line, so that it finds in one search the lines that _PAGE_NUMBER matches one by one
_PAGE_NUMBER_LINES = re.compile(_PAGE_NUMBER.pattern.replace(r"\s", r"[^\S\n]"), re.MULTILINE)
# trailing numbers after a label: "行政处罚 175 减62 107" or glued "行政规范性文件8855698"
_TRAILING_VALUES = re.compile(r"(?:(?<=\s)|(?<=[^\d\s.,，+\-减增]))(?P<vals>(?:[减增+\-]?\d[\d,]*(?:\.\d+)?\s*)+)$")
_VALUE_PIECE = re.compile(r"[减增+\-]?\d[\d,]*(?:\.\d+)?")
_SENTENCE = re.compile(r"[。；;！？!?]")


def numbered(text: str) -> bool:
    """Does a label start with row numbering ("1.", "（一）", "三、")? Such a piece starts a new cell."""
    return bool(load_spec().label_prefix.match(text))


def is_page_furniture(line: str) -> bool:
    return bool(_PAGE_NUMBER.match(line))


def _fold_in_place(text: str) -> str:
    """Half-width forms where folding keeps the length ("１３０．００" -> "130.00"), so offsets hold."""
    if text.isascii():
        return text
    folded = to_halfwidth(text)
    if len(folded) == len(text):  # no character folds to several (each folds to one at least)
        return folded
    return "".join(f if len(f) == 1 else c for c, f in ((c, to_halfwidth(c)) for c in text))


def _cell_tokens(text: str, start: int, row_break: bool) -> list[Token]:
    """One printed cell -> tokens: a value, a blank, a label, or a label with trailing values.

    Values printed after a label with spaces between them become value tokens of their own; values run
    together with the label and each other ("行政规范性文件8855698", "行政强制46-17166") become one
    ``glued`` token whose reading the assembler settles by the column count and the checks.
    """
    lstripped = text.lstrip()
    stripped = lstripped.rstrip()
    lead = len(text) - len(lstripped)
    s = start + lead
    e = s + len(stripped)
    is_value, value = parse_cell_number(stripped)
    if is_value:
        return [Token("value", stripped, s, e if stripped else s, value, row_break)]
    folded = _fold_in_place(stripped)
    # trailing values end the cell with a digit (or a thousands comma): test that before the slow search
    m = _TRAILING_VALUES.search(folded) if folded[-1:].isdecimal() or folded[-1:] == "," else None
    if m and m.start() > 0 and not _SENTENCE.search(stripped):
        label = stripped[: m.start()].rstrip()
        vals = m.group("vals")
        toks = [Token("label", label, s, s + len(label), None, row_break)]
        if not folded[m.start() - 1].isspace() and not any(ch.isspace() for ch in vals.strip()):
            tail = stripped[m.start():].rstrip()
            ts = s + m.start()
            ok, v = parse_cell_number(tail)
            toks.append(Token("value", tail, ts, ts + len(tail), v if ok else None, False, glued=True))
            return toks
        for vm in _VALUE_PIECE.finditer(vals):
            vs = s + m.start() + vm.start()
            _, v = parse_cell_number(vm.group())
            toks.append(Token("value", stripped[m.start() + vm.start(): m.start() + vm.end()], vs,
                              vs + len(vm.group()), v, False))
        return toks
    return [Token("label", stripped, s, e, None, row_break)]


def _lines(text: str, base: int) -> list[tuple[str, int]]:
    """(line without its "\\r", document offset) for each line of a table region but page furniture."""
    # page numbers are rare: one search of the region spares a match per line when it has none
    furniture = {m.start() for m in _PAGE_NUMBER_LINES.finditer(text)}
    out = []
    pos = 0
    for line in text.split("\n"):
        if pos not in furniture:
            out.append((line.rstrip("\r"), base + pos))
        pos += len(line) + 1
    return out


def detect_layout(text: str) -> str:
    # prose lines (sentences) around a table say nothing about its layout (a region without any: one test)
    lines = text.split("\n")
    if _SENTENCE.search(text):
        lines = [ln for ln in lines if not _SENTENCE.search(ln)]
    nonempty = [ln for ln in lines if ln.strip()]
    if not nonempty:
        return "line_rows"
    n = len(nonempty)
    pipes = [ln for ln in nonempty if "|" in ln]
    if len(pipes) >= max(3, 0.3 * n):
        single_end = sum(1 for ln in pipes if ln.count("|") == 1 and ln.rstrip().endswith("|"))
        return "pipe_cells" if single_end >= 0.7 * len(pipes) else "pipe_rows"
    tab_lead = sum(1 for ln in nonempty if ln.startswith("\t") and "\t" not in ln[1:])
    if tab_lead >= 0.4 * n:
        return "tab_cells"
    tab_inner = sum(1 for ln in nonempty if "\t" in ln.strip("\t ") or ln.count("\t") >= 2)
    if tab_inner >= max(1, 0.3 * n):
        return "tab_rows"
    blank = sum(1 for ln in lines if not ln.strip())
    if n >= 3 and blank >= 0.6 * n:
        return "blank_separated"
    return "line_rows"


def tokens_from_text(text: str, base: int, layout: str | None = None) -> tuple[str, list[Token]]:
    """Tokenise a table region of the document text (``base`` = its offset in the document)."""
    layout = layout or detect_layout(text)
    lines = _lines(text, base)
    toks: list[Token] = []
    if layout == "blank_separated":
        blanks = 0
        para: list[tuple[str, int]] = []

        def flush():
            if para:
                # a cell wrapped over consecutive lines is one cell; its raw text keeps the newlines
                toks.extend(_cell_tokens("\n".join(p for p, _ in para), para[0][1], False))
                para.clear()

        for ln, off in lines:
            if ln.strip():
                if blanks and para:
                    flush()
                if blanks > 1 and toks:
                    for _ in range(blanks - 1):
                        toks.append(Token("value", "", off - 1, off - 1, None))
                blanks = 0
                para.append((ln, off))
            else:
                blanks += 1
        flush()
    elif layout == "tab_cells":
        row_break = True
        for ln, off in lines:
            if ln.startswith("\t"):
                toks.extend(_cell_tokens(ln[1:], off + 1, row_break))
                row_break = False
            elif not ln.strip():
                row_break = True
            elif toks and toks[-1].kind == "label" and len(ln.strip()) <= 30 and not _SENTENCE.search(ln):
                # a cell wrapped over lines ("本年新\n制作数量")
                last = toks[-1]
                last.text = last.text + ln.strip()
                last.end = off + len(ln.rstrip())
            else:
                toks.extend(_cell_tokens(ln, off, True))
                row_break = True
    elif layout in ("tab_rows", "pipe_rows"):
        sep = "\t" if layout == "tab_rows" else "|"
        # a leading "|" is a border only where most rows have one; else it opens an empty first cell
        printed = [ln for ln, _ in lines if ln.strip()]
        bordered = sum(ln.lstrip().startswith("|") for ln in printed) > len(printed) / 2
        for ln, off in lines:
            if not ln.strip():
                continue
            cells = ln.split(sep)
            pos = off
            parts = []
            for c in cells:
                parts.append((c, pos))
                pos += len(c) + 1
            if sep == "|":
                if parts and not parts[-1][0].strip():
                    parts.pop()  # the trailing border
                if parts and not parts[0][0].strip() and bordered:
                    parts.pop(0)  # the leading border
            first = True
            for c, p in parts:
                toks.extend(_cell_tokens(c, p, first))
                first = False
    elif layout == "pipe_cells":
        row_break = True
        for ln, off in lines:
            if not ln.strip():
                row_break = True
                continue
            cell = ln.rstrip()
            if cell.endswith("|"):
                cell = cell[:-1]
            toks.extend(_cell_tokens(cell, off, row_break))
            row_break = False
    else:  # line_rows
        for ln, off in lines:
            if not ln.strip():
                continue
            pieces = [(m.group(), off + m.start()) for m in re.finditer(r"\S+", ln)]
            row: list[Token] = []
            label_parts: list[tuple[str, int]] = []

            def flush_label():
                if label_parts:
                    s0 = label_parts[0][1]
                    e0 = label_parts[-1][1] + len(label_parts[-1][0])
                    row.extend(_cell_tokens(ln[s0 - off : e0 - off], s0, False))
                    label_parts.clear()

            for piece, p in pieces:
                is_value, _ = parse_cell_number(piece)
                if is_value and piece:
                    flush_label()
                    row.extend(_cell_tokens(piece, p, False))
                else:
                    if numbered(piece):  # "（六）其他处理 1.申请人…": a numbered piece starts a new label
                        flush_label()
                    label_parts.append((piece, p))
            flush_label()
            if row:
                row[0].row_break = True
                toks.extend(row)
    return layout, toks


def tokens_from_table(table: Table, doc_text: str) -> list[Token]:
    """Tokens from a reader's cell grid (covered positions of merged cells are skipped)."""
    toks: list[Token] = []
    for row in table.grid:
        first = True
        for cell in row:
            if cell is None:
                continue
            cell_toks = _cell_tokens(cell.text, cell.start, first)
            if cell.text.strip() == "":
                cell_toks = [Token("value", "", cell.start, cell.start, None, first)]
            toks.extend(cell_toks)
            first = False
    return toks
