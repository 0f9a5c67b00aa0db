"""YAML documents read from libyaml's event stream: YAML 1.2 scalars, limits, paths, no tags.

PyYAML resolves scalars by YAML 1.1 (``010`` is 8, ``1:20`` is 80, ``1e-6`` is text) and
constructs aliases by reference, so an alias bomb is small in memory yet expands without bound
in anything that walks it. Here the events are assembled into plain data by an explicit stack,
counting every node an alias or merge key stands for, with the document path of each problem.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml

from .errors import SpecError, join_path
from .limits import DEFAULT, Counter, Limits, big_integer

CORE = "tag:yaml.org,2002:"
_INT = re.compile(r"[-+]?[0-9]+")
_BASED = re.compile(r"0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_SPECIAL = re.compile(r"[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")
_CONSTANTS: dict[str, Any] = {"true": True, "True": True, "TRUE": True, "false": False,
                              "False": False, "FALSE": False, "~": None, "null": None,
                              "Null": None, "NULL": None, "": None}
_YAML11_NUMBERS = list({r.pattern: r for rs in yaml.resolver.Resolver.yaml_implicit_resolvers.values()
                         for t, r in rs if t.endswith((":int", ":float"))}.values())
Where = Callable[[], str]


def plain(value: str, limits: Limits, where: Where) -> Any:
    """An untagged, unquoted scalar by the YAML 1.2 core schema; YAML 1.1-only numbers refused."""
    if value in _CONSTANTS:
        return _CONSTANTS[value]
    if _INT.fullmatch(value):
        digits = value.lstrip("+-")
        if len(digits) > limits.max_digits:
            raise big_integer(value, limits, where())
        if len(digits) > 1 and digits[0] == "0":
            raise SpecError(where(), _ambiguous(value, digits))
        return int(value)
    if _BASED.fullmatch(value):
        if len(value) - 2 > limits.max_digits:
            raise big_integer(value, limits, where())
        return int(value, 0)
    if _FLOAT.fullmatch(value):
        return float(value)
    if _SPECIAL.fullmatch(value):
        return float(value.replace(".", "", 1))  # -.inf -> -inf
    if any(r.match(value) for r in _YAML11_NUMBERS):
        raise SpecError(where(), f"{value} is not a number in YAML 1.2 ({_yaml11(value)}). Write the "
                        f"number in decimal without underscores or colons, or quote it ('{value}') for text")
    return value


def _ambiguous(value: str, digits: str) -> str:
    sign, n = value[:len(value) - len(digits)], int(value)
    octal = set(digits) <= set("01234567")
    old = f"reads a leading zero as octal ({int(value, 8)})" if octal else "reads it as text"
    return (f"{value} is ambiguous: YAML 1.1 {old}, YAML 1.2 as decimal ({n}). Write {n}, "
            + (f"or 0o{digits.lstrip('0') or '0'} for octal, " if octal and not sign else "")
            + f"or quote it ('{value}') for text")


def is_text(value: str) -> bool:
    """Whether ``value``, written plain, reads back as this same string."""
    try:
        return plain(value, DEFAULT, lambda: "") == value
    except SpecError:
        return False


def _yaml11(value: str) -> str:
    """What YAML 1.1 reads ``value`` as, for the message."""
    if len(value) > 40:
        return "YAML 1.1 reads it as a number"
    return f"YAML 1.1 reads it as {yaml.safe_load(value)!r}" + (", in base 60" if ":" in value else "")


def _tagged(event: yaml.ScalarEvent, limits: Limits, where: Where) -> Any:
    tag = event.tag
    if tag is None:
        return plain(event.value, limits, where) if event.implicit[0] else event.value
    if tag in ("!", CORE + "str"):
        return event.value
    kinds: dict[str, type] = {"int": int, "float": float, "bool": bool, "null": type(None)}
    kind = kinds.get(tag.removeprefix(CORE)) if tag.startswith(CORE) else None
    if kind is None:
        raise refused_tag(tag, where())
    value = plain(event.value, limits, where)
    if kind is float and type(value) is int:
        value = float(value)  # !!float 1 is 1.0
    if type(value) is not kind:
        raise SpecError(where(), f"{event.value!r} is not a valid {_short(tag)}")
    return value


def _short(tag: str) -> str:
    return "!!" + tag.removeprefix(CORE) if tag.startswith(CORE) else tag


def refused_tag(tag: str, path: str) -> SpecError:
    return SpecError(path, f"the tag {_short(tag)} is refused: documents are plain data, and "
                     "nothing in them constructs objects or runs code")


class _Frame:
    """A mapping or list being assembled."""

    __slots__ = ("anchor", "is_map", "key", "merged", "merges", "start", "value")

    def __init__(self, is_map: bool, anchor: str | None, start: int) -> None:
        self.is_map, self.anchor, self.start = is_map, anchor, start
        self.value: Any = {} if is_map else []
        self.key: Any = _NO_KEY
        self.merges: list[dict[Any, Any]] = []
        self.merged = False


_NO_KEY = object()
_MERGE = object()


class Builder:
    """Plain data from events; ``path()`` is where the next node goes, built only for errors."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.counter = Counter(limits)
        self.frames: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.result: list[Any] = []

    def path(self) -> str:
        path = ""
        for frame in self.frames:
            if not frame.is_map:
                path = f"{path}[{len(frame.value)}]"
            elif frame.key is _MERGE:
                path = join_path(path, "<<")
            elif frame.key is not _NO_KEY:
                path = join_path(path, str(frame.key))
        return path

    def event(self, ev: yaml.Event) -> None:
        if isinstance(ev, yaml.ScalarEvent):
            self.counter.add(1, self.path)
            value = _tagged(ev, self.limits, self.path)
            if isinstance(value, str):
                self.counter.text(value, self.path)
            self.done(value, ev.anchor, 1)
        elif isinstance(ev, yaml.AliasEvent):
            if ev.anchor not in self.anchors:
                raise SpecError(self.path(), f"the alias *{ev.anchor} refers to no anchor before it "
                                "(an alias cannot sit inside the node it names)")
            value, size = self.anchors[ev.anchor]
            self.counter.add(size, self.path)
            self.done(value, None, 0)
        elif isinstance(ev, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            self.start(ev)
        elif isinstance(ev, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            frame = self.frames.pop()
            value = {**_merged(frame.merges), **frame.value} if frame.merges else frame.value
            self.done(value, frame.anchor, self.counter.nodes - frame.start)

    def start(self, ev: yaml.CollectionStartEvent) -> None:
        is_map = isinstance(ev, yaml.MappingStartEvent)
        if ev.tag not in (None, "!", CORE + ("map" if is_map else "seq")):
            raise refused_tag(ev.tag, self.path())
        if self.frames and self.frames[-1].is_map and self.frames[-1].key is _NO_KEY:
            raise SpecError(self.path(), "a key must be a string, not a mapping or list")
        self.counter.add(1, self.path)
        self.counter.depth(len(self.frames) + 1, self.path)
        self.frames.append(_Frame(is_map, ev.anchor, self.counter.nodes - 1))

    def done(self, value: Any, anchor: str | None, size: int) -> None:
        """A complete node: record its anchor and put it where it belongs."""
        if anchor is not None:
            self.anchors[anchor] = (value, size)
        if not self.frames:
            self.result.append(value)
            return
        frame = self.frames[-1]
        if not frame.is_map:
            frame.value.append(value)
        elif frame.key is _NO_KEY:
            self.key(frame, value)
        elif frame.key is _MERGE:
            frame.key = _NO_KEY
            frame.merges.extend(self.merge_values(value))
        else:
            frame.value[frame.key] = value
            frame.key = _NO_KEY

    def key(self, frame: _Frame, key: Any) -> None:
        if not isinstance(key, str):
            shown = repr(key) if key is None or isinstance(key, int | float) else type(key).__name__
            raise SpecError(self.path(), f"a key must be a string; got {shown}. Quote it if it is a name")
        if key in frame.value or (key == "<<" and frame.merged):
            frame.key = key
            raise SpecError(self.path(), "duplicate key: a mapping holds each key once")
        frame.merged = frame.merged or key == "<<"
        frame.key = _MERGE if key == "<<" else key

    def merge_values(self, value: Any) -> list[dict[Any, Any]]:
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, dict) for v in values):
            raise SpecError(join_path(self.path(), "<<"), "a merge key takes a mapping or a list of "
                            f"mappings (such as <<: *base); got {repr(value)[:60]}")
        return values


def _merged(merges: list[dict[Any, Any]]) -> dict[Any, Any]:
    """Merged mappings: earlier ones win, as YAML's merge key specifies."""
    out: dict[Any, Any] = {}
    for m in reversed(merges):
        out.update(m)
    return out


def read(data: bytes, limits: Limits) -> Any:
    """Plain data from one YAML document (None for an empty stream)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(data)
    builder = Builder(limits)
    documents = 0
    try:
        while not isinstance(ev := loader.get_event(), yaml.StreamEndEvent):
            if isinstance(ev, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise SpecError("", "a file holds one document; found a second (after ---)")
            builder.event(ev)
    finally:
        loader.dispose()
    return builder.result[0] if builder.result else None
