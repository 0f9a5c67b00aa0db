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


@pytest.mark.parametrize("select", [
    lambda h: h[:, 0, :],  # a class token
    lambda h: h[:, -1],  # the last step
    lambda h: h[:, 2:5],
    lambda h: h[:, -3:, ...],
    lambda h: h[:, 1:-1, :],
])
def test_selecting_steps_is_cropping(select):
    x = keras.Input((6, 4))
    h = L.LSTM(5, return_sequences=True)(x)
    model = keras.Model(x, L.Dense(2)(select(h)))
    spec = from_keras(model)
    assert "cropping" in hs.dumps(spec)
    _same_predictions(model, spec)


def test_selecting_rows_and_columns_of_an_image():
    x = keras.Input((6, 5, 3))
    h = L.Conv2D(4, 1)(x)
    model = keras.Model(x, L.Flatten()(h[:, 1:4, -1]))
    _same_predictions(model, from_keras(model))


@pytest.mark.parametrize(("select", "message"), [
    (lambda h: h[..., :2], "selects on the features axis 2"),
    (lambda h: h[:, ::2], "a range with step 2 on axis 1"),
    (lambda h: h[:, 3:3], "selects nothing on axis 1"),
])
def test_selections_without_a_block_are_named(select, message):
    x = keras.Input((6, 4))
    with pytest.raises(hs.SpecError, match=r"\(GetItem\): cannot be imported: " + message):
        from_keras(keras.Model(x, L.Dense(2)(select(x))))


def test_an_axis_of_unknown_size_is_not_cropped():
    x = keras.Input((None, 4))
    with pytest.raises(hs.SpecError, match="selects on axis 1, whose size is not known"):
        from_keras(keras.Model(x, L.Dense(2)(x[:, -1])))


def test_scaled_dot_product_attention_written_with_matmul():
    q, k = keras.Input((5, 8)), keras.Input((7, 8))
    scores = ops.matmul(L.Dense(8)(q), ops.transpose(k, (0, 2, 1))) / 8 ** 0.5
    model = keras.Model([q, k], ops.matmul(ops.softmax(scores, axis=-1), k))
    spec = from_keras(model)
    assert "dot" in hs.dumps(spec)
    _same_predictions(model, spec)
    x = keras.Input((2, 5, 8))
    with pytest.raises(hs.SpecError, match="only a product of two rank-3"):
        from_keras(keras.Model(x, ops.matmul(x, ops.transpose(x, (0, 1, 3, 2)))))


def test_a_sum_over_steps_is_a_mean_times_the_count():
    x = keras.Input((6, 4))
    model = keras.Model(x, L.Dense(2)(ops.sum(L.Dense(4)(x), axis=1)))
    spec = from_keras(model)
    assert "rescaling: 6.0" in hs.dumps(spec)
    _same_predictions(model, spec)
    y = keras.Input((None, 4))
    with pytest.raises(hs.SpecError, match="of unknown size"):
        from_keras(keras.Model(y, ops.sum(y, axis=1)))
