"""Definitions: block kinds written in a document, with typed parameters, used like built-ins.

```yaml
define:
  res_block:
    params: {filters: int, kernel: {type: int, default: 3}}
    block: {residual: [{conv: {filters: $filters, kernel_size: $kernel}}, batch_norm]}
body: [{res_block: {filters: 64}}, {res_block: {filters: 128, kernel: 5}}]
```

A ``Definition`` holds the parameters and the block; a ``Use`` (``res_block: {...}``) holds
its kind name, the definition itself and the arguments, so it expands with no context: the
walk asks ``expand()`` for the bound block, which ``values.bind`` builds and re-validates.
In Python: ``d = Definition(params={"units": ParamSpec("int")}, block=Dense(Param("units")))``
then ``use(d, "wide", units=64)``, and the model lists ``define={"wide": d}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from .base import Block
from .compose import BLOCK
from .errors import SpecError, join_path
from .rules import Instance, MapOf, Maybe, Name, Rule, Text, closest, field
from .values import Opaque, Param, Unbound, bind, culprit, find

SCALARS = ("int", "float", "bool", "str", "block")


def _type_ok(type_: str) -> bool:
    return type_ in SCALARS or (type_.startswith("list[") and type_.endswith("]") and _type_ok(type_[5:-1]))


class TypeName(Rule):
    """A parameter type; documents write a list type ``[int]`` (``list[int]`` here)."""

    describe = "a parameter type: int, float, bool, str, block, or [<type>] for a list"
    schema = {"$ref": "#/$defs/ParamType"}

    def problem(self, value: Any) -> tuple[str, str] | None:
        return None if isinstance(value, str) and _type_ok(value) else self.bad(value)


class IncludePath(Rule):
    describe = "a relative path to a .yaml, .yml or .json file inside the document's folder"
    schema = {"type": "string", "pattern": r"^(?!/)(?![A-Za-z][A-Za-z0-9+.-]*:)(?!.*\.\.)(?!.*\\).+\.(ya?ml|json)$"}

    def problem(self, value: Any) -> tuple[str, str] | None:
        if not isinstance(value, str) or not value.endswith((".yaml", ".yml", ".json")):
            return self.bad(value)
        if value.startswith("/") or "\\" in value or re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", value):
            return "", f"must be a relative path inside the document's folder, got {value!r}"
        if ".." in Path(value).parts:
            return "", f"must not leave the document's folder (no '..'), got {value!r}"
        return None


TYPE_SCHEMA = {"anyOf": [{"enum": list(SCALARS)},
                         {"type": "array", "items": {"$ref": "#/$defs/ParamType"}, "minItems": 1, "maxItems": 1}]}


def type_data(type_: str) -> Any:
    """A type as documents write it: ``list[int]`` is ``[int]``."""
    return [type_data(type_[5:-1])] if type_.startswith("list[") else type_


def type_from_data(data: Any) -> Any:
    if isinstance(data, list) and len(data) == 1:
        inner = type_from_data(data[0])
        return f"list[{inner}]" if isinstance(inner, str) else data
    return data


def type_problem(type_: str, value: Any) -> str | None:
    """Why ``value`` is not of parameter type ``type_`` (unbound values pass), or None."""
    if isinstance(value, Unbound):
        return None
    if type_.startswith("list["):
        if not isinstance(value, tuple):
            return f"must be a list ({type_}), got {value!r}"
        inner = [type_problem(type_[5:-1], v) for v in value]
        return next((f"item {i} {p}" for i, p in enumerate(inner) if p), None)
    ok = {"int": type(value) is int, "float": type(value) in (int, float), "bool": type(value) is bool,
          "str": isinstance(value, str), "block": isinstance(value, Block)}[type_]
    return None if ok else f"must be {'a block' if type_ == 'block' else type_}, got {value!r}"


def _tuples(value: Any) -> Any:
    """Python lists become tuples (as in every spec), also inside argument mappings."""
    if isinstance(value, list | tuple):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, Mapping):
        return {k: _tuples(v) for k, v in value.items()}
    return value


class _Required:
    """The default of a parameter that every use must give."""

    def __repr__(self) -> str:
        return "none: every use gives it"


REQUIRED: Any = _Required()


@attrs.frozen
class ParamSpec:
    """A parameter of a definition: its type and, if it may be left out, its default.
    Written ``filters: int`` or ``kernel: {type: int, default: 3}``."""

    type: str = field(TypeName(), doc="int, float, bool, str, block, or [<type>] for a list")
    default: Any = attrs.field(default=REQUIRED, converter=_tuples,
                               metadata={"rule": Rule(), "doc": "value when the use leaves it out"})

    def __attrs_post_init__(self) -> None:
        if self.default is not REQUIRED:
            if isinstance(self.default, Unbound):
                raise SpecError("default", f"a default must be a value, got {self.default.describe()}")
            problem = type_problem(self.type, self.default)
            if problem:
                raise SpecError("default", problem)

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def to_data(self) -> Any:
        from .convert import _plain

        type_ = type_data(self.type)
        return type_ if self.required else {"type": type_, "default": _plain(self.default)}


PARAM_SPEC = Instance(ParamSpec, "a type such as int, or {type: int, default: 3}",
                      lambda: {"anyOf": [TypeName.schema, {"$ref": "#/$defs/ParamSpec"}]})
"""A parameter: its type alone, or a mapping of type and default."""


@attrs.frozen(kw_only=True)
class Definition(Opaque):
    """A new block kind: typed parameters (``$name`` in the block) and the block they stand in."""

    params: dict[str, ParamSpec] = field(MapOf(PARAM_SPEC), attrs.Factory(dict), "parameters by name")
    block: Block = field(BLOCK, doc="the block a use stands for, with $param where a value is given")
    doc: str | None = field(Maybe(Text()), None, "what the block is (shown in editors)")

    def __attrs_post_init__(self) -> None:
        for path, value in find(self.block, "block"):
            if not isinstance(value, Param):
                raise SpecError(path, f"{value.describe()}: a search node cannot stand inside a "
                                "definition; make it a parameter and give the search node at the use")
            if value.name not in self.params:
                hint = closest(value.name, list(self.params)) or \
                    f" Parameters: {', '.join(self.params) or 'none'}."
                raise SpecError(path, f"${value.name} is not a parameter of this definition.{hint}")

    def bound(self, kind: str, args: dict[str, Any]) -> Block:
        """The block with every parameter replaced by its argument or default; a SpecError
        names the argument (or, for a default, the use) and the field inside the definition."""
        values = {n: args.get(n, p.default) for n, p in self.params.items()}
        try:
            return bind(self.block, lambda path, u: values[u.name] if isinstance(u, Param) else u, "block")
        except SpecError as err:
            name = culprit(find(self.block, "block"), err.path)
            where = name if name in args else ""
            value = f"{values[name]!r} ({'argument' if where else 'default'} {name})" if name else "the use"
            raise SpecError(where, f"{value} does not fit {kind}'s {err.path}: {err.message}",
                            err.kind) from None


def _check_args(use: Use, attribute: attrs.Attribute, args: dict[str, Any]) -> None:
    params = use.definition.params
    for name, value in args.items():
        if name not in params:
            hint = closest(str(name), list(params)) or f" Parameters: {', '.join(params) or 'none'}."
            raise SpecError(str(name), f"unknown argument of {use.kind}.{hint}")
        problem = type_problem(params[name].type, value)
        if problem:
            raise SpecError(str(name), f"{problem} (parameter {name} of {use.kind})")
    missing = [n for n, p in params.items() if p.required and n not in args]
    if missing:
        raise SpecError("", f"{use.kind} needs {', '.join(missing)} "
                        f"({', '.join(params[n].type for n in missing)}); got none")


@attrs.frozen(kw_only=True)
class Use(Block):
    """A use of a definition: ``res_block: {filters: 64}``, or ``res_block`` with no arguments."""

    kind: str = field(Name(), doc="the definition's name")
    definition: Definition = attrs.field(
        validator=Instance(Definition),
        metadata={"rule": Instance(Definition), "doc": "the definition used", "bound": False})
    args: dict[str, Any] = attrs.field(
        factory=dict, converter=_tuples, validator=_check_args,
        metadata={"rule": Rule(), "doc": "arguments by parameter name", "inline": True})

    @property
    def KIND(self) -> str:  # type: ignore[override]  # noqa: N802 (the kind key, as on every block)
        return self.kind

    def __attrs_post_init__(self) -> None:
        self.bound()  # every argument fits the fields it stands in

    def bound(self) -> Block:
        return self.definition.bound(self.kind, self.args)

    def expand(self) -> list[tuple[str, Block]]:
        """What the walk runs in place of this block: the bound block, at this path."""
        return [("", self.bound())]

    def to_data(self) -> Any:
        from .convert import _plain

        return {self.kind: {k: _plain(v) for k, v in self.args.items()}} if self.args else self.kind


def use(definition: Definition, kind: str, **args: Any) -> Use:
    """A use of ``definition`` under its name ``kind`` (Python API)."""
    return Use(kind=kind, definition=definition, args=args)


def structure_value(type_: str, data: Any) -> Any:
    """An argument or default from its document form, by its parameter type."""
    from .convert import _guarded, structure_block
    from .values import parse

    found = parse(data)
    if found is not None:
        return found
    if type_ == "block":
        return structure_block(data)
    if type_.startswith("list[") and isinstance(data, list):
        return tuple(_guarded(lambda v: structure_value(type_[5:-1], v), v, f"[{i}]")
                     for i, v in enumerate(data))
    return data


def structure_use(kind: str, definition: Definition, body: Any) -> Use:
    """A use from the value under its kind key: a mapping of arguments, or null."""
    from .convert import _guarded

    body = {} if body is None else body
    if not isinstance(body, Mapping):
        raise SpecError("", f"must be a mapping of {kind}'s arguments "
                        f"({', '.join(definition.params) or 'none'}), got {body!r}")
    params = definition.params
    args = {}
    for key, value in body.items():
        if key not in params:
            hint = closest(str(key), list(params)) or f" Parameters: {', '.join(params) or 'none'}."
            raise SpecError(str(key), f"unknown argument of {kind}.{hint}")
        args[key] = _guarded(lambda v, t=params[key].type: structure_value(t, v), value, str(key))
    return Use(kind=kind, definition=definition, args=args)


def uses(value: Any) -> list[Use]:
    """Every use in a spec (not entering the definitions the uses hold)."""
    found: list[Use] = []
    todo = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, Use):
            found.append(item)
        if isinstance(item, tuple | list):
            todo.extend(item)
        elif isinstance(item, dict):
            todo.extend(item.values())
        elif attrs.has(type(item)) and not isinstance(item, Unbound):
            todo.extend(getattr(item, a.name) for a in attrs.fields(type(item))
                        if a.metadata.get("bound", True))
    return found


def check_uses(define: dict[str, Definition], included: bool, *trees: Any) -> None:
    """Every use names a definition of ``define`` (or, with includes, not one of another)."""
    for found in uses([*trees, *(d.block for d in define.values())]):
        known = define.get(found.kind)
        if known is None and not included:
            raise SpecError("define", f"{found.kind} is used but not defined; add it to define")
        if known is not None and known != found.definition:
            raise SpecError(join_path("define", found.kind),
                            "a use holds another definition under this name")
