"""Keras's other augmentation layers: built as themselves, imported back (Keras's stored
pairs written as the number given), checked for RGB exactly where Keras needs it."""

from __future__ import annotations

import inspect

import attrs
import numpy as np
import pytest

import hybridspec as hs
from hybridspec import SpecError
from hybridspec.blocks.augment import KERAS_CLASSES
from hybridspec.docgen import EXAMPLES

keras = pytest.importorskip("keras")
from hybridspec.importing import from_keras  # noqa: E402


def spec(block: hs.Block, channels: int = 3) -> hs.ModelSpec:
    return hs.ModelSpec(name="aug", inputs={"x": hs.InputSpec(shape=(16, 16, channels))},
                        body=hs.Chain(blocks=(hs.Conv(filters=channels, kernel_size=1), block)))


@pytest.mark.parametrize("kind", sorted(cls.KIND for cls in KERAS_CLASSES))
def test_each_kind_builds_runs_and_imports_back(kind: str) -> None:
    block = EXAMPLES[kind]
    model = hs.build(spec(block))
    layer = model.layers[-1]
    assert type(layer).__name__ == KERAS_CLASSES[type(block)]
    x = np.random.default_rng(0).uniform(0, 1, size=(2, 16, 16, 3)).astype("float32")
    assert tuple(layer(x, training=True).shape) == (2, 16, 16, 3)
    assert from_keras(model).body.blocks[1] == block  # type: ignore[attr-defined]
    default = type(block)(**({"factor": 4} if kind == "random_posterization" else
                             {"factor": 0.2} if kind in ("random_hue", "random_saturation", "random_sharpness",
                                                         "random_color_degeneration") else {}))
    assert from_keras(hs.build(spec(default))).body.blocks[1] == default  # type: ignore[attr-defined]


def test_every_keras_argument_has_a_field() -> None:
    for cls, name in KERAS_CLASSES.items():
        args = set(inspect.signature(getattr(keras.layers, name).__init__).parameters) - {"self", "kwargs", "data_format"}
        assert args <= {f.name for f in attrs.fields(cls)}, name


@pytest.mark.parametrize("kind", sorted(cls.KIND for cls in KERAS_CLASSES))
def test_grey_images_are_refused_exactly_where_keras_fails(kind: str) -> None:
    block = EXAMPLES[kind]
    try:
        hs.check(spec(block, channels=1))
        ours = True
    except SpecError as exc:
        assert "needs 3 channels, got 1" in exc.message
        ours = False
    built = hs.build(spec(block, channels=3)).layers[-1]
    layer = type(built).from_config(built.get_config())  # also: the layer's config loads back
    try:
        grey = keras.Input((16, 16, 1))
        model = keras.Model(grey, layer(grey))  # symbolic shapes first, then a training step
        model(np.random.default_rng(0).uniform(0, 1, size=(2, 16, 16, 1)).astype("float32"), training=True)
        theirs = True
    except Exception:  # noqa: BLE001 (TensorFlow's channel-count error)
        theirs = False
    assert ours == theirs


@pytest.mark.parametrize(("doc", "message"), [
    ("random_hue: 1.5", "must be a number in [0, 1] or a list of 2"),
    ("{random_saturation: [0.7, 0.2]}", "lower bound 0.7 is above upper bound 0.2"),
    ("{random_gaussian_blur: {kernel_size: 4}}", "must be odd, got 4"),
    ("{random_posterization: 9}", "8"),
    ("{aug_mix: {alpha: 0}}", "> 0"),
])
def test_bad_values_are_named(doc: str, message: str) -> None:
    with pytest.raises(SpecError) as err:
        hs.loads(f"name: a\ninputs: {{x: {{shape: [8, 8, 3]}}}}\nbody: [{doc}]\n")
    assert err.value.path.startswith("body[0].") and message in err.value.message
