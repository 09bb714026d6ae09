"""Annotated documents (text + labelled character spans) and the files they travel in.

An :class:`AnnotatedDoc` is the unit of training data: a document id, its text, a list of
:class:`LabeledSpan` ``(start, end, label)`` over that text (``end`` exclusive, labels from
:data:`gainlp.labels.LABELS`) and free ``meta`` (source path, layout, template, ``"low_confidence"``:
indices into ``spans`` a human should check, ...).

File formats, each round-trips id, text, meta and the spans (as a multiset, overlaps included):

* gainlp JSONL -- :func:`write_jsonl` / :func:`read_jsonl`, one ``{"id","text","spans","meta"}`` a line;
* Label Studio -- :func:`to_label_studio` / :func:`from_label_studio` (+ :func:`label_studio_config`);
* doccano sequence labelling JSONL -- :func:`to_doccano` / :func:`from_doccano`;
* spaCy ``DocBin`` -- :func:`to_docbin` / :func:`from_docbin` (one token per character).

Label Studio and doccano exports carry the exported span list; on import, spans a person edited drop
the meta entries that index into the old spans (:data:`SPAN_INDEXED_META`) and get ``meta["edited_in"]``.

:func:`write_annotations` / :func:`read_annotations` pick the format by name (or sniff it on read).
Per-character BIO tags (:func:`spans_to_bio`) cannot hold overlaps; the rule for them is documented
on :func:`resolve_overlaps`.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, NamedTuple

from gainlp.outputs import atomic_write_bytes, atomic_write_text  # noqa: F401 (re-exported)
from gainlp.labels import LABELS, OUTSIDE

FORMATS = ("gainlp", "label-studio", "doccano", "spacy")
SPAN_GROUP = "gainlp"          # key of the spaCy SpanGroup holding every span
LOW_CONFIDENCE_SCORE = 0.5     # Label Studio prediction score of a span listed in meta["low_confidence"]
_LABEL_ORDER = {label: i for i, label in enumerate(LABELS)}
# meta entries that index into ``spans``: stale once a person edits the spans in Label Studio or doccano
SPAN_INDEXED_META = ("low_confidence", "low_confidence_reasons", "span_scores")
EDITED_IN = "edited_in"  # meta key set on import when the spans differ from the ones exported


class AnnotationError(ValueError):
    """An annotation that does not fit its text or the label scheme, or an unreadable annotation file."""


class LabeledSpan(NamedTuple):
    start: int
    end: int
    label: str


@dataclass
class AnnotatedDoc:
    id: str
    text: str
    spans: list[LabeledSpan] = field(default_factory=list)
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.spans = [LabeledSpan(int(s), int(e), str(lab)) for s, e, lab in self.spans]
        self.validate()

    def validate(self) -> None:
        """Raise :class:`AnnotationError` unless every span lies in the text and has a known label."""
        if not isinstance(self.text, str):
            raise AnnotationError(f"doc {self.id!r}: text must be a str, not {type(self.text).__name__}")
        n = len(self.text)
        for i, (s, e, label) in enumerate(self.spans):
            if not 0 <= s < e <= n:
                raise AnnotationError(
                    f"doc {self.id!r}: span {i} ({s}, {e}, {label}) is not inside the text "
                    f"(need 0 <= start < end <= {n})")
            if label not in _LABEL_ORDER:
                raise AnnotationError(
                    f"doc {self.id!r}: span {i} ({s}, {e}) has unknown label {label!r}; known: {', '.join(LABELS)}")

    def span_text(self, span: LabeledSpan) -> str:
        return self.text[span.start : span.end]

    @property
    def low_confidence(self) -> set[int]:
        return set(self.meta.get("low_confidence", ()))


# ------------------------------------------------------------------------------------------- BIO tags

def resolve_overlaps(spans: Iterable[LabeledSpan]) -> list[LabeledSpan]:
    """The non-overlapping subset of ``spans`` that BIO tags show, sorted by start.

    Rule: spans are taken longest first (ties: earlier start, then LABELS order, then label name);
    a span that overlaps one already taken is dropped whole (never cut). Exact duplicates collapse.
    The dropped spans stay in the document and in every file format; only the tags lose them.
    """
    order = sorted(set(spans), key=lambda sp: (-(sp.end - sp.start), sp.start,
                                               _LABEL_ORDER.get(sp.label, len(LABELS)), sp.label))
    taken: list[LabeledSpan] = []
    used: set[int] = set()
    for sp in order:
        chars = range(sp.start, sp.end)
        if not any(c in used for c in chars):
            taken.append(sp)
            used.update(chars)
    return sorted(taken)


def spans_to_bio(text: str, spans: Iterable[LabeledSpan]) -> list[str]:
    """One BIO tag per character of ``text`` (overlaps resolved by :func:`resolve_overlaps`)."""
    tags = [OUTSIDE] * len(text)
    for s, e, label in resolve_overlaps(spans):
        if not 0 <= s < e <= len(text):
            raise AnnotationError(f"span ({s}, {e}, {label}) is not inside a text of {len(text)} characters")
        tags[s] = f"B-{label}"
        for i in range(s + 1, e):
            tags[i] = f"I-{label}"
    return tags


def bio_to_spans(tags: Iterable[str]) -> list[LabeledSpan]:
    """Spans from per-character BIO tags. An ``I-X`` that does not continue an ``X`` span starts one."""
    spans: list[LabeledSpan] = []
    start, label = None, None
    for i, tag in enumerate(list(tags) + [OUTSIDE]):
        prefix, _, tag_label = tag.partition("-")
        if tag != OUTSIDE and prefix not in ("B", "I"):
            raise AnnotationError(f"tag {i} is not a BIO tag: {tag!r}")
        continues = prefix == "I" and tag_label == label
        if label is not None and not continues:
            spans.append(LabeledSpan(start, i, label))
            start, label = None, None
        if tag != OUTSIDE and not continues:
            start, label = i, tag_label
    return spans


def _dump_jsonl(objs: Iterable[dict]) -> str:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs)


def _load_json_objects(path: str | os.PathLike) -> list[dict]:
    """A JSON list (or single object) or a JSONL file, as a list of objects; errors name the line."""
    raw = Path(path).read_text(encoding="utf-8-sig")
    stripped = raw.lstrip()
    if stripped.startswith("["):
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise AnnotationError(f"{path}: not valid JSON: {exc}") from exc
        return list(data)
    if stripped.startswith("{"):
        try:  # one (possibly pretty-printed) object
            return [json.loads(raw)]
        except json.JSONDecodeError:
            pass  # JSONL: parse line by line below
    objs = []
    for n, line in enumerate(raw.splitlines(), 1):
        if line.strip():
            try:
                objs.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise AnnotationError(f"{path}:{n}: not valid JSON: {exc}") from exc
    return objs


def _restore(meta: dict | None, spans: list[LabeledSpan], exported: list | None, tool: str) -> tuple[list, dict]:
    """Spans and meta of an imported document, given the span list written on export (if any).

    The same spans (as a multiset) come back in their exported order with the exported meta; edited
    spans keep their new order and lose the span-indexed meta entries, and meta["edited_in"] = tool.
    """
    meta = dict(meta or {})
    if exported is None:
        return spans, meta
    exported = [LabeledSpan(int(s), int(e), str(lab)) for s, e, lab in exported]
    if Counter(exported) == Counter(spans):
        return exported, meta
    for key in SPAN_INDEXED_META:
        meta.pop(key, None)
    meta[EDITED_IN] = tool
    return spans, meta


# ------------------------------------------------------------------------------------- gainlp JSONL

def doc_to_dict(doc: AnnotatedDoc) -> dict:
    return {"id": doc.id, "text": doc.text, "spans": [list(sp) for sp in doc.spans], "meta": doc.meta}


def doc_from_dict(obj: dict) -> AnnotatedDoc:
    try:
        return AnnotatedDoc(id=str(obj["id"]), text=obj["text"], spans=obj.get("spans", []),
                            meta=dict(obj.get("meta") or {}))
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, AnnotationError):
            raise
        raise AnnotationError(f"not a gainlp annotation object ({exc!r}): {str(obj)[:120]}") from exc


def write_jsonl(docs: Iterable[AnnotatedDoc], path: str | os.PathLike) -> None:
    atomic_write_text(path, _dump_jsonl(doc_to_dict(d) for d in docs))


def read_jsonl(path: str | os.PathLike) -> list[AnnotatedDoc]:
    return [doc_from_dict(o) for o in _load_json_objects(path)]


# -------------------------------------------------------------------------------------- Label Studio

def label_studio_config(labels: Iterable[str] = LABELS) -> str:
    """The Label Studio labelling config (XML) matching the tasks :func:`to_label_studio` writes."""
    items = "\n".join(f'    <Label value="{label}"/>' for label in labels)
    return (f'<View>\n  <Labels name="label" toName="text">\n{items}\n  </Labels>\n'
            f'  <Text name="text" value="$text"/>\n</View>\n')


def _utf16_offsets(text: str) -> list[int] | None:
    """Label Studio offsets count UTF-16 code units (JavaScript); map char index -> unit index.

    None when the text has no astral characters (the two counts agree)."""
    if all(ord(c) <= 0xFFFF for c in text):
        return None
    out, pos = [], 0
    for c in text:
        out.append(pos)
        pos += 2 if ord(c) > 0xFFFF else 1
    out.append(pos)
    return out


def _span_scores(doc: AnnotatedDoc) -> list[float]:
    """Per-span confidence: meta["span_scores"] if given, else LOW_CONFIDENCE_SCORE for low-confidence spans."""
    given = doc.meta.get("span_scores")
    if given is not None and len(given) == len(doc.spans):
        return [float(x) for x in given]
    low = doc.low_confidence
    return [LOW_CONFIDENCE_SCORE if i in low else 1.0 for i in range(len(doc.spans))]


def to_label_studio(docs: Iterable[AnnotatedDoc], *, as_annotations: bool = False,
                    model_version: str = "gainlp-rules") -> list[dict]:
    """Label Studio tasks; the spans become predictions (to be corrected) or, if ``as_annotations``, annotations."""
    tasks = []
    for n, doc in enumerate(docs, 1):
        units = _utf16_offsets(doc.text)
        result = []
        for i, (sp, score) in enumerate(zip(doc.spans, _span_scores(doc))):
            s, e = (units[sp.start], units[sp.end]) if units else (sp.start, sp.end)
            item = {"id": f"s{i}", "from_name": "label", "to_name": "text", "type": "labels",
                    "value": {"start": s, "end": e, "text": doc.span_text(sp), "labels": [sp.label]}}
            if not as_annotations:
                item["score"] = score
            result.append(item)
        task = {"id": n, "data": {"text": doc.text, "gainlp_id": doc.id, "gainlp_meta": doc.meta,
                                  "gainlp_spans": [list(sp) for sp in doc.spans]}}
        if as_annotations:
            task["annotations"] = [{"result": result, "was_cancelled": False}]
        else:
            scores = [r["score"] for r in result]
            task["predictions"] = [{"model_version": model_version, "result": result,
                                    "score": min(scores) if scores else 1.0}]
        tasks.append(task)
    return tasks


def _latest(items: list[dict]) -> dict:
    return max(enumerate(items), key=lambda p: (str(p[1].get("updated_at") or p[1].get("created_at") or ""),
                                                p[0]))[1]


def _ls_task_to_doc(task: dict) -> AnnotatedDoc:
    data = task.get("data") or {}
    text = data.get("text")
    if not isinstance(text, str):
        raise AnnotationError(f"Label Studio task {task.get('id')!r} has no data.text")
    doc_id = str(data.get("gainlp_id", task.get("id")))
    annotations = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
    chosen = _latest(annotations) if annotations else (
        _latest(task["predictions"]) if task.get("predictions") else {"result": []})
    units = _utf16_offsets(text)
    char_at = {u: i for i, u in enumerate(units)} if units else None
    spans = []
    for item in chosen.get("result") or []:
        value = item.get("value") or {}
        if item.get("type") != "labels" or "start" not in value:
            continue  # relations, choices, text areas: not spans
        s, e = value["start"], value["end"]
        if char_at is not None:
            if s not in char_at or e not in char_at:
                raise AnnotationError(f"doc {doc_id!r}: Label Studio offsets {s}-{e} split a character")
            s, e = char_at[s], char_at[e]
        if "text" in value and value["text"] != text[s:e]:
            raise AnnotationError(f"doc {doc_id!r}: Label Studio span {s}-{e} says {value['text']!r} "
                                  f"but the text there is {text[s:e]!r}")
        spans.extend(LabeledSpan(s, e, label) for label in value.get("labels") or [])
    spans, meta = _restore(data.get("gainlp_meta"), spans, data.get("gainlp_spans"), "label-studio")
    return AnnotatedDoc(id=doc_id, text=text, spans=spans, meta=meta)


def from_label_studio(tasks: list[dict] | str | os.PathLike) -> list[AnnotatedDoc]:
    """Docs from Label Studio tasks (a list, or a JSON/JSONL export file).

    Per task the latest non-cancelled annotation wins, else the latest prediction; data.gainlp_id and
    data.gainlp_meta (written by :func:`to_label_studio`) restore id and meta; if the spans were edited
    (not the multiset in data.gainlp_spans), the span-indexed meta entries are dropped and
    meta["edited_in"] = "label-studio".
    """
    if not isinstance(tasks, list):
        tasks = _load_json_objects(tasks)
    return [_ls_task_to_doc(t) for t in tasks]


def write_label_studio(docs: Iterable[AnnotatedDoc], path: str | os.PathLike, **kwargs: Any) -> None:
    atomic_write_text(path, json.dumps(to_label_studio(docs, **kwargs), ensure_ascii=False, indent=1) + "\n")


# -------------------------------------------------------------------------------------------- doccano

def to_doccano(docs: Iterable[AnnotatedDoc]) -> list[dict]:
    """doccano sequence-labelling lines; doccano keeps the other keys (gainlp_id, meta, gainlp_spans: the
    exported spans, to notice edits on import) as metadata."""
    return [{"gainlp_id": doc.id, "text": doc.text, "label": [[s, e, lab] for s, e, lab in doc.spans],
             "meta": doc.meta, "gainlp_spans": [list(sp) for sp in doc.spans]} for doc in docs]


def from_doccano(objs: list[dict] | str | os.PathLike) -> list[AnnotatedDoc]:
    """Docs from doccano JSONL lines with ``"label": [[s, e, L], ...]`` or ``"entities": [{start_offset, ...}]``."""
    if not isinstance(objs, list):
        objs = _load_json_objects(objs)
    docs = []
    for n, obj in enumerate(objs, 1):
        if "text" not in obj:
            raise AnnotationError(f"doccano line {n} has no text")
        if "entities" in obj:
            spans = [(ent["start_offset"], ent["end_offset"], ent["label"]) for ent in obj["entities"]]
        else:
            spans = [tuple(x) for x in obj.get("label") or []]
        doc_id = obj.get("gainlp_id", obj.get("id", f"doccano-{n}"))
        meta = obj.get("meta")
        if not isinstance(meta, dict):
            meta = {k: v for k, v in obj.items()
                    if k not in ("id", "gainlp_id", "gainlp_spans", "text", "label", "entities", "relations")}
        spans = [LabeledSpan(int(s), int(e), str(lab)) for s, e, lab in spans]
        spans, meta = _restore(meta, spans, obj.get("gainlp_spans"), "doccano")
        docs.append(AnnotatedDoc(id=str(doc_id), text=obj["text"], spans=spans, meta=meta))
    return docs


# --------------------------------------------------------------------------------------------- spaCy

@lru_cache(maxsize=1)
def _blank_zh():
    import spacy

    return spacy.blank("zh")  # character segmentation, no model


def char_doc(text: str):
    """A spaCy Doc with exactly one token per character (white space included), on a blank "zh" vocab.

    spaCy's own zh "char" tokenizer folds a space into the previous token's ``whitespace_``, so a span
    that starts or ends at a space would not align; building the Doc from ``list(text)`` avoids that.
    """
    from spacy.tokens import Doc

    return Doc(_blank_zh().vocab, words=list(text), spaces=[False] * len(text))


def to_docbin(docs: Iterable[AnnotatedDoc]):
    """A ``DocBin``: every span in ``doc.spans["gainlp"]``, ents too when no spans overlap.

    id and meta (as a JSON string: meta must be JSON-serialisable, as in every other format) go in
    ``user_data``."""
    from spacy.tokens import DocBin

    out = DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE"], store_user_data=True)
    for doc in docs:
        sdoc = char_doc(doc.text)
        spans = []
        for sp in doc.spans:
            span = sdoc.char_span(sp.start, sp.end, label=sp.label, alignment_mode="strict")
            if span is None:
                raise AnnotationError(f"doc {doc.id!r}: span {tuple(sp)} does not align to spaCy tokens")
            spans.append(span)
        sdoc.spans[SPAN_GROUP] = spans
        if len(resolve_overlaps(doc.spans)) == len(doc.spans):
            sdoc.ents = spans
        sdoc.user_data["gainlp_id"] = doc.id
        sdoc.user_data["gainlp_meta"] = json.dumps(doc.meta, ensure_ascii=False)  # msgpack would make lists tuples
        out.add(sdoc)
    return out


def from_docbin(docbin) -> list[AnnotatedDoc]:
    """Docs from a ``DocBin`` (or the path of a ``.spacy`` file); spans from the "gainlp" group, else ents."""
    from spacy.tokens import DocBin

    if not isinstance(docbin, DocBin):
        docbin = DocBin().from_bytes(Path(docbin).read_bytes())
    docs = []
    for n, sdoc in enumerate(docbin.get_docs(_blank_zh().vocab), 1):
        group = sdoc.spans[SPAN_GROUP] if SPAN_GROUP in sdoc.spans else sdoc.ents
        spans = [(sp.start_char, sp.end_char, sp.label_) for sp in group]
        docs.append(AnnotatedDoc(id=str(sdoc.user_data.get("gainlp_id", f"spacy-{n}")), text=sdoc.text,
                                 spans=spans, meta=json.loads(sdoc.user_data.get("gainlp_meta") or "{}")))
    return docs


def write_docbin(docs: Iterable[AnnotatedDoc], path: str | os.PathLike) -> None:
    atomic_write_bytes(path, to_docbin(docs).to_bytes())


# ------------------------------------------------------------------------------------------ dispatch

def write_annotations(docs: Iterable[AnnotatedDoc], path: str | os.PathLike, fmt: str = "gainlp", **kwargs: Any) -> None:
    """Write docs atomically in one of :data:`FORMATS`."""
    if fmt == "gainlp":
        write_jsonl(docs, path)
    elif fmt == "label-studio":
        write_label_studio(docs, path, **kwargs)
    elif fmt == "doccano":
        atomic_write_text(path, _dump_jsonl(to_doccano(docs)))
    elif fmt == "spacy":
        write_docbin(docs, path)
    else:
        raise AnnotationError(f"unknown annotation format {fmt!r}; known: {', '.join(FORMATS)}")


def sniff_format(path: str | os.PathLike) -> str:
    """Guess the format of an annotation file from its suffix and first object; a folder of gold files is "gold"."""
    if Path(path).is_dir():
        return "gold"
    if Path(path).suffix == ".spacy":
        return "spacy"
    objs = _load_json_objects(path)
    first = objs[0] if objs else {}
    if first.get("gainlp") == "corrections":  # a review page's download (gainlp.review.corrections)
        return "corrections"
    if "data" in first:
        return "label-studio"
    if "spans" in first:
        return "gainlp"
    if "label" in first or "entities" in first:
        return "doccano"
    return "gainlp"


def _read_corrections(path: str | os.PathLike) -> list[AnnotatedDoc]:
    from gainlp.review.corrections import read_annotated

    return read_annotated(path)


def _read_gold(path: str | os.PathLike) -> list[AnnotatedDoc]:
    from gainlp.model.gold import read_gold_folder

    return read_gold_folder(path)


def read_annotations(path: str | os.PathLike, fmt: str | None = None) -> list[AnnotatedDoc]:
    """Read an annotation file in one of :data:`FORMATS` (sniffed if ``fmt`` is None), the corrections a
    review page downloads (``fmt="corrections"``; their annotation form, see gainlp.review.corrections), or
    a folder of gold files with their texts (``fmt="gold"``; their narrative metrics placed in the text,
    see gainlp.model.gold)."""
    fmt = fmt or sniff_format(path)
    readers = {"gainlp": read_jsonl, "label-studio": from_label_studio, "doccano": from_doccano,
               "spacy": from_docbin, "corrections": _read_corrections, "gold": _read_gold}
    if fmt not in readers:
        raise AnnotationError(f"unknown annotation format {fmt!r}; known: {', '.join(readers)}")
    return readers[fmt](path)
