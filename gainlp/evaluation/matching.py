"""Matching predicted narrative metrics against gold ones.

A predicted metric matches a gold metric when value and unit are equal and the subjects match
(:func:`subject_matches`). Pairs are assigned one to one, greedily, best subject agreement first.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from gainlp.template import label_key

MIN_F1 = 0.6  # character F1 at which two differently worded subjects still name the same thing
MIN_CONTAINED = 2  # a subject must have this many key characters to match by containment


def _key(subject: str) -> str:
    return label_key(subject, strip_numbering=False)


def char_f1(a: str, b: str) -> float:
    """F1 of the character multisets of two strings."""
    if not a or not b:
        return 0.0
    common = sum((Counter(a) & Counter(b)).values())
    if not common:
        return 0.0
    p, r = common / len(a), common / len(b)
    return 2 * p * r / (p + r)


def subject_score(pred: str, gold: str) -> float:
    """1.0 for equal keys, 0.9 when one contains the other, else the character F1 (0 below MIN_F1)."""
    p, g = _key(pred), _key(gold)
    if not p or not g:
        return 0.0
    if p == g:
        return 1.0
    if min(len(p), len(g)) >= MIN_CONTAINED and (p in g or g in p):
        return 0.9
    f1 = char_f1(p, g)
    return f1 if f1 >= MIN_F1 else 0.0


def subject_matches(pred: str, gold: str) -> bool:
    """Do two subjects name the same thing? Equal label keys (punctuation and spacing ignored), one
    containing the other, or a character F1 of at least MIN_F1."""
    return subject_score(pred, gold) > 0


def _get(m: Any, name: str):
    return m[name] if isinstance(m, dict) else getattr(m, name)


def same_quantity(pred: Any, gold: Any) -> bool:
    pv, gv = _get(pred, "value"), _get(gold, "value")
    return _get(pred, "unit") == _get(gold, "unit") and abs(float(pv) - float(gv)) < 1e-9


@dataclass
class MetricMatch:
    """The outcome of matching predicted metrics (Metric or dicts) against gold ones."""

    matched: list[tuple[Any, Any]] = field(default_factory=list)  # (pred, gold)
    missed: list[Any] = field(default_factory=list)  # gold without a prediction
    extra: list[Any] = field(default_factory=list)  # predictions without gold

    @property
    def precision(self) -> float:
        n = len(self.matched) + len(self.extra)
        return len(self.matched) / n if n else 1.0

    @property
    def recall(self) -> float:
        n = len(self.matched) + len(self.missed)
        return len(self.matched) / n if n else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def match_metrics(pred: list, gold: list) -> MetricMatch:
    """Greedy one-to-one matching on equal value and unit and matching subject, best subject first."""
    pairs = []
    for i, p in enumerate(pred):
        for j, g in enumerate(gold):
            if same_quantity(p, g):
                score = subject_score(_get(p, "subject"), _get(g, "subject"))
                if score > 0:
                    pairs.append((-score, i, j))
    pairs.sort()
    used_p: set[int] = set()
    used_g: set[int] = set()
    result = MetricMatch()
    for _, i, j in pairs:
        if i in used_p or j in used_g:
            continue
        used_p.add(i)
        used_g.add(j)
        result.matched.append((pred[i], gold[j]))
    result.missed = [g for j, g in enumerate(gold) if j not in used_g]
    result.extra = [p for i, p in enumerate(pred) if i not in used_p]
    return result
