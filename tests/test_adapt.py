"""``hybridspec train`` adapts normalization blocks left without statistics before fitting."""

import numpy as np
import pytest

import hybridspec as hs
from hybridspec.training.data import Dataset, Split

keras = pytest.importorskip("keras")
from hybridspec.training.adapt import adapt_normalization  # noqa: E402

SPEC = """name: norm
inputs: {x: {shape: [3]}}
body:
  - rescaling: {scale: 2.0}
  - normalization
  - dense: 1
  - normalization: {mean: 1.0, variance: 4.0}
train: {epochs: 1, validation_split: 0.0}
"""


def arrays(n=200):
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(n, 3)) * [1.0, 2.0, 3.0] + [5.0, -1.0, 0.0]).astype("float32")
    return x, x.sum(axis=1, keepdims=True)


def test_adapts_on_what_reaches_the_layer_and_leaves_given_statistics():
    spec = hs.loads(SPEC)
    model = hs.build(spec)
    x, _ = arrays()
    assert adapt_normalization(model, x) == ["body_1"]
    layer = model.get_layer("body_1")
    np.testing.assert_allclose(np.asarray(layer.mean)[0], 2 * x.mean(axis=0), rtol=1e-4)
    np.testing.assert_allclose(np.asarray(layer.variance)[0], 4 * x.var(axis=0), rtol=1e-3)


def test_first_layer_normalization_is_adapted_by_train(tmp_path):
    spec = hs.loads(SPEC.replace("  - rescaling: {scale: 2.0}\n", ""))
    report = hs.check(spec)
    assert report.rows[2].non_trainable == 2 * 3 + 1  # mean, variance and count
    x, y = arrays()
    data = Dataset("generated", Split({"x": x}, {"y": y}), Split({"x": x[:20]}, {"y": y[:20]}))
    result = hs_train(spec, data, tmp_path)
    mean = np.asarray(result["model"].get_layer("body_0").mean)[0]
    np.testing.assert_allclose(mean, x.mean(axis=0), rtol=1e-4)


def hs_train(spec, data, out):
    from hybridspec.training.run import train

    return train(spec, data, out, verbose=0, log=lambda _: None)
