"""examples/image_classifier_augmented.yaml builds the model one would write by hand in Keras."""

import math
from pathlib import Path

import numpy as np
import pytest

import hybridspec as hs

keras = pytest.importorskip("keras")
PATH = Path(__file__).parents[1] / "examples" / "image_classifier_augmented.yaml"


def by_hand():
    layers = keras.layers
    inputs = keras.Input((32, 32, 3))
    x = layers.Rescaling(1 / 255)(inputs)
    x = layers.RandomFlip("horizontal")(x)
    x = layers.RandomRotation(0.1)(x)
    x = layers.RandomZoom(0.1)(x)
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.3)(x)
    return keras.Model(inputs, layers.Dense(10, activation="softmax")(x))


def test_augmented_classifier_equals_the_hand_written_keras_model():
    spec = hs.load(PATH)
    built, hand = hs.build(spec), by_hand()
    assert [type(layer) for layer in built.layers] == [type(layer) for layer in hand.layers]
    assert built.count_params() == hand.count_params() == hs.check(spec).params
    for ours, theirs in zip(built.layers[1:5], hand.layers[1:5], strict=True):
        config = {k: v for k, v in ours.get_config().items() if k != "name"}
        assert config == {k: v for k, v in theirs.get_config().items() if k != "name"}


def test_augmentation_is_active_only_in_training():
    model = hs.build(hs.load(PATH))
    augment = keras.Sequential(model.layers[1:5])
    images = np.random.default_rng(0).uniform(0, 255, (4, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(augment(images, training=False), images / 255, rtol=1e-5)
    assert not np.allclose(augment(images, training=True), images / 255)
    assert math.prod(model.output_shape[1:]) == 10
