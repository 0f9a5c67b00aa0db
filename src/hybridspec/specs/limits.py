"""Document limits: how large, deep and many-noded a document may be before it is read further.

Every document is untrusted input. These limits are checked while the text is parsed (YAML
aliases and merge keys count as the nodes they expand to), so that a hostile document is
refused after bounded work, before anything proportional to its expansion is allocated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from .errors import SpecError, join_path


@attrs.frozen(kw_only=True)
class Limits:
    """Bounds on one document. ``max_nodes`` counts every mapping, list and scalar, with YAML
    aliases counted as the nodes they stand for; ``max_text`` bounds one string or number."""

    max_bytes: int = 8 * 2**20
    max_depth: int = 100
    max_nodes: int = 250_000
    max_text: int = 4096
    max_digits: int = 30


DEFAULT = Limits()


def too_big(size: int, limits: Limits) -> SpecError:
    return SpecError("", f"the document is {size:,} bytes, above the limit of {limits.max_bytes:,} bytes")


Where = str | Callable[[], str]
"""A document path, or a function that builds it (paths are built only for errors)."""


def _at(where: Where) -> str:
    return where() if callable(where) else where


class Counter:
    """Counts nodes and checks depth and text length against the limits, naming the path."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.nodes = 0

    def add(self, n: int, path: Where) -> None:
        self.nodes += n
        if self.nodes > self.limits.max_nodes:
            raise SpecError(_at(path), f"the document has more than {self.limits.max_nodes:,} nodes "
                            "(aliases and merge keys count as what they expand to)")

    def depth(self, depth: int, path: Where) -> None:
        if depth > self.limits.max_depth:
            raise SpecError(_at(path), f"nested more than {self.limits.max_depth} levels deep")

    def text(self, value: str, path: Where) -> None:
        if len(value) > self.limits.max_text:
            raise SpecError(_at(path), f"a string of {len(value):,} characters is longer than "
                            f"the limit of {self.limits.max_text:,}")


def big_integer(digits: str, limits: Limits, path: str) -> SpecError:
    return SpecError(path, f"an integer of {len(digits.lstrip('+-')):,} digits is too large "
                     f"(at most {limits.max_digits} digits)")


class TooLong(str):
    """An integer literal too long to convert (JSON parse_int hands these back)."""


class Duplicated(dict):  # type: ignore[type-arg]
    """A JSON object that repeats ``key`` (json keeps the last silently; we refuse)."""

    key = ""


def json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """The object_pairs_hook that marks duplicate keys for ``check_data``."""
    out = dict(pairs)
    if len(out) == len(pairs):
        return out
    marked, seen = Duplicated(out), set()
    for key, _ in pairs:
        if key in seen:
            marked.key = key
            break
        seen.add(key)
    return marked


def check_data(data: Any, limits: Limits) -> None:
    """Check parsed JSON data against the limits; refuse duplicate keys and over-long integers."""
    counter = Counter(limits)
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        counter.add(1, path)
        counter.depth(depth, path)
        if isinstance(value, TooLong):
            raise big_integer(value, limits, path)
        if isinstance(value, Duplicated):
            raise SpecError(join_path(path, value.key), "duplicate key: a mapping holds each key once")
        if isinstance(value, str):
            counter.text(value, path)
        elif isinstance(value, dict):
            for key, item in value.items():
                counter.text(key, path)
                stack.append((item, join_path(path, key), depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
