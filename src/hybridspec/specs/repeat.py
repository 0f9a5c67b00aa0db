"""Repeat: copies of a block, identical (``times``) or with parameters bound per copy (``for``)."""

from __future__ import annotations

from typing import Any

import attrs

from .base import Block, block, fail
from .compose import BLOCK
from .errors import SpecError
from .rules import Bool, Either, Float, Int, MapOf, Maybe, Text, TupleOf, field
from .values import Param, bind, culprit, find

SCALAR = Either(Int(), Float(), Bool(), Text())
SCALAR.describe = "a scalar (a number, true, false or a string)"


@block("repeat")
@attrs.frozen(kw_only=True)
class Repeat(Block):
    """Copies of a block in a chain: ``times: 4``, or ``for: {filters: [64, 128]}`` binding
    ``$filters`` in each copy. Every copy has its own weights unless ``share: true``."""

    times: int | None = field(Maybe(Int(1)), None, "number of identical copies")
    for_: dict[str, tuple[int | float | bool | str, ...]] = field(
        MapOf(TupleOf(SCALAR, 1)), attrs.Factory(dict), alias="for_",
        doc="parameter values per copy (one copy per list position)")
    share: bool = field(Bool(), False, "every copy uses the first copy's layers (same weights)")
    block: Block = field(BLOCK, doc="the block copied")

    def __attrs_post_init__(self) -> None:
        if (self.times is None) == (not self.for_):
            fail("times", "a repeat needs times or for, not both" if self.for_ else "a repeat needs times or for")
        lengths = {name: len(values) for name, values in self.for_.items()}
        if len(set(lengths.values())) > 1:
            fail("for", "every for list needs the same length; got " +
                 ", ".join(f"{n}: {k}" for n, k in lengths.items()))
        if self.share and self.for_:
            fail("share", "shared copies are identical; share works with times, not for")
        used = {u.name for _, u in find(self.block) if isinstance(u, Param)}
        for name in self.for_:
            if name not in used:
                fail(f"for.{name}", f"the block never uses ${name}")
        self.expand()  # every copy's values fit its fields

    def scope(self, field_name: str) -> frozenset[str]:
        """The parameters this repeat binds inside ``field_name``."""
        return frozenset(self.for_) if field_name == "block" else frozenset()

    def expand(self) -> list[tuple[str, Block]]:
        """The copies the walk runs in order, each with its path after ``repeat``; shared
        copies have one path, so interpreters reuse one set of layers."""
        if self.times is not None:
            return [("" if self.share else f"[{i}]", self.block) for i in range(self.times)]
        count = len(next(iter(self.for_.values())))
        return [(f"[{i}]", self.copy(i)) for i in range(count)]

    def copy(self, i: int) -> Block:
        def value(path: str, u: Any) -> Any:
            return self.for_[u.name][i] if isinstance(u, Param) and u.name in self.for_ else u
        try:
            return bind(self.block, value, "block")
        except SpecError as err:
            name = culprit(find(self.block, "block"), err.path)
            name = name if name in self.for_ else next(iter(self.for_))
            raise SpecError(f"for.{name}[{i}]", f"{self.for_[name][i]!r} does not fit "
                            f"{err.path}: {err.message}", err.kind) from None
