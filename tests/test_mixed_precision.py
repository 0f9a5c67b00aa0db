"""Mixed precision: the report's dtypes per node are the ones Keras sets, outputs stay float32."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import hybridspec as hs
from hybridspec.cli import main

keras = pytest.importorskip("keras")
from hybridspec.graphs.build import trace  # noqa: E402

EXAMPLES = sorted(Path(__file__).parent.parent.glob("examples/*.yaml"))


def _compare(spec: hs.ModelSpec, policy: str, folder: Path | None = None) -> tuple[hs.Report, object]:
    """The report under ``policy`` agrees with the built model, node by node."""
    report = hs.check(spec, folder, policy=policy)
    model, built = trace(spec, folder, policy=policy)
    for row in report.rows:
        if row.path in built.dtypes:
            assert row.dtype == built.dtypes[row.path][0], f"{row.path}: {row.dtype} vs {built.dtypes[row.path]}"
        if row.path in built.policies:
            assert (row.compute_dtype, row.variable_dtype) == built.policies[row.path], row.path
    assert keras.mixed_precision.global_policy().name == "float32"  # restored
    return report, model


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_reports_the_dtypes_keras_sets(path: Path, policy: str) -> None:
    report, model = _compare(hs.load(path), policy, path.parent)
    half = policy.removeprefix("mixed_")
    leaves = [r for r in report.rows if r.leaf and r.kind != "input"]
    inner = [r for r in leaves if r.path not in report.output_leaves]
    assert inner and all((r.compute_dtype, r.variable_dtype) == (half, "float32") for r in inner)
    assert report.output_leaves and all(report[p].compute_dtype == "float32" for p in report.output_leaves)
    assert [str(t.dtype) for t in model.outputs] == ["float32"] * len(model.outputs)


def test_a_time_distributed_output_layer_and_its_wrapper_are_float32() -> None:
    spec = hs.loads("name: m\ninputs: {x: {shape: [5, 4]}}\n"
                    "body: [{lstm: {units: 8, return_sequences: true}}, {time_distributed: {dense: 3}}]\n")
    report, model = _compare(spec, "mixed_float16")
    assert report.output_leaves == ("body[1].time_distributed",)  # the short form's path
    assert report["body[1]"].dtype == "float32" and report["body[0]"].dtype == "float16"
    assert model.layers[-1].dtype_policy.name == "float32"


def test_a_time_distributed_sub_model_ending_the_model_is_float32() -> None:
    """Keras's TimeDistributed declares its output in its own dtype, so it is kept float32 too."""
    spec = hs.loads("name: m\ninputs: {x: {shape: [5, 4]}}\n"
                    "body: [{time_distributed: [{dense: 3}, {dropout: 0.1}]}]\n")
    report, model = _compare(spec, "mixed_float16")
    assert report["body"].dtype == "float32" and str(model.outputs[0].dtype) == "float32"


def test_an_output_layer_with_its_own_dtype_keeps_it() -> None:
    spec = hs.loads("name: m\ninputs: {x: {shape: [6]}}\n"
                    "body: [{dense: 4}, {dense: {units: 2, dtype: mixed_float16}}]\n")
    report, model = _compare(spec, "mixed_float16")
    assert report["body[1]"].compute_dtype == "float16"
    assert str(model.outputs[0].dtype) == "float16"


def test_the_train_sections_policy_is_the_default_and_the_saved_model_keeps_it(tmp_path: Path) -> None:
    spec = hs.loads("name: m\ninputs: {x: {shape: [7, 3]}}\n"
                    "body: [{gru: 8}, {dense: {units: 2, activation: softmax}}]\n"
                    "train: {mixed_precision: mixed_float16}\n")
    report = hs.check(spec)
    assert report.policy == "mixed_float16" and report["body[0]"].compute_dtype == "float16"
    model = hs.build(spec)
    hs.save(model, tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert [layer.dtype_policy.name for layer in loaded.layers[1:]] == ["mixed_float16", "float32"]


def test_summary_shows_the_dtypes_only_when_not_all_float32(tmp_path: Path, capsys) -> None:
    doc = tmp_path / "m.yaml"
    doc.write_text("name: m\ninputs: {x: {shape: [6]}}\nbody: [{dense: 4}, {dense: 2}]\n")
    assert main(["summary", str(doc)]) == 0
    assert "dtype" not in capsys.readouterr().out
    assert main(["summary", str(doc), "--policy", "mixed_bfloat16"]) == 0
    out = capsys.readouterr().out
    assert "bfloat16/float32" in out and "outputs computed in float32: body[1]" in out
    assert main(["summary", str(doc), "--policy", "mixed_float16", "--json"]) == 0
    (report,) = json.loads(capsys.readouterr().out)
    assert report["policy"] == "mixed_float16" and report["output_layers"] == ["body[1]"]
    assert [(n["compute_dtype"], n["variable_dtype"]) for n in report["nodes"][2:]] == \
        [("float16", "float32"), ("float32", "float32")]
