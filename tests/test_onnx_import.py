"""Rebuilding the torch model from a model.onnx (gainlp.model.onnx_import) and retraining from a shipped folder.

Tiny models only: a random one-layer encoder (hidden 32) and one trained for a few dozen steps through the
CLI, exported with export_onnx; never the 91 MB base.
"""
from __future__ import annotations

import logging
import shutil

import numpy as np
import onnx
import pytest
import torch

from gainlp.annotations import write_jsonl
from gainlp.config import load_config

from .test_model import NO_SYNTH, TINY, hand_docs, run_cli

TEXTS = ["某某市人民政府2023年政府信息公开工作年度报告",
         "一、总体情况\n本年度主动公开政府信息152条，其中政策解读12篇。",
         "行政许可 | 35\n行政处罚 | 7\n规范性文件 | 0\n2024年1月15日"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny model folder trained through the CLI (torch weights and an int8 model.onnx), and its held-out docs."""
    d = tmp_path_factory.mktemp("import")
    write_jsonl(hand_docs(16, 1), d / "train.jsonl")
    write_jsonl(hand_docs(4, 2), d / "heldout.jsonl")
    code, _ = run_cli(["train", "--config", str(TINY), *NO_SYNTH, f"data.annotations=[{d / 'train.jsonl'}]",
                       f"heldout.path={d / 'heldout.jsonl'}", "-o", str(d / "tiny"), "-q"])
    assert code == 0
    return d / "tiny", d / "heldout.jsonl"


@pytest.fixture(scope="module")
def random_model():
    """An untrained tiny classifier: zero biases and unit LayerNorms, as initialised."""
    from gainlp.model.encoder import scratch_bert_config, token_classifier
    from gainlp.model.tokenizer import build_char_tokenizer

    cfg = load_config(TINY)
    tok = build_char_tokenizer(TEXTS + [d.text for d in hand_docs(3, 5)], model_max_length=cfg.model.max_position)
    torch.manual_seed(0)
    return token_classifier(scratch_bert_config(cfg.model, tok)).eval(), tok


def _export(model, path, dtype, fused, monkeypatch):
    """export_onnx as it runs (fused into onnxruntime's BERT operators: every parameter randomised first,
    since the fusion keeps one of several equal tensors), or unfused (as the shipped model was exported;
    the exporter names each merged zero bias by an Identity node)."""
    import copy

    from gainlp.model import export

    if fused:
        model = copy.deepcopy(model)
        with torch.no_grad():
            for p in model.parameters():
                p.normal_(0.0, 0.05)
    else:
        monkeypatch.setattr(export, "fuse_bert", lambda src, dst, config: shutil.copyfile(src, dst))
    export.export_onnx(model, path, dtype=dtype)
    ops = {n.op_type for n in onnx.load(str(path)).graph.node}
    assert bool(ops & {"Attention", "QAttention"}) == fused and ("Identity" in ops) == (not fused)
    return model, path


def _taggers(model, tokenizer, onnx_path):
    from gainlp.model.runtime import OnnxScorer
    from gainlp.model.tagger import Tagger

    torch_tagger = Tagger(model, tokenizer, max_chars=128, stride=32)
    return torch_tagger, Tagger(OnnxScorer(onnx_path), tokenizer, max_chars=128, stride=32,
                                id2label=torch_tagger.id2label)


def _scales(onnx_path, sources):
    """Parameter -> the quantisation scale of the initializer it came from (absent: stored as float)."""
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in onnx.load(str(onnx_path)).graph.initializer}
    out = {}
    for param, src in sources.items():
        base = src[: -len("_quantized")] if src.endswith("_quantized") else src
        if base + "_scale" in inits:
            out[param] = float(inits[base + "_scale"])
    return out


# ------------------------------------------------------------------------------------------- rebuild

@pytest.mark.parametrize("fused", [True, False])
def test_fp32_graph_rebuilds_the_exact_model(fused, random_model, tmp_path, monkeypatch):
    """fp32: every parameter comes back bit for bit (query, key and value split out of a fused Attention;
    merged zero biases of an unfused graph) and the rebuilt model's probabilities are the ONNX session's
    up to float rounding."""
    from gainlp.model.onnx_import import model_from_onnx, read_onnx_weights

    model, path = _export(random_model[0], tmp_path / "m.onnx", "fp32", fused, monkeypatch)
    tok = random_model[1]
    assert read_onnx_weights(path).dtype == "fp32"
    rebuilt, dtype = model_from_onnx(path, model.config)
    assert dtype == "fp32" and not rebuilt.training
    want = model.state_dict()
    for name, value in rebuilt.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), want[name].numpy(), err_msg=name)
    rebuilt_tagger, onnx_tagger = _taggers(rebuilt, tok, path)
    for text in TEXTS:
        np.testing.assert_allclose(rebuilt_tagger.char_probs(text), onnx_tagger.char_probs(text), atol=1e-5)


@pytest.mark.parametrize("which", ["fused", "unfused", "trained"])
def test_int8_graph_rebuilds_every_weight_within_half_a_step(which, random_model, trained, tmp_path, monkeypatch):
    """int8: each weight is the trained one rounded to its quantisation grid, so it is off by at most half
    a scale step; unquantised tensors (biases, LayerNorms) are exact. A weight given to the wrong module
    (query for key, ...) would be off by the size of the weights themselves."""
    from gainlp.model.folder import load_model_folder
    from gainlp.model.onnx_import import model_from_onnx, read_onnx_weights

    if which == "trained":  # exported by training, as export_onnx does it (fused)
        model = load_model_folder(trained[0]).model
        path = trained[0] / "model.onnx"
    else:
        model, path = _export(random_model[0], tmp_path / "m.onnx", "int8", which == "fused", monkeypatch)
    weights = read_onnx_weights(path)
    scales = _scales(path, weights.sources)
    assert weights.dtype == "int8" and len(scales) == 3 + 6 + 1  # embeddings, six Linear layers, classifier
    rebuilt, _ = model_from_onnx(path, model.config)
    got = dict(rebuilt.named_parameters())
    for name, p in model.named_parameters():
        err = (got[name] - p).abs().max().item()
        if name in scales:
            assert 0 < err <= scales[name] / 2 * 1.0001, (name, err, scales[name])
            assert err < p.abs().max().item() / 50, name
        else:
            assert err == 0, name


def test_int8_rebuilt_probabilities_match_the_onnx_session(trained):
    """The rebuilt model computes what the int8 session computes, less the session's int8 rounding of
    the activations. Measured on this tiny trained model: at most 0.0064 apart on any character's tag
    probability with the fused export (0.0075 unfused), 0.005-0.009 from the trained torch model (the
    session itself is 0.004-0.015 from it), argmax the same everywhere. The bounds: 0.03 (about 4x the
    measured worst), and the rebuilt model closer to the session than the trained weights are."""
    from transformers import AutoConfig

    from gainlp.model.folder import load_model_folder
    from gainlp.model.onnx_import import model_from_onnx

    folder = trained[0]
    loaded = load_model_folder(folder)
    rebuilt, _ = model_from_onnx(folder / "model.onnx", AutoConfig.from_pretrained(str(folder)))
    rebuilt_tagger, onnx_tagger = _taggers(rebuilt, loaded.tokenizer, folder / "model.onnx")
    trained_tagger, _ = _taggers(loaded.model, loaded.tokenizer, folder / "model.onnx")
    gaps, trained_gaps, agree, n = [], [], 0, 0
    for text in TEXTS + [d.text for d in hand_docs(2, 9)]:
        r, o, t = rebuilt_tagger.char_probs(text), onnx_tagger.char_probs(text), trained_tagger.char_probs(text)
        assert np.abs(r - o).max() < 0.03
        gaps.append(np.abs(r - o).mean())
        trained_gaps.append(np.abs(t - o).mean())
        agree += int((r.argmax(1) == o.argmax(1)).sum())
        n += len(text)
    assert np.mean(gaps) < np.mean(trained_gaps)
    assert agree / n >= 0.99


# -------------------------------------------------------------------------------------------- errors

def _renamed(trained, tmp_path, old, new):
    """The trained folder's model.onnx with initializer ``old`` renamed ``new`` (and every use of it), and
    the folder's config."""
    from transformers import AutoConfig

    folder = trained[0]
    m = onnx.load(str(folder / "model.onnx"))
    for init in m.graph.initializer:
        if init.name == old:
            init.name = new
    for node in m.graph.node:
        node.input[:] = [new if i == old else i for i in node.input]
    onnx.save(m, str(tmp_path / "edited.onnx"))
    return tmp_path / "edited.onnx", AutoConfig.from_pretrained(str(folder))


def test_a_weight_that_cannot_be_named_raises(trained, tmp_path):
    """The classifier's bias made anonymous: its MatMul weight reaches no named .bias, so it has no name."""
    from gainlp.model.onnx_import import OnnxImportError, model_from_onnx

    path, config = _renamed(trained, tmp_path, "inner.classifier.bias", "onnx::Add_999")
    with pytest.raises(OnnxImportError, match=r"cannot name the weight 'onnx::MatMul_\d+_quantized'.*classifier"):
        model_from_onnx(path, config)


def test_a_missing_or_foreign_parameter_raises(trained, tmp_path):
    from gainlp.model.onnx_import import OnnxImportError, model_from_onnx

    path, config = _renamed(trained, tmp_path, "inner.bert.embeddings.LayerNorm.weight", "ln_scale")
    with pytest.raises(OnnxImportError, match=r"not found \['bert\.embeddings\.LayerNorm\.weight'\]"):
        model_from_onnx(path, config)
    config.num_hidden_layers = 2  # a config.json that is not the graph's
    with pytest.raises(OnnxImportError, match=r"bert\.encoder\.layer\.1\."):
        model_from_onnx(trained[0] / "model.onnx", config)


# ----------------------------------------------------------------------------------------- retraining

def test_train_continues_from_a_shipped_folder(trained, tmp_path, caplog, capsys):
    """gainlp train base=<inference files only>: one warning line says the start is the dequantised
    int8 model.onnx; the run scores the held-out set before and after, keeps the base's lineage and
    writes a complete model folder; the shipped folder is untouched."""
    from gainlp.annotations import read_jsonl
    from gainlp.model.folder import ModelFolderError, load_model_folder, read_info, ship_model_folder
    from gainlp.model.tagger import Tagger, evaluate_docs

    folder, heldout = trained
    shipped = ship_model_folder(folder, tmp_path / "shipped")
    assert not (shipped / "model.safetensors").exists()
    card = (shipped / "README.md").read_text(encoding="utf-8")
    assert card.startswith("# shipped\n") and 'Tagger.from_folder("shipped")' in card  # named as shipped
    before_files = {p.name: p.read_bytes() for p in shipped.iterdir()}
    user = tmp_path / "user.jsonl"
    write_jsonl(hand_docs(6, 3), user)
    out = tmp_path / "retrained"
    # the default recipe ships into the package's folder: a run from that folder must not replace it
    code, _ = run_cli(["train", "--config", str(TINY), *NO_SYNTH, f"base={shipped}", f"data.annotations=[{user}]",
                       f"ship={shipped}/", "-o", str(out), "-q"])
    assert code == 2 and not out.exists() and "would replace the base model" in capsys.readouterr().err
    with caplog.at_level(logging.WARNING, logger="gainlp"):
        code, printed = run_cli(["train", "--config", str(TINY), *NO_SYNTH, f"base={shipped}",
                                 f"data.annotations=[{user}]", f"heldout.path={heldout}", "data.replay=2",
                                 "finetune.max_steps=6", "finetune.eval_every=3", "-o", str(out)])
    assert code == 0
    notes = [r.getMessage() for r in caplog.records if "dequantised" in r.getMessage()]
    assert len(notes) == 1 and str(shipped) in notes[0] and "int8 model.onnx" in notes[0]
    info = read_info(out)
    assert (out / "model.safetensors").is_file() and (out / "model.onnx").is_file()
    assert "gainlp model" in info.base and "dequantised" in info.base
    fp = info.data_fingerprint
    assert fp["base_sha256"] == read_info(folder).data_fingerprint["sha256"]
    assert fp["base"] == {"weights": "model.onnx", "onnx": "int8", "dequantised": True}
    assert fp["by_source"]["annotations"] == 6 and fp["by_source"]["replay"] == 2
    assert info.metrics["training"]["steps"] == 6
    # "before" is the shipped model's score (rebuilt from its int8 graph), not a fresh network's
    ba = info.metrics["before_after"]
    trained_f1 = evaluate_docs(Tagger.from_folder(folder, backend="torch"), read_jsonl(heldout))["f1"]
    assert trained_f1 > 0.3 and abs(ba["before_f1"] - trained_f1) <= 0.02
    assert "before" in printed and "after" in printed
    assert {p.name: p.read_bytes() for p in shipped.iterdir()} == before_files
    # a folder with neither weights file still says what is missing
    (shipped / "model.onnx").unlink()
    with pytest.raises(ModelFolderError, match="neither model.safetensors nor model.onnx"):
        load_model_folder(shipped)


# ----------------------------------------------------------------------------------------- gainlp export

def test_export_writes_the_graph_again_and_ships_it(trained, tmp_path, capsys):
    """gainlp export: a shipped folder's model.onnx, dequantised, exported again with this gainlp's export
    into a complete folder (training record kept, the export recorded), shipped where --ship says; the
    new graph tags as the old one does. Writing over the folder read is refused in one line."""
    from gainlp.model.folder import read_info, ship_model_folder
    from gainlp.model.tagger import Tagger

    folder, _ = trained
    shipped = ship_model_folder(folder, tmp_path / "shipped")
    code, _ = run_cli(["export", str(shipped), "-o", str(shipped), "-q"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "is the model read" in err
    out, again = tmp_path / "out", tmp_path / "again"
    code, _ = run_cli(["export", str(shipped), "-o", str(out), "--ship", str(again), "-q"])
    assert code == 0
    assert (out / "model.safetensors").is_file() and not (again / "model.safetensors").exists()
    old, new = read_info(shipped), read_info(again)
    assert new.training_config == old.training_config and new.metrics == old.metrics
    assert new.created == old.created and len(new.exports) == 1
    assert new.exports[0]["weights"] == "model.onnx (int8, dequantised)" and new.exports[0]["source"] == str(shipped)
    assert "re-exported" in (again / "README.md").read_text(encoding="utf-8")
    ops = {n.op_type for n in onnx.load(str(again / "model.onnx")).graph.node}
    assert "QAttention" in ops
    a, b = Tagger.from_folder(shipped), Tagger.from_folder(again)
    for text in TEXTS:
        pa, pb = a.char_probs(text), b.char_probs(text)
        assert (pa.argmax(1) == pb.argmax(1)).mean() >= 0.9 and np.abs(pa - pb).max() < 0.2
