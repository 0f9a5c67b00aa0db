"""The JSON Schema (draft 2020-12) of documents, generated from KINDS and the field rules.

It mirrors what ``convert.py`` accepts: a block is ``{kind: body}``, a list (a chain), or a
bare kind name when the kind has no required field; a body is a fields mapping, the short
form (the SHORT field's value alone), or null when no field is required. Cross-field rules
(``__attrs_post_init__`` checks) are left to the loader.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import attrs

from .base import KINDS, Block
from .definitions import TYPE_SCHEMA
from .model import ModelSpec
from .recurrent import RecurrentLayer
from .rules import Either, Instance, MapOf, Maybe, Rule, TupleOf, doc_name
from .values import SCHEMAS

DRAFT = "https://json-schema.org/draft/2020-12/schema"


UNBOUND = {"$ref": "#/$defs/Unbound"}


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a model document, for editors and validators. A value not fixed
    here (``$param``, see ``values.SCHEMAS``) is accepted in every field and block position."""
    from ..plugins import discover

    discover()
    block = _block_schema(KINDS, chains=True)
    block["anyOf"].append(UNBOUND)
    defs: dict[str, Any] = {
        "Block": block,
        "Unbound": {"description": "a value given later", "anyOf": list(SCHEMAS)},
        "RecurrentLayer": _block_schema(
            {k: c for k, c in KINDS.items() if issubclass(c, RecurrentLayer)}, chains=False),
    }
    for cls in KINDS.values():
        defs[cls.__name__] = _body_schema(cls)
    for cls in _data_classes():
        defs[cls.__name__] = _fields_schema(cls)
    defs["ParamType"] = TYPE_SCHEMA
    top = defs.pop(ModelSpec.__name__)
    top["anyOf"] = [{"required": ["body"]}, {"required": ["nodes"]}]
    return {"$schema": DRAFT, "title": "hybridspec model document", **top, "$defs": defs}


def _block_schema(kinds: dict[str, type[Block]], chains: bool) -> dict[str, Any]:
    """A one-key mapping ``{kind: body}``, a bare kind name, or (chains) a list of blocks."""
    one_key = {"type": "object", "minProperties": 1, "maxProperties": 1,
               "properties": {k: {"$ref": f"#/$defs/{c.__name__}", "description": _doc(c)}
                              for k, c in kinds.items()},
               "additionalProperties": False}
    options: list[dict[str, Any]] = [one_key]
    bare = [k for k, c in kinds.items() if not _required(c)]
    if bare:
        options.append({"enum": bare})
    if chains:
        options.append({"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/Block"}})
    return {"description": "a block: {kind: fields}, a kind name, or a list (a chain)",
            "anyOf": options}


def _body_schema(cls: type[Block]) -> dict[str, Any]:
    """What may follow a kind key: fields, the short form, or null."""
    options = [_fields_schema(cls)]
    if cls.SHORT:
        options.append(open_schema(attrs.fields_dict(cls)[cls.SHORT].metadata["rule"].schema))
    if not _required(cls):
        options.append({"type": "null"})
    return {"description": _doc(cls), "anyOf": options}


def _fields_schema(cls: type) -> dict[str, Any]:
    """A closed mapping of the class's fields, keyed as in documents."""
    properties = {doc_name(a): _property(a) for a in attrs.fields(cls)}
    schema: dict[str, Any] = {"type": "object", "properties": properties,
                              "additionalProperties": False}
    if not issubclass(cls, Block):
        schema = {"description": _doc(cls), **schema}
    if _required(cls):
        schema["required"] = _required(cls)
    return schema


def _property(a: attrs.Attribute) -> dict[str, Any]:
    schema: dict[str, Any] = {"description": a.metadata["doc"],
                              "anyOf": [_open(a.metadata["rule"].schema), UNBOUND]}
    default: Any = a.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        default = default.factory()
    if default is not attrs.NOTHING and _is_plain(default):
        schema["default"] = list(default) if isinstance(default, tuple) else default
    return schema


def open_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A field's schema that also accepts an unbound value wherever a value goes."""
    return {"anyOf": [_open(schema), UNBOUND]}


def _open(schema: Any) -> Any:
    """A copy of ``schema`` whose list items and mapping values may be unbound too."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    for key in ("items", "additionalProperties"):
        if isinstance(out.get(key), dict):
            out[key] = open_schema(out[key])
    if "anyOf" in out:
        out["anyOf"] = [_open(s) for s in out["anyOf"]]
    return out


def _is_plain(value: Any) -> bool:
    if isinstance(value, tuple | list):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(_is_plain(v) for v in value.values())
    return value is None or isinstance(value, bool | int | float | str)


def _required(cls: type) -> list[str]:
    return [doc_name(a) for a in attrs.fields(cls) if a.default is attrs.NOTHING]


def _doc(cls: type) -> str:
    return " ".join((inspect.getdoc(cls) or "").split("\n\n")[0].split()).replace("``", "`")


def _data_classes() -> list[type]:
    """ModelSpec and the non-block attrs classes its fields and the blocks' fields refer to."""
    found: list[type] = [ModelSpec]
    todo: list[type] = [ModelSpec, *KINDS.values()]
    while todo:
        for a in attrs.fields(todo.pop()):
            for rule in _walk(a.metadata["rule"]):
                cls = rule.cls if isinstance(rule, Instance) else None
                if cls and attrs.has(cls) and not issubclass(cls, Block) and cls not in found:
                    found.append(cls)
                    todo.append(cls)
    return found


def _walk(rule: Rule) -> Iterator[Rule]:
    """A rule and the rules nested in it."""
    yield rule
    inner: list[Rule] = []
    if isinstance(rule, Maybe):
        inner = [rule.inner]
    elif isinstance(rule, Either):
        inner = list(rule.options)
    elif isinstance(rule, TupleOf | MapOf):
        inner = [rule.item]
    for r in inner:
        yield from _walk(r)
