"""Scanned test reports, made here: HTML -> headless Chromium PDF -> page images -> image-only PDF.

Every scan starts from an HTML page whose tables the HTML reader reads, so a scan's tables can be
scored cell by cell against the tables of its source:

* the seed reports (text) are first written as simple HTML (:func:`seed_html`): their prose lines as
  paragraphs, each template table as the official form's grid filled with the seed's gold values;
* the dev set's published pages (``*-page.html``) are printed as they are;
* synthetic reports (``gainlp.synth``) are printed from their HTML page.

Printing (``gainlp.convert``): ``chromium --headless --print-to-pdf`` (A4, no header or footer, a fresh
profile, no network services), then ``pdftoppm -r 150`` to page images (read as grey), then the variants of :data:`VARIANTS`
(rotated by +-1 degree, blurred, JPEG-compressed), each bound into an image-only PDF with pypdfium2
(lossless pages; the JPEG variant embeds its JPEG stream as a scanner does).

``python -m gainlp.evaluation.scans --out DIR [--seeds] [--dev] [--synth N]`` writes the sources and the
scans; the tests and ``benchmarks/ocr_tables.py`` call :func:`make_scans` (cached per output folder).
"""
from __future__ import annotations

import argparse
import html
import io
import json
import logging
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("gainlp.scans")

DPI = 150
VARIANTS = ("clean", "rot+1", "rot-1", "blur", "jpeg")
JPEG_QUALITY = 35
BLUR_SIGMA = 1.0
_PAGE_STYLE = "<style>@page { size: A4; margin: 15mm 15mm; }</style>"


@dataclass
class Source:
    """An HTML report to print, and its gold record when it has one (seed and synthetic reports)."""

    name: str
    html: Path
    gold: dict | None = None


# ---------------------------------------------------------------------------------------------
# sources


def seed_html(text: str, gold: dict) -> str:
    """A seed report (text) as simple HTML: the prose lines as paragraphs, each template table found
    in it replaced by the official form's grid (rowspan/colspan as printed) holding the gold values."""
    from gainlp.readers import read_text
    from gainlp.rules.sections import find_sections
    from gainlp.rules.tables import table_regions

    doc = read_text(text)
    sections = find_sections(doc)
    regions = {name: r for name, r in table_regions(doc, sections).items() if r}
    template = gold.get("template") or "2021"
    starts = {s.start for s in sections}
    parts: list[str] = []
    pos = 0
    for name, (start, end) in sorted(regions.items(), key=lambda kv: kv[1][0]):
        parts += _paragraphs(doc.text[pos:start])
        region = doc.text[start:end]
        head, _, rest = region.partition("\n")
        if start in starts:  # the region is a section: keep its heading, and its prose after the table
            parts += _paragraphs(head)
        parts.append(_form_table(name, template, gold.get(name) or {}))
        parts += _paragraphs("\n".join(ln for ln in rest.split("\n") if "。" in ln))
        pos = max(pos, end)
    parts += _paragraphs(doc.text[pos:])
    title = html.escape(gold.get("agency") or "report")
    return f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{title}</title></head>\n<body>\n' + \
        "\n".join(parts) + "\n</body></html>\n"


def _paragraphs(text: str) -> list[str]:
    return [f"<p>{html.escape(line.strip())}</p>" for line in text.split("\n") if line.strip()]


def _value(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _form_table(name: str, template: str, values: dict) -> str:
    from gainlp.synth.printed import VALUE, printed_table

    grid = printed_table(name, template)
    rows = []
    for row in grid.rows:
        tds = []
        for c in row:
            text = _value(values.get(f"{c.key[0]}.{c.key[1]}")) if c.kind == VALUE and c.key else c.text
            attrs = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + (f' colspan="{c.colspan}"' if c.colspan > 1 else "")
            tds.append(f"<td{attrs}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return '<table border="1" cellspacing="0">\n' + "\n".join(rows) + "\n</table>"


def seed_sources(seeds_dir: Path, out: Path) -> list[Source]:
    out.mkdir(parents=True, exist_ok=True)
    sources = []
    for txt in sorted(seeds_dir.glob("*.txt")):
        gold = json.loads(txt.with_suffix(".gold.json").read_text(encoding="utf-8"))
        path = out / f"seed-{txt.stem[:3]}.html"
        path.write_text(seed_html(txt.read_text(encoding="utf-8"), gold), encoding="utf-8")
        sources.append(Source(path.stem, path, gold))
    return sources


def dev_sources(dev_dir: Path) -> list[Source]:
    sources = []
    for page in sorted(dev_dir.glob("*-page.html")):
        gold_path = page.with_suffix(".gold.json")
        gold = json.loads(gold_path.read_text(encoding="utf-8")) if gold_path.is_file() else None
        sources.append(Source(page.stem, page, gold))
    return sources


def corpus_sources(corpus_dir: Path, out: Path, prefix: str = "corpus-") -> list[Source]:
    """Reports that exist as text (a scraped corpus: prose on one line, tables run together; the seeds),
    each written as the page it came from (gainlp.synth.files.record_page: its prose as paragraphs, its
    tables as the official grid holding what the rules read from the text), named ``prefix`` + its file
    name; no gold. Reports without the template tables are left out."""
    import gainlp
    from gainlp.synth.files import record_page

    out.mkdir(parents=True, exist_ok=True)
    sources = []
    for txt in sorted(corpus_dir.glob("*.txt")):
        text = txt.read_text(encoding="utf-8")
        record = gainlp.extract(text, model=None)
        if not record.template:
            continue
        html = out / f"{prefix}{txt.stem}.html"
        html.write_bytes(record_page(text, record))
        sources.append(Source(f"{prefix}{txt.stem}", html))
    return sources


def synth_sources(n: int, seed: int, out: Path) -> list[Source]:
    from gainlp.synth import generate

    out.mkdir(parents=True, exist_ok=True)
    sources = []
    for report in generate(n, seed=seed):
        path = out / f"{report.id}.html"
        path.write_bytes(report.to_html())
        sources.append(Source(report.id, path, report.gold))
    return sources


# ---------------------------------------------------------------------------------------------
# printing and scanning


def print_pdf(page: Path, pdf: Path) -> None:
    """Print an HTML page to A4 PDF with headless Chromium (``gainlp.convert.html_to_pdf``: a fresh
    profile, no header or footer): a print style sheet for A4 is put first in a copy of the page."""
    from gainlp.convert import html_to_pdf

    raw = page.read_bytes()
    head = raw.lower().find(b"<head>")
    at = head + len(b"<head>") if head >= 0 else 0
    with tempfile.TemporaryDirectory(prefix="gainlp-scan-") as tmp:
        source = Path(tmp) / "page.html"
        source.write_bytes(raw[:at] + _PAGE_STYLE.encode() + raw[at:])
        html_to_pdf(source, pdf)


def pdf_pages(pdf: Path, out_dir: Path, dpi: int = DPI) -> list[Path]:
    """The PDF's pages as PNG images (``gainlp.convert.pdf_to_images``: ``pdftoppm -r DPI``)."""
    from gainlp.convert import pdf_to_images

    return pdf_to_images(pdf, out_dir / "page", dpi=dpi)


def degrade(gray, variant: str):
    """A grey page image as one variant: clean, rotated by +-1 degree, blurred or JPEG-compressed
    (the JPEG variant is compressed when it is bound, see :func:`image_pdf`)."""
    import cv2

    if variant in ("clean", "jpeg"):
        return gray
    if variant in ("rot+1", "rot-1"):
        h, w = gray.shape
        angle = 1.0 if variant == "rot+1" else -1.0
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    if variant == "blur":
        return cv2.GaussianBlur(gray, (0, 0), BLUR_SIGMA)
    raise ValueError(f"unknown variant {variant!r}; known: {', '.join(VARIANTS)}")


def image_pdf(images, pdf_path: Path, dpi: int = DPI, jpeg: bool = False) -> None:
    """Bind grey page images into an image-only PDF (no text layer) with pypdfium2."""
    import pypdfium2 as pdfium
    from PIL import Image

    pdf = pdfium.PdfDocument.new()
    try:
        for gray in images:
            im = Image.fromarray(gray)
            w, h = im.size
            wpt, hpt = w * 72.0 / dpi, h * 72.0 / dpi
            page = pdf.new_page(wpt, hpt)
            obj = pdfium.PdfImage.new(pdf)
            if jpeg:
                buf = io.BytesIO()
                im.save(buf, "JPEG", quality=JPEG_QUALITY)
                buf.seek(0)
                obj.load_jpeg(buf, inline=False, autoclose=False)
            else:
                obj.set_bitmap(pdfium.PdfBitmap.from_pil(im))
            obj.set_matrix(pdfium.PdfMatrix().scale(wpt, hpt))
            page.insert_obj(obj)
            page.gen_content()
            page.close()
        pdf.save(str(pdf_path))
    finally:
        pdf.close()


def scan(source: Source, out_dir: Path, variants=VARIANTS, max_pages: int | None = None) -> dict[str, Path]:
    """Print one source and bind its pages as one image-only PDF per variant: {variant: pdf path}.
    Scans already made in ``out_dir`` are kept (the cache)."""
    import cv2

    out_dir.mkdir(parents=True, exist_ok=True)
    wanted = {v: out_dir / f"{source.name}.{v}.pdf" for v in variants}
    if all(p.is_file() for p in wanted.values()):
        return wanted
    printed = out_dir / f"{source.name}.printed.pdf"
    if not printed.is_file():
        print_pdf(source.html, printed)
    with tempfile.TemporaryDirectory(prefix="gainlp-pages-") as tmp:
        pages = pdf_pages(printed, Path(tmp))[:max_pages]
        grays = [cv2.imread(str(p), cv2.IMREAD_GRAYSCALE) for p in pages]
        for v, path in wanted.items():
            if not path.is_file():
                partial = path.with_suffix(".part")
                image_pdf([degrade(g, v) for g in grays], partial, jpeg=(v == "jpeg"))
                os.replace(partial, path)
    return wanted


def make_scans(out: Path, *, seeds: Path | None = None, dev: Path | None = None, synth: int = 0,
               synth_seed: int = 13, variants=VARIANTS, corpus: Path | None = None,
               only: set[str] | None = None) -> list[tuple[Source, dict[str, Path]]]:
    """Sources and their scans under ``out`` (sources in ``out/html``, scans in ``out/scans``); with
    ``only``, the sources of these names alone are scanned."""
    sources: list[Source] = []
    if seeds is not None:
        sources += seed_sources(seeds, out / "html")
    if dev is not None:
        sources += dev_sources(dev)
    if synth:
        sources += synth_sources(synth, synth_seed, out / "html")
    if corpus is not None:
        sources += corpus_sources(corpus, out / "html")
    if only:
        sources = [s for s in sources if s.name in only]
    made = []
    for s in sources:
        log.info("scanning %s", s.name)
        made.append((s, scan(s, out / "scans", variants)))
    return made


def main(argv: list[str] | None = None) -> int:
    shared = Path(os.environ.get("GAINLP_SHARED", Path(__file__).resolve().parents[3] / "shared"))
    parser = argparse.ArgumentParser(prog="python -m gainlp.evaluation.scans", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the HTML sources and the scans")
    parser.add_argument("--seeds", action="store_true", help="the seed reports (as simple HTML)")
    parser.add_argument("--dev", action="store_true", help="the dev set's published HTML pages")
    parser.add_argument("--synth", type=int, default=0, metavar="N", help="N synthetic reports")
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, of {', '.join(VARIANTS)}")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    made = make_scans(args.out, seeds=shared / "data" / "seeds" if args.seeds else None,
                      dev=shared / "data" / "dev" if args.dev else None, synth=args.synth,
                      variants=tuple(v for v in args.variants.split(",") if v))
    for source, scans in made:
        print(source.name, " ".join(str(p) for p in scans.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
