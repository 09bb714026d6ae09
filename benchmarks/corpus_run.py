"""A robustness run over the unlabelled real corpus (../shared/data/corpus/pingtan): per report, what the
extractor reads, with no gold to compare against.

For the template-era reports (2019 on, per the corpus manifest): how many get all three tables, how many
pass every check, how many cells are null because the printed digits are ambiguous (with candidates), how
many are missing otherwise, and whether anything crashed; the older prose-only reports are extracted too
(a crash there counts). Writes benchmarks/results/corpus_run.json and prints a table.

    .venv/bin/python benchmarks/corpus_run.py [--no-model] [--corpus DIR]
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gainlp.batch import extract_one  # noqa: E402
from gainlp.record import Check  # noqa: E402
from gainlp.template import TABLE_NAMES  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "data" / "corpus" / "pingtan"
TEMPLATE_ERA = 2019


def run(corpus: Path, engine: str) -> dict:
    manifest = {row["file"]: row for row in csv.DictReader((corpus / "manifest.tsv").open(encoding="utf-8"),
                                                           delimiter="\t")}
    reports = []
    started = time.perf_counter()
    for name, row in sorted(manifest.items()):
        res = extract_one(corpus / name, engine=engine)
        entry = {"file": name, "year": int(row["year"]), "status": res.status, "error": res.error}
        if res.ok:
            rec = res.record
            tables = {n: rec.tables.get(n) is not None for n in TABLE_NAMES}
            statuses = Counter(c.status for c in rec.checks)
            ambiguous = sum(1 for k, p in rec.provenance.items() if k.startswith("tables.") and p.candidates)
            null_cells = sum(v is None for t in rec.tables.values() if t for cols in t.values() for v in cols.values())
            entry.update(
                agency=rec.agency, year_read=rec.year, template=rec.template, tables=tables,
                sections=len(rec.sections),
                checks={s: statuses.get(s, 0) for s in (Check.PASS, Check.FAIL, Check.NOT_ASSESSABLE)},
                ambiguous_cells=ambiguous, null_cells=null_cells,
                failed=[c.name for c in rec.checks if c.status == Check.FAIL],
            )
        reports.append(entry)
    seconds = time.perf_counter() - started
    era = [r for r in reports if r["year"] >= TEMPLATE_ERA]
    ok_era = [r for r in era if r["status"] == "ok"]
    summary = {
        "reports": len(reports),
        "crashes": sum(r["status"] != "ok" for r in reports),
        "template_era": len(era),
        "template_era_all_three_tables": sum(all(r["tables"].values()) for r in ok_era),
        "template_era_some_table": sum(any(r["tables"].values()) for r in ok_era),
        "template_era_every_check_passes": sum(r["checks"]["fail"] == 0 and r["checks"]["not_assessable"] == 0
                                              and all(r["tables"].values()) for r in ok_era),
        "template_era_no_failed_check": sum(r["checks"]["fail"] == 0 and all(r["tables"].values()) for r in ok_era),
        "template_era_ambiguous_cells": sum(r["ambiguous_cells"] for r in ok_era),
        "template_era_reports_with_ambiguous_cells": sum(r["ambiguous_cells"] > 0 for r in ok_era),
        "template_era_null_cells": sum(r["null_cells"] for r in ok_era),
        "agency_null": sum(r.get("agency") is None for r in ok_era),
        "seconds": round(seconds, 2),
    }
    return {"engine": engine, "corpus": str(corpus), "summary": summary, "reports": reports}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--no-model", dest="engine", action="store_const", const="rules", default="auto")
    ap.add_argument("-o", "--output", type=Path, default=REPO / "benchmarks" / "results" / "corpus_run.json")
    args = ap.parse_args(argv)
    result = run(args.corpus, args.engine)
    s = result["summary"]
    era = s["template_era"]
    rows = [
        ("reports extracted (all years)", f"{s['reports'] - s['crashes']} of {s['reports']} ({s['crashes']} crashed)"),
        ("template-era reports (2019 on)", str(era)),
        ("… with all three tables", f"{s['template_era_all_three_tables']} of {era}"),
        ("… with every check passing", f"{s['template_era_every_check_passes']} of {era}"),
        ("… with no failed check", f"{s['template_era_no_failed_check']} of {era}"),
        ("… cells left null as ambiguous", f"{s['template_era_ambiguous_cells']} in "
                                           f"{s['template_era_reports_with_ambiguous_cells']} reports"),
        ("… null cells in all", str(s["template_era_null_cells"])),
        ("… agency left null", str(s["agency_null"])),
        ("seconds", str(s["seconds"])),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"| {'corpus run: ' + result['engine']:{width}} | value |\n|{'-' * (width + 2)}|-------|")
    for k, v in rows:
        print(f"| {k:{width}} | {v} |")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0 if s["crashes"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
