"""Repeated sub-graphs as one definition used several times.

Composite blocks (residual, parallel, time_distributed) of a body chain or of graph nodes that
have the same skeleton (kinds, fields, and every value but numbers equal) become one
definition; the numbers that differ between the copies become its parameters (one parameter
for positions that differ alike, named after the field), the others stay in its block.
No Keras here.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import attrs

from ..specs import Block, Chain, ModelSpec, Parallel, Residual, TimeDistributed
from ..specs.definitions import Definition, ParamSpec, use
from ..specs.values import param

COMPOSITE = (Residual, Parallel, TimeDistributed)


def skeleton(value: Any) -> Any:
    """``value`` with its numbers left out: equal for copies that differ only in numbers."""
    if attrs.has(type(value)):
        return type(value), tuple((a.name, skeleton(getattr(value, a.name))) for a in attrs.fields(type(value)))
    if isinstance(value, tuple):
        return tuple(skeleton(v) for v in value)
    if type(value) in (int, float):
        return "number"
    return value


def numbers(value: Any, field: str = "") -> list[tuple[str, int | float]]:
    """(field name, value) of every number in ``value``, in skeleton order."""
    if attrs.has(type(value)):
        return [n for a in attrs.fields(type(value)) for n in numbers(getattr(value, a.name), a.name)]
    if isinstance(value, tuple):
        return [n for v in value for n in numbers(v, field)]
    return [(field, value)] if type(value) in (int, float) else []


def template(value: Any, slots: list[Any]) -> Any:
    """``value`` with its numbers replaced, in order, by ``slots`` (a value or a Param)."""
    if attrs.has(type(value)):
        return attrs.evolve(value, **{a.name: template(getattr(value, a.name), slots)
                                      for a in attrs.fields(type(value)) if a.init})
    if isinstance(value, tuple):
        return tuple(template(v, slots) for v in value)
    return slots.pop(0) if type(value) in (int, float) else value


def define_repeats(spec: ModelSpec) -> ModelSpec:
    """``spec`` with every repeated composite block written once in ``define``."""
    found = _candidates(spec)
    groups: dict[Any, list[Block]] = defaultdict(list)
    for block in found:
        groups[skeleton(block)].append(block)
    replace: dict[int, Block] = {}
    define: dict[str, Definition] = {}
    for copies in groups.values():
        if len(copies) < 2:
            continue
        name = _name(copies[0].KIND, define)
        definition, args = _definition(copies)
        define[name] = definition
        for block, given in zip(copies, args, strict=True):
            replace[id(block)] = use(definition, name, **given)
    if not define:
        return spec
    return attrs.evolve(spec, define=define, **_rewritten(spec, replace))


def _candidates(spec: ModelSpec) -> list[Block]:
    roots = [spec.body] + [n.block for n in spec.nodes.values()]
    out: list[Block] = []
    for root in roots:
        items = root.blocks if isinstance(root, Chain) else (root,)
        out += [b for b in items if isinstance(b, COMPOSITE)]
    return out


def _name(kind: str, taken: dict[str, Definition]) -> str:
    name, n = f"{kind}_block", 1
    while name in taken:
        n += 1
        name = f"{kind}_block_{n}"
    return name


def _definition(copies: list[Block]) -> tuple[Definition, list[dict[str, Any]]]:
    """The definition of blocks that share a skeleton, and each copy's arguments."""
    rows = [numbers(b) for b in copies]
    fields = [f for f, _ in rows[0]]
    columns = [tuple(row[i][1] for row in rows) for i in range(len(fields))]
    params: dict[tuple[Any, ...], str] = {}
    slots: list[Any] = []
    for field_name, column in zip(fields, columns, strict=True):
        if len(set(column)) == 1:
            slots.append(column[0])
            continue
        if column not in params:
            params[column] = _param_name(field_name or "value", params.values())
        slots.append(param(params[column]))
    types = {name: "float" if any(type(v) is float for v in column) else "int" for column, name in params.items()}
    block = template(copies[0], slots)
    definition = Definition(params={n: ParamSpec(type=t) for n, t in types.items()}, block=block)
    args = [{name: column[i] for column, name in params.items()} for i in range(len(copies))]
    return definition, args


def _param_name(field_name: str, taken: Any) -> str:
    taken = set(taken)
    name, n = field_name, 1
    while name in taken:
        n += 1
        name = f"{field_name}_{n}"
    return name


def _rewritten(spec: ModelSpec, replace: dict[int, Block]) -> dict[str, Any]:
    def swap(root: Block | None) -> Block | None:
        if isinstance(root, Chain):
            return Chain(blocks=tuple(replace.get(id(b), b) for b in root.blocks))
        return None if root is None else replace.get(id(root), root)

    nodes = {k: attrs.evolve(n, block=swap(n.block)) if n.block is not None else n for k, n in spec.nodes.items()}
    return {"body": swap(spec.body), "nodes": nodes}
