"""docs/keras.md is current, and the coverage table accounts for every class of keras.layers."""

import inspect
from pathlib import Path

import pytest

from hybridspec import coverage

PAGE = Path(__file__).parent.parent / "docs" / "keras.md"


def test_page_is_current():
    assert PAGE.read_text(encoding="utf-8") == coverage.markdown(), \
        "docs/keras.md is stale; run: python -m hybridspec.coverage docs/keras.md"


def test_every_keras_layer_class_is_covered_or_explained():
    keras = pytest.importorskip("keras")
    public = {n for n in dir(keras.layers) if not n.startswith("_") and inspect.isclass(getattr(keras.layers, n))}
    supported, unsupported = set(coverage.supported()), set(coverage.UNSUPPORTED)
    assert not supported & unsupported, "a class is both supported and not"
    assert public - supported - unsupported == set(), "classes missing from the coverage table"
    assert (supported | unsupported) - public == set(), "the table names classes Keras does not have"


def test_aliases_are_the_same_classes():
    keras = pytest.importorskip("keras")
    for alias, name in coverage.ALIASES.items():
        assert getattr(keras.layers, alias) is getattr(keras.layers, name), alias
