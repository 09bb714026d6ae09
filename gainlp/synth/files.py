"""A synthetic report as a real file: an HTML page or a DOCX document, and its labels read back.

* :func:`to_html` writes the report as a government web page: navigation and footer clutter around an
  article whose tables carry rowspan/colspan exactly like the official form.
* :func:`to_docx` fills the State Council's blank form (data/template/annual-report-template-2021.docx,
  when it is found) for a 2021-template report: headings re-numbered, prose in place of "（文字描述）",
  numbers written into the form's table cells. A 2019-template report (or no form file) gets a DOCX
  built with python-docx, whose tables have the same merged cells.
* :func:`annotate_file` reads a written file back through ``gainlp.readers.read`` and labels the
  reader's text: table cells from the reader's cell grid, prose by finding each line of the report in it.

File outputs keep the clean prose (no text noise): the noise of a file is its format.
"""
from __future__ import annotations

import html
import io
import os
from pathlib import Path

from gainlp.annotations import AnnotatedDoc, LabeledSpan
from gainlp.synth.builder import Piece
from gainlp.synth.printed import HEADER, LABEL_KINDS, VALUE, PrintedTable, printed_table
from gainlp.synth.result import SynthReport
from gainlp.template import label_key

TEMPLATE_ENV = "GAINLP_FORM_DOCX"
_TEMPLATE_CANDIDATES = ("data/template/annual-report-template-2021.docx",)


def _lines(piece: Piece) -> list[Piece]:
    """Split a piece at its line breaks (spans crossing a break are dropped)."""
    out, start = [], 0
    for line in piece.text.split("\n"):
        end = start + len(line)
        p = Piece(line, [LabeledSpan(a - start, b - start, lab) for a, b, lab in piece.spans if a >= start and b <= end])
        out.append(p)
        start = end + 1
    return out


def _table_blocks(report: SynthReport) -> list:
    return [b for b in report.blocks if b.kind == "table"]


def file_blocks(report: SynthReport, fmt: str) -> list:
    """The blocks a file shows: a DOCX has no web-page clutter (nor the page's copy of the title)."""
    if fmt == "html" or not any(b.kind == "clutter" for b in report.blocks):
        return list(report.blocks)
    blocks = [b for b in report.blocks if b.kind != "clutter"]
    return blocks[1:] if len(blocks) > 1 and blocks[0].kind == blocks[1].kind == "title" else blocks


def _value_text(t, cell) -> str:
    return t.printed.get(cell.key, "")


# ------------------------------------------------------------------------------------------ HTML


def _html_table(block, portal: bool = False) -> str:
    """A table as the form prints it. ``portal``: as a portal's editor writes it: the header rows in a
    <thead> (a browser repeats them on every printed page) and each header cell's characters in a
    paragraph of their own (a narrow column: "结<p>果</p>…")."""
    grid: PrintedTable = block.grid
    rows = []
    head_rows = 0
    for row in grid.rows:
        if any(c.kind == VALUE for c in row):
            break
        head_rows += 1
    for row in grid.rows:
        tds = []
        for c in row:
            text = _value_text(block, c) if c.kind == VALUE else c.text
            attrs = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + (f' colspan="{c.colspan}"' if c.colspan > 1 else "")
            inner = html.escape(text)
            if portal and c.kind == HEADER and len(text) <= 6:
                inner = "".join(f"<p>{html.escape(ch)}</p>" for ch in text)
            tds.append(f"<td{attrs}>{inner}</td>")
        rows.append("<tr>" + "".join(tds) + "</tr>")
    if portal and 0 < head_rows < len(rows):
        return ('<table border="1" cellspacing="0">\n<thead>\n' + "\n".join(rows[:head_rows]) + "\n</thead>\n<tbody>\n"
                + "\n".join(rows[head_rows:]) + "\n</tbody>\n</table>")
    return '<table border="1" cellspacing="0">\n' + "\n".join(rows) + "\n</table>"


# what a provincial portal prints around a department's report: menus, breadcrumb, share widget, footer
_PORTAL_HEAD = (
    '<div class="top">国务院 省政府 省人大 省政协 | 移动版 | 登录 注册</div>\n'
    '<div class="menu"><a>首页</a> <a>政务公开</a> <a>解读回应</a> <a>办事服务</a> <a>互动交流</a></div>\n'
    '<div class="links">政府信息公开 领导之窗 政府机构 要闻 政府会议 最新文件 政策文件库 公示公告</div>\n'
    '<div class="position">当前位置：首页 &gt; 政务公开 &gt; 政府信息公开 &gt; 政府信息公开年报</div>\n'
)
_PORTAL_TAIL = '<div class="share">微信 微博 QQ空间 全真版 文字版 文件下载 相关链接：</div>\n'


def to_html(report: SynthReport, portal: bool = False) -> bytes:
    """The report as a web page. ``portal``: inside a provincial portal's page (menus, breadcrumb, share
    widget, header rows and narrow header cells as portal editors write them)."""
    blocks = file_blocks(report, "html")
    title = blocks[0].piece.text.replace("\n", "") if blocks else report.id
    parts = []
    for b in blocks:
        if b.kind == "table":
            parts.append(_html_table(b, portal))
            continue
        for line in b.piece.text.split("\n"):
            if not line:
                continue
            tag = "h1" if b.kind == "title" else "p"
            style = ' style="text-indent:2em"' if b.kind == "para" else ""
            parts.append(f"<{tag}{style}>{html.escape(line)}</{tag}>")
    body = "\n".join(parts)
    head = _PORTAL_HEAD if portal else '<div class="nav">首页 &gt; 政务公开 &gt; 政府信息公开年报</div>\n'
    page = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>' + html.escape(title) + "</title></head>\n<body>\n"
        + head + f'<div class="article"><div class="TRS_Editor">\n{body}\n</div></div>\n'
        + (_PORTAL_TAIL if portal else "")
        + '<div class="footer">主办单位：' + html.escape(report.gold.get("agency") or "") + " 网站标识码：0000000000</div>\n"
        "</body></html>\n"
    )
    return page.encode("utf-8")


def record_page(text: str, record, portal: bool = True) -> bytes:
    """A report that exists as text (a seed) written as the web page it came from: its lines as
    paragraphs, each template table as the official form's grid filled with the record's values (the
    record read from that text: ``gainlp.extract``), inside a portal's page."""
    from gainlp.rules.sections import locate_sections
    from gainlp.rules.tables import parse_tables
    from gainlp.readers import read_text
    from gainlp.template import TABLE_NAMES

    doc = read_text(text)
    regions = parse_tables(doc, locate_sections(doc), year=record.year).regions
    template = record.template or "2021"
    parts, pos = [], 0
    named = [(s, e, name) for (s, e), name in zip(sorted(regions), [n for n in TABLE_NAMES if record.tables.get(n)])]
    for start, end, name in named + [(len(text), len(text), None)]:
        # the prose before the table, line by line; a table's lines become the form's grid. A table
        # that starts or ends inside a line (a scraped body on one line) is cut out of it there.
        line_start = text.rfind("\n", 0, start) + 1 if start < len(text) else len(text)
        cut = line_start if not text[line_start:start].strip() else start
        for line in text[pos:cut].split("\n"):
            if line.strip():
                parts.append(f"<p>{html.escape(line.strip())}</p>")
        if name is None:
            break
        for sec in record.sections:  # a heading the table's region took in stays a paragraph
            if cut <= sec.start < end:
                at = text.find(sec.title, sec.start, end)  # the heading ends at its title, its line or the region
                heading_end = min(e for e in (text.find("\n", sec.start), at + len(sec.title) if at >= 0 else -1, end)
                                  if e >= 0)
                parts.append(f"<p>{html.escape(text[sec.start:heading_end].strip())}</p>")
        grid = printed_table(name, template)
        values = {(r, c): "" if v is None else _plain(v) for r, cols in record.tables[name].items() for c, v in cols.items()}
        parts.append(_html_table(_Filled(grid, values), portal))
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        pos = line_end + 1 if not text[end:line_end].strip() else end
    body = "\n".join(parts)
    head = _PORTAL_HEAD if portal else ""
    return ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>report</title></head>\n<body>\n' + head
            + f'<div class="article"><div class="TRS_Editor">\n{body}\n</div></div>\n' + (_PORTAL_TAIL if portal else "")
            + "</body></html>\n").encode("utf-8")


class _Filled:
    """A printed grid and the text of its value cells, as _html_table reads a table block."""

    def __init__(self, grid: PrintedTable, printed: dict) -> None:
        self.grid, self.printed = grid, printed


def _plain(v) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


# ------------------------------------------------------------------------------------------ DOCX


def form_path() -> Path | None:
    """The official blank form, from $GAINLP_FORM_DOCX or the shared data folder ($GAINLP_SHARED)."""
    env = os.environ.get(TEMPLATE_ENV)
    roots = [Path(os.environ["GAINLP_SHARED"])] if os.environ.get("GAINLP_SHARED") else []
    roots += [Path.cwd(), Path.cwd().parent / "shared", Path(__file__).resolve().parents[3] / "shared"]
    candidates = ([Path(env)] if env else []) + [r / c for r in roots for c in _TEMPLATE_CANDIDATES]
    return next((p for p in candidates if p.is_file()), None)


def _new_paragraph_after(anchor, doc, text: str):
    p = doc.add_paragraph(text)
    anchor._p.addnext(p._p)
    return p


def _fill_table(dtable, block) -> None:
    cells = [r.cells for r in dtable.rows]  # python-docx rebuilds a row's cells on every access
    for row in block.grid.rows:
        for c in row:
            if c.kind == VALUE:
                cells[c.row][c.col].text = _value_text(block, c)


def _form_matches(dtable, grid: PrintedTable) -> bool:
    if len(dtable.rows) != len(grid.rows):
        return False
    for row in grid.rows:
        for c in row:
            if c.kind in LABEL_KINDS and c.kind != "title":
                if label_key(dtable.rows[c.row].cells[c.col].text, False)[:4] != label_key(c.text, False)[:4]:
                    return False
    return True


def _docx_from_form(report: SynthReport, form: Path) -> bytes | None:
    import docx

    d = docx.Document(str(form))
    blocks = file_blocks(report, "docx")
    tables = _table_blocks(report)
    canonical = [printed_table(b.table, b.grid.template) for b in tables]
    if len(d.tables) != len(tables) or not all(_form_matches(dt, g) for dt, g in zip(d.tables, canonical)):
        return None
    paras = [p for p in d.paragraphs]
    headings = {}
    for p in paras:
        for n in range(1, 7):
            if p.text.strip().startswith("一二三四五六"[n - 1] + "、"):
                headings[n] = p
    title_p = next(p for p in paras if p.text.strip())
    title_p.text = blocks[0].piece.text.replace("\n", "")
    anchor = title_p
    section = None
    present = set()
    for b in blocks[1:]:
        if b.kind == "table":
            continue
        if b.kind == "heading" and b.section is None:  # a section of the report's own: a paragraph of its own
            anchor = _new_paragraph_after(anchor, d, b.piece.text)
            continue
        if b.kind == "heading":
            section = b.section
            present.add(section)
            anchor = headings[section]
            anchor.text = b.piece.text
            continue
        for line in b.piece.text.split("\n"):
            anchor = _new_paragraph_after(anchor, d, line)
    for p in d.paragraphs:  # the form's placeholders, and headings of sections the report leaves out
        if p.text.strip().startswith("（文字描述"):
            p._p.getparent().remove(p._p)
    for n, p in headings.items():
        if n not in present:
            p._p.getparent().remove(p._p)
    for dt, b in zip(d.tables, tables):  # numbers into the form (its own labels stay as printed)
        _fill_table(dt, b)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _docx_built(report: SynthReport) -> bytes:
    import docx

    d = docx.Document()
    for b in file_blocks(report, "docx"):
        if b.kind != "table":
            for line in b.piece.text.split("\n"):
                d.add_paragraph(line)
            continue
        grid: PrintedTable = b.grid
        t = d.add_table(rows=len(grid.rows), cols=grid.width)
        t.style = "Table Grid"
        cells = [r.cells for r in t.rows]
        for row in grid.rows:
            for c in row:
                if c.rowspan > 1 or c.colspan > 1:
                    cells[c.row][c.col].merge(cells[c.row + c.rowspan - 1][c.col + c.colspan - 1])
        cells = [r.cells for r in t.rows]
        for row in grid.rows:
            for c in row:
                cells[c.row][c.col].text = _value_text(b, c) if c.kind == VALUE else c.text
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def to_docx(report: SynthReport) -> bytes:
    """The report as DOCX: the official form filled in when it fits, else a built document."""
    form = form_path()
    if form is not None and report.meta.get("template") == "2021":
        data = _docx_from_form(report, form)
        if data is not None:
            return data
    return _docx_built(report)


# ------------------------------------------------------------------------------------------ read back


def annotate_file(report: SynthReport, path: str | os.PathLike) -> AnnotatedDoc:
    """Read a written file with gainlp.readers and label the reader's text from the report's structure."""
    from gainlp.readers import read

    doc = read(Path(path))
    spans: list[LabeledSpan] = []
    tables = _table_blocks(report)
    unmatched_tables = 0
    for block, rt in zip(tables, doc.tables):
        starts = {(c.row, c.col): c for row in block.grid.rows for c in row}
        if rt.n_rows != len(block.grid.rows):
            unmatched_tables += 1
            continue
        for cell in rt.cells():
            mine = starts.get((cell.row, cell.col))
            if mine is None or cell.end <= cell.start or not doc.text[cell.start:cell.end].strip():
                continue
            if mine.kind == VALUE:
                spans.append(LabeledSpan(cell.start, cell.end, "TABLE_CELL"))
            elif mine.kind in LABEL_KINDS:
                spans.append(LabeledSpan(cell.start, cell.end, "TABLE_LABEL"))
    cursor, unlocated = 0, 0
    for b in file_blocks(report, doc.format):
        if b.kind == "table":
            continue
        for line in _lines(b.piece):
            if not line.text.strip():
                continue
            at = doc.text.find(line.text.strip(), cursor)
            if at < 0:
                unlocated += len(line.spans)
                continue
            shift = at - (len(line.text) - len(line.text.lstrip()))
            spans += [LabeledSpan(a + shift, b2 + shift, lab) for a, b2, lab in line.spans]
            cursor = at + len(line.text.strip())
    meta = {**report.meta, "source": "synth", "format": doc.format, "gold": report.gold,
            "unlocated_spans": unlocated, "unmatched_tables": unmatched_tables}
    return AnnotatedDoc(id=report.id, text=doc.text, spans=sorted(spans), meta=meta)


__all__ = ["to_html", "to_docx", "annotate_file", "form_path", "file_blocks"]
