"""`gainlp review OUT | REPORT [-o OUT]`: a static review site for a batch's records, or for one report.

``gainlp review OUT`` writes ``OUT/review/`` for the records that ``gainlp extract`` wrote in OUT.
``gainlp review report.pdf`` extracts that one file into ``-o OUT`` (default ``<stem>-review/``), writes the
site there and opens the report's page in a browser when one can be shown (``--no-open`` never does).
"""
from __future__ import annotations

import argparse
import os
import sys
import webbrowser
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, metavar="OUT|REPORT",
                        help="an output folder of `gainlp extract`, or one report file to extract and review")
    parser.add_argument("-o", "--output", type=Path, metavar="OUT",
                        help="for one report: the folder for its record, text and site (default <stem>-review)")
    parser.add_argument("--no-model", dest="model", action="store_const", const=None, default="auto",
                        help="for one report: rules only")
    parser.add_argument("--model", dest="model", metavar="DIR", help="for one report: a model folder")
    parser.add_argument("--open", dest="open", action="store_true", default=None, help="open the page in a browser")
    parser.add_argument("--no-open", dest="open", action="store_false", help="never open a browser")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def can_open() -> bool:
    """Is there a screen to open a browser on? (On a headless Linux box, webbrowser would start a text
    browser in this terminal.)"""
    return sys.platform in ("darwin", "win32") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run(args: argparse.Namespace) -> int:
    from gainlp.readers import ReadError
    from gainlp.review import build_site, extract_for_review
    from gainlp.review.views import page_file

    path: Path = args.path
    if path.is_dir():
        if args.output is not None:
            print("gainlp review: -o is for one report file; the site of a folder goes into FOLDER/review",
                  file=sys.stderr)
            return 2
        outdir, name = path, None
    elif path.is_file():
        outdir = args.output or Path(f"{path.stem}-review")
        try:
            name = extract_for_review(path, outdir, model=args.model)
        except ReadError as exc:
            print(f"gainlp review: {exc}", file=sys.stderr)
            return 1
    else:
        print(f"gainlp review: {path}: no such file or folder", file=sys.stderr)
        return 1
    result = build_site(outdir, progress=not args.quiet)
    for err in result.errors:
        print(f"gainlp review: {err}", file=sys.stderr)
    if result.pages == 0:
        print(f"gainlp review: no records found in {outdir} (run `gainlp extract ... -o {outdir}` first)",
              file=sys.stderr)
        return 1
    page = result.site / page_file(name) if name else result.index
    print(f"review site: {result.index} ({result.pages} page{'s' if result.pages != 1 else ''}, "
          f"{result.seconds:.1f} s)" + (f"\nreport page: {page}" if name else ""))
    if args.open or (args.open is None and name is not None and can_open()):
        webbrowser.open(page.resolve().as_uri())
    return 0


__all__ = ["add_arguments", "run", "can_open"]
