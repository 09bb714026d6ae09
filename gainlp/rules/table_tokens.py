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
- ``cell_lines``: one cell per line with nothing between cells, an empty line an empty cell (a DOCX saved
  as text by LibreOffice or Word); read as ``line_rows`` with each empty line a blank cell.
- ``grid``: a grid table of reStructuredText or pandoc's Markdown ("+------+------+" between rows, "|"
  between cells, each cell's text wrapped over the row's lines in its column; CJK characters two columns
  wide).
- ``tab_blocks``: a browser's ``innerText`` of a table whose cells hold paragraphs (what Selenium,
  Playwright and a page's own script give a scraper): a tab between cells with empty lines around it
  ("规章\n\n\t\n\n0\n\n\t\n\n0"), "\t\t" or "\t\n\n\t" around an empty cell, a line without a tab
  after a cell's text a new row.
Reader tables (HTML, DOCX, PDF) give tokens straight from their cell grids (``tokens_from_table``).
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from gainlp.document import Table
from gainlp.template import TABLE_NAMES, TEMPLATES, label_key, load_spec
from gainlp.text import one_of, parse_cell_number, to_halfwidth

# layouts whose cells' text is no one span of the document: a cell wrapped over lines between its
# neighbours' text (a grid table)
WRAPPED_CELL_LAYOUTS = ("grid",)
LAYOUTS = ("blank_separated", "tab_cells", "tab_rows", "pipe_rows", "pipe_cells", "line_rows", "cell_lines",
           "tab_blocks", "grid")


@dataclass(slots=True)  # slots: tokens are made by the thousand per report
class Token:
    kind: str  # "label" | "value"
    text: str
    start: int
    end: int
    value: int | float | None = None
    row_break: bool = False  # a printed row starts with this token
    glued: bool = False  # digits printed with no separator before them ("行政规范性文件8855698", "情形）10001")
    score: float = 1.0  # confidence of whoever labelled it (1.0 for the printed layout)
    unit: str = ""  # a measure word printed after the number in its cell ("3个", "152.2万元")
    prose: bool = False  # running prose, not a table cell (a sentence, or a figure inside one)
    x: int | None = None  # the column it starts at in its line, in text laid out in columns (line_rows)
    alone: bool = False  # the only cell between two empty lines (blank_separated text)

    @property
    def blank(self) -> bool:
        """A printed blank cell ("", "/", "—"); run-together digits are never blank."""
        return self.kind == "value" and self.value is None and not self.glued


# page furniture between rows of a PDF dump
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－]\s*\d{1,3}\s*[-—–－]|第\s*\d{1,3}\s*页(?:\s*[,，/]?\s*共\s*\d{1,3}\s*页)?|"
    r"\d{1,3}\s*/\s*\d{1,3}|[Pp]age\s*\d{1,3}(?:\s*of\s*\d{1,3})?|"
    # a running header set between dashes ("— 政府信息公开 —"): its dashes are no blank cells
    r"[-—–－]{1,2}[^\S\n]*[\u4e00-\u9fffA-Za-z][^\d\n]{0,30}?[^\S\n]*[-—–－]{1,2})\s*$"
)
# _PAGE_NUMBER over a whole region: white space but the line break (within a line, the same as \s), and
# ^ $ at every line, so that it finds in one search the lines that _PAGE_NUMBER matches one by one
_PAGE_NUMBER_LINES = re.compile(_PAGE_NUMBER.pattern.replace(r"\s", r"[^\S\n]"), re.MULTILINE)
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
    """One printed cell -> tokens: a value, a blank, a label, or labels and values run together
    (:func:`split_text`). An empty cell is one blank value token."""
    stripped = text.strip()
    if not stripped:
        s = start + len(text) - len(text.lstrip())
        return [Token("value", "", s, s, None, row_break)]
    if stripped in _BLANK_WORDS:  # a cell printed 无 / 空: nothing in it
        s = start + len(text) - len(text.lstrip())
        return [Token("value", stripped, s, s + 1, None, row_break)]
    if stripped.isascii() and stripped.isdigit() and _SINGLE.fullmatch(stripped):  # the usual value cell
        s = start + len(text) - len(text.lstrip())
        return [Token("value", stripped, s, s + len(stripped), int(stripped), row_break)]
    return split_text(text, start, row_break)


_GRID_RULE = re.compile(r"[^\S\n]*\+(?:[-=:]+\+)+[^\S\n]*")  # a grid table's line between rows
_GRID_PARTIAL_RULE = re.compile(r"[^\S\n]*[|+][ |+:=-]*\+[-=:]+\+[ |+:=-]*")  # under a cell spanning rows


def _display_columns(line: str) -> list[int]:
    """The display column where each character of a line starts (CJK and full-width: two wide)."""
    cols, at = [], 0
    for ch in line:
        cols.append(at)
        at += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return cols


def _at_display_column(line: str, col: int) -> int:
    """The index of the first character of ``line`` at or after display column ``col`` (its end if none)."""
    cols = _display_columns(line)
    return bisect_left(cols, col) if cols else 0


def _grid_tokens(lines: list[tuple[str, int]]) -> list[Token]:
    """Cells of a grid table (layout ``grid``): the rows between rule lines, each column's text joined over
    the row's lines (placed by display column, so that CJK text stays in its column). The empty cells
    before a row's last label are the label's columns (a merged cell the grid could not print), and those
    of a row that prints no number are a title's or a header's: not value cells."""
    toks: list[Token] = []
    edges: list[int] = []  # display columns of the "+" of the last full rule
    block: list[tuple[str, int]] = []

    def flush() -> None:
        if not block or len(edges) < 2:
            block.clear()
            return
        parts: list[list[tuple[str, int]]] = [[] for _ in edges[:-1]]
        for ln, off in block:
            cols = _display_columns(ln)
            for m in re.finditer(r"[^|]+", ln):
                text = m.group()
                if not text.strip():
                    continue
                lead = len(text) - len(text.lstrip())
                col = bisect_left(edges, cols[m.start()] + 1) - 1
                if 0 <= col < len(parts):
                    parts[col].append((text.strip(), off + m.start() + lead))
        cells = [_grid_cell(p) for p in parts]
        last_label = max((k for k, c in enumerate(cells) if c and any(t.kind == "label" for t in c)), default=-1)
        printed = any(t.kind == "value" for c in cells for t in c)
        first = True
        for k, (cell, p) in enumerate(zip(cells, parts)):
            if not p:
                if k < last_label or not printed:
                    continue  # a label's column, or a row of labels only (a title, a header)
                at = _at_display_column(block[0][0], edges[k] + 1) + block[0][1]  # in its column, on the row's first line
                cell = [Token("value", "", at, at, None)]
            for t in cell:
                t.row_break = first
                first = False
                toks.append(t)
        block.clear()

    for ln, off in lines:
        if _GRID_RULE.fullmatch(ln):
            flush()
            cols = _display_columns(ln)
            edges = [cols[k] for k, ch in enumerate(ln) if ch == "+"]
        elif _GRID_PARTIAL_RULE.fullmatch(ln):
            flush()  # a cell spanning rows: its text is cut between them
        elif ln.strip():
            block.append((ln, off))
    flush()
    return toks


def _grid_cell(parts: list[tuple[str, int]]) -> list[Token]:
    """The tokens of one grid cell from its pieces on successive lines (text wrapped in its column)."""
    if not parts:
        return []
    if len(parts) == 1:
        return _cell_tokens(parts[0][0], parts[0][1], False)
    text = parts[0][0]
    for piece, _ in parts[1:]:
        text += (" " if text[-1:].isascii() and text[-1:].isalnum() and piece[:1].isascii() and piece[:1].isalnum()
                 else "") + piece
    toks = _cell_tokens(text, parts[0][1], False)
    end = parts[-1][1] + len(parts[-1][0])
    for t in toks:  # the pieces are not one span of the text: each token spans the cell's lines
        t.start, t.end = parts[0][1], end
    return toks


def _tab_block_tokens(lines: list[tuple[str, int]]) -> list[Token]:
    """Cells of a browser's innerText of a table whose cells hold paragraphs (layout ``tab_blocks``): each
    tab starts a cell; the text after a tab on its line is that cell's (an nbsp alone: an empty cell),
    else the cell is open and takes the next printed line; a printed line with no cell open starts a
    row. Empty lines are the paragraphs' margins, nothing."""
    toks: list[Token] = []
    open_at: int | None = None  # offset of the tab of a cell still waiting for its text

    def cell(text: str, at: int, first: bool) -> None:
        toks.extend(_cell_tokens(text, at, first or not toks))

    for ln, off in lines:
        if not ln.strip() and "\t" not in ln:
            continue
        parts = ln.split("\t")
        pos = off
        for k, part in enumerate(parts):
            if k == 0:
                if part.strip():
                    if open_at is not None:
                        cell(part, pos, False)
                        open_at = None
                    else:  # no cell open: the line starts a row
                        cell(part, pos, True)
            else:
                if open_at is not None:  # the cell the tab before opened got no text: empty
                    cell("", open_at + 1, False)
                open_at = None
                if part or k < len(parts) - 1:  # (an nbsp after the tab: an empty cell, complete)
                    cell(part, pos, False)
                else:
                    open_at = pos - 1
            pos += len(part) + 1
    if open_at is not None:
        cell("", open_at + 1, False)
    return toks


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
    if sum(bool(_GRID_RULE.fullmatch(ln)) for ln in nonempty) >= 2:
        return "grid"
    pipes = [ln for ln in nonempty if "|" in ln]
    if len(pipes) >= max(3, 0.3 * n):
        single_end = sum(1 for ln in pipes if ln.count("|") == 1 and ln.rstrip().endswith("|"))
        return "pipe_cells" if single_end >= 0.7 * len(pipes) else "pipe_rows"
    tab_only = sum(1 for ln in lines if "\t" in ln and not ln.strip())  # innerText: a tab alone between paragraphs
    if tab_only >= max(3, 0.3 * n):
        return "tab_blocks"
    tab_lead = sum(1 for ln in nonempty if ln.startswith("\t") and "\t" not in ln[1:])
    if tab_lead >= 0.4 * n:
        return "tab_cells"
    tab_inner = sum(1 for ln in nonempty if "\t" in ln.strip("\t ") or ln.count("\t") >= 2)
    if tab_inner >= max(1, 0.3 * n):
        return "tab_rows"
    blank = sum(1 for ln in lines if not ln.strip())
    if blank and _cells_on_adjacent_lines(lines, mostly_blank=n >= 3 and blank >= 0.6 * n):
        return "cell_lines"
    if n >= 3 and blank >= 0.6 * n:
        return "blank_separated"
    return "line_rows"


_LONE_NUMBER = re.compile(r"[^\S\n]*[0-9０-９][0-9０-９,，.．]*[^\S\n]*")
_NUMBERS_APART = re.compile(r"[0-9０-９][0-9０-９,，.．]*[^\S\n]+[0-9０-９]")
CELL_LINE_PAIRS = 2  # numbers alone on adjacent lines: cells printed one a line (a row of table 二 prints 3)
CELL_LINES_BESIDE = 3  # in mostly empty text: numbers alone on a line next to a printed line


def _cells_on_adjacent_lines(lines: list[str], mostly_blank: bool) -> bool:
    """One cell a line with nothing between cells, so that an empty line is an empty cell: numbers alone on
    their line right after one another, at least two pairs and more than numbers alone parted by one
    empty line (text whose cells a blank line parts); in text that is mostly empty lines (a table that
    leaves most cells blank), numbers alone on their line right next to any printed line, at least
    three, and none parted by one empty line. Never where lines print numbers apart (rows of text laid
    out in columns)."""
    lone = [bool(_LONE_NUMBER.fullmatch(ln)) for ln in lines]
    if not any(lone) or sum(bool(_NUMBERS_APART.search(ln)) for ln in lines) > 0.05 * sum(lone):
        return False
    printed = [bool(ln.strip()) for ln in lines]
    adjacent = sum(a and b for a, b in zip(lone, lone[1:]))
    parted = sum(a and not p and b for a, p, b in zip(lone, printed[1:], lone[2:]))
    if adjacent >= CELL_LINE_PAIRS and adjacent > parted:
        return True
    beside = sum(1 for i, is_lone in enumerate(lone)
                 if is_lone and ((i > 0 and printed[i - 1]) or (i + 1 < len(lines) and printed[i + 1])))
    return mostly_blank and not parted and beside >= CELL_LINES_BESIDE


BLANK_RUNS = 3  # runs of several empty lines that may show how many an empty cell prints


def empty_cells_may_print_two_lines(text: str) -> bool:
    """Can an empty cell of this blank-separated text be two empty lines? Seed 000's text prints one
    (a cell, a blank line, one more per empty cell); docx2txt's prints two (every cell, empty or not,
    followed by a blank line). Possible where every run of empty lines between printed lines is odd,
    several are longer than one, and each printed line stands alone (no paragraph of several lines, as
    pdftotext's has); the count alone cannot tell the two apart there."""
    runs, run, para, joined = [], 0, 0, False
    for ln in text.split("\n"):
        if ln.strip():
            if run:
                runs.append(run)
            para = para + 1 if not run else 1
            joined = joined or (para > 1 and bool(runs))
            run = 0
        else:
            run += 1
    return not joined and sum(r > 1 for r in runs) >= BLANK_RUNS and all(r % 2 for r in runs)


INDENT_STEP = 4  # lines of one paragraph indented this much apart print different columns


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \u3000"))


def _indent_groups(para: list[tuple[str, int]]) -> list[list[tuple[str, int]]]:
    """The lines of a paragraph grouped by indentation, in order of first appearance: in text laid out
    by columns ("（六）其" / "2、申请人逾期未按收费通知要" / "他处理" / "求缴纳费用…"), a label wrapped in
    one column interleaves with another column's."""
    groups: list[list[tuple[str, int]]] = []
    for line in para:
        for g in groups:
            if abs(_indent(g[0][0]) - _indent(line[0])) < INDENT_STEP:
                g.append(line)
                break
        else:
            groups.append([line])
    return groups


def _wrapped_cells(lines: list[tuple[str, int]]) -> list[Token]:
    """Tokens of lines that print one column (not necessarily adjacent in the text): a label that ends
    a line and one that starts the next are one label wrapped over them, unless the next opens with a
    row's number ("信息公开申请 / 3.   其他": the end of row 2's label, then row 3's)."""
    out: list[Token] = []
    for line, off in lines:
        toks = _cell_tokens(line, off, False)
        if (out and toks and out[-1].kind == "label" and toks[0].kind == "label" and not _whole_label(out[-1].text)
                and not numbered(toks[0].text)):
            head = toks.pop(0)
            last = out[-1]
            last.text = last.text + "\n" + head.text
            last.end = head.end
            last.prose = is_prose(last.text)
        out.extend(toks)
    return out


def is_clause(text: str) -> bool:
    """Is a label a 第二十条 block's title ("第二十条第（五）项")?"""
    return _split_vocab().clause.fullmatch(to_halfwidth(text).strip()) is not None


def _whole_label(text: str) -> bool:
    """Is a label complete as printed (a 第二十条 title, a header word, or exactly a row label), so that
    the label on the next line starts anew rather than continuing it?"""
    if is_clause(text):
        return True
    key = label_key(text)
    return bool(key) and _split_vocab().any_label.fullmatch(key) is not None


def tokens_from_text(text: str, base: int, layout: str | None = None,
                     blank_lines: int = 1) -> tuple[str, list[Token]]:
    """Tokenise a table region of the document text (``base`` = its offset in the document).
    ``blank_lines``: how many empty lines an empty cell prints in blank-separated text (see
    :func:`empty_cells_may_print_two_lines`)."""
    layout = layout or detect_layout(text)
    lines = _lines(text, base)
    toks: list[Token] = []
    if layout == "blank_separated":
        blanks = 0
        para: list[tuple[str, int]] = []

        def flush():
            if para:
                before = len(toks)
                groups = _indent_groups(para)
                if len(groups) == 1 and sum(_whole_label(p) for p, _ in para) > 1:
                    # lines that are each a whole label (rows' "规章 / 规范性文件", nothing between them; header
                    # words; 第二十条 titles): cells of their own, not one label wrapped over them
                    for p, off in para:
                        toks.extend(_cell_tokens(p, off, False))
                elif len(groups) == 1:
                    # a cell wrapped over consecutive lines is one cell; its raw text keeps the newlines
                    toks.extend(_cell_tokens("\n".join(p for p, _ in para), para[0][1], False))
                else:  # columns side by side (pdftotext -layout): each read on its own
                    for group in groups:
                        toks.extend(_wrapped_cells(group))
                if len(toks) == before + 1:
                    toks[-1].alone = True
                para.clear()

        for ln, off in lines:
            if ln.strip():
                if blanks and para:
                    flush()
                if blanks > 1 and toks:
                    for _ in range((blanks - 1) // blank_lines):
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
    elif layout == "tab_blocks":
        toks.extend(_tab_block_tokens(lines))
    elif layout == "grid":
        toks.extend(_grid_tokens(lines))
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
                if parts and (parts[-1][0] == "" or (bordered and not parts[-1][0].strip())):
                    # the trailing border ("规章 | 0 | 0 | 0 |"); white space after the last "|" of an
                    # unbordered row is its empty last cell (html2text: "规章| | |   ")
                    parts.pop()
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
    else:  # line_rows: one printed row per line, or all of a table on one line (cell_lines: one cell a line)
        depth = 0  # parentheses left open by the lines above (a label wrapped over lines)
        first = next((i for i, (ln, _) in enumerate(lines) if ln.strip()), len(lines))
        for i, (ln, off) in enumerate(lines):
            if not ln.strip() and layout == "cell_lines" and i > first:  # (not before the region's text)
                toks.append(Token("value", "", off, off, None, row_break=True))
            elif ln.strip():
                line_toks = split_text(ln, off, row_break=True, opened=depth > 0)
                for t in line_toks:
                    t.x = t.start - off
                toks.extend(line_toks)
                folded = to_halfwidth(ln)
                depth = max(0, depth + folded.count("(") - folded.count(")"))
        toks = _join_wrapped_numbers(toks)
    return layout, toks


_CUT_GROUP = re.compile(r"\d{1,3}(?:,\d{3})*,(\d{1,2})")  # "1,45": a number with its last group cut short
COLUMN_SLACK = 2  # characters a value may stand off its column in text laid out in columns


def _join_wrapped_numbers(toks: list[Token]) -> list[Token]:
    """A number a narrow cell wrapped ("1,45" / "9" for 1,459) is one number again: the rest is the first
    number standing under it on a later line whose digits complete the cut group. Without the join the
    rest reads as a cell of its own."""
    out = list(toks)
    for i, tok in enumerate(out):
        m = _CUT_GROUP.fullmatch(to_halfwidth(tok.text)) if tok.kind == "value" and tok.x is not None else None
        if m is None:
            continue
        later = False
        for j in range(i + 1, len(out)):
            t = out[j]
            later = later or t.row_break
            if later and t.kind == "value" and t.x is not None and abs(t.x - tok.x) <= COLUMN_SLACK:
                rest = to_halfwidth(t.text)
                if rest.isdigit() and len(m.group(1)) + len(rest) == 3:
                    tok.text = tok.text + rest
                    tok.value = parse_cell_number(to_halfwidth(tok.text))[1]
                    tok.glued = tok.value is None
                    del out[j]
                break
    return out


# ------------------------------------------------------------------------------------------ splitting


@dataclass(frozen=True)
class _SplitVocab:
    """What the tables print, for splitting text whose separators were lost (built once from the spec)."""

    split_words: re.Pattern  # over label keys: words that are no row label, each cut out as a token
    any_label: re.Pattern  # over label keys: any printed label (rows included), tried at a position
    clause: re.Pattern  # over the folded text: a 第二十条 block title
    unit: re.Pattern  # over the folded text, at a position: a measure word printed in a value cell


@lru_cache(maxsize=None)
def _split_vocab() -> _SplitVocab:
    spec = load_spec()
    rows: set[str] = set()
    words: set[str] = set()
    for name in TABLE_NAMES:
        for template in TEMPLATES:
            layout = spec.table(name, template)
            for r in layout.rows:
                rows.update(r.labels)
            for c in layout.columns:
                words.update(c.labels)
            for g in layout.groups:
                words.update(g.labels)
            words.update(layout.header_markers)
    words.update(label_key(w, strip_numbering=False) for w in spec.raw.get("table_words", ()))
    # short words are matched whole by the assembler ("总计", "其他"); cut out of longer text they
    # would be taken from inside other words ("不计其他情形")
    long_words = {w for w in words - rows if len(w) > spec.exact_max_len}
    return _SplitVocab(
        split_words=re.compile(one_of(long_words)),
        any_label=re.compile(one_of(rows | words)),
        clause=re.compile(spec.raw["clause_marker"]),
        unit=re.compile(one_of(spec.raw.get("cell_units", ()))),
    )


# one printed number, or the first of digits run together ("0000000", "46-17166"); a sign only right
# before a digit, or 减 / 增 one space before it ("减 13": a word processor's PDF sets digits apart)
_NUM = re.compile(r"(?:[减增] ?(?=\d)|[+\-](?=\d))?\d+(?:,\d+)*(?:\.\d+)?")
_SINGLE = re.compile(r"(?:[减增] ?|[+\-])?(?:0|[1-9]\d{0,2}(?:,\d{3})+|[1-9]\d*)(?:\.\d+)?")  # exactly one number
_MARK = re.compile(r"[/／\\—–－\-]+")
_OTHER = re.compile(r"[^\d\s/／\\—–－\-减增+]+")
_SPACE_RUN = re.compile(r"\s+")
_NUMBERING_AFTER = ".．、"  # "2." / "2、" right after a number: the numbering of the next label
_YEAR_TAIL = re.compile(r"(?:19|20)\d\d$")
_SENTENCE_END = re.compile(r"[。；;！？!?]")
_PAREN_NUMBERING = re.compile(r"[(（]\s*(?:[一二三四五六七八九十]{1,3}|\d{1,2})\s*[)）]")
_CN_NUMBERING = re.compile(r"[一二三四五六七八九十]{1,3}\s*[、.．]")
_KEY_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
_WORD_CHAR = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbfA-Za-z]")


_CELL_SEPARATORS = "|｜:："  # a number after one of these (or white space) is printed apart from its label
_BLANK_WORDS = "无空"  # words a cell prints for nothing (gainlp.text.NULL_CELLS)
_LABEL_PUNCTUATION = ("/", "-")  # between two characters of a label ("本年增/减"), not a blank cell


def _between_cells(folded: str, i: int) -> bool:
    """Does the character at i stand between value cells: a number, a blank marker or white space on
    each side (or the end of the text after it)?"""
    def cell_side(ch: str) -> bool:
        return ch.isdigit() or ch.isspace() or ch in "/—–-"

    before = folded[i - 1] if i else ""
    after = folded[i + 1] if i + 1 < len(folded) else ""
    if not before or _is_word(before):
        # a line, or a row right after its label, that starts with a blank cell ("无 1 无 0 1…",
        # "尚未审结总计无1无0…"); a label that starts with 无 ("无法提供") goes on with a word
        return bool(after) and (after.isdigit() or after.isspace() or after in _BLANK_WORDS)
    return cell_side(before) and (not after or cell_side(after) or not _is_word(after)
                                  or after in _BLANK_WORDS or _label_starts(folded, i + 1))


def _is_word(ch: str) -> bool:
    return bool(ch) and _WORD_CHAR.match(ch) is not None


def _key_with_offsets(folded: str) -> tuple[str, list[int]]:
    """The label key of a folded text (template.label_key, numbering kept) and, per key character, its
    offset in the text."""
    offs = [m.start() for m in _KEY_CHAR.finditer(folded)]
    return "".join(folded[i] for i in offs), offs


def _label_starts(folded: str, i: int) -> bool:
    """Does a printed label, or row numbering, start at folded[i]?"""
    if _CN_NUMBERING.match(folded, i) or _PAREN_NUMBERING.match(folded, i) or _split_vocab().clause.match(folded, i):
        return True
    key, _ = _key_with_offsets(folded[i : i + 40])
    return bool(key) and _split_vocab().any_label.match(key) is not None


def _clause_spans(folded: str) -> list[tuple[int, int]]:
    return [m.span() for m in _split_vocab().clause.finditer(folded)]


def _outer_cuts(folded: str, clauses: list[tuple[int, int]]) -> set[int]:
    """Where label text splits whatever it holds: around 第二十条 titles, before row numbering, after
    sentence ends."""
    def in_clause(i: int) -> bool:
        return any(s <= i < e for s, e in clauses)

    cuts = {c for span in clauses for c in span}
    cuts.update(m.end() for m in _SENTENCE_END.finditer(folded))
    cuts.update(m.start() for m in _PAREN_NUMBERING.finditer(folded) if not in_clause(m.start()))
    for m in _CN_NUMBERING.finditer(folded):
        # "一、" numbers a row where a label follows ("其他一、本年新收…"), not in prose ("统一、规范")
        if not in_clause(m.start()) and (m.start() == 0 or _label_starts(folded, m.end())):
            cuts.add(m.start())
    return cuts


def _word_cuts(folded: str) -> set[int]:
    """Around the non-row words that the tables print (column headers, group labels, markers)."""
    key, offs = _key_with_offsets(folded)
    cuts: set[int] = set()
    for m in _split_vocab().split_words.finditer(key):
        cuts.update((offs[m.start()], offs[m.end() - 1] + 1))
    return cuts


# parenthesised text; a parenthesis left open runs to the end, one closed without opening from the start
# (a label wrapped over lines: "（二）部分公开（区分处理的，只计这一情" / "形，不计其他情形）")
_PARENTHESIZED = re.compile(r"\([^()]*(?:\)|$)|^[^()]*\)")


def is_prose(text: str, opened: bool = False) -> bool:
    """Is a stretch of label text running prose: a sentence end, or a comma outside parentheses
    ("部分公开（区分处理的，只计这一情形…）" is a label, "2023年，主动公开政府信息" prose)? ``opened``:
    the text continues a parenthesis opened before it (a label wrapped over lines)."""
    folded = to_halfwidth(("(" if opened else "") + text)
    if _SENTENCE_END.search(folded):
        return True
    return "," in _PARENTHESIZED.sub("", folded)


def _is_known(text: str) -> bool:
    """Does a label token name something the tables print (or start with row numbering)?"""
    folded = to_halfwidth(text)
    if _CN_NUMBERING.match(folded) or _PAREN_NUMBERING.match(folded) or re.match(r"\d{1,2}\s*[.．、]", folded):
        return True
    key, _ = _key_with_offsets(folded)
    vocab = _split_vocab()
    return bool(key) and (vocab.any_label.search(key) is not None or vocab.clause.search(folded) is not None)


def _mark_prose_figures(toks: list[Token]) -> None:
    """Figures inside a sentence are prose: walking back from each prose label, the values behind
    labels that name nothing the tables print ("共有专职工作人员2名、兼职人员7名负责…。"), up to a
    label that does (a table row ending in "。" keeps its values)."""
    for i, tok in enumerate(toks):
        if tok.kind != "label" or not tok.prose:
            continue
        j = i - 1
        while j >= 0:
            k = j
            while k >= 0 and toks[k].kind == "value":
                k -= 1
            if k >= 0 and (toks[k].prose or _is_known(toks[k].text)):
                if toks[k].prose:
                    for t in toks[k + 1 : j + 1]:
                        t.prose = True
                break
            for t in toks[k + 1 : j + 1]:  # values behind an unknown label (or the stretch's start)
                t.prose = True
            if k < 0:
                break
            toks[k].prose = True
            j = k - 1


_CACHED_RUN = 120  # label runs up to this long are cached: the template's labels come back in every report


def _segments(run: str, opened: bool) -> tuple[tuple[int, int, bool], ...]:
    """A stretch of label text (folded, no number in it) cut into labels: (start, end, is prose) each.
    A sentence stays whole; label text is cut at the words the tables print. ``opened``: it continues
    a parenthesis opened before it."""
    return _cached_segments(run, opened) if len(run) <= _CACHED_RUN else _cut_segments(run, opened)


def _cut_segments(run: str, opened: bool) -> tuple[tuple[int, int, bool], ...]:
    out = []
    outer = sorted(c for c in _outer_cuts(run, _clause_spans(run)) if 0 < c < len(run))
    for a, b in zip([0] + outer, outer + [len(run)]):
        piece = run[a:b]
        prose = is_prose(piece, opened and not run[:a].strip())
        inner = [] if prose else sorted(c for c in _word_cuts(piece) if 0 < c < len(piece))
        out.extend((a + c, a + d, prose) for c, d in zip([0] + inner, inner + [len(piece)]))
    return tuple(out)


_cached_segments = lru_cache(maxsize=8192)(_cut_segments)


_DATE_GAP = re.compile(r" {1,12}")  # the spaces within a line between a date's number and its 年 月 日


def _spaced_date_part(folded: str, s: int, e: int) -> bool:
    """Is the number at s:e part of a date printed with spaces around its digits ("截至 2022 年 12 月 31
    日": pdftotext of a PDF a word processor made sets Latin digits apart; "2021     年我局": pypdf's layout
    text of a justified line)? A year before " 年", a month after 年 before " 月", a day after 月 before " 日"."""
    gap = _DATE_GAP.match(folded, e)
    if gap is None or gap.end() >= len(folded):
        return False
    unit, before = folded[gap.end()], folded[:s].rstrip(" ")[-1:]
    number = folded[s:e]
    if unit == "年":
        return bool(re.fullmatch(r"(?:19|20)\d\d", number))
    if unit == "月":
        return before == "年" and number.isdigit() and 1 <= int(number) <= 12
    if unit == "日":
        return before == "月" and number.isdigit() and 1 <= int(number) <= 31
    return False


def split_text(text: str, start: int, row_break: bool = False, opened: bool = False) -> list[Token]:
    """Label and value tokens of a stretch of table text, wherever its labels and numbers stand.

    No separator is needed: labels are told from numbers by their characters, and text that runs
    several labels together is cut at 第二十条 titles, row numbering and the words the tables print
    besides row labels (``_label_cuts``). White space, where printed, separates value cells; digits
    printed together are one token (``glued`` when they cannot be one number) that the assembler reads
    with the row's column count. Row numbering printed right after a number ("00000002.其他法律…")
    goes to the next label, a year before 年 to the prose after a table ("收费02025年，…"), and a
    measure word after a number ("3个", "152.2万元") to the token's ``unit``. ``start``: the document
    offset of ``text``; ``row_break`` marks the first token.
    """
    folded = _fold_in_place(text)
    n = len(folded)
    toks: list[Token] = []
    label_from: int | None = None  # where the pending label text starts

    def flush_label(end: int) -> None:
        nonlocal label_from
        if label_from is None:
            return
        at, label_from = label_from, None
        for a, b, prose in _segments(folded[at:end], opened and not folded[:at].strip()):
            seg = text[at + a : at + b]
            stripped = seg.strip()
            if stripped:
                s = start + at + a + len(seg) - len(seg.lstrip())
                toks.append(Token("label", stripped, s, s + len(stripped), prose=prose))

    def add_value(s: int, e: int, unit: str = "") -> None:
        flush_label(s)
        single = _SINGLE.fullmatch(folded, s, e) is not None
        value = parse_cell_number(folded[s:e])[1] if single else None
        glued = not single or (s > 0 and not folded[s - 1].isspace() and folded[s - 1] not in _CELL_SEPARATORS)
        toks.append(Token("value", text[s:e], start + s, start + e, value, glued=glued, unit=unit))

    pos = 0
    while pos < n:
        m = _NUM.match(folded, pos)
        if m is None:
            space = _SPACE_RUN.match(folded, pos)
            if space:  # inside label text it stays with it ("自 然 人"); elsewhere it separates
                pos = space.end()
                continue
            mark = _MARK.match(folded, pos)
            if mark:
                before, after = folded[pos - 1] if pos else "", folded[mark.end() : mark.end() + 1]
                if (_is_word(before) and _is_word(after) and mark.group() in _LABEL_PUNCTUATION
                        and not _label_starts(folded, mark.end())):
                    # "本年增/减": punctuation inside a label; a dash or slash between two labels
                    # ("行政处罚/行政强制3") is a blank cell
                    label_from = pos if label_from is None else label_from
                else:
                    flush_label(pos)
                    toks.append(Token("value", text[pos : mark.end()], start + pos, start + mark.end(), None))
                pos = mark.end()
                continue
            if folded[pos] in _BLANK_WORDS and _between_cells(folded, pos):  # "10无348…": a cell printed 无
                flush_label(pos)
                toks.append(Token("value", text[pos], start + pos, start + pos + 1, None))
                pos += 1
                continue
            label_from = pos if label_from is None else label_from
            other = _OTHER.match(folded, pos)
            end = other.end() if other else pos + 1
            cut = end
            while cut - 1 > pos and folded[cut - 1] in _BLANK_WORDS:
                cut -= 1
            # "…尚未审结总计无1无0…": blank cells printed 无 right after the label, before a value
            pos = cut if cut < end and (end == n or folded[end].isdigit() or folded[end].isspace()) else end
            continue
        s, e = m.span()
        while (more := _NUM.match(folded, e)) is not None:  # numbers run together: one token
            e = more.end()
        prev = folded[s - 1] if s else ""
        nxt = folded[e] if e < n else ""
        if prev and nxt and prev in "(（" and nxt in ")）":  # "(1)": numbering
            label_from = s if label_from is None else label_from
            pos = e
            continue
        gap = e
        while gap < n and folded[gap] in " \u3000":  # "6 .属于四类过程性信息": a space inside the numbering
            gap += 1
        if (gap > e and gap + 1 < n and folded[gap] in _NUMBERING_AFTER and folded[s:e] in "123456789"
                and _is_word(folded[gap + 1])):
            flush_label(s)
            label_from = s
            pos = gap + 1
            continue
        if nxt and nxt in _NUMBERING_AFTER and not folded[e + 1 : e + 2].isdigit():
            # "2.属于…" numbers the next label: its last digit does ("00000002.", "000000 02."; the
            # template numbers no more than eight rows in a group). No cell prints a number followed by
            # "." either, so a lone "5." (a label wrapped around its numbering) is numbering too.
            # "1.2.": two numberings in a row (a wrapped column printed its own beside the next), no value
            cut = s if re.fullmatch(r"[1-9](?:[.．、][1-9])+", folded[s:e]) else e - 1
            if folded[cut] in "123456789":
                if cut > s:
                    add_value(s, cut)
                flush_label(cut)
                label_from = cut
                pos = e
                continue
        if nxt in ("年", "月", "日", "号") or _spaced_date_part(folded, s, e):
            year = _YEAR_TAIL.search(folded[s:e]) if nxt == "年" else None
            if year and year.start() > 0:  # "…0000002" then "2025年，我局…"
                add_value(s, s + year.start())
                label_from = s + year.start()
            else:  # a year or date in prose
                label_from = s if label_from is None else label_from
            pos = e
            continue
        unit = ""
        u = _split_vocab().unit.match(folded, e)
        if u and (not _is_word(folded[u.end() : u.end() + 1]) or _label_starts(folded, u.end())):
            unit = u.group()
        add_value(s, e, unit)
        pos = e + len(unit)
    flush_label(n)
    if toks:
        toks[0].row_break = row_break
    _mark_prose_figures(toks)
    return toks


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
