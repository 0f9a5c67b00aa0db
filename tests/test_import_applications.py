"""keras.applications through from_keras: equal parameter counts, or a clear missing piece."""

from __future__ import annotations

import pytest

keras = pytest.importorskip("keras")
from hybridspec.importing import applications  # noqa: E402


@pytest.mark.parametrize("name", ["VGG16", "ResNet50"])
def test_supported_architectures_import_with_keras_counts(name: str) -> None:
    outcome = applications.sweep_one(name)
    assert outcome.ok, outcome.detail


@pytest.mark.slow
@pytest.mark.parametrize("name", applications.architectures())
def test_every_architecture_imports_or_names_what_is_missing(name: str) -> None:
    """Never a wrong document: equal counts, or a SpecError naming the Keras class missing."""
    outcome = applications.sweep_one(name)
    if outcome.detail.startswith("does not build offline"):
        pytest.skip(outcome.detail)  # not an architecture the sweep covers
    if not outcome.ok:
        assert outcome.detail.startswith(("missing ", "unsupported use of a kind")), outcome.detail
        assert "docs/keras.md" in outcome.detail or "does not check" in outcome.detail
