"""Options Keras users rely on: trainable, layer names, embedding weights from .npy, layers
between recurrent layers, conv_stack bias and separable convolutions."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

import hybridspec as hs
from hybridspec.cli import main

keras = pytest.importorskip("keras")


def _model(body: str, shape: str = "[6, 3]", dtype: str = "float32") -> hs.ModelSpec:
    return hs.loads(f"name: m\ninputs: {{x: {{shape: {shape}, dtype: {dtype}}}}}\nbody: {body}\n")


def _keras_split(model) -> tuple[int, int]:
    return (sum(math.prod(w.shape) for w in model.trainable_weights),
            sum(math.prod(w.shape) for w in model.non_trainable_weights))


def test_trainable_false_freezes_a_leaf_and_a_whole_composite():
    spec = _model("[{lstm: {units: 4, return_sequences: true, trainable: false}},"
                  " {chain: {trainable: false, blocks: [{dense: 5}, {batch_norm: {}}]}},"
                  " {residual: {body: {dense: 5}}}, global_pool]")
    report = hs.check(spec)
    frozen = 4 * 4 * (3 + 4) + 16 + (4 * 5 + 5) + 4 * 5
    assert (report.trainable, report.non_trainable) == (5 * 5 + 5, frozen)
    assert report["body[1]"].trainable == 0 and report["body[1]"].non_trainable == 25 + 20
    model = hs.build(spec)
    assert _keras_split(model) == (report.trainable, report.non_trainable)
    assert [layer.trainable for layer in model.layers[1:4]] == [False, False, False]


def test_trainable_false_on_a_graph_node_and_its_shares():
    spec = hs.loads("""
name: g
inputs: {a: {shape: [3]}, b: {shape: [3]}}
nodes:
  na: {from: a, block: {dense: {units: 2, trainable: false}}}
  nb: {from: b, share: na}
  both: {from: [na, nb], block: {merge: add}}
outputs: {y: {from: both, block: {dense: 1}}}
""")
    report = hs.check(spec)
    assert (report.trainable, report.non_trainable) == (3, 8)
    assert _keras_split(hs.build(spec)) == (3, 8)


def test_a_name_becomes_the_keras_layer_name_and_prefixes_a_composite():
    spec = _model("[{conv_stack: {filters: [2, 2], name: stem}}, {lstm: {units: 3, name: encoder}},"
                  " {dense: {units: 2, name: dense2}}, {activation: {name: softmax, layer_name: probs}}]")
    model = hs.build(spec)
    names = [layer.name for layer in model.layers]
    assert names == ["x", "stem_0", "stem_1", "encoder", "dense2", "probs"]
    assert model.get_layer("dense2").units == 2
    assert hs.check(spec).names == {"stem": "body[0]", "encoder": "body[1]", "dense2": "body[2]", "probs": "body[3]"}


def test_a_name_used_twice_is_refused_naming_both_paths():
    with pytest.raises(hs.SpecError) as err:
        hs.check(_model("[{dense: {units: 2, name: d}}, {dense: {units: 2, name: d}}]", "[3]"))
    assert str(err.value) == ("body[1] (dense): the layer name 'd' is already used by body[0]; "
                              "layer names must be unique in a model")
    with pytest.raises(hs.SpecError, match="already used by input x"):
        hs.check(_model("{dense: {units: 2, name: x}}", "[3]"))


def test_a_name_needs_safe_characters_and_old_activation_and_backbone_names_still_load():
    with pytest.raises(hs.SpecError, match=r"body\.dense\.name: must be a name of letters"):
        _model("{dense: {units: 2, name: 'a/b'}}", "[3]")
    assert _model("{activation: relu}", "[3]").body == hs.Activation(name="relu")
    backbone = hs.loads("name: m\ninputs: {x: {shape: [32, 32, 3]}}\n"
                        "body: {backbone: {name: vgg16, layer_name: features, trainable: false}}").body
    assert (backbone.name, backbone.label(), backbone.trainable) == ("vgg16", "features", False)


def test_embedding_weights_come_from_a_npy_file_beside_the_document(tmp_path):
    vectors = np.arange(12, dtype="float32").reshape(4, 3)
    np.save(tmp_path / "vectors.npy", vectors)
    doc = tmp_path / "m.yaml"
    doc.write_text("name: m\ninputs: {x: {shape: [2], dtype: int32}}\n"
                   "body: {embedding: {vocab: 4, dim: 3, weights: vectors.npy, trainable: false}}\n")
    spec = hs.load(doc)
    report = hs.check(spec, tmp_path)
    assert (report.trainable, report.non_trainable) == (0, 12)
    model = hs.build(spec, tmp_path)
    assert np.array_equal(np.asarray(model(np.array([[3, 1]]))), vectors[[[3, 1]]])
    assert main(["check", str(doc)]) == 0  # the command reads files from the document's folder


def test_embedding_weights_shape_is_checked_when_the_file_is_there_and_at_build(tmp_path):
    np.save(tmp_path / "v.npy", np.zeros((5, 3), dtype="float32"))
    spec = _model("{embedding: {vocab: 4, dim: 3, weights: v.npy}}", "[2]", "int32")
    with pytest.raises(hs.SpecError) as err:
        hs.check(spec, tmp_path)
    assert str(err.value) == ("body (embedding): weights file v.npy holds an array of shape (5, 3), "
                              "needs (vocab, dim) = (4, 3)")
    absent = _model("{embedding: {vocab: 4, dim: 3, weights: later.npy}}", "[2]", "int32")
    hs.check(absent, tmp_path)  # the file may come before the build
    with pytest.raises(hs.SpecError, match="weights file 'later.npy' not found"):
        hs.build(absent, tmp_path)


@pytest.mark.parametrize("path", ["../v.npy", "/etc/v.npy", "a/../../v.npy", "v.txt"])
def test_embedding_weights_outside_the_folder_are_refused(path):
    with pytest.raises(hs.SpecError, match=r"body\.embedding\.weights: must"):
        _model(f"{{embedding: {{vocab: 4, dim: 3, weights: '{path}'}}}}", "[2]", "int32")


def test_embedding_weights_through_a_link_out_of_the_folder_are_refused(tmp_path):
    outside = tmp_path / "outside.npy"
    np.save(outside, np.zeros((4, 3), dtype="float32"))
    (tmp_path / "doc").mkdir()
    (tmp_path / "doc" / "v.npy").symlink_to(outside)
    spec = _model("{embedding: {vocab: 4, dim: 3, weights: v.npy}}", "[2]", "int32")
    with pytest.raises(hs.SpecError, match="resolves outside the document's folder"):
        hs.check(spec, tmp_path / "doc")


def test_check_reads_the_npy_header_without_numpy(tmp_path):
    np.save(tmp_path / "v.npy", np.zeros((4, 3), dtype="float32"))
    code = ("import sys, hybridspec as hs\n"
            "spec = hs.loads('name: m\\ninputs: {x: {shape: [2], dtype: int32}}\\n"
            "body: {embedding: {vocab: 5, dim: 3, weights: v.npy}}')\n"
            "try:\n    hs.check(spec, sys.argv[1])\nexcept hs.SpecError as e:\n    print(e)\n"
            "print('numpy' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["body (embedding): weights file v.npy holds an array of shape (4, 3), "
                                       "needs (vocab, dim) = (5, 3)", "False"]


def test_recurrent_stack_puts_between_blocks_between_its_layers():
    spec = _model("{recurrent_stack: {cell: gru, units: [4, 4, 2], between: [layer_norm, {dropout: 0.3}]}}")
    model = hs.build(spec)
    kinds = [type(layer).__name__ for layer in model.layers[1:]]
    assert kinds == ["GRU", "LayerNormalization", "Dropout", "GRU", "LayerNormalization", "Dropout", "GRU"]
    assert hs.check(spec).params == model.count_params()
    single = _model("{recurrent_stack: {units: [4], between: {dropout: 0.3}}}")
    assert [type(layer).__name__ for layer in hs.build(single).layers[1:]] == ["LSTM"]


def test_conv_stack_bias_under_a_norm_and_separable_convolutions():
    default = _model("{conv_stack: {filters: [4], norm: batch}}", "[8, 8, 3]")
    assert hs.build(default).layers[1].use_bias is False
    biased = _model("{conv_stack: {filters: [4], norm: batch, use_bias: true, separable: true}}", "[8, 8, 3]")
    model = hs.build(biased)
    assert type(model.layers[1]).__name__ == "SeparableConv2D" and model.layers[1].use_bias
    assert hs.check(biased).params == model.count_params()
    with pytest.raises(hs.SpecError, match="separable: separable convolutions have rank 1 or 2"):
        _model("{conv_stack: {filters: [4], separable: true, rank: 3}}", "[4, 4, 4, 1]")


def test_trainable_false_freezes_layers_whose_weights_are_made_when_built():
    spec = _model("{attention: {kind: multihead, heads: 1, key_dim: 2, trainable: false}}", "[4, 3]")
    report = hs.check(spec)
    assert report.trainable == 0
    assert _keras_split(hs.build(spec)) == (0, report.non_trainable)


def test_embedding_initializer_penalties_and_constraint():
    spec = _model("[{embedding: {vocab: 30, dim: 4, embeddings_initializer: 0.5, embeddings_regularizer: {l2: 0.01},"
                  " activity_regularizer: {l1: 0.001}, embeddings_constraint: {max_norm: 2}}}, flatten]",
                  "[7]", "int32")
    layer = hs.build(spec).layers[1]
    assert (keras.ops.convert_to_numpy(layer.embeddings) == 0.5).all()
    assert layer.embeddings_regularizer.l2 == pytest.approx(0.01) and layer.activity_regularizer.l1 == pytest.approx(0.001)
    assert layer.embeddings_constraint.max_value == 2
    assert hs.from_keras(hs.build(spec)).body == spec.body


def test_recurrent_kernel_options_and_the_forget_bias():
    spec = _model("[{bidirectional: {lstm: {units: 3, recurrent_initializer: he_normal, recurrent_regularizer: {l2: 0.01},"
                  " recurrent_constraint: {max_norm: 3}, unit_forget_bias: false}}}]", "[5, 2]")
    cell = hs.build(spec).layers[1].forward_layer.cell
    assert type(cell.recurrent_initializer).__name__ == "HeNormal" and cell.recurrent_regularizer.l2 == pytest.approx(0.01)
    assert cell.recurrent_constraint.max_value == 3 and cell.unit_forget_bias is False
    assert (keras.ops.convert_to_numpy(cell.bias) == 0).all()  # no forget-gate ones
    assert hs.from_keras(hs.build(spec)).body == spec.body.blocks[0]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("text", "keras_class"), [
    ("{max_norm: 3}", "MaxNorm"), ("{min_norm: 0.5, max_norm: 2, rate: 0.5, axis: 1}", "MinMaxNorm"),
    ("{unit_norm: true}", "UnitNorm"), ("{non_neg: true}", "NonNeg"),
])
def test_every_keras_weight_constraint(text, keras_class):
    spec = _model(f"[{{dense: {{units: 4, kernel_constraint: {text}}}}}]", "[3]")
    layer = hs.build(spec).layers[1]
    assert type(layer.kernel_constraint).__name__ == keras_class
    assert hs.from_keras(hs.build(spec)).body == spec.body.blocks[0]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("text", "path", "message"), [
    ("{non_neg: true, unit_norm: true}", "non_neg", "got unit_norm, non_neg"),
    ("{axis: 1}", "", "a constraint is one of max_norm"),
    ("{min_norm: 0.5}", "min_norm", "needs max_norm"),
    ("{min_norm: 3, max_norm: 2}", "min_norm", "is above max_norm"),
    ("{max_norm: 2, rate: 0.5}", "rate", "only a min_norm range takes a rate"),
])
def test_bad_constraints_name_the_field(text, path, message):
    with pytest.raises(hs.SpecError) as err:
        _model(f"[{{dense: {{units: 4, kernel_constraint: {text}}}}}]", "[3]")
    assert err.value.path == "body[0].dense.kernel_constraint" + (f".{path}" if path else "")
    assert message in err.value.message
