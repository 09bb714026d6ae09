"""`gainlp export MODEL -o OUT [--onnx int8|fp32] [--ship DIR]`: write a model folder's inference graph again.

The network is the folder's own: its torch weights, or, in a shipped folder that has none, its
``model.onnx`` dequantised (:mod:`gainlp.model.onnx_import`). It is exported with this gainlp's
:func:`gainlp.model.export.export_onnx` into a complete model folder at OUT (torch weights included, so
training can continue from it); ``--ship DIR`` also copies its inference files to DIR (the package's
model folder, for one). ``gainlp.json`` keeps the training record and adds the export to ``exports``; its
metrics are those of training, measured on the network before int8 rounding.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import sys
from pathlib import Path


def add_arguments(p) -> None:
    p.add_argument("model", type=Path, help="a gainlp model folder (a training output or a shipped folder)")
    p.add_argument("-o", "--output", type=Path, required=True, help="the model folder to write")
    p.add_argument("--onnx", choices=("int8", "fp32"), default="int8", help="dtype of the new model.onnx")
    p.add_argument("--ship", type=Path, help="also copy the inference files to this folder")


def run(args) -> int:
    import gainlp
    from gainlp.model.folder import (ONNX_FILE, ModelFolderError, load_model_folder, read_info,
                                     save_model_folder, ship_model_folder)

    if args.output.resolve() == args.model.resolve():
        print(f"gainlp export: -o {args.output} is the model read; write to another folder (--ship may name "
              f"the model's own folder)", file=sys.stderr)
        return 2
    try:
        loaded = load_model_folder(args.model)
    except (ModelFolderError, ImportError) as exc:
        print(f"gainlp export: {args.model}: {exc}", file=sys.stderr)
        return 2
    onnx = args.model / ONNX_FILE
    export = {"when": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
              "gainlp_version": gainlp.__version__, "source": str(args.model), "onnx": args.onnx,
              "weights": loaded.weights + (f" ({loaded.onnx_dtype}, dequantised)" if loaded.onnx_dtype else ""),
              "previous_onnx_sha256": hashlib.sha256(onnx.read_bytes()).hexdigest() if onnx.is_file() else None}
    info = dataclasses.replace(loaded.info, size_bytes=0, exports=[*loaded.info.exports, export])
    folder = save_model_folder(loaded.model, loaded.tokenizer, args.output, info, onnx=args.onnx)
    written = read_info(folder)
    print(f"model folder: {folder} (model.onnx {args.onnx}, {written.onnx_bytes / 1e6:.1f} MB)")
    if args.ship:
        ship_model_folder(folder, args.ship)
        print(f"inference files shipped to {args.ship}")
    return 0
