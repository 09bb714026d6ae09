"""`gainlp extract PATH... -o OUTDIR`: records for every report file under the given paths.

Writes, per report, OUTDIR/<name>.json and OUTDIR/text/<name>.txt; for the folder, records.jsonl,
records.csv, errors.jsonl, Parquet tables (documents/, cells/, checks/, metrics/, warnings/) and the
codebook (see gainlp.store). Resumes into an existing folder; shows progress on stderr (a bar on a
terminal, a log line every few seconds elsewhere), then a one-screen summary.

Exit status: 0 the run finished (files in error are listed, not fatal); 1 no input could be read;
2 a usage mistake (bad option, output folder not writable or in use, model missing or broken);
3 with --strict, some file ended in error or timeout; 130 interrupted (Ctrl-C; what is done is kept).
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from collections import Counter
from pathlib import Path

from gainlp.batch import ENGINES, Summary
from gainlp.cli import non_negative_float, positive_int, size
from gainlp.errors import NoInputs
from gainlp.limits import Limits, human_bytes
from gainlp.outputs import ERRORS_JSONL, RECORDS_CSV, RECORDS_JSONL
from gainlp.store import ERROR, OK, TIMEOUT, UNSUPPORTED
from gainlp.template import TABLE_NAMES

log = logging.getLogger("gainlp.extract")

MAX_PROBLEMS_SHOWN = 15
MAX_NAMES_SHOWN = 10
MAX_WARNINGS_SHOWN = 4
WIDTH = 100
LOG_EVERY = 10.0  # seconds between progress lines when stderr is not a terminal

EXIT_OK, EXIT_NOTHING, EXIT_USAGE, EXIT_STRICT, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = Limits()
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="report files or folders (recursive)")
    parser.add_argument("-o", "--output", "--outdir", dest="outdir", type=Path, required=True, metavar="OUTDIR",
                        help="output folder; an existing one is resumed (see --force)")
    parser.add_argument("--no-model", dest="model", action="store_const", const="rules", default="auto",
                        help="rules only, even where a trained model is installed")
    parser.add_argument("--model", dest="model", metavar="DIR",
                        help="a model folder to extract with (default: the shipped model, else rules)")
    parser.add_argument("-j", "--jobs", type=positive_int, default=1, metavar="N",
                        help="worker processes (local engine) or actors (Ray); default 1")
    parser.add_argument("--engine", choices=ENGINES, default="local",
                        help="local worker processes (default) or a Ray cluster (pip install 'gainlp[ray]')")
    parser.add_argument("--ray-address", metavar="ADDR",
                        help="Ray cluster to join (host:port or ray://host:10001); default: $RAY_ADDRESS, else a "
                             "local Ray started for the run")
    parser.add_argument("--force", action="store_true",
                        help="read every input again, even those with a record from this gainlp and model version")
    parser.add_argument("--strict", action="store_true", help="exit 3 when any file ends in error or timeout")
    parser.add_argument("--review", action="store_true", help="also write the review site into OUTDIR/review")
    parser.add_argument("--csv-bom", action="store_true",
                        help="start new CSV files with a UTF-8 byte-order mark (Excel then reads them as UTF-8)")
    limits = parser.add_argument_group("per-file limits (0 turns one off)")
    limits.add_argument("--max-size", type=size, default=d.max_bytes, metavar="SIZE",
                        help=f"largest input file (default {human_bytes(d.max_bytes)})")
    limits.add_argument("--max-unpacked", type=size, default=d.max_unpacked, metavar="SIZE",
                        help=f"most a DOCX may unpack to (default {human_bytes(d.max_unpacked)})")
    limits.add_argument("--max-chars", type=positive_int_or_zero, default=d.max_chars, metavar="N",
                        help=f"longest text a reader may produce (default {d.max_chars:,} characters)")
    limits.add_argument("--max-seconds", type=non_negative_float, default=d.max_seconds, metavar="S",
                        help=f"wall time per file (default {d.max_seconds:g} s)")
    limits.add_argument("--max-page-seconds", type=non_negative_float, default=d.ocr_page_seconds, metavar="S",
                        help=f"more wall time for each page read by OCR (default {d.ocr_page_seconds:g} s)")
    limits.add_argument("--max-depth", type=positive_int_or_zero, default=d.max_depth, metavar="N",
                        help=f"deepest element nesting of an HTML page (default {d.max_depth})")


def positive_int_or_zero(text: str) -> int:
    value = int(non_negative_float(text))
    if str(value) != text.strip():
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
    return value


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _clip(text: str, width: int = WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_NAMES_SHOWN])
    return shown + (f" … and {len(names) - MAX_NAMES_SHOWN} more" if len(names) > MAX_NAMES_SHOWN else "")


def format_summary(s: Summary, outdir: Path) -> str:
    st = s.statuses
    found = s.files + s.resumed
    unsupported = Counter(Path(p).suffix.lower() or "(none)" for status, p, _ in s.problems if status == UNSUPPORTED)
    rows: list[tuple[str, str]] = [
        ("files", f"{found} found: {st[OK]} read, {s.resumed} already had a record (resumed), {st[ERROR]} error, "
                  f"{st[TIMEOUT]} timeout, {st[UNSUPPORTED]} skipped (unsupported type"
                  + (": " + ", ".join(f"{e} {n}" for e, n in unsupported.most_common(4)) if unsupported else "")
                  + ")"),
        ("time", f"{s.seconds:.1f} s from start-up" + (f", {st[OK] / s.seconds:.1f} reports/s" if s.seconds else "")),
        ("output", f"{outdir}/ holds {s.records_in_folder} records ({RECORDS_JSONL}, {RECORDS_CSV}, Parquet "
                   f"tables, text/)"),
        ("tables found", ", ".join(f"{name} {s.tables[name]}" for name in TABLE_NAMES)),
        ("checks failed", f"{_n(len(s.reports_with_fail), 'report')} with a failed check, "
                          f"{_n(s.failed_checks, 'failed check')} in all"
                          + (f": {_names(s.reports_with_fail)}" if s.reports_with_fail else "")),
        ("across reports", (", ".join(f"{k} {s.cross[k]}" for k in ("pass", "fail", "not_assessable") if s.cross[k])
                            or "no agency with reports of consecutive years")
         + (f"; failed: {_names(s.cross_failed)}" if s.cross_failed else "")),
    ]
    kinds = s.warnings.most_common()
    shown = ", ".join(f"{_clip(w, 40)} ({n})" for w, n in kinds[:MAX_WARNINGS_SHOWN])
    more = f", {len(kinds) - MAX_WARNINGS_SHOWN} more kinds" if len(kinds) > MAX_WARNINGS_SHOWN else ""
    rows.append(("warnings", _n(s.reports_with_warnings, "report") + (f": {shown}{more}" if kinds else "")))
    rows.append(("files in error", f"{len(s.errors)}" + (f" (see {outdir / ERRORS_JSONL})" if s.errors else "")))
    if s.interrupted:
        rows.append(("interrupted", "stopped by Ctrl-C; run the same command again to finish the rest"))
    width = max(len(k) for k, _ in rows)
    lines = [f"  {k.ljust(width)}  {_clip(v, 2 * WIDTH if k in ('files', 'checks failed', 'across reports') else WIDTH - width - 4)}"
             for k, v in rows]
    for status, path, error in s.errors[:MAX_PROBLEMS_SHOWN]:
        lines.append("    " + _clip(f"[{status}] {error or path}", WIDTH - 4))
    if len(s.errors) > MAX_PROBLEMS_SHOWN:
        lines.append(f"    … and {len(s.errors) - MAX_PROBLEMS_SHOWN} more")
    return "\n".join(lines)


class _Progress:
    """A tqdm bar on a terminal; elsewhere a log line every LOG_EVERY seconds (no carriage returns)."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.bar = None
        self.total = 0
        self.done = 0
        self.t0 = time.monotonic()
        self.last = self.t0

    def start(self, total: int) -> None:
        self.total = total
        if self.tty and not self.quiet:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="file", file=sys.stderr, desc="extract")

    def update(self, result) -> None:
        if self.done == 0 and not self.quiet and not self.tty:
            print(f"extract: {self.total} file(s) to read", file=sys.stderr, flush=True)
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
        elif not self.quiet and not self.tty:
            now = time.monotonic()
            if now - self.last >= LOG_EVERY or self.done == self.total:
                self.last = now
                rate = self.done / max(now - self.t0, 1e-9)
                print(f"extract: {self.done}/{self.total} files ({rate:.1f}/s)", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run(args: argparse.Namespace) -> int:
    from gainlp.runner import run_batch

    limits = Limits(max_bytes=args.max_size, max_unpacked=args.max_unpacked, max_chars=args.max_chars,
                    max_seconds=args.max_seconds, ocr_page_seconds=args.max_page_seconds, max_depth=args.max_depth)
    quiet = getattr(args, "quiet", False)
    progress = _Progress(quiet)
    try:
        summary = run_batch(args.paths, args.outdir, model=args.model, limits=limits, jobs=args.jobs,
                            engine=args.engine, force=args.force, csv_bom=args.csv_bom, ray_address=args.ray_address,
                            progress=progress.update, on_total=progress.start,
                            started=getattr(args, "started", None))
    except NoInputs as exc:
        print(f"gainlp extract: {exc}", file=sys.stderr)
        return EXIT_NOTHING
    finally:
        progress.close()
    if not quiet:
        print(format_summary(summary, args.outdir))
    if summary.interrupted:
        return EXIT_INTERRUPTED
    if args.review and (summary.ok or summary.resumed):
        from gainlp.review import build_site

        site = build_site(args.outdir, progress=not quiet)
        if not quiet:
            print(f"  {'review site':<15}  {site.index} ({site.pages} pages)")
    attempted = summary.files - summary.statuses[UNSUPPORTED]
    if summary.ok == 0 and summary.resumed == 0:
        if quiet or attempted == 0:
            print(f"gainlp extract: none of {summary.files} files could be read (see {args.outdir / ERRORS_JSONL})",
                  file=sys.stderr)
        return EXIT_NOTHING
    if args.strict and summary.errors:
        return EXIT_STRICT
    return EXIT_OK


__all__ = ["add_arguments", "run", "format_summary", "EXIT_OK", "EXIT_NOTHING", "EXIT_USAGE", "EXIT_STRICT",
           "EXIT_INTERRUPTED"]
