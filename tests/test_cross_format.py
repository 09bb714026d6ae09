"""Cross-format: every form that real converters make of a report page gives the page's record.

Pages: the dev set's two published pages (a provincial portal: menus, breadcrumb, share widget around the
report), a seed and four scraped corpus reports written as portal pages (gainlp.synth.files.record_page)
and a synthetic portal page of each template. Forms (gainlp.convert, the Debian programs scripts/setup-system.sh installs): the page
printed to PDF by headless Chromium, that PDF's ``pdftotext -layout`` text (and its plain ``pdftotext``
text, in reading order: no number the page does not state), a DOCX saved by LibreOffice (and that DOCX
saved as text and as a web page by LibreOffice), and that DOCX exported to PDF by LibreOffice (an office's PDF: narrow label cells, header rows
repeated on each page, rows broken across pages) with its ``pdftotext -layout`` text. Each form's record must equal the page's: every table cell, agency, year, template and
section titles. benchmarks/cross_format.py runs the same comparison over more pages.
"""
from __future__ import annotations

import re

import pytest

import gainlp
from gainlp.convert import missing, page_forms

from .conftest import SHARED

MISSING = missing("chromium", "pdftotext", "soffice")
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"not installed: {', '.join(MISSING)} (scripts/setup-system.sh)")


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    from gainlp.synth import generate
    from gainlp.synth.files import record_page

    work = tmp_path_factory.mktemp("pages")
    out = {p.stem: p for p in sorted((SHARED / "data" / "dev").glob("*-page.html"))}
    seed = SHARED / "data" / "seeds" / "002_af43464f076faa0e.txt"
    text = seed.read_text(encoding="utf-8")
    out["seed-002"] = work / "seed-002.html"
    out["seed-002"].write_bytes(record_page(text, gainlp.extract(text, model=None)))
    # scraped reports whose body is one line, written as pages: their headings run on into a table's
    # caption or wrap inside a paragraph, a group label falls between rows in pdftotext, and Chromium's
    # PDF prints radical code points for characters of the publisher's name
    for name in ("zrz-2019-80572", "lyy-2024-97002", "jsp-2025-104809", "spp-2020-80586"):
        text = (SHARED / "data" / "corpus" / "pingtan" / f"{name}.txt").read_text(encoding="utf-8")
        out[f"corpus-{name}"] = work / f"corpus-{name}.html"
        out[f"corpus-{name}"].write_bytes(record_page(text, gainlp.extract(text, model=None)))
    for template in ("2019", "2021"):
        report = next(generate(1, seed=17, templates=[template], noise=0.0))
        out[f"synth-{template}"] = work / f"synth-{template}.html"
        out[f"synth-{template}"].write_bytes(report.to_html(portal=True))
    return out


@pytest.fixture(scope="module")
def forms(pages, tmp_path_factory):
    work = tmp_path_factory.mktemp("forms")
    return {pid: page_forms(page, work) for pid, page in pages.items()}


@pytest.mark.parametrize("form", ["pdf", "pdftotext", "docx", "docx txt", "docx html", "office pdf", "office pdftotext",
                                  "pandoc gfm", "pandoc markdown", "pandoc rst"])
def test_every_form_gives_the_pages_record(pages, forms, form):
    """(pandoc's: a table with merged cells kept as HTML inside the Markdown, whose attributes' digits
    were read as cells, "colspan=3" a 3; grid tables, their cells wrapped over lines; 40 wrong cells or
    more in each of the three forms over the corpus pages before)"""
    if form.startswith("pandoc") and missing("pandoc"):
        pytest.skip("pandoc is not installed (scripts/setup-system.sh)")
    for pid, page in pages.items():
        want = gainlp.extract(page, model=None)
        got = gainlp.extract(forms[pid][form], model=None)
        assert want.template and got.template == want.template, pid
        # (pandoc prints a page's "标题:" apart from the title: spp-2020 is then named as its body prints
        # itself, 苏平片区管理局, without the region)
        assert got.agency == want.agency or form.startswith("pandoc") and want.agency.endswith(got.agency), (
            pid, got.agency, want.agency)
        assert got.year == want.year, pid
        assert [s.title for s in got.sections] == [s.title for s in want.sections], pid
        a, b = want.flat(), got.flat()
        diffs = {f"{name}.{k}": (v, (b[name] or {}).get(k)) for name in a for k, v in (a[name] or {}).items()
                 if (b[name] or {}).get(k) != v}
        assert not diffs, (pid, form, diffs)


def test_the_printed_page_carries_the_portal_around_the_report(forms):
    """The PDF is the printed page, not the article: the site's menus are in its text, and the record
    still names the report's publisher, not a menu word ("国务院省政府")."""
    from gainlp.readers import read

    pdf = forms["pingtan-zrz-2023-page"]["pdf"]
    text = read(pdf).text
    assert "省政府" in text and "首页" in text
    assert not re.search("[\u2e80-\u2fdf]", text)  # Chromium's ⾏ ⼯ ⻚ read as the 行 工 页 they print
    assert gainlp.extract(pdf, model=None).agency == "平潭综合实验区自然资源与生态环境局"


def test_text_in_reading_order_states_no_number_the_page_does_not(pages, forms):
    """Plain ``pdftotext`` (no -layout) prints a PDF's text in reading order: a row's values mostly on the
    line above its label, some beside it, some after the next heading. Where the rows can be dealt
    their values in order they are (the seed's and the synthetic pages' applications tables); elsewhere
    a row stands only where both ways of reading agree and no sum fails, else it is null: never another
    row's number (read before: 158 wrong cells over the corpus pages, rows one row off)."""
    read = stated = 0
    for pid, page in pages.items():
        want = gainlp.extract(page, model=None)
        got = gainlp.extract(forms[pid]["pdftotext reading order"], model=None)
        assert (got.agency, got.year, got.template) == (want.agency, want.year, want.template), pid
        assert [s.title for s in got.sections] == [s.title for s in want.sections], pid
        a, b = want.flat(), got.flat()
        for name in a:
            for k, v in (a[name] or {}).items():
                value = (b[name] or {}).get(k)
                assert value is None or value == v, (pid, f"{name}.{k}", v, value)
                read += value is not None and value == v
                stated += v is not None
        if pid in ("seed-002", "synth-2019", "synth-2021"):  # values above their labels, dealt in order
            assert b["applications"] == a["applications"], pid
        if pid in ("corpus-lyy-2024-97002", "corpus-jsp-2025-104809"):
            # and the last two rows' values printed after section 四's heading, taken back from table 四
            assert (b["applications"], b["review_litigation"]) == (a["applications"], a["review_litigation"]), pid
    assert read > 0.3 * stated, (read, stated)
