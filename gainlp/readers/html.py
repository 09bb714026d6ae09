"""HTML pages: keep only the report's container, render blocks as lines and leaf tables as grids.

Page clutter goes first (scripts, navigation, headers/footers, share bars, breadcrumbs, hidden
elements). The container is an ``<article>``/``<main>`` holding most of the page's CJK text, else the
deepest element that still holds 85% of it; a report title printed just above the container is kept.
Only leaf tables (no table inside) are data tables; a table used for page layout is read as blocks.
"""
from __future__ import annotations

import re
from typing import Iterator

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PreformattedString, Tag

from gainlp import limits
from gainlp.document import Document
from gainlp.readers.base import (Grid, RawCell, ReadError, TextBuilder, join_cell_lines, leaf_grid_is_layout,
                                 place_cells, register, squeeze)
from gainlp.readers.txt import decode_bytes
from gainlp.text import is_cjk

_DROP_TAGS = (
    "script", "style", "nav", "aside", "noscript", "iframe", "button", "select", "textarea",
    "template", "svg", "object", "embed", "input", "link", "meta",
)
_CLUTTER_PART = re.compile(r"nav|menu|footer|breadcrumb|crumb|share|sidebar|side-bar|toolbar|tool-bar|copyright", re.I)
_CLUTTER_TOKEN = {"header", "head", "top", "topbar", "foot", "bottom", "position", "location", "dqwz", "weizhi"}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_TITLE_ATTR = re.compile(r"title|biaoti|^bt$|^tit", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]+)", re.I)
_BLOCK = {
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog",
    "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hgroup", "hr", "html", "li", "main", "menu", "nav", "ol", "p", "pre", "section",
    "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}
_PROTECT = 0.3  # never drop an element holding this share of the page's CJK text as clutter
_CONTAINER_SHARE = 0.85


@register("html", ".html", ".htm")
def read_html(raw: bytes, path: str) -> Document:
    if not raw.strip():
        raise ReadError(path, "empty file")
    m = _META_CHARSET.search(raw[:4096])
    text, encoding, warnings = decode_bytes(raw, path, declared=m.group(1).decode("ascii") if m else None)
    limits.active().check_chars(path, len(text))
    soup = BeautifulSoup(text, "lxml")
    body = soup.body or soup
    limits.active().check_depth(path, _max_depth(body))
    _drop_clutter(body)
    container, descriptor = _find_container(body)
    builder = TextBuilder()
    title = _outside_title(container) if container is not body else None
    renderer = _Renderer()
    renderer.walk(container)
    renderer.flush()
    if title and not any(title in b for b in renderer.blocks[:5] if isinstance(b, str)):
        builder.add_line(title)
    builder.add_blocks(renderer.blocks)
    if not builder.text.strip():
        raise ReadError(path, "no text found in HTML")
    meta = {"encoding": encoding, "container": descriptor}
    return builder.document(raw, path, "html", meta=meta, warnings=warnings)


# ---------------------------------------------------------------------------------------------
# clutter and container


def _cjk_counts(root: Tag) -> dict[int, int]:
    """CJK characters under each element (keyed by id), in one pass (iterative: pages nest deep)."""
    counts: dict[int, int] = {}
    stack: list[tuple[Tag, bool]] = [(root, False)]
    while stack:
        tag, done = stack.pop()
        if done:
            counts[id(tag)] = sum(counts[id(ch)] if isinstance(ch, Tag) else
                                  (sum(1 for c in ch if is_cjk(c)) if not isinstance(ch, PreformattedString) else 0)
                                  for ch in tag.children if isinstance(ch, (Tag, NavigableString)))
            continue
        stack.append((tag, True))
        stack.extend((ch, False) for ch in tag.children if isinstance(ch, Tag))
    return counts


def _max_depth(root: Tag) -> int:
    deepest = 0
    stack = [(root, 0)]
    while stack:
        tag, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((ch, depth + 1) for ch in tag.children if isinstance(ch, Tag))
    return deepest


def _attr_words(tag: Tag) -> list[str]:
    words = list(tag.get("class") or [])
    if tag.get("id"):
        words.append(str(tag["id"]))
    return words


def _is_clutter(tag: Tag) -> bool:
    if tag.name in ("footer", "form"):  # (kept where it holds the page: ASP.NET pages, LibreOffice's HTML)
        return True
    if tag.name == "header":
        return tag.find_parent(["article", "main"]) is None
    if _HIDDEN_STYLE.search(str(tag.get("style") or "")):
        return True
    for word in _attr_words(tag):
        if _CLUTTER_PART.search(word) or word.lower() in _CLUTTER_TOKEN:
            return True
    return False


def _drop_clutter(body: Tag) -> None:
    for tag in body.find_all(_DROP_TAGS):
        if not tag.decomposed:
            tag.decompose()
    counts = _cjk_counts(body)
    total = counts[id(body)] or 1
    for tag in body.find_all(_is_clutter):
        if not tag.decomposed and counts.get(id(tag), 0) <= _PROTECT * total:
            tag.decompose()


def _describe(tag: Tag) -> str:
    out = tag.name or "document"
    if tag.get("id"):
        out += f"#{tag['id']}"
    if tag.get("class"):
        out += "." + ".".join(tag["class"])
    return out


def _find_container(body: Tag) -> tuple[Tag, str]:
    counts = _cjk_counts(body)
    total = counts[id(body)]
    if total == 0:
        return body, _describe(body)
    articles = body.find_all(["article", "main"])
    if articles:
        best = max(articles, key=lambda t: counts.get(id(t), 0))
        if counts.get(id(best), 0) >= 0.5 * total:
            return best, _describe(best)
    best, best_depth = body, 0
    for tag in body.find_all(["div", "section", "td", "center", "article", "main"]):
        if counts.get(id(tag), 0) >= _CONTAINER_SHARE * total:
            depth = sum(1 for _ in tag.parents)
            if depth > best_depth:
                best, best_depth = tag, depth
    return best, _describe(best)


def _is_title_tag(tag: Tag) -> bool:
    return tag.name in ("h1", "h2", "h3") or any(_TITLE_ATTR.search(w) for w in _attr_words(tag))


def _outside_title(container: Tag) -> str | None:
    """The report title printed above the container (it often carries agency and year)."""
    for tag in container.find_all_previous(_is_title_tag, limit=40):
        if any(tag is parent for parent in container.parents):
            continue
        text = squeeze(tag.get_text(" "))
        if 4 <= len(text) <= 80 and "报告" in text:
            return text
    return None


# ---------------------------------------------------------------------------------------------
# rendering


def _int_attr(value, default: int = 1) -> int:
    m = re.match(r"\s*(\d+)", str(value or ""))
    if not m:
        return default
    n = int(m.group(1))
    return n if n > 0 else 10**6  # rowspan="0": to the end of the table


class _Renderer:
    """Walks the DOM: text lines for blocks, grids for data tables."""

    def __init__(self) -> None:
        self.blocks: list[str | Grid] = []
        self.buf: list[str] = []

    def flush(self) -> None:
        line = squeeze("".join(self.buf))
        self.buf.clear()
        if line:
            self.blocks.append(line)

    def walk(self, node: Tag) -> None:
        """Text lines and tables under ``node`` in document order. Iterative (a stack of child
        iterators, each with whether to end a line when it is done): pages nest thousands deep."""
        stack: list[tuple[Iterator, bool]] = [(iter(node.children), False)]
        while stack:
            children, flush_after = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                if flush_after:
                    self.flush()
                continue
            if isinstance(child, NavigableString):
                if not isinstance(child, PreformattedString):
                    self.buf.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            if child.name == "br":
                self.flush()
            elif child.name == "table" and child.find("table") is None:
                grid = _table_grid(child)
                self.flush()
                if grid and not leaf_grid_is_layout(grid):
                    caption = child.find("caption")
                    if caption is not None and squeeze(caption.get_text(" ")):
                        self.blocks.append(squeeze(caption.get_text(" ")))
                    self.blocks.append(grid)
                else:
                    stack.append((iter(child.children), True))
            elif child.name in _BLOCK:
                self.flush()
                stack.append((iter(child.children), True))
            else:
                stack.append((iter(child.children), False))


def table_grid(fragment: str) -> Grid | None:
    """The grid of the one HTML table in ``fragment`` (a table printed as HTML inside a text), or None
    where it holds none or only a layout box."""
    table = BeautifulSoup(fragment, "lxml").find("table")
    grid = _table_grid(table) if table is not None else None
    return grid if grid and not leaf_grid_is_layout(grid) else None


def _cell_text(cell: Tag) -> str:
    r = _Renderer()
    r.walk(cell)
    r.flush()
    return join_cell_lines([b for b in r.blocks if isinstance(b, str)])


def _table_grid(table: Tag) -> Grid | None:
    rows: list[list[RawCell]] = []
    for tr in table.find_all("tr"):
        cells = [
            RawCell(_cell_text(td), rowspan=_int_attr(td.get("rowspan")), colspan=_int_attr(td.get("colspan")))
            for td in tr.find_all(["td", "th"], recursive=False)
        ]
        rows.append(cells)
    if not any(c.text for row in rows for c in row):
        return None
    return place_cells(rows)
