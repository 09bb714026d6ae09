"""The text a scraper takes from a page in a real browser (headless Chromium driven by Selenium): the
page's ``innerText`` (Playwright's ``inner_text()``, a page script's) and Selenium's own ``element.text``.

The published pages of ``../shared/data/dev`` hold each cell's number in a paragraph, so their innerText
prints a tab between cells with empty lines around it ("规章\\n\\n\\t\\n\\n0"): read before as cells parted by
empty lines (each empty line an empty cell), so that 181 of the 200 cells of each page were null. Now the
record from innerText equals the page's gold; ``element.text`` drops empty cells and collapses white space:
it must state no number the gold does not.
"""
from __future__ import annotations

import json

import pytest

import gainlp
from gainlp.rules.table_tokens import tokens_from_text
from tests.browser import chromium, missing_browser

from .conftest import SHARED

PAGES = sorted((SHARED / "data" / "dev").glob("*-page.html"))


def test_inner_text_of_cells_holding_paragraphs_is_read_as_a_grid():
    """Chromium's innerText of <td><p>…</p></td> cells, an empty paragraph, an empty cell and an nbsp."""
    text = "规章\n\n\t\n\n0\n\n\t\n\n\t\n\n3\n\n\n\n\n行政规范性文件\n\n\t\t\n\n5\n\n\t\xa0\n行政许可\t1\t\t2"
    layout, toks = tokens_from_text(text, 0)
    assert layout == "tab_blocks"
    assert [(t.text, t.row_break) for t in toks] == [
        ("规章", True), ("0", False), ("", False), ("3", False),
        ("行政规范性文件", True), ("", False), ("5", False), ("", False),
        ("行政许可", True), ("1", False), ("", False), ("2", False)]
    assert all(text[t.start:t.end] == t.text for t in toks)


@pytest.fixture(scope="module")
def scraped(tmp_path_factory):
    if missing_browser() is not None:
        pytest.skip(str(missing_browser()))
    work = tmp_path_factory.mktemp("scraped")
    out = {}
    with chromium() as driver:
        for page in PAGES:
            driver.get(page.resolve().as_uri())
            for form, text in (("innerText", driver.execute_script("return document.body.innerText")),
                               ("element.text", driver.find_element("tag name", "body").text)):
                path = work / f"{page.stem}.{form}.txt"
                path.write_text(text, encoding="utf-8")
                out[page.stem, form] = path
    return out


TABLES = ("active_disclosure", "applications", "review_litigation")


def _gold(page) -> dict:
    return json.loads(page.with_name(page.stem + ".gold.json").read_text(encoding="utf-8"))


def test_inner_text_gives_the_gold_tables(scraped):
    assert PAGES
    for page in PAGES:
        gold = _gold(page)
        got = gainlp.extract(scraped[page.stem, "innerText"], model=None)
        assert {t: got.flat()[t] for t in TABLES} == {t: gold[t] for t in TABLES}, page.stem
        assert (got.agency, got.year) == (gold["agency"], gold["year"]), page.stem


def test_selenium_element_text_states_no_number_the_gold_does_not(scraped):
    stated = 0
    for page in PAGES:
        gold = _gold(page)
        got = gainlp.extract(scraped[page.stem, "element.text"], model=None).flat()
        for t in TABLES:
            for key, value in gold[t].items():
                mine = (got[t] or {}).get(key)
                assert mine in (None, value), (page.stem, t, key, value, mine)
                stated += mine is not None
    assert stated > 0
