"""Word .docx: body paragraphs and tables in reading order, merged cells resolved from the XML.

The body XML is walked directly (paragraphs, tables, content controls) so the order is the printed
order. Grid positions come from ``w:gridBefore``/``w:gridSpan``; a ``w:vMerge`` continuation cell
is covered by the cell above. Automatic list numbering ("一、", "（一）", "1.") is rendered from
numbering.xml, because reports often number their section headings that way.
"""
from __future__ import annotations

import io
import re
import zipfile

from lxml import etree

from gainlp import limits
from gainlp.document import Document
from gainlp.readers.base import (Grid, RawCell, ReadError, TextBuilder, join_cell_lines, leaf_grid_is_layout,
                                 pad_grid, register)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@register("docx", ".docx")
def read_docx(raw: bytes, path: str) -> Document:
    # imported here: python-docx takes a while to import and most runs read one format
    from docx import Document as open_docx
    from docx.opc.exceptions import PackageNotFoundError

    if raw.startswith(_OLE_MAGIC):
        raise ReadError(path, "corrupt DOCX: this is a legacy Word .doc (OLE) file, not .docx")
    if not raw.startswith(b"PK"):
        raise ReadError(path, "corrupt DOCX: not a zip archive")
    _check_package(raw, path)
    try:
        word = open_docx(io.BytesIO(raw))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, etree.XMLSyntaxError) as e:
        raise ReadError(path, f"corrupt DOCX: {type(e).__name__}: {e}") from e
    except AttributeError as e:  # python-docx meeting XML parts without the expected elements
        raise ReadError(path, f"corrupt DOCX: malformed package XML ({e})") from e
    numbering = _Numbering(word)
    blocks: list[str | Grid] = []
    _walk(word.element.body, blocks, numbering)
    builder = TextBuilder()
    builder.add_blocks(blocks)
    if not builder.text.strip():
        raise ReadError(path, "no text found in DOCX")
    return builder.document(raw, path, "docx", meta={"paragraphs": sum(isinstance(b, str) for b in blocks)})


def _check_package(raw: bytes, path: str) -> None:
    """The zip opens and holds the parts a .docx needs, or a ReadError says which is missing."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
            # the sizes the zip declares bound what zipfile will inflate (it stops at the declared size)
            limits.active().check_unpacked(path, sum(i.file_size for i in infos), "its parts unpack to")
            rels = z.read("_rels/.rels").decode("utf-8", "replace") if "_rels/.rels" in names else ""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as e:
        raise ReadError(path, f"corrupt DOCX: not a valid zip archive ({e})") from e
    for part in ("[Content_Types].xml", "_rels/.rels"):
        if part not in names:
            raise ReadError(path, f"corrupt DOCX: missing {part}")
    m = re.search(r'Type="[^"]*/officeDocument"[^>]*Target="/?([^"]+)"|Target="/?([^"]+)"[^>]*Type="[^"]*/officeDocument"', rels)
    main = (m.group(1) or m.group(2)) if m else "word/document.xml"
    if main not in names:
        raise ReadError(path, f"corrupt DOCX: missing {main}")


# ---------------------------------------------------------------------------------------------
# paragraphs


def _in_fallback(el) -> bool:
    return any(True for _ in el.iterancestors(MC_FALLBACK))


def _para_text(p) -> str:
    """A paragraph's printed text: runs, hyperlinks, insertions, fields; tabs and breaks kept."""
    out: list[str] = []
    for el in p.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr", f"{W}noBreakHyphen"):
        if _in_fallback(el):
            continue
        tag = el.tag
        if tag == f"{W}t":
            out.append(el.text or "")
        elif el.getparent() is None or el.getparent().tag != f"{W}r":
            continue  # a tab stop definition in w:pPr, not a printed tab
        elif tag == f"{W}tab":
            out.append("\t")
        elif tag == f"{W}noBreakHyphen":
            out.append("-")
        else:
            out.append("\n")
    return "".join(out)


def _para_lines(p, numbering: "_Numbering") -> list[str]:
    text = numbering.label(p) + _para_text(p)
    return [line.strip(" \t\u3000\xa0") for line in text.split("\n") if line.strip(" \t\u3000\xa0")]


def _walk(parent, blocks: list, numbering: "_Numbering") -> None:
    for child in parent.iterchildren():
        tag = child.tag
        if tag == f"{W}p":
            blocks.extend(_para_lines(child, numbering))
        elif tag == f"{W}tbl":
            _table(child, blocks, numbering)
        elif tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml", f"{W}ins", f"{W}smartTag"):
            _walk(child, blocks, numbering)


# ---------------------------------------------------------------------------------------------
# tables


def _val(el, name: str, default: str | None = None) -> str | None:
    if el is None:
        return default
    return el.get(f"{W}{name}", default)


def _int(value: str | None, default: int = 1, minimum: int = 1) -> int:
    """An integer attribute, at least ``minimum``; ``default`` when absent or not a number."""
    try:
        return max(minimum, int(value)) if value is not None else default
    except ValueError:
        return default


def _level(value: str | None) -> int:
    return _int(value, 0, minimum=0)


def _children(el, tag: str):
    """Child elements with ``tag``, looking through content controls and custom XML wrappers."""
    for child in el.iterchildren():
        if child.tag == tag:
            yield child
        elif child.tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml"):
            yield from _children(child, tag)


def _rows(tbl):
    return _children(tbl, f"{W}tr")


def _cells(tr):
    return _children(tr, f"{W}tc")


def _cell_text(tc, numbering: "_Numbering") -> str:
    lines: list[str] = []
    for p in tc.iter(f"{W}p"):
        if not _in_fallback(p) and not _inside_paragraph(p, tc):
            lines.extend(" ".join(line.split()) for line in _para_lines(p, numbering))
    return join_cell_lines(lines)


def _inside_paragraph(p, stop) -> bool:
    """Is ``p`` inside another paragraph (a text box) below ``stop``? Its text is in that paragraph."""
    for anc in p.iterancestors():
        if anc is stop:
            return False
        if anc.tag == f"{W}p":
            return True
    return False


def _table(tbl, blocks: list, numbering: "_Numbering") -> None:
    if any(True for _ in tbl.iterdescendants(f"{W}tbl")):
        # a layout table: read its cells as blocks, in order
        for tr in _rows(tbl):
            for tc in _cells(tr):
                _walk(tc, blocks, numbering)
        return
    grid: Grid = []
    owner: list[list[RawCell | None]] = []  # the origin cell covering each position
    for r, tr in enumerate(_rows(tbl)):
        row: list[RawCell | None] = []
        own: list[RawCell | None] = []
        trpr = tr.find(f"{W}trPr")
        c = _level(_val(trpr.find(f"{W}gridBefore") if trpr is not None else None, "val"))
        row.extend([None] * c)
        own.extend([None] * c)
        for tc in _cells(tr):
            tcpr = tc.find(f"{W}tcPr")
            span = _int(_val(tcpr.find(f"{W}gridSpan") if tcpr is not None else None, "val"))
            vmerge = tcpr.find(f"{W}vMerge") if tcpr is not None else None
            above = owner[r - 1][c] if r and c < len(owner[r - 1]) else None
            if vmerge is not None and _val(vmerge, "val", "continue") == "continue" and above is not None and above.col == c:
                above.rowspan = r - above.row + 1
                row.extend([None] * span)
                own.extend([above] * span)
            else:
                cell = RawCell(_cell_text(tc, numbering), row=r, col=c, colspan=span)
                row.append(cell)
                row.extend([None] * (span - 1))
                own.extend([cell] * span)
            c += span
        grid.append(row)
        owner.append(own)
    grid = pad_grid(grid)
    if not grid or not any(c.text for row in grid for c in row if c is not None):
        return
    if leaf_grid_is_layout(grid):
        for tr in _rows(tbl):
            for tc in _cells(tr):
                _walk(tc, blocks, numbering)
        return
    blocks.append(grid)


# ---------------------------------------------------------------------------------------------
# automatic numbering

_CN = "零一二三四五六七八九"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def _chinese(n: int) -> str:
    if n < 10:
        return _CN[n]
    if n < 20:
        return "十" + (_CN[n % 10] if n % 10 else "")
    if n < 100:
        return _CN[n // 10] + "十" + (_CN[n % 10] if n % 10 else "")
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, sym in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                       (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out += sym
            n -= value
    return out


def _format(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "taiwaneseCounting"):
        return _chinese(n)
    if fmt == "ideographTraditional" and 1 <= n <= 10:
        return _TIANGAN[n - 1]
    if fmt == "decimalEnclosedCircle" and 1 <= n <= 20:
        return _CIRCLED[n - 1]
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(n))
    if fmt in ("lowerLetter", "upperLetter"):
        s = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return s.upper() if fmt == "upperLetter" else s
    if fmt in ("lowerRoman", "upperRoman"):
        return _roman(n).upper() if fmt == "upperRoman" else _roman(n)
    return str(n)


class _Numbering:
    """Counters for automatic list numbering; ``label(p)`` is the number a paragraph prints."""

    def __init__(self, word) -> None:
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}  # numId -> ilvl -> (fmt, text, start)
        self.counters: dict[str, dict[int, int]] = {}
        self.counter_key: dict[str, str] = {}
        self.style_num: dict[str, tuple[str, int]] = {}
        try:
            root = word.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return
        abstract = {}
        for a in root.iter(f"{W}abstractNum"):
            lv = {}
            for lvl in a.iter(f"{W}lvl"):
                ilvl = _level(lvl.get(f"{W}ilvl"))
                lv[ilvl] = (
                    _val(lvl.find(f"{W}numFmt"), "val", "decimal"),
                    _val(lvl.find(f"{W}lvlText"), "val", ""),
                    _int(_val(lvl.find(f"{W}start"), "val"), 1, minimum=0),
                )
            abstract[a.get(f"{W}abstractNumId")] = lv
        for num in root.iter(f"{W}num"):
            abstract_id = _val(num.find(f"{W}abstractNumId"), "val")
            lv = dict(abstract.get(abstract_id, {}))
            # lists sharing an abstract definition share their counters unless one restarts them
            key = f"abstract:{abstract_id}"
            for ov in num.iter(f"{W}lvlOverride"):
                ilvl = _level(ov.get(f"{W}ilvl"))
                so = ov.find(f"{W}startOverride")
                if so is not None and ilvl in lv:
                    fmt, text, _ = lv[ilvl]
                    lv[ilvl] = (fmt, text, _int(_val(so, "val"), 1, minimum=0))
                    key = f"num:{num.get(f'{W}numId')}"
            self.levels[num.get(f"{W}numId")] = lv
            self.counter_key[num.get(f"{W}numId")] = key
        for style in word.styles.element.iter(f"{W}style"):
            numpr = style.find(f"{W}pPr/{W}numPr")
            if numpr is not None:
                num_id = _val(numpr.find(f"{W}numId"), "val")
                if num_id:
                    self.style_num[style.get(f"{W}styleId")] = (num_id, _level(_val(numpr.find(f"{W}ilvl"), "val")))

    def label(self, p) -> str:
        if not self.levels:
            return ""
        ppr = p.find(f"{W}pPr")
        numpr = ppr.find(f"{W}numPr") if ppr is not None else None
        num_id, ilvl = None, 0
        if numpr is not None:
            num_id = _val(numpr.find(f"{W}numId"), "val")
            ilvl = _level(_val(numpr.find(f"{W}ilvl"), "val"))
        elif ppr is not None and ppr.find(f"{W}pStyle") is not None:
            num_id, ilvl = self.style_num.get(_val(ppr.find(f"{W}pStyle"), "val"), (None, 0))
        if not num_id or num_id == "0" or num_id not in self.levels or ilvl not in self.levels[num_id]:
            return ""
        levels = self.levels[num_id]
        counters = self.counters.setdefault(self.counter_key.get(num_id, num_id), {})
        fmt, text, start = levels[ilvl]
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if fmt in ("bullet", "none"):
            return ""
        for k in range(ilvl + 1):
            if f"%{k + 1}" in text:
                kfmt, _, kstart = levels.get(k, ("decimal", "", 1))
                text = text.replace(f"%{k + 1}", _format(counters.get(k, kstart), kfmt))
        return text
