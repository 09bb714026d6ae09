"""Which model extraction uses: the model shipped inside the package, a folder the user names, or none.

The shipped model lives in ``gainlp/models/gainlp-zh-base`` (package data, so ``pip install .`` carries
it) and is read through onnxruntime (:mod:`gainlp.model.runtime`). ``$GAINLP_MODEL`` names another
folder. There is no silent fallback: a model that was asked for ("auto" included) and cannot be
loaded raises :class:`ModelLoadError` with a one-line reason; rules-only extraction is asked for by
name (``model=None``, ``gainlp extract --no-model``).
"""
from __future__ import annotations

import logging
import os
from functools import lru_cache
from pathlib import Path

from gainlp.model.runtime import ModelLoadError

log = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "gainlp-zh-base"
MODELS_DIR = Path(__file__).resolve().parents[1] / "models"   # inside the package
BACKENDS = ("auto", "onnx", "torch")


def _has_weights(path: Path) -> bool:
    return (path / "gainlp.json").is_file() and ((path / "model.onnx").is_file() or (path / "model.safetensors").is_file())


def default_model_path() -> Path | None:
    """$GAINLP_MODEL, else the package's shipped model, when it holds a model."""
    env = os.environ.get("GAINLP_MODEL")
    path = Path(env) if env else MODELS_DIR / DEFAULT_MODEL_NAME
    return path if _has_weights(path) else None


@lru_cache(maxsize=4)
def _load(path: str, backend: str):
    from gainlp.model.folder import ModelFolderError
    from gainlp.model.tagger import Tagger

    try:
        return Tagger.from_folder(Path(path), backend=backend)
    except (ModelFolderError, OSError, ValueError) as exc:
        raise ModelLoadError(f"cannot load the model in {path}: {exc}") from exc


def get_tagger(model: str | Path | None = "auto"):
    """A loaded tagger (cached per process), or None for rules only (``None`` or "none")."""
    if model is None or model == "none":
        return None
    backend = os.environ.get("GAINLP_BACKEND", "auto")
    if backend not in BACKENDS:
        raise ModelLoadError(f"GAINLP_BACKEND={backend!r}: expected one of {', '.join(BACKENDS)}")
    if model == "auto":
        path = default_model_path()
        if path is None:
            where = os.environ.get("GAINLP_MODEL") or MODELS_DIR / DEFAULT_MODEL_NAME
            raise ModelLoadError(f"no model found in {where} (train one, see README, or extract with --no-model)")
        return _load(str(path), backend)
    path = Path(model)
    if not _has_weights(path):
        raise ModelLoadError(f"{path}: not a gainlp model folder (no gainlp.json with model.onnx or model.safetensors)")
    return _load(str(path.resolve()), backend)
