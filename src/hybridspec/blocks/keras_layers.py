"""The one custom Keras layer hybridspec needs: additive attention pooling (imports Keras)."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="hybridspec")
class AttentionPooling(keras.layers.Layer):
    """Pools (batch, time, d) to (batch, d): softmax over time of ``u . tanh(x W + b)``.

    Weights: W (d, units), b (units,), u (units,), so d*units + 2*units parameters. Masked
    steps get no weight."""

    def __init__(self, units: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units = units
        self.supports_masking = True
        self.input_spec = keras.InputSpec(ndim=3)

    def build(self, input_shape: Any) -> None:
        features = input_shape[-1]
        self.kernel = self.add_weight(shape=(features, self.units), initializer="glorot_uniform", name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
        self.context = self.add_weight(shape=(self.units,), initializer="glorot_uniform", name="context")

    def call(self, inputs: Any, mask: Any = None) -> Any:
        hidden = ops.tanh(ops.matmul(inputs, self.kernel) + self.bias)
        scores = ops.sum(hidden * self.context, axis=-1)
        if mask is not None:
            scores = ops.where(mask, scores, ops.full_like(scores, -1e4))
        weights = ops.softmax(scores, axis=-1)
        return ops.sum(inputs * ops.expand_dims(weights, -1), axis=1)

    def compute_mask(self, inputs: Any, mask: Any = None) -> None:
        return None

    def compute_output_shape(self, input_shape: Any) -> Any:
        return (input_shape[0], input_shape[-1])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units}
