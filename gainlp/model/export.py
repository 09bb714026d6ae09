"""A trained torch token classifier -> ``model.onnx`` (tag probabilities), int8 where asked.

The graph takes ``input_ids`` and ``attention_mask`` (batch x tokens, both dynamic) and returns the
softmax of the logits, so the runtime (:mod:`gainlp.model.runtime`) needs nothing but onnxruntime.
``dtype="int8"`` quantises the weights of every MatMul and Gather (the embeddings) to int8 with
onnxruntime's dynamic quantisation (activations quantised per batch at run time); benchmarks in the
README compare it with fp32 on the same documents.
"""
from __future__ import annotations

import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DTYPES = ("int8", "fp32")
OPSET = 17


class _Probs:
    """Wraps a token classifier so that the exported graph ends in a softmax."""

    def __new__(cls, model: Any):
        import torch

        class Probs(torch.nn.Module):
            def __init__(self, inner: Any) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, input_ids, attention_mask):
                logits = self.inner(input_ids=input_ids, attention_mask=attention_mask).logits
                return torch.softmax(logits, dim=-1)

        return Probs(model)


def export_onnx(model: Any, path: str | os.PathLike, dtype: str = "int8") -> Path:
    """Write ``model`` (a transformers token classifier) as ONNX at ``path``; returns the path."""
    import torch

    if dtype not in DTYPES:
        raise ValueError(f"ONNX dtype must be one of {DTYPES}, got {dtype!r}")
    path = Path(path)
    was_training = model.training
    model.eval()
    wrapped = _Probs(model).eval()
    ids = torch.full((2, 8), 5, dtype=torch.long)
    mask = torch.ones_like(ids)
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
            "probs": {0: "batch", 1: "tokens"}}
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "fp32.onnx" if dtype == "int8" else path
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice and tracer hints
            torch.onnx.export(wrapped, (ids, mask), str(fp32), input_names=["input_ids", "attention_mask"],
                              output_names=["probs"], dynamic_axes=axes, opset_version=OPSET, dynamo=False)
        if dtype == "int8":
            from onnxruntime.quantization import QuantType, quantize_dynamic

            root = logging.getLogger()
            level = root.level
            root.setLevel(logging.ERROR)  # the quantiser logs a "run pre-processing first" hint on the root logger
            try:
                quantize_dynamic(str(fp32), str(path), weight_type=QuantType.QInt8, per_channel=False,
                                 op_types_to_quantize=["MatMul", "Gather"])
            finally:
                root.setLevel(level)
    model.train(was_training)
    return path
