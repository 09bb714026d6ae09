"""Annotated documents: validation, BIO tags, lossless round trips through every file format, the CLI."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gainlp.annotations import (FORMATS, AnnotatedDoc, AnnotationError, LabeledSpan, bio_to_spans, char_doc,
                                from_docbin, from_doccano, from_label_studio, label_studio_config, read_annotations,
                                read_jsonl, resolve_overlaps, sniff_format, spans_to_bio, to_docbin, to_doccano,
                                to_label_studio, write_annotations, write_jsonl)
from gainlp.labels import LABELS

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "data" / "seeds"
SEED_TEXTS = sorted(SEEDS.glob("*.txt"))


def same(a: AnnotatedDoc, b: AnnotatedDoc) -> bool:
    return a.id == b.id and a.text == b.text and Counter(a.spans) == Counter(b.spans) and a.meta == b.meta


def regex_spans(text: str) -> list[LabeledSpan]:
    """Rough weak labels by regex, with deliberate overlaps and spans touching white space / digits."""
    pats = {"YEAR": r"20\d\d年", "DATE": r"20\d\d-\d\d-\d\d", "METRIC_VALUE": r"\d+(?:\.\d+)?(?:条|件|%|人次|个)",
            "SECTION": r"^[一二三四五六七八九十]+、[^\n]{1,20}$", "TABLE_CELL": r"(?<=\t)\d+(?=\t|\n)"}
    spans = [LabeledSpan(m.start(), m.end(), lab) for lab, p in pats.items() for m in re.finditer(p, text, re.M)]
    spans += [LabeledSpan(m.start(), m.end() + 2, "TABLE_LABEL") for m in re.finditer(r"\n\n", text)][:3]
    spans += [LabeledSpan(sp.start, min(len(text), sp.end + 3), "METRIC_SUBJECT") for sp in spans[:5]]  # overlaps
    return spans


@pytest.fixture(scope="module")
def regex_docs() -> list[AnnotatedDoc]:
    docs = [AnnotatedDoc(p.stem, p.read_text(encoding="utf-8"), [], {"source": str(p), "low_confidence": [0, 2],
                                                                      "nested": {"a": [1, 2.5, None, "x"]}})
            for p in SEED_TEXTS]
    for d in docs:
        d.spans = regex_spans(d.text)
        d.spans.append(d.spans[0])  # an exact duplicate survives too
    docs.append(AnnotatedDoc("emoji", "😀 2021年 共50条\t𠀀 ab", [LabeledSpan(2, 7, "YEAR"), LabeledSpan(9, 12, "METRIC_VALUE"),
                                                            LabeledSpan(13, 14, "AGENCY"), LabeledSpan(1, 3, "DATE")], {}))
    docs.append(AnnotatedDoc("empty", "", [], {}))
    return docs


@pytest.fixture(scope="module")
def weak_docs() -> list[AnnotatedDoc]:
    """The seeds pre-labelled by the rule pipeline."""
    from gainlp.cli.annotate import annotate_file

    docs = [annotate_file(p, p.stem) for p in SEED_TEXTS]
    assert sum(len(d.spans) for d in docs) > 50
    return docs


# ------------------------------------------------------------------------------------------ validation

@pytest.mark.parametrize("span", [(-1, 2, "YEAR"), (3, 3, "YEAR"), (0, 99, "YEAR"), (0, 2, "NOPE")])
def test_bad_spans_fail_clearly(span):
    with pytest.raises(AnnotationError, match="doc 'd'"):
        AnnotatedDoc("d", "2021年度报告", [span], {})


def test_spans_given_as_lists_become_labeled_spans():
    d = AnnotatedDoc("d", "2021年", [[0, 5, "YEAR"]], {})
    assert d.spans == [LabeledSpan(0, 5, "YEAR")] and d.span_text(d.spans[0]) == "2021年"


# ------------------------------------------------------------------------------------------ BIO

def test_bio_tags_and_overlap_rule():
    text = "一、总体情况 2021年"
    spans = [LabeledSpan(0, 6, "SECTION"), LabeledSpan(2, 4, "METRIC_SUBJECT"), LabeledSpan(7, 12, "YEAR"),
             LabeledSpan(10, 13, "DATE")]
    tags = spans_to_bio(text, spans)
    assert tags[:7] == ["B-SECTION"] + ["I-SECTION"] * 5 + ["O"]
    assert tags[7:12] == ["B-YEAR"] + ["I-YEAR"] * 4  # longer YEAR wins; DATE dropped whole, not cut
    assert bio_to_spans(tags) == [LabeledSpan(0, 6, "SECTION"), LabeledSpan(7, 12, "YEAR")]


def test_adjacent_same_label_spans_stay_apart():
    spans = [LabeledSpan(0, 2, "TABLE_CELL"), LabeledSpan(2, 4, "TABLE_CELL")]
    assert bio_to_spans(spans_to_bio("1234", spans)) == spans
    assert bio_to_spans(["I-YEAR", "I-YEAR", "O", "I-DATE", "B-DATE"]) == [
        LabeledSpan(0, 2, "YEAR"), LabeledSpan(3, 4, "DATE"), LabeledSpan(4, 5, "DATE")]


@st.composite
def text_and_spans(draw):
    n = draw(st.integers(1, 40))
    spans = []
    for _ in range(draw(st.integers(0, 8))):
        s = draw(st.integers(0, n - 1))
        e = draw(st.integers(s + 1, n))
        spans.append(LabeledSpan(s, e, draw(st.sampled_from(LABELS))))
    return "字" * n, spans


@settings(max_examples=200, deadline=None)
@given(text_and_spans())
def test_bio_round_trip_is_the_resolved_span_set(ts):
    text, spans = ts
    kept = resolve_overlaps(spans)
    assert all(a.end <= b.start for a, b in zip(kept, kept[1:]))
    assert bio_to_spans(spans_to_bio(text, spans)) == kept
    assert set(kept) <= set(spans)


# ------------------------------------------------------------------------------------------ formats

def _round_trips(docs):
    back = read_jsonl_via(docs)
    assert len(back) == len(docs) and all(map(same, docs, back))
    assert all(map(same, docs, from_label_studio(to_label_studio(docs))))
    assert all(map(same, docs, from_label_studio(to_label_studio(docs, as_annotations=True))))
    assert all(map(same, docs, from_doccano(to_doccano(docs))))
    assert all(map(same, docs, from_docbin(to_docbin(docs))))


def read_jsonl_via(docs):
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        write_jsonl(docs, Path(d) / "a.jsonl")
        return read_jsonl(Path(d) / "a.jsonl")


def test_round_trips_lossless_regex_labels(regex_docs):
    assert any(len(resolve_overlaps(d.spans)) < len(d.spans) for d in regex_docs)  # overlaps are exercised
    _round_trips(regex_docs)


def test_round_trips_lossless_pipeline_weak_labels(weak_docs):
    _round_trips(weak_docs)


@pytest.mark.parametrize("fmt", FORMATS)
def test_files_round_trip_and_sniff(regex_docs, tmp_path, fmt):
    path = tmp_path / ("a.spacy" if fmt == "spacy" else "a.jsonl")
    write_annotations(regex_docs, path, fmt)
    assert sniff_format(path) == fmt
    assert all(map(same, regex_docs, read_annotations(path)))
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temp file left behind


def test_atomic_write_replaces_and_keeps_old_file_on_error(tmp_path):
    path = tmp_path / "a.jsonl"
    write_jsonl([AnnotatedDoc("a", "x", [], {})], path)
    with pytest.raises(TypeError):
        write_jsonl([AnnotatedDoc("b", "y", [], {"bad": object()})], path)
    assert [d.id for d in read_jsonl(path)] == ["a"] and len(list(tmp_path.iterdir())) == 1


def test_label_studio_tasks_and_config(regex_docs):
    tasks = to_label_studio(regex_docs[:1])
    item = tasks[0]["predictions"][0]["result"][0]
    assert item["from_name"] == "label" and item["to_name"] == "text" and item["type"] == "labels"
    assert {r["score"] for r in tasks[0]["predictions"][0]["result"]} == {0.5, 1.0}  # low_confidence [0, 2]
    root = ET.fromstring(label_studio_config())
    assert [e.get("value") for e in root.find("Labels")] == list(LABELS)
    assert root.find("Text").get("value") == "$text"


def test_label_studio_offsets_are_utf16(regex_docs):
    emoji = next(d for d in regex_docs if d.id == "emoji")
    value = to_label_studio([emoji])[0]["predictions"][0]["result"][0]["value"]
    assert (value["start"], value["end"], value["text"]) == (3, 8, "2021年")  # 😀 is two UTF-16 units


def test_label_studio_import_prefers_latest_annotation():
    def res(s, e, lab):
        return [{"id": "x", "from_name": "label", "to_name": "text", "type": "labels",
                 "value": {"start": s, "end": e, "text": "2021年"[s:e], "labels": [lab]}}]

    task = {"id": 7, "data": {"text": "2021年"},
            "annotations": [{"result": res(0, 4, "YEAR"), "created_at": "2024-01-01T00:00:00Z"},
                            {"result": res(0, 5, "YEAR"), "created_at": "2024-02-01T00:00:00Z"},
                            {"result": res(0, 1, "DATE"), "created_at": "2024-03-01T00:00:00Z", "was_cancelled": True}],
            "predictions": [{"result": res(0, 2, "DATE")}]}
    doc = from_label_studio([task])[0]
    assert doc.id == "7" and doc.spans == [LabeledSpan(0, 5, "YEAR")]
    task["annotations"] = task["annotations"][2:]
    assert from_label_studio([task])[0].spans == [LabeledSpan(0, 2, "DATE")]
    task["predictions"][0]["result"][0]["value"]["text"] = "20"
    task["predictions"][0]["result"][0]["value"]["end"] = 3
    with pytest.raises(AnnotationError, match="text there"):
        from_label_studio([task])


def test_edited_spans_drop_span_indexed_meta_and_reordered_spans_keep_it():
    doc = AnnotatedDoc("d", "2021年共5条", [LabeledSpan(6, 8, "METRIC_VALUE"), LabeledSpan(0, 5, "YEAR")],
                       {"low_confidence": [1], "span_scores": [1.0, 0.5], "low_confidence_reasons": {"1": "x"}, "k": 1})
    line = to_doccano([doc])[0]
    line["label"] = line["label"][::-1]  # the tool reordered them
    (back,) = from_doccano([line])
    assert back.spans == doc.spans and back.meta == doc.meta
    task = to_label_studio([doc], as_annotations=True)[0]
    task["annotations"][0]["result"].pop()  # a reviewer deleted the YEAR span
    (edited,) = from_label_studio([task])
    assert edited.spans == [LabeledSpan(6, 8, "METRIC_VALUE")]
    assert edited.meta == {"k": 1, "edited_in": "label-studio"}


def test_doccano_entities_import(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"id": 3, "text": "2021年共5条", "entities": [
        {"id": 1, "start_offset": 0, "end_offset": 5, "label": "YEAR"},
        {"id": 2, "start_offset": 6, "end_offset": 8, "label": "METRIC_VALUE"}], "relations": [], "src": "x"},
        ensure_ascii=False) + "\n", encoding="utf-8")
    (doc,) = from_doccano(path)
    assert (doc.id, doc.spans, doc.meta) == ("3", [LabeledSpan(0, 5, "YEAR"), LabeledSpan(6, 8, "METRIC_VALUE")],
                                             {"src": "x"})


def test_docbin_is_one_token_per_character_and_ents_only_without_overlap():
    text = "共 50条\t2021年  ab\n𠀀"
    sdoc = char_doc(text)
    assert [t.text for t in sdoc] == list(text) and sdoc.text == text
    spans = [LabeledSpan(1, 5, "METRIC_VALUE"), LabeledSpan(6, 11, "YEAR"), LabeledSpan(11, 15, "TABLE_LABEL")]
    (clean,) = to_docbin([AnnotatedDoc("a", text, spans, {})]).get_docs(sdoc.vocab)
    assert [(e.start_char, e.end_char, e.label_) for e in clean.ents] == [tuple(s) for s in spans]
    (over,) = to_docbin([AnnotatedDoc("a", text, spans + [LabeledSpan(0, 3, "DATE")], {})]).get_docs(sdoc.vocab)
    assert len(over.ents) == 0 and len(over.spans["gainlp"]) == 4


# ------------------------------------------------------------------------------------------ CLI

def test_cli_annotate_two_seeds_and_a_bad_file(tmp_path, capsys):
    from gainlp.cli.main import main

    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    out = tmp_path / "out" / "tasks.json"
    rc = main(["annotate", str(SEED_TEXTS[0]), str(bad), str(SEED_TEXTS[1]), "-o", str(out),
               "--format", "label-studio", "--docbin", str(tmp_path / "out" / "a.spacy")])
    err = capsys.readouterr().err
    assert rc == 0
    assert [line for line in err.splitlines() if "bad.txt" in line] and "Traceback" not in err
    docs = read_annotations(out)
    assert [d.id for d in docs] == [SEED_TEXTS[0].stem, SEED_TEXTS[1].stem]
    assert all(map(same, docs, from_docbin(tmp_path / "out" / "a.spacy")))
    assert (tmp_path / "out" / "tasks.label_config.xml").exists()
    for d in docs:
        assert d.spans and {"SECTION", "TABLE_CELL"} <= {s.label for s in d.spans}
        assert d.meta["source"] and len(d.meta["span_scores"]) == len(d.spans)
        low = set(d.meta["low_confidence"])
        assert low == {int(i) for i in d.meta["low_confidence_reasons"]}
        assert all(d.meta["span_scores"][i] <= 0.5 for i in low)
    tasks = json.loads(out.read_text(encoding="utf-8"))
    scores = [r["score"] for t in tasks for r in t["predictions"][0]["result"]]
    assert len(scores) == sum(len(d.spans) for d in docs)

    rc = main(["annotate", str(bad), "-o", str(tmp_path / "none.jsonl")])
    assert rc == 1 and not (tmp_path / "none.jsonl").exists()
