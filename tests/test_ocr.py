"""Scanned reports: the OCR reader, its table grids, mixed PDFs, page/box provenance, no network.

The scans are made here (``gainlp.evaluation.scans``): a seed report written as simple HTML, printed by
headless Chromium, rasterised by ``pdftoppm -r 150``, bound into image-only PDFs; once per test session.
OCR is slow on two cores, so the tests that run it read few pages (the full evaluation over every
variant is ``benchmarks/ocr_tables.py``). The unit tests of the table grid, the geometry map and the
missing-extra errors run without OCR.
"""
from __future__ import annotations

import json
import socket
import sys

import numpy as np
import pytest

from gainlp.document import Document, Placement
from gainlp.evaluation.scan_compare import cell_agreement, value_errors
from gainlp.pipeline import extract_document, locate_values
from gainlp.readers import ReadError, read
from gainlp.record import Provenance, Record, Source
from gainlp.template import TABLE_NAMES

from tests.conftest import SEEDS_DIR

SEED = "004_559d788ea7c049c3"

needs_ocr = pytest.mark.skipif(
    __import__("importlib").util.find_spec("rapidocr_onnxruntime") is None,
    reason="the OCR extra is not installed (pip install '.[ocr]')",
)
needs_printing = pytest.mark.skipif(
    bool(__import__("gainlp.convert", fromlist=["missing"]).missing("chromium", "pdftoppm")),
    reason="headless Chromium and pdftoppm make the scans (scripts/setup-system.sh)",
)


# ---------------------------------------------------------------------------------------------
# the scans, made once per session


@pytest.fixture(scope="session")
def seed_scan(tmp_path_factory):
    """The seed report as HTML, its Chromium PDF (with a text layer) and its page images."""
    import cv2

    from gainlp.evaluation import scans

    out = tmp_path_factory.mktemp("scans")
    gold = json.loads((SEEDS_DIR / f"{SEED}.gold.json").read_text(encoding="utf-8"))
    html = out / "seed.html"
    html.write_text(scans.seed_html((SEEDS_DIR / f"{SEED}.txt").read_text(encoding="utf-8"), gold), encoding="utf-8")
    printed = out / "seed.printed.pdf"
    scans.print_pdf(html, printed)
    pages = [cv2.imread(str(p), cv2.IMREAD_GRAYSCALE) for p in scans.pdf_pages(printed, out / "pages")]
    return {"dir": out, "html": html, "printed": printed, "pages": pages, "gold": gold}


def _image_pdf(seed_scan, name: str, variant: str = "clean", pages=None):
    from gainlp.evaluation import scans

    path = seed_scan["dir"] / f"{name}.pdf"
    if not path.is_file():
        chosen = seed_scan["pages"] if pages is None else [seed_scan["pages"][i] for i in pages]
        scans.image_pdf([scans.degrade(g, variant) for g in chosen], path, jpeg=variant == "jpeg")
    return path


@pytest.fixture(scope="session")
def clean_read(seed_scan):
    path = _image_pdf(seed_scan, "clean")
    return read(path), read(seed_scan["html"])


def _gold_tables(gold: dict) -> dict:
    return {name: gold.get(name) for name in TABLE_NAMES}


# ---------------------------------------------------------------------------------------------
# whole scans (OCR)


@needs_ocr
@needs_printing
def test_scan_reads_like_its_html(clean_read, seed_scan):
    scan, source = clean_read
    assert scan.format == "pdf" and scan.meta["ocr_pages"] == list(range(1, len(seed_scan["pages"]) + 1))
    assert scan.meta["box_unit"] == "pt" and scan.meta["ocr_tables_across_pages"] >= 1
    agreement = cell_agreement(source, scan)
    assert agreement.cells > 250 and agreement.share >= 0.98, agreement.diffs
    record = extract_document(scan)
    assert record.agency and record.year == seed_scan["gold"]["year"]
    errors = value_errors(record, _gold_tables(seed_scan["gold"]))
    assert errors.silent == [] and errors.same >= 0.98 * errors.cells
    # each table value points back to its page and box, inside the page
    cells = {k: p for k, p in record.provenance.items() if k.startswith("tables.") and p.end > p.start}
    assert cells and all(p.page is not None and p.box is not None for p in cells.values())
    for prov in cells.values():
        x0, top, x1, bottom = prov.box
        assert 0 <= x0 < x1 <= 595.5 and 0 <= top < bottom <= 842.5  # an A4 page, in points
        assert scan.text[prov.start:prov.end].strip()
    as_json = record.to_dict()["provenance"]
    key = next(iter(cells))
    assert as_json[key]["page"] == cells[key].page and len(as_json[key]["box"]) == 4


@needs_ocr
@needs_printing
def test_rotated_scan_reads_the_same_numbers(seed_scan, clean_read):
    _, source = clean_read
    scan = read(_image_pdf(seed_scan, "rot-1", "rot-1"))
    skews = scan.meta["ocr_skew_degrees"]  # the rotation that straightens each page
    assert len(skews) == len(seed_scan["pages"]) and all(abs(a - 1.0) <= 0.15 for a in skews.values())
    assert cell_agreement(source, scan).share >= 0.97
    errors = value_errors(extract_document(scan), extract_document(source).flat())
    assert errors.silent == [] and errors.same >= 0.97 * errors.cells


@needs_ocr
@needs_printing
def test_mixed_pdf_reads_text_pages_and_scanned_pages_in_order(seed_scan):
    import pypdfium2 as pdfium

    scanned = _image_pdf(seed_scan, "page2", pages=[1])
    mixed = seed_scan["dir"] / "mixed.pdf"
    pdf = pdfium.PdfDocument.new()
    pdf.import_pages(pdfium.PdfDocument(str(seed_scan["printed"])), [0])  # page 1 with its text layer
    pdf.import_pages(pdfium.PdfDocument(str(scanned)), [0])  # page 2 as a scan
    pdf.save(str(mixed))
    doc = read(mixed)
    assert doc.meta["pages"] == 2 and doc.meta["ocr_pages"] == [2]
    text_only = read(seed_scan["printed"])  # the text layer of page 1 reads as before
    first_line = text_only.text.split("\n")[0]
    assert doc.text.startswith(first_line)
    assert doc.tables and all(t.page in (1, 2) for t in doc.tables)
    pages = {p.page for p in doc.geometry}
    assert pages == {1, 2}
    # offsets run in page order
    last_on_1 = max(p.end for p in doc.geometry if p.page == 1)
    first_on_2 = min(p.start for p in doc.geometry if p.page == 2)
    assert last_on_1 <= first_on_2


@needs_ocr
@needs_printing
def test_page_image_offline_and_time_bounded(seed_scan, tmp_path, monkeypatch):
    """A PNG page reads with the network cut and HOME / caches pointing at an empty folder (the models
    load from the wheel); with a time budget spent, what is not read is missing, and a warning says so."""
    import cv2

    from gainlp.readers.ocr import engine as ocr_engine

    png = tmp_path / "page.png"
    cv2.imwrite(str(png), seed_scan["pages"][1])
    empty = tmp_path / "home"
    empty.mkdir()
    for var in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(var, str(empty))

    def refuse(*args, **kwargs):
        raise AssertionError("network access during OCR")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    ocr_engine.load_engine.cache_clear()  # load the models again, under the block
    try:
        doc = read(png)
    finally:
        ocr_engine.load_engine.cache_clear()
    assert doc.format == "image" and doc.meta["box_unit"] == "px"
    assert doc.tables and any(c.text for t in doc.tables for c in t.cells())
    # nothing downloaded into the (empty) home or caches: the one thing written there is onnxruntime's
    # own device-id file (~/.cache/Microsoft/DeveloperTools/.onnxruntime), a few bytes
    written = [f for f in empty.rglob("*") if f.is_file()]
    assert all("DeveloperTools" in str(f) and f.stat().st_size < 100_000 for f in written), written

    monkeypatch.setenv("GAINLP_OCR_PAGE_SECONDS", "0.001")  # CPU seconds: spent before the first box
    with pytest.raises(ReadError) as info:
        read(png)
    assert str(info.value).startswith(f"{png}: no text read (page 1: OCR stopped at its time limit")
    # half the boxes read: the rest missing, never made up
    from gainlp.readers.ocr import read_pages
    from gainlp.readers.ocr.page import PageImage

    monkeypatch.setattr(ocr_engine, "REC_CHUNK", 8)
    clock = iter(range(10**6))
    monkeypatch.setattr(ocr_engine.time, "process_time", lambda: next(clock))  # one "second" a look
    partial = read_pages([PageImage(1, seed_scan["pages"][1], 150, 1.0)], seconds=6)
    assert any("time limit" in w for w in partial.warnings)
    read_cells = [c.text for t in partial.pages[0].tables for row in t.grid for c in row if c is not None and c.text]
    full_cells = [c.text for t in doc.tables for c in t.cells() if c.text]
    assert 0 < len(read_cells) < len(full_cells)


# ---------------------------------------------------------------------------------------------
# without the extra


@pytest.fixture
def no_ocr(monkeypatch):
    from gainlp.readers.ocr import engine as ocr_engine

    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # import fails
    ocr_engine.load_engine.cache_clear()
    yield
    ocr_engine.load_engine.cache_clear()


def _blank_scan_pdf(path, pages: int = 1) -> None:
    from gainlp.evaluation.scans import image_pdf

    page = np.full((1754, 1240), 255, np.uint8)
    page[200:260, 150:1000] = 0  # something printed on it
    image_pdf([page] * pages, path)


def test_scanned_pdf_without_the_extra_says_how_to_install(tmp_path, no_ocr):
    path = tmp_path / "scan.pdf"
    _blank_scan_pdf(path)
    with pytest.raises(ReadError) as info:
        read(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    assert "pip install 'gainlp[ocr]'" in message and "no text layer" in message


def test_page_image_without_the_extra_says_how_to_install(tmp_path, no_ocr):
    from PIL import Image

    path = tmp_path / "page.png"
    Image.new("L", (200, 100), 255).save(path)
    with pytest.raises(ReadError, match=r"page\.png: .*pip install 'gainlp\[ocr\]'"):
        read(path)


def test_mixed_pdf_without_the_extra_reads_its_text_pages(tmp_path, no_ocr):
    import pypdfium2 as pdfium

    from tests.test_readers import make_pdf

    text = tmp_path / "text.pdf"
    text.write_bytes(make_pdf([[(72, 100, 12, "Annual report of an agency, page one of two.")]]))
    scan = tmp_path / "scan.pdf"
    _blank_scan_pdf(scan)
    mixed = tmp_path / "mixed.pdf"
    pdf = pdfium.PdfDocument.new()
    pdf.import_pages(pdfium.PdfDocument(str(text)))
    pdf.import_pages(pdfium.PdfDocument(str(scan)))
    pdf.save(str(mixed))
    doc = read(mixed)
    assert "page one of two" in doc.text
    assert any("scanned pages not read (page 2)" in w and "gainlp[ocr]" in w for w in doc.warnings)


def test_corrupt_image(tmp_path):
    path = tmp_path / "broken.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 50)
    with pytest.raises(ReadError, match=r"broken\.jpg: "):
        read(path)


# ---------------------------------------------------------------------------------------------
# the table grid from rules (no OCR)


def _table_image():
    """A drawn table: a header cell over two columns, a label cell over two rows, text-like strokes."""
    img = np.full((400, 700), 255, np.uint8)
    xs, ys = [50, 250, 450, 650], [50, 120, 190, 260, 330]
    for y in ys:
        img[y:y + 2, 50:652] = 0
    for x in xs:
        img[50:332, x:x + 2] = 0
    img[50:120, 450:452] = 255  # the header row: columns 2 and 3 merged
    img[190:192, 50:250] = 255  # the first column: rows 2 and 3 merged
    img[150:153, 270:330] = 0  # strokes of characters side by side, not a rule
    img[150:153, 335:380] = 0
    return img


# (rowspan, colspan) of the drawn table's cells; None where a span covers the position
TABLE_SPANS = [
    [(1, 1), (1, 2), None],
    [(2, 1), (1, 1), (1, 1)],
    [None, (1, 1), (1, 1)],
    [(1, 1), (1, 1), (1, 1)],
]


def _spans(grid):
    return [[(c.rowspan, c.colspan) if c else None for c in row] for row in grid]


def test_ruled_grid_with_merged_cells():
    from gainlp.readers.ocr import rules
    from gainlp.readers.ocr.grid import Fragment, build
    from gainlp.readers.ocr.page import _frames

    img = _table_image()
    hs, vs, _ = rules.ruling_segments(rules.binarize(img), 150)
    assert all(abs(h.pos - 151) > 5 for h in hs)  # the text strokes are no rule
    frames = _frames(hs, vs, 6)
    assert len(frames) == 1
    built = build([Fragment(frames[0], 1, lambda g: (0, 0, 0, 0), top=frames[0].y0, bottom=frames[0].y1)], 6)
    assert _spans(built.grid) == TABLE_SPANS


def test_a_table_cut_by_a_page_break_is_one_table():
    from gainlp.readers.ocr import rules
    from gainlp.readers.ocr.grid import Fragment, build
    from gainlp.readers.ocr.page import _frames

    img = _table_image()
    top, bottom = img[:225], np.vstack([np.full((40, 700), 255, np.uint8), img[225:]])  # cut mid-row
    fragments = []
    for number, part in ((1, top), (2, bottom)):
        hs, vs, _ = rules.ruling_segments(rules.binarize(part), 150)
        frame = _frames(hs, vs, 6)[0]
        fragments.append(Fragment(frame, number, lambda g: (0, 0, 0, 0), top=frame.y0, bottom=frame.y1))
    fragments[1].offset = fragments[0].bottom - fragments[1].top
    built = build(fragments, 6)
    assert _spans(built.grid) == TABLE_SPANS  # the cut cell is whole again


def test_skew_is_measured():
    import cv2

    from gainlp.readers.ocr import rules

    img = _table_image()
    for angle in (0.0, 1.0, -1.0):
        m = cv2.getRotationMatrix2D((350, 200), angle, 1.0)
        turned = cv2.warpAffine(img, m, (700, 400), borderValue=255)
        assert abs(rules.skew_angle(turned) + angle) <= 0.1


# ---------------------------------------------------------------------------------------------
# page and box of every value


def test_locate_values_sets_page_and_box():
    doc = Document.from_text("行政许可\t12\t3")
    doc.geometry = [Placement(0, 4, 1, (10, 20, 50, 30)), Placement(5, 6, 2, (60, 20, 65, 30)),
                    Placement(6, 7, 2, (65, 20, 70, 30)), Placement(8, 9, 2, (80, 20, 85, 30))]
    record = Record(source=Source(None, "", "pdf"))
    record.provenance = {"a": Provenance("rules", 5, 7), "b": Provenance("rules", 8, 9),
                         "c": Provenance("rules", 4, 5), "d": Provenance("rules", 3, 6)}
    locate_values(record, doc)
    assert (record.provenance["a"].page, record.provenance["a"].box) == (2, [60, 20, 70, 30])
    assert (record.provenance["b"].page, record.provenance["b"].box) == (2, [80, 20, 85, 30])
    assert record.provenance["c"].page is None  # the tab between cells stands nowhere
    assert record.provenance["d"].page == 1 and record.provenance["d"].box == [10, 20, 50, 30]  # first page
    out = record.to_dict()["provenance"]
    assert out["a"]["page"] == 2 and out["a"]["box"] == [60, 20, 70, 30]
    assert "page" not in out["c"] and "box" not in out["c"]
    back = Record.from_dict(json.loads(json.dumps(record.to_dict())))
    assert back.provenance["a"].box == [60, 20, 70, 30] and back.provenance["c"].page is None


def test_text_pdf_fills_the_geometry_too():
    from tests.test_readers import HUAIAN

    if not HUAIAN.is_file():
        pytest.skip("the real PDF is missing")
    doc = read(HUAIAN)
    record = extract_document(doc)
    prov = record.provenance["tables.applications.new_received.total"]
    assert doc.text[prov.start:prov.end] == "3119"
    assert prov.page is not None and prov.box is not None
    x0, top, x1, bottom = prov.box
    assert x0 < x1 and top < bottom and x1 <= 600


# ---------------------------------------------------------------------------------------------
# the seed written as HTML (the source of the scans) holds the seed's numbers


def test_seed_html_holds_the_gold_tables(tmp_path):
    from gainlp.evaluation.scans import seed_html

    for txt in sorted(SEEDS_DIR.glob("*.txt")):
        gold = json.loads(txt.with_suffix(".gold.json").read_text(encoding="utf-8"))
        path = tmp_path / f"{txt.stem}.html"
        path.write_text(seed_html(txt.read_text(encoding="utf-8"), gold), encoding="utf-8")
        record = extract_document(read(path))
        errors = value_errors(record, _gold_tables(gold))
        assert errors.wrong == [] and errors.null == 0, (txt.name, errors.wrong)
        assert len(read(path).tables) == 3


def test_corpus_sources_are_pages_of_the_reports_with_template_tables(tmp_path):
    """benchmarks/ocr_tables.py --corpus: each report text of a folder written as the page it came from;
    a report from before the template tables (no tables to print) is left out."""
    from tests.conftest import SHARED
    from gainlp.evaluation.scans import corpus_sources
    import gainlp

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("gaj-2009-80645", "zrz-2019-80572"):
        src = SHARED / "data" / "corpus" / "pingtan" / f"{name}.txt"
        (corpus / src.name).write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    sources = corpus_sources(corpus, tmp_path / "html")
    assert [s.name for s in sources] == ["corpus-zrz-2019-80572"] and sources[0].gold is None
    text = (corpus / "zrz-2019-80572.txt").read_text(encoding="utf-8")
    assert gainlp.extract(sources[0].html, model=None).flat() == gainlp.extract(text, model=None).flat()
