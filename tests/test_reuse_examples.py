"""The examples written with definitions and repeat equal their hand-written Keras twins."""

from pathlib import Path

import pytest

import hybridspec as hs

keras = pytest.importorskip("keras")
L = keras.layers
EXAMPLES = Path(__file__).parents[1] / "examples"


def resnet_twin():
    x = inputs = keras.Input((64, 64, 3))
    x = L.Conv2D(16, 3, padding="same", activation="relu")(x)
    for width in (16, 32, 64, 128, 256):
        y = L.Conv2D(width, 3, strides=2, padding="same", use_bias=False)(x)
        y = L.Activation("relu")(L.BatchNormalization()(y))
        y = L.BatchNormalization()(L.Conv2D(width, 3, padding="same", use_bias=False)(y))
        shortcut = L.BatchNormalization()(L.Conv2D(width, 1, strides=2, use_bias=False)(x))
        x = L.Activation("relu")(L.Add()([y, shortcut]))
    x = L.Dropout(0.3)(L.GlobalAveragePooling2D()(x))
    return keras.Model(inputs, L.Dense(10, activation="softmax")(x))


def transformer_twin():
    x = inputs = keras.Input((96, 8))
    x = L.Dense(64)(x)
    for _ in range(4):
        attended = L.Dropout(0.1)(L.MultiHeadAttention(4, 16, dropout=0.1)(x, x))
        x = L.LayerNormalization(epsilon=1e-6)(L.Add()([attended, x]))
        fed = L.Dense(64)(L.Dropout(0.1)(L.Dense(128, activation="relu")(x)))
        x = L.LayerNormalization(epsilon=1e-6)(L.Add()([fed, x]))
    x = L.Dense(32, activation="relu")(L.GlobalAveragePooling1D()(x))
    return keras.Model(inputs, L.Dense(1)(x))


def signature(model):
    """What must be equal: layer classes in order, weight shapes, parameters, output shape."""
    return ([type(layer).__name__ for layer in model.layers], [tuple(w.shape) for w in model.weights],
            model.count_params(), tuple(model.output.shape))


@pytest.mark.parametrize(("name", "twin"), [("resnet_stages", resnet_twin),
                                            ("timeseries_transformer", transformer_twin)])
def test_example_equals_its_keras_twin(name, twin):
    path = EXAMPLES / f"{name}.yaml"
    assert len(path.read_text().splitlines()) < 40
    spec = hs.load(path)
    assert spec.define and "repeat" in path.read_text()
    keras.backend.clear_session()
    built = hs.build(spec)
    assert signature(built) == signature(twin())
    assert hs.check(spec).params == built.count_params()
    names = [layer.name for layer in built.layers]
    assert len(set(names)) == len(names)
