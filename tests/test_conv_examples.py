"""The convolutional examples build exactly the Keras models one would write by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

import hybridspec as hs

keras = pytest.importorskip("keras")
L = keras.layers
EXAMPLES = Path(__file__).parents[1] / "examples"


def conv_autoencoder():
    x = keras.Input((28, 28, 1))
    y = L.Conv2D(32, 3, padding="same", activation="relu")(x)
    y = L.MaxPooling2D(2, padding="same")(y)
    y = L.Conv2D(16, 3, padding="same", activation="relu")(y)
    y = L.MaxPooling2D(2, padding="same")(y)
    y = L.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu")(y)
    y = L.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu")(y)
    return keras.Model(x, L.Conv2D(1, 3, padding="same", activation="sigmoid")(y))


def convlstm_next_frame():
    x = keras.Input((None, 40, 40, 1))
    y = L.ConvLSTM2D(64, 5, padding="same", return_sequences=True, activation="relu")(x)
    y = L.BatchNormalization()(y)
    y = L.ConvLSTM2D(64, 3, padding="same", return_sequences=True, activation="relu")(y)
    y = L.BatchNormalization()(y)
    y = L.ConvLSTM2D(64, 1, padding="same", return_sequences=True, activation="relu")(y)
    return keras.Model(x, L.Conv3D(1, 3, padding="same", activation="sigmoid")(y))


@pytest.mark.parametrize("by_hand", [conv_autoencoder, convlstm_next_frame], ids=lambda f: f.__name__)
def test_example_equals_the_hand_written_model(by_hand):
    spec = hs.load(EXAMPLES / f"{by_hand.__name__}.yaml")
    ours, theirs = hs.build(spec), by_hand()
    assert [type(layer).__name__ for layer in ours.layers] == [type(layer).__name__ for layer in theirs.layers]
    assert [tuple(layer.output.shape) for layer in ours.layers] == [tuple(layer.output.shape) for layer in theirs.layers]
    assert ours.count_params() == theirs.count_params() == hs.check(spec).params
    assert len(ours.trainable_weights) == len(theirs.trainable_weights)
    assert hs.check(spec).outputs[spec.name] == tuple(theirs.output.shape)
