"""A trained model as a self-describing folder; inference reads nothing else.

Contents::

    model.safetensors      torch weights (float32, or float16 if the run asked for it; loaded as float32),
                           for continued training (a folder without them continues from model.onnx)
    model.onnx             the same network for inference (int8 or fp32; see gainlp.model.export)
    config.json            the transformers config, with id2label / label2id
    tokenizer.json ...     the tokenizer (``save_pretrained`` files)
    train_config.yaml      the resolved training config, to repeat the run
    gainlp.json            :class:`ModelInfo`: version, labels, creation time, training config, metrics,
                           data fingerprint, training time, size
    README.md              a model card generated from gainlp.json
    NOTICE                 licence notices of what the model was made from (a pretrained base)

:func:`ship_model_folder` copies what inference reads (no torch weights) into the folder the package
ships (``gainlp/models/gainlp-zh-base``).

``size_bytes`` counts every file of the folder except gainlp.json and README.md (which describe it).
:func:`save_model_folder` writes into a temporary sibling folder and renames it into place, so a reader
never sees a half-written model and a failed save leaves the previous model intact.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from gainlp.labels import LABELS, bio_tags

INFO_FILE = "gainlp.json"
CONFIG_FILE = "train_config.yaml"
CARD_FILE = "README.md"
WEIGHTS_FILE = "model.safetensors"
ONNX_FILE = "model.onnx"
NOTICE_FILE = "NOTICE"
_DESCRIBING = {INFO_FILE, CARD_FILE, NOTICE_FILE}
# what inference reads: the files a shipped model folder holds
INFERENCE_FILES = (ONNX_FILE, "tokenizer.json", "tokenizer_config.json", "config.json", INFO_FILE, CARD_FILE,
                   NOTICE_FILE, CONFIG_FILE)


class ModelFolderError(ValueError):
    """A path that is not a (complete) gainlp model folder, or one made for another label scheme."""


@dataclass
class ModelInfo:
    """What ``gainlp.json`` holds."""

    gainlp_version: str = ""
    labels: list[str] = field(default_factory=lambda: list(LABELS))
    created: str = ""
    training_config: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    data_fingerprint: dict = field(default_factory=dict)
    train_seconds: float = 0.0
    size_bytes: int = 0
    max_chars: int = 512            # inference window, as trained
    stride: int = 128
    base: str = "scratch"           # what training started from
    parameters: int = 0
    onnx: str = ""                  # dtype of model.onnx (int8 | fp32), "" when the folder has none
    onnx_bytes: int = 0             # size of model.onnx: what the installed package carries
    notice: str = ""                # licence notices of the base (written to NOTICE)
    exports: list[dict] = field(default_factory=list)  # re-exports of model.onnx after training (gainlp export)

    @classmethod
    def from_dict(cls, data: dict) -> "ModelInfo":
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class LoadedModel:
    model: Any
    tokenizer: Any
    info: ModelInfo
    path: Path
    weights: str = WEIGHTS_FILE     # where the torch weights came from: model.safetensors, or
    onnx_dtype: str = ""            # model.onnx (int8 | fp32), dequantised (gainlp.model.onnx_import)


def data_fingerprint(docs: Iterable[Any], counts: dict | None = None) -> dict:
    """sha256 over the docs' ids, texts and spans (in id order, so input order does not matter) + counts."""
    docs = sorted(docs, key=lambda d: d.id)
    h = hashlib.sha256()
    n_chars = n_spans = 0
    for d in docs:
        spans = sorted((int(s), int(e), str(lab)) for s, e, lab in d.spans)
        h.update(json.dumps([d.id, d.text, spans], ensure_ascii=False).encode("utf-8"))
        h.update(b"\n")
        n_chars += len(d.text)
        n_spans += len(spans)
    out = {"sha256": h.hexdigest(), "docs": len(docs), "chars": n_chars, "spans": n_spans}
    out.update(counts or {})
    return out


def is_model_folder(path: str | os.PathLike) -> bool:
    return (Path(path) / INFO_FILE).is_file()


def _folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and f.name not in _DESCRIBING)


def _readable(folder: Path) -> None:
    """mkdtemp makes a private folder; give the folder and its files the usual umask permissions."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(folder, 0o777 & ~umask)
    for f in folder.iterdir():
        os.chmod(f, 0o666 & ~umask)


def _name_tokenizer_class(folder: Path) -> None:
    """tokenizer_config.json names PreTrainedTokenizerFast (transformers 5 writes its backend's name; an
    XLM-R slow class, which some versions pick for these pieces, turns "，：；" into unknowns)."""
    path = folder / "tokenizer_config.json"
    cfg = json.loads(path.read_text(encoding="utf-8"))
    cfg["tokenizer_class"] = "PreTrainedTokenizerFast"
    path.write_text(json.dumps(cfg, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _move_into_place(tmp: Path, path: Path) -> None:
    """Make the finished folder ``tmp`` readable and rename it to ``path``, replacing what is there."""
    _readable(tmp)
    old = None
    if path.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
        os.rename(path, old / path.name)
    os.rename(tmp, path)
    if old is not None:
        shutil.rmtree(old)


def save_model_folder(model: Any, tokenizer: Any, path: str | os.PathLike, info: ModelInfo,
                      save_dtype: str = "float32", onnx: str | None = None) -> Path:
    """Write the model folder at ``path`` atomically (replacing an existing gainlp model folder there)."""
    import torch

    path = Path(path)
    if path.exists() and not is_model_folder(path) and (not path.is_dir() or any(path.iterdir())):
        raise ModelFolderError(f"{path} exists and is not a gainlp model folder; refusing to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    try:
        state = None
        if save_dtype == "float16":
            state = {k: (v.to(torch.float16) if v.is_floating_point() else v)
                     for k, v in model.state_dict().items()}
        model.save_pretrained(tmp, state_dict=state)
        tokenizer.save_pretrained(tmp)
        _name_tokenizer_class(tmp)
        if onnx:
            from gainlp.model.export import export_onnx

            export_onnx(model, tmp / ONNX_FILE, dtype=onnx)
            info = dataclasses.replace(info, onnx=onnx, onnx_bytes=(tmp / ONNX_FILE).stat().st_size)
        if info.notice:
            (tmp / NOTICE_FILE).write_text(info.notice, encoding="utf-8")
        (tmp / CONFIG_FILE).write_text(
            yaml.safe_dump(info.training_config, allow_unicode=True, sort_keys=False), encoding="utf-8")
        info = dataclasses.replace(
            info, size_bytes=_folder_size(tmp),
            created=info.created or _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            parameters=info.parameters or sum(p.numel() for p in model.parameters()))
        (tmp / INFO_FILE).write_text(json.dumps(dataclasses.asdict(info), ensure_ascii=False, indent=2) + "\n",
                                     encoding="utf-8")
        (tmp / CARD_FILE).write_text(model_card(info, name=path.name), encoding="utf-8")
        _move_into_place(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def ship_model_folder(src: str | os.PathLike, dst: str | os.PathLike) -> Path:
    """Copy the inference files of model folder ``src`` to ``dst`` (atomically, replacing a model there);
    the model card is written again under ``dst``'s name."""
    src, dst = Path(src), Path(dst)
    info = read_info(src)
    if not (src / ONNX_FILE).is_file():
        raise ModelFolderError(f"{src} has no {ONNX_FILE} to ship")
    if dst.exists() and not is_model_folder(dst) and any(dst.iterdir()):
        raise ModelFolderError(f"{dst} exists and is not a gainlp model folder; refusing to replace it")
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dst.name}.tmp-", dir=dst.parent))
    try:
        for name in INFERENCE_FILES:
            if (src / name).is_file():
                shutil.copy2(src / name, tmp / name)
        (tmp / CARD_FILE).write_text(model_card(info, dst.name), encoding="utf-8")
        _move_into_place(tmp, dst)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dst


def read_info(path: str | os.PathLike) -> ModelInfo:
    path = Path(path)
    if not is_model_folder(path):
        raise ModelFolderError(f"{path} is not a gainlp model folder (no {INFO_FILE})")
    try:
        return ModelInfo.from_dict(json.loads((path / INFO_FILE).read_text(encoding="utf-8")))
    except json.JSONDecodeError as exc:
        raise ModelFolderError(f"{path / INFO_FILE}: not valid JSON ({exc})") from exc


def load_model_folder(path: str | os.PathLike) -> LoadedModel:
    """Load model (float32, eval mode), tokenizer and info from a gainlp model folder; never downloads.

    The torch weights are ``model.safetensors``; a folder without them (the shipped one) gives the
    network of its ``model.onnx``, every weight dequantised to float32 (:mod:`gainlp.model.onnx_import`)."""
    import torch
    from transformers import AutoConfig, AutoModelForTokenClassification

    from gainlp.model.tokenizer import load_tokenizer

    path = Path(path)
    info = read_info(path)
    if list(info.labels) != list(LABELS):
        raise ModelFolderError(f"{path} was trained for labels {info.labels}, this gainlp uses {list(LABELS)}")
    weights, onnx_dtype = WEIGHTS_FILE, ""
    if (path / WEIGHTS_FILE).is_file():
        model = AutoModelForTokenClassification.from_pretrained(str(path), local_files_only=True,
                                                                dtype=torch.float32)
    elif (path / ONNX_FILE).is_file():
        from gainlp.model.onnx_import import model_from_onnx

        model, onnx_dtype = model_from_onnx(path / ONNX_FILE, AutoConfig.from_pretrained(str(path),
                                                                                         local_files_only=True))
        weights = ONNX_FILE
    else:
        raise ModelFolderError(f"{path} has neither {WEIGHTS_FILE} nor {ONNX_FILE}")
    tags = [model.config.id2label[i] for i in range(model.config.num_labels)]
    if tags != bio_tags():
        raise ModelFolderError(f"{path}: config.json id2label {tags} does not match the BIO tags {bio_tags()}")
    model.eval()
    return LoadedModel(model=model, tokenizer=load_tokenizer(path), info=info, path=path, weights=weights,
                       onnx_dtype=onnx_dtype)


# ------------------------------------------------------------------------------------------ model card

def _fmt(x: Any) -> str:
    return f"{x:.3f}" if isinstance(x, float) else str(x)


def metrics_rows(metrics: dict) -> list[tuple[str, str, Any, Any, Any, Any]]:
    """(set, label, precision, recall, f1, support) rows for every scored set in ``metrics``."""
    rows = []
    for name, m in metrics.items():
        if not isinstance(m, dict) or "f1" not in m:
            continue
        rows.append((name, "ALL", m.get("precision"), m.get("recall"), m["f1"], m.get("support")))
        for label, lm in (m.get("per_label") or {}).items():
            rows.append((name, label, lm["precision"], lm["recall"], lm["f1"], lm["support"]))
    return rows


def model_card(info: ModelInfo, name: str = "gainlp model") -> str:
    cfg = info.training_config or {}
    size = cfg.get("model", {})
    fp = info.data_fingerprint or {}
    lines = [
        f"# {name}",
        "",
        "Character-level token classifier for Chinese government information-disclosure annual reports "
        "(政府信息公开工作年度报告), made by gainlp. It labels section headings, template-table cells and "
        "labels, narrative metrics, agency, year and date as BIO tags over the characters of a report.",
        "",
        "## Summary",
        "",
        "| | |", "|---|---|",
        f"| gainlp version | {info.gainlp_version} |",
        f"| created | {info.created} |",
        f"| base | {info.base} |",
        f"| parameters | {info.parameters:,} |",
        f"| size on disk | {info.size_bytes / 1e6:.1f} MB (model.onnx, {info.onnx or 'none'}: "
        f"{info.onnx_bytes / 1e6:.1f} MB) |",
        f"| window | {info.max_chars} characters, overlap {info.stride} |",
        f"| training time | {info.train_seconds / 60:.1f} min |",
    ]
    lines += [f"| re-exported | {e.get('when')}: model.onnx {e.get('onnx')} written again by gainlp "
              f"{e.get('gainlp_version')} from the {e.get('weights')} of {e.get('source')} |" for e in info.exports]
    if info.base == "scratch" and size:
        lines.append(f"| encoder | hidden {size.get('hidden_size')}, {size.get('num_layers')} layers, "
                     f"{size.get('num_heads')} heads |")
    lines += ["", "Labels: " + ", ".join(info.labels), "", "## Training data", ""]
    lines += [f"- {k}: " + (", ".join(f"{a} {b}" for a, b in v.items()) if isinstance(v, dict) else f"{v}")
              for k, v in fp.items()]
    annotations = (info.training_config or {}).get("data", {}).get("annotations") or []
    rows = metrics_rows(info.metrics)
    if rows:
        lines += ["", "## Evaluation (exact span match, per character; seqeval)", "",
                  "| set | label | precision | recall | F1 | support |", "|---|---|---|---|---|---|"]
        lines += ["| " + " | ".join(_fmt(x) for x in r) + " |" for r in rows]
    ba = info.metrics.get("before_after")
    if ba:
        lines += ["", f"Held-out set before this training run: F1 {_fmt(ba.get('before_f1'))}; after: "
                      f"{_fmt(ba.get('after_f1'))}."]
    lines += [
        "", "## Use", "", "```python", "from gainlp.model.tagger import Tagger", "",
        f'tagger = Tagger.from_folder("{name}")', "spans = tagger.tag(document)  # also in document.layers[\"model\"]",
        "```", "",
        "## Limitations", "",
        "Trained mostly on synthetic reports and on real reports labelled by gainlp's rules (weak labels), "
        "so it inherits their blind spots; scores on synthetic data overstate accuracy on real reports. "
        + (f"It was also trained on the annotations of {', '.join(annotations)}: its scores there are not "
           "leave-out scores. " if annotations else "")
        + "The rule pipeline remains the fallback.", "",
        "The full training configuration is in train_config.yaml; `gainlp train --config "
        "train_config.yaml` repeats the run.", "",
    ]
    return "\n".join(lines)
