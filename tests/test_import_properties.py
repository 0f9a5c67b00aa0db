"""Import is the walk run backwards: from_keras(build(s)) checks and builds like s."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, note, settings

import hybridspec as hs
from hybridspec.testing import trees

keras = pytest.importorskip("keras")
from hybridspec.importing import from_keras  # noqa: E402


def layer_classes(model) -> list[str]:
    """Keras layer classes in model order, nested models and wrappers opened."""
    out = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            out += layer_classes(layer)
            continue
        out.append(type(layer).__name__)
        for inner in ("layer", "forward_layer", "backward_layer"):
            wrapped = getattr(layer, inner, None)
            if isinstance(wrapped, keras.Model):
                out += layer_classes(wrapped)
            elif isinstance(wrapped, keras.layers.Layer):
                out.append(type(wrapped).__name__)
    return [c for c in out if c != "InputLayer"]


def assert_same(spec: hs.ModelSpec, imported: hs.ModelSpec) -> None:
    before, after = hs.check(spec), hs.check(imported)
    assert after.outputs == before.outputs
    assert (after.params, after.trainable, after.non_trainable) == \
        (before.params, before.trainable, before.non_trainable)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], deadline=None,
          max_examples=max(10, settings().max_examples // 3))  # builds twice per example
@given(spec=trees.models())
def test_import_of_build_checks_and_builds_alike(spec: hs.ModelSpec) -> None:
    note(hs.dumps(spec))
    keras.backend.clear_session()
    model = hs.build(spec)
    imported = from_keras(model)
    note(hs.dumps(imported))
    assert_same(spec, imported)
    assert sorted(layer_classes(hs.build(imported))) == sorted(layer_classes(model))
