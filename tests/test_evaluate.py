"""`gainlp evaluate`: the scores themselves on hand-made cases, and the command on gold files."""
from __future__ import annotations

import json
from pathlib import Path

from gainlp.cli.main import main
from gainlp.evaluation.evaluate import GoldCase, Tally, evaluate, load_cases, summary_rows
from gainlp.record import Metric, Record, Section, Source

from .conftest import SEEDS_DIR

FRESH = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "fresh-prose"


def _record() -> Record:
    rec = Record(source=Source(None, "", ""), template="2021", agency="某局", year=2022)
    rec.sections = [Section(1, "总体情况", 0, 10), Section(2, "主动公开政府信息情况", 10, 20)]
    rec.tables["review_litigation"] = {"reconsideration": {"upheld": 1, "corrected": 0}}
    rec.narrative_metrics = [Metric("主动公开政府信息", 50, "条", 1, 0, 3), Metric("培训", 2, "次", 1, 4, 6)]
    return rec


def test_scores_of_a_hand_made_case():
    gold = {"agency": "某局", "year": 2021,
            "sections": ["总体情况", "主动公开政府信息情况", "其他需要报告的事项"],
            "review_litigation": {"reconsideration.upheld": 1, "reconsideration.corrected": 3},
            "narrative_metrics": [{"subject": "主动公开政府信息", "value": 50, "unit": "条"},
                                  {"subject": "新闻发布会", "value": 3, "unit": "场"}]}
    t = Tally()
    t.add_record(_record(), gold)
    s = t.summary()
    assert s["table_cell_accuracy"]["review_litigation"] == 0.5 and s["table_cell_accuracy"]["applications"] is None
    assert (s["agency_accuracy"], s["year_accuracy"]) == (1.0, 0.0)
    assert s["sections"] == {"precision": 1.0, "recall": round(2 / 3, 4), "f1": 0.8}
    assert s["narrative_metrics"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5}


def test_a_set_without_sections_has_no_section_score():
    t = Tally()
    t.add_record(_record(), {"narrative_metrics": [{"subject": "培训", "value": 2, "unit": "次"}]})
    s = t.summary()
    assert s["sections"] is None and s["agency_accuracy"] is None
    rows = dict((r[0], r[1:]) for r in summary_rows({"rules": s}))
    assert rows["section F1"] == ("—",) and rows["metrics recall"] == ("1.000",)


def test_rules_on_the_seeds_score_their_gold():
    results = evaluate(load_cases([SEEDS_DIR]), ("rules",), progress=False)
    assert results["rules"]["docs"] == 5
    assert results["rules"]["table_cell_accuracy"]["all"] == 1.0
    assert results["rules"]["narrative_metrics"]["f1"] == 1.0


def test_cli_prints_a_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "scores.json"
    assert main(["evaluate", str(FRESH), "--no-model", "--markdown", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "| metrics f1 |" in printed and "| section F1 | — |" in printed
    scores = json.loads(out.read_text(encoding="utf-8"))
    assert scores["rules"]["docs"] == 3 and scores["rules"]["sections"] is None
    # the fresh prose: all 34 metrics, and nothing else
    assert scores["rules"]["narrative_metrics"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}


def test_annotated_jsonl_cases_carry_spans(tmp_path):
    path = tmp_path / "two.jsonl"
    assert main(["synth", "-n", "2", "--seed", "5", "-o", str(path), "-q"]) == 0
    cases = load_cases([path])
    assert len(cases) == 2 and all(isinstance(c, GoldCase) and c.spans for c in cases)
    s = evaluate(cases, ("rules",), progress=False)["rules"]
    assert s["spans"]["n_docs"] == 2 and "TABLE_CELL" in s["spans"]["per_label"]
