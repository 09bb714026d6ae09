"""Token-classification datasets from annotated documents, and the windowing the model uses at inference.

Reports are longer than a model's input, so each text is cut into overlapping character windows
(:func:`windows`). Training rows are windows; the train/validation/test split is made by document, so
no document lends windows to two splits. At inference the model scores every window and
:func:`merge_window_scores` puts one score vector back on each character.

Which window speaks for a character (both for scores and for labels): the window in which the character
lies farthest from a window edge that is not also a document edge (there the model saw the most context
on both sides); ties go to the earlier window.
"""
from __future__ import annotations

import math
import random
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
from tqdm import tqdm

from gainlp.annotations import AnnotatedDoc, spans_to_bio
from gainlp.labels import OUTSIDE, id2label as default_id2label, label2id as default_label2id

SPLITS = ("train", "validation", "test")
_SPLIT_ALIASES = {"train": "train", "validation": "validation", "valid": "validation", "val": "validation",
                  "dev": "validation", "test": "test"}
IGNORE = -100  # label id of special tokens: ignored by the loss


def windows(n_chars: int, max_chars: int = 512, stride: int = 128) -> list[tuple[int, int]]:
    """Overlapping ``(start, end)`` windows covering ``range(n_chars)``.

    Consecutive windows overlap by ``stride`` characters (step ``max_chars - stride``); the last window
    is pulled back to end at ``n_chars`` with its full length, so it may overlap its predecessor by more.
    A text of at most ``max_chars`` characters is one window; an empty text has none.
    """
    if max_chars < 1 or not 0 <= stride < max_chars:
        raise ValueError(f"need max_chars >= 1 and 0 <= stride < max_chars (got {max_chars}, {stride})")
    if n_chars <= 0:
        return []
    out, start, step = [], 0, max_chars - stride
    while start + max_chars < n_chars:
        out.append((start, start + max_chars))
        start += step
    out.append((max(0, n_chars - max_chars), n_chars))
    return out


def best_window_per_char(n_chars: int, wins: Sequence[tuple[int, int]]) -> np.ndarray:
    """For each character, the index of the window that speaks for it (see the module docstring)."""
    best = np.full(n_chars, -1, dtype=np.int64)
    best_dist = np.full(n_chars, -1.0)
    for k, (ws, we) in enumerate(wins):
        pos = np.arange(ws, we)
        left = pos - ws if ws > 0 else np.full(len(pos), np.inf)
        right = we - 1 - pos if we < n_chars else np.full(len(pos), np.inf)
        dist = np.minimum(left, right)
        better = dist > best_dist[ws:we]
        best[ws:we][better] = k
        best_dist[ws:we][better] = dist[better]
    if (best < 0).any():
        raise ValueError(f"windows {list(wins)} do not cover character {int(np.argmin(best))} of {n_chars}")
    return best


def merge_window_scores(n_chars: int, wins: Sequence[tuple[int, int]], per_window_char_scores: Sequence[Any]) -> np.ndarray:
    """One score row per character from per-window ``(window length, n_labels)`` score arrays."""
    if len(wins) != len(per_window_char_scores):
        raise ValueError(f"{len(wins)} windows but {len(per_window_char_scores)} score arrays")
    arrays = [np.asarray(a.detach().cpu() if hasattr(a, "detach") else a, dtype=np.float32)
              for a in per_window_char_scores]
    for (ws, we), a in zip(wins, arrays):
        if a.shape[0] != we - ws:
            raise ValueError(f"window ({ws}, {we}) has {we - ws} characters but {a.shape[0]} score rows")
    n_labels = arrays[0].shape[1] if arrays else 0
    out = np.zeros((n_chars, n_labels), dtype=np.float32)
    best = best_window_per_char(n_chars, wins)
    for k, (ws, we) in enumerate(wins):
        mine = np.nonzero(best[ws:we] == k)[0]
        out[ws + mine] = arrays[k][mine]
    return out


def token_scores_to_char_scores(offsets: Sequence[Sequence[int]], token_scores: Any, n_chars: int,
                                id2label: Mapping[int, str] | None = None) -> np.ndarray:
    """Per-character scores of one window from per-token scores (special tokens, offset (0, 0), skipped).

    A character inherits the scores of the token covering it; characters after a token's first one get
    its ``B-X`` mass moved to ``I-X`` (exact for the character tokenizer, where every token is one
    character). Characters no token covers (white space a word-piece tokenizer drops) score "O".
    """
    id2label = id2label or default_id2label()
    lab2id = {v: k for k, v in id2label.items()}
    scores = np.asarray(token_scores.detach().cpu() if hasattr(token_scores, "detach") else token_scores,
                        dtype=np.float32)
    out = np.zeros((n_chars, scores.shape[1]), dtype=np.float32)
    out[:, lab2id[OUTSIDE]] = 1.0
    off = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
    real = np.nonzero(off[:, 1] > off[:, 0])[0]
    if not len(real):
        return out
    starts, lengths = off[real, 0], off[real, 1] - off[real, 0]
    out[starts] = scores[real]
    longer = lengths > 1
    if longer.any():  # the characters after a token's first: its B-X mass on I-X
        b_ids = [i for i, t in id2label.items() if t.startswith("B-")]
        i_ids = [lab2id["I-" + id2label[b][2:]] for b in b_ids]
        cont = scores[real[longer]].copy()
        cont[:, i_ids] += cont[:, b_ids]
        cont[:, b_ids] = 0.0
        rest = lengths[longer] - 1
        token_of = np.repeat(np.arange(len(cont)), rest)
        first = np.repeat(starts[longer] + 1, rest)
        step = np.arange(len(token_of)) - np.repeat(np.cumsum(rest) - rest, rest)
        out[first + step] = cont[token_of]
    return out


# ---------------------------------------------------------------------------------------- encoding

def token_labels(offsets: Sequence[Sequence[int]], char_tags: Sequence[str], special: Sequence[int],
                 label2id: Mapping[str, int]) -> list[int]:
    """Label ids of one window's tokens from its characters' BIO tags (offsets relative to the window).

    A token takes the tag of its first character (so a token starting inside a span gets ``I-X``, a
    span's first character ``B-X``); a token whose first character is "O" but that contains a span's
    ``B-X`` character (a multi-character word piece) gets ``B-X``. Special tokens get -100.
    """
    return _token_label_ids(offsets, special, [label2id[t] for t in char_tags], label2id)


def _token_label_ids(offsets, special, char_ids: Sequence[int], label2id: Mapping[str, int]) -> list[int]:
    outside = label2id[OUTSIDE]
    b_ids = {i for t, i in label2id.items() if t.startswith("B-")}
    out = []
    for (s, e), sp in zip(offsets, special):
        if sp or e <= s:
            out.append(IGNORE)
            continue
        lab = char_ids[s]
        if lab == IGNORE:
            out.append(IGNORE)
            continue
        if lab == outside and e - s > 1:
            lab = next((c for c in char_ids[s + 1 : e] if c in b_ids), outside)
        out.append(lab)
    return out


def trim_offsets(text: str, offsets: Sequence[Sequence[int]]) -> list[tuple[int, int]]:
    """Token offsets without the white space a token starts with ("▁2021" after a line break covers the
    break), so that a label or score given to the token lands on its printed characters. A token of
    white space only keeps its extent."""
    out = [tuple(o) for o in offsets]
    for k, (s, e) in enumerate(out):
        if e - s > 1 and text[s].isspace():
            t = s
            while t < e and text[t].isspace():
                t += 1
            if t < e:
                out[k] = (t, e)
    return out


def encode_windows(text: str, wins: Sequence[tuple[int, int]], tokenizer, char_tags: Sequence[str] | None = None,
                   label2id: Mapping[str, int] | None = None) -> list[dict]:
    """Tokenise ``text[start:end]`` for every window in one batch: a row per window with input_ids,
    attention_mask, window_start, window_end, offset_mapping (window-relative) and, given tags, labels."""
    if not wins:
        return []
    enc = tokenizer([text[ws:we] for ws, we in wins], return_offsets_mapping=True,
                    return_special_tokens_mask=True, truncation=False, add_special_tokens=True)
    limit = getattr(tokenizer, "model_max_length", None)
    label2id = label2id or default_label2id()
    char_ids = [IGNORE if t is None else label2id[t] for t in char_tags] if char_tags is not None else None
    rows = []
    for k, (ws, we) in enumerate(wins):
        n_tokens = len(enc["input_ids"][k])
        if limit is not None and limit < 10**6 and n_tokens > limit:
            raise ValueError(f"window {(ws, we)} gives {n_tokens} tokens, more than the tokenizer's "
                             f"model_max_length {limit}; use a smaller max_chars")
        offsets = trim_offsets(text[ws:we], enc["offset_mapping"][k])
        row = {"input_ids": enc["input_ids"][k], "attention_mask": enc["attention_mask"][k],
               "window_start": ws, "window_end": we, "offset_mapping": offsets}
        if char_ids is not None:
            row["labels"] = _token_label_ids(offsets, enc["special_tokens_mask"][k], char_ids[ws:we], label2id)
        rows.append(row)
    return rows


def encode_window(text: str, window: tuple[int, int], tokenizer, char_tags: Sequence[str] | None = None,
                  label2id: Mapping[str, int] | None = None) -> dict:
    """One window of :func:`encode_windows`."""
    return encode_windows(text, [window], tokenizer, char_tags, label2id)[0]


def char_labels_from_windows(n_chars: int, rows: Iterable[Mapping[str, Any]],
                             id2label: Mapping[int, str] | None = None) -> list[str]:
    """Re-assemble one document's per-character BIO tags from its windows' token labels.

    ``rows``: the document's dataset rows (window_start, window_end, offset_mapping, labels; labels may
    be ids or tag strings, e.g. model predictions). Within a token, characters after the first get
    ``I-X``; each character then takes the tag from the window chosen by :func:`best_window_per_char`.
    """
    id2label = id2label or default_id2label()
    rows = sorted(rows, key=lambda r: (r["window_start"], r["window_end"]))
    wins = [(r["window_start"], r["window_end"]) for r in rows]
    per_window = []
    for r, (ws, we) in zip(rows, wins):
        tags = [OUTSIDE] * (we - ws)
        for (s, e), lab in zip(r["offset_mapping"], r["labels"]):
            if e <= s or lab == IGNORE:
                continue
            tag = id2label[lab] if isinstance(lab, (int, np.integer)) else lab
            tags[s] = tag
            for i in range(s + 1, e):
                tags[i] = OUTSIDE if tag == OUTSIDE else "I-" + tag[2:]
        per_window.append(tags)
    out = [OUTSIDE] * n_chars
    if n_chars:
        best = best_window_per_char(n_chars, wins)
        for i in range(n_chars):
            k = best[i]
            out[i] = per_window[k][i - wins[k][0]]
    return out


# ------------------------------------------------------------------------------------------ splits

def split_counts(n: int, fractions: Sequence[float]) -> list[int]:
    """Split ``n`` documents by ``fractions`` (largest remainder), giving each positive fraction at least
    one document when there are enough documents."""
    raw = [n * f for f in fractions]
    counts = [math.floor(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: (-(raw[i] - counts[i]), i))[: n - sum(counts)]:
        counts[i] += 1
    for i, f in enumerate(fractions):
        if f > 0 and counts[i] == 0:
            donor = max(range(len(counts)), key=lambda j: counts[j])
            if counts[donor] > 1:
                counts[donor] -= 1
                counts[i] = 1
    return counts


def assign_splits(docs: Sequence[AnnotatedDoc], splits: Sequence[float] = (0.8, 0.1, 0.1), seed: int = 0,
                  split_key: str | None = None) -> dict[str, str]:
    """doc id -> split name. By ``meta[split_key]`` if given, else a seeded shuffle of the sorted ids;
    partly labelled documents (``meta["trusted"]``) always train."""
    if len(splits) != 3 or any(f < 0 for f in splits) or abs(sum(splits) - 1) > 1e-6:
        raise ValueError(f"splits must be three non-negative fractions summing to 1, got {splits}")
    ids = sorted({d.id for d in docs})
    if split_key is not None:
        out: dict[str, str] = {}
        for d in docs:
            value = _SPLIT_ALIASES.get(str(d.meta.get(split_key, "")).lower())
            if value is None:
                raise ValueError(f"doc {d.id!r}: meta[{split_key!r}] = {d.meta.get(split_key)!r} is not one of "
                                 f"{', '.join(SPLITS)}")
            if out.setdefault(d.id, value) != value:
                raise ValueError(f"doc id {d.id!r} appears with two different splits")
        return out
    partial = {d.id for d in docs if "trusted" in d.meta}  # partly labelled: scores on them would mislead
    ids = [i for i in ids if i not in partial]
    random.Random(seed).shuffle(ids)
    out, i = {doc_id: "train" for doc_id in partial}, 0
    for name, count in zip(SPLITS, split_counts(len(ids), splits)):
        out.update((doc_id, name) for doc_id in ids[i : i + count])
        i += count
    return out


def _features():
    from datasets import Features, List, Value

    return Features({
        "input_ids": List(Value("int32")), "attention_mask": List(Value("int8")),
        "labels": List(Value("int64")), "doc_id": Value("string"),
        "window_start": Value("int32"), "window_end": Value("int32"),
        "offset_mapping": List(List(Value("int32"), length=2)),
    })


def trusted_tags(doc: AnnotatedDoc) -> list[str | None]:
    """The document's BIO tags, None (left out of the loss) outside ``meta["trusted"]`` when it has one
    (real reports weak-labelled by the rules: gainlp.model.weak)."""
    tags: list[str | None] = list(spans_to_bio(doc.text, doc.spans))
    trusted = doc.meta.get("trusted")
    if trusted is None:
        return tags
    keep = np.zeros(len(tags), dtype=bool)
    for s, e in trusted:
        keep[s:e] = True
    return [t if k else None for t, k in zip(tags, keep)]


def build_token_dataset(docs: list[AnnotatedDoc], tokenizer, max_chars: int = 512, stride: int = 128,
                        splits: Sequence[float] = (0.8, 0.1, 0.1), seed: int = 0, split_key: str | None = None,
                        label2id: Mapping[str, int] | None = None):
    """A ``datasets.DatasetDict`` ("train", "validation", "test") of token windows, split by document.

    Columns: input_ids, attention_mask, labels (label ids; -100 for special tokens), doc_id,
    window_start, window_end, offset_mapping (token offsets relative to window_start). Works with any
    fast tokenizer that returns offsets.
    """
    import pyarrow as pa
    from datasets import Dataset, DatasetDict

    label2id = label2id or default_label2id()
    where = assign_splits(docs, splits, seed, split_key)
    columns = {name: {c: [] for c in _features()} for name in SPLITS}
    for doc in tqdm(docs, desc="windowing", unit="doc", disable=None):
        tags = trusted_tags(doc)
        cols = columns[where[doc.id]]
        for row in encode_windows(doc.text, windows(len(doc.text), max_chars, stride), tokenizer, tags, label2id):
            row["doc_id"] = doc.id
            for c, v in row.items():
                cols[c].append(v)
    schema = _features().arrow_schema  # build the Arrow tables directly: Dataset.from_dict encodes per element
    return DatasetDict({name: Dataset(pa.Table.from_pydict(columns[name], schema=schema)) for name in SPLITS})
