"""Checks across a batch (gainlp.crossreport) and the batch's write path for records a step updates."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from gainlp import crossreport
from gainlp.crossreport import APPLICATION_COLUMNS, finalize, normalise_agency
from gainlp.record import Record, Source
from gainlp.runner import run_batch

from tests.test_batch import SEED_TEXTS, SEEDS, assert_consistent, jsonl

TEXT = "\n".join(f"第{i}句：本机关认真落实政府信息公开条例的各项要求，做好第{i}项工作。" for i in range(20))


def record(agency: str, year: int, *, carried_over: int = 0, carried_forward: int = 0, template: str = "2021",
           in_force: int | None = None, issued: int = 0, abolished: int = 0, sha: str | None = None) -> Record:
    r = Record(source=Source(path=f"{agency}-{year}.txt", sha256=sha or f"{agency}{year}", format="txt"),
               agency=agency, year=year, template=template)
    for col in APPLICATION_COLUMNS:
        r.set_cell("applications", "carried_over", col, carried_over)
        r.set_cell("applications", "carried_forward", col, carried_forward)
    if template == "2021":
        for row in ("regulations", "normative_documents"):
            r.set_cell("active_disclosure", row, "issued", issued)
            r.set_cell("active_disclosure", row, "abolished", abolished)
            r.set_cell("active_disclosure", row, "in_force", in_force)
    return r


def by_name(result) -> dict[tuple[str, int], str]:
    return {(c.name, c.year): c.status for c in result.checks}


def test_carried_over_and_in_force():
    records = {
        "a20": record("某县卫生健康局", 2020, carried_forward=2, template="2019"),
        "a21": record("某县 卫生健康局", 2021, carried_over=2, carried_forward=3, in_force=10),
        "a22": record("某县卫生健康局", 2022, carried_over=4, in_force=12, issued=3, abolished=1),
        "a24": record("某县卫生健康局", 2024, carried_over=9),  # no 2023: nothing to compare
        "b21": record("另一局", 2021),
    }
    result = finalize(records)
    status = by_name(result)
    assert status[("cross.carried_over.total", 2021)] == "pass"
    assert status[("cross.carried_over.natural_person", 2022)] == "fail"
    assert ("cross.in_force.regulations", 2021) not in status, "2019 template has no 现行有效"
    assert status[("cross.in_force.regulations", 2022)] == "pass"  # 10 + 3 - 1 = 12
    assert not any(year == 2024 for _, year in status)
    fail = next(c for c in result.checks if c.name == "cross.carried_over.total" and c.year == 2022)
    assert fail.detail.endswith("3 ≠ 4") and fail.values == (3, 4) and fail.previous == ("a21",)
    assert result.updated == {}, "checks flag, they never repair"


def test_agency_names_normalised():
    assert normalise_agency("某县　卫生健康局（ＡＢ）") == normalise_agency("某县卫生健康局(AB)")


def test_missing_values_and_duplicates():
    records = {
        "x21": record("局", 2021, carried_forward=5),
        "x22.pdf": record("局", 2022, carried_over=5),
        "x22.html": record("局", 2022, carried_over=5),  # the same report in two formats: agrees
    }
    records["x22.html"].set_cell("applications", "carried_over", "research", None)  # one null, the other 5
    result = finalize(records)
    checks = [c for c in result.checks if c.name.startswith("cross.carried_over")]
    assert len(checks) == len(APPLICATION_COLUMNS), "one check per column, not per duplicate"
    assert all(c.status == "pass" for c in checks) and checks[0].documents == ("x22.pdf", "x22.html")
    records["x22.html"].set_cell("applications", "carried_over", "total", 6)  # now they disagree
    records["x21"].set_cell("applications", "carried_forward", "commercial", None)
    status = by_name(finalize(records))
    assert status[("cross.carried_over.total", 2022)] == "not_assessable"
    assert status[("cross.carried_over.commercial", 2022)] == "not_assessable"


def test_repeated_text_flagged():
    records = {"r20": record("局", 2020), "r21": record("局", 2021), "s20": record("处", 2020),
               "s21": record("处", 2021)}
    other = "\n".join(f"第{i}段：今年新开展了第{i}项不同的工作，成效明显，群众满意度提高。" for i in range(20))
    texts = {"r20": TEXT, "r21": TEXT + "\n新增一句话，说明今年的情况有所变化。", "s20": TEXT, "s21": other}
    assert not any(c.name == "cross.repeated_text" for c in finalize(records).checks), "no texts, no check"
    result = finalize(records, texts)
    repeated = {c.documents[0]: c for c in result.checks if c.name == "cross.repeated_text"}
    assert repeated["r21"].status == "fail" and repeated["s21"].status == "pass"
    same_file = {"t20": record("所", 2020, sha="same"), "t21": record("所", 2021, sha="same")}
    same = finalize(same_file, {"t20": TEXT, "t21": TEXT}).checks
    assert [c.status for c in same if c.name == "cross.repeated_text"] == ["fail"]


def test_batch_outputs_cross_checks(tmp_path):
    import pandas as pd

    d = tmp_path / "in"
    d.mkdir()
    seed = next(f for f in SEED_TEXTS if "2023" in f.read_text(encoding="utf-8")[:300])
    shutil.copy(seed, d / "y2023.txt")
    (d / "y2024.txt").write_text(seed.read_text(encoding="utf-8").replace("2023", "2024").replace("2022", "2023"),
                                 encoding="utf-8")
    out = tmp_path / "out"
    summary = run_batch([d], out, model="rules")
    checks = pd.read_parquet(out / "checks")
    cross = checks[checks["scope"] == "batch"]
    assert len(cross) and set(cross["document"]) == {"y2024"} and set(cross["other_document"]) == {"y2023"}
    assert cross.set_index("name").loc["cross.repeated_text", "status"] == "fail"
    assert summary.cross["fail"] >= 1 and any("y2024" in f for f in summary.cross_failed)
    # a second run (nothing to read) leaves one set of cross checks, not two
    run_batch([d], out, model="rules")
    again = pd.read_parquet(out / "checks")
    assert len(again[again["scope"] == "batch"]) == len(cross)


def test_updated_records_are_written_everywhere(tmp_path, monkeypatch):
    import pandas as pd

    d = tmp_path / "in"
    d.mkdir()
    for f in SEED_TEXTS[:3]:
        shutil.copy(f, d / f.name)
    name = SEED_TEXTS[1].stem

    def fake_resolve(groups, records):  # what issue 9's resolution step will do: fill a cell
        rec = records[name]
        rec.set_cell("applications", "new_received", "natural_person", 4242)
        rec.warnings.append("filled from the neighbouring years")
        return {name: rec}

    monkeypatch.setattr(crossreport, "resolve", fake_resolve)
    out = tmp_path / "out"
    run_batch([d], out, model="rules")
    rec = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
    assert rec["tables"]["applications"]["new_received"]["natural_person"] == 4242
    line = next(r for r in jsonl(out / "records.jsonl") if r["source"]["path"].endswith(f"{name}.txt"))
    assert line == rec
    cells = pd.read_parquet(out / "cells")
    hit = cells[(cells["document"] == name) & (cells["row"] == "new_received") & (cells["column"] == "natural_person")]
    assert hit["value"].tolist() == [4242.0]
    assert "4242" in (out / "records.csv").read_text(encoding="utf-8")
    warnings = pd.read_parquet(out / "warnings")
    assert "filled from the neighbouring years" in set(warnings[warnings["document"] == name]["warning"])
    assert_consistent(out)
    assert SEEDS.exists()
