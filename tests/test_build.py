"""build(): plain Keras models, names from paths, shared weights, backbones, safe reloading."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import hybridspec as hs

keras = pytest.importorskip("keras")
EXAMPLES = sorted(Path(__file__).parent.parent.joinpath("examples").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_build_with_the_checked_parameter_count(path):
    spec = hs.load(path)
    model = hs.build(spec)
    assert model.count_params() == hs.check(spec).params
    assert model.name == spec.name


def test_layer_names_come_from_paths_and_shared_nodes_share_layers():
    spec = hs.loads("""
name: siamese
inputs: {a: {shape: [10]}, b: {shape: [10]}}
nodes:
  left: {from: a, block: [{dense: 4}, {dropout: 0.1}]}
  right: {from: b, share: left}
  both: {from: [left, right], block: {merge: concat}}
outputs: {d: {from: both, block: {dense: 1}}}
""")
    model = hs.build(spec)
    names = {layer.name for layer in model.layers}
    assert {"nodes_left_block_0", "nodes_left_block_1", "nodes_both_block", "outputs_d_block"} <= names
    dense = model.get_layer("nodes_left_block_0")
    assert len(dense._inbound_nodes) == 2  # one layer, called for a and for b
    assert model.count_params() == hs.check(spec).params == 44 + 9


def test_save_and_reload_with_safe_mode(tmp_path):
    spec = hs.loads("""
name: clips
inputs: {frames: {shape: [4, 8, 8, 1]}}
body:
  - time_distributed: [{conv: {filters: 3, kernel_size: 3, padding: same}}, {global_pool: max}]
  - bidirectional: {gru: {units: 5, return_sequences: true}}
  - attention: {kind: additive, pool: true, units: 6}
  - dense: {units: 3, activation: softmax}
""")
    model = hs.build(spec)
    x = np.random.default_rng(0).normal(size=(2, 4, 8, 8, 1)).astype("float32")
    path = tmp_path / "clips.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_attention_pooling_ignores_masked_steps():
    spec = hs.loads("""
name: m
inputs: {ids: {shape: [5], dtype: int32}}
body: [{embedding: {vocab: 9, dim: 4, mask_zero: true}}, {attention: {kind: additive, pool: true}}]
""")
    model = hs.build(spec)
    short = model(np.array([[3, 4, 0, 0, 0]]))
    embed = model.get_layer("body_0")
    vectors = np.asarray(embed(np.array([[3, 4]])))[0]
    assert np.allclose(np.asarray(short)[0], vectors.T @ _weights(model, vectors), atol=1e-5)


def _weights(model, vectors):
    key = model.get_layer("body_1_key")
    context = np.asarray(model.get_layer("body_1").scale)
    scores = np.tanh(vectors @ np.asarray(key.kernel) + np.asarray(key.bias)) @ context
    return np.exp(scores) / np.exp(scores).sum()


def test_attention_pooling_is_stock_keras_with_d_a_plus_2a_weights():
    spec = hs.loads("name: m\ninputs: {x: {shape: [7, 6]}}\nbody: {attention: {kind: additive, pool: true, units: 4}}")
    model = hs.build(spec)
    assert all(type(layer).__module__.startswith("keras.") for layer in model.layers)
    assert model.count_params() == hs.check(spec).params == 6 * 4 + 2 * 4


@pytest.mark.parametrize("name", ["vgg16", "mobilenet_v2"])
@pytest.mark.parametrize("trainable", [True, False])
def test_backbone_parameters_match_keras(name, trainable):
    spec = hs.loads(f"name: m\ninputs: {{x: {{shape: [40, 36, 2]}}}}\n"
                    f"body: {{backbone: {{name: {name}, trainable: {str(trainable).lower()}}}}}\n")
    model = hs.build(spec)
    report = hs.check(spec)
    trainable_weights = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert (report.trainable, report.params) == (trainable_weights, model.count_params())
    assert model.output_shape == report.outputs["m"]


def test_keras_failures_name_the_node():
    spec = hs.loads("name: m\ninputs: {x: {shape: [32, 32, 3]}}\nbody: {backbone: {name: vgg16, weights: no.h5}}\n")
    with pytest.raises(Exception) as caught:
        hs.build(spec)
    assert any("while building body (backbone)" in note for note in getattr(caught.value, "__notes__", []))


def test_use_cudnn_true_without_a_gpu_is_a_spec_error():
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("a GPU is visible: the cuDNN kernel can run")
    spec = hs.loads("name: m\ninputs: {x: {shape: [5, 3]}}\nbody: {bidirectional: {lstm: {units: 4, use_cudnn: true}}}")
    with pytest.raises(hs.SpecError, match=r"^body \(bidirectional\): use_cudnn is true but no GPU is visible"):
        hs.build(spec)
