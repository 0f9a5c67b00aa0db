"""Export: each artifact runs in its own runtime and predicts what the Keras model predicts."""

import numpy as np
import pytest

import hybridspec as hs
from hybridspec.cli import main
from hybridspec.export import export, run_artifact

keras = pytest.importorskip("keras")

MODELS = {
    "conv": "inputs: {x: {shape: [16, 16, 3]}}\nbody: [{conv: {filters: 8, kernel_size: 3, activation: relu}}, pool, flatten, {dense: 4}]",
    "lstm": "inputs: {x: {shape: [10, 4]}}\nbody: [{lstm: {units: 8, return_sequences: true}}, {lstm: 6}, {dense: 2}]",
    "gru": "inputs: {x: {shape: [10, 4]}}\nbody: [{gru: 8}, {dense: 2}]",
    "bidirectional": "inputs: {x: {shape: [10, 4]}}\nbody: [{bidirectional: {lstm: 8}}, {dense: 2}]",
    "time_distributed": "inputs: {x: {shape: [5, 8, 8, 1]}}\nbody: [{time_distributed: [{conv: {filters: 4, kernel_size: 3}}, flatten]}, {gru: 6}, {dense: 2}]",
}
TOLERANCE = 1e-4  # float32 artifacts; measured differences are below 1e-6
QUICK = [("saved_model", "conv"), ("litert", "lstm"), ("onnx", "bidirectional")]
FULL = [(f, m) for f in ("saved_model", "litert", "onnx") for m in MODELS if (f, m) not in QUICK]


def _compare(format, name, tmp_path):
    spec = hs.loads(f"name: {name}\n{MODELS[name]}\n")
    model = hs.build(spec)
    batch = 1 if format == "litert" else 3
    x = np.random.default_rng(1).normal(size=(batch, *spec.inputs["x"].shape)).astype("float32")
    path = export(model, tmp_path / f"{name}.{format}", format)
    (got,) = run_artifact(path, format, [x])
    assert np.max(np.abs(got - model.predict(x, verbose=0))) < TOLERANCE


@pytest.mark.parametrize(("format", "name"), QUICK)
def test_artifact_predicts_like_keras(format, name, tmp_path):
    _compare(format, name, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize(("format", "name"), FULL)
def test_every_model_in_every_format(format, name, tmp_path):
    _compare(format, name, tmp_path)


@pytest.mark.parametrize("quantize", ["dynamic", "float16"])
def test_quantized_litert_stays_close(quantize, tmp_path):
    spec = hs.loads(f"name: conv\n{MODELS['conv']}\n")
    model = hs.build(spec)
    x = np.random.default_rng(2).normal(size=(1, 16, 16, 3)).astype("float32")
    plain = export(model, tmp_path / "plain.tflite", "litert")
    small = export(model, tmp_path / "small.tflite", "litert", quantize)
    assert small.stat().st_size < plain.stat().st_size
    (got,) = run_artifact(small, "litert", [x])
    assert np.max(np.abs(got - model.predict(x, verbose=0))) < 0.05


def test_cli_exports_a_document_and_refuses_bad_options(tmp_path, capsys):
    doc = tmp_path / "gru.yaml"
    doc.write_text(f"name: gru\n{MODELS['gru']}\n")
    assert main(["export", str(doc), "--format", "onnx", "-o", str(tmp_path / "gru.onnx")]) == 0
    assert "wrote" in capsys.readouterr().out and (tmp_path / "gru.onnx").stat().st_size > 0
    assert main(["export", str(doc), "--format", "saved_model", "--quantize", "dynamic"]) == 1
    assert "quantize: saved_model takes no quantization" in capsys.readouterr().err
    assert not list(tmp_path.glob(".*")), "no temporary files are left behind"
