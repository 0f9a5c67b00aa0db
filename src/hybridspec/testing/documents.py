"""Hypothesis strategies for arbitrary valid spec trees and documents (shapes not checked).

Values come from each field's rule (``metadata["rule"]``), so a newly registered block kind
is generated with no edit here. Optional fields keep their defaults unless drawn, so that
shrunk examples show only the fields that matter. Combinations rejected by a class's
cross-field checks are filtered out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from functools import cache, singledispatch
from typing import Any

import attrs
from hypothesis import strategies as st

from ..specs import rules
from ..specs.base import KINDS, Block
from ..specs.errors import SpecError
from ..specs.layers import Permute
from ..specs.model import InputSpec, ModelSpec, Node, Output, Ref
from ..specs.repeat import Repeat
from ..specs.rules import Instance, Rule, doc_name

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,7}", fullmatch=True)
"""Node, input and output names."""


@singledispatch
def field_values(rule: Rule, max_depth: int = 2) -> st.SearchStrategy[Any]:
    """Values that satisfy ``rule``; ``max_depth`` bounds blocks nested in block fields.

    Register a strategy for a custom rule with ``@field_values.register``."""
    raise TypeError(f"no strategy for rule {type(rule).__name__}; "
                    "register one with @field_values.register")


@field_values.register
def _int(rule: rules.Int, max_depth: int = 2) -> st.SearchStrategy[int]:
    low = -rules.LARGEST - 1 if rule.minimum is None else rule.minimum
    return st.integers(low, rules.LARGEST if rule.maximum is None else rule.maximum)


@field_values.register
def _float(rule: rules.Float, max_depth: int = 2) -> st.SearchStrategy[float | int]:
    low = 0.0 if rule.positive and rule.minimum is None else rule.minimum
    high = rule.below if rule.maximum is None else rule.maximum
    floats = st.floats(low, high, exclude_min=rule.positive, exclude_max=rule.below is not None,
                       allow_nan=False, allow_infinity=False)
    int_low = None if low is None else math.floor(low) + 1 if rule.positive else math.ceil(low)
    int_high = 10**18 if rule.below is None else math.ceil(rule.below) - 1  # documents cap digits
    if rule.maximum is not None:
        int_high = math.floor(rule.maximum)
    int_low = -(10**18) if int_low is None else int_low
    if int_low is not None and int_high is not None and int_high < int_low:
        return floats
    return floats | st.integers(int_low, int_high)


@field_values.register
def _bool(rule: rules.Bool, max_depth: int = 2) -> st.SearchStrategy[bool]:
    return st.booleans()


@field_values.register
def _name(rule: rules.Name, max_depth: int = 2) -> st.SearchStrategy[str]:
    return names


@field_values.register
def _text(rule: rules.Text, max_depth: int = 2) -> st.SearchStrategy[str]:
    return st.text(min_size=1)


@field_values.register
def _local_path(rule: rules.LocalPath, max_depth: int = 2) -> st.SearchStrategy[str]:
    return st.from_regex(r"[a-z0-9_]{1,8}(/[a-z0-9_]{1,8}){0,2}\.h5", fullmatch=True)


@field_values.register
def _ref(rule: Ref, max_depth: int = 2) -> st.SearchStrategy[str]:
    return st.builds(lambda n, s: n + s, names, st.sampled_from(["", ".states"]))


@field_values.register
def _one_of(rule: rules.OneOf, max_depth: int = 2) -> st.SearchStrategy[Any]:
    return st.sampled_from(rule.choices)


@field_values.register
def _maybe(rule: rules.Maybe, max_depth: int = 2) -> st.SearchStrategy[Any]:
    return st.none() | field_values(rule.inner, max_depth)


@field_values.register
def _either(rule: rules.Either, max_depth: int = 2) -> st.SearchStrategy[Any]:
    return st.one_of([field_values(o, max_depth) for o in rule.options])


@field_values.register
def _tuple_of(rule: rules.TupleOf, max_depth: int = 2) -> st.SearchStrategy[tuple[Any, ...]]:
    size = rule.min_len + 3 if rule.max_len is None else rule.max_len
    return st.lists(field_values(rule.item, max_depth), min_size=rule.min_len, max_size=size).map(tuple)


@field_values.register
def _map_of(rule: rules.MapOf, max_depth: int = 2) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(names, field_values(rule.item, max_depth), min_size=rule.min_len,
                           max_size=rule.min_len + 3)


@field_values.register
def _instance(rule: Instance, max_depth: int = 2) -> st.SearchStrategy[Any]:
    if issubclass(rule.cls, Block):
        return blocks(max_depth, kinds=[k for k in KINDS.values() if issubclass(k, rule.cls)])
    if attrs.has(rule.cls):
        return instances(rule.cls, max_depth)
    return st.from_type(rule.cls)


def _rule(a: attrs.Attribute) -> Rule:
    return a.metadata["rule"]


def is_container(cls: type) -> bool:
    """Whether a class has fields that hold blocks (so generating it uses up depth)."""
    def holds_block(rule: Rule) -> bool:
        inner = [getattr(rule, n, None) for n in ("inner", "item")] + list(getattr(rule, "options", ()))
        return (isinstance(rule, Instance) and issubclass(rule.cls, Block)) or \
            any(holds_block(r) for r in inner if isinstance(r, Rule))
    return any(holds_block(_rule(a)) for a in attrs.fields(cls))


FIELDS: dict[tuple[type, str], st.SearchStrategy[Any]] = {
    (Permute, "dims"): st.integers(1, 4).flatmap(lambda n: st.permutations(range(1, n + 1))).map(tuple),
    (Repeat, "times"): st.integers(1, 3),
    (Repeat, "for_"): st.just({}),  # documents with definitions: hybridspec.testing.definitions
}
"""Strategies for fields whose cross-field checks random values would rarely pass."""


@cache
def instances(cls: type, max_depth: int = 2) -> st.SearchStrategy[Any]:
    """Valid instances of a spec class (a block kind, Regularizer, InputSpec, ...).

    When a cross-field check names a field, that field is dropped (back to its default) if it
    was set, or drawn if it was not, and construction is tried again."""
    fields = attrs.fields(cls)
    by_name = {k: a for a in fields for k in (a.name, doc_name(a))}
    required = [a for a in fields if a.default is attrs.NOTHING]
    optional = [a for a in fields if a.default is not attrs.NOTHING]
    depth = max_depth - 1 if is_container(cls) else max_depth

    def values(a: attrs.Attribute) -> st.SearchStrategy[Any]:
        found = FIELDS.get((cls, a.name))
        return field_values(_rule(a), depth) if found is None else found

    @st.composite
    def attempt(draw: st.DrawFn) -> Any:
        chosen = required + (draw(st.lists(st.sampled_from(optional), unique=True)) if optional else [])
        kwargs = {a.alias: draw(values(a)) for a in chosen}
        for _ in range(len(fields) + 1):
            try:
                return cls(**kwargs)
            except SpecError as err:
                a = by_name.get(re.split(r"[.\[]", err.path)[0])
                if a is None:
                    return None
                if a.alias in kwargs and a in optional:
                    del kwargs[a.alias]
                else:
                    kwargs[a.alias] = draw(values(a))
        return None

    return attempt().filter(lambda x: x is not None)


@cache
def _blocks(max_depth: int, kinds: tuple[type, ...]) -> st.SearchStrategy[Block]:
    allowed = [k for k in kinds if max_depth > 0 or not is_container(k)]
    if not allowed:
        raise ValueError(f"no kind among {[k.__name__ for k in kinds]} fits in depth {max_depth}")
    allowed.sort(key=is_container)  # leaves first, so examples shrink towards them
    return st.one_of([instances(k, max_depth) for k in allowed])


def blocks(max_depth: int = 2, kinds: Iterable[str | type[Block]] | None = None) -> st.SearchStrategy[Block]:
    """Valid blocks of the registered kinds (or of ``kinds``), nested at most ``max_depth`` deep."""
    chosen = KINDS.values() if kinds is None else [KINDS[k] if isinstance(k, str) else k for k in kinds]
    return _blocks(max_depth, tuple(chosen))


def model_specs(max_depth: int = 2) -> st.SearchStrategy[ModelSpec]:
    """Valid ModelSpecs: body models and graph models (shares, states, any node order).

    Fields beyond the model's structure (such as ``train``) are drawn from their rules."""
    return _models(_body_models(max_depth) | _graph_models(max_depth), max_depth)


STRUCTURE = {"name", "inputs", "body", "nodes", "outputs", "include", "define"}


@st.composite
def _models(draw: st.DrawFn, structure: st.SearchStrategy[dict[str, Any]], max_depth: int) -> ModelSpec:
    kwargs = draw(structure)
    extra = [a for a in attrs.fields(ModelSpec) if a.name not in STRUCTURE]
    chosen = draw(st.lists(st.sampled_from(extra), unique=True)) if extra else []
    more = {a.alias: draw(field_values(_rule(a), max_depth)) for a in chosen}
    try:
        return ModelSpec(**kwargs, **more)
    except SpecError:  # an extra field that does not suit this model
        return ModelSpec(**kwargs)


def _body_models(max_depth: int) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(lambda n, i, s, b: dict(name=n, inputs={i: s}, body=b),
                     names, names, instances(InputSpec), blocks(max_depth))


@st.composite
def _graph_models(draw: st.DrawFn, max_depth: int) -> dict[str, Any]:
    n_inputs, n_nodes = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    all_names = draw(st.lists(names, min_size=n_inputs + n_nodes, max_size=n_inputs + n_nodes, unique=True))
    inputs = {n: draw(instances(InputSpec)) for n in all_names[:n_inputs]}
    nodes: dict[str, Node] = {}
    for name in all_names[n_inputs:]:
        nodes[name] = draw(_nodes(list(inputs), nodes, max_depth))
    outputs = draw(st.dictionaries(names, _outputs(_refs(list(inputs), nodes), max_depth),
                                   min_size=1, max_size=3))
    order = draw(st.permutations(list(nodes)))
    return dict(name=draw(names), inputs=inputs, nodes={n: nodes[n] for n in order}, outputs=outputs)


def _refs(inputs: list[str], nodes: dict[str, Node]) -> st.SearchStrategy[str]:
    states = [f"{n}.states" for n, node in nodes.items() if node.return_state]
    return st.sampled_from(inputs + list(nodes) + states)


@st.composite
def _nodes(draw: st.DrawFn, inputs: list[str], earlier: dict[str, Node], max_depth: int) -> Node:
    refs = _refs(inputs, earlier)
    owners = [n for n, node in earlier.items() if node.share is None]
    share = draw(st.none() | st.sampled_from(owners)) if owners else None
    return Node(
        from_=draw(refs | st.lists(refs, min_size=1, max_size=3).map(tuple)),
        block=None if share else draw(blocks(max_depth)),
        share=share,
        initial_state=tuple(draw(st.lists(refs, max_size=2))),
        return_state=draw(st.booleans()),
    )


def _outputs(refs: st.SearchStrategy[str], max_depth: int) -> st.SearchStrategy[Output]:
    return st.builds(lambda r, b: Output(from_=r, block=b), refs, st.none() | blocks(max_depth))
