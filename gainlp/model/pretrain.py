"""Masked-language-model pre-training of the scratch character encoder on report texts.

The texts are tokenised once and cut into chunks of ``max_chars`` tokens; each step draws a random batch
of chunks and masks 15% of their characters (whole characters: with the character tokenizer each token
is one character) -- 80% become [MASK], 10% a random character, 10% stay -- and the encoder learns to
restore them. The prediction head only runs on the masked positions. The encoder weights then
initialise the token classifier (:func:`gainlp.model.encoder.token_classifier`).
"""
from __future__ import annotations

import logging
import math
import time
from typing import Any, Sequence

import numpy as np
import torch
from tqdm import tqdm

from gainlp.config import PretrainConfig
from gainlp.model.encoder import make_optimizer, pad_batch, seed_everything

log = logging.getLogger(__name__)


def chunk_ids(texts: Sequence[str], tokenizer: Any, max_chars: int) -> list[list[int]]:
    """Token ids (no special tokens) of every text, cut into chunks of at most ``max_chars`` tokens."""
    chunks: list[list[int]] = []
    for text in texts:
        for i in range(0, len(text), max_chars):  # at most max_chars characters, so at most max_chars tokens
            piece = tokenizer(text[i : i + max_chars], add_special_tokens=False)["input_ids"]
            if len(piece) >= 8:
                chunks.append(piece)
    return chunks


def mask_batch(chunks: Sequence[Sequence[int]], tokenizer: Any, mask_prob: float,
               generator: torch.Generator, random_ids: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """(input_ids, attention_mask, labels) of one MLM batch; labels are -100 except at masked characters."""
    ids, attn = pad_batch([[tokenizer.cls_token_id, *c, tokenizer.sep_token_id] for c in chunks],
                          tokenizer.pad_token_id)
    content = attn.bool()
    content[:, 0] = False                                              # [CLS]
    content[torch.arange(len(chunks)), attn.sum(dim=1) - 1] = False    # [SEP]
    chosen = (torch.rand(ids.shape, generator=generator) < mask_prob) & content
    labels = torch.where(chosen, ids, torch.full_like(ids, -100))
    roll = torch.rand(ids.shape, generator=generator)
    to_mask = chosen & (roll < 0.8)
    to_random = chosen & (roll >= 0.8) & (roll < 0.9)
    inputs = ids.clone()
    inputs[to_mask] = tokenizer.mask_token_id
    picks = torch.randint(len(random_ids), (int(to_random.sum()),), generator=generator)
    inputs[to_random] = random_ids[picks]
    return inputs, attn, labels


def pretrain_mlm(bert_config: Any, tokenizer: Any, texts: Sequence[str], cfg: PretrainConfig,
                 seed: int = 0) -> tuple[dict, dict]:
    """Pre-train a BertForMaskedLM for ``cfg.steps`` steps; return (encoder state dict, statistics)."""
    from transformers import BertForMaskedLM


    seed_everything(seed)
    chunks = chunk_ids(texts, tokenizer, cfg.max_chars)
    if not chunks:
        raise ValueError("MLM pre-training needs texts; none of the training texts has 8 characters")
    model = BertForMaskedLM(bert_config)
    model.train()
    special = set(tokenizer.all_special_ids)
    random_ids = torch.tensor([i for i in range(len(tokenizer)) if i not in special], dtype=torch.long)
    opt, sched = make_optimizer(model, cfg.lr, cfg.weight_decay, int(cfg.warmup_ratio * cfg.steps), cfg.steps)
    gen = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    losses: list[float] = []
    bar = tqdm(range(cfg.steps), desc="MLM pre-training", unit="step", disable=None)
    for _ in bar:
        batch = [chunks[i] for i in rng.integers(len(chunks), size=cfg.batch_size)]
        inputs, attn, labels = mask_batch(batch, tokenizer, cfg.mask_prob, gen, random_ids)
        hidden = model.bert(input_ids=inputs, attention_mask=attn).last_hidden_state
        where = labels != -100
        if not where.any():
            continue
        logits = model.cls(hidden[where])
        loss = torch.nn.functional.cross_entropy(logits, labels[where])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        losses.append(loss.item())
        if len(losses) % 20 == 0:
            bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}")
    seconds = time.perf_counter() - started
    tail = losses[-max(1, len(losses) // 10):]
    stats = {"steps": cfg.steps, "chunks": len(chunks), "seconds": round(seconds, 1),
             "final_loss": round(float(np.mean(tail)), 4) if losses else None,
             "final_perplexity": round(math.exp(float(np.mean(tail))), 2) if losses else None}
    log.info("MLM pre-training: %s", stats)
    return model.bert.state_dict(), stats
