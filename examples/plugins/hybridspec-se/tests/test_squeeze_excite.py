"""The plugin's own property test: for random inputs, hybridspec's checker and Keras agree."""

from __future__ import annotations

import math

import hybridspec_se
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import hybridspec as hs

hybridspec_se.register()
keras = __import__("keras")

SHAPES = st.one_of(st.tuples(st.integers(1, 5), st.integers(1, 9)),
                   st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 9)))


@settings(max_examples=25, deadline=None)
@given(shape=SHAPES, ratio=st.integers(1, 8))
def test_squeeze_excite_matches_keras(shape, ratio):
    spec = hs.loads(f"name: se\ninputs: {{x: {{shape: {list(shape)}}}}}\nbody: {{squeeze_excite: {{ratio: {ratio}}}}}")
    report = hs.check(spec)
    keras.backend.clear_session()
    model = hs.build(spec, seed=0)
    assert report.params == model.count_params()
    assert report.outputs["se"] == (None, *shape)
    x = np.random.default_rng(0).normal(size=(2, *shape)).astype("float32")
    y = np.asarray(model(x))
    assert y.shape == x.shape and np.isfinite(y).all()
    assert report.weight_bytes == sum(4 * math.prod(w.shape) for w in model.weights)
