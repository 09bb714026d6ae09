"""The review site without a browser: table shapes from the spec, cell kinds, the text loader, the site
files, and the corrections JSON with its gold and annotation forms."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gainlp.annotations import AnnotationError, read_annotations
from gainlp.cli.main import main
from gainlp.evaluation.evaluate import load_cases
from gainlp.record import Provenance, Record
from gainlp.review import build_site
from gainlp.review.corrections import CorrectionsError, from_dict, to_annotated, to_gold
from gainlp.review.shapes import table_shape
from gainlp.review.site import script_json
from gainlp.review.texts import SAVED, SOURCE, load_text
from gainlp.review.views import build_view, cell_kind, link_years
from gainlp.template import TABLE_NAMES, TEMPLATES, load_spec

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "000_b2a178df0c812b22.txt"


def _occupancy(rows) -> list[int]:
    """Row widths of a table with rowspans and colspans laid out."""
    carry: dict[int, int] = {}  # row index -> columns taken by rowspans from above
    widths = []
    for i, row in enumerate(rows):
        widths.append(carry.get(i, 0) + sum(c.colspan for c in row))
        for c in row:
            for k in range(1, c.rowspan):
                carry[i + k] = carry.get(i + k, 0) + c.colspan
    return widths


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("name", TABLE_NAMES)
def test_shapes_hold_every_cell_of_the_template_in_a_rectangle(name, template):
    shape = table_shape(name, template)
    assert shape.keys() == [f"tables.{name}.{k}" for k in load_spec().table(name, template).cell_keys()]
    widths = _occupancy(shape.head + shape.body)
    assert len(set(widths)) == 1, widths


def test_applications_shape_prints_the_official_labels():
    body = table_shape("applications", "2021").body
    labels = [c.text for row in body for c in row if not c.key]
    assert "三、本年度办理结果" in labels and "（三）不予公开" in labels and "1.属于国家秘密" in labels
    assert "（六）其他处理" in labels  # a group of its own in 2021, a row in 2019
    assert "（六）其他处理" in [c.text for row in table_shape("applications", "2019").body for c in row]


@pytest.mark.parametrize("value, printed, candidates, kind", [
    (5, "5", None, "value"), (0, "0", None, "zero"), (None, "", None, "blank"), (None, " ", None, "blank"),
    (None, "/", None, "slash"), (None, "／", None, "slash"), (None, "—", None, "dash"), (None, "--", None, "dash"),
    (None, "无", None, "mark"), (None, "885", [8, 85], "ambiguous"),
])
def test_cell_kind_from_value_and_printed_text(value, printed, candidates, kind):
    text = "ab" + printed + "cd"
    prov = Provenance("rules", 2, 2 + len(printed), candidates=candidates)
    assert cell_kind(value, prov, text)[0] == kind


def test_cell_kind_without_a_span_or_a_text():
    assert cell_kind(None, None, "x")[0] == "missing"
    assert cell_kind(None, Provenance("rules", 0, 0), None)[0] == "null"


@pytest.fixture()
def out(tmp_path) -> Path:
    out = tmp_path / "out"
    assert main(["extract", str(EXAMPLE), "-o", str(out), "-q", "--no-model"]) == 0
    return out


def _rec(out: Path) -> Record:
    return Record.from_dict(json.loads((out / f"{EXAMPLE.stem}.json").read_text(encoding="utf-8")))


def test_text_from_the_saved_file_else_the_source_with_the_same_sha256(out, tmp_path):
    rec = _rec(out)
    saved = out / "text" / f"{EXAMPLE.stem}.txt"
    if saved.exists():  # a batch that saves texts: prefer them
        assert load_text(out, EXAMPLE.stem, rec).origin == SAVED
        saved.unlink()
    loaded = load_text(out, EXAMPLE.stem, rec)
    assert loaded.origin == SOURCE and loaded.text == EXAMPLE.read_text(encoding="utf-8")
    saved.parent.mkdir(exist_ok=True)
    saved.write_text("短", encoding="utf-8")  # a text that cannot be this record's: offsets beyond it
    assert load_text(out, EXAMPLE.stem, rec).origin == SOURCE
    saved.write_text(loaded.text, encoding="utf-8")
    assert load_text(out, EXAMPLE.stem, rec).origin == SAVED
    saved.unlink()
    copy = tmp_path / "moved.txt"
    shutil.copyfile(EXAMPLE, copy)
    rec.source.path = str(copy)
    copy.write_text(EXAMPLE.read_text(encoding="utf-8") + "改", encoding="utf-8")
    changed = load_text(out, EXAMPLE.stem, rec)
    assert changed.text is None and "changed since the extraction" in changed.note
    rec.source.path = str(tmp_path / "gone.txt")
    gone = load_text(out, EXAMPLE.stem, rec)
    assert gone.text is None and "not found" in gone.note


def test_site_pages_escape_and_say_when_the_text_is_missing(out):
    rec = json.loads((out / f"{EXAMPLE.stem}.json").read_text(encoding="utf-8"))
    rec["source"]["path"] = "nowhere/x.txt"
    rec["agency"] = "</script><script>alert(1)</script>"
    (out / "x.json").write_text(json.dumps(rec, ensure_ascii=False), encoding="utf-8")
    (out / "review" / "reports").mkdir(parents=True)
    (out / "review" / "reports" / "stale.html").write_text("old", encoding="utf-8")
    result = build_site(out)
    assert result.pages == 2 and not result.errors
    assert not (out / "review" / "reports" / "stale.html").exists()
    page = (out / "review" / "reports" / "x.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page and "&lt;/script&gt;&lt;script&gt;alert(1)" in page
    assert "The report text is not available" in page and "nowhere/x.txt not found" in page
    assert "Content-Security-Policy" in page
    for f in ("index.js", "report.js", "review.css"):
        assert (out / "review" / "assets" / f).is_file()
    index = (out / "review" / "index.html").read_text(encoding="utf-8")
    assert 'href="reports/x.html"' in index


def test_script_json_cannot_close_its_script_element():
    s = script_json({"t": "</script><!-- & \u2028"})
    assert "<" not in s and ">" not in s and "&" not in s and "\u2028" not in s
    assert json.loads(s) == {"t": "</script><!-- & \u2028"}


def test_previous_year_of_the_same_agency(out):
    rec = _rec(out)
    older = Record.from_dict(rec.to_dict())
    older.year = rec.year - 1
    older.set_cell("applications", "new_received", "total", 99)
    other = Record.from_dict(rec.to_dict())
    other.agency, other.year = "别的局", rec.year - 1
    links = link_years({"now": rec, "then": older, "other": other})
    assert links["now"] == ("then", None) and links["then"] == (None, "now") and links["other"] == (None, None)
    view = build_view("now", rec, load_text(out, EXAMPLE.stem, rec), prev=older, prev_name="then")
    assert view.cells["tables.applications.new_received.total"].to_json()["prev"] == 99


# ------------------------------------------------------------------------------------------ corrections

def _corrections(out: Path, values=(), spans=(), text=True) -> dict:
    rec = json.loads((out / f"{EXAMPLE.stem}.json").read_text(encoding="utf-8"))
    return {"gainlp": "corrections", "version": 1, "id": EXAMPLE.stem, "created": "2026-01-01T00:00:00Z",
            "text_origin": "source", "text": EXAMPLE.read_text(encoding="utf-8") if text else None,
            "record": rec, "values": list(values), "spans": list(spans)}


def test_corrections_to_gold(out):
    rec = _rec(out)
    key = "tables.applications.new_received.natural_person"
    amb = "tables.applications.granted.natural_person"
    obj = _corrections(out, values=[{"key": key, "was": 0, "value": 3}, {"key": "agency", "was": rec.agency,
                                                                          "value": "和政县卫生健康局"}])
    obj["record"]["provenance"][amb]["candidates"] = [1, 10]
    obj["record"]["tables"]["applications"]["granted"]["natural_person"] = None
    gold = to_gold(from_dict(obj))
    assert gold["applications"]["new_received.natural_person"] == 3
    assert gold["agency"] == "和政县卫生健康局" and gold["year"] == rec.year and gold["template"] == rec.template
    assert "granted.natural_person" not in gold["applications"]  # undecided: not gold
    assert gold["source"] == EXAMPLE.name
    assert gold["active_disclosure"] == {k: v for k, v in rec.flat()["active_disclosure"].items()}


def test_corrections_to_annotations_keep_edits_and_fill_with_weak_labels(out):
    rec = _rec(out)
    key = "tables.applications.new_received.total"
    p = rec.provenance[key]
    obj = _corrections(out, spans=[
        {"key": key, "was": {"start": p.start, "end": p.end, "label": "TABLE_CELL"},
         "start": p.start, "end": p.end + 1, "label": "TABLE_CELL"},
        {"key": None, "was": None, "start": 0, "end": 4, "label": "AGENCY"},
    ])
    doc = to_annotated(from_dict(obj))
    assert (p.start, p.end + 1, "TABLE_CELL") in doc.spans and (0, 4, "AGENCY") in doc.spans
    assert (p.start, p.end, "TABLE_CELL") not in doc.spans
    labels = {s.label for s in doc.spans}
    assert "TABLE_LABEL" in labels  # weak labels from the rules where the page showed nothing
    reviewed = [doc.spans[i] for i in doc.meta["reviewed"]]
    assert (0, 4, "AGENCY") in reviewed and all(s.label != "TABLE_LABEL" for s in reviewed)
    assert doc.meta["gold"]["id"] == EXAMPLE.stem


def test_evaluate_and_annotation_reader_take_a_corrections_file(out, tmp_path):
    path = tmp_path / f"{EXAMPLE.stem}.corrections.json"
    key = "tables.applications.new_received.natural_person"
    path.write_text(json.dumps(_corrections(out, values=[{"key": key, "was": 0, "value": 3}]), ensure_ascii=False),
                    encoding="utf-8")
    case, = load_cases([tmp_path])  # a folder: its *.corrections.json are gold too
    assert case.path == EXAMPLE and case.gold["applications"]["new_received.natural_person"] == 3
    doc, = read_annotations(path)
    assert doc.id == EXAMPLE.stem and doc.spans
    scores = tmp_path / "s.json"
    assert main(["evaluate", str(path), "--no-model", "-o", str(scores)]) == 0
    assert json.loads(scores.read_text())["rules"]["table_cell_accuracy"]["applications"] < 1.0


@pytest.mark.parametrize("change, message", [
    ({"values": [{"key": "tables.nowhere.a.b", "value": 1}]}, "unknown cell key"),
    ({"values": [{"key": "tables.applications.total.total", "value": "12"}]}, "must be a number"),
    ({"values": [{"key": "color", "value": 1}]}, "unknown value key"),
    ({"spans": [{"key": None, "start": 5, "end": 10 ** 7, "label": "AGENCY"}]}, "not inside the text"),
    ({"spans": [{"key": None, "start": 5, "end": 6, "label": "PERSON"}]}, "unknown"),
    ({"version": 7}, "version"),
])
def test_bad_corrections_are_refused_with_the_reason(out, change, message):
    obj = _corrections(out)
    obj.update(change)
    with pytest.raises(CorrectionsError, match=message):
        from_dict(obj, "x.corrections.json")
    assert issubclass(CorrectionsError, AnnotationError)  # `gainlp train` reports it as a bad annotation file


def test_corrections_without_text_give_gold_but_no_annotations(out):
    c = from_dict(_corrections(out, text=False))
    assert to_gold(c)["year"] == _rec(out).year
    with pytest.raises(CorrectionsError, match="no text"):
        to_annotated(c)


def test_review_one_report_file(tmp_path, capsys):
    out = tmp_path / "one"
    assert main(["review", str(EXAMPLE), "-o", str(out), "--no-model", "--no-open", "-q"]) == 0
    assert (out / "text" / f"{EXAMPLE.stem}.txt").read_text(encoding="utf-8") == EXAMPLE.read_text(encoding="utf-8")
    page = out / "review" / "reports" / f"{EXAMPLE.stem}.html"
    assert page.is_file() and str(page) in capsys.readouterr().out
    assert main(["review", str(tmp_path / "nothing.pdf"), "--no-open", "-q"]) == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["review", str(empty), "-q"]) == 1


def test_train_reads_a_corrections_file(out, tmp_path):
    """`gainlp train data.annotations=[x.corrections.json]`: the tiny recipe trains on its annotation form."""
    path = tmp_path / f"{EXAMPLE.stem}.corrections.json"
    key = "tables.applications.new_received.natural_person"
    path.write_text(json.dumps(_corrections(out, values=[{"key": key, "was": 0, "value": 3}]), ensure_ascii=False),
                    encoding="utf-8")
    model = tmp_path / "model"
    assert main(["train", "--config", str(REPO / "configs" / "train-tiny.yaml"), "data.synth.n=0",
                 "heldout.synth.n=0", f"data.annotations=[{path}]", "finetune.max_steps=4", "-o", str(model)]) == 0
    info = json.loads((model / "gainlp.json").read_text(encoding="utf-8"))
    assert info["metrics"]["training"]["steps"] > 0


def test_a_record_that_cannot_be_shown_does_not_stop_the_site(out):
    bad = json.loads((out / f"{EXAMPLE.stem}.json").read_text(encoding="utf-8"))
    bad["provenance"]["tables.applications.total.total"]["start"] = "here"  # not an offset
    (out / "bad.json").write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    (out / "broken.json").write_text("{not json", encoding="utf-8")
    result = build_site(out)
    assert result.pages == 1
    assert any("bad.json: no review page" in e for e in result.errors)
    assert any("broken.json: not a readable record" in e for e in result.errors)
    index = (out / "review" / "index.html").read_text(encoding="utf-8")
    assert "bad.json: no review page" in index and "Files in error" in index
