"""adaptive_pool: shapes as Keras computes them, and on TensorFlow exactly the sizes its kernel
can pool (it tiles an axis with windows of ceil(n/out) and one more position)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import hybridspec as hs


def spec(shape: tuple[int | None, ...], block: hs.Block) -> hs.ModelSpec:
    return hs.ModelSpec(name="ap", inputs={"x": hs.InputSpec(shape=shape)}, body=block)


@pytest.mark.parametrize(("shape", "size", "want"), [
    ((9, 4), 3, (None, 3, 4)),
    ((7, 5, 2), (3, 2), (None, 3, 2, 2)),
    ((5, 5, 2), 7, (None, 7, 7, 2)),
    ((4, 6, 8, 1), (2, 3, 4), (None, 2, 3, 4, 1)),
])
def test_shapes_and_the_built_layer(shape, size, want) -> None:
    keras = pytest.importorskip("keras")
    for mode in ("avg", "max"):
        s = spec(shape, hs.AdaptivePool(output_size=size, mode=mode))
        assert hs.check(s).outputs["ap"] == want
        model = hs.build(s)
        layer = model.layers[-1]
        assert type(layer).__name__ == f"Adaptive{'Max' if mode == 'max' else 'Average'}Pooling{len(shape) - 1}D"
        x = np.random.default_rng(0).normal(size=(2, *shape)).astype("float32")
        reference = getattr(keras.ops, f"adaptive_{'max' if mode == 'max' else 'average'}_pool")(keras.ops.convert_to_tensor(x), size)
        np.testing.assert_allclose(model.predict(x, verbose=0), keras.ops.convert_to_numpy(reference), atol=1e-6)


def test_the_checker_accepts_exactly_what_tensorflow_pools() -> None:
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("the rule is TensorFlow's")
    for n, out in itertools.product(range(1, 6), range(1, 7)):
        s = spec((n, 2), hs.AdaptivePool(output_size=out))
        try:
            hs.check(s)
            ours = True
        except hs.SpecError as exc:
            assert f"cannot pool axis 1 of size {n} to {out}" in exc.message
            ours = False
        try:
            hs.build(s).predict(np.ones((1, n, 2), "float32"), verbose=0)
            theirs = True
        except Exception:  # noqa: BLE001 (TensorFlow's negative-dimension error)
            theirs = False
        assert ours == theirs, (n, out)


def test_other_backends_pool_any_size_and_bad_lengths_are_named() -> None:
    s = spec((4, 4, 3), hs.AdaptivePool(output_size=1))
    assert hs.check(s, backend="jax").outputs["ap"] == (None, 1, 1, 3)
    with pytest.raises(hs.SpecError, match="use global_pool with keepdims: true"):
        hs.check(s)
    with pytest.raises(hs.SpecError, match="output_size has 3 entries for 2 spatial axes"):
        hs.check(spec((4, 4, 3), hs.AdaptivePool(output_size=(2, 2, 2))))
    with pytest.raises(hs.SpecError, match="output_size: has 2 entries but rank is 1"):
        hs.AdaptivePool(output_size=(2, 2), rank=1)


def test_imports_back() -> None:
    keras = pytest.importorskip("keras")
    from hybridspec.importing import from_keras

    x = keras.Input((8, 6, 3))
    model = keras.Model(x, keras.layers.AdaptiveMaxPooling2D((4, 3))(x))
    assert from_keras(model).body == hs.AdaptivePool(output_size=(4, 3), mode="max")
