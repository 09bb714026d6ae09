"""`gainlp COMMAND ...`: each command lives in its own module with ``add_arguments`` and ``run``."""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

COMMANDS = {
    "extract": "Extract records from report files or folders.",
    "synth": "Generate synthetic labelled reports.",
    "annotate": "Pre-label real reports for correction in Label Studio or doccano.",
    "train": "Train or continue training the token-classification model.",
    "evaluate": "Evaluate extraction against gold records or annotations.",
    "review": "Write a static review site: every value where it came from, with corrections.",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gainlp", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
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
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.verbose:  # our own debug messages, not those of pdfminer and friends
        logging.getLogger("gainlp").setLevel(logging.DEBUG)
    return int(args._run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
