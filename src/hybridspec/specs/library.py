"""The definitions a document sees: its own ``define:`` and those of its ``include:`` files.

An include is a local YAML or JSON document holding ``define:`` (and maybe ``include:``),
named relative to the including document and never outside the main document's folder
tree: absolute paths, ``..``, URLs, include cycles and nesting deeper than ``MAX_DEPTH``
are refused. Each file sees its own definitions and its includes'. Definitions are
structured in dependency order while a document loads; a cycle is a SpecError naming it.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs

from .base import Block
from .convert import KIND_HOOKS, KIND_NAMES, _guarded, _structure_attrs, converter
from .definitions import (
    Definition,
    IncludePath,
    ParamSpec,
    structure_use,
    structure_value,
    type_from_data,
)
from .errors import SpecError, join_path

MAX_DEPTH = 8


class _Absolute(SpecError):
    """An error inside a definition: its path is already from the document's top."""

    def within(self, outer: str) -> SpecError:
        return self


@attrs.define
class _Entry:
    name: str
    data: Any
    where: str  # "" for the main document, else the include's path
    scope: _Scope
    done: Definition | None = None


@attrs.define
class _Scope:
    entries: dict[str, _Entry] = attrs.Factory(dict)


_CURRENT: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar("definitions", default=None)
_ACTIVE: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("active", default=())


def _fail(entry: _Entry, err: SpecError) -> _Absolute:
    path = join_path(f"define.{entry.name}", err.path)
    where = f" (in {entry.where})" if entry.where else ""
    return _Absolute(path, err.message + where, err.kind)


def _definition(entry: _Entry) -> Definition:
    """An entry structured once, in the scope of the file that writes it."""
    if entry.done is not None:
        return entry.done
    active = _ACTIVE.get()
    if entry.name in active:
        cycle = [*active[active.index(entry.name):], entry.name]
        raise _Absolute(f"define.{cycle[0]}", "definitions form a cycle: " + " -> ".join(cycle))
    scope_token, active_token = _CURRENT.set(entry.scope), _ACTIVE.set((*active, entry.name))
    try:
        entry.done = _structure_definition(entry.data)
    except _Absolute:
        raise
    except SpecError as err:
        raise _fail(entry, err) from None
    finally:
        _CURRENT.reset(scope_token)
        _ACTIVE.reset(active_token)
    return entry.done


def _structure_definition(data: Any, _: Any = None) -> Definition:
    if not isinstance(data, Mapping):
        raise SpecError("", f"a definition is a mapping with params and block, got {data!r}")
    return _guarded(lambda d: _structure_attrs(d, Definition), data, "")  # type: ignore[no-any-return]


def _structure_param(data: Any, _: Any = None) -> ParamSpec:
    if isinstance(data, str | list):
        return _guarded(lambda t: ParamSpec(type_from_data(t)), data, "")  # type: ignore[no-any-return]
    if not isinstance(data, Mapping) or set(data) - {"type", "default"} or "type" not in data:
        raise SpecError("", f"a parameter is a type such as int, or {{type: int, default: 3}}; got {data!r}")
    from .definitions import TypeName

    type_ = type_from_data(data["type"])
    found = TypeName().problem(type_)
    if found is not None:
        raise SpecError("type", found[1])
    if "default" not in data:
        return ParamSpec(type_)
    default = _guarded(lambda d: structure_value(type_, d), data["default"], "default")
    return _guarded(lambda d: ParamSpec(type_, d), default, "")  # type: ignore[no-any-return]


def _use_hook(kind: str) -> Callable[[Any], Block] | None:
    scope = _CURRENT.get()
    entry = scope.entries.get(kind) if scope else None
    if entry is None:
        return None
    definition = _definition(entry)
    return lambda body: structure_use(kind, definition, body)


def _own_definitions(data: Any, _: Any) -> dict[str, Definition]:
    """The main document's own definitions, already structured while it loads."""
    scope = _CURRENT.get()
    if scope is None or not isinstance(data, Mapping):
        return _guarded(lambda d: {k: _structure_definition(v) for k, v in d.items()}, data, "")  # type: ignore[no-any-return]
    return {name: _definition(scope.entries[name]) for name in data}


def _read(path: Path) -> Any:
    from .documents import parse

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError("", f"cannot read the included file: {exc.strerror or exc}") from None
    return parse(text, "json" if path.suffix.lower() == ".json" else "yaml")


def _scope(data: Mapping[str, Any], folder: Path, root: Path, chain: tuple[Path, ...],
           where: str) -> _Scope:
    """A file's scope: its includes' definitions, then its own (names must not repeat)."""
    scope = _Scope()
    includes = data.get("include") or []
    if not isinstance(includes, list):
        raise SpecError("include", f"must be a list of relative paths, got {includes!r}")
    for i, name in enumerate(includes):
        at = f"include[{i}]"
        found = IncludePath().problem(name)
        if found is not None:
            raise SpecError(at, found[1])
        path = (folder / name).resolve()
        if not path.is_relative_to(root):
            raise SpecError(at, f"{name!r} leaves the document's folder {root}")
        if path in chain:
            names = [str(p.relative_to(root)) for p in (*chain[1:], path)]
            raise SpecError(at, "includes form a cycle: " + " -> ".join(["(document)", *names]))
        if len(chain) > MAX_DEPTH:
            raise SpecError(at, f"includes nest deeper than {MAX_DEPTH} files")
        label = str(path.relative_to(root))
        included = _guarded(_read, path, at)
        if not isinstance(included, Mapping) or set(included) - {"include", "define"}:
            raise SpecError(at, f"{label}: an included document holds only define and include")
        inner = _guarded(lambda d, p=path, lab=label: _scope(d, p.parent, root, (*chain, p), lab),
                         included, at)
        for entry in inner.entries.values():
            _add(scope, entry, at)
    own = data.get("define") or {}
    if not isinstance(own, Mapping):
        raise SpecError("define", f"must be a mapping of names to definitions, got {own!r}")
    for kind, body in own.items():
        _add(scope, _Entry(str(kind), body, where, scope), f"define.{kind}")
    return scope


def _add(scope: _Scope, entry: _Entry, at: str) -> None:
    from .base import KINDS
    from .rules import Name

    if Name().problem(entry.name) is not None or entry.name in KINDS:
        why = "is a built-in kind" if entry.name in KINDS else f"must be {Name.describe}"
        raise SpecError(at, f"definition name {entry.name!r} {why}")
    old = scope.entries.get(entry.name)
    if old is not None and old.where == entry.where:
        return  # one file included along two paths
    if old is not None:
        places = " and ".join(w or "this document" for w in (old.where, entry.where))
        raise SpecError(at, f"{entry.name} is defined twice ({places})")
    scope.entries[entry.name] = entry


@contextmanager
def definitions_of(data: Mapping[str, Any], folder: Path | None) -> Iterator[None]:
    """While a document loads: its definitions (and its includes') are the kinds it may use."""
    root = (folder or Path.cwd()).resolve()
    scope = _scope(data, root, root, (root / "(document)",), "")
    token = _CURRENT.set(scope)
    try:
        for entry in scope.entries.values():
            _definition(entry)
        yield
    finally:
        _CURRENT.reset(token)


def library(path: str | os.PathLike[str]) -> dict[str, Definition]:
    """Every definition a document file sees (its own and its includes'), by name."""
    path = Path(path)
    data = _read(path)
    if not isinstance(data, Mapping):
        return {}
    with definitions_of(data, path.parent):
        scope = _CURRENT.get()
        assert scope is not None
        return {name: _definition(e) for name, e in scope.entries.items()}


def _names() -> list[str]:
    scope = _CURRENT.get()
    return list(scope.entries) if scope else []


KIND_HOOKS.append(_use_hook)
KIND_NAMES.append(_names)
converter.register_structure_hook(Definition, _structure_definition)
converter.register_structure_hook(ParamSpec, _structure_param)
converter.register_structure_hook_func(lambda t: t == dict[str, Definition], _own_definitions)
