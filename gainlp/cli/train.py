"""`gainlp train --config configs/train.yaml [key=value ...] [-o OUTDIR]`: train or continue training.

Overrides use the config's dotted keys (``finetune.lr=1e-4 data.synth.n=200 base=models/gainlp-zh-base``);
an unknown key or a value of the wrong type stops before any work. ``-o`` sets ``output``. At the end a
table of span precision / recall / F1 per evaluated set and label is printed.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gainlp.config import ConfigError, load_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, metavar="YAML", help="training config (default: built-in defaults)")
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides, e.g. finetune.epochs=2")
    parser.add_argument("-o", "--output", metavar="DIR", help="model folder to write (overrides `output`)")
    parser.add_argument("--dry-run", action="store_true", help="print the resolved config and stop")


def format_metrics(metrics: dict) -> str:
    """A fixed-width table: one row per evaluated set and label, then before/after and training lines."""
    from gainlp.model.folder import metrics_rows

    rows = metrics_rows(metrics)
    head = ("set", "label", "P", "R", "F1", "support")
    cells = [head] + [(s, lab, f"{p:.3f}", f"{r:.3f}", f"{f:.3f}", str(n)) for s, lab, p, r, f, n in rows]
    widths = [max(len(str(row[i])) for row in cells) for i in range(len(head))]
    lines = []
    for k, row in enumerate(cells):
        lines.append("  ".join(str(c).ljust(w) if i < 2 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    ba = metrics.get("before_after")
    if ba:
        lines.append(f"held-out F1 before {ba['before_f1']:.3f} -> after {ba['after_f1']:.3f} "
                     f"({ba['delta_f1']:+.3f}, {ba['n_docs']} docs)")
    tr = metrics.get("training")
    if tr:
        why = {"patience": ", stopped early (no gain)", "time": ", stopped at finetune.max_minutes"}
        lines.append(f"fine-tuning: {tr['steps']} steps ({tr['steps_per_second']:.2f}/s), best at step "
                     f"{tr['best_step']}{why.get(tr['stop_reason'], '')}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    overrides = list(args.overrides)
    if args.output:
        overrides.append(f"output={args.output}")
    try:
        config = load_config(args.config, overrides)
    except (ConfigError, OSError) as exc:
        print(f"gainlp train: {exc}", file=sys.stderr)
        return 2
    if args.dry_run:
        from gainlp.config import config_to_yaml

        sys.stdout.write(config_to_yaml(config))
        return 0
    from gainlp.model.train import train

    try:
        result = train(config)
    except ConfigError as exc:
        print(f"gainlp train: {exc}", file=sys.stderr)
        return 2
    info = result.info
    print(format_metrics(info.metrics))
    print(f"model folder: {result.folder} ({info.size_bytes / 1e6:.1f} MB, {info.parameters:,} parameters, "
          f"trained in {info.train_seconds / 60:.1f} min)")
    return 0
