"""Real reports as fixtures: each record equals its hand-checked .gold.json.

Seeds (../shared/data/seeds, five layouts as text) and the real PDF (../shared/data/real) go through the
public API, rules only. Every table cell, agency, year, template and section title must equal the gold;
every gold narrative metric must be found (value, unit, and a matching subject).
Deliberate differences are listed in DELIBERATE with their reason.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import gainlp
from gainlp.evaluation.matching import match_metrics
from gainlp.template import TABLE_NAMES

from .conftest import SHARED

SEEDS = sorted((SHARED / "data" / "seeds").glob("*.gold.json"))
REAL = sorted((SHARED / "data" / "real").glob("*.gold.json"))
TEMPLATE_DOCX = SHARED / "data" / "template" / "annual-report-template-2021.docx"

# (report id, field) -> reason. Kept empty unless a gold value is out of reach for a stated reason.
DELIBERATE: dict[tuple[str, str], str] = {}


def _source(gold_path: Path) -> Path:
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    return gold_path.with_name(gold["source"])


def _cases():
    return [pytest.param(p, id=p.name.split(".")[0]) for p in SEEDS + REAL]


@pytest.fixture(scope="module")
def records():
    cache = {}

    def get(gold_path: Path):
        if gold_path not in cache:
            cache[gold_path] = gainlp.extract(_source(gold_path))
        return cache[gold_path]

    return get


def _skip_if_deliberate(gid: str, field: str):
    if (gid, field) in DELIBERATE:
        pytest.skip(DELIBERATE[(gid, field)])


@pytest.mark.parametrize("gold_path", _cases())
def test_tables_equal_gold(gold_path, records):
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    rec = records(gold_path)
    assert rec.template == gold["template"]
    flat = rec.flat()
    for name in TABLE_NAMES:
        _skip_if_deliberate(gold["id"], name)
        if gold.get(name) is None:
            assert flat[name] is None
            continue
        assert flat[name] is not None, f"{name} not found"
        diffs = {k: (v, flat[name].get(k, "missing")) for k, v in gold[name].items() if flat[name].get(k, "missing") != v}
        assert not diffs, f"{name}: gold vs extracted {diffs}"
        assert set(flat[name]) == set(gold[name])


@pytest.mark.parametrize("gold_path", _cases())
def test_metadata_and_sections_equal_gold(gold_path, records):
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    rec = records(gold_path)
    assert rec.agency == gold["agency"]
    assert rec.year == gold["year"]
    assert [s.title for s in rec.sections] == gold["sections"]
    assert [s.number for s in rec.sections] == sorted(s.number for s in rec.sections)


@pytest.mark.parametrize("gold_path", _cases())
def test_every_gold_metric_is_found(gold_path, records):
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    rec = records(gold_path)
    _skip_if_deliberate(gold["id"], "narrative_metrics")
    m = match_metrics(rec.narrative_metrics, gold["narrative_metrics"])
    assert not m.missed, f"gold metrics not found: {m.missed}"


@pytest.mark.parametrize("gold_path", _cases())
def test_values_point_back_to_their_characters(gold_path, records):
    from gainlp.readers import read
    from gainlp.text import parse_cell_number

    rec = records(gold_path)
    text = read(_source(gold_path)).text
    assert rec.provenance
    for key, prov in rec.provenance.items():
        if key.startswith("narrative_metrics."):
            continue
        _, table, row, col = key.split(".")
        if prov.end > prov.start and prov.confidence == 1.0:  # run-together digits carry < 1
            assert parse_cell_number(text[prov.start:prov.end]) == (True, rec.cell(table, row, col)), key
    for i, m in enumerate(rec.narrative_metrics):
        assert 0 <= m.start < m.end <= len(text)
        assert any(ch.isdigit() or ch in "零一二两三四五六七八九十百千万" for ch in text[m.start:m.end])
        prov = rec.metric_provenance(i)
        assert (prov.start, prov.end) == (m.start, m.end) and prov.method in ("rules", "model")


def test_seed_002_prints_a_table_that_fails_its_check(records):
    gold_path = next(p for p in SEEDS if p.name.startswith("002"))
    rec = records(gold_path)
    fails = {c.name: c.detail for c in rec.checks if c.status == "fail"}
    assert "applications.total_row.natural_person" in fails and "applications.total_row.total" in fails
    assert "2" in fails["applications.total_row.total"] and "1" in fails["applications.total_row.total"]
    # kept as printed, never repaired
    assert rec.cell("applications", "total", "total") == 1


def test_blank_official_form_reads_as_2021_template_with_all_cells_null():
    rec = gainlp.extract(TEMPLATE_DOCX)
    assert rec.template == "2021"
    flat = rec.flat()
    for name in TABLE_NAMES:
        assert flat[name] is not None, name
        assert all(v is None for v in flat[name].values()), name
    assert [s.number for s in rec.sections][:4] == [1, 2, 3, 4]
