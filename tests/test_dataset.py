"""The character tokenizer, windowing, label alignment through windows, and the split by document."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gainlp.annotations import AnnotatedDoc, LabeledSpan, spans_to_bio
from gainlp.dataset import (IGNORE, build_token_dataset, char_labels_from_windows, encode_window,
                            merge_window_scores, split_counts, token_scores_to_char_scores, windows)
from gainlp.labels import LABELS, bio_tags, label2id
from gainlp.model.tokenizer import SPECIAL_TOKENS, build_char_tokenizer, load_tokenizer

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "data" / "seeds"
SEED_TEXTS = sorted(SEEDS.glob("*.txt"))

TEXT_CHARS = st.one_of(
    st.sampled_from(list("一二三四五六七八九十年月日条件公开申请政府信息，。、；：（）《》【】０１２％")),
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.sampled_from([" ", "\t", "\n", "\r", "\u3000", "\u00a0"]),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.sampled_from(["😀", "𠀀", "é", "㈠"]),
)


@pytest.fixture(scope="module")
def tokenizer():
    return build_char_tokenizer([p.read_text(encoding="utf-8") for p in SEED_TEXTS])


def seed_docs(n_copies: int = 1) -> list[AnnotatedDoc]:
    pats = {"YEAR": r"20\d\d年", "METRIC_VALUE": r"\d+(?:条|件|%|人次)", "SECTION": r"^[一二三四五六七八九十]+、[^\n]{1,20}$",
            "TABLE_CELL": r"(?<=\t)\d+(?=\t|\n)", "TABLE_LABEL": r"[^\t\n]{2,12}(?=\t)"}
    docs = []
    for k in range(n_copies):
        for p in SEED_TEXTS:
            text = p.read_text(encoding="utf-8")
            spans = [LabeledSpan(m.start(), m.end(), lab) for lab, pat in pats.items()
                     for m in re.finditer(pat, text, re.M)]
            docs.append(AnnotatedDoc(f"{p.stem}-{k}", text, spans, {"fold": ["train", "validation", "test"][k % 3]}))
    return docs


# ----------------------------------------------------------------------------------------- tokenizer

@settings(max_examples=150, deadline=None)
@given(st.text(TEXT_CHARS, min_size=0, max_size=80))
def test_char_tokenizer_is_one_token_per_character(tokenizer, text):
    enc = tokenizer(text, return_offsets_mapping=True, add_special_tokens=False)
    assert enc["offset_mapping"] == [(i, i + 1) for i in range(len(text))]
    known = [c if c in tokenizer.get_vocab() else tokenizer.unk_token for c in text]
    assert tokenizer.convert_ids_to_tokens(enc["input_ids"]) == known


def test_char_tokenizer_vocab_specials_and_save_load(tokenizer, tmp_path):
    vocab = tokenizer.get_vocab()
    assert [vocab[t] for t in SPECIAL_TOKENS] == [0, 1, 2, 3, 4]
    assert all(chr(c) in vocab for c in range(0x20, 0x7F)) and all(c in vocab for c in "０９％，。\n\t　")
    text = "[CLS] 2021年\t主动公开 [PAD]"
    enc = tokenizer(text, return_offsets_mapping=True)
    assert enc.tokens()[0] == "[CLS]" and enc.tokens()[-1] == "[SEP]" and len(enc.tokens()) == len(text) + 2
    tokenizer.save_pretrained(tmp_path)
    again = load_tokenizer(tmp_path)
    assert again(text)["input_ids"] == enc["input_ids"] and again.get_vocab() == vocab


def test_char_tokenizer_min_freq_and_max_vocab():
    small = build_char_tokenizer(["甲甲乙"], min_freq=2)
    assert "甲" in small.get_vocab() and "乙" not in small.get_vocab()
    base = len(build_char_tokenizer([]).get_vocab())
    capped = build_char_tokenizer(["甲甲甲乙乙丙"], max_vocab=base + 2)
    assert len(capped.get_vocab()) == base + 2 and "丙" not in capped.get_vocab()


# ----------------------------------------------------------------------------------------- windows

@settings(max_examples=300, deadline=None)
@given(st.integers(0, 3000), st.integers(1, 600), st.data())
def test_windows_cover_and_overlap(n, max_chars, data):
    stride = data.draw(st.integers(0, max_chars - 1))
    wins = windows(n, max_chars, stride)
    if n == 0:
        assert wins == []
        return
    assert wins[0][0] == 0 and wins[-1][1] == n
    assert all(0 < e - s <= max_chars for s, e in wins)
    assert all(b[0] > a[0] and a[1] - b[0] >= min(stride, a[1] - a[0]) for a, b in zip(wins, wins[1:]))
    assert all(a[1] - b[0] == stride for a, b in zip(wins[:-2], wins[1:-1]))


def test_windows_reject_bad_stride():
    with pytest.raises(ValueError):
        windows(10, 8, 8)


def test_merge_window_scores_prefers_the_most_central_window():
    n, wins = 20, windows(20, 8, 4)  # (0,8) (4,12) (8,16) (12,20)
    scores = [np.full((e - s, 1), k, dtype=np.float32) for k, (s, e) in enumerate(wins)]
    picked = merge_window_scores(n, wins, scores)[:, 0].astype(int).tolist()
    assert picked == [0] * 6 + [1] * 4 + [2] * 4 + [3] * 6
    truth = np.random.default_rng(0).random((n, 3)).astype(np.float32)
    assert np.array_equal(merge_window_scores(n, wins, [truth[s:e] for s, e in wins]), truth)


def test_token_scores_to_char_scores_moves_b_to_i_inside_a_token():
    tags = bio_tags()
    scores = np.zeros((3, len(tags)), dtype=np.float32)
    scores[1, tags.index("B-YEAR")] = 1.0
    out = token_scores_to_char_scores([(0, 0), (0, 5), (0, 0)], scores, 6)
    assert [tags[i] for i in out.argmax(1)] == ["B-YEAR"] + ["I-YEAR"] * 4 + ["O"]


# ----------------------------------------------------------------------------------------- dataset

@pytest.mark.parametrize("max_chars,stride", [(512, 128), (64, 16), (17, 0), (9, 8), (1, 0)])
def test_every_labelled_char_keeps_its_label_through_windows(tokenizer, max_chars, stride):
    docs = seed_docs()[:2] if max_chars < 16 else seed_docs()
    dd = build_token_dataset(docs, tokenizer, max_chars=max_chars, stride=stride, splits=(1.0, 0.0, 0.0))
    rows = dd["train"].to_list()
    for doc in docs:
        mine = [r for r in rows if r["doc_id"] == doc.id]
        assert char_labels_from_windows(len(doc.text), mine) == spans_to_bio(doc.text, doc.spans)
        for r in mine:
            assert len(r["input_ids"]) == len(r["labels"]) == len(r["offset_mapping"]) == r["window_end"] - r["window_start"] + 2
            assert r["labels"][0] == r["labels"][-1] == IGNORE and IGNORE not in r["labels"][1:-1]


@settings(max_examples=40, deadline=None)
@given(st.text(TEXT_CHARS, min_size=1, max_size=120), st.integers(1, 40), st.data())
def test_label_alignment_random(tokenizer, text, max_chars, data):
    stride = data.draw(st.integers(0, max_chars - 1))
    n = len(text)
    spans = [LabeledSpan(s, data.draw(st.integers(s + 1, n)), data.draw(st.sampled_from(LABELS)))
             for s in data.draw(st.lists(st.integers(0, n - 1), max_size=6))]
    tags = spans_to_bio(text, spans)
    rows = [encode_window(text, w, tokenizer, tags) for w in windows(n, max_chars, stride)]
    assert char_labels_from_windows(n, rows) == tags
    for r in rows:  # a window starting inside a span starts with I-
        first = tags[r["window_start"]]
        assert r["labels"][1] == label2id()[first]


def test_split_is_by_document_deterministic_and_keyed(tokenizer):
    docs = seed_docs(n_copies=4)  # 20 documents
    dd = build_token_dataset(docs, tokenizer, max_chars=256, stride=32, seed=3)
    ids = {name: set(dd[name]["doc_id"]) for name in dd}
    assert set(dd) == {"train", "validation", "test"}
    assert not ids["train"] & ids["validation"] and not ids["train"] & ids["test"] and not ids["validation"] & ids["test"]
    assert [len(ids[n]) for n in ("train", "validation", "test")] == [16, 2, 2]
    assert ids == {name: set(ds["doc_id"]) for name, ds in
                   build_token_dataset(docs[::-1], tokenizer, max_chars=256, stride=32, seed=3).items()}
    other = build_token_dataset(docs, tokenizer, max_chars=256, stride=32, seed=4)
    assert ids != {name: set(ds["doc_id"]) for name, ds in other.items()}
    keyed = build_token_dataset(docs, tokenizer, max_chars=256, stride=32, split_key="fold")
    for name, ds in keyed.items():
        assert {d.meta["fold"] for d in docs if d.id in set(ds["doc_id"])} == {name}
    with pytest.raises(ValueError, match="meta"):
        build_token_dataset([AnnotatedDoc("x", "abc", [], {})], tokenizer, split_key="fold")


def test_split_counts_small():
    assert split_counts(5, (0.8, 0.1, 0.1)) == [3, 1, 1]
    assert split_counts(1, (0.8, 0.1, 0.1)) == [1, 0, 0]
    assert split_counts(10, (0.8, 0.1, 0.1)) == [8, 1, 1]
    assert split_counts(7, (1.0, 0.0, 0.0)) == [7, 0, 0]


def test_works_with_a_wordpiece_tokenizer():
    """Any fast tokenizer with offsets: a small local WordPiece (BERT-style) one that groups digits."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "2021", "50", "年", "共", "条",
                                         "##1", "1", "2"])}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                                   sep_token="[SEP]", mask_token="[MASK]")
    text = "2021年 共50条"
    doc = AnnotatedDoc("w", text, [LabeledSpan(0, 5, "YEAR"), LabeledSpan(7, 10, "METRIC_VALUE")], {})
    dd = build_token_dataset([doc], fast, max_chars=8, stride=3, splits=(1.0, 0.0, 0.0))
    rows = dd["train"].to_list()
    assert char_labels_from_windows(len(text), rows) == spans_to_bio(text, doc.spans)
