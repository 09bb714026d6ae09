"""Writing the review site: ``OUT/review/index.html`` (the review queue), one page per record under
``OUT/review/reports/`` and the page's script and style under ``OUT/review/assets/``.

The site is static and offline: no server, no CDN, nothing fetched. Report text is untrusted: pages are
rendered by Jinja2 with autoescaping, the data a page's script reads sits in a
``<script type="application/json">`` block with ``<``, ``>`` and ``&`` escaped, the script puts text
into the page only through ``textContent``, and a Content-Security-Policy allows no inline script.
Every file is written atomically (gainlp.outputs); pages of records no longer in OUT are removed.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from gainlp.outputs import ERRORS_JSONL, atomic_write_bytes, atomic_write_text
from gainlp.record import Record
from gainlp.review.shapes import table_shape
from gainlp.review.texts import load_text
from gainlp.review.views import KIND_TEXT, LOW_CONFIDENCE, ReportView, build_view, link_years, page_file
from gainlp.template import TABLE_NAMES

log = logging.getLogger(__name__)

SITE_DIR = "review"
ASSETS = ("review.css", "report.js", "index.js")
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "base-uri 'none'; form-action 'none'")
TEMPLATE_NAMES = {"2021": "国办公开办函〔2021〕30号", "2019": "国办公开办函〔2019〕60号"}


@dataclass
class SiteResult:
    site: Path
    pages: int = 0
    errors: list[str] = field(default_factory=list)  # records that could not be read (one line each)
    seconds: float = 0.0

    @property
    def index(self) -> Path:
        return self.site / "index.html"


def script_json(data) -> str:
    """JSON safe inside a <script> element: no "</script>", no "<!--", no HTML entity."""
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            .replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _env() -> Environment:
    env = Environment(loader=PackageLoader("gainlp.review", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(CSP=CSP, TEMPLATE_NAMES=TEMPLATE_NAMES, KIND_LEGEND=KIND_TEXT, TABLE_NAMES=TABLE_NAMES,
                       LOW_CONFIDENCE=LOW_CONFIDENCE)
    return env


def is_record(obj) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("source"), dict) and "tables" in obj


def load_records(outdir: Path) -> tuple[dict[str, Record], list[str]]:
    """The records ``gainlp extract`` wrote in ``outdir`` (``<name>.json``), and one-line errors for the
    JSON files there that are not readable records."""
    records: dict[str, Record] = {}
    errors: list[str] = []
    for f in sorted(Path(outdir).glob("*.json")):
        try:
            obj = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            errors.append(f"{f}: not a readable record ({exc})")
            continue
        if not is_record(obj):
            continue  # another JSON file (scores, a config): not ours to show
        try:
            records[f.stem] = Record.from_dict(obj)
        except (TypeError, KeyError, ValueError) as exc:
            errors.append(f"{f}: not a gainlp record ({exc})")
    return records, errors


def _batch_errors(outdir: Path) -> list[dict]:
    path = Path(outdir) / ERRORS_JSONL
    out = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                out.append({"path": str(obj.get("path", "")), "error": str(obj.get("error", ""))})
    return out


def _copy_assets(site: Path) -> None:
    static = resources.files("gainlp.review") / "static"
    for name in ASSETS:
        atomic_write_bytes(site / "assets" / name, (static / name).read_bytes())


def render_report(env: Environment, view: ReportView) -> str:
    shapes = [table_shape(name, view.template) for name in TABLE_NAMES]
    return env.get_template("report.html").render(
        v=view, r=view.record, shapes=shapes, data_json=script_json(view.data()),
        prev_page=(Path(page_file(view.prev_name)).name if view.prev_name else None),
        next_page=(Path(page_file(view.next_name)).name if view.next_name else None))


def build_site(outdir: str | Path, progress: bool = False) -> SiteResult:
    """Write the review site for the records in ``outdir`` into ``outdir/review`` (see the module)."""
    started = time.perf_counter()
    outdir = Path(outdir)
    site = outdir / SITE_DIR
    records, errors = load_records(outdir)
    result = SiteResult(site=site, errors=errors)
    env = _env()
    links = link_years(records)
    names = sorted(records)
    iterator = names
    if progress:
        import sys

        from tqdm import tqdm

        iterator = tqdm(names, desc="review", unit="page", file=sys.stderr)
    rows = []
    for name in iterator:
        record = records[name]
        prev_name, next_name = links[name]
        try:
            view = build_view(name, record, load_text(outdir, name, record),
                              prev=records[prev_name] if prev_name else None, prev_name=prev_name)
            view.next_name = next_name
            atomic_write_text(site / page_file(name), render_report(env, view))
        except Exception as exc:  # one bad record never stops the site: it is reported on one line
            log.debug("review page of %s failed", name, exc_info=True)
            result.errors.append(f"{outdir / (name + '.json')}: no review page ({type(exc).__name__}: {exc})")
            continue
        rows.append(view)
        result.pages += 1
    rows.sort(key=ReportView.sort_key)
    stale = site / "reports"
    if stale.is_dir():
        keep = {Path(page_file(v.name)).name for v in rows}
        for f in stale.glob("*.html"):
            if f.name not in keep:
                f.unlink()
    _copy_assets(site)
    index = env.get_template("index.html").render(
        rows=[v.queue_row() for v in rows], views=rows, outdir=str(outdir), page_file=page_file,
        batch_errors=_batch_errors(outdir), record_errors=result.errors)
    atomic_write_text(site / "index.html", index)
    result.seconds = time.perf_counter() - started
    return result


__all__ = ["SITE_DIR", "SiteResult", "build_site", "load_records", "render_report", "script_json", "is_record"]
