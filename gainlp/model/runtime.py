"""The light inference path: a model folder's ``model.onnx`` run by onnxruntime, its ``tokenizer.json`` by
tokenizers. Neither torch nor transformers is imported here.

Threads: a process that extracts alone uses every core it has (``os.sched_getaffinity``); the workers
of a batch job split them (:func:`set_threads`, called by each worker before it loads a model). The
intra-op threads never spin-wait for work (``session.intra_op.allow_spinning = 0``): on a CPU that
other processes share, spinning threads burn the time the others need, and the rate collapses
(benchmarks/model_throughput.py measures it quiet and busy).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

ONNX_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"

_threads: int | None = None


class ModelLoadError(RuntimeError):
    """A model folder that cannot be loaded (missing files, missing runtime, corrupt weights)."""


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def set_threads(threads: int | None) -> None:
    """The intra-op threads of the models this process loads from now on (None: every available core)."""
    global _threads
    _threads = threads
    if threads is not None:
        import sys

        if "torch" in sys.modules:  # a torch model (training folders) in the same process
            sys.modules["torch"].set_num_threads(threads)


def threads() -> int:
    return _threads or available_cores()


class TokenizerRuntime:
    """A ``tokenizers.Tokenizer`` with the call signature the windowing code uses (lists of lists)."""

    def __init__(self, tokenizer: Any, pad_token_id: int, model_max_length: int | None = None) -> None:
        self.tokenizer = tokenizer
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        self.tokenizer.encode_special_tokens = True  # "[CLS]" or "<s>" written in a text is text
        self.pad_token_id = pad_token_id
        self.model_max_length = model_max_length

    @classmethod
    def from_folder(cls, folder: str | os.PathLike) -> "TokenizerRuntime":
        from tokenizers import Tokenizer

        folder = Path(folder)
        try:
            tok = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        except Exception as exc:  # tokenizers raises a bare Exception for a bad file
            raise ModelLoadError(f"{folder / TOKENIZER_FILE}: cannot load the tokenizer ({exc})") from exc
        cfg_path = folder / "tokenizer_config.json"
        cfg = json.loads(cfg_path.read_text(encoding="utf-8")) if cfg_path.is_file() else {}
        pad = cfg.get("pad_token")
        pad = pad.get("content") if isinstance(pad, dict) else pad
        pad_id = tok.token_to_id(pad) if pad else None
        if pad_id is None:
            raise ModelLoadError(f"{folder}: tokenizer_config.json names no pad token of the vocabulary")
        limit = cfg.get("model_max_length")
        return cls(tok, pad_id, int(limit) if isinstance(limit, (int, float)) and limit < 10**9 else None)

    def __call__(self, texts: Sequence[str], **_: Any) -> dict[str, list]:
        encs = self.tokenizer.encode_batch(list(texts), add_special_tokens=True)
        return {"input_ids": [e.ids for e in encs], "attention_mask": [e.attention_mask for e in encs],
                "offset_mapping": [e.offsets for e in encs],
                "special_tokens_mask": [e.special_tokens_mask for e in encs]}


class OnnxScorer:
    """Tag probabilities ``(batch, tokens, tags)`` of padded token ids, from a model.onnx."""

    def __init__(self, path: str | os.PathLike, n_threads: int | None = None) -> None:
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise ModelLoadError(f"{path}: onnxruntime is not installed (pip install onnxruntime)") from exc
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = n_threads or threads()
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        spin = os.environ.get("GAINLP_ORT_SPIN", "0")  # "1" only to measure the policy against spinning
        opts.add_session_config_entry("session.intra_op.allow_spinning", spin)
        opts.add_session_config_entry("session.inter_op.allow_spinning", spin)
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own error types for a bad file
            raise ModelLoadError(f"{path}: cannot load the ONNX model ({str(exc).splitlines()[0]})") from exc
        self.inputs = {i.name for i in self.session.get_inputs()}

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        feed = {"input_ids": input_ids.astype(np.int64), "attention_mask": attention_mask.astype(np.int64)}
        (probs,) = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})
        return probs


def pad_ids(seqs: Sequence[Sequence[int]], pad_value: int) -> tuple[np.ndarray, np.ndarray]:
    """Right-pad integer sequences into a (batch, width) array; also the attention mask."""
    width = max(len(s) for s in seqs)
    out = np.full((len(seqs), width), pad_value, dtype=np.int64)
    mask = np.zeros((len(seqs), width), dtype=np.int64)
    for k, s in enumerate(seqs):
        out[k, : len(s)] = s
        mask[k, : len(s)] = 1
    return out, mask


def read_id2label(folder: str | os.PathLike) -> dict[int, str]:
    cfg = json.loads((Path(folder) / "config.json").read_text(encoding="utf-8"))
    return {int(k): v for k, v in cfg["id2label"].items()}
