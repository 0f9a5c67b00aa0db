"""Resource figures (parameters, weight bytes, activation bytes, multiply-adds) and limits."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import hybridspec as hs
from hybridspec.cli import main
from hybridspec.graphs.limits import MAX_BYTES, MAX_PARAMS, parse_limit


def model(shape, *body, dtype="float32"):
    return hs.ModelSpec(name="m", inputs={"x": hs.InputSpec(shape=shape, dtype=dtype)},
                        body=hs.Chain(blocks=body) if len(body) > 1 else body[0])


def test_dense_and_conv_figures_by_hand():
    report = hs.check(model((28, 28, 1), hs.Conv(filters=32, kernel_size=3), hs.Flatten(), hs.Dense(units=10)))
    conv, dense = report["body[0]"], report["body[2]"]
    assert conv.macs == 26 * 26 * 32 * 3 * 3 * 1
    assert dense.macs == 26 * 26 * 32 * 10
    assert conv.weight_bytes == 4 * 320
    assert conv.activation_bytes == 4 * 26 * 26 * 32
    assert report.macs == conv.macs + dense.macs
    assert report.activation_bytes == 4 * (28 * 28 + 2 * 26 * 26 * 32 + 10)  # input, conv, flatten, dense
    assert report.weight_bytes == 4 * report.params
    assert report["body"].macs == report.macs  # composites total their subtree


def test_weight_dtypes_follow_the_policy():
    half = hs.check(model((8,), hs.Dense(units=4, dtype="float16")))
    mixed = hs.check(model((8,), hs.Dense(units=4, dtype="mixed_float16")))
    double = hs.check(model((8,), hs.Dense(units=4, dtype="float64")))
    assert (half.weight_bytes, mixed.weight_bytes, double.weight_bytes) == (2 * 36, 4 * 36, 8 * 36)
    assert mixed["body"].activation_bytes == 2 * 4  # mixed precision computes in float16


def test_recurrent_and_time_distributed_scale_with_time():
    lstm = hs.check(model((7, 3), hs.LSTM(units=5)))
    assert lstm.macs == 7 * 4 * 5 * (3 + 5)
    bi = hs.check(model((7, 3), hs.Bidirectional(layer=hs.LSTM(units=5))))
    assert bi.macs == 2 * lstm.macs
    td = hs.check(model((6, 4), hs.TimeDistributed(block=hs.Dense(units=3))))
    assert td.macs == 6 * 4 * 3 == hs.check(model((6, 4), hs.Dense(units=3))).macs


def test_shared_nodes_count_weights_once_and_work_twice():
    spec = hs.loads("""
name: siamese
inputs: {a: {shape: [8]}, b: {shape: [8]}}
nodes:
  left: {from: a, block: {dense: 4}}
  right: {from: b, share: left}
  both: {from: [left, right], block: {merge: concat}}
outputs: {y: {from: both}}
""")
    report = hs.check(spec)
    assert report.params == 36
    assert report.macs == 2 * 32


def test_resources_in_json_for_a_batch():
    report = hs.check(model((8,), hs.Dense(units=4)))
    figures = report.to_dict(batch=32)["resources"]
    assert figures["activation_bytes"] == 32 * figures["activation_bytes_per_sample"] == 32 * 4 * 12
    assert figures["macs_per_sample"] == 32 and figures["macs"] == 32 * 32


@pytest.mark.parametrize(("document", "path", "kind"), [
    ("inputs: {x: {shape: [100]}}\nbody: [{dense: 1000000000000}, {dense: 10}]", "body[0]", "dense"),
    ("inputs: {x: {shape: [100000, 100000, 100000]}}\nbody: [flatten, {dense: 10}]", "body[1]", "dense"),
    ("inputs: {x: {shape: [5], dtype: int32}}\nbody: [{embedding: {vocab: 100000000000, dim: 8}}, "
     "global_pool]", "body[0]", "embedding"),
])
def test_huge_models_are_refused_naming_the_biggest_node(document, path, kind):
    with pytest.raises(hs.SpecError) as info:
        hs.check(hs.loads("name: huge\n" + document))
    err = info.value
    assert (err.path, err.kind) == (path, kind)
    assert "parameters, over the limit of 2,000,000,000 (max_params)" in err.message
    assert "--max-params" in err.message


def test_limits_are_keywords_and_none_turns_them_off():
    spec = model((1000,), hs.Dense(units=1000, dtype="float64"))
    assert hs.check(spec).params == 1_001_000
    with pytest.raises(hs.SpecError, match=r"1,001,000 parameters, over the limit of 1,000,000"):
        hs.check(spec, max_params=1_000_000)
    with pytest.raises(hs.SpecError, match=r"8,008,000 bytes of weights.*\(max_bytes\)"):
        hs.check(spec, max_bytes=2**20)
    huge = model((100,), hs.Dense(units=10**12))
    assert hs.check(huge, max_params=None, max_bytes=None).params == 101 * 10**12
    assert (MAX_PARAMS, MAX_BYTES) == (2_000_000_000, 16 * 2**30)


def test_build_refuses_before_keras_is_imported():
    code = ("import sys, hybridspec as hs\n"
            "spec = hs.loads('name: m\\ninputs: {x: {shape: [100]}}\\nbody: {dense: 1000000000000}')\n"
            "try:\n    hs.build(spec)\nexcept hs.SpecError as e:\n    print(e)\n"
            "print('keras' in sys.modules, 'tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "body (dense): the model needs" in out and out.strip().endswith("False False")


@pytest.mark.parametrize(("text", "value"), [("2e9", 2e9), ("500M", 5e8), ("16GiB", 16 * 2**30),
                                             ("none", None), ("1kib", 1024)])
def test_parse_limit(text, value):
    assert parse_limit(text) == value


def test_cli_limits_batch_and_errors(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.yaml").write_text("name: m\ninputs: {x: {shape: [8]}}\nbody: {dense: 4}\n")
    assert main(["check", "m.yaml", "--max-params", "10"]) == 1
    assert "36 parameters, over the limit of 10 (max_params)" in capsys.readouterr().err
    assert main(["summary", "m.yaml", "--max-bytes", "100"]) == 1
    assert "144 bytes of weights" in capsys.readouterr().err
    assert main(["build", "m.yaml", "--max-params", "1k", "--max-bytes", "0.1KiB"]) == 1
    assert "(max_bytes)" in capsys.readouterr().err
    assert main(["check", "m.yaml", "--max-params", "lots"]) == 2
    assert main(["check", "m.yaml", "--json", "--batch", "8"]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    assert result["resources"]["activation_bytes"] == 8 * 4 * 12
    assert main(["summary", "m.yaml", "--batch", "8"]) == 0
    out = capsys.readouterr().out
    assert "Multiply-adds: 32 per sample" in out and "48 B per sample, 384 B for a batch of 8" in out
