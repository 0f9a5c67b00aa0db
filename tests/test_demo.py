"""The demo and the train run end to end (short runs; these tests import Keras)."""

import argparse
import csv

import numpy as np
import pytest

import hybridspec as hs
from hybridspec import demo
from hybridspec.training import cli
from hybridspec.training.data import load_data
from hybridspec.training.run import train


def _parser(module):
    parser = argparse.ArgumentParser(prog="hybridspec")
    module.add_parser(parser.add_subparsers(dest="command"))
    return parser


def test_demo_short_run(tmp_path):
    out = tmp_path / "out"
    lines = []
    result = demo.run_demo(out, epochs=3, verbose=0, log=lines.append)
    assert result["accuracy"] > 0.5
    assert result["max_abs_diff"] <= 1e-6
    names = {"digits_hybrid.keras", "digits_hybrid.yaml", "history.csv", "learning_curve.png"}
    assert names <= {p.name for p in out.iterdir()}
    assert {p.name for p in tmp_path.iterdir()} == {"out"}  # nothing outside --out
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left
    assert (out / "learning_curve.png").read_bytes()[:4] == b"\x89PNG"
    with open(out / "history.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3 and {"loss", "val_loss", "accuracy"} <= set(rows[0])
    assert hs.load(out / "digits_hybrid.yaml") == demo.demo_spec()
    assert any(line.startswith('Model "digits_hybrid"') for line in lines)
    assert any("test accuracy" in line for line in lines)


def test_demo_spec_is_the_branching_hybrid():
    spec = demo.demo_spec()
    report = hs.check(spec)
    assert report.outputs == {"digit": (None, 10)}
    kinds = {row.kind for row in report.rows}
    assert {"conv", "global_pool", "bidirectional", "attention", "merge", "dense"} <= kinds
    assert spec.train is not None and spec.train.epochs >= 10


def test_demo_and_train_help():
    for module, command in ((demo, "demo"), (cli, "train")):
        parser = _parser(module)
        with pytest.raises(SystemExit) as exit_:
            parser.parse_args([command, "--help"])
        assert exit_.value.code == 0
    args = _parser(demo).parse_args(["demo", "--out", "x", "--epochs", "2"])
    assert (args.out, args.epochs, args.run) == ("x", 2, demo._run)


GRAPH = """name: two_heads
inputs: {image: {shape: [8, 8, 1]}}
nodes:
  f: {from: image, block: [flatten, {dense: {units: 16, activation: relu}}]}
outputs:
  label: {from: f, block: {dense: 10}}
  size: {from: f, block: {dense: 1}}
train:
  optimizer: {name: sgd, learning_rate: 0.05, momentum: 0.5, clipnorm: 1.0}
  loss: {label: sparse_categorical_crossentropy}
  metrics: {label: [accuracy], size: [mae, rmse]}
  batch_size: 16
  epochs: 2
  callbacks:
    early_stopping: {patience: 1}
    reduce_on_plateau: {patience: 1}
    backup_and_restore: true
  seed: 1
"""


def test_train_graph_model_with_logits_and_two_losses(tmp_path):
    digits = load_data("digits")
    n = 300
    x, y = digits.train.x["x"][:n], digits.train.y["y"][:n]
    path = tmp_path / "data.npz"
    np.savez(path, image=x, label=y, size=x.mean(axis=(1, 2)))
    spec = hs.loads(GRAPH)
    result = train(spec, str(path), tmp_path / "run", verbose=0, log=lambda _: None)
    assert {"label_accuracy", "size_mae", "size_rmse", "loss"} <= set(result["metrics"])
    assert not (tmp_path / "run" / "backup").exists()  # removed after a finished run
    assert hs.spec_of(tmp_path / "run" / "two_heads.keras") == spec  # the document rides along


def test_mixed_precision_policy_is_restored(tmp_path):
    import keras

    spec = hs.loads("name: mp\ninputs: {x: {shape: [8, 8, 1]}}\n"
                    "body: [flatten, dense: {units: 10, activation: softmax}]\n"
                    "train: {mixed_precision: mixed_bfloat16, epochs: 1, seed: 0}\n")
    result = train(spec, "digits", tmp_path, verbose=0, log=lambda _: None)
    assert result["model"].dtype_policy.name == "mixed_bfloat16"
    assert [layer.dtype_policy.name for layer in result["model"].layers[1:]] == ["mixed_bfloat16", "float32"]
    assert keras.mixed_precision.global_policy().name == "float32"


def test_train_command(tmp_path, capsys):
    spec = tmp_path / "m.yaml"
    spec.write_text("name: m\ninputs: {x: {shape: [8, 8]}}\nbody: [flatten, dense: {units: 10, activation: softmax}]\n")
    parse = _parser(cli).parse_args
    args = parse(["train", str(spec), "--data", "digits-seq", "--epochs", "1", "--out", str(tmp_path / "r")])
    assert args.run(args) == 0
    assert (tmp_path / "r" / "m.keras").exists()
    args = parse(["train", str(spec), "--data", "digits", "--out", str(tmp_path / "bad")])
    assert args.run(args) == 1
    assert "input 'x' expects examples of shape (8, 8), got (8, 8, 1)" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()  # the data was refused before anything was written
