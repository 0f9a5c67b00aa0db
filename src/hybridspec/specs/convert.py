"""The cattrs converter: strict structuring with document paths, and short-form unstructuring.

cattrs's default hooks coerce ("12" to 12, true to 1) and ignore unknown keys. Here every
primitive passes through untouched so that the field rules judge it, unknown keys are
errors, and every failure becomes one SpecError whose path is the place in the document.
Every hook first tries ``values.PARSERS``, so an unbound value (``$name``, a search node)
may stand in any field or block position; ``KIND_HOOKS`` lets kinds that are not
registered classes (a document's definitions) be structured where a block goes.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, Union, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    BaseValidationError,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, override

from .base import KINDS, Block
from .compose import Chain
from .errors import SpecError, join_path
from .rules import Instance, closest, doc_name
from .values import Unbound, parse
from .values import to_data as unbound_data

converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)

KIND_HOOKS: list[Callable[[str], Callable[[Any], Block] | None]] = []
"""Functions ``kind -> structure(body) | None`` consulted for a kind not in KINDS."""
KIND_NAMES: list[Callable[[], list[str]]] = []
"""Functions giving the names KIND_HOOKS know now (for "did you mean" hints)."""


def doc_keys(cls: type) -> list[str]:
    return [doc_name(a) for a in attrs.fields(cls)]


def _renames(cls: type) -> dict[str, Any]:
    return {a.name: override(rename=doc_name(a)) for a in attrs.fields(cls) if doc_name(a) != a.name}


@cache
def _structure_fn(cls: type) -> Any:
    return make_dict_structure_fn(cls, converter, _cattrs_forbid_extra_keys=True, **_renames(cls))


def to_spec_error(exc: BaseException, path: str = "") -> SpecError:
    """The first failure inside a (possibly grouped) cattrs error, as a SpecError."""
    if isinstance(exc, SpecError):
        return exc.within(path)
    if isinstance(exc, ForbiddenExtraKeysError):
        key = sorted(exc.extra_fields)[0]
        return SpecError(join_path(path, str(key)), f"unknown key.{key_hint(exc.cl, str(key))}")
    if isinstance(exc, ClassValidationError | IterableValidationError):
        with_notes, without = exc.group_exceptions()
        for inner, note in with_notes:
            if isinstance(note, AttributeValidationNote):
                step = note.name
            elif isinstance(note, IterableValidationNote):
                step = f"[{note.index}]" if isinstance(note.index, int) else str(note.index)
            else:
                step = ""
            return to_spec_error(inner, join_path(path, step))
        if without:
            return to_spec_error(without[0], path)
    if isinstance(exc, KeyError):
        return SpecError(path, "is required")
    return SpecError(path, str(exc))


def _structure_fields(body: Mapping[str, Any], cls: type) -> Any:
    """Structure a fields mapping; an unknown key is reported before anything else."""
    keys = doc_keys(cls)
    for key in body:
        if key not in keys:
            raise SpecError(str(key), f"unknown key.{key_hint(cls, str(key))}")
    return _structure_fn(cls)(dict(body), cls)


NODE_KEYS = ("return_state", "initial_state", "share")


def key_hint(cls: type, key: str) -> str:
    """Why ``key`` is not a key of ``cls``, in Keras's terms where that helps."""
    keys, kind = doc_keys(cls), getattr(cls, "KIND", "")
    if _is_block_type(cls):
        from ..coverage import arg_hint

        if hint := arg_hint(cls, key):
            return hint
        if key in NODE_KEYS:
            return (f" {key} is set on the graph node, not on the layer: nodes: {{NAME: "
                    f"{{from: ..., block: {{{kind}: ...}}, {key}: ...}}}}.")
        for inner in _wrapped_block_fields(cls):
            if key in doc_keys(inner):
                return (f" {key} is a field of the wrapped layer: move it inside, e.g. "
                        f"{kind}: {{lstm: {{units: 64, {key}: ...}}}}.")
    return closest(key, keys) or f" Valid keys: {', '.join(keys) or 'none'}."


def _wrapped_block_fields(cls: type) -> list[type]:
    """The block classes that fields of ``cls`` hold directly (bidirectional's layer)."""
    rules = [a.metadata.get("rule") for a in attrs.fields(cls)]
    wrapped = [r.cls for r in rules if isinstance(r, Instance) and _is_block_type(r.cls) and r.cls is not Block]
    return [kind for kind in KINDS.values() if issubclass(kind, tuple(wrapped))] if wrapped else []


def _guarded(fn: Any, value: Any, path: str) -> Any:
    try:
        return fn(value)
    except (SpecError, BaseValidationError, KeyError, TypeError) as exc:
        raise to_spec_error(exc, path) from None


def structure_body(body: Any, cls: type[Block]) -> Block:
    """Structure the value under a block's kind key (fields mapping or short form)."""
    keys = doc_keys(cls)
    if body is None:
        body = {}
    if _is_short(cls, body) and isinstance(body, Mapping) and len(body) > 1:
        body = _short_with_fields(cls, body)
    if _is_short(cls, body):
        try:
            return _guarded(lambda b: _structure_fields({str(cls.SHORT): b}, cls), body, "")
        except SpecError as err:  # the user wrote no SHORT key, so the path has none
            short = str(cls.SHORT)
            if err.path == short or err.path.startswith((short + ".", short + "[")):
                raise SpecError(err.path[len(short):].lstrip("."), err.message) from None
            raise
    if not isinstance(body, Mapping):
        raise SpecError("", f"must be a mapping of {cls.KIND} fields ({', '.join(keys) or 'none'}), got {body!r}")
    return _guarded(lambda b: _structure_fields(b, cls), body, "")


def _short_with_fields(cls: type[Block], body: Mapping[str, Any]) -> Any:
    """``{gru: 64, merge_mode: sum}``: a short form (the one kind key) beside the block's own
    fields; a field of the wrapped block is refused with a hint to move it inside."""
    kinds = [k for k in body if k in KINDS]
    if len(kinds) != 1:
        return body
    (kind,) = kinds
    for key in body:
        if key != kind and key not in doc_keys(cls):
            raise SpecError(str(key), f"unknown key.{key_hint(cls, str(key))}")
    return {str(cls.SHORT): {kind: body[kind]}, **{k: v for k, v in body.items() if k != kind}}


def _is_short(cls: type[Block], body: Any) -> bool:
    """Whether ``body`` is the short form: the value of the SHORT field alone."""
    if not cls.SHORT:
        return False
    if not isinstance(body, Mapping) or parse(body) is not None:
        return True
    short = attrs.fields_dict(cls)[cls.SHORT].metadata["rule"]
    return isinstance(short, Instance) and cls.SHORT not in body and not set(body) <= set(doc_keys(cls))


def _extra_kind(kind: Any) -> Callable[[Any], Block] | None:
    for hook in KIND_HOOKS:
        found = hook(kind) if isinstance(kind, str) else None
        if found is not None:
            return found
    return None


def structure_block(value: Any, cls: type = Block) -> Block:
    """A block from its document form: ``{kind: body}``, a bare kind name, or a list (chain)."""
    unbound = parse(value)
    if unbound is not None:
        return unbound
    if cls in KINDS.values():
        return structure_body(value, cls)
    if isinstance(value, list):
        if not value:
            raise SpecError("", "a chain needs at least one block, got []")
        blocks = tuple(_guarded(structure_block, v, f"[{i}]") for i, v in enumerate(value))
        return _guarded(lambda b: Chain(blocks=b), blocks, "")
    if isinstance(value, str) and _known(value):
        return _guarded(lambda v: structure_body({}, KINDS[v]), value, value)
    if isinstance(value, str) and _extra_kind(value):
        return _guarded(_extra_kind(value), None, value)  # type: ignore[arg-type]
    if not isinstance(value, Mapping) or len(value) != 1:
        shown = f"keys {', '.join(map(str, value))}" if isinstance(value, Mapping) else repr(value)
        raise SpecError("", f"a block is a mapping with one key, its kind, or a list of blocks; got {shown}")
    (kind, body), = value.items()
    extra = _extra_kind(kind) if kind not in KINDS else None
    if extra is not None:
        return _guarded(extra, body, kind)
    if not _known(kind):
        raise SpecError("", f"unknown block kind {kind!r}.{kind_hint(str(kind))}")
    return _guarded(lambda b: structure_body(b, KINDS[kind]), body, kind)


def _known(kind: Any) -> bool:
    """Whether ``kind`` is registered, looking at installed plugins the first time it is not."""
    if kind in KINDS:
        return True
    from ..plugins import discover  # only for unknown kinds: package metadata is slow to read

    return isinstance(kind, str) and discover() and kind in KINDS


def kind_hint(word: str) -> str:
    """Our kind spelled another way, a Keras class name, a near spelling, or where to look."""
    from ..coverage import _key
    from ..coverage import kind_hint as keras_kind_hint

    known = [*KINDS, *(n for names in KIND_NAMES for n in names())]  # definitions too
    same = [k for k in known if _key(k) == _key(word)]
    if same:
        return f" Did you mean '{same[0]}'?"
    return (keras_kind_hint(word) or closest(word, known)
            or " See docs/keras.md for every Keras layer and its kind here.")


def unstructure_block(spec: Block) -> Any:
    """The shortest document form of a block (``to_data()`` where the block defines it)."""
    if callable(getattr(spec, "to_data", None)):
        return spec.to_data()  # type: ignore[attr-defined]
    body = unstructure_body(spec)
    if isinstance(spec, Chain) and isinstance(body, list):  # no name or trainable: a plain list
        return body
    return spec.KIND if body == {} else {spec.KIND: body}


def unstructure_body(spec: Block) -> Any:
    """A block's fields (defaults left out), or its short form when only SHORT is set."""
    if isinstance(spec, Unbound):
        return spec.to_data()
    cls = type(spec)
    body = unstructure_fields(spec)
    if cls.SHORT and list(body) == [cls.SHORT] and body[cls.SHORT] is not None:
        if _is_short(cls, body[cls.SHORT]):
            return body[cls.SHORT]
    return body


def default_of(a: attrs.Attribute) -> Any:
    """A field's default value (attrs.NOTHING when it has none)."""
    return a.default.factory() if isinstance(a.default, attrs.Factory) else a.default  # type: ignore[arg-type,union-attr]


def unstructure_fields(obj: Any) -> dict[str, Any]:
    """An attrs spec as a mapping of its non-default fields, keyed as in documents."""
    out = {}
    for a in attrs.fields(type(obj)):
        value = getattr(obj, a.name)
        default = default_of(a)
        if a.default is not attrs.NOTHING and value == default and type(value) is type(default):
            continue
        out[doc_name(a)] = _concrete_body(value) if concrete(a) else _plain(value)
    return out


def _concrete_body(spec: Any) -> Any:
    """The body of a block in a field of its own kind (``merge: concat``); as a mapping where
    its short form would be a parameter (``merge: {mode: $how}``), as ``merge: $how`` binds the
    whole block."""
    if isinstance(spec, Block) and spec.SHORT and isinstance(getattr(spec, spec.SHORT), Unbound):
        return unstructure_fields(spec)
    return unstructure_body(spec)


def concrete(a: attrs.Attribute) -> bool:
    """Whether a field holds one block kind, written as its body without the kind key."""
    return a.type in KINDS.values() or a.type in {c.__name__ for c in KINDS.values()}


_CONCRETE: dict[tuple[type, str], bool] = {}


def _concrete_field(cls: type, name: str) -> bool:
    key = (cls, name)
    if key not in _CONCRETE:
        _CONCRETE[key] = concrete(attrs.fields_dict(cls)[name])
    return _CONCRETE[key]


def field_path(spec: Any, base: str, a: attrs.Attribute) -> str:
    """The path of ``spec``'s field ``a`` when ``spec``'s fields are at ``base``: a block
    written in its short form (only SHORT set) has no key for the field."""
    if a.metadata.get("inline"):
        return base
    if isinstance(spec, Block) and spec.SHORT == a.name and all(
            b.name == a.name or getattr(spec, b.name) == default_of(b) for b in attrs.fields(type(spec))):
        return base
    return join_path(base, doc_name(a))


def _plain(value: Any) -> Any:
    if isinstance(value, Unbound | str):
        return unbound_data(value)
    if callable(getattr(value, "to_data", None)):
        return value.to_data()
    if isinstance(value, Block):
        return unstructure_block(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if attrs.has(type(value)):
        return unstructure_fields(value)
    return value


def _is_block_type(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, Block)


def _is_union(t: Any) -> bool:
    return get_origin(t) in (Union, types.UnionType)


def _structure_union(value: Any, t: Any) -> Any:
    if value is None:
        return None
    for member in get_args(t):
        if get_origin(member) is tuple and isinstance(value, list | tuple):
            return converter.structure(value, member)
        if _is_block_type(member) and isinstance(value, Mapping | list | str):
            return structure_block(value, member)
        if attrs.has(member) and isinstance(value, Mapping):
            return converter.structure(value, member)
    return value


def _structure_tuple(value: Any, t: Any) -> Any:
    if not isinstance(value, list | tuple):
        return value
    (item, *rest) = get_args(t)
    types_ = [item] * len(value) if rest == [Ellipsis] else list(get_args(t))
    return tuple(_guarded(lambda v, tt=tt: converter.structure(v, tt), v, f"[{i}]")
                 for i, (v, tt) in enumerate(zip(value, types_, strict=False)))


def _structure_dict(value: Any, t: Any) -> Any:
    if not isinstance(value, Mapping):
        return value
    _, vt = get_args(t)
    return {k: _guarded(lambda v: converter.structure(v, vt), v, str(k)) for k, v in value.items()}


def _structure_attrs(value: Any, cls: type) -> Any:
    if not isinstance(value, Mapping):
        raise SpecError("", f"must be a mapping with keys {', '.join(doc_keys(cls))}, got {value!r}")
    return _guarded(lambda v: _structure_fields(v, cls), value, "")


def unbound_first(hook: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """A structure hook that first reads an unbound value (``$name``, a search node)."""
    def structure(value: Any, t: Any) -> Any:
        found = parse(value)
        return hook(value, t) if found is None else found
    return structure


for _primitive in (int, float, str, bool):
    converter.register_structure_hook(_primitive, unbound_first(lambda v, _: v))
converter.register_structure_hook_func(_is_union, unbound_first(_structure_union))
converter.register_structure_hook_func(lambda t: get_origin(t) is tuple, unbound_first(_structure_tuple))
converter.register_structure_hook_func(lambda t: get_origin(t) is dict, unbound_first(_structure_dict))
converter.register_structure_hook_func(_is_block_type, lambda v, t: structure_block(v, t))
converter.register_structure_hook_func(
    lambda t: attrs.has(t) and not _is_block_type(t), unbound_first(_structure_attrs))
