"""A training run: data -> starting model -> (MLM pre-training) -> fine-tuning -> model folder.

:func:`train` gathers the documents the config names (synthetic reports, annotation files, real reports
weak-labelled by the rules, and -- when continuing a gainlp model -- a replay sample of synthetic reports
like those the base model learnt from), builds the windowed token dataset split by document, fine-tunes
with a plain torch loop (AdamW, linear warm-up and decay, gradient clipping; seqeval span F1 on
validation documents at every evaluation, keeping the best weights and stopping after ``patience``
evaluations without gain) and writes the model folder. A fixed held-out set, if configured, is scored
before (when the base is a trained gainlp model) and after, so a retraining run shows what it forgot.
"""
from __future__ import annotations

import logging
import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from tqdm import tqdm

import gainlp
from gainlp.annotations import AnnotatedDoc, read_annotations
from gainlp.config import ConfigError, FinetuneConfig, SynthConfig, TrainConfig, config_to_dict
from gainlp.dataset import IGNORE
from gainlp.model.encoder import (StartingPoint, check_window_fits, make_optimizer, pad_batch, seed_everything,
                                  starting_point)
from gainlp.model.folder import (ModelInfo, data_fingerprint, is_model_folder, read_info, save_model_folder,
                                 ship_model_folder)
from gainlp.model.tagger import Tagger, evaluate_docs

log = logging.getLogger(__name__)


@dataclass
class TrainingData:
    docs: list[AnnotatedDoc]
    heldout: list[AnnotatedDoc]
    counts: dict = field(default_factory=dict)   # documents by source, dropped duplicates, failures


@dataclass
class FitResult:
    steps: int
    best_step: int
    best_metrics: dict | None
    history: list[dict]
    seconds: float
    stop_reason: str  # steps | patience | time

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds if self.seconds else 0.0


@dataclass
class TrainResult:
    folder: Path
    info: ModelInfo

    @property
    def metrics(self) -> dict:
        return self.info.metrics


# ---------------------------------------------------------------------------------------------- data

KIND = "source_kind"  # meta key: which data source a training document came from


def _renamed(doc: AnnotatedDoc, prefix: str, kind: str) -> AnnotatedDoc:
    """The doc with its id prefixed (sources never clash) and its source kind in meta."""
    return AnnotatedDoc(id=f"{prefix}:{doc.id}", text=doc.text, spans=doc.spans, meta={**doc.meta, KIND: kind})


def synth_docs(cfg: SynthConfig, kind: str = "synth") -> list[AnnotatedDoc]:
    """``cfg.n`` synthetic reports as AnnotatedDocs."""
    if cfg.n <= 0:
        return []
    from gainlp.synth import generate

    reports = generate(cfg.n, cfg.seed, **cfg.options)
    return [_renamed(r.to_annotated(), kind, kind)
            for r in tqdm(reports, total=cfg.n, desc=f"generating {kind}", unit="doc", disable=None)]


def weak_docs(paths: Sequence[str], counts: dict, exclude: set[str] = frozenset()) -> list[AnnotatedDoc]:
    """Real reports with the rules' labels that the checks confirm (gainlp.model.weak); a report whose
    body is one of ``exclude`` (evaluation sets) or that holds nothing confirmed is left out and counted,
    as is an unreadable one (logged)."""
    if not paths:
        return []
    from gainlp.batch import iter_inputs
    from gainlp.model.weak import confirmed_file

    out = []
    confirmed: dict[str, int] = {}
    for path in tqdm(iter_inputs(paths), desc="weak labels", unit="file", disable=None):
        try:
            doc, conf = confirmed_file(path, path.stem)
        except Exception as exc:  # one bad report must not stop a training run; it is reported
            log.warning("weak labels: skipping %s: %s", path, exc)
            counts["weak_failed"] = counts.get("weak_failed", 0) + 1
            continue
        if body_key(doc.text) in exclude:
            counts["weak_excluded"] = counts.get("weak_excluded", 0) + 1
            continue
        if not doc.spans:
            counts["weak_nothing_confirmed"] = counts.get("weak_nothing_confirmed", 0) + 1
            continue
        for label, n in conf.kept.items():
            confirmed[label] = confirmed.get(label, 0) + n
        out.append(_renamed(doc, f"weak{len(out)}", "weak"))
    counts["weak_confirmed_spans"] = confirmed
    return out


_HEADER_LINE = re.compile(r"^(标题|发布时间|文号|发布机构|栏目|原文链接|本地目录)[:：].*$|^=+ *正文 *=+$", re.M)


def body_key(text: str) -> str:
    """A report's body without scrape header lines and white space: the same report from two folders
    (a dev set and a corpus) has the same key."""
    return re.sub(r"\s+", "", _HEADER_LINE.sub("", text))


def excluded_bodies(paths: Sequence[str]) -> set[str]:
    """Body keys of every report under ``paths`` (evaluation sets kept out of training)."""
    if not paths:
        return set()
    from gainlp.batch import iter_inputs
    from gainlp.readers import read

    out = set()
    for path in iter_inputs(paths):
        try:
            out.add(body_key(read(path).text))
        except Exception as exc:  # an unreadable evaluation file cannot leak into training either
            log.debug("exclude: cannot read %s: %s", path, exc)
    return out


def gather_data(config: TrainConfig, base_info: ModelInfo | None = None) -> TrainingData:
    """All training and held-out documents the config names."""
    counts: dict = {}
    data = config.data
    sources: dict[str, list[AnnotatedDoc]] = {"synth": synth_docs(data.synth)}
    sources["annotations"] = [_renamed(d, f"ann{i}", "annotations") for i, path in enumerate(data.annotations)
                              for d in read_annotations(path)]
    exclude = excluded_bodies(data.exclude)
    sources["weak"] = weak_docs(data.weak, counts, exclude)
    if data.replay > 0:
        options = (base_info.training_config.get("data", {}).get("synth", {}).get("options", {})
                   if base_info is not None else data.synth.options)
        sources["replay"] = synth_docs(SynthConfig(n=data.replay, seed=data.replay_seed, options=options), "replay")
    heldout = synth_docs(config.heldout.synth, "heldout")
    if config.heldout.path:
        heldout += [_renamed(d, "heldout-file", "heldout") for d in read_annotations(config.heldout.path)]
    heldout_texts = {d.text for d in heldout}
    docs, seen = [], set()
    for name, items in sources.items():
        counts[name] = len(items)
        for d in items:
            if d.text in heldout_texts or d.id in seen:
                counts["dropped_overlap"] = counts.get("dropped_overlap", 0) + 1
                continue
            seen.add(d.id)
            docs.append(d)
    counts["heldout"] = len(heldout)
    if not docs:
        raise ValueError("no training documents: set data.synth.n, data.annotations or data.weak")
    return TrainingData(docs=docs, heldout=heldout, counts=counts)


# ----------------------------------------------------------------------------------------- fine-tuning

def _collate(ids: Sequence[Sequence[int]], labels: Sequence[Sequence[int]], pad_id: int) -> dict:
    input_ids, attn = pad_batch(ids, pad_id)
    lab, _ = pad_batch(labels, IGNORE)
    return {"input_ids": input_ids, "attention_mask": attn, "labels": lab}


def label_weights(labels: Sequence[Sequence[int]], n_tags: int, power: float, cap: float) -> torch.Tensor | None:
    """Per-tag loss weights (see ``FinetuneConfig.label_weight_power``); None for plain cross-entropy."""
    if power == 0:
        return None
    flat = np.concatenate([np.asarray(y) for y in labels])
    counts = np.bincount(flat[flat != IGNORE], minlength=n_tags).astype(np.float64)
    freq = np.maximum(counts, 1.0) / counts.max()
    return torch.tensor(np.minimum(freq ** -power, cap), dtype=torch.float32)


def finetune(model: Any, tagger: Tagger, ids: Sequence[Sequence[int]], labels: Sequence[Sequence[int]],
             val_docs: Sequence[AnnotatedDoc], cfg: FinetuneConfig) -> FitResult:
    """Fine-tune ``model`` in place on training windows (token ids, label ids); ends with the best weights loaded."""
    n = len(ids)
    if n == 0:
        raise ValueError("the training split has no windows")
    per_epoch = math.ceil(n / cfg.batch_size)
    total = per_epoch * cfg.epochs if cfg.max_steps is None else min(cfg.max_steps, per_epoch * cfg.epochs)
    eval_every = cfg.eval_every or per_epoch
    opt, sched = make_optimizer(model, cfg.lr, cfg.weight_decay, int(cfg.warmup_ratio * total), total)
    n_tags = model.config.num_labels
    weights = label_weights(labels, n_tags, cfg.label_weight_power, cfg.max_label_weight)
    rng = np.random.default_rng(cfg.seed)
    pad_id = tagger.tokenizer.pad_token_id
    history: list[dict] = []
    best_f1, best_step, best_metrics, best_state = -1.0, 0, None, None
    stale, step, losses = 0, 0, []
    stop_reason = ""
    started = time.perf_counter()
    deadline = started + cfg.max_minutes * 60 if cfg.max_minutes is not None else math.inf
    bar = tqdm(total=total, desc="fine-tuning", unit="step", disable=None)
    while not stop_reason:
        order = rng.permutation(n)
        for b in range(0, n, cfg.batch_size):
            model.train()
            batch = _collate([ids[i] for i in order[b : b + cfg.batch_size]],
                             [labels[i] for i in order[b : b + cfg.batch_size]], pad_id)
            logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
            loss = torch.nn.functional.cross_entropy(logits.view(-1, n_tags), batch["labels"].view(-1),
                                                     weight=weights, ignore_index=IGNORE)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            losses.append(loss.item())
            step += 1
            bar.update(1)
            if step % 10 == 0:
                bar.set_postfix(loss=f"{np.mean(losses[-10:]):.4f}")
            out_of_time = time.perf_counter() > deadline
            if step % eval_every == 0 or step == total or out_of_time:
                metrics = evaluate_docs(tagger, val_docs, desc="validation")
                f1 = metrics["f1"] if metrics else None
                history.append({"step": step, "epoch": round(step / per_epoch, 2),
                                "train_loss": round(float(np.mean(losses[-eval_every:])), 4), "dev_f1": f1,
                                "seconds": round(time.perf_counter() - started, 1)})
                log.info("step %d: %s", step, history[-1])
                if f1 is None or f1 > best_f1:
                    best_f1, best_step, best_metrics = (f1 if f1 is not None else -1.0), step, metrics
                    best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                    stale = 0
                else:
                    stale += 1
                    if stale >= cfg.patience:
                        stop_reason = "patience"
            if not stop_reason and (step >= total or out_of_time):
                stop_reason = "steps" if step >= total else "time"
            if stop_reason:
                break
    bar.close()
    seconds = time.perf_counter() - started
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return FitResult(steps=step, best_step=best_step, best_metrics=best_metrics, history=history,
                     seconds=seconds, stop_reason=stop_reason)


# ----------------------------------------------------------------------------------------------- run

def _split_docs(dataset: Any, split: str, by_id: dict[str, AnnotatedDoc], limit: int | None, seed: int) -> list[AnnotatedDoc]:
    ids = sorted(set(dataset[split]["doc_id"]))
    if limit is not None and len(ids) > limit:
        ids = sorted(np.random.default_rng(seed).choice(ids, size=limit, replace=False).tolist())
    return [by_id[i] for i in ids]


def _training_rows(rows: Any, by_id: dict[str, AnnotatedDoc], repeat: dict[str, int]) -> tuple[list, list]:
    """Token ids and label ids of the training windows, each repeated as its source's ``data.repeat`` says
    (windows with no label to learn left out)."""
    ids, labels = [], []
    for x, y, doc_id in zip(rows["input_ids"], rows["labels"], rows["doc_id"]):
        if all(v == IGNORE for v in y):  # a window of a partly labelled report with nothing trusted in it
            continue
        times = repeat.get(by_id[doc_id].meta.get(KIND), 1)
        ids.extend([x] * times)
        labels.extend([y] * times)
    return ids, labels


def _dequantised(start: StartingPoint) -> str:
    d = start.base_detail
    return f", its {d['onnx']} {d['weights']} dequantised" if d.get("dequantised") else ""


def train(config: TrainConfig) -> TrainResult:
    """Run the training ``config`` describes and write the model folder at ``config.output``."""
    from gainlp.dataset import assign_splits, build_token_dataset

    if config.ship and is_model_folder(config.base) and Path(config.ship).resolve() == Path(config.base).resolve():
        raise ConfigError(f"ship={config.ship} would replace the base model this run starts from; "
                          f"add ship=null (or ship=<another folder>)")
    started = time.perf_counter()
    ft = config.finetune
    torch.set_num_threads(ft.threads)
    seed_everything(ft.seed)
    base_info = read_info(config.base) if is_model_folder(config.base) else None
    data = gather_data(config, base_info)
    split_of = assign_splits(data.docs, config.data.splits, ft.seed, config.data.split_key)
    train_texts = [d.text for d in data.docs if split_of[d.id] == "train"]
    start: StartingPoint = starting_point(config, train_texts)
    model, tokenizer = start.model, start.tokenizer
    check_window_fits(ft.max_chars, model, "finetune.max_chars")
    tagger = Tagger(model, tokenizer, max_chars=ft.max_chars, stride=ft.stride, batch_size=ft.eval_batch_size)

    metrics: dict = {}
    before = evaluate_docs(tagger, data.heldout, desc="held-out (before)") if start.kind == "gainlp" else None

    dataset = build_token_dataset(data.docs, tokenizer, max_chars=ft.max_chars, stride=ft.stride,
                                  splits=config.data.splits, seed=ft.seed, split_key=config.data.split_key)
    by_id = {d.id: d for d in data.docs}
    val_docs = _split_docs(dataset, "validation", by_id, ft.max_eval_docs, ft.seed)
    ids, labels = _training_rows(dataset["train"], by_id, config.data.repeat)
    fit = finetune(model, tagger, ids, labels, val_docs, ft)

    metrics["dev"] = fit.best_metrics
    metrics["test"] = evaluate_docs(tagger, _split_docs(dataset, "test", by_id, None, ft.seed), desc="test")
    metrics["heldout"] = evaluate_docs(tagger, data.heldout, desc="held-out")
    if before is not None and metrics["heldout"] is not None:
        metrics["heldout_before"] = before
        metrics["before_after"] = {"before_f1": before["f1"], "after_f1": metrics["heldout"]["f1"],
                                   "delta_f1": round(metrics["heldout"]["f1"] - before["f1"], 4),
                                   "n_docs": len(data.heldout)}
    metrics = {k: v for k, v in metrics.items() if v is not None}
    metrics["training"] = {"steps": fit.steps, "best_step": fit.best_step, "stop_reason": fit.stop_reason,
                           "steps_per_second": round(fit.steps_per_second, 3),
                           "finetune_seconds": round(fit.seconds, 1), "history": fit.history}
    if start.pretrain:
        metrics["pretraining"] = start.pretrain

    splits = {name: len(set(dataset[name]["doc_id"])) for name in dataset}
    windows = {name: len(dataset[name]) for name in dataset}
    extra = {"by_source": data.counts, "split_docs": splits, "split_windows": windows}
    if start.base_info is not None:  # lineage: what the base model was trained on
        extra["base_sha256"] = start.base_info.data_fingerprint.get("sha256")
    if start.base_detail:
        extra["base"] = start.base_detail
    fingerprint = data_fingerprint(data.docs, extra)
    notice = start.notice or (start.base_info.notice if start.base_info is not None else "")
    info = ModelInfo(gainlp_version=gainlp.__version__, training_config=config_to_dict(config), metrics=metrics,
                     data_fingerprint=fingerprint, train_seconds=round(time.perf_counter() - started, 1),
                     max_chars=ft.max_chars, stride=ft.stride, notice=notice,
                     base=config.base if start.kind != "gainlp" else f"{config.base} (gainlp model{_dequantised(start)})")
    onnx = None if config.model.onnx == "none" else config.model.onnx
    folder = save_model_folder(model, tokenizer, config.output, info, save_dtype=config.model.save_dtype, onnx=onnx)
    if config.ship:
        ship_model_folder(folder, config.ship)
    return TrainResult(folder=folder, info=read_info(folder))
