"""A trained torch token classifier -> ``model.onnx`` (tag probabilities), int8 where asked.

The graph takes ``input_ids`` and ``attention_mask`` (batch x tokens, both dynamic) and returns the
softmax of the logits, so the runtime (:mod:`gainlp.model.runtime`) needs nothing but onnxruntime.
The graph is exported with BERT's plain ("eager") attention and fused by onnxruntime's transformer
optimiser into its BERT operators (Attention, SkipLayerNormalization, BiasGelu),
which run faster on a CPU than the exported pieces; a network the optimiser does not recognise is kept
unfused. ``dtype="int8"`` then quantises the weights of every MatMul, Attention and Gather (the
embeddings) to int8 with onnxruntime's dynamic quantisation (activations quantised per batch at run time);
benchmarks in the README compare it with fp32 on the same documents.
"""
from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any, Iterator

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
    attention = model.config._attn_implementation
    with tempfile.TemporaryDirectory() as tmp:
        exported, fp32 = Path(tmp) / "exported.onnx", Path(tmp) / "fp32.onnx" if dtype == "int8" else path
        try:
            model.set_attn_implementation("eager")  # the pattern the optimiser fuses into one Attention
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice and tracer hints
                torch.onnx.export(wrapped, (ids, mask), str(exported), input_names=["input_ids", "attention_mask"],
                                  output_names=["probs"], dynamic_axes=axes, opset_version=OPSET, dynamo=False)
        finally:
            model.set_attn_implementation(attention)
        fuse_bert(exported, fp32, model.config)
        if dtype == "int8":
            from onnxruntime.quantization import QuantType, quantize_dynamic
            from onnx import TensorProto

            with _quiet_root_logger():  # the quantiser logs a "run pre-processing first" hint on the root logger
                quantize_dynamic(str(fp32), str(path), weight_type=QuantType.QInt8, per_channel=False,
                                 op_types_to_quantize=QUANTISED_OPS,
                                 extra_options={"DefaultTensorType": TensorProto.FLOAT})  # types behind fused ops
    model.train(was_training)
    return path


QUANTISED_OPS = ["MatMul", "Attention", "Gather"]


def fuse_bert(src: Path, dst: Path, config: Any) -> dict[str, int]:
    """Fuse an exported BERT graph (``src``) into onnxruntime's BERT operators, written at ``dst``; returns
    the count of each fused operator. When the optimiser does not find one Attention per layer, the
    exported graph is written unchanged (it runs, only slower) and a warning says so."""
    import shutil

    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    options = FusionOptions("bert")
    options.enable_embed_layer_norm = False  # its quantised form would quantise the LayerNorm too
    with _quiet_root_logger():
        fused = optimize_model(str(src), model_type="bert", num_heads=config.num_attention_heads,
                               hidden_size=config.hidden_size, opt_level=0, optimization_options=options)
    counts = {k: v for k, v in fused.get_fused_operator_statistics().items() if v}
    if counts.get("Attention", 0) != config.num_hidden_layers:
        log.warning("ONNX export: onnxruntime's optimiser fused %s in a %d-layer network; the graph is kept "
                    "unfused", counts or "nothing", config.num_hidden_layers)
        if Path(src) != Path(dst):
            shutil.copyfile(src, dst)
        return {}
    fused.save_model_to_file(str(dst))
    log.info("ONNX export: fused %s", counts)
    return counts


@contextlib.contextmanager
def _quiet_root_logger() -> Iterator[None]:
    """The root logger at ERROR for a block (onnxruntime's tools log hints on it)."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)
