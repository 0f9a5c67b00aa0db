"""Preprocessing, augmentation, noise and normalization kinds: Keras's argument order and
names, cross-field and shape errors with paths, and what Keras builds for them."""

import inspect

import pytest

import hybridspec as hs
from hybridspec.blocks import IMPLS
from hybridspec.specs.rules import ACTIVATIONS

NEW = [hs.Rescaling, hs.Resizing, hs.CenterCrop, hs.Normalization, hs.RandomFlip, hs.RandomRotation,
       hs.RandomZoom, hs.RandomTranslation, hs.RandomContrast, hs.RandomBrightness, hs.RandomCrop,
       hs.GaussianNoise, hs.GaussianDropout, hs.AlphaDropout, hs.GroupNorm, hs.UnitNorm, hs.RMSNorm,
       hs.Identity, hs.PReLU, hs.ActivityRegularization]


def model(shape, *blocks):
    return hs.ModelSpec(name="m", inputs={"x": hs.InputSpec(shape=shape)}, body=hs.Chain(blocks=blocks))


@pytest.mark.parametrize("cls", NEW, ids=lambda c: c.KIND)
def test_fields_and_positional_order_are_keras(cls):
    keras = pytest.importorskip("keras")
    impl = IMPLS[cls]
    (name,) = impl.keras
    params = list(inspect.signature(getattr(keras.layers, name).__init__).parameters)[1:]
    ours = {impl.keras_args.get(p, p) for p in params}
    import attrs

    assert {a.name for a in attrs.fields(cls)} - set(cls.COMMON) <= ours
    assert [impl.keras_args.get(p, p) for p in params[:len(cls.POSITIONAL)]] == list(cls.POSITIONAL)


def test_positional_construction():
    assert hs.Rescaling(1 / 255, -1.0) == hs.Rescaling(scale=1 / 255, offset=-1.0)
    assert hs.Resizing(8, 6, "nearest").interpolation == "nearest"
    assert hs.GroupNorm(4, -1, 1e-5).epsilon == 1e-5
    assert hs.RandomRotation(0.2, "constant").fill_mode == "constant"
    assert hs.RandomZoom(0.1, (-0.2, 0.2)).width_factor == (-0.2, 0.2)


@pytest.mark.parametrize("build, field, words", [
    (lambda: hs.Normalization(mean=1.0), "variance", "together"),
    (lambda: hs.Normalization(mean=(1.0, 2.0), variance=(1.0,)), "variance", "1 entries"),
    (lambda: hs.Normalization(mean=0.0, variance=-1.0), "variance", "negative"),
    (lambda: hs.RandomZoom(height_factor=-1.0), "height_factor", "above -1"),
    (lambda: hs.RandomRotation(factor=(0.3, 0.1)), "factor", "above upper"),
    (lambda: hs.RandomRotation(factor=1.5), "factor", "[-1, 1]"),
    (lambda: hs.RandomContrast(factor=-0.1), "factor", ">= 0"),
    (lambda: hs.GaussianNoise(stddev=2.0), "stddev", "<= 1"),
    (lambda: hs.Resizing(height=2, width=2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True),
     "pad_to_aspect_ratio", "not both"),
    (lambda: hs.PReLU(shared_axes=(1, 1)), "shared_axes", "twice"),
])
def test_cross_field_errors(build, field, words):
    with pytest.raises(hs.SpecError) as caught:
        build()
    assert caught.value.path == field and words in str(caught.value)


@pytest.mark.parametrize("shape, block, words", [
    ((4, 6), hs.GroupNorm(groups=4), "needs channels divisible by groups: 6 channels on axis -1 do not "
                                     "split into 4 groups (divisors: 1, 2, 3, 6); got (None, 4, 6) from body[0]"),
    ((None, 6), hs.GroupNorm(groups=3, axis=1), "known size on axis 1"),
    ((4, 3), hs.Normalization(mean=(1.0, 2.0), variance=(1.0, 1.0)), "mean has 2 entries but axis -1 has size 3"),
    ((4, 3), hs.Normalization(axis=0), "batch axis"),
    ((4, 3), hs.UnitNorm(axis=3), "out of range"),
    ((None, 3), hs.RMSNorm(axis=1), "known size"),
    ((None, 3), hs.PReLU(), "every axis not in shared_axes"),
    ((4, 3), hs.PReLU(shared_axes=(2, 3)), "shared_axes [3] are out of range"),
    ((4, 3), hs.RandomFlip(), "rank-4 input (batch, height, width, channels)"),
    ((4, 3), hs.Resizing(height=2, width=2), "rank-4"),
])
def test_shape_errors_name_the_path(shape, block, words):
    with pytest.raises(hs.SpecError) as caught:
        hs.check(model(shape, hs.Identity(), block))
    assert caught.value.path == "body[1]" and words in str(caught.value), str(caught.value)


def test_parameter_counts():
    report = hs.check(model((6, 5, 4), hs.Normalization(axis=(1, 3)), hs.PReLU(shared_axes=(1, 2)),
                            hs.GroupNorm(groups=2, center=False), hs.RMSNorm(axis=(2, 3)),
                            hs.Normalization(mean=0.0, variance=1.0)))
    rows = {r.path: (r.trainable, r.non_trainable) for r in report.rows}
    assert rows["body[0]"] == (0, 2 * 6 * 4 + 1)
    assert rows["body[1]"] == (4, 0)
    assert rows["body[2]"] == (4, 0)
    assert rows["body[3]"] == (20, 0)
    assert rows["body[4]"] == (0, 0)


def test_keras_layers_built():
    keras = pytest.importorskip("keras")
    spec = model((8, 8, 3), hs.RandomCrop(height=4, width=4), hs.Flatten(), hs.Dense(units=6),
                 hs.Parallel(branches=(hs.Dense(units=2), hs.Dense(units=2)), merge=hs.Merge(mode="minimum")))
    built = hs.build(spec)
    names = [type(layer).__name__ for layer in built.layers]
    assert names[1:3] == ["RandomCrop", "CenterCrop"]  # centre crop at inference (keras#21868)
    assert "Minimum" in names
    assert built(keras.ops.ones((2, 8, 8, 3)), training=False).shape == (2, 2)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_every_activation_name_is_a_shape_keeping_keras_activation(name):
    import keras

    from test_properties_checker import agree

    assert keras.activations.get(name) is not None
    spec = hs.ModelSpec(name="m", inputs={"x": hs.InputSpec(shape=(5, 4))},
                        body=hs.Chain(blocks=(hs.Dense(units=3, activation=name), hs.Activation(name=name))))
    agree(spec, say=lambda _: None)


def test_group_norm_on_a_huge_channel_count_names_a_few_divisors():
    """Found up to the square root: an untrusted document cannot make the message slow."""
    spec = hs.ModelSpec(name="m", inputs={"x": hs.InputSpec(shape=(2, 2 * 3 * 5 * 7 * 11 * 13 * 17 * 19 * 23))},
                        body=hs.GroupNorm(groups=4))
    with pytest.raises(hs.SpecError, match=r"divisors: 1, 2, 3, 5, 6, 7, \.\.\., (\d+, ){4}111546435, 223092870\)"):
        hs.check(spec, max_params=None, max_bytes=None)
