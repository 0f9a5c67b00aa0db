"""Property tests: the static checker and Keras agree on random trees, both ways."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings

import hybridspec as hs
from hybridspec.testing import trees

keras = pytest.importorskip("keras")
from hybridspec.graphs.build import KerasInterpreter  # noqa: E402
from hybridspec.graphs.walk import Walk  # noqa: E402

CONCRETE = 3  # size given to unknown (None) dimensions when running the model


def _random_input(spec: hs.InputSpec, rng: np.random.Generator) -> np.ndarray:
    shape = (2, *(CONCRETE if d is None else d for d in spec.shape))
    if spec.dtype.startswith("int"):  # token ids, right-padded with 0: no sequence fully masked
        ids = rng.integers(0, 2, size=shape)
        ids[:, 0] = 1
        return ids.astype(spec.dtype)
    return rng.normal(size=shape).astype(spec.dtype)


def _agrees(static: tuple, actual: tuple) -> bool:
    return len(static) == len(actual) and all(s is None or s == a for s, a in zip(static, actual, strict=True))


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(spec=trees.models())
def test_checker_and_keras_agree(spec: hs.ModelSpec) -> None:
    note(hs.dumps(spec))
    report = hs.check(spec)
    note(report.table())
    keras.backend.clear_session()
    keras_run = KerasInterpreter()
    inputs, outputs = Walk(keras_run).model(spec)
    model = keras.Model(inputs, outputs)
    for row in report.rows:
        if row.path in keras_run.shapes:
            assert list(row.shapes) == keras_run.shapes[row.path], \
                f"{row.path}: checker {row.shapes}, keras {keras_run.shapes[row.path]}"
            assert row.masked == keras_run.masked[row.path], f"{row.path}: mask {row.masked} vs Keras"
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    frozen = sum(math.prod(w.shape) for w in model.non_trainable_weights)
    assert (report.trainable, report.non_trainable) == (trainable, frozen)
    assert report.params == model.count_params()
    assert report.weight_bytes == sum(math.prod(w.shape) * np.dtype(w.dtype).itemsize for w in model.weights)

    rng = np.random.default_rng(0)
    data = {name: _random_input(inp, rng) for name, inp in spec.inputs.items()}
    results = model(data, training=False)
    for name, value in results.items():
        value = np.asarray(value)
        assert _agrees(report.outputs[name], value.shape), f"{name}: {report.outputs[name]} vs {value.shape}"
        assert np.isfinite(value).all(), f"{name} has non-finite values"
