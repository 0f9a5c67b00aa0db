"""Adapt ``normalization`` blocks left without mean and variance to the training data."""

from __future__ import annotations

from typing import Any


def adapt_normalization(model: Any, x: Any, batch_size: int = 256) -> list[str]:
    """Adapt every unadapted Normalization layer of ``model`` (in build order) on what reaches
    it from the training inputs ``x``; return the names of the layers adapted."""
    import keras

    adapted = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Normalization) and layer.input_mean is None:
            feed = keras.Model(model.inputs, layer.input)
            layer.adapt(feed.predict(x, batch_size=batch_size, verbose=0))
            adapted.append(layer.name)
    return adapted
