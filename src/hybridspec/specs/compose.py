"""Composition blocks: Chain, Parallel, Residual, TimeDistributed."""

from __future__ import annotations

import attrs

from .base import Block, block
from .layers import Merge
from .rules import Instance, Maybe, TupleOf, field

BLOCK = Instance(Block, "a block", lambda: {"$ref": "#/$defs/Block"})


@block("chain", short="blocks", positional=("blocks",))
@attrs.frozen(kw_only=True)
class Chain(Block):
    """Blocks applied one after another; written as a plain list."""

    blocks: tuple[Block, ...] = field(TupleOf(BLOCK, 1), doc="the blocks, in order")


@block("parallel", short="branches", positional=("branches", "merge"))
@attrs.frozen(kw_only=True)
class Parallel(Block):
    """Branches that all read the same input, merged into one output."""

    branches: tuple[Block, ...] = field(TupleOf(BLOCK, 2), doc="the branches")
    merge: Merge = field(Instance(Merge, "a merge such as concat or {mode: concat, axis: 1}"),
                         attrs.Factory(Merge), "how branch outputs are combined")


@block("residual", short="body", positional=("body", "shortcut"))
@attrs.frozen(kw_only=True)
class Residual(Block):
    """``body(x) + shortcut(x)``; the shortcut is the identity unless given."""

    body: Block = field(BLOCK, doc="the residual branch")
    shortcut: Block | None = field(Maybe(BLOCK), None, "projection of the input (identity if null)")


@block("time_distributed", short="block", positional=("block",))
@attrs.frozen(kw_only=True)
class TimeDistributed(Block):
    """Applies a sub-tree to every time step of a (batch, time, ...) input."""

    block: Block = field(BLOCK, doc="the sub-tree applied per step")
