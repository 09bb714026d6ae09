"""Table cells of synthetic reports, per text layout: read right, left null (with a warning), or wrong.

For every text layout of ``gainlp.synth`` (cells one per line, tab rows, pipes, PDF-text-like, the body
on one line with cells run together or single-spaced, …), ``--n`` reports of both templates with the
generator's usual noise, extracted by the rules alone. Every gold cell is compared with the record's:
equal, null (the record says why in a warning), 0 where the cell was printed blank (a blank cell of these
tables means none; the gold keeps it as printed), or a different number ("wrong": the failure the project
must never ship silently; a wrong cell in a table with a failing check is counted apart). Agency too.

    .venv/bin/python benchmarks/synth_forms.py [--n 50] [--seed 31] [-o benchmarks/results/synth_forms.json]

The same texts under two checkouts (the generator changes with the code): write them once with
``--save-texts texts.json``, then score them with ``--texts texts.json``, adding ``--code OTHER_CHECKOUT``
to read them with that checkout's gainlp.

Exit status 1 when any layout states a wrong number that no failing check flags.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

from tqdm import tqdm

REPO = Path(__file__).resolve().parents[1]
# --code DIR: the gainlp of another checkout reads the texts (decided before gainlp is imported)
_CODE = sys.argv[sys.argv.index("--code") + 1] if "--code" in sys.argv[:-1] else str(REPO)
sys.path.insert(0, _CODE)

import gainlp  # noqa: E402
from gainlp.record import Check  # noqa: E402
from gainlp.synth import generate  # noqa: E402
from gainlp.synth.layouts import TEXT_LAYOUTS  # noqa: E402
from gainlp.template import TABLE_NAMES  # noqa: E402


def layout_reports(layout: str, n: int, seed: int, texts: list[dict] | None) -> list[SimpleNamespace]:
    """The reports of a layout: generated, or those of a ``--save-texts`` file."""
    if texts is not None:
        return [SimpleNamespace(**r) for r in texts if r["layout"] == layout]
    return [SimpleNamespace(id=r.id, layout=layout, text=r.text, gold=r.gold)
            for r in generate(n, seed=seed, layouts=(layout,))]


def score_layout(layout: str, reports: list[SimpleNamespace]) -> dict:
    counts: Counter = Counter()
    examples = []
    for report in reports:
        rec = gainlp.extract(report.text, model=None)
        flat = rec.flat()
        failed = {c.name.split(".", 1)[0] for c in rec.checks if c.status == Check.FAIL}
        counts["reports"] += 1
        counts["agency_right"] += rec.agency == report.gold["agency"]
        counts["agency_null"] += rec.agency is None
        counts["year_right"] += rec.year == report.gold["year"]
        for table in TABLE_NAMES:
            got = flat.get(table) or {}
            for key, want in (report.gold.get(table) or {}).items():
                value = got.get(key)
                counts["cells"] += 1
                if value == want:
                    counts["right"] += 1
                elif value is None:
                    counts["null"] += 1
                elif want is None and value == 0:  # a cell printed blank (the template's 0) read as 0
                    counts["zero_for_blank"] += 1
                elif table in failed:
                    counts["wrong_flagged"] += 1
                else:
                    counts["wrong"] += 1
                    if len(examples) < 5:
                        examples.append({"report": report.id, "cell": f"{table}.{key}", "gold": want, "got": value})
    return {"layout": layout, **counts, "examples": examples}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=50, help="reports per layout")
    ap.add_argument("--seed", type=int, default=31)
    ap.add_argument("-o", "--output", type=Path, default=REPO / "benchmarks" / "results" / "synth_forms.json")
    ap.add_argument("--save-texts", type=Path, help="also write the generated reports (text and gold) here")
    ap.add_argument("--texts", type=Path, help="score the reports of a --save-texts file instead of generating")
    ap.add_argument("--code", help="a checkout whose gainlp reads the texts (default: this one)")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    texts = json.loads(args.texts.read_text(encoding="utf-8")) if args.texts else None
    reports = {layout: layout_reports(layout, args.n, args.seed, texts) for layout in TEXT_LAYOUTS}
    if args.save_texts:
        args.save_texts.write_text(json.dumps([vars(r) for rs in reports.values() for r in rs], ensure_ascii=False),
                                   encoding="utf-8")
    rows = [score_layout(layout, reports[layout]) for layout in tqdm(TEXT_LAYOUTS, desc="layouts", unit="layout")]
    total = Counter()
    for r in rows:
        total.update({k: v for k, v in r.items() if isinstance(v, int)})
    print("| layout | reports | cells | right | null (warned) | 0 for a printed blank | wrong, in a table with a failing check "
          "| wrong, silent | agency right |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in [*rows, {"layout": "**all**", **total}]:
        print(f"| {r['layout']} | {r.get('reports', 0)} | {r.get('cells', 0)} | {r.get('right', 0)} | {r.get('null', 0)} "
              f"| {r.get('zero_for_blank', 0)} | {r.get('wrong_flagged', 0)} | {r.get('wrong', 0)} | {r.get('agency_right', 0)} |")
    result = {"n_per_layout": args.n, "seed": args.seed, "seconds": round(time.perf_counter() - started, 1),
              "texts": str(args.texts) if args.texts else None, "code": args.code, "total": dict(total), "layouts": rows}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 1 if total["wrong"] else 0


if __name__ == "__main__":
    sys.exit(main())
