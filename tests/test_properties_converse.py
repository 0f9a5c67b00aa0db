"""The converse property: trees the checker rejects, Keras refuses too.

Rules where hybridspec is deliberately stricter than Keras are listed in docs/strictness.md and
are not generated here.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, note, settings

import hybridspec as hs
from hybridspec.testing import trees

keras = pytest.importorskip("keras")
from hybridspec.graphs.build import KerasInterpreter  # noqa: E402
from hybridspec.graphs.walk import Walk  # noqa: E402


def keras_refuses(spec: hs.ModelSpec) -> BaseException | None:
    """Build and run ``spec`` with Keras alone (no static check); the error Keras raised, if any."""
    keras.backend.clear_session()
    try:
        inputs, outputs = Walk(KerasInterpreter()).model(spec)
        model = keras.Model(inputs, outputs)
        data = {k: np.ones((2, *(3 if d is None else d for d in v.shape)), "float32") for k, v in spec.inputs.items()}
        model(data)
    except Exception as exc:  # noqa: BLE001 (any Keras refusal counts)
        return exc
    return None


@settings(max_examples=max(10, settings().max_examples // 4))  # each example builds a Keras model
@given(case=trees.invalid_models())
def test_checker_and_keras_both_refuse(case: tuple[str, hs.ModelSpec]) -> None:
    rule, spec = case
    note(f"rule: {rule}\n{hs.dumps(spec)}")
    with pytest.raises(hs.SpecError) as caught:
        hs.check(spec)
    note(f"checker: {caught.value}")
    assert caught.value.path, "a shape error must name the node's path"
    refusal = keras_refuses(spec)
    assert refusal is not None, f"Keras accepted a tree the checker rejects ({rule})"
