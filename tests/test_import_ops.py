"""Keras operations in functional graphs import as the blocks that compute the same."""

from __future__ import annotations

import numpy as np
import pytest

import hybridspec as hs

keras = pytest.importorskip("keras")
from keras import layers as L  # noqa: E402
from keras import ops  # noqa: E402

from hybridspec.importing import from_keras  # noqa: E402


def _same_predictions(model, spec: hs.ModelSpec) -> None:
    """The imported document builds a model that, given the same weights, predicts the same."""
    rebuilt = hs.build(spec)
    assert rebuilt.count_params() == model.count_params() == hs.check(spec).params
    rebuilt.set_weights(model.get_weights())
    rng = np.random.default_rng(0)
    data = [rng.normal(size=(3, *(d or 4 for d in t.shape[1:]))).astype("float32") for t in model.inputs]
    ours = rebuilt.predict(data if len(data) > 1 else data[0], verbose=0)
    ours = list(ours.values())[0] if isinstance(ours, dict) else ours
    np.testing.assert_allclose(ours, model.predict(data if len(data) > 1 else data[0], verbose=0), atol=1e-5)


def test_arithmetic_reductions_and_shape_ops_become_blocks():
    x = keras.Input((5, 4))
    h = L.Dense(4)(x)
    h = (1.0 - (h + x) * 2.0) / 4.0
    h = ops.relu(ops.mean(h, axis=1))
    h = ops.transpose(ops.reshape(h, (-1, 2, 2)), (0, 2, 1))
    model = keras.Model(x, ops.concatenate([h, ops.sigmoid(h)], axis=-1))
    spec = from_keras(model)
    text = hs.dumps(spec)
    for piece in ("residual", "rescaling", "global_pool", "activation: relu", "reshape: [2, 2]",
                  "permute: [2, 1]", "activation: sigmoid", "merge"):
        assert piece in text, piece
    _same_predictions(model, spec)


def test_a_transformer_encoder_written_with_plus_imports_as_residuals():
    """The keras.io time-series transformer's encoder: attention and feed-forward, ``x + res``."""
    inputs = keras.Input((10, 3))
    x = L.LayerNormalization(epsilon=1e-6)(inputs)
    x = L.MultiHeadAttention(key_dim=4, num_heads=2, dropout=0.1)(x, x)
    res = x + inputs
    x = L.LayerNormalization(epsilon=1e-6)(res)
    x = L.Conv1D(filters=4, kernel_size=1, activation="relu")(x)
    x = L.Conv1D(filters=3, kernel_size=1)(x)
    x = x + res
    x = L.GlobalAveragePooling1D(data_format="channels_last")(x)
    model = keras.Model(inputs, L.Dense(2, activation="softmax")(x))
    spec = from_keras(model)
    assert spec.body is not None and hs.dumps(spec).count("residual") == 2
    _same_predictions(model, spec)


def test_a_gate_over_features_broadcasts_and_an_unknown_op_is_named():
    x = keras.Input((6, 8))
    gate = L.Dense(1, activation="sigmoid")(x)
    model = keras.Model(x, L.GlobalAveragePooling1D()(x * gate))
    spec = from_keras(model)
    assert "broadcast: true" in hs.dumps(spec)
    _same_predictions(model, spec)
    odd = keras.Model(x, ops.cumsum(x, axis=1))
    with pytest.raises(hs.SpecError, match=r"\(Cumsum\): cannot be imported: no block computes it \(a Keras "
                       r"operation; use the matching keras.layers layer\)"):
        from_keras(odd)
