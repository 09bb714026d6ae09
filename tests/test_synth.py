"""The synthetic report generator: deterministic, aligned labels, consistent gold, every layout."""
from __future__ import annotations

import json
import random
import re
from collections import Counter

import pytest

from gainlp.annotations import AnnotatedDoc, read_jsonl
from gainlp.checks import run_checks
from gainlp.labels import LABELS
from gainlp.record import Check
from gainlp.synth import generate
from gainlp.synth.files import annotate_file, form_path
from gainlp.synth.layouts import TEXT_LAYOUTS
from gainlp.synth.narrative import int_to_cn, load_vocab, phrasing_split, sentence_categories, validate_vocab
from gainlp.synth.printed import VALUE, printed_table
from gainlp.synth.values import failing_checks, random_tables, tables_record
from gainlp.template import TABLE_NAMES, TEMPLATES, label_key, load_spec
from gainlp.rules.narrative import read_quantity
from gainlp.text import chinese_to_int, normalize, parse_cell_number

N = 60


@pytest.fixture(scope="module")
def reports():
    return list(generate(N, seed=11))


def _nested(gold: dict, name: str) -> dict:
    out: dict = {}
    for key, v in gold[name].items():
        row, col = key.split(".")
        out.setdefault(row, {})[col] = v
    return out


def test_deterministic_for_a_seed():
    a = [(r.text, r.spans, r.gold, r.meta) for r in generate(6, seed=5)]
    b = [(r.text, r.spans, r.gold, r.meta) for r in generate(6, seed=5)]
    assert a == b
    c = [r.text for r in generate(6, seed=6)]
    assert c != [t for t, *_ in a]


def test_report_i_depends_on_seed_and_index_only():
    five = list(generate(5, seed=2))
    three = list(generate(3, seed=2))
    assert [r.text for r in five[:3]] == [r.text for r in three]


def test_every_span_aligned(reports):
    for r in reports:
        for s, e, label in r.spans:
            assert label in LABELS
            assert 0 <= s < e <= len(r.text) and r.text[s:e].strip(), (r.id, s, e, label)
        AnnotatedDoc(r.id, r.text, r.spans, r.meta)  # validates too


def test_spans_say_what_they_label(reports):
    spec = load_spec()
    for r in reports:
        by_label: dict[str, list[str]] = {}
        for s, e, label in r.spans:
            by_label.setdefault(label, []).append(r.text[s:e])
        own = r.meta["own_sections"]
        for t in by_label.get("SECTION", []):
            numbering = next(m for p in spec.top_level_numbering for m in [p.match(t)] if m)
            title = t[numbering.end():].strip()
            assert any(sec.matches(title) for sec in spec.sections) or title in own, t
        # a section of the report's own is labelled as one
        assert all(any(t.endswith(o) for t in by_label["SECTION"]) for o in own), r.id
        assert all(re.sub(r"\s", "", t) == r.gold["agency"] for t in by_label.get("AGENCY", [])), r.id
        assert all(t.startswith(str(r.gold["year"])) for t in by_label.get("YEAR", [])), r.id
        assert by_label.get("DATE"), r.id
        for t in by_label.get("TABLE_CELL", []):
            assert parse_cell_number(t)[0], (r.id, t)
        subjects = [re.sub(r"\s", "", t) for t in by_label.get("METRIC_SUBJECT", [])]
        gold_subjects = [re.sub(r"\s", "", m["subject"]) for m in r.gold["narrative_metrics"]]
        assert subjects == gold_subjects, r.id
        # every printed count (1,236条, 1.2万条, 三百余人次, 2000册) reads back as its gold value and unit
        values = [read_quantity(normalize(t, join_lines=True).text) for t in by_label.get("METRIC_VALUE", [])]
        assert values == [(m["value"], m["unit"]) for m in r.gold["narrative_metrics"]], r.id
    assert any(r.meta["own_sections"] for r in reports)


def test_table_cells_carry_the_gold_numbers(reports):
    for r in reports:
        printed = sorted(v for s, e, lab in r.spans if lab == "TABLE_CELL"
                         for v in [parse_cell_number(r.text[s:e])[1]] if v is not None)
        gold = sorted(v for name in TABLE_NAMES for v in r.gold[name].values() if v is not None)
        assert printed == gold, r.id


def test_checks_hold_unless_one_is_broken(reports):
    broken = 0
    for r in reports:
        tables = {name: _nested(r.gold, name) for name in TABLE_NAMES}
        failing = failing_checks(tables, r.gold["template"])
        if r.meta["broken_check"] is None:
            assert failing == [], (r.id, failing)
        else:
            broken += 1
            assert r.meta["broken_check"] in failing and failing == r.meta["failing_checks"], r.id
    assert broken > 0


def test_random_tables_pass_every_check():
    for seed in range(40):
        rng = random.Random(seed)
        for template in TEMPLATES:
            t = random_tables(rng, template)
            statuses = Counter(c.status for c in run_checks(tables_record(t, template)))
            assert statuses[Check.FAIL] == 0 and statuses[Check.NOT_ASSESSABLE] == 0


def test_both_templates_and_every_layout_appear(reports):
    templates = Counter(r.meta["template"] for r in reports)
    layouts = Counter(lay for r in reports for lay in r.meta["layouts"].values())
    assert set(templates) == set(TEMPLATES)
    assert set(layouts) == set(TEXT_LAYOUTS), layouts
    for r in reports:
        assert r.gold["template"] == r.meta["template"]
        assert (r.gold["year"] <= 2020) == (r.gold["template"] == "2019")


def test_layout_and_phrasing_options():
    held = list(generate(20, seed=3, layouts=["pdf_text", "run_together"], phrasing_split="heldout"))
    assert {lay for r in held for lay in r.meta["layouts"].values()} <= {"pdf_text", "run_together"}
    ids = [p for r in held for p in r.meta["phrasings"]]
    assert ids and all(phrasing_split(int(p.rsplit(".", 1)[1])) == "heldout" for p in ids)
    train = list(generate(20, seed=3, exclude_layouts=["pdf_text", "run_together"], phrasing_split="train"))
    assert not {lay for r in train for lay in r.meta["layouts"].values()} & {"pdf_text", "run_together"}
    assert not {p for r in train for p in r.meta["phrasings"]} & set(ids)
    with pytest.raises(ValueError):
        generate(1, layouts=["no_such_layout"])
    with pytest.raises(ValueError):
        generate(1, phrasing_split="test")
    with pytest.raises(TypeError):
        generate(1, colour="red")


def test_every_category_has_phrasings_in_both_splits():
    vocab = load_vocab()
    assert validate_vocab() == []
    for cat in sentence_categories():
        splits = {phrasing_split(i) for i in range(len(vocab[cat]))}
        assert splits == {"train", "heldout"}, cat


def test_clean_option_and_templates_option():
    for r in generate(10, seed=4, noise=0.0, templates=["2019"]):
        assert r.meta["template"] == "2019"
        assert r.meta["noise"] == [] and r.meta["punctuation"] == "none"


def test_printed_grid_is_the_official_form(shared_dir):
    docx = pytest.importorskip("docx")
    form = docx.Document(str(shared_dir / "data" / "template" / "annual-report-template-2021.docx"))
    for dtable, name in zip(form.tables, TABLE_NAMES):
        grid = printed_table(name, "2021")
        cells = {(r, k): c for row in grid.rows for c in row
                 for r in range(c.row, c.row + c.rowspan) for k in range(c.col, c.col + c.colspan)}
        assert len(dtable.rows) == len(grid.rows)
        for r, row in enumerate(dtable.rows):
            for k, cell in enumerate(row.cells):
                mine = cells[(r, k)]
                if mine.kind != VALUE:
                    assert label_key(mine.text, False) == label_key(cell.text, False), (name, r, k)


@pytest.mark.parametrize("fmt", ["html", "docx"])
def test_file_outputs_read_back_with_their_numbers(tmp_path, fmt, shared_dir):
    assert form_path() is not None
    for r in generate(4, seed=8):
        path = tmp_path / f"{r.id}.{fmt}"
        path.write_bytes(r.to_html() if fmt == "html" else r.to_docx())
        doc = annotate_file(r, path)
        assert doc.meta["unlocated_spans"] == 0 and doc.meta["unmatched_tables"] == 0
        cells = sorted(v for s, e, lab in doc.spans if lab == "TABLE_CELL"
                       for v in [parse_cell_number(doc.text[s:e])[1]] if v is not None)
        gold = sorted(v for name in TABLE_NAMES for v in r.gold[name].values() if v is not None)
        assert cells == gold, (r.id, fmt)
        assert Counter(lab for *_, lab in doc.spans)["METRIC_VALUE"] == len(r.gold["narrative_metrics"])


def test_cli_writes_annotations_and_files(tmp_path):
    from gainlp.cli.main import main

    out = tmp_path / "synth.jsonl"
    assert main(["synth", "-n", "3", "-o", str(out), "--seed", "1", "--html-dir", str(tmp_path / "h"), "-q"]) == 0
    docs = read_jsonl(out)
    assert [d.id for d in docs] == [f"synth-1-{i:06d}" for i in range(3)]
    assert all(d.meta["gold"]["template"] in TEMPLATES for d in docs)
    assert len(read_jsonl(tmp_path / "h" / "annotations.jsonl")) == 3
    gold = json.loads((tmp_path / "h" / "synth-1-000000.gold.json").read_text(encoding="utf-8"))
    assert gold == docs[0].meta["gold"]
    assert main(["synth", "-n", "1", "-o", str(out), "--layouts", "nope", "-q"]) == 2


def test_chinese_numerals_read_back():
    assert [int_to_cn(n) for n in (2, 12, 105, 110, 1050, 3200)] == ["二", "十二", "一百零五", "一百一十", "一千零五十", "三千二百"]
    assert int_to_cn(2, "件") == "两"
    assert all(chinese_to_int(int_to_cn(n)) == n for n in range(1, 10_000))
