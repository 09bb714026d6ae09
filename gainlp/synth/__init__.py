"""Synthetic labelled reports: the training data generator.

``generate(n, seed, **options)`` yields :class:`SynthReport` s -- text with exactly aligned spans
(gainlp.labels), the gold record in the seeds' flat .gold.json form, and meta saying how each report
was made. Deterministic for a seed: report i depends only on (seed, i). The parts:

* :mod:`gainlp.synth.values` -- random tables that pass every check (or break exactly one, on purpose);
* :mod:`gainlp.synth.printed` -- the official forms' grids, built from the template spec;
* :mod:`gainlp.synth.layouts` -- one text renderer per table layout seen in real reports;
* :mod:`gainlp.synth.narrative` + ``vocab.yaml`` -- the prose grammar with labelled metrics;
* :mod:`gainlp.synth.frame`, :mod:`gainlp.synth.noise`, :mod:`gainlp.synth.report` -- the whole report;
* :mod:`gainlp.synth.files` -- the same report as an HTML page or a DOCX file (the official form filled in).
"""
from __future__ import annotations

import random
from typing import Iterator

from gainlp.synth.result import Options, SynthReport


def generate(n: int, seed: int = 0, **options) -> Iterator[SynthReport]:
    """``n`` synthetic reports, lazily; see :class:`Options` for the options (checked right away)."""
    opts = Options(**options)
    return _reports(n, seed, opts)


def _reports(n: int, seed: int, opts: Options) -> Iterator[SynthReport]:
    from gainlp.synth.report import build_report

    for i in range(n):
        rng = random.Random(f"gainlp-synth:{seed}:{i}")
        yield build_report(rng, f"{opts.id_prefix}-{seed}-{i:06d}", opts)


__all__ = ["generate", "SynthReport", "Options"]
