"""Hypothesis strategies for documents with definitions and repeats.

A drawn tree is rewritten, bottom up, into uses of new definitions: some of its field values
and sub-blocks become ``$params`` of a definition whose use passes them back (or leaves them
to a default), some blocks are wrapped in a repeat, and a repeat's ``for`` binds a scalar
parameter per copy. Every definition made is listed in the model's ``define``; created in
dependency order, so any prefix of them can move to an included file.
"""

from __future__ import annotations

from typing import Any

import attrs
from hypothesis import strategies as st

from ..specs.base import Block
from ..specs.definitions import Definition, ParamSpec, Use
from ..specs.model import ModelSpec
from ..specs.repeat import Repeat
from ..specs.rules import Instance
from ..specs.values import Param, Unbound, holds_unbound
from .documents import model_specs


def param_type(value: Any) -> str | None:
    """The parameter type a value has, or None when no parameter can hold it."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float | str):
        return {int: "int", float: "float", str: "str"}[type(value)]
    if isinstance(value, Block) and not isinstance(value, Use | Unbound):
        return "block"
    if isinstance(value, tuple) and value and all(type(v) is int for v in value):
        return "list[int]"
    return None


def _any_block(rule: Any) -> bool:
    """Whether a field takes any block (so a use or a repeat may stand there)."""
    inner = getattr(rule, "inner", None) or getattr(rule, "item", None)
    if inner is not None:
        return _any_block(inner)
    return isinstance(rule, Instance) and rule.cls is Block


class _Maker:
    """Draws the rewriting of one model; ``defs`` collects the definitions in order."""

    def __init__(self, draw: st.DrawFn, same_model: bool) -> None:
        self.draw = draw
        self.most = 1 if same_model else 2  # one copy leaves the model as it was
        self.defs: dict[str, Definition] = {}

    def block(self, spec: Block) -> Block:
        spec = self.children(spec)
        choice = self.draw(st.sampled_from(["keep", "keep", "define", "repeat"]))
        if choice == "define":
            return self.define(spec)
        if choice == "repeat":
            return self.repeat(spec)
        return spec

    def children(self, spec: Any) -> Any:
        """``spec`` with its sub-blocks rewritten too."""
        if isinstance(spec, Use | Unbound) or not attrs.has(type(spec)):
            return spec
        changes = {}
        for a in attrs.fields(type(spec)):
            value = getattr(spec, a.name)
            new = self.value(value) if _any_block(a.metadata.get("rule")) else self.children(value)
            if new is not value:
                changes[a.alias or a.name] = new
        return attrs.evolve(spec, **changes) if changes else spec

    def value(self, value: Any) -> Any:
        if isinstance(value, Block):
            return self.block(value)
        if isinstance(value, tuple) and any(isinstance(v, Block) for v in value):
            return tuple(self.value(v) for v in value)
        return value

    def define(self, spec: Block) -> Block:
        params: dict[str, ParamSpec] = {}
        args: dict[str, Any] = {}
        body = self.holes(spec, params, args)
        name = f"def_{len(self.defs)}"
        self.defs[name] = Definition(params=params, block=body)
        return Use(kind=name, definition=self.defs[name], args=args)

    def holes(self, spec: Any, params: dict[str, ParamSpec], args: dict[str, Any]) -> Any:
        """``spec`` with some values replaced by new parameters (recorded with their values)."""
        if isinstance(spec, Use | Unbound) or not attrs.has(type(spec)):
            return spec
        changes = {}
        for a in attrs.fields(type(spec)):
            value = getattr(spec, a.name)
            kind = param_type(value)
            if kind is not None and not holds_unbound(value) and self.draw(st.integers(0, 3)) == 0:
                name = f"p{len(params)}"
                default = self.draw(st.booleans())
                params[name] = ParamSpec(kind, value) if default else ParamSpec(kind)
                if not default or self.draw(st.booleans()):
                    args[name] = value
                new: Any = Param(name)
            elif isinstance(value, tuple):
                new = tuple(self.holes(v, params, args) for v in value)
            else:
                new = self.holes(value, params, args)
            if new != value or type(new) is not type(value):
                changes[a.alias or a.name] = new
        return attrs.evolve(spec, **changes) if changes else spec

    def repeat(self, spec: Block) -> Block:
        times = self.draw(st.integers(1, self.most))
        scalars = [a for a in attrs.fields(type(spec))
                   if param_type(getattr(spec, a.name)) in ("int", "float", "bool", "str")]
        if scalars and not isinstance(spec, Use) and self.draw(st.booleans()):
            a = self.draw(st.sampled_from(scalars))
            value = getattr(spec, a.name)
            body = attrs.evolve(spec, **{a.alias or a.name: Param("r")})
            return Repeat(for_={"r": (value,) * times}, block=body)
        return Repeat(times=times, share=self.draw(st.booleans()), block=spec)


@st.composite
def models_with_definitions(draw: st.DrawFn, max_depth: int = 2,
                            models: st.SearchStrategy[ModelSpec] | None = None) -> ModelSpec:
    """Valid ModelSpecs whose trees use definitions (some using others) and repeats.

    With ``models`` (such as ``trees.models()``), each drawn model is rewritten so that it
    expands to exactly the same layers (every repeat has one copy)."""
    spec = draw(model_specs(max_depth) if models is None else models)
    maker = _Maker(draw, same_model=models is not None)
    changes: dict[str, Any] = {}
    if spec.body is not None:
        changes["body"] = maker.block(spec.body)
    else:
        changes["nodes"] = {n: node if node.initial_state or node.return_state else maker.children(node)
                            for n, node in spec.nodes.items()}  # states need the layer itself
        changes["outputs"] = {n: maker.children(out) for n, out in spec.outputs.items()}
    return attrs.evolve(spec, **changes, define=maker.defs)
