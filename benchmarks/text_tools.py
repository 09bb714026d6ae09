"""The text that popular HTML-to-text tools make of a report page, against the page: the record of each
must equal the page's (the same pages and comparison as benchmarks/cross_format.py).

Tools: html2text (Markdown: tables as "cell| cell| cell" rows) and inscriptis (tables laid out in
columns with spaces) on the page, docx2txt on the page's DOCX (LibreOffice's, as in cross_format:
every cell followed by a blank line), and on the page printed to PDF by Chromium and on the DOCX
exported to PDF by LibreOffice ("office"), pdfminer.six's ``extract_text`` (its text boxes, each
column of a table a box) and pypdf's ``extract_text`` (plain, and ``extraction_mode="layout"``), pandoc's
plain text of the page (its simple tables, each row's cells wrapped over lines): the
text dumps users make with Python; and, in headless Chromium driven by Selenium (the test browser,
``pip install -e '.[dev]'``), the page's ``innerText`` and Selenium's ``element.text``, the text a
scraper takes from a browser. None is a dependency of gainlp but pdfminer.six (pdfplumber's):

    .venv/bin/pip install html2text inscriptis docx2txt pypdf
    .venv/bin/python benchmarks/text_tools.py [--corpus ../shared/data/corpus/pingtan] [--out …]

Writes a table and the JSON; exit status 1 when any tool's text states a number the page does not.
"""
from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import gainlp  # noqa: E402
from cross_format import compare, finish, pages  # noqa: E402


def tools(stack: contextlib.ExitStack) -> dict:
    """name -> function(page, workdir) -> text, for the tools that are installed (a browser, started on
    first use, is closed with ``stack``)."""
    out = {}
    from tests.browser import chromium, missing_browser

    if missing_browser() is None:
        driver = []

        def browser_text(page: Path, _, script: bool) -> str:
            if not driver:
                driver.append(stack.enter_context(chromium()))
            driver[0].get(page.resolve().as_uri())
            if script:
                return driver[0].execute_script("return document.body.innerText")
            return driver[0].find_element("tag name", "body").text

        out["browser innerText"] = lambda page, work: browser_text(page, work, True)
        out["Selenium element.text"] = lambda page, work: browser_text(page, work, False)
    else:
        print(f"browser texts skipped: {missing_browser()}", file=sys.stderr)
    try:
        import html2text

        out["html2text"] = lambda page, _: html2text.HTML2Text(bodywidth=0).handle(page.read_text(encoding="utf-8"))
    except ImportError:
        print("html2text is not installed (pip install html2text): skipped", file=sys.stderr)
    try:
        import inscriptis

        out["inscriptis"] = lambda page, _: inscriptis.get_text(page.read_text(encoding="utf-8"))
    except ImportError:
        print("inscriptis is not installed (pip install inscriptis): skipped", file=sys.stderr)
    try:
        import docx2txt

        from gainlp.convert import html_to_docx

        out["docx2txt"] = lambda page, work: docx2txt.process(str(html_to_docx(page, work / f"{page.stem}.docx")))
    except ImportError:
        print("docx2txt is not installed (pip install docx2txt): skipped", file=sys.stderr)
    import shutil

    if shutil.which("pandoc"):  # (its gfm, markdown and rst are cross_format's forms)
        from gainlp.convert import html_to_markup

        out["pandoc plain"] = lambda page, work: html_to_markup(page, work / f"{page.stem}.plain.txt", "plain").read_text(
            encoding="utf-8")
    from pdfminer.high_level import extract_text

    for pdf in ("pdf", "office pdf"):
        out[f"pdfminer, {pdf}"] = lambda page, work, pdf=pdf: extract_text(str(_pdf(page, work, pdf)))
    try:
        import pypdf

        def by_pypdf(page: Path, work: Path, pdf: str, **kw) -> str:
            return "\n".join(p.extract_text(**kw) or "" for p in pypdf.PdfReader(str(_pdf(page, work, pdf))).pages)

        for pdf in ("pdf", "office pdf"):
            out[f"pypdf, {pdf}"] = lambda page, work, pdf=pdf: by_pypdf(page, work, pdf)
            out[f"pypdf layout, {pdf}"] = lambda page, work, pdf=pdf: by_pypdf(page, work, pdf, extraction_mode="layout")
    except ImportError:
        print("pypdf is not installed (pip install pypdf): skipped", file=sys.stderr)
    return out


def _pdf(page: Path, work: Path, which: str) -> Path:
    """The page printed to PDF by Chromium ("pdf"), or its DOCX exported to PDF by LibreOffice ("office
    pdf"); made once per page."""
    from gainlp.convert import docx_to_pdf, html_to_docx, html_to_pdf

    dst = work / f"{page.stem}.{which.replace(' ', '_')}.pdf"
    if not dst.exists():
        if which == "pdf":
            html_to_pdf(page, dst)
        else:
            docx = work / f"{page.stem}.docx"
            docx_to_pdf(docx if docx.exists() else html_to_docx(page, docx), dst)
    return dst


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synth", type=int, default=4, help="synthetic pages (half of each template)")
    ap.add_argument("--corpus", type=Path, default=None,
                    help="also every report of this folder of texts (../shared/data/corpus/pingtan), as a page")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "text_tools.json")
    args = ap.parse_args(argv)
    results: dict[str, dict] = {}
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory(prefix="gainlp-text-tools-") as tmp:
        made = tools(stack)
        if not made:
            return 2
        workdir = Path(tmp)
        for pid, page in pages(workdir, args.synth, args.corpus):
            page_rec = gainlp.extract(page, model=None)
            results[pid] = {}
            for name, convert in made.items():
                text = workdir / f"{pid}.{name}.txt"
                text.write_text(convert(page, workdir), encoding="utf-8")
                results[pid][name] = compare(page_rec, gainlp.extract(text, model=None))
    return finish(results, args.out, what="tool")


if __name__ == "__main__":
    sys.exit(main())
