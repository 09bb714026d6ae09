"""Checks on hand-built records, and on seed 002 (a printed inconsistency) through the full pipeline."""
from __future__ import annotations

from pathlib import Path

import pytest

from gainlp.checks import run_checks
from gainlp.record import Check, Metric, Record, Source
from gainlp.template import load_spec

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "data" / "seeds"
SEED_002 = SEEDS / "002_af43464f076faa0e.txt"


def zero_record(template: str = "2021") -> Record:
    """A record whose three tables are printed in full with every cell 0 (consistent)."""
    r = Record(source=Source(path="x.txt", sha256="0", format="txt"), template=template)
    for name in ("active_disclosure", "applications", "review_litigation"):
        r.tables[name] = {row: {c: 0 for c in cols} for row, cols in r.empty_table(name).items()}
    return r


def by_name(record: Record) -> dict[str, Check]:
    checks = run_checks(record)
    names = [c.name for c in checks]
    assert len(names) == len(set(names)), "check names are unique"
    return {c.name: c for c in checks}


def statuses(checks: dict[str, Check]) -> set[str]:
    return {c.status for c in checks.values()}


def metric(subject: str, value, unit: str = "件", start: int = 0) -> Metric:
    return Metric(subject=subject, value=value, unit=unit, section=1, start=start, end=start + 5)


# ------------------------------------------------------------------------------------------ tables


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_consistent_zero_tables_pass_and_cover_the_template(template):
    checks = by_name(zero_record(template))
    assert statuses(checks) == {Check.PASS}
    spec = load_spec()
    apps = spec.table("applications", template)
    for col in apps.columns:
        assert f"applications.balance.{col.key}" in checks
        assert f"applications.total_row.{col.key}" in checks
    for row in apps.rows:
        assert f"applications.total_column.{row.key}" in checks
    for group in spec.table("review_litigation", template).rows:
        assert f"review_litigation.{group.key}.total" in checks
    assert not any(n.startswith("prose.") for n in checks), "no prose check without a prose metric"
    assert checks["applications.balance.total"].detail == "0+0 = 0+0"


def test_balance_fail_shows_the_numbers():
    r = zero_record()
    r.set_cell("applications", "new_received", "natural_person", 1)
    r.set_cell("applications", "total", "natural_person", 2)
    checks = by_name(r)
    c = checks["applications.balance.natural_person"]
    assert c.status == Check.FAIL
    assert c.detail == "1+0 = 2+0"


def test_seed_002_numbers_fail_total_row_not_repaired():
    """1 new application, outcome rows 予以公开 1 + 本机关不掌握 1 = 2, printed 总计 1."""
    r = zero_record()
    for row in ("new_received", "granted", "unavailable_not_held", "total"):
        for col in ("natural_person", "total"):
            r.set_cell("applications", row, col, 1)
    checks = by_name(r)
    for col in ("natural_person", "total"):
        c = checks[f"applications.total_row.{col}"]
        assert c.status == Check.FAIL
        assert c.detail == "1 = 2 [granted 1 + unavailable_not_held 1]"
        assert checks[f"applications.balance.{col}"].status == Check.PASS
    assert checks["applications.total_row.commercial"].status == Check.PASS
    assert checks["applications.total_row.commercial"].detail.endswith("[all 21 cells 0]")
    assert r.cell("applications", "total", "total") == 1, "checks never repair a table"


def test_2019_outcome_rows_include_other():
    r = zero_record("2019")
    r.set_cell("applications", "other", "research", 3)
    r.set_cell("applications", "other", "total", 3)
    checks = by_name(r)
    assert checks["applications.total_row.research"].status == Check.FAIL
    assert "other 3" in checks["applications.total_row.research"].detail
    assert checks["applications.total_column.other"].status == Check.PASS
    assert checks["applications.total_column.other"].detail == "3 = 0+0+3+0+0+0"


def test_total_column_fail():
    r = zero_record()
    r.set_cell("applications", "granted", "commercial", 2)
    r.set_cell("applications", "granted", "total", 1)
    c = by_name(r)["applications.total_column.granted"]
    assert (c.status, c.detail) == (Check.FAIL, "1 = 0+2+0+0+0+0")


def test_null_cells_make_a_check_not_assessable():
    r = zero_record()
    r.set_cell("applications", "carried_over", "social_welfare", None)
    checks = by_name(r)
    c = checks["applications.balance.social_welfare"]
    assert c.status == Check.NOT_ASSESSABLE
    assert "carried_over.social_welfare" in c.detail
    assert checks["applications.total_column.carried_over"].status == Check.NOT_ASSESSABLE
    assert checks["applications.balance.natural_person"].status == Check.PASS


def test_all_null_is_not_assessable_not_pass():
    """A blank-but-consistent table (every involved cell null) is not evidence of consistency."""
    r = zero_record()
    r.tables["applications"] = r.empty_table("applications")  # all null
    checks = by_name(r)
    assert {c.status for n, c in checks.items() if n.startswith("applications.")} == {Check.NOT_ASSESSABLE}
    # seed 001's pattern: only the total column printed -> row sums cannot be assessed
    r = zero_record()
    for row, cols in r.tables["applications"].items():
        for col in cols:
            if col != "total":
                cols[col] = None
    checks = by_name(r)
    assert checks["applications.total_column.granted"].status == Check.NOT_ASSESSABLE
    assert checks["applications.balance.total"].status == Check.PASS


def test_missing_row_and_missing_table():
    r = zero_record()
    del r.tables["applications"]["carried_forward"]
    checks = by_name(r)
    assert checks["applications.balance.total"].status == Check.NOT_ASSESSABLE
    assert "carried_forward.total" in checks["applications.balance.total"].detail
    r = zero_record()
    r.tables["review_litigation"] = None
    checks = by_name(r)
    c = checks["review_litigation.reconsideration.total"]
    assert (c.status, c.detail) == (Check.NOT_ASSESSABLE, "table review_litigation missing")


def test_record_without_template_or_tables():
    r = Record(source=Source(path=None, sha256="0", format="txt"))
    checks = by_name(r)
    assert statuses(checks) == {Check.NOT_ASSESSABLE}


def test_review_groups():
    r = zero_record()
    for col, v in {"upheld": 72, "corrected": 64, "other": 178, "pending": 37, "total": 351}.items():
        r.set_cell("review_litigation", "reconsideration", col, v)
    r.set_cell("review_litigation", "litigation_direct", "upheld", 5)
    checks = by_name(r)
    c = checks["review_litigation.reconsideration.total"]
    assert (c.status, c.detail) == (Check.PASS, "351 = 72+64+178+37")
    c = checks["review_litigation.litigation_direct.total"]
    assert (c.status, c.detail) == (Check.FAIL, "0 = 5+0+0+0")
    assert checks["review_litigation.litigation_after_reconsideration.total"].status == Check.PASS


# ------------------------------------------------------------------------------------------ prose


def test_prose_checks_pass_and_fail():
    r = zero_record()
    r.set_cell("applications", "new_received", "total", 3119)
    r.set_cell("review_litigation", "reconsideration", "total", 351)
    r.set_cell("review_litigation", "litigation_direct", "total", 26)
    r.set_cell("review_litigation", "litigation_after_reconsideration", "total", 20)
    r.set_cell("active_disclosure", "punishment", "decisions", 10)
    r.narrative_metrics = [
        metric("受理政府信息公开申请", 3119, start=10),
        metric("政府信息公开行政复议", 351, start=20),
        metric("政府信息公开行政诉讼", 46, start=30),
        metric("行政处罚", 12, start=40),
        metric("行政复议(指南)", 1, unit="条", start=50),  # a published guide, not a case count
    ]
    checks = by_name(r)
    prose = {n: c for n, c in checks.items() if n.startswith("prose.")}
    assert set(prose) == {
        "prose.applications.new_received.total",
        "prose.review_litigation.reconsideration.total",
        "prose.review_litigation.litigation.total",
        "prose.active_disclosure.punishment.decisions",
    }
    assert prose["prose.applications.new_received.total"].status == Check.PASS
    assert prose["prose.review_litigation.litigation.total"].status == Check.PASS
    assert prose["prose.review_litigation.litigation.total"].detail == "政府信息公开行政诉讼 46件: 46 = 26+20"
    c = prose["prose.active_disclosure.punishment.decisions"]
    assert (c.status, c.detail) == (Check.FAIL, "行政处罚 12件: 12 = 10")


def test_prose_subject_variants_and_first_metric_wins():
    r = zero_record()
    r.set_cell("applications", "new_received", "total", 1)
    r.narrative_metrics = [metric("收到依申请公开", 1, unit="条", start=5), metric("收到政府信息公开申请", 9, start=99)]
    assert by_name(r)["prose.applications.new_received.total"].status == Check.PASS
    for subject in ("上年度结转申请", "答复", "依申请公开办理"):
        r.narrative_metrics = [metric(subject, 5)]
        assert "prose.applications.new_received.total" not in by_name(r), subject


def test_prose_check_not_assessable_when_the_cell_is_null():
    r = zero_record()
    r.tables["review_litigation"] = None
    r.narrative_metrics = [metric("行政复议", 2)]
    c = by_name(r)["prose.review_litigation.reconsideration.total"]
    assert c.status == Check.NOT_ASSESSABLE
    assert "reconsideration.total" in c.detail


# ------------------------------------------------------------------------------------------ pipeline


def test_seed_002_through_the_pipeline_carries_the_printed_inconsistency():
    from gainlp.pipeline import extract

    record = extract(SEED_002)
    checks = {c.name: c for c in record.checks}
    for col in ("natural_person", "total"):
        c = checks[f"applications.total_row.{col}"]
        assert c.status == Check.FAIL, c
        assert c.detail == "1 = 2 [granted 1 + unavailable_not_held 1]"
        assert checks[f"applications.balance.{col}"].status == Check.PASS
    assert record.cell("applications", "total", "total") == 1
    assert checks["review_litigation.reconsideration.total"].status == Check.PASS
    fails = {c.name for c in record.checks if c.status == Check.FAIL}
    assert fails == {"applications.total_row.natural_person", "applications.total_row.total"}
