"""`gainlp evaluate GOLD... [--model DIR | --no-model] [--compare] [-o FILE.json]`."""
from __future__ import annotations

import json
from pathlib import Path

from gainlp.evaluation.evaluate import evaluate, format_table, load_cases, summary_rows
from gainlp.outputs import atomic_write_text


def add_arguments(p) -> None:
    p.add_argument("gold", nargs="+", type=Path,
                   help=".gold.json or .corrections.json files (from a review page), folders of them, "
                        "or annotated JSONL (gainlp, Label Studio, doccano)")
    p.add_argument("--model", default="auto", help="model folder (default: the shipped model)")
    p.add_argument("--no-model", action="store_true", help="rules only")
    p.add_argument("--compare", action="store_true", help="model-only, rules-only and combined side by side")
    p.add_argument("--markdown", action="store_true", help="print the table as markdown")
    p.add_argument("-o", "--output", type=Path, help="write the scores as JSON")


def run(args) -> int:
    from gainlp.model.registry import get_tagger
    from gainlp.model.runtime import ModelLoadError

    try:
        tagger = None if args.no_model else get_tagger(args.model)
    except ModelLoadError as exc:
        raise SystemExit(f"gainlp evaluate: {exc}") from None
    if args.compare and tagger is None:
        raise SystemExit("gainlp evaluate: --compare needs a model (none found; pass --model DIR)")
    modes = ("model", "rules", "combined") if args.compare else (("combined",) if tagger else ("rules",))
    cases = load_cases(args.gold)
    if not cases:
        raise SystemExit("gainlp evaluate: no gold cases found in " + ", ".join(map(str, args.gold)))
    results = evaluate(cases, modes, tagger)
    print(format_table(summary_rows(results), markdown=args.markdown))
    if args.output:
        atomic_write_text(args.output, json.dumps(results, ensure_ascii=False, indent=2))
    return 0
