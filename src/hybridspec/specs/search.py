"""Search nodes: values a document leaves open for a tuner to choose, one per trial.

``{choice: [32, 64]}`` (numbers, booleans, names, lists of those), ``{int: [16, 128], step: 16}`` and
``{float: [1e-4, 1e-2], log: true}`` stand in any field; ``{one_of: [...]}`` stands where a
block goes and chooses among whole sub-trees, which may hold search nodes of their own (active
only under their branch). Each node is checked against the rule of the field it stands in, so a
range outside the field's rule is a SpecError with its path. Pure data, like every spec.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from .errors import SpecError, join_path
from .rules import Rule
from .values import PARSERS, SCHEMAS, Unbound


@attrs.frozen
class Search(Unbound):
    """A search node. ``options`` lists its values when finite (None for a float range);
    ``ends`` are its corners; ``sample`` draws one value."""

    KEY: ClassVar[str] = ""

    def options(self) -> tuple[Any, ...] | None:
        raise NotImplementedError

    def ends(self) -> tuple[Any, ...]:
        found = self.options() or ()
        return tuple(dict.fromkeys((found[0], found[-1])))

    def sample(self, rng: random.Random) -> Any:
        return rng.choice(self.options() or ())


def _scalar(value: Any) -> bool:
    return value is None or type(value) in (int, float, str, bool)


def _value(value: Any) -> Any:
    """A choice's value: a scalar, or a list of scalars (kept as a tuple, as specs keep lists)."""
    if isinstance(value, list | tuple) and value and all(_scalar(v) for v in value):
        return tuple(value)
    return value


@attrs.frozen
class Choice(Search):
    """One of listed values: ``{choice: [32, 64, 128]}``."""

    KEY: ClassVar[str] = "choice"
    values: tuple[Any, ...] = attrs.field(converter=lambda vs: tuple(_value(v) for v in vs))

    def __attrs_post_init__(self) -> None:
        if not self.values:
            raise SpecError("choice", "needs at least one value, got []")
        for i, value in enumerate(self.values):
            if not (_scalar(value) or isinstance(value, tuple)):
                raise SpecError(f"choice[{i}]", "must be a number, true/false, a name, null or a "
                                f"non-empty list of those, got {value!r}")
            if any(type(v) is type(value) and v == value for v in self.values[:i]):
                raise SpecError(f"choice[{i}]", f"repeats the value {value!r}")

    def options(self) -> tuple[Any, ...]:
        return self.values

    def problem_under(self, rule: Rule) -> tuple[str, str] | None:
        for i, value in enumerate(self.values):
            found = rule.problem(value)
            if found is not None:
                return join_path(f"choice[{i}]", found[0]), found[1]
        return None

    def to_data(self) -> Any:
        return {"choice": [list(v) if isinstance(v, tuple) else v for v in self.values]}


@attrs.frozen
class IntRange(Search):
    """Integers from ``lo`` to ``hi`` (both included) by ``step``: ``{int: [16, 128], step: 16}``."""

    KEY: ClassVar[str] = "int"
    lo: int
    hi: int
    step: int = 1

    def __attrs_post_init__(self) -> None:
        for sub, value in (("int[0]", self.lo), ("int[1]", self.hi), ("step", self.step)):
            if type(value) is not int:
                raise SpecError(sub, f"must be an integer, got {value!r}")
        if self.hi < self.lo:
            raise SpecError("int", f"needs lo <= hi, got [{self.lo}, {self.hi}]")
        if self.step < 1:
            raise SpecError("step", f"must be a positive integer, got {self.step}")

    def options(self) -> tuple[int, ...]:
        return tuple(range(self.lo, self.hi + 1, self.step))

    def problem_under(self, rule: Rule) -> tuple[str, str] | None:
        for sub, value in (("int[0]", self.lo), ("int[1]", self.options()[-1])):
            found = rule.problem(value)
            if found is not None:
                return join_path(sub, found[0]), found[1]
        return None

    def to_data(self) -> Any:
        return {"int": [self.lo, self.hi], **({"step": self.step} if self.step != 1 else {})}


@attrs.frozen
class FloatRange(Search):
    """Real numbers from ``lo`` to ``hi``, drawn uniformly or, with ``log: true``, log-uniformly."""

    KEY: ClassVar[str] = "float"
    lo: float
    hi: float
    log: bool = False

    def __attrs_post_init__(self) -> None:
        for sub, value in (("float[0]", self.lo), ("float[1]", self.hi)):
            if type(value) not in (int, float) or not math.isfinite(value):
                raise SpecError(sub, f"must be a finite number, got {value!r}")
        if type(self.log) is not bool:
            raise SpecError("log", f"must be true or false, got {self.log!r}")
        if not self.lo < self.hi:
            raise SpecError("float", f"needs lo < hi, got [{self.lo}, {self.hi}]")
        if self.log and self.lo <= 0:
            raise SpecError("float[0]", f"a log range needs lo > 0, got {self.lo}")

    def options(self) -> None:
        return None

    def ends(self) -> tuple[float, ...]:
        return float(self.lo), float(self.hi)

    def sample(self, rng: random.Random) -> float:
        if self.log:
            return math.exp(rng.uniform(math.log(self.lo), math.log(self.hi)))
        return rng.uniform(self.lo, self.hi)

    def problem_under(self, rule: Rule) -> tuple[str, str] | None:
        for sub, value in zip(("float[0]", "float[1]"), self.ends(), strict=True):
            found = rule.problem(value)
            if found is not None:
                return join_path(sub, found[0]), found[1]
        return None

    def to_data(self) -> Any:
        return {"float": [self.lo, self.hi], **({"log": True} if self.log else {})}


@attrs.frozen
class OneOf(Search):
    """One of whole sub-trees, where a block goes: ``{one_of: [[conv, pool], lstm]}``. The
    value a trial chooses is the branch's index."""

    KEY: ClassVar[str] = "one_of"
    branches: tuple[Any, ...]

    def __attrs_post_init__(self) -> None:
        if len(self.branches) < 2:
            raise SpecError("one_of", f"needs at least two branches, got {len(self.branches)}")

    def options(self) -> tuple[int, ...]:
        return tuple(range(len(self.branches)))

    def problem_under(self, rule: Rule) -> tuple[str, str] | None:
        for i, branch in enumerate(self.branches):
            found = rule.problem(branch)
            if found is not None:
                return f"one_of[{i}]", found[1] + " (one_of chooses among blocks; values are chosen with {choice: [...]})"
        return None

    def to_data(self) -> Any:
        from .convert import unstructure_block

        return {"one_of": [unstructure_block(b) for b in self.branches]}


NODES: dict[str, type[Search]] = {c.KEY: c for c in (Choice, IntRange, FloatRange, OneOf)}
EXTRA_KEYS = {"choice": (), "int": ("step",), "float": ("log",), "one_of": ()}


def search_key(data: Any) -> str | None:
    """The search key of a search node's plain data (``choice``, ``int``, ...), else None."""
    if not isinstance(data, Mapping):
        return None
    keys = [k for k in data if k in NODES]
    return keys[0] if len(keys) == 1 else None


def parse(data: Any) -> Search | None:
    """A search node from plain data, or None when the data is no search node."""
    key = search_key(data)
    if key is None:
        return None
    assert isinstance(data, Mapping)
    for other in data:
        if other != key and other not in EXTRA_KEYS[key]:
            allowed = ", ".join((key, *EXTRA_KEYS[key]))
            raise SpecError(str(other), f"unknown key in a {key} search node; it takes {allowed}")
    value = data[key]
    if not isinstance(value, list):
        raise SpecError(key, f"must be a list, got {value!r}")
    if key == "choice":
        return Choice(tuple(value))
    if key == "one_of":
        from .convert import _guarded, structure_block

        return OneOf(tuple(_guarded(structure_block, v, f"one_of[{i}]") for i, v in enumerate(value)))
    if len(value) != 2:
        raise SpecError(key, f"must be a list [lo, hi], got {value!r}")
    extra = {k: data[k] for k in EXTRA_KEYS[key] if k in data}
    return NODES[key](value[0], value[1], **extra)  # type: ignore[call-arg]


def _schema(key: str, value: dict[str, Any], describe: str, **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": {key: value, **extra}, "required": [key],
            "additionalProperties": False, "description": describe}


def _pair(kind: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": kind}, "minItems": 2, "maxItems": 2}


PARSERS.append(parse)
SCHEMAS.extend([
    _schema("choice", {"type": "array", "minItems": 1}, "a search node: one of the listed values"),
    _schema("int", _pair("integer"), "a search node: integers lo to hi",
            step={"type": "integer", "minimum": 1}),
    _schema("float", _pair("number"), "a search node: numbers lo to hi", log={"type": "boolean"}),
    _schema("one_of", {"type": "array", "minItems": 2, "items": {"$ref": "#/$defs/Block"}},
            "a search node: one of the listed blocks"),
])
