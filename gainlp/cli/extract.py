"""`gainlp extract PATH... -o OUTDIR`: records for every report file under the given paths.

Writes OUTDIR/<name>.json per report, records.jsonl, records.csv and errors.jsonl (see gainlp.outputs),
shows a progress bar on stderr, then a one-screen summary. Exit status 1 only when no input could be
read (no file found, or every file in error).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from gainlp.batch import Summary, extract_all, iter_inputs, resolve_engine
from gainlp.model.runtime import ModelLoadError
from gainlp.outputs import ERRORS_JSONL, RECORDS_CSV, RECORDS_JSONL, RunWriter, output_names
from gainlp.template import TABLE_NAMES

MAX_ERRORS_SHOWN = 15
MAX_WARNINGS_SHOWN = 4
WIDTH = 100


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="report files or folders (recursive)")
    parser.add_argument("-o", "--output", "--outdir", dest="outdir", type=Path, required=True, metavar="OUTDIR",
                        help="folder for <name>.json, records.jsonl, records.csv and errors.jsonl")
    parser.add_argument("--no-model", dest="engine", action="store_const", const="rules", default="auto",
                        help="rules only, even where a trained model is installed")
    parser.add_argument("--model", dest="engine", metavar="DIR",
                        help="a model folder to extract with (default: the shipped model, else rules)")
    parser.add_argument("-j", "--jobs", type=int, default=1, metavar="N", help="worker processes (default 1)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    parser.add_argument("--review", action="store_true", help="also write the review site into OUTDIR/review")


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _clip(text: str, width: int = WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def format_summary(s: Summary, outdir: Path) -> str:
    rows: list[tuple[str, str]] = [
        ("reports read", f"{s.ok} of {s.files} files ({s.seconds:.1f} s)"),
        ("records written", f"{s.ok} -> {outdir}/ ({RECORDS_JSONL}, {RECORDS_CSV}, {s.ok} JSON files)"
         if s.ok else f"0 (previous {RECORDS_JSONL} and {RECORDS_CSV} kept)"),
        ("tables found", ", ".join(f"{name} {s.tables[name]}" for name in TABLE_NAMES)),
        ("checks failed", f"{_n(s.reports_with_fail, 'report')} with a failed check, "
                          f"{_n(s.failed_checks, 'failed check')} in all"),
    ]
    kinds = s.warnings.most_common()
    shown = ", ".join(f"{_clip(w, 40)} ({n})" for w, n in kinds[:MAX_WARNINGS_SHOWN])
    more = f", {len(kinds) - MAX_WARNINGS_SHOWN} more kinds" if len(kinds) > MAX_WARNINGS_SHOWN else ""
    rows.append(("warnings", _n(s.reports_with_warnings, "report") + (f": {shown}{more}" if kinds else "")))
    rows.append(("files in error", f"{len(s.errors)}" + (f" (see {outdir / ERRORS_JSONL})" if s.errors else "")))
    width = max(len(k) for k, _ in rows)
    lines = [f"  {k.ljust(width)}  {_clip(v, WIDTH - width - 4)}" for k, v in rows]
    for path, error in s.errors[:MAX_ERRORS_SHOWN]:
        lines.append("    " + _clip(error or str(path), WIDTH - 4))
    if len(s.errors) > MAX_ERRORS_SHOWN:
        lines.append(f"    … and {len(s.errors) - MAX_ERRORS_SHOWN} more")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    files = iter_inputs(args.paths)
    if not files:
        print(f"gainlp extract: no report files found in {', '.join(map(str, args.paths))}", file=sys.stderr)
        return 1
    try:
        resolve_engine(args.engine)  # a model that cannot be loaded stops the run here, in one line
    except (ModelLoadError, ValueError) as exc:
        print(f"gainlp extract: {exc}", file=sys.stderr)
        return 2
    summary = Summary()
    with RunWriter(args.outdir, output_names(files)) as writer:
        results = extract_all(files, engine=args.engine, jobs=args.jobs)
        for result in tqdm(results, total=len(files), unit="file", file=sys.stderr, disable=args.quiet,
                           desc="extract"):
            summary.add(result)
            if result.ok:
                writer.add_record(result.path, result.record)
            else:
                writer.add_error(result.path, result.error)
        writer.commit(records=summary.ok > 0)
    if not args.quiet:
        print(format_summary(summary, args.outdir))
    elif summary.ok == 0:
        print(f"gainlp extract: none of {summary.files} files could be read (see {args.outdir / ERRORS_JSONL})",
              file=sys.stderr)
    if args.review and summary.ok:
        from gainlp.review import build_site

        site = build_site(args.outdir, progress=not args.quiet)
        if not args.quiet:
            print(f"  {'review site':<15}  {site.index} ({site.pages} pages)")
    return 0 if summary.ok else 1


__all__ = ["add_arguments", "run", "format_summary"]
