"""Stock-layer patterns folded back into the one block that builds them. No Keras here.

Attention pooling (``attention: {pool: true}``) is built from five stock layers:
``k = Dense(units)(x)``, ``q = Subtract()([m, m])`` with ``m = GlobalAveragePooling1D(keepdims)(k)``,
``AdditiveAttention(use_scale=True)([q, x, k])`` and a Flatten; ``random_crop`` from a
RandomCrop and a CenterCrop of the same size. Where exactly these calls appear, each
intermediate tensor read by the next of them alone, they become one call.
"""

from __future__ import annotations

import attrs

from ..specs import Attention, Block, CenterCrop, Dense, Flatten, GlobalPool, Merge, RandomCrop
from .graph import Call, Graph
from .simplify import Links

Found = tuple[list[Call], Call] | None  # the calls of one pattern, and the call they become


def fold_patterns(graph: Graph) -> None:
    """Replace every pattern in ``graph`` by the one block that builds it."""
    for find in (_attention_pooling, _random_crop):
        while (found := find(graph, Links(graph))) is not None:
            calls, folded = found
            graph.calls[graph.calls.index(calls[-1])] = folded
            graph.calls = [c for c in graph.calls if c not in calls[:-1]]


def _random_crop(graph: Graph, links: Links) -> Found:
    for center in graph.calls:
        block = center.parts[0]
        if not (len(center.parts) == 1 and isinstance(block, CenterCrop) and _plain(block, free=("height", "width"))
                and len(center.ins) == 1 and len(links.groups[center.key]) == 1):
            continue
        crop = links.producer.get(center.ins[0])
        if (crop is not None and len(crop.parts) == 1 and isinstance(crop.parts[0], RandomCrop)
                and links.feeds_only(crop, center) and len(links.groups[crop.key]) == 1
                and (crop.parts[0].height, crop.parts[0].width) == (block.height, block.width)):
            return [crop, center], Call((crop.key, center.key), crop.parts, crop.ins, center.outs, crop.name)
    return None


def _attention_pooling(graph: Graph, links: Links) -> Found:
    def only(tensor: int, block_type: type, readers: int = 1) -> Call | None:
        """The call yielding ``tensor`` if it is one plain ``block_type`` call read ``readers`` times."""
        call = links.producer.get(tensor)
        if (call is None or len(call.parts) != 1 or not isinstance(call.parts[0], block_type)
                or len(call.outs) != 1 or call.states or len(links.groups[call.key]) != 1
                or len(links.readers[tensor]) != readers):
            return None
        return call

    for attend in graph.calls:
        block = attend.parts[0] if len(attend.parts) == 1 else None
        if not (isinstance(block, Attention) and _plain(block, kind="additive", use_scale=True, causal=False)
                and len(attend.ins) == 3 and len(attend.outs) == 1):
            continue
        q, x, k = attend.ins
        query, key = only(q, Merge), only(k, Dense, readers=2)
        mean = only(query.ins[0], GlobalPool, readers=2) if query is not None else None
        readers = links.readers[attend.outs[0]]
        flatten = readers[0] if len(readers) == 1 else None
        if (query is None or key is None or mean is None or flatten is None
                or not isinstance(flatten.parts[0], Flatten) or len(flatten.parts) != 1
                or getattr(query.parts[0], "mode", None) != "subtract" or query.ins != [mean.outs[0]] * 2
                or not _plain(mean.parts[0], mode="avg", keepdims=True) or mean.ins != [k]
                or not _plain(key.parts[0], free=("units",)) or key.ins != [x]
                or len(links.groups[attend.key]) != 1 or len(links.groups[flatten.key]) != 1):
            continue
        units = key.parts[0].units  # type: ignore[attr-defined]
        pool = Attention(kind="additive", pool=True,
                         units=None if units == graph.shapes[x][-1] else units)
        calls = [key, mean, query, attend, flatten]
        return calls, Call(tuple(c.key for c in calls), (pool,), [x], flatten.outs, attend.name)
    return None


def _plain(block: Block, free: tuple[str, ...] = (), **wanted: object) -> bool:
    """Whether ``block`` has the ``wanted`` values and every other field but its name and the
    ``free`` ones at its default."""
    return all(getattr(block, f.name) == wanted.get(f.name, f.default)
               for f in attrs.fields(type(block)) if f.name not in ("name", *free))
