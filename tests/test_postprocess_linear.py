"""The post-processor's bisection lookups give what the plain scans they replaced gave.

The scans (the definitions) are written out here as references; random texts with random value and
subject spans, sentence breaks and overlapping metrics compare both.
"""
from __future__ import annotations

import random
import re

from gainlp.assemble import SUBJECT_WINDOW, SubjectIndex
from gainlp.combine import _MetricIndex, _same_count
from gainlp.document import Span
from gainlp.record import Metric

_BREAK = re.compile(r"[。；;！？!?\n]")


def subject_by_scan(text: str, value: Span, subjects: list[Span], values: list[Span]) -> Span | None:
    def free(a: int, b: int) -> bool:
        return not _BREAK.search(text[a:b]) and not any(a <= v.start < b for v in values if v is not value)

    before = [s for s in subjects if s.end <= value.start and value.start - s.end <= SUBJECT_WINDOW
              and free(s.end, value.start)]
    after = [s for s in subjects if s.start >= value.end and s.start - value.end <= 2 and free(value.end, s.start)]
    if after and (not before or after[0].start - value.end < value.start - before[-1].end):
        return after[0]
    return before[-1] if before else None


def _random_case(rng: random.Random):
    n = rng.randint(20, 400)
    text = "".join(rng.choice("主动公开信息条件。\n；a1 ") for _ in range(n))
    spans = []
    for _ in range(rng.randint(0, 40)):
        s = rng.randrange(n)
        e = min(n, s + rng.randint(1, 8))
        spans.append(Span(s, e, rng.choice(["METRIC_VALUE", "METRIC_SUBJECT"]), source="model"))
    values = sorted((s for s in spans if s.label == "METRIC_VALUE"), key=lambda s: s.start)
    subjects = sorted((s for s in spans if s.label == "METRIC_SUBJECT"), key=lambda s: s.start)
    return text, values, subjects


def test_subject_index_equals_the_scan():
    rng = random.Random(5)
    checked = 0
    for _ in range(400):
        text, values, subjects = _random_case(rng)
        index = SubjectIndex(text, subjects, values)
        for k, v in enumerate(values):
            assert index.subject_for(k) is subject_by_scan(text, v, subjects, values)
            checked += 1
    assert checked > 1000


def test_metric_index_finds_overlaps_in_list_order():
    rng = random.Random(9)
    for _ in range(300):
        metrics = []
        for _ in range(rng.randint(0, 30)):
            s = rng.randrange(200)
            metrics.append((Metric("x", rng.randint(0, 3), rng.choice("条件"), None, s, s + rng.randint(1, 12)), 0.95))
        index = _MetricIndex(metrics)
        for _ in range(10):
            s = rng.randrange(210)
            e = s + rng.randint(1, 10)
            assert index.overlapping(s, e) == [(m, sc) for m, sc in metrics if m.start < e and s < m.end]
            rule = Metric("y", rng.randint(0, 3), rng.choice("条件"), None, s, e)
            expect = next(((m, sc) for m, sc in metrics if m.start < rule.end and rule.start < m.end
                           and m.value == rule.value and m.unit == rule.unit), None)
            assert _same_count(rule, index) == expect
