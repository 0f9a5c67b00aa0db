"""Field rules: each one validates a field and describes it for the schema and the docs.

A rule is an attrs validator (it raises SpecError naming the field), and it carries a JSON
Schema fragment and a phrase such as "a positive integer" used in messages and docs.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from .errors import SpecError, join_path
from .values import Unbound


def closest(word: str, options: list[str], cutoff: float = 0.7) -> str:
    """A hint naming the option spelled most like ``word`` (the same letters in another case
    first; on a tie, the earlier option), or an empty string."""
    folded = [o for o in options if o.lower() == word.lower()]
    scores = [(difflib.SequenceMatcher(None, word.lower(), o.lower()).ratio(), -i, o)
              for i, o in enumerate(options)]
    best = folded[:1] or [o for score, _, o in sorted(scores, reverse=True)[:1] if score >= cutoff]
    return f" Did you mean '{best[0]}'?" if best else ""


class Rule:
    """Base rule: subclasses define ``problem`` (None when the value is fine). An unbound
    value (``$param``, a search node) is judged by its own ``problem_under(rule)`` instead."""

    describe = "a value"
    schema: dict[str, Any] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "problem" in cls.__dict__:
            cls.problem = _unbound_aware(cls.__dict__["problem"])  # type: ignore[method-assign,assignment]

    def problem(self, value: Any) -> tuple[str, str] | None:
        """Return (sub-path, message) for a bad value, or None."""
        raise NotImplementedError

    def __call__(self, inst: Any, attribute: attrs.Attribute, value: Any) -> None:
        found = self.problem(value)
        if found is not None:
            sub, message = found
            raise SpecError(join_path(doc_name(attribute), sub), message)

    def bad(self, value: Any, sub: str = "") -> tuple[str, str]:
        return sub, f"must be {self.describe}, got {value!r}"


def _unbound_aware(problem: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def checked(self: Rule, value: Any) -> tuple[str, str] | None:
        if isinstance(value, Unbound):
            return value.problem_under(self)
        return problem(self, value)

    checked.__doc__ = problem.__doc__
    return checked


def doc_name(attribute: attrs.Attribute) -> str:
    """The key a field has in documents (``from_`` is written ``from``)."""
    return attribute.alias.rstrip("_") if attribute.alias else attribute.name


LARGEST = 2**63 - 1
"""Every integer field fits a signed 64-bit integer, as every tensor size does. (How large a
model may grow is the resource limits' business, not a field's.)"""


class Int(Rule):
    """An integer in a range; beyond ``LARGEST`` (either sign) it is too large for any field."""

    def __init__(self, minimum: int | None = None, maximum: int | None = None) -> None:
        self.minimum, self.maximum = minimum, maximum
        self.describe = {None: "an integer", 1: "a positive integer", 0: "a non-negative integer"}.get(
            minimum, f"an integer >= {minimum}"
        )
        if maximum is not None:
            self.describe = f"an integer in [{minimum}, {maximum}]"
        self.schema = {"type": "integer", "minimum": -LARGEST - 1 if minimum is None else minimum,
                       "maximum": LARGEST if maximum is None else maximum}

    def problem(self, value: Any) -> tuple[str, str] | None:
        if type(value) is int and not -LARGEST - 1 <= value <= LARGEST:
            return "", f"is too large for any field (beyond a 64-bit integer); got {value}"
        ok = type(value) is int
        ok = ok and (self.minimum is None or value >= self.minimum)
        ok = ok and (self.maximum is None or value <= self.maximum)
        return None if ok else self.bad(value)


class Float(Rule):
    """A real number (integers accepted) in a range; ``below`` is an exclusive upper bound and
    ``maximum`` an inclusive one."""

    def __init__(self, minimum: float | None = None, below: float | None = None,
                 positive: bool = False, maximum: float | None = None) -> None:
        self.minimum, self.below, self.positive, self.maximum = minimum, below, positive, maximum
        parts = ["a number"]
        self.schema = {"type": "number"}
        if positive:
            parts.append("> 0")
            self.schema["exclusiveMinimum"] = 0
        if minimum is not None:
            parts.append(f">= {minimum}")
            self.schema["minimum"] = minimum
        if below is not None:
            parts.append(f"< {below}")
            self.schema["exclusiveMaximum"] = below
        if maximum is not None:
            parts.append(f"<= {maximum}")
            self.schema["maximum"] = maximum
        self.describe = " ".join(parts[:1]) + (" " + " and ".join(parts[1:]) if parts[1:] else "")

    def problem(self, value: Any) -> tuple[str, str] | None:
        if type(value) not in (int, float) or (type(value) is float and not math.isfinite(value)):
            return self.bad(value)
        if (self.positive and value <= 0) or (self.minimum is not None and value < self.minimum):
            return self.bad(value)
        if self.below is not None and value >= self.below:
            return self.bad(value)
        if self.maximum is not None and value > self.maximum:
            return self.bad(value)
        return None


class Bool(Rule):
    describe = "true or false"
    schema = {"type": "boolean"}

    def problem(self, value: Any) -> tuple[str, str] | None:
        return None if type(value) is bool else self.bad(value)


NAME_LENGTH = 100
"""The longest name: names become Keras layer names and file names (``NAME.keras``)."""


class Name(Rule):
    """A name usable as a node or input name (letters, digits, underscores): safe as a layer
    name and as a file name, with no path separator, dot or space."""

    describe = "a name of letters, digits and underscores, not starting with a digit"
    schema = {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$", "maxLength": NAME_LENGTH}

    def problem(self, value: Any) -> tuple[str, str] | None:
        ok = isinstance(value, str) and value.isidentifier() and value.isascii()
        if ok and len(value) > NAME_LENGTH:
            return "", f"is too long for a name ({len(value)} characters, at most {NAME_LENGTH})"
        return None if ok else self.bad(value)


class LocalPath(Rule):
    """A relative path to a local file: no absolute path, no drive, no ``..``, so that a document
    cannot point outside the folder it is used from."""

    describe = "a relative file path without '..', such as weights/vgg16.h5"
    schema = {"type": "string", "minLength": 1, "pattern": r"^(?![/\\])(?!.*(^|[/\\])\.\.([/\\]|$))[^\x00:]+$"}

    def problem(self, value: Any) -> tuple[str, str] | None:
        if not isinstance(value, str) or not value or "\x00" in value or ":" in value:
            return self.bad(value)
        parts = value.replace("\\", "/").split("/")
        if value.startswith(("/", "\\")) or ".." in parts:
            return "", (f"must be {self.describe}, got {value!r}: absolute paths and '..' "
                        "reach outside the folder")
        return None


class Text(Rule):
    describe = "a non-empty string"
    schema = {"type": "string", "minLength": 1}

    def problem(self, value: Any) -> tuple[str, str] | None:
        return None if isinstance(value, str) and value else self.bad(value)


class OneOf(Rule):
    def __init__(self, *choices: Any) -> None:
        self.choices = choices
        self.describe = "one of " + ", ".join(_show(c) for c in choices)
        self.schema = {"enum": list(choices)}

    def problem(self, value: Any) -> tuple[str, str] | None:
        if any(type(value) is type(c) and value == c for c in self.choices):
            return None
        hint = closest(value, [str(c) for c in self.choices]) if isinstance(value, str) else ""
        return "", f"must be {self.describe}, got {value!r}" + ("." + hint if hint else "")


def _show(value: Any) -> str:
    """A value as documents write it."""
    if value is None:
        return "null"
    return str(value).lower() if isinstance(value, bool) else str(value)


class Maybe(Rule):
    """The inner rule, or null."""

    def __init__(self, inner: Rule) -> None:
        self.inner = inner
        self.describe = f"{inner.describe} or null"
        self.schema = {"anyOf": [inner.schema, {"type": "null"}]}

    def problem(self, value: Any) -> tuple[str, str] | None:
        return None if value is None else self.inner.problem(value)


class Either(Rule):
    """The first of several rules that accepts the value."""

    def __init__(self, *options: Rule) -> None:
        self.options = options
        self.describe = " or ".join(o.describe for o in options)
        self.schema = {"anyOf": [o.schema for o in options]}

    def problem(self, value: Any) -> tuple[str, str] | None:
        found = [o.problem(value) for o in self.options]
        if any(f is None for f in found):
            return None
        deepest = [f for f in found if f and f[0]]
        return deepest[0] if deepest else self.bad(value)


class TupleOf(Rule):
    """A list of values that each satisfy ``item``, with a length range."""

    def __init__(self, item: Rule, min_len: int = 0, max_len: int | None = None) -> None:
        self.item, self.min_len, self.max_len = item, min_len, max_len
        size = ""
        if min_len and max_len == min_len:
            size = f" of {min_len}"
        elif min_len and max_len:
            size = f" of {min_len} to {max_len}"
        elif min_len:
            size = " (non-empty)" if min_len == 1 else f" of at least {min_len}"
        self.describe = f"a list{size} of {_plural(item.describe)}"
        self.schema = {"type": "array", "items": item.schema, "minItems": min_len}
        if max_len is not None:
            self.schema["maxItems"] = max_len

    def problem(self, value: Any) -> tuple[str, str] | None:
        if not isinstance(value, tuple):
            return self.bad(value)
        if len(value) < self.min_len or (self.max_len is not None and len(value) > self.max_len):
            return self.bad(list(value))
        for i, v in enumerate(value):
            found = self.item.problem(v)
            if found is not None:
                return join_path(f"[{i}]", found[0]), found[1]
        return None


def _plural(phrase: str) -> str:
    """``a positive integer or null`` -> ``positive integers or null``."""
    for article in ("a ", "an "):
        if phrase.startswith(article):
            rest = phrase[len(article):]
            ends = [i for i in (rest.find(s) for s in (" or ", ",", " such as ")) if i >= 0]
            head, tail = rest[:min(ends, default=len(rest))], rest[min(ends, default=len(rest)):]
            return head + ("" if head.endswith("s") else "s") + tail
    return phrase


class MapOf(Rule):
    """A mapping from names to values that each satisfy ``item``."""

    def __init__(self, item: Rule, min_len: int = 0) -> None:
        self.item, self.min_len = item, min_len
        self.describe = "a mapping of names to " + _plural(item.describe)
        self.schema = {"type": "object", "additionalProperties": item.schema,
                       "propertyNames": Name.schema, "minProperties": min_len}

    def problem(self, value: Any) -> tuple[str, str] | None:
        if not isinstance(value, Mapping) or len(value) < self.min_len:
            return "", f"must be a mapping with at least {self.min_len} entr" + \
                ("y" if self.min_len == 1 else "ies") + f", got {value!r}"
        for k, v in value.items():
            if Name().problem(k) is not None:
                return "", f"key {k!r} must be {Name.describe}"
            found = self.item.problem(v)
            if found is not None:
                return join_path(k, found[0]), found[1]
        return None


class Instance(Rule):
    """An instance of a spec class; the schema is a reference to its definition."""

    def __init__(self, cls: type, describe: str | None = None,
                 schema: Callable[[], dict[str, Any]] | None = None) -> None:
        self.cls = cls
        self.describe = describe or f"a {cls.__name__} spec"
        self._schema = schema

    @property
    def schema(self) -> dict[str, Any]:  # type: ignore[override]
        return self._schema() if self._schema else {"$ref": f"#/$defs/{self.cls.__name__}"}

    def problem(self, value: Any) -> tuple[str, str] | None:
        return None if isinstance(value, self.cls) else self.bad(value)


def field(rule: Rule, default: Any = attrs.NOTHING, doc: str = "", **kw: Any) -> Any:
    """An attrs field validated by ``rule``; lists become tuples so specs stay hashable, and
    (for Python callers) a list where a block goes becomes a chain."""
    converter = kw.pop("converter", None) or _converter(rule)
    if isinstance(default, list):
        default = tuple(default)
    return attrs.field(default=default, validator=rule, converter=converter,
                       metadata={"rule": rule, "doc": doc}, **kw)


def _converter(rule: Rule) -> Callable[[Any], Any] | None:
    if isinstance(rule, Maybe):
        return _converter(rule.inner)
    if isinstance(rule, Instance) and rule.cls.__name__ == "Block":
        return _to_block
    if isinstance(rule, TupleOf):
        item = _converter(rule.item)
        return (lambda v: tuple(map(item, v)) if isinstance(v, list | tuple) else v) if item else _to_tuple
    return _to_tuple if _wants_tuple(rule) else None


def _to_block(value: Any) -> Any:
    """A list (or tuple) of blocks as the chain it stands for."""
    if isinstance(value, list | tuple):
        from .compose import Chain

        return Chain(blocks=tuple(value))
    return value


def _wants_tuple(rule: Rule) -> bool:
    if isinstance(rule, TupleOf):
        return True
    if isinstance(rule, Maybe):
        return _wants_tuple(rule.inner)
    if isinstance(rule, Either):
        return any(_wants_tuple(o) for o in rule.options)
    return False


def _to_tuple(value: Any) -> Any:
    return tuple(_to_tuple(v) for v in value) if isinstance(value, list) else value


# Rules used across many blocks.
POSITIVE = Int(1)
NON_NEGATIVE = Int(0)
RATE = Float(minimum=0.0, below=1.0)
SIZES = Either(POSITIVE, TupleOf(POSITIVE, 1, 3))
SIZES.describe = "a positive integer or a list of 1 to 3 positive integers"
RANK = Maybe(OneOf(1, 2, 3))
ACTIVATIONS = (  # keras.activations that keep the shape and need no argument (not glu, threshold)
    "linear", "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "mish",
    "sigmoid", "hard_sigmoid", "tanh", "softmax", "softplus", "softsign", "exponential",
    "celu", "hard_silu", "hard_swish", "hard_tanh", "hard_shrink", "soft_shrink", "tanh_shrink",
    "log_sigmoid", "log_softmax", "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus",
)
ACTIVATION = Maybe(OneOf(*ACTIVATIONS))
INITIALIZERS = (
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
    "lecun_normal", "orthogonal", "zeros", "ones", "random_normal", "random_uniform",
    "truncated_normal", "identity",
)


class Initializer(Either):
    """A Keras initializer name, or a number: Keras's Constant initializer of that value."""

    def __init__(self) -> None:
        names = OneOf(*INITIALIZERS)
        names.describe += " or a number (a constant)"
        super().__init__(names, Float())
        self.describe = names.describe

    def problem(self, value: Any) -> tuple[str, str] | None:
        return self.options[0].problem(value) if isinstance(value, str) else super().problem(value)


INITIALIZER = Maybe(Initializer())
DTYPE_POLICY = Maybe(OneOf("float32", "float16", "bfloat16", "float64", "mixed_float16",
                           "mixed_bfloat16"))
