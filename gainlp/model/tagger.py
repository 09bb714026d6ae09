"""Run a trained model folder over documents: windows in, labelled character spans out.

``Tagger.from_folder(path).tag(doc)`` cuts the text into the windows the model was trained on
(:func:`gainlp.dataset.windows`), scores them in batches (a batch holds the windows of one document only,
:meth:`Tagger.char_probs_many`), puts one probability row back on each character
(:func:`gainlp.dataset.merge_window_scores`), decodes the per-character BIO argmax into spans and stores
them in ``doc.layers["model"]``. :func:`evaluate_docs` scores the same decoding against gold spans.

The network behind a tagger is either a torch model (training, evaluation during training) or a folder's
``model.onnx`` run by onnxruntime (extraction: :mod:`gainlp.model.runtime`, no torch needed).
"""
from __future__ import annotations

import os
from collections import deque
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

import numpy as np
from tqdm import tqdm

from gainlp.annotations import LabeledSpan, spans_to_bio
from gainlp.dataset import encode_windows, merge_window_scores, token_scores_to_char_scores, windows
from gainlp.document import Document, Span
from gainlp.labels import LABELS, OUTSIDE
from gainlp.model.runtime import (ONNX_FILE, ModelLoadError, OnnxScorer, TokenizerRuntime, pad_ids,
                                  read_id2label)

LAYER = "model"
SOURCE = "model"


def _char_scores(offsets: Sequence[Sequence[int]], probs: np.ndarray, n_chars: int,
                 id2label: Mapping[int, str]) -> np.ndarray:
    """Per-character probabilities of one window; a direct slice when every token is one character."""
    off = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
    real = off[:, 1] > off[:, 0]
    if real.sum() == n_chars and (off[real, 0] == np.arange(n_chars)).all() and (off[real, 1] - off[real, 0] == 1).all():
        return probs[real]
    return token_scores_to_char_scores(offsets, probs, n_chars, id2label)


class _TagSet:
    """The BIO structure of a label map, as arrays: per tag its kind (0 O, 1 B, 2 I) and label index."""

    def __init__(self, id2label: Mapping[int, str]) -> None:
        tags = [id2label[i] for i in range(len(id2label))]
        self.kind = np.array([0 if t == OUTSIDE else (1 if t.startswith("B-") else 2) for t in tags])
        self.label = [t[2:] if t != OUTSIDE else "" for t in tags]
        # for an I tag, the tags it may follow: its B and itself (-1 elsewhere)
        index = {t: i for i, t in enumerate(tags)}
        self.begin_of = np.array([index.get("B-" + t[2:], -1) if k == 2 else -1 for t, k in zip(tags, self.kind)])
        self.outside = index.get(OUTSIDE, 0)


def _invalid_runs(best: np.ndarray, ts: _TagSet) -> list[tuple[int, int]]:
    """The runs of non-O tags (maximal, between O tags) that hold an I tag not following its B or I."""
    kind = ts.kind[best]
    prev = np.concatenate(([ts.outside], best[:-1]))
    bad = (kind == 2) & (prev != best) & (prev != ts.begin_of[best])
    if not bad.any():
        return []
    # run boundaries: where "tagged" switches on / off
    edges = np.diff(np.concatenate(([0], (kind != 0).astype(np.int8), [0])))
    starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
    hit = np.unique(np.searchsorted(ends, np.nonzero(bad)[0], side="right"))  # the run of each bad position
    return [(int(starts[k]), int(ends[k])) for k in hit]


def _viterbi(logp: np.ndarray, ts: _TagSet) -> np.ndarray:
    """The most probable tag sequences of several runs at once, I-X following only B-X or I-X (O before
    each run). ``logp``: (runs, length, tags), a shorter run padded with zeros (equal for every tag, so
    the padding changes no run's best path). Returns (runs, length) tag ids."""
    r, n, t = logp.shape
    is_i = ts.kind == 2
    from_b = np.where(is_i, ts.begin_of, 0)
    idx = np.arange(t)
    rows = np.arange(r)[:, None]
    back = np.zeros((r, n, t), dtype=np.int64)
    delta = np.where(is_i, -np.inf, logp[:, 0])
    for k in range(1, n):
        arg = delta.argmax(axis=1)
        stay = delta >= delta[:, from_b]  # for an I tag: continuing itself beats coming from its B
        i_prev = np.where(stay, idx, from_b)
        delta_new = np.where(is_i, delta[rows, i_prev], delta[rows[:, 0], arg][:, None]) + logp[:, k]
        back[:, k] = np.where(is_i, i_prev, arg[:, None])
        delta = delta_new
    path = np.empty((r, n), dtype=np.int64)
    path[:, -1] = delta.argmax(axis=1)
    for k in range(n - 1, 0, -1):
        path[:, k - 1] = back[rows[:, 0], k, path[:, k]]
    return path


def best_tags(probs: np.ndarray, id2label: Mapping[int, str]) -> np.ndarray:
    """Per character, its tag: the argmax, except in runs where that breaks BIO (an I-X after O or after
    another label), which get the most probable sequence that keeps it (Viterbi). Characters whose
    argmax is O stay O, so each broken run is decoded on its own; runs of similar length are decoded
    together, and runs that keep BIO, most of them, cost nothing."""
    return _best_tags(probs, _TagSet(id2label))


def _best_tags(probs: np.ndarray, ts: _TagSet) -> np.ndarray:
    best = probs.argmax(axis=1)
    runs = _invalid_runs(best, ts)
    if not runs:
        return best
    logp = np.log(np.clip(probs, 1e-9, None))
    buckets: dict[int, list[tuple[int, int]]] = {}
    for s, e in runs:  # lengths up to a power of two together: padding at most doubles the work
        buckets.setdefault(int(e - s - 1).bit_length(), []).append((s, e))
    for group in buckets.values():
        n = max(e - s for s, e in group)
        padded = np.zeros((len(group), n, logp.shape[1]))
        for k, (s, e) in enumerate(group):
            padded[k, : e - s] = logp[s:e]
        paths = _viterbi(padded, ts)
        for k, (s, e) in enumerate(group):
            best[s:e] = paths[k, : e - s]
    return best


def decode(probs: np.ndarray, id2label: Mapping[int, str]) -> list[tuple[int, int, str, float]]:
    """Spans ``(start, end, label, score)`` from per-character probabilities.

    The tags are :func:`best_tags`, which keep BIO: a span starts at each B tag and runs over the I tags
    after it. The score is the mean over the span's characters of the probability of their tag.
    """
    if len(probs) == 0:
        return []
    ts = _TagSet(id2label)
    best = _best_tags(probs, ts)
    kind = ts.kind[best]
    starts = np.nonzero(kind == 1)[0]
    stops = np.nonzero(kind != 2)[0]  # a span ends at the first character after its B that is no I
    ends = np.append(stops, len(best))[np.searchsorted(stops, starts, side="right")]
    conf = np.concatenate(([0.0], np.cumsum(probs[np.arange(len(best)), best], dtype=np.float64)))
    scores = (conf[ends] - conf[starts]) / (ends - starts)
    return [(int(s), int(e), ts.label[best[s]], float(c)) for s, e, c in zip(starts, ends, scores)]


class _TorchScorer:
    """Tag probabilities of a torch token classifier (imported only when one is used)."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        import torch

        self.model.eval()  # the training loop hands over a model in train mode
        with torch.inference_mode():
            logits = self.model(input_ids=torch.from_numpy(input_ids), attention_mask=torch.from_numpy(attention_mask)).logits
            return torch.softmax(logits.float(), dim=-1).numpy()


class Tagger:
    """A loaded token-classification model that labels documents (CPU, inference mode).

    ``model``: a torch token classifier (its config gives the labels) or a callable from padded
    (input ids, attention mask) arrays to tag probabilities, with ``id2label``.
    """

    def __init__(self, model: Any, tokenizer: Any, *, max_chars: int = 512, stride: int = 128,
                 batch_size: int = 16, threads: int | None = None, info: Any = None,
                 id2label: Mapping[int, str] | None = None) -> None:
        if hasattr(model, "config"):
            self.model = model.eval()
            self.scorer = _TorchScorer(model)
            id2label = id2label or model.config.id2label
        else:
            self.model = None
            self.scorer = model
        if id2label is None:
            raise ValueError("a tagger needs the label map of its model (id2label)")
        self.tokenizer = tokenizer
        self.max_chars = max_chars
        self.stride = stride
        self.batch_size = batch_size
        self.info = info
        self.id2label = {int(k): v for k, v in id2label.items()}
        if threads is not None and self.model is not None:
            import torch

            torch.set_num_threads(threads)

    @classmethod
    def from_folder(cls, path: str | os.PathLike, backend: str = "auto", **kwargs: Any) -> "Tagger":
        """A tagger for a model folder: its model.onnx with onnxruntime ("onnx"; the default where the folder
        has one), or its torch weights ("torch", needs the train extra)."""
        from gainlp.model.folder import read_info

        path = Path(path)
        info = read_info(path)
        kwargs.setdefault("max_chars", info.max_chars)
        kwargs.setdefault("stride", info.stride)
        if backend == "onnx" or (backend == "auto" and (path / ONNX_FILE).is_file()):
            if not (path / ONNX_FILE).is_file():
                raise ModelLoadError(f"{path}: no {ONNX_FILE} in the model folder")
            return cls(OnnxScorer(path / ONNX_FILE), TokenizerRuntime.from_folder(path), info=info,
                       id2label=read_id2label(path), **kwargs)
        from gainlp.model.folder import load_model_folder

        try:
            loaded = load_model_folder(path)
        except ImportError as exc:
            raise ModelLoadError(f"{path}: this folder has no {ONNX_FILE}, and its torch weights need the "
                                 f"train extra (pip install 'gainlp[train]')") from exc
        return cls(loaded.model, loaded.tokenizer, info=loaded.info, **kwargs)

    # -------------------------------------------------------------------------------- scoring

    def _run(self, rows: list[dict]) -> list[np.ndarray]:
        ids, attn = pad_ids([r["input_ids"] for r in rows], self.tokenizer.pad_token_id)
        probs = self.scorer(ids, attn)
        return [probs[k, : len(r["input_ids"])] for k, r in enumerate(rows)]

    def char_probs_many(self, texts: Iterable[str]) -> Iterator[np.ndarray]:
        """Per-character tag probabilities ``(len(text), n_tags)`` for each text (its windows in batches)."""
        pending: dict[int, tuple[str, list[tuple[int, int]], list[np.ndarray | None]]] = {}
        order: deque[int] = deque()
        queue: list[tuple[int, int, dict]] = []  # (text index, window index, encoded window)

        def flush() -> None:
            if queue:
                for (i, w, row), probs in zip(queue, self._run([r for _, _, r in queue])):
                    ws, we = pending[i][1][w]
                    pending[i][2][w] = _char_scores(row["offset_mapping"], probs, we - ws, self.id2label)
                queue.clear()

        def ready() -> Iterator[np.ndarray]:
            while order and all(s is not None for s in pending[order[0]][2]):
                yield self._merge(*pending.pop(order.popleft()))

        for i, text in enumerate(texts):
            wins = windows(len(text), self.max_chars, self.stride)
            pending[i] = (text, wins, [None] * len(wins))
            order.append(i)
            for w, row in enumerate(encode_windows(text, wins, self.tokenizer)):  # one tokenizer call a text
                queue.append((i, w, row))
                if len(queue) >= self.batch_size:
                    flush()
            flush()  # a batch never mixes texts: an int8 model's activation scales are the batch's, and a
            yield from ready()  # text's labels must not depend on what else is extracted with it
        flush()
        yield from ready()

    def _merge(self, text: str, wins: list[tuple[int, int]], scores: list) -> np.ndarray:
        if not wins:
            return np.zeros((0, len(self.id2label)), dtype=np.float32)
        return merge_window_scores(len(text), wins, scores)

    def char_probs(self, text: str) -> np.ndarray:
        return next(self.char_probs_many([text]))

    # -------------------------------------------------------------------------------- spans

    def spans_from_probs(self, probs: np.ndarray) -> list[Span]:
        return [Span(s, e, label, source=SOURCE, score=score) for s, e, label, score in decode(probs, self.id2label)]

    def predict(self, text: str) -> list[Span]:
        """Spans for a text (nothing stored)."""
        return self.spans_from_probs(self.char_probs(text))

    def tag(self, doc: Document, skip: Sequence[tuple[int, int]] = ()) -> list[Span]:
        """Label ``doc``: its ``layers["model"]`` becomes the predicted spans (replacing an earlier run's).
        Characters in the ``skip`` ranges (text the rules have settled) are not run through the model:
        they get no label, and the text between them is tagged piece by piece."""
        if not skip:
            spans = self.predict(doc.text)
        else:
            n = len(doc.text)
            pieces, pos = [], 0
            for s, e in sorted(skip):
                if s > pos:
                    pieces.append((pos, s))
                pos = max(pos, e)
            if pos < n:
                pieces.append((pos, n))
            probs = np.zeros((n, len(self.id2label)), dtype=np.float32)
            probs[:, next(i for i, t in self.id2label.items() if t == OUTSIDE)] = 1.0
            for (s, e), p in zip(pieces, self.char_probs_many(doc.text[s:e] for s, e in pieces)):
                probs[s:e] = p
            spans = self.spans_from_probs(probs)
        doc.layers[LAYER] = spans
        return spans

    def tag_many(self, docs: Sequence[Document], progress: bool = False) -> list[list[Span]]:
        """Label several documents, batching windows across them."""
        out = []
        probs_iter = self.char_probs_many(d.text for d in docs)
        for doc, probs in tqdm(zip(docs, probs_iter), total=len(docs), desc="tagging", unit="doc",
                               disable=not progress or None):
            doc.layers[LAYER] = self.spans_from_probs(probs)
            out.append(doc.layers[LAYER])
        return out


# ------------------------------------------------------------------------------------------ scoring

def span_metrics(gold: list[list[str]], pred: list[list[str]]) -> dict:
    """seqeval exact-span precision/recall/F1 (micro over all labels, and per label) of BIO sequences."""
    from seqeval.metrics import classification_report

    report = classification_report(gold, pred, output_dict=True, zero_division=0)
    micro = report.get("micro avg", {"precision": 0.0, "recall": 0.0, "f1-score": 0.0, "support": 0})

    def row(r: dict) -> dict:
        return {"precision": round(float(r["precision"]), 4), "recall": round(float(r["recall"]), 4),
                "f1": round(float(r["f1-score"]), 4), "support": int(r["support"])}

    per_label = {lab: row(report[lab]) for lab in LABELS if lab in report}
    return {**row(micro), "per_label": per_label, "n_docs": len(gold)}


def evaluate_docs(tagger: Tagger, docs: Sequence[Any], desc: str = "evaluating") -> dict | None:
    """Score the tagger's spans against the gold spans of AnnotatedDocs (None when there are no docs)."""
    if not docs:
        return None
    gold, pred = [], []
    probs_iter = tagger.char_probs_many(d.text for d in docs)
    for doc, probs in tqdm(zip(docs, probs_iter), total=len(docs), desc=desc, unit="doc", disable=None, leave=False):
        gold.append(spans_to_bio(doc.text, doc.spans))
        spans = [LabeledSpan(s, e, lab) for s, e, lab, _ in decode(probs, tagger.id2label)]
        pred.append(spans_to_bio(doc.text, spans))
    return span_metrics(gold, pred)
