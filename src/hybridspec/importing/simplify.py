"""Calls merged into the blocks a person would write: chains, residuals, parallel branches.

Two rewrites run until neither applies. Series: a call whose only reader is the next call is
merged with it into a chain. Branches: a merge whose inputs are chains that all start from one
tensor (or that tensor itself) becomes ``residual`` (add of two) or ``parallel``. A shared
layer is merged only when every one of its calls is merged the same way, so sharing survives
as one node called several times. No Keras here.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..specs import Merge, Parallel, Residual
from .graph import Call, Graph


class Links:
    """Who yields and who reads every tensor, and the calls of every key."""

    def __init__(self, graph: Graph) -> None:
        self.producer = {t: c for c in graph.calls for t in c.outs}
        self.readers: dict[int, list[Call | None]] = defaultdict(list)
        for c in graph.calls:
            for t in [*c.ins, *c.states]:
                self.readers[t].append(c)
        for t in graph.outputs:
            self.readers[t].append(None)  # a model output
        self.groups: dict[Any, list[Call]] = defaultdict(list)
        for c in graph.calls:
            self.groups[c.key].append(c)

    def feeds_only(self, a: Call, b: Call) -> bool:
        """Whether ``a`` is a plain one-input, one-output call read by ``b`` alone."""
        return (len(a.ins) == 1 and len(a.outs) == 1 and not a.states and not a.return_state
                and self.readers[a.outs[0]] == [b] and a.key != b.key)


def simplify(graph: Graph) -> None:
    """Rewrite ``graph.calls`` in place until no rewrite applies."""
    while _series(graph) or _branches(graph):
        pass


def _replace(graph: Graph, merged: list[tuple[list[Call], Call]]) -> None:
    """Each group of old calls gives way to its new call, at the place of the group's last."""
    gone = {id(c) for olds, _ in merged for c in olds}
    last = {id(olds[-1]): new for olds, new in merged}
    graph.calls = [last.get(id(c), c) for c in graph.calls if id(c) not in gone or id(c) in last]


def _series(graph: Graph) -> bool:
    links = Links(graph)
    for b in graph.calls:
        if len(b.ins) != 1 or b.states or b.return_state:
            continue
        a = links.producer.get(b.ins[0])
        if a is None or not links.feeds_only(a, b):
            continue
        pairs = _pairs(links, a.key, b.key)
        if pairs is not None:
            key = ("chain", a.key, b.key)
            _replace(graph, [([x, y], Call(key, x.parts + y.parts, x.ins, y.outs, y.name)) for x, y in pairs])
            return True
    return False


def _pairs(links: Links, first: Any, second: Any) -> list[tuple[Call, Call]] | None:
    """(call of ``first``, call of ``second`` it feeds) for every call of both, or None."""
    pairs = []
    for b in links.groups[second]:
        a = links.producer.get(b.ins[0]) if len(b.ins) == 1 else None
        if a is None or a.key != first or not links.feeds_only(a, b) or b.states or b.return_state:
            return None
        pairs.append((a, b))
    return pairs if len(pairs) == len(links.groups[first]) else None


def _branches(graph: Graph) -> bool:
    links = Links(graph)
    for m in graph.calls:
        forks = [_fork(links, other) for other in links.groups[m.key]]
        if None in forks:
            continue
        shapes = {tuple(None if b is None else b.key for b in f[1]) for f in forks if f is not None}
        if len(shapes) != 1:
            continue
        branch_keys = shapes.pop()
        if any(len(links.groups[k]) != len(forks) for k in branch_keys if k is not None):
            continue
        key = ("fork", m.key, *branch_keys)
        merged = []
        for other, fork in zip(links.groups[m.key], forks, strict=True):
            assert fork is not None
            source, branches = fork
            olds = [b for b in branches if b is not None] + [other]
            merged.append((olds, Call(key, (_join(other, branches),), [source], other.outs, other.name)))
        _replace(graph, merged)
        return True
    return False


def _fork(links: Links, m: Call) -> tuple[int, list[Call | None]] | None:
    """(x, branches) where merge call ``m`` reads branches that all start from tensor x (None
    for a branch that is x itself), or None."""
    if len(m.parts) != 1 or not isinstance(m.parts[0], Merge) or m.states or len(m.ins) < 2:
        return None
    if len(set(m.ins)) != len(m.ins):
        return None
    branches: list[Call | None] = []
    sources = set()
    for t in m.ins:
        p = links.producer.get(t)
        if p is not None and links.feeds_only(p, m):
            branches.append(p)
            sources.add(p.ins[0])
        else:
            branches.append(None)
            sources.add(t)
    identities = branches.count(None)
    if len(sources) != 1 or identities == len(branches):
        return None
    if identities and not (m.parts[0].mode == "add" and len(branches) == 2):
        return None
    return sources.pop(), branches


def _join(m: Call, branches: list[Call | None]) -> Any:
    merge = m.parts[0]
    assert isinstance(merge, Merge)
    if merge.mode == "add" and len(branches) == 2:
        first, second = branches
        longer = first is None or (second is not None and len(second.parts) > len(first.parts))
        body, other = (second, first) if longer else (first, second)
        assert body is not None  # the longer branch is the body, the other the shortcut
        return Residual(body=body.block, shortcut=None if other is None else other.block)
    return Parallel(branches=tuple(b.block for b in branches if b is not None), merge=merge)
