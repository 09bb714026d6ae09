"""The real converters that turn a report page into the other forms users meet it in.

Reports reach users as the published web page, as that page printed to PDF by a browser, as the
``pdftotext -layout`` text of such a PDF (or its text in reading order, as plain ``pdftotext`` gives it), as
a DOCX saved from the page (and that DOCX saved as text or as a web page), as the PDF an office
exports from its DOCX, and as the Markdown or reStructuredText pandoc makes of the page. The tests and
benchmarks
make those forms with the same programs (Debian packages, installed by scripts/setup-system.sh):

* :func:`html_to_pdf`: headless Chromium ``--print-to-pdf`` (site menus, page breaks and repeated table
  header rows as a browser prints them);
* :func:`pdf_to_text`: poppler's ``pdftotext -layout`` (or plain ``pdftotext``: text in reading order);
* :func:`html_to_docx`: LibreOffice Writer, ``soffice --headless --convert-to docx``;
* :func:`docx_to_pdf`: LibreOffice Writer's PDF export of a DOCX, as offices make the PDFs they publish;
* :func:`docx_to`: LibreOffice Writer's text or HTML of a DOCX (a cell a line; Writer's own web page);
* :func:`pdf_to_images`: poppler's ``pdftoppm`` (page images, for scans);
* :func:`html_to_markup`: pandoc's GitHub Markdown, Markdown, reStructuredText or plain text of a page.

Each raises :class:`ConversionError` (one line naming the file) when the program is missing or fails.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# a closed network: no background connections, no updates, no first-run work (see the machine notes)
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-pdf-header-footer")
DEFAULT_TIMEOUT = 180


class ConversionError(RuntimeError):
    """A conversion that could not be made; ``str(err)`` is one line."""


def chromium() -> str | None:
    return next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)


def missing(*programs: str) -> list[str]:
    """Which of "chromium", "pdftotext", "pdftoppm", "soffice", "pandoc" are not installed."""
    found = {"chromium": chromium() is not None}
    return [p for p in programs if not found.get(p, shutil.which(p) is not None)]


def _run(cmd: list[str], src: Path, what: str, timeout: int) -> None:
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout)
    except FileNotFoundError:
        raise ConversionError(f"{src}: {what}: {cmd[0]} is not installed") from None
    except subprocess.TimeoutExpired:
        raise ConversionError(f"{src}: {what}: {cmd[0]} took more than {timeout} s") from None
    if proc.returncode != 0:
        tail = " ".join(proc.stderr.decode("utf-8", "replace").split())[-200:]
        raise ConversionError(f"{src}: {what} failed ({cmd[0]} exit {proc.returncode}): {tail}")


def html_to_pdf(src: Path, dst: Path, timeout: int = DEFAULT_TIMEOUT) -> Path:
    """Print an HTML page to PDF as a browser does (headless Chromium)."""
    exe = chromium()
    if exe is None:
        raise ConversionError(f"{src}: HTML to PDF: Chromium is not installed (apt-get install chromium)")
    dst.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gainlp-chromium-") as profile:
        _run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={dst}",
              Path(src).resolve().as_uri()], src, "HTML to PDF", timeout)
    if not dst.is_file() or dst.stat().st_size == 0:
        raise ConversionError(f"{src}: HTML to PDF: Chromium wrote no PDF")
    return dst


def pdf_to_text(src: Path, dst: Path, timeout: int = DEFAULT_TIMEOUT, layout: bool = True) -> Path:
    """The text of a PDF as ``pdftotext -layout`` prints it; with ``layout=False`` as plain ``pdftotext``
    does, in reading order (a row's values may come before its label, a cell a line)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    _run(["pdftotext", *(["-layout"] if layout else []), "-enc", "UTF-8", str(src), str(dst)], src, "PDF to text",
         timeout)
    return dst


def pdf_to_images(src: Path, prefix: Path, dpi: int = 150, timeout: int = DEFAULT_TIMEOUT) -> list[Path]:
    """One PNG per page (``pdftoppm -r dpi -png``), in page order."""
    prefix.parent.mkdir(parents=True, exist_ok=True)
    _run(["pdftoppm", "-r", str(dpi), "-png", str(src), str(prefix)], src, "PDF to images", timeout)
    return sorted(prefix.parent.glob(prefix.name + "*.png"))


def html_to_docx(src: Path, dst: Path, timeout: int = DEFAULT_TIMEOUT) -> Path:
    """A DOCX saved from an HTML page by LibreOffice Writer."""
    return _soffice(src, dst, "docx:MS Word 2007 XML", "HTML to DOCX", timeout)


def docx_to_pdf(src: Path, dst: Path, timeout: int = DEFAULT_TIMEOUT) -> Path:
    """A PDF exported from a DOCX by LibreOffice Writer, as an office exports its report: the table's
    header rows repeat on every page, and a row can break across pages."""
    return _soffice(src, dst, "pdf:writer_pdf_Export", "DOCX to PDF", timeout)


def docx_to(src: Path, dst: Path, target: str, timeout: int = DEFAULT_TIMEOUT) -> Path:
    """A DOCX saved by LibreOffice Writer as "txt" (a table cell a line, an empty cell an empty line) or
    "html" (Writer's own web page)."""
    filters = {"txt": "txt:Text (encoded):UTF8", "html": "html:HTML (StarWriter)"}
    return _soffice(src, dst, filters[target], f"DOCX to {target.upper()}", timeout)


PANDOC_FORMATS = ("gfm", "markdown", "rst")


def html_to_markup(src: Path, dst: Path, fmt: str, timeout: int = DEFAULT_TIMEOUT) -> Path:
    """A page converted by pandoc to GitHub Markdown ("gfm": a table with merged cells kept as HTML),
    pandoc's Markdown ("markdown": grid tables, or HTML), reStructuredText ("rst": grid tables) or plain
    text ("plain": simple tables, a row's cells wrapped over lines)."""
    if shutil.which("pandoc") is None:
        raise ConversionError(f"{src}: HTML to {fmt}: pandoc is not installed (apt-get install pandoc)")
    dst.parent.mkdir(parents=True, exist_ok=True)
    _run(["pandoc", "-f", "html", "-t", fmt, "-o", str(dst), str(src)], src, f"HTML to {fmt}", timeout)
    return dst


def page_forms(page: Path, workdir: Path, page_size: str | None = None) -> dict[str, Path]:
    """Every form of a report page, made in ``workdir`` by the programs above: "pdf" (Chromium's print,
    on ``page_size`` paper when given: a CSS @page size, "A5", "A4 landscape"), "pdftotext" (that PDF's
    text, and "pdftotext reading order", the same without -layout), "docx" (LibreOffice's, and "docx txt" and
    "docx html", that DOCX saved as text and as a web page), "office pdf" (that DOCX exported to PDF),
    "office pdftotext", and where pandoc is installed "pandoc gfm", "pandoc markdown" and "pandoc rst"."""
    printed = page
    if page_size:  # printed on another paper size: lines and table cells wrap elsewhere
        printed = workdir / f"{page.stem}.{page_size}.html"
        printed.write_text(page.read_text(encoding="utf-8").replace(
            "<head>", f"<head><style>@page {{ size: {page_size}; margin: 10mm; }}</style>", 1), encoding="utf-8")
    pdf = html_to_pdf(printed, workdir / f"{page.stem}.pdf")
    docx = html_to_docx(page, workdir / f"{page.stem}.docx")
    office_pdf = docx_to_pdf(docx, workdir / f"{page.stem}.office.pdf")
    return {"pdf": pdf, "pdftotext": pdf_to_text(pdf, workdir / f"{page.stem}.pdftotext.txt"),
            "pdftotext reading order": pdf_to_text(pdf, workdir / f"{page.stem}.plain.txt", layout=False),
            "docx": docx, "docx txt": docx_to(docx, workdir / f"{page.stem}.docx.txt", "txt"),
            "docx html": docx_to(docx, workdir / f"{page.stem}.docx.html", "html"),
            "office pdf": office_pdf,
            "office pdftotext": pdf_to_text(office_pdf, workdir / f"{page.stem}.office.pdftotext.txt"),
            **({f"pandoc {fmt}": html_to_markup(page, workdir / f"{page.stem}.pandoc-{fmt}.txt", fmt)
                for fmt in PANDOC_FORMATS} if shutil.which("pandoc") else {})}


def _soffice(src: Path, dst: Path, target: str, what: str, timeout: int) -> Path:
    if shutil.which("soffice") is None:
        raise ConversionError(f"{src}: {what}: LibreOffice is not installed (apt-get install libreoffice-writer-nogui)")
    with tempfile.TemporaryDirectory(prefix="gainlp-soffice-") as tmp:
        out = Path(tmp) / "out"
        # a profile of its own: two conversions at once would otherwise wait on one another's lock
        _run(["soffice", f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}", "--headless",
              "--convert-to", target, "--outdir", str(out), str(src)], src, what, timeout)
        made = out / (Path(src).stem + "." + target.split(":")[0])
        if not made.is_file():
            raise ConversionError(f"{src}: {what}: LibreOffice wrote no {target.split(':')[0].upper()}")
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(made), dst)
    return dst


__all__ = ["ConversionError", "html_to_pdf", "pdf_to_text", "pdf_to_images", "html_to_docx", "docx_to_pdf", "docx_to", "page_forms",
           "missing", "chromium"]
