"""The cache of attrs's generated methods: same classes, no compiling the second time."""

from __future__ import annotations

import sys

import attrs

from hybridspec import _methods_cache as cache


def _define():
    @attrs.frozen(kw_only=True)
    class Point:
        x: int = attrs.field(validator=attrs.validators.instance_of(int))
        y: int = 0

    return Point


def test_second_creation_compiles_nothing_and_behaves_the_same(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "_path", lambda: str(tmp_path / "methods.marshal"))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    compiled = []
    monkeypatch.setattr(cache, "compile", lambda *a, **k: compiled.append(a[1]) or compile(*a, **k),
                        raising=False)
    with cache.cached_methods():
        first = _define()
    assert compiled and (tmp_path / "methods.marshal").exists()
    compiled.clear()
    with cache.cached_methods():
        second = _define()
    assert compiled == []
    a, b = second(x=1, y=2), second(x=1, y=2)
    assert a == b and hash(a) == hash(b) and repr(a) == "Point(x=1, y=2)"
    assert a != second(x=2) and first(x=1, y=2) != a  # another class
    try:
        second(x="1")
    except TypeError:
        pass
    else:
        raise AssertionError("the cached __init__ lost its validator")


def test_a_damaged_cache_is_ignored(tmp_path, monkeypatch):
    (tmp_path / "methods.marshal").write_bytes(b"garbage")
    monkeypatch.setattr(cache, "_path", lambda: str(tmp_path / "methods.marshal"))
    with cache.cached_methods():
        assert _define()(x=3).x == 3
