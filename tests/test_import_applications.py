"""keras.applications through from_keras: equal parameter counts, or a clear missing piece."""

from __future__ import annotations

import pytest

keras = pytest.importorskip("keras")
from hybridspec.importing import applications  # noqa: E402


@pytest.mark.parametrize("name", ["VGG16", "ResNet50", "MobileNetV3Small", "EfficientNetB0", "ConvNeXtTiny"])
def test_supported_architectures_import_with_keras_counts(name: str) -> None:
    outcome = applications.sweep_one(name)
    assert outcome.ok, outcome.detail


@pytest.mark.slow
@pytest.mark.parametrize("name", applications.architectures())
def test_every_architecture_imports_with_keras_counts(name: str) -> None:
    outcome = applications.sweep_one(name)
    if outcome.detail.startswith("does not build offline"):
        pytest.skip(outcome.detail)  # not an architecture the sweep covers
    assert outcome.ok, outcome.detail
