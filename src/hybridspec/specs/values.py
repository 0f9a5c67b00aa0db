"""Values not fixed in the document: definition parameters (``$name``) and search nodes.

``Unbound`` is the one representation of "a value bound later". A field holding one is
accepted by its Rule when ``problem_under(rule)`` says so (every ``Rule.problem`` delegates
to it), a cross-field check (``__attrs_post_init__``) that fails on a spec holding one waits
until the spec is bound (``tolerant``), and the document writes it back with ``to_data()``,
so ``loads(dumps(s)) == s``.

- ``PARSERS``: functions ``data -> Unbound | None``, tried first wherever the converter
  structures a field value or a block (so ``$body`` may stand for a whole sub-block). A
  module adding a form appends its parser (``hybridspec.specs.search`` adds the search nodes).
- ``find(spec)``: every unbound value with its canonical document path
  (``body[1].dense.units``), outside definitions and outside the names a scope binds
  (a repeat's ``for``).
- ``bind(spec, lookup)``: ``lookup(path, unbound)`` gives each found value its value (or
  returns the unbound value itself to leave it); the spec is rebuilt and re-validated, and a
  bound value that breaks a rule is a SpecError naming the path.
- ``ensure_bound(spec)``: the hook ``check`` calls first; it refuses unbound values.
- ``SCHEMAS``: the JSON Schema of each form; the document schema accepts them in every field.

Specs steer the traversal: an ``Opaque`` class (a definition) is not entered, a field with
metadata ``bound: False`` is skipped, ``inline: True`` adds no key to paths (a use's
arguments), and a ``scope(field) -> names`` method binds parameters inside that field (a
repeat's ``for``). A literal string starting with ``$`` is written ``$$...``.
"""

from __future__ import annotations

import functools
import re
import typing
from collections.abc import Callable
from functools import wraps
from typing import Any, ClassVar

import attrs

from .errors import SpecError, join_path


@attrs.frozen
class Unbound:
    """Base of the values not fixed here. Subclasses define ``to_data`` and may refine
    ``problem_under`` (a search node checks its options against the rule)."""

    def problem_under(self, rule: Any) -> tuple[str, str] | None:
        """(sub-path, message) when this value can never satisfy ``rule``, else None."""
        return None

    def to_data(self) -> Any:
        raise NotImplementedError

    def describe(self) -> str:
        """How messages show it."""
        return repr(self.to_data())


PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


@attrs.frozen
class Param(Unbound):
    """A definition's or a repeat's parameter, written ``$name``; its type is checked when
    it is bound."""

    name: str = attrs.field()

    @name.validator
    def _identifier(self, attribute: attrs.Attribute, value: Any) -> None:
        if not (isinstance(value, str) and PARAM.fullmatch("$" + value)):
            raise SpecError("", f"a parameter name is letters, digits and underscores, got {value!r}")

    def to_data(self) -> str:
        return f"${self.name}"

    def describe(self) -> str:
        return f"${self.name}"


def param(name: str) -> Any:
    """``Param(name)``, typed as Any so that type checkers let it stand in any field."""
    return Param(name)


def _parse_param(data: Any) -> Unbound | None:
    match = PARAM.fullmatch(data) if isinstance(data, str) else None
    return Param(match[1]) if match else None


PARSERS: list[Callable[[Any], Unbound | None]] = [_parse_param]
SCHEMAS: list[dict[str, Any]] = [
    {"type": "string", "pattern": "^\\$[A-Za-z_][A-Za-z0-9_]*$", "description": "$name: a parameter"}]
"""The JSON Schema of each unbound form (a module adding a parser adds its schema)."""


def parse(data: Any) -> Any:
    """The Unbound that ``data`` writes, a ``$$``-escaped string unescaped, or None."""
    if isinstance(data, str) and data.startswith("$$"):
        return data[1:]
    for parser in PARSERS:
        found = parser(data)
        if found is not None:
            return found
    return None


def to_data(value: Any) -> Any:
    """An Unbound's document form; a literal string starting with ``$`` escaped as ``$$``."""
    if isinstance(value, Unbound):
        return value.to_data()
    if isinstance(value, str) and value.startswith("$"):
        return "$" + value
    return value


PLAIN = (int, float, str, bool, type(None))


_FIELDS: dict[type, tuple[attrs.Attribute, ...]] = {}


def spec_fields(cls: type) -> tuple[attrs.Attribute, ...]:
    """The fields find, bind and the unbound scan enter (empty for plain values and for the
    specs they do not enter: unbound values, definitions)."""
    found = _FIELDS.get(cls)
    if found is None:
        entered = attrs.has(cls) and not issubclass(cls, Unbound) and not getattr(cls, "OPAQUE", False)
        found = tuple(a for a in attrs.fields(cls) if a.metadata.get("bound", True)) if entered else ()
        _FIELDS[cls] = found
    return found


def holds_unbound(value: Any, bound: frozenset[str] = frozenset()) -> bool:
    """Whether a spec holds an unbound value anywhere (a cross-field check may read a nested
    field, as bidirectional reads its layer's go_backwards), not counting the parameters
    ``bound`` and those a scope inside binds (a repeat's ``for``); definitions are not entered."""
    todo = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, PLAIN):
            continue
        if isinstance(item, tuple):
            todo.extend(item)
        elif isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, Unbound):
            if not (isinstance(item, Param) and item.name in bound):
                return True
        elif callable(scope := getattr(item, "scope", None)):
            if any(holds_unbound(getattr(item, a.name), bound | scope(a.name)) for a in spec_fields(type(item))):
                return True
        else:
            todo.extend([getattr(item, a.name) for a in spec_fields(type(item))])
    return False


def tolerant(cls: type) -> type:
    """Make ``cls``'s cross-field checks wait while it holds unbound values: a check that
    fails then is judged again when the bound spec is built. Idempotent; the Block base
    applies it to every kind."""
    post = cls.__dict__.get("__attrs_post_init__")
    if post is None or getattr(post, "_tolerant", False):
        return cls

    @wraps(post)
    def __attrs_post_init__(self: Any) -> None:
        try:
            post(self)
        except Exception:
            if not holds_unbound(self):  # only a spec without unbound values is judged now
                raise

    __attrs_post_init__._tolerant = True  # type: ignore[attr-defined]
    cls.__attrs_post_init__ = __attrs_post_init__  # type: ignore[attr-defined]
    return cls


class Opaque:
    """Mixin for specs that find and bind do not enter (a definition: its parameters are
    bound at each use)."""

    OPAQUE: ClassVar[bool] = True


Lookup = Callable[[str, Unbound], Any]


def find(spec: Any, path: str = "") -> list[tuple[str, Unbound]]:
    """Every unbound value in ``spec`` (a ModelSpec, block or any field value) with its path."""
    found: list[tuple[str, Unbound]] = []

    def note(where: str, value: Unbound) -> Unbound:
        found.append((where, value))
        return value

    _bind(spec, path, note, frozenset(), in_block=True)
    return found


def bind(spec: Any, lookup: Lookup, path: str = "") -> Any:
    """``spec`` with each unbound value found replaced by ``lookup(path, value)``, rebuilt
    and re-validated; a SpecError names the path of a bound value that breaks a rule."""
    return _bind(spec, path, lookup, frozenset(), in_block=True)


def ensure_bound(spec: Any) -> None:
    """Refuse a spec that still has unbound values (``check`` and ``build`` call this first)."""
    if not holds_unbound(spec):
        return
    for path, value in find(spec):
        what = "parameter" if isinstance(value, Param) else "search node"
        raise SpecError(path, f"{value.describe()} is an unbound {what} outside any definition or "
                        "repeat; bind it first (a definition's use or a repeat's for binds "
                        "parameters, a trial binds search nodes)")


def culprit(found: list[tuple[str, Unbound]], path: str) -> str | None:
    """The parameter found at ``path`` or nearest above it, else one in the same spec: the
    one to blame for an error at ``path`` after binding."""
    def within(p: str, prefix: str) -> bool:
        return p == prefix or p.startswith((prefix + ".", prefix + "["))
    params = [(p, u.name) for p, u in found if isinstance(u, Param)]
    for p, name in params:
        if within(path, p):
            return name
    parent = re.split(r"\.(?=[^.]*$)", path)[0]
    return next((name for p, name in params if within(p, parent)), None)


def _bind(value: Any, path: str, lookup: Lookup, scope: frozenset[str], in_block: bool) -> Any:
    if isinstance(value, Unbound):
        if isinstance(value, Param) and value.name in scope:
            return value
        return lookup(path, value)
    if isinstance(value, tuple):
        items = [_bind(v, f"{path}[{i}]", lookup, scope, in_block) for i, v in enumerate(value)]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else tuple(items)
    if isinstance(value, dict):
        new = {k: _bind(v, join_path(path, str(k)), lookup, scope, in_block) for k, v in value.items()}
        return value if all(new[k] is v for k, v in value.items()) else new
    if spec_fields(type(value)):
        return _bind_fields(value, path, lookup, scope, in_block)
    return value


def _bind_fields(spec: Any, path: str, lookup: Lookup, scope: frozenset[str], in_block: bool) -> Any:
    from .base import Block
    from .compose import Chain
    from .convert import _concrete_field, field_path

    if isinstance(spec, Chain) and in_block:
        base = path
    elif isinstance(spec, Block) and in_block:
        base = join_path(path, spec.KIND)
    else:
        base = path
    local = getattr(spec, "scope", None)
    changes = {}
    for a in spec_fields(type(spec)):
        old = getattr(spec, a.name)
        where = base if isinstance(spec, Chain) and in_block else field_path(spec, base, a)
        inner = scope | local(a.name) if callable(local) else scope
        new = _bind(old, where, lookup, inner, in_block=not _concrete_field(type(spec), a.name))
        if isinstance(old, Unbound) and not isinstance(new, Unbound):
            new = _structured(type(spec), a, new)
        if new is not old:
            changes[a.alias or a.name] = new
    if not changes:
        return spec
    kwargs = {a.alias or a.name: getattr(spec, a.name) for a in attrs.fields(type(spec)) if a.init}
    try:
        return type(spec)(**{**kwargs, **changes})
    except SpecError as err:
        raise _short_path(spec, base, err).within(base) from None


def _structured(cls: type, a: attrs.Attribute, value: Any) -> Any:
    """A bound value written as document data (``'concat'``, ``{l2: 0.01}``) as the object its
    field holds (a Merge, a Regularizer); anything else unchanged, for the rule to judge."""
    from .convert import converter

    if not isinstance(value, str | dict | list) or a.metadata["rule"].problem(value) is None:
        return value
    try:
        return converter.structure(value, _hints(cls)[a.name])
    except Exception:  # noqa: BLE001 (the field's rule then names what is wrong)
        return value


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _short_path(spec: Any, base: str, err: SpecError) -> SpecError:
    """An error about the field a block writes in its short form, without the field's key."""
    from .convert import field_path
    from .rules import doc_name

    head, sep, rest = re.split(r"([.\[]|$)", err.path, maxsplit=1)
    for a in attrs.fields(type(spec)):
        if doc_name(a) == head and field_path(spec, base, a) == base:
            return SpecError(rest if sep == "." else sep + rest, err.message, err.kind)
    return err

