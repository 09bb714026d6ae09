"""The review site in a real browser (headless Chromium driven by Selenium).

The pages are built from the bundled examples; the tests click a cell and check its span lights up, click
the text and check its cell lights up, correct a cell and a span and read the corrections JSON the page
downloads (then feed it to `gainlp evaluate` and the annotation reader), open an ambiguous cell, and
check that a report full of markup runs none of it. ``GAINLP_UPDATE_SCREENSHOT=1`` makes the screenshot
test write the README's docs/review-page.png.
"""
from __future__ import annotations

import json
import os
import shutil
import struct
import time
from pathlib import Path

import pytest

from gainlp.cli.main import main
from gainlp.record import Record
from tests.browser import chromium, missing_browser, wait_for

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
pytestmark = pytest.mark.skipif(missing_browser() is not None, reason=str(missing_browser()))

FAILING = "002_af43464f076faa0e"      # its applications table fails two checks
BLANKS = "000_b2a178df0c812b22"       # printed blank cells


def _extract(out: Path, names: list[str], model: bool = False) -> None:
    files = [str(EXAMPLES / f"{n}.txt") for n in names]
    assert main(["extract", *files, "-o", str(out), "-q", *([] if model else ["--no-model"]), "--review"]) == 0


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("review-out")
    _extract(out, [p.stem for p in sorted(EXAMPLES.glob("*.txt"))])
    return out


def _open(driver, path: Path):
    driver.get(path.resolve().as_uri())
    wait_for(driver, lambda d: d.execute_script("return document.body.dataset.ready === '1' || "
                                                "document.body.classList.contains('index-page')"))


def _record(out: Path, name: str) -> Record:
    return Record.from_dict(json.loads((out / f"{name}.json").read_text(encoding="utf-8")))


def _text(out: Path, name: str) -> str:
    rec = _record(out, name)
    return (REPO / rec.source.path).read_text(encoding="utf-8") if not Path(rec.source.path).is_absolute() \
        else Path(rec.source.path).read_text(encoding="utf-8")


def test_index_is_a_review_queue_with_filters(site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    with chromium() as d:
        _open(d, site / "review" / "index.html")
        rows = d.find_elements(By.CSS_SELECTOR, "#queue tbody tr.qrow")
        assert len(rows) == 5
        # the style sheet is there (offline, from the site's own assets)
        assert d.execute_script("return getComputedStyle(document.querySelector('#queue th')).position") == "sticky"
        assert rows[0].get_attribute("data-name") == FAILING  # failed checks first
        assert rows[0].get_attribute("data-status") == "failed checks"
        Select(d.find_element(By.ID, "f-status")).select_by_value("ok")
        shown = [r for r in d.find_elements(By.CSS_SELECTOR, "#queue tbody tr.qrow") if r.is_displayed()]
        assert FAILING not in [r.get_attribute("data-name") for r in shown]
        assert d.find_element(By.ID, "shown").text == f"showing {len(shown)} of 5"
        Select(d.find_element(By.ID, "f-status")).select_by_value("")
        Select(d.find_element(By.ID, "f-year")).select_by_value("2021")
        years = {r.get_attribute("data-year") for r in d.find_elements(By.CSS_SELECTOR, "#queue tbody tr.qrow")
                 if r.is_displayed()}
        assert years == {"2021"}
        d.find_element(By.CSS_SELECTOR, "#queue tbody tr.qrow:not([hidden]) td.file a").click()
        wait_for(d, lambda d: d.execute_script("return document.body.dataset.ready === '1'"))
        assert "/reports/" in d.current_url


def test_click_cell_lights_its_span_and_click_span_lights_its_cell(site):
    from selenium.webdriver.common.by import By

    rec = _record(site, FAILING)
    text = _text(site, FAILING)
    key = "tables.applications.new_received.total"
    prov = rec.provenance[key]
    with chromium() as d:
        _open(d, site / "review" / "reports" / f"{FAILING}.html")
        d.find_element(By.CSS_SELECTOR, f'td[data-key="{key}"]').click()
        hits = d.find_elements(By.CSS_SELECTOR, "#text mark.hit")
        assert hits, "no span highlighted"
        assert "".join(h.text for h in hits) == text[prov.start:prov.end]
        assert all(key in h.get_attribute("data-ids").split() for h in hits)
        assert d.find_element(By.ID, "inspector").is_displayed()
        # the other way: a metric's span in the text lights up its value
        metric = d.find_element(By.CSS_SELECTOR, '#text mark[data-ids~="narrative_metrics.0"]')
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", metric)
        metric.click()
        cell = d.find_element(By.CSS_SELECTOR, 'td[data-key="narrative_metrics.0"]')
        assert "sel" in cell.get_attribute("class").split()
        # a failed check lights up the cells it compares
        d.find_element(By.CSS_SELECTOR, '#failed-checks [data-check="applications.total_row.total"]').click()
        lit = {e.get_attribute("data-key") for e in d.find_elements(By.CSS_SELECTOR, "td.chk")}
        assert "tables.applications.total.total" in lit and "tables.applications.granted.total" in lit
        # layer toggle: hiding the rules' spans removes them from the text
        n_rules = len(d.find_elements(By.CSS_SELECTOR, "#text mark.ly-rules"))
        assert n_rules > 0
        d.find_element(By.CSS_SELECTOR, 'input[data-layer="rules"]').click()
        assert not d.find_elements(By.CSS_SELECTOR, "#text mark.ly-rules")


def test_edit_cell_and_span_then_download_corrections(site, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    key = "tables.applications.total.natural_person"
    rec = _record(site, FAILING)
    was = rec.cell("applications", "total", "natural_person")
    with chromium(download_dir=downloads) as d:
        _open(d, site / "review" / "reports" / f"{FAILING}.html")
        d.execute_script("localStorage.clear()")
        d.find_element(By.CSS_SELECTOR, f'td[data-key="{key}"]').click()
        box = d.find_element(By.ID, "edit-value")
        box.clear()
        box.send_keys("2\n")
        cell = d.find_element(By.CSS_SELECTOR, f'td[data-key="{key}"]')
        assert "edited" in cell.get_attribute("class").split()
        assert cell.find_element(By.CSS_SELECTOR, ".new").text == "2"
        # a span: relabel the first metric's span and move its end one character back
        span_key = "narrative_metrics.0"
        d.execute_script("window.gainlpReview.select(arguments[0])", span_key)
        Select(d.find_element(By.ID, "span-label")).select_by_value("METRIC_SUBJECT")
        end = d.find_element(By.ID, "span-end")
        old_end = int(end.get_attribute("value"))
        end.clear()
        end.send_keys(str(old_end - 1))
        d.find_element(By.XPATH, "//div[@class='span-edit']/button[text()='Apply']").click()
        assert d.find_element(By.ID, "edit-count").text == "2 corrections"
        d.find_element(By.ID, "download").click()
        path = wait_for(d, lambda d: next(iter(downloads.glob("*.corrections.json")), None))
        time.sleep(0.2)
    got = json.loads(path.read_text(encoding="utf-8"))
    assert path.name == f"{FAILING}.corrections.json"
    assert got["gainlp"] == "corrections" and got["version"] == 1 and got["id"] == FAILING
    assert got["values"] == [{"key": key, "was": was, "value": 2}]
    prov = rec.provenance[span_key]
    assert got["spans"] == [{"key": span_key, "was": {"start": prov.start, "end": prov.end, "label": "METRIC_VALUE"},
                             "start": prov.start, "end": old_end - 1, "label": "METRIC_SUBJECT"}]
    assert got["text"] == _text(site, FAILING)
    assert got["record"] == json.loads((site / f"{FAILING}.json").read_text(encoding="utf-8"))

    # the loop closes: gold for `gainlp evaluate`, annotations for `gainlp train`
    from gainlp.annotations import read_annotations
    from gainlp.evaluation.evaluate import load_cases

    case, = load_cases([path])
    assert case.gold["applications"]["total.natural_person"] == 2
    doc, = read_annotations(path)
    assert (prov.start, old_end - 1, "METRIC_SUBJECT") in doc.spans
    assert main(["evaluate", str(path), "--no-model", "-o", str(tmp_path / "scores.json")]) == 0
    scores = json.loads((tmp_path / "scores.json").read_text())
    assert scores["rules"]["table_cells"]["applications"] == 175
    assert scores["rules"]["table_cell_accuracy"]["applications"] == round(174 / 175, 4)  # the corrected cell


def test_ambiguous_cell_shows_candidates_and_a_candidate_settles_it(tmp_path):
    from selenium.webdriver.common.by import By

    out = tmp_path / "out"
    _extract(out, [BLANKS])
    record = json.loads((out / f"{BLANKS}.json").read_text(encoding="utf-8"))
    key = "tables.applications.new_received.natural_person"
    record["tables"]["applications"]["new_received"]["natural_person"] = None
    record["provenance"][key]["candidates"] = [8, 85]
    (out / f"{BLANKS}.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    assert main(["review", str(out), "-q"]) == 0
    with chromium() as d:
        _open(d, out / "review" / "index.html")
        row = d.find_element(By.CSS_SELECTOR, "#queue tbody tr.qrow")
        assert row.get_attribute("data-status") == "ambiguous cells"
        _open(d, out / "review" / "reports" / f"{BLANKS}.html")
        cell = d.find_element(By.CSS_SELECTOR, f'td[data-key="{key}"]')
        assert "k-ambiguous" in cell.get_attribute("class").split()
        assert cell.find_element(By.CSS_SELECTOR, ".cand").text == "8 | 85"
        blank = d.find_element(By.CSS_SELECTOR, 'td[data-key="tables.applications.new_received.social_welfare"]')
        assert "k-blank" in blank.get_attribute("class").split()
        zero = d.find_element(By.CSS_SELECTOR, 'td[data-key="tables.applications.new_received.commercial"]')
        assert "k-zero" in zero.get_attribute("class").split()
        cell.click()
        d.find_element(By.XPATH, "//button[text()='use 85']").click()
        corr = d.execute_script("return window.gainlpReview.corrections()")
        assert corr["values"] == [{"key": key, "was": None, "value": 85}]
        # a printed blank is a point in the text: clicking its cell lights the marker there
        blank.click()
        marks = d.find_elements(By.CSS_SELECTOR, "#text mark.gap.hit")
        assert len(marks) == 1


EVIL = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


def test_markup_in_a_report_never_runs(tmp_path):
    from selenium.webdriver.common.by import By

    text = (EXAMPLES / f"{BLANKS}.txt").read_text(encoding="utf-8")
    text = text.replace("一、总体情况", "一、总体情况\n" + EVIL + "</script><script>window.__pwned = 3</script>", 1)
    evil_name = 'evil"><img src=y onerror=window.__pwned=5>'
    src = tmp_path / f"{evil_name}.txt"
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["review", str(src), "-o", str(out), "--no-model", "--no-open", "-q"]) == 0
    name = next(out.glob("*.json")).stem
    record = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
    record["agency"] = '<img src=z onerror="window.__pwned = 4">局'
    record["warnings"].append(EVIL)
    (out / f"{name}.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    assert main(["review", str(out), "-q"]) == 0
    with chromium() as d:
        for page in (out / "review" / "index.html", out / "review" / "reports" / f"{name}.html"):
            _open(d, page)
            time.sleep(0.3)
            assert d.execute_script("return window.__pwned") is None
            assert d.find_elements(By.CSS_SELECTOR, "img") == []
            assert d.execute_script("return document.querySelectorAll('script:not([src]):not([type])').length") == 0
        assert EVIL in d.find_element(By.ID, "text").text.replace("\n", "")
        assert record["agency"] in d.find_element(By.CSS_SELECTOR, "h1 .agency").text
        d.find_element(By.CSS_SELECTOR, 'td[data-key="agency"]').click()
        assert d.execute_script("return window.__pwned") is None


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_screenshot_of_a_report_page(tmp_path, monkeypatch):
    """The README's screenshot: the bundled PDF report extracted with the shipped model, a cell picked."""
    from selenium.webdriver.common.by import By

    out = tmp_path / "out"
    monkeypatch.chdir(REPO)  # the page shows the source path as given: examples/huaian-2024.pdf
    assert main(["review", "examples/huaian-2024.pdf", "-o", str(out), "--no-open", "-q"]) == 0
    # the same agency's previous year beside it: the same report as a 2023 record with two changed cells
    record = json.loads((out / "huaian-2024.json").read_text(encoding="utf-8"))
    record["year"] = 2023
    record["tables"]["applications"]["new_received"]["total"] += 7
    record["tables"]["applications"]["granted"]["total"] -= 3
    (out / "huaian-2023.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    assert main(["review", str(out), "-q"]) == 0
    shot = tmp_path / "review-page.png"
    with chromium(width=1600, height=1000) as d:
        _open(d, out / "review" / "reports" / "huaian-2024.html")
        assert d.find_element(By.ID, "prev-link").text == "← 2023"
        prev = d.find_element(By.CSS_SELECTOR, 'td[data-key="tables.applications.new_received.total"] .prev')
        assert "chg" in prev.get_attribute("class").split()
        d.execute_script("document.getElementById('t-applications').scrollIntoView()")
        d.find_element(By.CSS_SELECTOR, 'td[data-key="tables.applications.granted.natural_person"]').click()
        time.sleep(0.3)
        d.save_screenshot(str(shot))
    width, height = _png_size(shot)
    assert width >= 1200 and height >= 700
    assert shot.stat().st_size > 50_000  # a page, not a blank canvas
    if os.environ.get("GAINLP_UPDATE_SCREENSHOT"):
        (REPO / "docs").mkdir(exist_ok=True)
        shutil.copyfile(shot, REPO / "docs" / "review-page.png")


def test_page_without_its_text_says_so_and_still_shows_the_values(tmp_path):
    from selenium.webdriver.common.by import By

    out = tmp_path / "out"
    _extract(out, [BLANKS])
    record = json.loads((out / f"{BLANKS}.json").read_text(encoding="utf-8"))
    record["source"]["path"] = str(tmp_path / "moved-away.txt")
    (out / f"{BLANKS}.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    shutil.rmtree(out / "text", ignore_errors=True)
    assert main(["review", str(out), "-q"]) == 0
    with chromium() as d:
        _open(d, out / "review" / "reports" / f"{BLANKS}.html")
        assert "The report text is not available" in d.find_element(By.ID, "text-note").text
        assert d.find_elements(By.CSS_SELECTOR, "#text mark") == []
        cell = d.find_element(By.CSS_SELECTOR, 'td[data-key="tables.applications.total.total"]')
        assert cell.text.split("\n")[0] == str(record["tables"]["applications"]["total"]["total"])
        cell.click()
        assert "not available" in d.find_element(By.ID, "inspector").text
