"""`gainlp extract` over a folder of good, bad and odd files; output atomicity."""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gainlp import outputs
from gainlp.batch import NOT_A_REPORT, extract_all, iter_inputs, report_likeness
from gainlp.cli.main import main
from gainlp.document import Document
from gainlp.record import Record, Section, Source, csv_columns

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "data" / "seeds"
SEED_TEXTS = sorted(SEEDS.glob("*.txt"))
SEED_002 = SEEDS / "002_af43464f076faa0e.txt"
GAINLP = Path(sys.executable).with_name("gainlp")

NOT_A_REPORT_TEXT = "今天天气晴朗，我们一家人去公园散步。公园里的花开得很好，孩子们在草地上放风筝。\n" * 5

BAD_FILES = {  # name -> bytes that no reader can turn into text
    "empty.txt": b"",
    "blob.txt": bytes(range(256)) * 8,
    "undecodable.txt": b"\x81\x20\xfe\x0a\xff\x81\x7f" * 100,
    "corrupt.docx": b"PK\x03\x04 this is not a zip archive",
    "corrupt.pdf": b"%PDF-1.4\n1 0 obj << broken",
}


@pytest.fixture()
def batch_dir(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    for f in SEED_TEXTS:
        shutil.copy(f, d / f.name)
    shutil.copy(SEED_002, d / "sub" / SEED_002.name)  # same stem, other folder
    for name, data in BAD_FILES.items():
        (d / name).write_bytes(data)
    (d / "notes.txt").write_text(NOT_A_REPORT_TEXT, encoding="utf-8")
    prose = "\n".join(line for line in SEED_002.read_text(encoding="utf-8").splitlines() if "|" not in line)
    (d / "no_tables.txt").write_text(prose, encoding="utf-8")
    (d / ".hidden.txt").write_text("ignored", encoding="utf-8")
    (d / "ignored.xyz").write_bytes(b"ignored")
    return d


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_iter_inputs(batch_dir):
    files = iter_inputs([batch_dir, batch_dir / "notes.txt"])
    names = [f.relative_to(batch_dir).as_posix() for f in files]
    assert ".hidden.txt" not in names and "ignored.xyz" not in names
    assert names.count("notes.txt") == 1
    assert "sub/002_af43464f076faa0e.txt" in names
    assert len(files) == len(SEED_TEXTS) + 1 + len(BAD_FILES) + 2


def test_extract_batch_folder(batch_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["extract", str(batch_dir), "-o", str(out)]) == 0
    summary = capsys.readouterr().out

    readable = len(SEED_TEXTS) + 1 + 2  # seeds, the duplicate, notes, no_tables
    records = jsonl(out / "records.jsonl")
    assert len(records) == readable
    with open(out / "records.csv", encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == csv_columns()
        assert len(list(reader)) == readable

    errors = jsonl(out / "errors.jsonl")
    assert sorted(Path(e["path"]).name for e in errors) == sorted(BAD_FILES)
    for e in errors:
        assert "\n" not in e["error"] and Path(e["path"]).name in e["error"], e
        assert Path(e["path"]).name in summary

    by_name = {Path(r["source"]["path"]).name: r for r in records}
    for f in SEED_TEXTS:
        assert by_name[f.name]["template"] in ("2019", "2021")
        assert not any(w.startswith(NOT_A_REPORT) for w in by_name[f.name]["warnings"])
    assert any(w.startswith(NOT_A_REPORT) for w in by_name["notes.txt"]["warnings"])
    no_tables = by_name["no_tables.txt"]["warnings"]
    assert "no template table found" in no_tables and not any(w.startswith(NOT_A_REPORT) for w in no_tables)

    # one JSON and one text per readable report; the two 002 copies get distinct names
    jsons = sorted(p.name for p in out.glob("*.json"))
    assert len(jsons) == readable
    assert sorted(p.name for p in (out / "text").glob("*.txt")) == sorted(j[:-5] + ".txt" for j in jsons)
    dup = [n for n in jsons if n.startswith(SEED_002.stem)]
    assert len(dup) == 2 and f"{SEED_002.stem}.json" in dup
    one = json.loads((out / "notes.json").read_text(encoding="utf-8"))
    assert one["source"]["path"].endswith("notes.txt")

    seed2 = by_name[SEED_002.name]
    fails = {c["name"] for c in seed2["checks"] if c["status"] == "fail"}
    assert "applications.total_row.total" in fails
    for label in ("files", "time", "output", "tables found", "checks failed", "across reports", "warnings",
                  "files in error"):
        assert label in summary
    assert SEED_002.stem in summary.split("checks failed")[1].splitlines()[0], "the summary names failed reports"
    assert not list(out.glob(".*.tmp")), "no temporary file left behind"


def test_report_likeness_threshold():
    doc = Document.from_text("本单位高度重视政府信息公开。今天天气晴朗。")
    record = Record(source=Source(path=None, sha256=doc.sha256, format="txt"))
    assert report_likeness(doc, record).startswith(NOT_A_REPORT), "one disclosure term is not enough"
    doc = Document.from_text("本单位高度重视政府信息公开，依申请公开办理及时。")
    assert report_likeness(doc, record) is None
    doc = Document.from_text("一、总体情况\n……\n二、主动公开政府信息情况\n……")
    record.sections = [Section(1, "总体情况", 0, 5), Section(2, "主动公开政府信息情况", 9, 20)]
    assert report_likeness(doc, record) is None


def test_nothing_readable_exits_1_and_keeps_previous_records(tmp_path):
    d = tmp_path / "bad"
    d.mkdir()
    for name in ("empty.txt", "corrupt.pdf"):
        (d / name).write_bytes(BAD_FILES[name])
    out = tmp_path / "out"
    out.mkdir()
    (out / "records.jsonl").write_text("OLD\n", encoding="utf-8")
    assert main(["extract", str(d), "-o", str(out), "--quiet"]) == 1
    assert (out / "records.jsonl").read_text(encoding="utf-8") == "OLD\n"
    assert len(jsonl(out / "errors.jsonl")) == 2

    (tmp_path / "empty_dir").mkdir()
    assert main(["extract", str(tmp_path / "empty_dir"), "-o", str(out), "-q"]) == 1
    assert main(["extract", str(tmp_path / "missing.txt"), "-o", str(out), "-q"]) == 1


def test_atomic_write_keeps_old_content_on_error(tmp_path):
    target = tmp_path / "x.json"
    outputs.atomic_write_text(target, "old")
    with pytest.raises(RuntimeError):
        with outputs.atomic_open(target) as f:
            f.write("half")
            raise RuntimeError("boom")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_jobs_give_the_same_records_in_order(batch_dir):
    serial = [(r.path, r.status, r.record and r.record.to_dict()) for r in extract_all([batch_dir], engine="rules")]
    parallel = [(r.path, r.status, r.record and r.record.to_dict())
                for r in extract_all([batch_dir], engine="rules", jobs=2)]
    assert serial == parallel


def test_engine_option(batch_dir, tmp_path):
    assert main(["extract", str(batch_dir / SEED_002.name), "-o", str(tmp_path / "o"), "--no-model", "-q"]) == 0
    with pytest.raises(ValueError, match="engine"):
        list(extract_all([SEED_002], engine="nonsense"))


@pytest.mark.skipif(not GAINLP.exists(), reason="console script not installed (pip install -e . --no-deps)")
def test_console_script_smoke(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run([str(GAINLP), "extract", str(SEED_002), "-o", str(out)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "files" in proc.stdout and "1 read" in proc.stdout
    assert len(jsonl(out / "records.jsonl")) == 1
