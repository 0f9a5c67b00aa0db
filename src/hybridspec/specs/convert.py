"""The cattrs converter: strict structuring with document paths, and short-form unstructuring.

cattrs's default hooks coerce ("12" to 12, true to 1) and ignore unknown keys. Here every
primitive passes through untouched so that the field rules judge it, unknown keys are
errors, and every failure becomes one SpecError whose path is the place in the document.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
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

converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)


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
    return [r.cls for r in rules if isinstance(r, Instance) and _is_block_type(r.cls) and r.cls is not Block]


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
    if not isinstance(body, Mapping):
        return True
    short = attrs.fields_dict(cls)[cls.SHORT].metadata["rule"]
    return isinstance(short, Instance) and cls.SHORT not in body and not set(body) <= set(doc_keys(cls))


def structure_block(value: Any, cls: type = Block) -> Block:
    """A block from its document form: ``{kind: body}``, a bare kind name, or a list (chain)."""
    if cls in KINDS.values():
        return structure_body(value, cls)
    if isinstance(value, list):
        if not value:
            raise SpecError("", "a chain needs at least one block, got []")
        blocks = tuple(_guarded(structure_block, v, f"[{i}]") for i, v in enumerate(value))
        return _guarded(lambda b: Chain(blocks=b), blocks, "")
    if isinstance(value, str) and _known(value):
        return _guarded(lambda v: structure_body({}, KINDS[v]), value, value)
    if not isinstance(value, Mapping) or len(value) != 1:
        shown = f"keys {', '.join(map(str, value))}" if isinstance(value, Mapping) else repr(value)
        raise SpecError("", f"a block is a mapping with one key, its kind, or a list of blocks; got {shown}")
    (kind, body), = value.items()
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

    same = [k for k in KINDS if _key(k) == _key(word)]
    if same:
        return f" Did you mean '{same[0]}'?"
    return (keras_kind_hint(word) or closest(word, list(KINDS))
            or " See docs/keras.md for every Keras layer and its kind here.")


def unstructure_block(spec: Block) -> Any:
    """The shortest document form of a block."""
    if isinstance(spec, Chain):
        return [unstructure_block(b) for b in spec.blocks]
    body = unstructure_body(spec)
    return spec.KIND if body == {} else {spec.KIND: body}


def unstructure_body(spec: Block) -> Any:
    """A block's fields (defaults left out), or its short form when only SHORT is set."""
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
        concrete = a.type in KINDS.values() or a.type in {c.__name__ for c in KINDS.values()}
        out[doc_name(a)] = unstructure_body(value) if concrete else _plain(value)
    return out


def _plain(value: Any) -> Any:
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


for _primitive in (int, float, str, bool):
    converter.register_structure_hook(_primitive, lambda v, _: v)
converter.register_structure_hook_func(_is_union, _structure_union)
converter.register_structure_hook_func(lambda t: get_origin(t) is tuple, _structure_tuple)
converter.register_structure_hook_func(lambda t: get_origin(t) is dict, _structure_dict)
converter.register_structure_hook_func(_is_block_type, lambda v, t: structure_block(v, t))
converter.register_structure_hook_func(
    lambda t: attrs.has(t) and not _is_block_type(t), _structure_attrs)
