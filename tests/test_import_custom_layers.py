"""keras.applications' own layers import as stock blocks that predict the same."""

from __future__ import annotations

import numpy as np
import pytest

import hybridspec as hs

keras = pytest.importorskip("keras")
from keras import layers as L  # noqa: E402
from keras.src.applications.convnext import LayerScale  # noqa: E402
from keras.src.applications.inception_resnet_v2 import CustomScaleLayer  # noqa: E402

from hybridspec.importing import from_keras  # noqa: E402


def _predicts_the_same(model, spec: hs.ModelSpec) -> None:
    """Given the original's weights (each reshaped to the rebuilt layer's shape: LayerScale's
    (C,) factors are a depthwise kernel (1, 1, C, 1)), the rebuilt model predicts the same."""
    rebuilt = hs.build(spec)
    assert rebuilt.count_params() == model.count_params() == hs.check(spec).params
    rebuilt.set_weights([w.reshape(r.shape) for w, r in zip(model.get_weights(), rebuilt.get_weights(), strict=True)])
    x = np.random.default_rng(0).normal(size=(2, *model.input_shape[1:])).astype("float32")
    np.testing.assert_allclose(rebuilt.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-5)


@pytest.mark.parametrize("shape", [(6, 6, 4), (7, 4)])
def test_layer_scale_is_a_depthwise_convolution(shape: tuple[int, ...]) -> None:
    x = keras.Input(shape)
    h = L.Dense(4)(x)
    h = LayerScale(1e-6, 4)(h)
    model = keras.Model(x, L.Add()([x, h]))
    model.layers[2].set_weights([np.arange(1, 5, dtype="float32")])  # not the initial factors
    spec = from_keras(model)
    text = hs.dumps(spec)
    assert "depthwise_conv" in text and "kernel_initializer: 1.0e-06" in text and "use_bias: false" in text
    _predicts_the_same(model, spec)


def test_custom_scale_layer_is_a_scaled_residual() -> None:
    x = keras.Input((5, 5, 3))
    branch = L.Conv2D(3, 3, padding="same")(x)
    model = keras.Model(x, L.Activation("relu")(CustomScaleLayer(0.17)([x, branch])))
    spec = from_keras(model)
    text = hs.dumps(spec)
    assert "residual" in text and "rescaling: 0.17" in text, text
    _predicts_the_same(model, spec)


def test_a_users_class_of_the_same_name_is_not_taken() -> None:
    class LayerScale(keras.layers.Layer):  # noqa: N801 (a user's own class)
        def call(self, x):
            return x * 2.0

    x = keras.Input((4,))
    with pytest.raises(hs.SpecError, match="LayerScale.*custom layer class"):
        from_keras(keras.Model(x, LayerScale()(x)))
