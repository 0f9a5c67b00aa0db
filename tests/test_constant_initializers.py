"""A number where an initializer goes is Keras's Constant initializer of that value: checked,
built, written back, imported."""

from __future__ import annotations

import pytest

import hybridspec as hs
from hybridspec import SpecError

DOC = """
name: constants
inputs: {x: {shape: [6]}}
body:
  - dense: {units: 4, kernel_initializer: -2, bias_initializer: 0.01}
  - prelu: {alpha_initializer: 0.25}
  - dense: {units: 3, kernel_initializer: he_normal}
"""


def test_a_number_is_a_constant_and_round_trips() -> None:
    spec = hs.loads(DOC)
    dense = spec.body.blocks[0]  # type: ignore[attr-defined]
    assert (dense.kernel_initializer, dense.bias_initializer) == (-2, 0.01)
    assert hs.loads(hs.dumps(spec)) == spec


@pytest.mark.parametrize("value", ["glorot", "true", "[1, 2]", ".nan"])
def test_anything_else_is_refused_with_the_path(value: str) -> None:
    with pytest.raises(SpecError) as err:
        hs.loads(DOC.replace("bias_initializer: 0.01", f"bias_initializer: {value}"))
    assert err.value.path == "body[0].dense.bias_initializer"
    assert "or a number (a constant)" in err.value.message


def test_built_weights_hold_the_constants_and_import_back() -> None:
    pytest.importorskip("keras")
    from hybridspec.importing import from_keras

    model = hs.build(hs.loads(DOC))
    kernel, bias, alpha = (w.numpy() for w in model.weights[:3])
    assert (kernel == -2).all() and (bias == pytest.approx(0.01)) and (alpha == 0.25).all()
    imported = from_keras(model).body.blocks  # type: ignore[attr-defined]
    assert (imported[0].kernel_initializer, imported[0].bias_initializer) == (-2.0, 0.01)
    assert imported[1].alpha_initializer == 0.25 and imported[2].kernel_initializer == "he_normal"
