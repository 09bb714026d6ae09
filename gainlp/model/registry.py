"""Which model extraction uses: the shipped default, a folder the user names, or none (rules only)."""
from __future__ import annotations

import logging
import os
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "gainlp-zh-base"
MODELS_DIR = Path(__file__).resolve().parents[2] / "models"


def default_model_path() -> Path | None:
    """$GAINLP_MODEL, else models/gainlp-zh-base of this checkout, when it holds a model."""
    env = os.environ.get("GAINLP_MODEL")
    path = Path(env) if env else MODELS_DIR / DEFAULT_MODEL_NAME
    return path if (path / "model.safetensors").is_file() else None


@lru_cache(maxsize=4)
def _load(path: str):
    from gainlp.model.tagger import Tagger

    return Tagger.from_folder(Path(path))


def get_tagger(model: str | Path | None = "auto"):
    """A loaded tagger (cached per process), or None for rules only."""
    if model is None or model == "none":
        return None
    if model == "auto":
        path = default_model_path()
        if path is None:
            log.info("no default model found in %s; extracting with rules only", MODELS_DIR)
            return None
        return _load(str(path))
    path = Path(model)
    if not (path / "model.safetensors").is_file():
        raise FileNotFoundError(f"{path}: not a gainlp model folder (no model.safetensors)")
    return _load(str(path.resolve()))
