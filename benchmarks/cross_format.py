"""Every form of a report against its HTML: the record of each form that real converters make from a
page must equal the page's record.

Pages: the dev set's published pages (../shared/data/dev/*-page.html), the seeds written as portal pages
(gainlp.synth.files.record_page), synthetic portal pages of both templates (gainlp synth) and, with
``--corpus``, every report of a folder of texts written as a page the same way (the real prose of the
corpus, its tables as the official grid holding what the rules read from the text). Forms, each
made by the real program (gainlp.convert): the page printed to PDF by headless Chromium, that PDF's
``pdftotext -layout`` text, a DOCX saved by LibreOffice, and that DOCX exported to PDF by LibreOffice as an
office publishes its report ("office pdf", and its pdftotext text). Per form: table cells equal to the page's
(null where the page has a number counts as not equal, a different number as wrong), and agency, year,
template and section titles equal, and the narrative metrics (subject, value, unit) the same.
Besides the pages, ``--office`` synthetic reports written into the official DOCX form are exported to PDF
by LibreOffice (narrow cells that wrap big numbers, a 总计 cell set at the top of a tall row, digits set
apart from Chinese), and that PDF and its pdftotext text are compared with the DOCX's record.

    .venv/bin/python benchmarks/cross_format.py [--synth 4] [--office 20] [--corpus ../shared/data/corpus/pingtan] [--out …]

Writes a table and the JSON; exit status 1 when any form states a number the page does not.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import gainlp  # noqa: E402
from gainlp.convert import docx_to_pdf, page_forms, pdf_to_text  # noqa: E402
from gainlp.template import TABLE_NAMES  # noqa: E402

SHARED = REPO.parent / "shared"


def pages(workdir: Path, n_synth: int, corpus: Path | None = None) -> list[tuple[str, Path]]:
    """(id, HTML page) of every page to convert."""
    from gainlp.evaluation.scans import corpus_sources
    from gainlp.synth import generate

    out = [(p.stem, p) for p in sorted((SHARED / "data" / "dev").glob("*-page.html"))]
    sources = corpus_sources(SHARED / "data" / "seeds", workdir, prefix="seed-")
    sources += corpus_sources(corpus, workdir) if corpus else []
    out += [(s.name, s.html) for s in sources]
    for template in ("2019", "2021"):
        for r in generate(n_synth // 2, seed=17, templates=[template], noise=0.0):
            page = workdir / f"{r.id}-{template}.html"
            page.write_bytes(r.to_html(portal=True))
            out.append((page.stem, page))
    return out


def compare(page_rec, form_rec) -> dict:
    a, b = page_rec.flat(), form_rec.flat()
    same = wrong = null = zero_for_blank = 0
    diffs = []
    for name in TABLE_NAMES:
        for k, v in (a[name] or {}).items():
            got = (b[name] or {}).get(k, "missing")
            if got == v:
                same += 1
            elif got is None or got == "missing":
                null += 1
                diffs.append(f"{name}.{k}: {v} -> null")
            elif v is None and got == 0:  # printed blank on the page (the template's none) read as 0
                zero_for_blank += 1
                diffs.append(f"{name}.{k}: blank -> 0")
            else:
                wrong += 1
                diffs.append(f"{name}.{k}: {v} -> {got} WRONG")
    # narrative metrics: (subject, value, unit) as a multiset, the page's against the form's
    mine = Counter((m.subject, m.value, m.unit) for m in page_rec.narrative_metrics)
    theirs = Counter((m.subject, m.value, m.unit) for m in form_rec.narrative_metrics)
    diffs += [f"metric {k}: missing" for k in (mine - theirs)] + [f"metric {k}: extra" for k in (theirs - mine)]
    return {
        "metrics": sum(mine.values()), "metrics_same": sum((mine & theirs).values()),
        "metrics_extra": sum((theirs - mine).values()),
        "cells": same + wrong + null + zero_for_blank, "same": same, "wrong": wrong, "null": null,
        "zero_for_blank": zero_for_blank,
        "agency": page_rec.agency == form_rec.agency, "year": page_rec.year == form_rec.year,
        "template": page_rec.template == form_rec.template,
        "sections": [s.title for s in page_rec.sections] == [s.title for s in form_rec.sections],
        "diffs": sorted(diffs, key=lambda d: "WRONG" not in d)[:12],  # wrong numbers first
    }


def summarise(results: dict[str, dict[str, dict]], what: str = "form") -> dict:
    """Per (group of pages, form): the counts of :func:`compare` summed, printed as a Markdown table."""
    totals = defaultdict(lambda: defaultdict(int))  # (pages, form) -> counts
    for pid, per_form in results.items():
        group = ("corpus" if pid.startswith("corpus-") else "official form (DOCX)" if pid.startswith("form-")
                 else "dev, seeds, synthetic")
        for form, r in per_form.items():
            t = totals[f"{group}: {form}"]
            for k in ("cells", "same", "wrong", "null", "zero_for_blank", "metrics", "metrics_same", "metrics_extra",
                      "agency", "year", "template", "sections"):
                t[k] += r[k]
            t["pages"] += 1
    print(f"| pages: {what} | pages | cells equal to the page's | null | 0 for a blank | wrong | agency | year "
          "| template | sections | metrics equal (extra) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for key, t in totals.items():
        print(f"| {key} | {t['pages']} | {t['same']}/{t['cells']} ({t['same'] / max(1, t['cells']):.1%}) | "
              f"{t['null']} | {t['zero_for_blank']} | {t['wrong']} | {t['agency']}/{t['pages']} | {t['year']}/{t['pages']} | "
              f"{t['template']}/{t['pages']} | {t['sections']}/{t['pages']} | "
              f"{t['metrics_same']}/{t['metrics']} ({t['metrics_extra']}) |")
    return totals


def finish(results: dict[str, dict[str, dict]], out: Path, what: str = "form") -> int:
    """Print the table (:func:`summarise`), write the JSON; exit status 1 when any form states a number the
    page does not."""
    totals = summarise(results, what)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"totals": totals, "pages": results}, ensure_ascii=False, indent=1) + "\n",
                   encoding="utf-8")
    return 1 if any(t["wrong"] for t in totals.values()) else 0


def office_forms(workdir: Path, n: int) -> list[tuple[str, Path]]:
    """(id, DOCX) of ``n`` synthetic reports written into the official form (gainlp.synth.files.to_docx:
    the State Council's blank 2021 DOCX filled in; a 2019-template report gets the same grid built), half
    of each template: the document an office writes before it exports its PDF."""
    from gainlp.synth import generate
    from gainlp.synth.files import to_docx

    out = []
    for template in ("2019", "2021"):
        k = n // 2 if template == "2019" else n - n // 2
        for r in generate(k, seed=23, templates=[template], noise=0.0):
            docx = workdir / f"form-{r.id}-{template}.docx"
            docx.write_bytes(to_docx(r))
            out.append((docx.stem, docx))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synth", type=int, default=4, help="synthetic pages (half of each template)")
    ap.add_argument("--page-size", default=None, help="print the PDFs on this paper (CSS @page size: A5, B5, …)")
    ap.add_argument("--corpus", type=Path, default=None,
                    help="also every report of this folder of texts (../shared/data/corpus/pingtan), as a page")
    ap.add_argument("--office", type=int, default=20,
                    help="synthetic reports in the official DOCX form, exported to PDF by LibreOffice")
    ap.add_argument("--model", default=None, help="a model folder, or 'auto'; default: rules only")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "cross_format.json")
    args = ap.parse_args(argv)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="gainlp-forms-") as tmp:
        workdir = Path(tmp)
        for pid, page in pages(workdir, args.synth, args.corpus):
            page_rec = gainlp.extract(page, model=args.model)
            results[pid] = {}
            for form, path in page_forms(page, workdir, args.page_size).items():
                results[pid][form] = compare(page_rec, gainlp.extract(path, model=args.model))
        for pid, docx in office_forms(workdir, args.office):
            # the form's own record is the reference: its cells are read off the DOCX's grid
            form_rec = gainlp.extract(docx, model=args.model)
            pdf = docx_to_pdf(docx, workdir / f"{pid}.pdf")
            results[pid] = {"office pdf": compare(form_rec, gainlp.extract(pdf, model=args.model)),
                            "office pdftotext": compare(form_rec, gainlp.extract(
                                pdf_to_text(pdf, workdir / f"{pid}.pdftotext.txt"), model=args.model))}
    return finish(results, args.out)


if __name__ == "__main__":
    sys.exit(main())
