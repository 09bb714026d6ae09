"""Benchmark: the shipped model rebuilt from its int8 model.onnx, exported again, against the shipped one.

    .venv/bin/python benchmarks/onnx_import.py [--model gainlp/models/gainlp-zh-base]
        [--out models/gainlp-zh-base-rebuilt] [TEXTS ...]   (default texts: ../shared/data/seeds/*.txt)

Rebuilds the torch model from the shipped folder (gainlp.model.onnx_import: every weight dequantised to
float32), writes it as a model folder with a fresh int8 model.onnx (what a retraining run would write
before any step), counts the initializers of the two model.onnx files that are identical, and compares
per-character tag decisions (argmax of the tag probabilities) of the shipped ONNX model with the
re-exported ONNX model and with the rebuilt torch model on the texts. Prints a table and writes
benchmarks/results/onnx_import.json. Score the written folder with
``gainlp evaluate ../shared/data/dev --compare --model <out>``.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from gainlp.model.folder import load_model_folder, read_info, save_model_folder
from gainlp.model.tagger import Tagger
from gainlp.readers import read

REPO = Path(__file__).resolve().parents[1]
OUT = Path(__file__).resolve().parent / "results" / "onnx_import.json"


def agreement(a: np.ndarray, b: np.ndarray) -> dict:
    """Fraction of characters whose argmax tag agrees, over all and over those either side tags non-O."""
    x, y = a.argmax(1), b.argmax(1)
    tagged = (x != 0) | (y != 0)
    return {"chars": int(len(x)), "agree": int((x == y).sum()), "tagged": int(tagged.sum()),
            "tagged_agree": int((x == y)[tagged].sum()), "max_prob_diff": float(np.abs(a - b).max())}


def same_initializers(a: Path, b: Path) -> dict:
    """How many of model.onnx ``a``'s initializers ``b`` holds under the same name with equal values."""
    import onnx

    def inits(path: Path) -> dict:
        return {i.name: onnx.numpy_helper.to_array(i) for i in onnx.load(str(path)).graph.initializer}

    x, y = inits(a), inits(b)
    return {"total": len(x), "other_total": len(y),
            "identical": sum(1 for k, v in x.items() if k in y and np.array_equal(v, y[k]))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=REPO / "gainlp" / "models" / "gainlp-zh-base")
    ap.add_argument("--out", type=Path, default=REPO / "models" / "gainlp-zh-base-rebuilt")
    ap.add_argument("texts", nargs="*", type=Path)
    args = ap.parse_args()
    texts = args.texts or sorted((REPO.parent / "shared" / "data" / "seeds").glob("*.txt"))

    started = time.perf_counter()
    loaded = load_model_folder(args.model)
    rebuild_s = time.perf_counter() - started
    info = dataclasses.replace(read_info(args.model), metrics={}, created="", size_bytes=0, onnx_bytes=0,
                               base=f"{args.model} (gainlp model, its {loaded.onnx_dtype} model.onnx dequantised)")
    started = time.perf_counter()
    save_model_folder(loaded.model, loaded.tokenizer, args.out, info, onnx="int8")
    export_s = time.perf_counter() - started

    shipped = Tagger.from_folder(args.model, backend="onnx")
    again = Tagger.from_folder(args.out, backend="onnx")
    rebuilt = Tagger(loaded.model, loaded.tokenizer, max_chars=shipped.max_chars, stride=shipped.stride)
    rows = []
    for path in texts:
        text = read(path).text
        ref = shipped.char_probs(text)
        rows.append({"file": path.name, "reexported_int8": agreement(ref, again.char_probs(text)),
                     "rebuilt_torch_fp32": agreement(ref, rebuilt.char_probs(text))})

    def total(key: str) -> dict:
        s = {k: sum(r[key][k] for r in rows) for k in ("chars", "agree", "tagged", "tagged_agree")}
        return {**s, "agree_frac": s["agree"] / s["chars"], "tagged_agree_frac": s["tagged_agree"] / s["tagged"],
                "max_prob_diff": max(r[key]["max_prob_diff"] for r in rows)}

    result = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "model": str(args.model),
              "out": str(args.out), "onnx_dtype": loaded.onnx_dtype, "rebuild_seconds": round(rebuild_s, 2),
              "save_and_export_seconds": round(export_s, 2),
              "initializers": same_initializers(args.model / "model.onnx", args.out / "model.onnx"), "files": rows,
              "reexported_int8": total("reexported_int8"), "rebuilt_torch_fp32": total("rebuilt_torch_fp32")}
    print(f"rebuilt {args.model} from its {loaded.onnx_dtype} model.onnx in {rebuild_s:.1f} s; "
          f"saved with a new int8 model.onnx at {args.out} in {export_s:.1f} s")
    init = result["initializers"]
    print(f"re-exported model.onnx: {init['identical']} of the shipped {init['total']} initializers identical "
          f"({init['other_total']} in all)")
    print("| against the shipped model.onnx | characters | argmax agrees | among tagged characters | max prob diff |")
    print("|---|---|---|---|---|")
    for key in ("reexported_int8", "rebuilt_torch_fp32"):
        t = result[key]
        print(f"| {key} | {t['chars']:,} | {t['agree_frac']:.4f} | {t['tagged_agree_frac']:.4f} "
              f"({t['tagged']:,}) | {t['max_prob_diff']:.3f} |")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
