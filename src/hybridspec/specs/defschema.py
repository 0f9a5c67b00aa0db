"""The JSON Schema of one document: the general schema plus the kinds it defines and includes."""

from __future__ import annotations

import os
from typing import Any

from .definitions import Definition, ParamSpec
from .library import library
from .schema import UNBOUND, json_schema, open_schema

TYPES = {"int": {"type": "integer"}, "float": {"type": "number"}, "bool": {"type": "boolean"},
         "str": {"type": "string"}, "block": {"$ref": "#/$defs/Block"}}


def _type_schema(type_: str) -> dict[str, Any]:
    if type_.startswith("list["):
        return {"type": "array", "items": {"anyOf": [_type_schema(type_[5:-1]), UNBOUND]}}
    return TYPES[type_]


def _param(param: ParamSpec) -> dict[str, Any]:
    shown = "required" if param.required else f"default {param.default!r}"
    return {"description": f"{param.type}, {shown}", **open_schema(_type_schema(param.type))}


def use_schema(name: str, definition: Definition) -> dict[str, Any]:
    """What may follow a defined kind's key: its arguments, or null when none is required."""
    required = [n for n, p in definition.params.items() if p.required]
    args = {"type": "object", "additionalProperties": False,
            "properties": {n: _param(p) for n, p in definition.params.items()}}
    if required:
        args["required"] = required
    options: list[dict[str, Any]] = [args] if required else [args, {"type": "null"}]
    return {"description": definition.doc or f"a use of {name}", "anyOf": options}


def document_schema(path: str | os.PathLike[str]) -> dict[str, Any]:
    """``json_schema()`` extended with the definitions ``path`` sees, so an editor completes
    and checks their uses."""
    schema = json_schema()
    block = schema["$defs"]["Block"]
    kinds, bare = block["anyOf"][0]["properties"], block["anyOf"][1]["enum"]
    for name, definition in library(path).items():
        schema["$defs"][f"use.{name}"] = use_schema(name, definition)
        kinds[name] = {"$ref": f"#/$defs/use.{name}", "description": definition.doc or f"defined {name}"}
        if not any(p.required for p in definition.params.values()):
            bare.append(name)
    return schema
