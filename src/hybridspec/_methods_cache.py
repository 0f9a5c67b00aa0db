"""A bytecode cache for the methods attrs generates, as ``__pycache__`` is for modules.

attrs writes each class's ``__init__``, ``__eq__``, ``__hash__`` and ``__repr__`` as source text
and compiles it when the class is created; for hybridspec's 70 spec classes that compiling was
a third of ``import hybridspec``. While hybridspec's modules are imported, attrs's calls to
``compile`` are answered from one marshal file keyed by the file name attrs gives the code and
the length and CRC-32 of its source text, kept beside the package's .pyc files and written,
atomically, only when something was compiled and Python may write bytecode. Where attrs works
differently, or the file is missing or unreadable, attrs simply compiles as usual.
"""

from __future__ import annotations

import marshal
import os
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

Key = tuple[str, int, int]


def _path() -> str:
    name = f"attrs-methods.{sys.implementation.cache_tag}.marshal"
    return os.path.join(os.path.dirname(__file__), "__pycache__", name)


def _version(make: Any) -> tuple[int, int]:
    """Which attrs wrote the code: its code generator's file size and time (attr.__version__
    would read package metadata, which is slow)."""
    stat = os.stat(make.__file__)
    return stat.st_size, stat.st_mtime_ns


def _read(path: str, version: tuple[int, int]) -> dict[Any, Any]:
    try:
        with open(path, "rb") as file:
            cache = marshal.load(file)
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return cache if isinstance(cache, dict) and cache.get("attrs") == version else {}


def _write(path: str, cache: dict[Any, Any]) -> None:
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as file:
            marshal.dump(cache, file)
        os.replace(tmp, path)
    except OSError:  # a read-only installation: no cache, as without __pycache__
        if os.path.exists(tmp):
            os.unlink(tmp)


def _key(source: str, filename: str) -> Key:
    """The source without the per-process salt attrs puts in ``__hash__`` (the hash of a name,
    which string hashing randomizes): a cached class keeps the salt it was compiled with, which
    serves as well, being one constant per class."""
    salt = str(hash(filename.replace("<attrs generated methods ", "<attrs generated hash ", 1)))
    text = source.replace(salt, "<salt>").encode("utf-8")
    return filename, len(text), zlib.crc32(text)


@contextmanager
def cached_methods() -> Iterator[None]:
    """Serve attrs's ``compile`` calls from the cache while the block runs."""
    try:
        import attr._make as make
    except ImportError:
        yield
        return
    path, version = _path(), _version(make)
    cache, used = _read(path, version), {}

    def compile_cached(source: str, filename: str, mode: str, *args: Any, **kwargs: Any) -> Any:
        key = _key(source, filename)
        code = cache.get(key)
        if code is None:
            code = compile(source, filename, mode, *args, **kwargs)
        used[key] = code
        return code

    make.compile = compile_cached  # type: ignore[attr-defined]  # shadows the builtin there
    try:
        yield
    finally:
        del make.compile  # type: ignore[attr-defined]
        if used.keys() - cache.keys() and not sys.dont_write_bytecode:
            _write(path, {**cache, **used, "attrs": version})
