"""keras.applications through from_keras: equal parameter counts, or a clear missing piece."""

from __future__ import annotations

import pytest

keras = pytest.importorskip("keras")
from hybridspec.importing import applications  # noqa: E402

CUSTOM = ("LayerScale", "CustomScaleLayer")  # keras.applications' own layers, not keras.layers


@pytest.mark.parametrize("name", ["VGG16", "ResNet50", "MobileNetV3Small", "EfficientNetB0"])
def test_supported_architectures_import_with_keras_counts(name: str) -> None:
    outcome = applications.sweep_one(name)
    assert outcome.ok, outcome.detail


@pytest.mark.slow
@pytest.mark.parametrize("name", applications.architectures())
def test_every_architecture_imports_or_names_what_is_missing(name: str) -> None:
    """Equal counts, but where a custom layer of keras.applications stands in the way (named)."""
    outcome = applications.sweep_one(name)
    if outcome.detail.startswith("does not build offline"):
        pytest.skip(outcome.detail)  # not an architecture the sweep covers
    if not outcome.ok:
        assert outcome.detail.startswith(tuple(f"missing {c}:" for c in CUSTOM)), outcome.detail
