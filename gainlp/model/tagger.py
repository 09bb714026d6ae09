"""Run a trained model folder over documents: windows in, labelled character spans out.

``Tagger.from_folder(path).tag(doc)`` cuts the text into the windows the model was trained on
(:func:`gainlp.dataset.windows`), scores them in batches (windows of several documents share a batch
in :meth:`Tagger.char_probs_many`), puts one probability row back on each character
(:func:`gainlp.dataset.merge_window_scores`), decodes the per-character BIO argmax into spans and stores
them in ``doc.layers["model"]``. :func:`evaluate_docs` scores the same decoding against gold spans.
"""
from __future__ import annotations

import os
from collections import deque
from typing import Any, Iterable, Iterator, Mapping, Sequence

import numpy as np
import torch
from tqdm import tqdm

from gainlp.annotations import LabeledSpan, spans_to_bio
from gainlp.dataset import encode_window, merge_window_scores, token_scores_to_char_scores, windows
from gainlp.document import Document, Span
from gainlp.labels import LABELS, OUTSIDE
from gainlp.model.encoder import pad_batch

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


def decode(probs: np.ndarray, id2label: Mapping[int, str]) -> list[tuple[int, int, str, float]]:
    """Spans ``(start, end, label, score)`` from per-character probabilities.

    Each character takes its most probable tag. B-X opens a span; I-X continues an open X span, and an
    I-X that follows nothing of label X opens one (repair, as in :func:`gainlp.annotations.bio_to_spans`).
    The score is the mean over the span's characters of their top probability.
    """
    if len(probs) == 0:
        return []
    best = probs.argmax(axis=1)
    conf = probs.max(axis=1)
    tags = [id2label[int(i)] for i in range(probs.shape[1])]
    kind = np.array([0 if t == OUTSIDE else (1 if t.startswith("B-") else 2) for t in tags])[best]
    label_of = [t[2:] if t != OUTSIDE else "" for t in tags]
    out: list[tuple[int, int, str, float]] = []
    start, label = -1, ""

    def close(end: int) -> None:
        out.append((start, end, label, float(conf[start:end].mean())))

    prev = -2
    for i in np.nonzero(kind)[0].tolist():
        lab = label_of[best[i]]
        continues = label and kind[i] == 2 and lab == label and prev == i - 1
        if label and not continues:
            close(prev + 1)
            label = ""
        if not continues:
            start, label = i, lab
        prev = i
    if label:
        close(prev + 1)
    return out


class Tagger:
    """A loaded token-classification model that labels documents (CPU, inference mode)."""

    def __init__(self, model: Any, tokenizer: Any, *, max_chars: int = 512, stride: int = 128,
                 batch_size: int = 16, threads: int | None = None, info: Any = None) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.max_chars = max_chars
        self.stride = stride
        self.batch_size = batch_size
        self.info = info
        self.id2label = {int(k): v for k, v in model.config.id2label.items()}
        if threads is not None:
            torch.set_num_threads(threads)

    @classmethod
    def from_folder(cls, path: str | os.PathLike, **kwargs: Any) -> "Tagger":
        from gainlp.model.folder import load_model_folder

        loaded = load_model_folder(path)
        kwargs.setdefault("max_chars", loaded.info.max_chars)
        kwargs.setdefault("stride", loaded.info.stride)
        return cls(loaded.model, loaded.tokenizer, info=loaded.info, **kwargs)

    # -------------------------------------------------------------------------------- scoring

    def _run(self, rows: list[dict]) -> list[np.ndarray]:
        ids, attn = pad_batch([r["input_ids"] for r in rows], self.tokenizer.pad_token_id)
        with torch.inference_mode():
            probs = torch.softmax(self.model(input_ids=ids, attention_mask=attn).logits.float(), dim=-1).numpy()
        return [probs[k, : len(r["input_ids"])] for k, r in enumerate(rows)]

    def char_probs_many(self, texts: Iterable[str]) -> Iterator[np.ndarray]:
        """Per-character tag probabilities ``(len(text), n_tags)`` for each text, windows batched across texts."""
        self.model.eval()  # the training loop hands over a model in train mode
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
            for w, win in enumerate(wins):
                queue.append((i, w, encode_window(text, win, self.tokenizer)))
                if len(queue) >= self.batch_size:
                    flush()
            yield from ready()
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

    def tag(self, doc: Document) -> list[Span]:
        """Label ``doc``: its ``layers["model"]`` becomes the predicted spans (replacing an earlier run's)."""
        spans = self.predict(doc.text)
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
