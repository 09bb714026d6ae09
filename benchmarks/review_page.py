"""Size and render time of a review page for a 350,000-character report, in headless Chromium.

    python benchmarks/review_page.py [--chars 350000] [--runs 3]

The report: the bundled real PDF report (examples/huaian-2024.pdf, 淮安市人民政府 2024) as its reader
gives it, with the prose of its section 一 (about 1,300 characters, 24 figures) repeated until the text
reaches --chars; its tables and other sections stay as printed. It is extracted with the rules
(``--no-model``), the site is built, and the page is opened --runs times in a fresh headless Chromium:
time to a drawn page (navigation start to the page's script done), the script's own drawing time, a click
on a cell (span lit and scrolled to), a corrected cell value, a relabelled span (its stretch of text
redrawn) and hiding the rules layer (all the text redrawn). Prints a table and
writes benchmarks/results/review_page.json.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gainlp.pipeline import extract_document  # noqa: E402
from gainlp.readers import read  # noqa: E402
from gainlp.review import build_site, extract_for_review  # noqa: E402

RESULT = ROOT / "benchmarks" / "results" / "review_page.json"
SOURCE = ROOT / "examples" / "huaian-2024.pdf"
CELL = "tables.applications.new_received.total"

CLICK_JS = """
const t = performance.now();
window.gainlpReview.select(arguments[0]);
document.body.offsetHeight;
return [performance.now() - t, document.querySelectorAll('#text mark.hit').length];
"""
EDIT_JS = """
window.gainlpReview.select(arguments[0]);
const input = document.getElementById('edit-value');
input.value = '12345';
const t = performance.now();
document.getElementById('edit-form').requestSubmit();
document.body.offsetHeight;
return performance.now() - t;
"""
SPAN_JS = """
window.gainlpReview.select(arguments[0]);
document.getElementById('span-label').value = 'METRIC_SUBJECT';
const apply = Array.from(document.querySelectorAll('.span-edit button')).find((b) => b.textContent === 'Apply');
const t = performance.now();
apply.click();
document.body.offsetHeight;
return performance.now() - t;
"""
TOGGLE_JS = """
const box = document.querySelector('input[data-layer="rules"]');
const t = performance.now();
box.click();
document.body.offsetHeight;
return performance.now() - t;
"""
TIMING_JS = """
const n = performance.getEntriesByType('navigation')[0];
return {dom_content_loaded_ms: n.domContentLoadedEventEnd, load_ms: n.loadEventEnd,
        script_ms: Number(document.body.dataset.renderMs),
        marks: document.querySelectorAll('#text mark').length,
        text_chars: document.getElementById('text').textContent.length};
"""


def big_text(chars: int) -> str:
    doc = read(SOURCE)
    record = extract_document(doc)
    s1 = next(s for s in record.sections if s.number == 1)
    heading_end = doc.text.index("\n", s1.start) + 1
    prose = doc.text[heading_end:s1.end]
    need = max(0, chars - len(doc.text))
    filler = (prose * (need // len(prose) + 1))[:need]
    # the last copy cut short: the text is exactly `chars` long
    return doc.text[:s1.end] + filler + doc.text[s1.end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=350_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULT)
    args = parser.parse_args(argv)
    from tests.browser import chromium, missing_browser, wait_for

    why = missing_browser()
    if why:
        print(f"review_page: {why}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="gainlp-review-bench-") as tmp:
        tmp = Path(tmp)
        text = big_text(args.chars)
        report = tmp / "big-report.txt"
        report.write_text(text, encoding="utf-8")
        out = tmp / "out"
        t0 = time.perf_counter()
        name = extract_for_review(report, out, model=None)
        t1 = time.perf_counter()
        site = build_site(out)
        t2 = time.perf_counter()
        record = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
        page = site.site / "reports" / f"{name}.html"
        assets = sum(f.stat().st_size for f in (site.site / "assets").iterdir())
        page_bytes = page.stat().st_size
        runs = []
        for _ in range(args.runs):
            with chromium(width=1600, height=1000) as d:
                start = time.perf_counter()
                d.get(page.resolve().as_uri())
                wait_for(d, lambda d: d.execute_script("return document.body.dataset.ready === '1'"), timeout=120)
                wall = (time.perf_counter() - start) * 1000
                timing = d.execute_script(TIMING_JS)
                click_ms, hits = d.execute_script(CLICK_JS, CELL)
                edit_ms = d.execute_script(EDIT_JS, CELL)
                span_ms = d.execute_script(SPAN_JS, f"narrative_metrics.{len(record['narrative_metrics']) // 2}")
                toggle_ms = d.execute_script(TOGGLE_JS)
                runs.append({"ready_wall_ms": round(wall), **{k: round(v) if isinstance(v, float) else v
                                                               for k, v in timing.items()},
                             "click_cell_ms": round(click_ms, 1), "hits": hits, "edit_value_ms": round(edit_ms, 1),
                             "edit_span_ms": round(span_ms, 1), "toggle_layer_ms": round(toggle_ms, 1)})
        assert all(r["text_chars"] == len(text) for r in runs), "the page does not show the whole text"

    def med(key):
        return statistics.median(r[key] for r in runs)

    result = {
        "measured": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.system()}, python {platform.python_version()}",
        "command": " ".join(["python benchmarks/review_page.py", *(argv if argv is not None else sys.argv[1:])]),
        "text_chars": len(text),
        "spans": len(record["provenance"]) + len(record["sections"]),
        "narrative_metrics": len(record["narrative_metrics"]),
        "extract_s": round(t1 - t0, 2),
        "build_site_s": round(t2 - t1, 2),
        "page_bytes": page_bytes,
        "assets_bytes": assets,
        "runs": runs,
        "median": {k: med(k) for k in ("ready_wall_ms", "dom_content_loaded_ms", "load_ms", "script_ms",
                                        "click_cell_ms", "edit_value_ms", "edit_span_ms", "toggle_layer_ms")},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    rows = [("text", f"{result['text_chars']:,} characters, {result['spans']:,} spans "
                     f"({result['narrative_metrics']:,} prose figures)"),
            ("page", f"{result['page_bytes'] / 1e6:.2f} MB HTML + {assets / 1e3:.0f} kB script and style"),
            ("build", f"extract {result['extract_s']} s (rules), site {result['build_site_s']} s"),
            ("open → drawn", f"{result['median']['ready_wall_ms']:.0f} ms (script {result['median']['script_ms']:.0f} ms), "
                             f"median of {len(runs)}"),
            ("click a cell", f"{result['median']['click_cell_ms']:.1f} ms"),
            ("correct a value", f"{result['median']['edit_value_ms']:.1f} ms"),
            ("relabel a span", f"{result['median']['edit_span_ms']:.1f} ms (its chunk of text redrawn)"),
            ("hide a layer", f"{result['median']['toggle_layer_ms']:.1f} ms (all the text redrawn)")]
    width = max(len(k) for k, _ in rows)
    print("\n".join(f"{k.ljust(width)}  {v}" for k, v in rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
