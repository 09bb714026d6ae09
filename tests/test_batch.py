"""Batch jobs at scale (issue 11): one test per failure a user met, and the research outputs.

Workers are forked, so a monkeypatch made here (a file that kills its worker, a file that hangs) is in
force inside them too.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest

import gainlp
from gainlp import batch, workers
from gainlp.cli.main import main
from gainlp.record import MAX_VALUE, Provenance, Record, Source
from gainlp.store import OutputFolder
from gainlp.tabular import KINDS, cell_kind, report_rows
from gainlp.template import TEMPLATES, load_spec

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "data" / "seeds"
SEED_TEXTS = sorted(SEEDS.glob("*.txt"))
SEED_002 = SEEDS / "002_af43464f076faa0e.txt"
ROOT = Path(__file__).resolve().parents[1]


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def documents(out: Path) -> dict[str, dict]:
    import pyarrow.parquet as pq

    return {r["path"]: r for r in pq.read_table(out / "documents").to_pylist()}


def assert_consistent(out: Path) -> None:
    """records.jsonl, records.csv, the JSON files, the texts and the Parquet tables tell one story."""
    import pyarrow.parquet as pq

    records = jsonl(out / "records.jsonl")
    names = sorted(p.stem for p in out.glob("*.json"))
    assert len(records) == len(names), "one records.jsonl line per JSON file"
    on_disk = sorted(json.loads(p.read_text(encoding="utf-8"))["source"]["sha256"] for p in out.glob("*.json"))
    assert sorted(r["source"]["sha256"] for r in records) == on_disk
    assert sorted(p.stem for p in (out / "text").glob("*.txt")) == names
    csv_rows = (out / "records.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(csv_rows) == len(records) + 1
    docs = pq.read_table(out / "documents").to_pylist()
    ok = sorted(d["document"] for d in docs if d["status"] == "ok")
    assert ok == names
    cells = pq.read_table(out / "cells").to_pandas()
    assert sorted(cells["document"].unique()) == names, "cells of exactly the folder's records"
    assert not cells.duplicated(["document", "table", "row", "column"]).any()
    assert not list(out.rglob(".*.tmp")), "no temporary file left"


@pytest.fixture()
def seeds_dir(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    for f in SEED_TEXTS:
        shutil.copy(f, d / f.name)
    return d


def run_cli(*args: str) -> int:
    return main(["extract", *args])


# --------------------------------------------------------------------------------------------- workers


def _killing_process_file(real):
    def process_file(path, name, settings, raw=None):
        if Path(path).name.startswith("crash"):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(path, name, settings, raw)
    return process_file


def test_a_killed_worker_costs_only_its_file(seeds_dir, tmp_path, monkeypatch):
    (seeds_dir / "crash.txt").write_text(SEED_002.read_text(encoding="utf-8") + "\n附。", encoding="utf-8")
    monkeypatch.setattr(batch, "process_file", _killing_process_file(batch.process_file))
    out = tmp_path / "out"
    assert run_cli(str(seeds_dir), "-o", str(out), "-j", "2", "--no-model", "-q") == 0
    docs = documents(out)
    crashed = docs[str(seeds_dir / "crash.txt")]
    assert crashed["status"] == "error" and "died" in crashed["error"] and "SIGKILL" in crashed["error"]
    assert sum(d["status"] == "ok" for d in docs.values()) == len(SEED_TEXTS)
    assert [e["path"] for e in jsonl(out / "errors.jsonl")] == [str(seeds_dir / "crash.txt")]
    assert_consistent(out)
    # --strict turns a file error into exit status 3 (the others are done already: resumed)
    assert run_cli(str(seeds_dir), "-o", str(out), "--no-model", "-q", "--strict") == 3


def _run_with_slow_files(seeds_dir, tmp_path, monkeypatch, behave, *flags):
    """Seed 002 copied as <word>.txt for each word of ``behave`` (word -> what the worker does with that
    file before its record is finished), the folder run with ``-j 2`` and a 1 s grace; returns the
    seconds the run took and its documents."""
    real = batch.report_likeness

    def slow(doc, record):
        for word, act in behave.items():
            if word.upper() in doc.text:
                act()
        return real(doc, record)

    monkeypatch.setattr(batch, "report_likeness", slow)
    monkeypatch.setattr(workers, "GRACE_SECONDS", 1.0)
    for word in behave:
        (seeds_dir / f"{word}.txt").write_text(SEED_002.read_text(encoding="utf-8") + f"\n{word.upper()}",
                                               encoding="utf-8")
    out = tmp_path / "out"
    started = time.monotonic()
    assert run_cli(str(seeds_dir), "-o", str(out), "-j", "2", "--no-model", "-q", *flags) == 0
    return time.monotonic() - started, documents(out)


def _ignore_the_alarm() -> None:
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})  # like a loop inside C code
    time.sleep(60)


def test_worker_ignoring_its_alarm_is_killed_at_the_limit(seeds_dir, tmp_path, monkeypatch):
    seconds, docs = _run_with_slow_files(seeds_dir, tmp_path, monkeypatch, {
        "hang": _ignore_the_alarm,
        "slow": lambda: time.sleep(60),  # interrupted by the alarm
    }, "--max-seconds", "2")
    assert seconds < 30
    for name in ("hang.txt", "slow.txt"):
        d = docs[str(seeds_dir / name)]
        assert d["status"] == "timeout" and "--max-seconds" in d["error"], d
    assert sum(d["status"] == "ok" for d in docs.values()) == len(SEED_TEXTS)


def test_pages_read_by_ocr_extend_the_time_limit_in_worker_and_parent(seeds_dir, tmp_path, monkeypatch):
    """Each page the OCR reader starts adds --max-page-seconds to the file's limit: the worker's alarm and
    the parent's watchdog both allow it (here 2 s + 1 page of 4 s), and a timeout names both flags."""
    from gainlp import limits

    def one_page() -> None:
        limits.extend(limits.active().ocr_page_seconds)  # what the OCR reader does per page

    seconds, docs = _run_with_slow_files(seeds_dir, tmp_path, monkeypatch, {
        "onepage": lambda: (one_page(), time.sleep(3.5)),  # over --max-seconds, within it plus one page
        "stuck": lambda: (one_page(), _ignore_the_alarm()),
    }, "--max-seconds", "2", "--max-page-seconds", "4")
    assert seconds < 40
    assert docs[str(seeds_dir / "onepage.txt")]["status"] == "ok"
    stuck = docs[str(seeds_dir / "stuck.txt")]
    assert stuck["status"] == "timeout" and "took over 6 s" in stuck["error"], stuck
    assert "--max-page-seconds" in stuck["error"]
    assert stuck["seconds"] >= 6


# --------------------------------------------------------------------------------------------- names, limits


def test_long_and_odd_input_names(tmp_path, monkeypatch):
    d = tmp_path / "in"
    d.mkdir()
    text = SEED_002.read_text(encoding="utf-8")
    body = ("政府信息公开工作年度报告" * 7)[:76]
    long_a, long_b = f"关于{body}甲", f"关于{body}乙"  # 79 characters, 237 bytes: legal on ext4
    assert len(f"{long_a}.txt".encode("utf-8")) <= 255
    for stem in (long_a, long_b, "=HYPERLINK(1)", "-rf", "a:b*c?"):
        (d / f"{stem}.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    monkeypatch.chdir(d)  # relative paths: "=HYPERLINK(1).txt" is what lands in records.csv
    assert run_cli(".", "-o", str(out), "--no-model", "-q") == 0
    names = sorted(p.name for p in out.glob("*.json"))
    assert len(names) == 5 and all(len(n.encode("utf-8")) <= 200 for n in names)
    assert len({n[:40] for n in names if n.startswith("关于")}) == 1, "both long names kept their beginning"
    assert_consistent(out)
    # a path beginning with "=" or "-" does not run as a spreadsheet formula; numbers stay numbers
    csv_text = (out / "records.csv").read_text(encoding="utf-8")
    paths = [line.split(",")[0] for line in csv_text.splitlines()[1:]]
    assert not any(p.lstrip('"').startswith(("=", "-", "+", "@")) for p in paths)
    assert any(p.lstrip('"').startswith("'=") for p in paths)


def test_csv_bom_option(seeds_dir, tmp_path):
    out = tmp_path / "out"
    assert run_cli(str(SEED_002), "-o", str(out), "--no-model", "-q", "--csv-bom") == 0
    assert (out / "records.csv").read_bytes().startswith(b"\xef\xbb\xbfpath,")
    assert (out / "codebook.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def _docx_with_big_part(path: Path, part_bytes: int) -> None:
    from docx import Document as new_docx

    doc = new_docx()
    doc.add_paragraph("2021年政府信息公开工作年度报告")
    buf = io.BytesIO()
    doc.save(buf)
    with zipfile.ZipFile(buf, "a", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/media/padding.bin", b"\0" * part_bytes)
    path.write_bytes(buf.getvalue())


def test_per_file_limits(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    text = SEED_002.read_text(encoding="utf-8")
    (d / "big.txt").write_text(text * 40, encoding="utf-8")  # ~ 0.5 MB
    _docx_with_big_part(d / "bomb.docx", 3 * 1024 * 1024)  # a small file that unpacks to 3 MB
    (d / "fine.txt").write_text(text, encoding="utf-8")
    deep = "<html><body>" + "<div>" * 300 + "<p>政府信息公开</p>" + "</div>" * 300 + "</body></html>"
    (d / "deep.html").write_text(deep, encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli(str(d), "-o", str(out), "--no-model", "-q", "--max-size", "200k", "--max-unpacked", "1MB",
                   "--max-depth", "100") == 0
    docs = {Path(p).name: r for p, r in documents(out).items()}
    assert docs["fine.txt"]["status"] == "ok"
    for name, flag in (("big.txt", "--max-size"), ("bomb.docx", "--max-unpacked"), ("deep.html", "--max-depth")):
        assert docs[name]["status"] == "error" and flag in docs[name]["error"] and name in docs[name]["error"]
        assert "\n" not in docs[name]["error"]
    out2 = tmp_path / "out2"
    assert run_cli(str(d / "big.txt"), "-o", str(out2), "--no-model", "-q", "--max-chars", "100000") == 1
    assert "--max-chars" in jsonl(out2 / "errors.jsonl")[0]["error"]


def test_non_regular_files_are_refused_without_hanging(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.txt"
    zero.symlink_to("/dev/zero")
    out = tmp_path / "out"
    started = time.monotonic()
    assert run_cli(str(fifo), str(zero), str(SEED_002), "-o", str(out), "--no-model", "-q") == 0
    assert time.monotonic() - started < 30
    errors = {e["path"]: e["error"] for e in jsonl(out / "errors.jsonl")}
    assert "not a regular file (a FIFO)" in errors[str(fifo)]
    assert "not a regular file (a character device)" in errors[str(zero)]


def test_deep_html_is_read(tmp_path):
    body = "<p>薛城区卫生健康局2020年政府信息公开工作年度报告</p><p>一、总体情况</p><p>主动公开政府信息50条。</p>"
    flat = tmp_path / "flat.html"
    flat.write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
    deep = tmp_path / "deep.html"
    deep.write_text("<html><body>" + "<div><span>" * 600 + body + "</span></div>" * 600 + "</body></html>",
                    encoding="utf-8")  # 1,200 levels: RecursionError before
    from gainlp.readers import read

    assert read(deep).text == read(flat).text


# --------------------------------------------------------------------------------------------- text encodings


TRADITIONAL = ("二零二零年本機關認真貫徹落實《中華人民共和國政府信息公開條例》，堅持以公開為常態、不公開為例外，"
               "主動公開政府信息一百二十條，收到政府信息公開申請十五件，全部按時辦理答覆。\n"
               "行政復議和行政訴訟情況：本年度未發生因政府信息公開引起的行政復議和行政訴訟。\n")


def test_utf16_without_bom_and_big5(tmp_path):
    from gainlp.readers import read

    text = SEED_002.read_text(encoding="utf-8")
    for enc in ("utf-16-le", "utf-16-be"):
        p = tmp_path / f"{enc}.txt"
        p.write_bytes(text.encode(enc))
        doc = read(p)
        assert doc.text == text and any("UTF-16" in w for w in doc.warnings)
    p = tmp_path / "big5.txt"
    p.write_bytes(TRADITIONAL.encode("big5"))
    doc = read(p)
    assert doc.text == TRADITIONAL and any("Big5" in w for w in doc.warnings)
    p = tmp_path / "gbk.txt"  # GB text stays GB18030, without a warning
    p.write_bytes(text.encode("gb18030"))
    assert read(p).text == text and not read(p).warnings


# --------------------------------------------------------------------------------------------- numbers


def test_a_400_digit_figure_is_null_not_infinity(tmp_path):
    text = SEED_002.read_text(encoding="utf-8")
    huge = "9" * 400 + ".5"
    p = tmp_path / "huge.txt"
    p.write_text(text.replace("主动公开", f"主动公开政府信息{huge}条，", 1), encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli(str(p), "-o", str(out), "--no-model", "-q") == 0

    def no_constants(name):
        raise AssertionError(f"{name} in JSON")

    for path in (out / "huge.json", out / "records.jsonl"):
        record = json.loads(path.read_text(encoding="utf-8"), parse_constant=no_constants)
    assert all(abs(m["value"]) <= MAX_VALUE for m in record["narrative_metrics"])
    assert any("too large" in w for w in record["warnings"])


# --------------------------------------------------------------------------------------------- resume, runs


def test_rerun_resumes_and_force_redoes(seeds_dir, tmp_path):
    out = tmp_path / "out"
    assert run_cli(str(seeds_dir), "-o", str(out), "--no-model", "-q") == 0
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")}
    from gainlp.runner import run_batch

    summary = run_batch([seeds_dir], out, model="rules")
    assert summary.resumed == len(SEED_TEXTS) and summary.files == 0
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")} == before
    summary = run_batch([seeds_dir], out, model="rules", force=True)
    assert summary.ok == len(SEED_TEXTS) and summary.resumed == 0
    assert_consistent(out)
    record = jsonl(out / "records.jsonl")[0]
    assert record["versions"] == {"gainlp": gainlp.__version__, "model": None}


def test_runs_into_one_folder(seeds_dir, tmp_path):
    out = tmp_path / "out"
    # successive runs with other inputs add up; a changed input replaces its own record
    assert run_cli(*map(str, SEED_TEXTS[:2]), "-o", str(out), "--no-model", "-q") == 0
    assert run_cli(*map(str, SEED_TEXTS[2:]), "-o", str(out), "--no-model", "-q") == 0
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(SEED_TEXTS[0], other / SEED_TEXTS[0].name)  # same stem, another folder
    (other / SEED_TEXTS[0].name).write_text(SEED_TEXTS[0].read_text(encoding="utf-8") + "\n附：说明。",
                                            encoding="utf-8")
    assert run_cli(str(other), "-o", str(out), "--no-model", "-q") == 0
    assert len(jsonl(out / "records.jsonl")) == len(SEED_TEXTS) + 1
    assert_consistent(out)
    edited = seeds_dir / SEED_002.name
    edited.write_text(SEED_002.read_text(encoding="utf-8").replace("主动公开", "主动公开了", 1), encoding="utf-8")
    assert run_cli(str(edited), "-o", str(out), "--no-model", "-q") == 0
    assert len(jsonl(out / "records.jsonl")) == len(SEED_TEXTS) + 2  # the seed-folder copy is a new input
    assert_consistent(out)
    assert run_cli(str(edited), "-o", str(out), "--no-model", "-q", "--force") == 0
    assert len(jsonl(out / "records.jsonl")) == len(SEED_TEXTS) + 2, "the forced re-read replaced its record"
    assert_consistent(out)

    # a second run while one holds the folder: refused in one line, nothing touched
    with OutputFolder(out):
        proc = subprocess.run([sys.executable, "-m", "gainlp.cli.main", "extract", str(SEED_002), "-o", str(out),
                               "--no-model"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "in use by another gainlp run" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert_consistent(out)


def _slow_run_script(src: Path, out: Path) -> str:
    return f"""
import time, sys
from gainlp import batch
real = batch.report_likeness
def slow(doc, record):
    time.sleep(0.1)  # at least 8 s for 160 files on 2 workers: the kill lands mid-run
    return real(doc, record)
batch.report_likeness = slow
from gainlp import store
store.CHECKPOINT_FILES = 20
from gainlp.cli.main import main
sys.exit(main(["extract", {str(src)!r}, "-o", {str(out)!r}, "--no-model", "-j", "2"]))
"""


def _many_reports(d: Path, n: int) -> None:
    d.mkdir()
    texts = [f.read_text(encoding="utf-8") for f in SEED_TEXTS]
    for i in range(n):
        (d / f"r{i:04d}.txt").write_text(texts[i % len(texts)] + f"\n（编号{i}）", encoding="utf-8")


def test_kill_9_then_rerun_finishes_only_the_rest(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    _many_reports(src, 160)
    proc = subprocess.Popen([sys.executable, "-c", _slow_run_script(src, out)], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            jl = out / "records.jsonl"
            if jl.exists() and jl.stat().st_size > 0:
                break
            time.sleep(0.05)
        time.sleep(0.3)  # mid-way through the next checkpoint, likely
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
    done_before = len(jsonl(out / "records.jsonl"))
    assert 0 < done_before < 160, "killed mid-run"
    from gainlp.runner import run_batch

    summary = run_batch([src], out, model="rules", jobs=2)
    assert summary.resumed >= done_before and summary.resumed + summary.ok == 160
    assert summary.ok < 160, "only the rest was read"
    assert len(jsonl(out / "records.jsonl")) == 160
    assert_consistent(out)


def test_ctrl_c_exits_promptly_keeping_what_is_done(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    _many_reports(src, 400)
    proc = subprocess.Popen([sys.executable, "-c", _slow_run_script(src, out)], start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not ((out / "records.jsonl").exists()
                                               and (out / "records.jsonl").stat().st_size):
        time.sleep(0.05)
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C sends: the whole foreground group
    sent = time.monotonic()
    try:
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert time.monotonic() - sent < 15
    assert proc.returncode == 130, stderr
    assert children and not any(Path(f"/proc/{c}").exists() for c in children), "no orphan worker"
    assert "Traceback" not in stderr
    n = len(jsonl(out / "records.jsonl"))
    assert 0 < n < 400
    assert_consistent(out)


# --------------------------------------------------------------------------------------------- user mistakes


def _cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gainlp.cli.main", *args], capture_output=True, text=True,
                          timeout=120, **kw)


def test_user_mistakes_are_one_line(tmp_path):
    a_file = tmp_path / "afile"
    a_file.write_text("x", encoding="utf-8")
    corrupt = tmp_path / "corrupt_model"
    corrupt.mkdir()
    (corrupt / "model.safetensors").write_bytes(b"not weights")
    (corrupt / "config.json").write_text("{", encoding="utf-8")
    cases = [
        (["extract", str(SEED_002), "-o", str(a_file)], "is a file"),
        (["extract", str(SEED_002), "-o", str(tmp_path / "o1"), "--model", "/nope"], "/nope"),
        (["extract", str(SEED_002), "-o", str(tmp_path / "o2"), "--model", str(corrupt)], "cannot load the model"),
        (["extract", str(SEED_002), "-o", str(tmp_path / "o3"), "-j", "-1"], "at least 1"),
        (["extract", str(SEED_002), "-o", str(tmp_path / "o4"), "--max-size", "lots"], "not a size"),
        (["synth", "-n", "-5", "-o", str(tmp_path / "s.jsonl")], "at least 1"),
    ]
    for args, expected in cases:
        proc = _cli(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "Traceback" not in proc.stderr, (args, proc.stderr)
        last = proc.stderr.strip().splitlines()[-1]  # argparse prints its usage above its one-line error
        assert expected in last and last.startswith("gainlp "), (args, proc.stderr)
        if "usage:" not in proc.stderr:
            assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    with pytest.raises(FileNotFoundError, match="missing.pdf"):
        gainlp.extract("missing.pdf")
    with pytest.raises(FileNotFoundError):
        gainlp.extract(str(tmp_path / "nowhere" / "report"))
    proc = _cli("--version")
    assert proc.returncode == 0 and gainlp.__version__ in proc.stdout


@contextmanager
def _tmpfs(path: Path, options: str):
    path.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                                           capture_output=True).returncode:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_read_only_folder_and_full_disk(tmp_path):
    with _tmpfs(tmp_path / "ro", "ro,size=1m") as ro:
        proc = _cli("extract", str(SEED_002), "-o", str(ro / "out"))
        assert proc.returncode == 2 and "cannot write" in proc.stderr and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
    with _tmpfs(tmp_path / "full", "size=300k") as full:
        src = tmp_path / "in"
        _many_reports(src, 30)
        proc = _cli("extract", str(src), "-o", str(full / "out"), "--no-model", "-q")
        assert proc.returncode == 2, proc.stderr
        assert "No space left on device" in proc.stderr and str(full / "out") in proc.stderr
        assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_quiet_anywhere_and_no_carriage_returns(tmp_path):
    for args in (["-q", "extract", str(SEED_002), "-o", str(tmp_path / "a"), "--no-model"],
                 ["extract", str(SEED_002), "-o", str(tmp_path / "b"), "--no-model", "-q"]):
        proc = _cli(*args)
        assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == "", (args, proc.stdout, proc.stderr)
    proc = _cli("extract", str(SEED_002), "-o", str(tmp_path / "c"), "--no-model", "-v")
    assert proc.returncode == 0 and "\r" not in proc.stderr and "1/1 files" in proc.stderr
    proc = _cli("-v", "synth", "-n", "2", "-o", str(tmp_path / "s.jsonl"))
    assert proc.returncode == 0 and "\r" not in proc.stderr


# --------------------------------------------------------------------------------------------- research outputs


def test_research_tables_load_in_duckdb_and_pandas(seeds_dir, tmp_path):
    duckdb = pytest.importorskip("duckdb")
    pd = pytest.importorskip("pandas")
    out = tmp_path / "out"
    assert run_cli(str(seeds_dir), "-o", str(out), "--no-model", "-q") == 0
    tables = {name: pd.read_parquet(out / name) for name in ("documents", "cells", "checks", "metrics", "warnings")}
    assert len(tables["documents"]) == len(SEED_TEXTS)
    cells = tables["cells"]
    assert set(cells["kind"]) <= set(KINDS) and cells["kind"].isin(["number", "zero"]).any()
    # the printed text of a cell is the saved text at its span
    row = cells[cells["kind"] == "number"].iloc[0]
    text = (out / "text" / f"{row['document']}.txt").read_text(encoding="utf-8")
    assert text[int(row["start"]):int(row["end"])] == row["text"]
    assert float(row["text"].replace(",", "")) == row["value"]
    checks = tables["checks"]
    failed = checks[(checks["status"] == "fail") & (checks["document"] == SEED_002.stem)]
    assert len(failed) and all(len(v) == len(c) for v, c in zip(failed["values"], failed["cells"]))
    query = (ROOT / "README.md").read_text(encoding="utf-8").split("```sql\n", 1)[1].split("```", 1)[0]
    got = duckdb.sql(query.replace("out/", f"{out}/")).fetchall()
    gold = {json.loads(f.with_suffix(".gold.json").read_text(encoding="utf-8"))["agency"]:
            json.loads(f.with_suffix(".gold.json").read_text(encoding="utf-8"))["applications"]["new_received.total"]
            for f in SEED_TEXTS}
    assert {agency: received for agency, _, received in got} == gold


def test_codebook_covers_every_key_of_both_templates(tmp_path):
    import pyarrow.parquet as pq

    out = tmp_path / "out"
    assert run_cli(str(SEED_002), "-o", str(out), "--no-model", "-q") == 0
    book = pq.read_table(out / "codebook.parquet").to_pylist()
    spec = load_spec()
    for template in TEMPLATES:
        keys = {f"{t}.{k}" for t, ks in spec.cell_keys(template).items() for k in ks}
        mine = {r["key"]: r for r in book if r["template"] == template}
        assert set(mine) == keys
        assert all(r["row_label"] and r["column_label"] for r in mine.values())
    labels = {r["key"]: r for r in book}
    assert labels["applications.new_received.natural_person"]["column_label"] == "自然人"
    header = (out / "records.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert set(header) <= set(labels), "every records.csv column is in the codebook"


def test_cell_kinds():
    assert cell_kind(3, "3", None) == "number" and cell_kind(0, "0", None) == "zero"
    assert cell_kind(None, "", None) == "blank" and cell_kind(None, " ／ ", None) == "slash"
    assert cell_kind(None, "—", None) == "dash" and cell_kind(None, None, None) == "missing"
    assert cell_kind(None, "12", [1, 2]) == "ambiguous"
    text = "行政规范性文件\t12\t/"
    record = Record(source=Source(path=None, sha256="x", format="txt"), template="2021")
    record.set_cell("active_disclosure", "normative_documents", "issued", None,
                    Provenance("rules", 8, 10, candidates=[1, 12]))
    record.set_cell("active_disclosure", "normative_documents", "abolished", None, Provenance("rules", 11, 12))
    rows = report_rows("d", record, text).columns["cells"]
    kinds = {(r, c): k for r, c, k in zip(rows["row"], rows["column"], rows["kind"])}
    assert kinds[("normative_documents", "issued")] == "ambiguous"
    assert kinds[("normative_documents", "abolished")] == "slash"
    assert kinds[("normative_documents", "in_force")] == "missing"
    i = list(zip(rows["row"], rows["column"])).index(("normative_documents", "issued"))
    assert rows["candidates"][i] == [1.0, 12.0] and rows["text"][i] == "12"
