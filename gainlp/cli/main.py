"""`gainlp COMMAND ...`: each command lives in its own module with ``add_arguments`` and ``run``.

``-v``/``-q`` are taken before or after the command. ``-q`` (or stderr not being a terminal) turns off
every progress bar; a user mistake (gainlp.errors.UserError) is one line on stderr and exit status 2.
"""
from __future__ import annotations

import time

STARTED = time.monotonic()  # the summary of `gainlp extract` counts its time from here

import argparse  # noqa: E402
import importlib  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

from gainlp import __version__  # noqa: E402
from gainlp.errors import UserError  # noqa: E402

COMMANDS = {
    "extract": "Extract records from report files or folders.",
    "synth": "Generate synthetic labelled reports.",
    "annotate": "Pre-label real reports for correction in Label Studio or doccano.",
    "train": "Train or continue training the token-classification model.",
    "evaluate": "Evaluate extraction against gold records or annotations.",
    "export": "Write a model folder's ONNX inference graph again (this gainlp's export).",
    "review": "Write a static review site: every value where it came from, with corrections.",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gainlp", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"gainlp {__version__}")
    parser.add_argument("-v", "--verbose", dest="_verbose", action="store_true", help="log debug messages")
    parser.add_argument("-q", "--quiet", dest="_quiet", action="store_true",
                        help="no progress bars, no summary, errors only")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in COMMANDS.items():
        try:
            module = importlib.import_module(f"gainlp.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"gainlp.cli.{name}":
                raise
            continue  # a command not built yet
        p = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(p)
        if "-q" not in p._option_string_actions:
            p.add_argument("-q", "--quiet", action="store_true", help="no progress bars, errors only")
        if "-v" not in p._option_string_actions:
            p.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.quiet = bool(getattr(args, "quiet", False) or args._quiet)
    args.verbose = bool(getattr(args, "verbose", False) or args._verbose)
    args.started = STARTED
    if args.quiet or not sys.stderr.isatty():  # no bars, and no carriage-return lines in logs
        os.environ["TQDM_DISABLE"] = "1"
        os.environ["HF_DATASETS_DISABLE_PROGRESS_BARS"] = "1"
        os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"  # transformers' bars ("Writing model shards")
    level = logging.ERROR if args.quiet else logging.WARNING
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("gainlp").setLevel(level)
    if args.verbose:  # our own debug messages, not those of pdfminer and friends
        logging.getLogger("gainlp").setLevel(logging.DEBUG)
    try:
        return int(args._run(args) or 0)
    except UserError as exc:
        print(f"gainlp {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"gainlp {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
