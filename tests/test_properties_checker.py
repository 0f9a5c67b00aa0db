"""Property tests: the static checker and Keras agree on random trees, both ways."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

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
    agree(spec)


@settings(max_examples=max(10, settings().max_examples // 2),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(spec=trees.stock_models())
def test_checker_and_keras_agree_on_preprocessing_and_stock_layers(spec: hs.ModelSpec) -> None:
    agree(spec)


IMAGE, SEQUENCE = (8, 6, 3), (5, 4)
EVERY_NEW_KIND = [
    (IMAGE, hs.Rescaling(scale=1 / 255, offset=-1.0)), (IMAGE, hs.Resizing(height=4, width=5)),
    (IMAGE, hs.CenterCrop(height=4, width=10)), (IMAGE, hs.Normalization(axis=(1, 3))),
    (IMAGE, hs.RandomFlip(mode="vertical", seed=1)), (IMAGE, hs.RandomRotation(factor=0.2)),
    (IMAGE, hs.RandomZoom(height_factor=(-0.2, 0.1), width_factor=0.1)),
    (IMAGE, hs.RandomTranslation(height_factor=0.1, width_factor=0.2, fill_mode="constant")),
    (IMAGE, hs.RandomContrast(factor=0.3)), (IMAGE, hs.RandomBrightness(factor=0.2, value_range=(0, 1))),
    (IMAGE, hs.RandomCrop(height=3, width=4)), (IMAGE, hs.PReLU(shared_axes=(1, 2))),
    (IMAGE, hs.GroupNorm(groups=3)), (IMAGE, hs.RMSNorm(axis=(1, 2, 3))),
    (SEQUENCE, hs.Normalization(mean=(0.0, 1.0, 2.0, 3.0), variance=(1.0, 1.0, 2.0, 2.0))),
    (SEQUENCE, hs.GaussianNoise(stddev=0.1)), (SEQUENCE, hs.GaussianDropout(rate=0.2)),
    (SEQUENCE, hs.AlphaDropout(rate=0.2)), (SEQUENCE, hs.GroupNorm(groups=2, scale=False)),
    (SEQUENCE, hs.UnitNorm(axis=(1, 2))), (SEQUENCE, hs.RMSNorm()), (SEQUENCE, hs.Identity()),
    (SEQUENCE, hs.PReLU()), (SEQUENCE, hs.ActivityRegularization(l2=0.01)),
]


@settings(max_examples=max(10, settings().max_examples // 4),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(spec=trees.models(), policy=st.sampled_from(["mixed_float16", "mixed_bfloat16"]))
def test_checker_and_keras_agree_under_mixed_precision(spec: hs.ModelSpec, policy: str) -> None:
    agree(spec, policy=policy)


@pytest.mark.parametrize("policy", ["float32", "mixed_float16"])
@pytest.mark.parametrize("shape, block", EVERY_NEW_KIND, ids=lambda v: getattr(v, "KIND", "x"))
def test_each_preprocessing_and_stock_kind_agrees(shape: tuple, block: hs.Block, policy: str) -> None:
    """Every kind at least once, after a mask on sequences (rms_norm drops it, the rest keep it)."""
    first = (hs.Masking(mask_value=-1e4),) if len(shape) == 2 else ()
    body = hs.Chain(blocks=(*first, block, hs.Flatten(), hs.Dense(units=2)))
    agree(hs.ModelSpec(name="m", inputs={"x": hs.InputSpec(shape=shape)}, body=body), say=lambda _: None,
          policy=policy)


def agree(spec: hs.ModelSpec, say=note, policy: str = "float32") -> None:
    """Shapes, dtypes, masks and parameters of the checker equal Keras's under the dtype
    ``policy``, and the model runs (its outputs float32 under a mixed policy)."""
    say(hs.dumps(spec))
    report = hs.check(spec, policy=policy)
    say(report.table())
    keras.backend.clear_session()
    keras_run = KerasInterpreter(float32=report.output_leaves if policy.startswith("mixed_") else ())
    keras.mixed_precision.set_global_policy(policy)
    try:
        inputs, outputs = Walk(keras_run).model(spec)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    model = keras.Model(inputs, outputs)
    for row in report.rows:
        if row.path in keras_run.shapes:
            assert list(row.shapes) == keras_run.shapes[row.path], \
                f"{row.path}: checker {row.shapes}, keras {keras_run.shapes[row.path]}"
            assert row.masked == keras_run.masked[row.path], f"{row.path}: mask {row.masked} vs Keras"
            assert row.dtype == keras_run.dtypes[row.path][0], \
                f"{row.path}: dtype {row.dtype} vs Keras {keras_run.dtypes[row.path]}"
        if row.path in keras_run.policies:
            assert (row.compute_dtype, row.variable_dtype) == keras_run.policies[row.path], \
                f"{row.path}: policy vs Keras {keras_run.policies[row.path]}"
    if policy.startswith("mixed_"):
        assert all(str(t.dtype) == "float32" for t in model.outputs if "float" in str(t.dtype))
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
        assert policy != "float32" or np.isfinite(value).all(), f"{name} has non-finite values"
