"""A gainlp ``model.onnx`` back to the torch token classifier it was exported from, in float32.

The shipped model folder holds only inference files; this rebuilds the transformers model (config from the
folder's ``config.json``) so that training can continue from it. It reads the graphs that
:func:`gainlp.model.export.export_onnx` writes:

* ``fp32``: biases, LayerNorms and embeddings are initializers named after the torch parameter with the
  prefix ``inner.`` (the export wraps the classifier as ``Probs.inner``); the Linear weights are anonymous
  (``onnx::MatMul_539``), stored ``[in, out]`` (the transpose of torch's ``[out, in]``) and consumed by
  ``MatMul`` nodes.
* ``int8`` (onnxruntime's dynamic quantisation): the embeddings become ``<name>_quantized`` with
  ``_scale`` and ``_zero_point`` (per tensor), the Linear weights ``onnx::MatMul_539_quantized`` etc.,
  consumed by ``MatMulInteger``. Every quantised tensor is dequantised as ``(q - zero_point) * scale``.
* fused (export_onnx since 3adb699; the shipped model of d40808d is not): onnxruntime's BERT operators.
  A layer's query, key and value are one ``[in, 3 x hidden]`` weight and one bias of an ``Attention``
  (``QAttention`` in int8); the biases of the other Linear layers are the bias input of a ``BiasGelu``
  or a ``SkipLayerNormalization``.

An anonymous weight is named by following the graph from its matmul (``MatMul`` or ``MatMulInteger``, then
the ``Cast``/``Mul`` that rescale an integer product) to the node that adds a named ``.bias`` (``Add``,
``BiasGelu``, ``SkipLayerNormalization``): that bias's module owns the weight. A fused attention's module
is the one whose ``output.dense`` matmul its output feeds. Never by order or shape. The exporter stores parameters of equal values
once (an untrained model's zero biases) and names each other one by an ``Identity`` node; those are read
as the parameters they name. Every parameter of the torch model must be found
exactly once, with its shape, or :class:`OnnxImportError` says which is missing, doubled or unnamed;
buffers (``position_ids``, ``token_type_ids``) are the model's own.

The rebuilt weights differ from the trained ones by the quantisation step (at most half a ``scale`` per
weight); the rebuilt model also computes without the int8 graph's activation quantisation, so its
probabilities are close to, not equal to, the ONNX session's (tests/test_onnx_import.py measures both).
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gainlp.model.folder import ModelFolderError

log = logging.getLogger(__name__)

PREFIX = "inner."  # the attribute export_onnx's wrapper keeps the classifier under
QUANTIZED, SCALE, ZERO_POINT = "_quantized", "_scale", "_zero_point"
MATMULS = ("MatMul", "MatMulInteger")
ATTENTIONS = ("Attention", "QAttention")  # onnxruntime's fused self-attention (query, key, value in one)
RESCALE = ("Cast", "Mul")  # what stands between an integer matmul and its bias Add
MAX_HOPS = 4


class OnnxImportError(ModelFolderError):
    """A model.onnx whose parameters cannot all be recovered, each exactly once."""


@dataclass
class OnnxWeights:
    """The torch parameters found in a model.onnx: name -> float32 array in torch's layout."""

    state: dict[str, np.ndarray]
    dtype: str                                             # int8 | fp32
    sources: dict[str, str] = field(default_factory=dict)  # parameter -> the initializer it came from


def _dequantize(path: Path, base: str, inits: dict[str, np.ndarray]) -> np.ndarray:
    q, scale, zero = inits[base + QUANTIZED], inits.get(base + SCALE), inits.get(base + ZERO_POINT)
    if scale is None or zero is None:
        raise OnnxImportError(f"{path}: {base}{QUANTIZED} has no {base}{SCALE} / {base}{ZERO_POINT}")
    if scale.size != 1 or zero.size != 1:
        raise OnnxImportError(f"{path}: {base} is quantised per channel (scale {list(scale.shape)}); "
                              f"only per-tensor quantisation (as export_onnx writes) is supported")
    return ((q.astype(np.int32) - zero.astype(np.int32)).astype(np.float32) * np.float32(scale)).astype(np.float32)


def _added_biases(node: Any, value: str) -> list[str]:
    """The tensors that ``node`` adds to ``value`` as a bias: the other input of an Add, a BiasGelu's bias,
    a SkipLayerNormalization's bias (its fifth input) when ``value`` is its first."""
    if node.op_type == "Add":
        return [i for i in node.input if i != value]
    if node.op_type == "BiasGelu":
        return list(node.input[1:2])
    if node.op_type == "SkipLayerNormalization" and node.input[0] == value:
        return list(node.input[4:5])
    return []


def _bias_of(path: Path, node: Any, consumers: dict[str, list[Any]], tensors: dict) -> str:
    """The named ``.bias`` added to ``node``'s output (through Cast/Mul only); raises unless exactly one."""
    found: set[str] = set()
    frontier = [(out, 0) for out in node.output]
    while frontier:
        name, hops = frontier.pop()
        for c in consumers.get(name, []):
            biases = _added_biases(c, name)
            if biases:
                found.update(i for i in biases if i in tensors and i.startswith(PREFIX) and i.endswith(".bias"))
            elif c.op_type in RESCALE and hops < MAX_HOPS:
                frontier.extend((o, hops + 1) for o in c.output)
    if len(found) != 1:
        what = "no Add of a named .bias" if not found else f"several biases {sorted(found)}"
        raise OnnxImportError(f"{path}: cannot name the weight {node.input[1]!r} of {node.op_type} node "
                              f"{node.name!r}: its output reaches {what}")
    return found.pop()


def _attention_module(path: Path, node: Any, consumers: dict[str, list[Any]], weights: dict[str, str]) -> str:
    """The attention module (``bert.encoder.layer.3.attention.``) of a fused (Q)Attention node: its output
    feeds (quantised first in an int8 graph) the matmul of that module's ``output.dense``."""
    found = set()
    frontier = list(node.output)
    while frontier:
        for c in consumers.get(frontier.pop(), []):
            if c.op_type == "DynamicQuantizeLinear":
                frontier.append(c.output[0])
            elif c.op_type in MATMULS and len(c.input) > 1:
                w = c.input[1]
                found.add(weights.get(w[: -len(QUANTIZED)] if w.endswith(QUANTIZED) else w))
    tail = "attention.output.dense.weight"
    if len(found) != 1 or not str(next(iter(found))).endswith(tail):
        raise OnnxImportError(f"{path}: cannot name the weights of {node.op_type} node {node.name!r}: its output "
                              f"feeds {sorted(map(str, found)) or 'no matmul'}, not one attention.output.dense")
    return found.pop()[: -len("output.dense.weight")]


def read_onnx_weights(path: str | os.PathLike) -> OnnxWeights:
    """Every torch parameter stored in the gainlp ``model.onnx`` at ``path``, as float32 torch-layout arrays."""
    import onnx
    from onnx import numpy_helper

    path = Path(path)
    try:
        graph = onnx.load(str(path)).graph
    except Exception as exc:  # onnx raises DecodeError and friends for a damaged file
        raise OnnxImportError(f"{path}: not a readable ONNX model ({exc})") from exc
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    tensors: dict[str, np.ndarray] = {}  # tensor name (quantised ones by their base name) -> float32
    for name in inits:
        if name.endswith(QUANTIZED):
            base = name[: -len(QUANTIZED)]
            tensors[base] = _dequantize(path, base, inits)
    quant_parts = {b + s for b in tensors for s in (QUANTIZED, SCALE, ZERO_POINT)}
    for name, arr in inits.items():
        if name not in quant_parts and np.issubdtype(arr.dtype, np.floating):
            tensors[name] = arr.astype(np.float32)
    dtype = "int8" if quant_parts else "fp32"
    for node in graph.node:  # the exporter merges parameters of equal values; an Identity names each other one
        if node.op_type == "Identity" and node.input[0] in tensors:
            tensors[node.output[0]] = tensors[node.input[0]]

    consumers: dict[str, list[Any]] = {}
    for node in graph.node:
        for i in node.input:
            consumers.setdefault(i, []).append(node)

    state: dict[str, np.ndarray] = {}
    sources: dict[str, str] = {}

    def put(param: str, arr: np.ndarray, source: str) -> None:
        if param in state:
            raise OnnxImportError(f"{path}: parameter {param} found twice ({sources[param]} and {source}); "
                                  f"a fused graph keeps one of several tensors of equal values (an untrained "
                                  f"model's zero biases), which cannot be told apart")
        state[param], sources[param] = arr, source

    weights: dict[str, str] = {}  # anonymous weight -> the parameter it was named
    for node in graph.node:  # the anonymous Linear weights, named by the bias their output gets
        if node.op_type not in MATMULS or len(node.input) < 2:
            continue
        w = node.input[1]
        base = w[: -len(QUANTIZED)] if w.endswith(QUANTIZED) else w
        if base not in tensors or base.startswith(PREFIX):
            continue  # an activation x activation product (attention scores), or a named weight
        param = _bias_of(path, node, consumers, tensors)[len(PREFIX): -len("bias")] + "weight"
        if base in weights:
            raise OnnxImportError(f"{path}: the weight {w!r} feeds two matmuls ({weights[base]} and {param})")
        weights[base] = param
        put(param, np.ascontiguousarray(tensors[base].T), w)
    for node in graph.node:  # fused attention: one [in, 3 x hidden] weight for query, key and value
        if node.op_type in ATTENTIONS:
            w, b = node.input[1], node.input[2]
            base = w[: -len(QUANTIZED)] if w.endswith(QUANTIZED) else w
            module = _attention_module(path, node, consumers, weights)
            qkv, bias = tensors[base], tensors[b]
            if qkv.shape[1] % 3 or bias.shape != (qkv.shape[1],):
                raise OnnxImportError(f"{path}: {node.op_type} {node.name!r}: weight {list(qkv.shape)} and bias "
                                      f"{list(bias.shape)} are not three equal parts")
            h = qkv.shape[1] // 3
            for k, part in enumerate(("query", "key", "value")):
                put(f"{module}self.{part}.weight", np.ascontiguousarray(qkv[:, k * h:(k + 1) * h].T), w)
                put(f"{module}self.{part}.bias", bias[k * h:(k + 1) * h].copy(), b)
            weights[base] = weights[b] = module
    for name, arr in tensors.items():  # named initializers: the torch name after the prefix
        if name in weights:
            continue
        if name.startswith(PREFIX):
            put(name[len(PREFIX):], arr, name)
        else:
            log.debug("%s: initializer %s is no parameter (%s)", path, name, list(arr.shape))
    return OnnxWeights(state=state, dtype=dtype, sources=sources)


def model_from_onnx(path: str | os.PathLike, config: Any) -> tuple[Any, str]:
    """A transformers token classifier for ``config`` with every parameter from the ``model.onnx`` at
    ``path`` (dequantised to float32), in eval mode, and the graph's dtype (int8 | fp32); raises
    :class:`OnnxImportError` unless each parameter is found exactly once."""
    import torch
    from transformers import AutoModelForTokenClassification

    path = Path(path)
    weights = read_onnx_weights(path)
    model = AutoModelForTokenClassification.from_config(config)
    params = dict(model.named_parameters())
    missing = sorted(set(params) - set(weights.state))
    extra = sorted(set(weights.state) - set(params))
    if missing or extra:
        raise OnnxImportError(f"{path}: the graph does not match {type(model).__name__} of config.json: "
                              f"parameters not found {missing or 'none'}; tensors no parameter takes "
                              f"{extra or 'none'}")
    wrong = [f"{k} {list(weights.state[k].shape)} (needs {list(p.shape)}, from {weights.sources[k]})"
             for k, p in params.items() if tuple(weights.state[k].shape) != tuple(p.shape)]
    if wrong:
        raise OnnxImportError(f"{path}: wrong shapes: {'; '.join(wrong)}")
    result = model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.state.items()}, strict=False)
    buffers = {k for k, _ in model.named_buffers()}
    if result.unexpected_keys or not set(result.missing_keys) <= buffers:
        raise OnnxImportError(f"{path}: loading the weights left {result}")
    model.eval()
    return model, weights.dtype
