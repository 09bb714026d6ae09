"""A character tokenizer built locally (no hub download): every character of the text is one token.

The vocabulary holds the special tokens, all printable ASCII, common white space, the full-width
ASCII variants (U+FF01-U+FF5E) and CJK punctuation (U+3000-U+303F), then every character seen in the
training texts at least ``min_freq`` times (most frequent first, capped by ``max_vocab``). Unseen
characters map to ``[UNK]`` but still take exactly one token, so ``offset_mapping[i] == (i, i + 1)``.

No normaliser runs (NFKC would turn one character into several, e.g. "㈠" -> "(一)"), and white space
is tokenised like any other character (space, tab, newline each become a token). The special-token
strings themselves ("[CLS]" written in a text) are split into characters too
(``split_special_tokens=True``).
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Iterable

from tokenizers import Regex, Tokenizer, models, pre_tokenizers, processors
from transformers import PreTrainedTokenizerFast

PAD, UNK, CLS, SEP, MASK = "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"
SPECIAL_TOKENS = (PAD, UNK, CLS, SEP, MASK)
WHITESPACE = " \t\n\r\f\v\u00a0\u3000"


def base_characters() -> list[str]:
    """Characters always in the vocabulary, whatever the training texts."""
    chars = [chr(c) for c in range(0x20, 0x7F)]          # printable ASCII
    chars += list(WHITESPACE)
    chars += [chr(c) for c in range(0xFF01, 0xFF5F)]      # full-width digits, letters, punctuation
    chars += [chr(c) for c in range(0x3001, 0x3040)]      # CJK punctuation 、。〃〈〉《》「」『』【】〔〕…
    chars += list("“”‘’—…·•●○■□◆◇※×÷±≥≤≈％")
    return list(dict.fromkeys(chars))


def build_char_tokenizer(texts: Iterable[str], min_freq: int = 1, max_vocab: int | None = None,
                         model_max_length: int = 2048) -> PreTrainedTokenizerFast:
    """Build a one-token-per-character fast tokenizer from ``texts``.

    ``max_vocab`` caps the whole vocabulary (special + base + seen characters); the special tokens and
    base characters are always kept.
    """
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(text)
    vocab: dict[str, int] = {}
    for ch in [*SPECIAL_TOKENS, *base_characters()]:
        vocab.setdefault(ch, len(vocab))
    seen = sorted((c for c, n in counts.items() if n >= min_freq and c not in vocab),
                  key=lambda c: (-counts[c], c))
    room = None if max_vocab is None else max(0, max_vocab - len(vocab))
    for ch in seen[:room]:
        vocab[ch] = len(vocab)

    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token=UNK))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    cls_id, sep_id = vocab[CLS], vocab[SEP]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{CLS} $A {SEP}", pair=f"{CLS} $A {SEP} $B:1 {SEP}:1",
        special_tokens=[(CLS, cls_id), (SEP, sep_id)])
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token=UNK, pad_token=PAD, cls_token=CLS, sep_token=SEP,
        mask_token=MASK, model_max_length=model_max_length, split_special_tokens=True)


def load_tokenizer(directory: str | Path) -> PreTrainedTokenizerFast:
    """Load a tokenizer saved with ``save_pretrained`` (ours or any local fast tokenizer); never downloads."""
    from transformers import AutoTokenizer

    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"no tokenizer folder at {directory}")
    tok = AutoTokenizer.from_pretrained(str(directory), local_files_only=True)
    if not tok.is_fast:
        raise ValueError(f"{directory}: gainlp needs a fast tokenizer (with offset mappings)")
    return tok
