"""Hand-checked gold as training labels (gainlp.model.gold): hand-made texts, then a real blind split."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from gainlp.annotations import read_annotations, sniff_format
from gainlp.dataset import trusted_tags
from gainlp.document import Span
from gainlp.model.gold import gold_annotation
from gainlp.rules.narrative import read_quantity

REPO = Path(__file__).resolve().parents[1]
BLIND = REPO / "benchmarks" / "data" / "blind-prose"


def _labelled(doc, label):
    return [doc.text[s.start:s.end] for s in doc.spans if s.label == label]


def test_gold_metrics_become_value_and_subject_spans_and_other_counts_stay_outside():
    text = "全年主动公开政府信息50条，其中政策文件12件。本条例自2023年1月1日起施行，咨询电话12345，15个工作日内答复。"
    gold = [{"subject": "主动公开政府信息", "value": 50, "unit": "条"},
            {"subject": "政策文件", "value": 12, "unit": "件"}]
    doc, placed = gold_annotation(text, gold, "d1")
    assert placed.placed == 2 and not placed.unplaced
    assert _labelled(doc, "METRIC_VALUE") == ["50条", "12件"]
    assert _labelled(doc, "METRIC_SUBJECT") == ["主动公开政府信息", "政策文件"]
    assert doc.meta["trusted"] == [[0, len(text)]]  # the decoys (date, hotline, deadline) are taught as none
    tags = trusted_tags(doc)
    assert tags[text.index("15个")] == "O"


def test_equal_counts_go_each_to_the_nearest_subject():
    text = "受理政府信息公开申请3件，办结3件，上年结转3件。"
    gold = [{"subject": "办结", "value": 3, "unit": "件"},
            {"subject": "受理政府信息公开申请", "value": 3, "unit": "件"}]
    doc, placed = gold_annotation(text, gold, "d2")
    assert placed.placed == 2
    assert _labelled(doc, "METRIC_SUBJECT") == ["受理政府信息公开申请", "办结"]
    starts = [s.start for s in doc.spans if s.label == "METRIC_VALUE"]
    assert starts == [text.index("3件"), text.index("办结3件") + 2]  # the third "3件" is none: left "O"


def test_a_metric_the_grammar_cannot_place_leaves_its_sentence_out_of_the_loss():
    text = "提供计算资源2400核。发布信息30条。"
    gold = [{"subject": "计算资源", "value": 2400, "unit": "核"},  # 核 is no measure word of the grammar
            {"subject": "发布信息", "value": 30, "unit": "条"}]
    doc, placed = gold_annotation(text, gold, "d3")
    assert [g["subject"] for g in placed.unplaced] == ["计算资源"]
    tags = trusted_tags(doc)
    first = text.index("。")
    assert all(t is None for t in tags[:first])  # never taught "O"
    assert _labelled(doc, "METRIC_VALUE") == ["30条"] and tags[text.index("30条")] == "B-METRIC_VALUE"


def test_rule_sections_are_kept_and_unvouched_rule_labels_are_left_out():
    text = "某某局2023年报告\n一、总体情况\n发布信息30条。"
    k = text.index("一、")
    rules = [Span(0, 3, "AGENCY"), Span(3, 7, "YEAR"), Span(k, k + 6, "SECTION")]
    doc, _ = gold_annotation(text, [{"subject": "发布信息", "value": 30, "unit": "条"}], "d4", rules)
    assert _labelled(doc, "SECTION") == ["一、总体情况"]
    assert not _labelled(doc, "AGENCY") and not _labelled(doc, "YEAR")
    tags = trusted_tags(doc)
    assert all(t is None for t in tags[0:7]) and tags[8] == "O"


def test_a_blind_split_reads_as_annotations(tmp_path):
    """A real gold folder (blind-prose test5, 12 texts, 315 metrics) read as training annotations: nearly
    every metric placed, and every labelled value reads back as the gold's value and unit."""
    folder = tmp_path / "test5"
    shutil.copytree(BLIND / "test5", folder)
    assert sniff_format(folder) == "gold"
    docs = read_annotations(folder)
    golds = {json.loads(p.read_text(encoding="utf-8"))["id"]: json.loads(p.read_text(encoding="utf-8"))
             for p in folder.glob("*.gold.json")}
    assert len(docs) == len(golds) == 12
    total = sum(len(g["narrative_metrics"]) for g in golds.values())
    assert sum(d.meta["placed"] for d in docs) >= 0.98 * total
    for d in docs:
        quantities = {(float(m["value"]), m["unit"]) for m in golds[d.id]["narrative_metrics"]}
        for s in d.spans:
            if s.label == "METRIC_VALUE":
                value, unit = read_quantity(d.text[s.start:s.end])
                assert (float(value), unit) in quantities, (d.id, d.text[s.start:s.end])
        assert any(s.label == "SECTION" for s in d.spans)
