"""One Keras layer to one block: the Keras-coverage table read backwards, plus hooks.

A kind lists the Keras classes it builds (``Impl.keras``) and the Keras argument names that
differ from its field names (``Impl.keras_args``). ``generic`` turns a layer's config into
those fields; a layer whose class needs more (a mode from the class name, a check against
the input shape) has a hook in ``IMPORTERS``, keyed by Keras class name, which other modules
may extend. Imports Keras.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from functools import cache
from typing import Any

import attrs

from ..blocks import IMPLS
from ..blocks.augment import KERAS_CLASSES
from ..specs import (
    Activation,
    AdaptivePool,
    Attention,
    BatchNorm,
    Bidirectional,
    Block,
    GlobalPool,
    LayerNorm,
    MaxNorm,
    Merge,
    Pool,
    Regularizer,
    SpecError,
)
from ..specs.rules import INITIALIZERS

BASE_ARGS = ("name", "trainable", "dtype")
Shape = tuple[int | None, ...]


@attrs.define
class Layer:
    """A Keras layer call being imported: the layer, its config, its call options (non-tensor
    keyword arguments), the shapes it reads, and the ids of the tensors it reads (a hook may
    drop repeated ones)."""

    layer: Any
    where: str
    shapes: list[Shape]
    inputs: list[int] = attrs.field(factory=list)
    options: dict[str, Any] = attrs.field(factory=dict)
    config: dict[str, Any] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.config = self.layer.get_config()

    @property
    def cls(self) -> str:
        return type(self.layer).__name__

    def fail(self, message: str) -> SpecError:
        return unsupported(self.where, self.cls, message)


def unsupported(where: str, cls: str, message: str) -> SpecError:
    return SpecError(where, f"cannot be imported: {message}. See {cls} in docs/keras.md", cls)


Hook = Callable[[Layer], Block]
IMPORTERS: dict[str, Hook] = {}


def importer(*names: str) -> Callable[[Hook], Hook]:
    """Register a hook for the Keras classes ``names``."""

    def register(hook: Hook) -> Hook:
        for name in names:
            IMPORTERS[name] = hook
        return hook

    return register


Parts = list[tuple[Block, list[int]]]
PartsHook = Callable[[Layer], Parts | None]
SPLITS: dict[str, PartsHook] = {}
"""Keras classes one call of which imports as several blocks in turn: each (block, the tensors
it reads, -1 for the previous part's output). A hook may return None: then the layer is
imported as one block, as usual."""


def imports_as_parts(*names: str) -> Callable[[PartsHook], PartsHook]:
    """Register a hook that splits one call of the Keras classes ``names`` into parts."""

    def register(hook: PartsHook) -> PartsHook:
        for name in names:
            SPLITS[name] = hook
        return hook

    return register


def kind_of(keras_class: str) -> type[Block] | None:
    """The leaf kind whose Impl lists ``keras_class`` (the first registered one)."""
    for cls, impl in IMPLS.items():
        if keras_class in impl.keras:
            return cls
    return None


def to_block(ctx: Layer) -> Block:
    """The block for one layer call, or a SpecError naming the layer and its class."""
    hook = IMPORTERS.get(ctx.cls)
    cls = kind_of(ctx.cls)
    if hook is None and cls is None:
        raise ctx.fail(f"no block kind builds {ctx.cls}")
    block = hook(ctx) if hook is not None else make(ctx, cls)  # type: ignore[arg-type]
    return attrs.evolve(block, trainable=False) if ctx.config.get("trainable") is False else block


def make(ctx: Layer, cls: type[Block], skip: tuple[str, ...] = (), **fixed: Any) -> Block:
    """``cls`` from the layer's config: same-name fields, the kind's renames, Keras objects in
    our forms; an argument with no field must have its Keras default. ``fixed`` fields and
    ``skip`` arguments are the hook's business."""
    rename = IMPLS[cls].keras_args if cls in IMPLS else {}
    ours = {a.name: a for a in attrs.fields(cls)}
    layer_type: Any = type(ctx.layer)
    defaults = keras_defaults(layer_type)
    values: dict[str, Any] = {}
    for key, value in ctx.config.items():
        if key in BASE_ARGS or key in skip:
            continue
        name = rename.get(key, key)
        if name in fixed:
            continue
        if name not in ours:
            if not is_default(key, value, defaults.get(key, _UNSET)):
                raise ctx.fail(f"argument {key}={value!r} has no field in {cls.KIND}")
            continue
        converted = convert(ctx, key, value, ours[name], defaults.get(key))
        if name in values and values[name] != converted:
            raise ctx.fail(f"{key} differs from the other argument that gives {cls.KIND}.{name}")
        values[name] = converted
    _dtype(ctx, values, "dtype" in ours)
    try:
        return cls(**values, **fixed)
    except (SpecError, TypeError, ValueError) as exc:
        raise ctx.fail(f"{cls.KIND} refuses it: {exc}") from None


def _dtype(ctx: Layer, values: dict[str, Any], has_field: bool) -> None:
    policy = ctx.config.get("dtype")
    name = policy.get("config", {}).get("name") if isinstance(policy, dict) else policy
    if name in (None, "float32"):
        return
    if not has_field:
        raise ctx.fail(f"dtype policy {name} needs a dtype field")
    values["dtype"] = name


@cache
def keras_defaults(layer_cls: Any) -> dict[str, Any]:
    """Default argument values of a Keras class's constructor, its bases' included."""
    out: dict[str, Any] = {}
    for klass in reversed(layer_cls.__mro__):
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        for p in inspect.signature(init).parameters.values():
            if p.default is not p.empty:
                out[p.name] = p.default
    return out


_UNSET = object()  # an argument the constructor takes through **kwargs


def plain(value: Any) -> Any:
    """Lists as tuples, all the way down."""
    return tuple(plain(v) for v in value) if isinstance(value, list | tuple) else value


def is_default(key: str, value: Any, default: Any) -> bool:
    """Whether a config value is what the Keras constructor does by default."""
    if default is _UNSET:  # passed on through **kwargs: off when false or null
        return value in (None, False)
    value, default = plain(value), plain(default)
    if key.endswith(("_initializer", "_regularizer", "_constraint")):
        return _serialized(key, value) == _serialized(key, default)
    if key == "data_format":
        return value in (None, "channels_last")
    if isinstance(value, tuple) and value and all(v == value[0] for v in value) and value[0] == default:
        return True
    return bool(value == default)


def _serialized(key: str, value: Any) -> Any:
    import keras

    if value is None or value is inspect.Parameter.empty:
        return None
    family = {"_initializer": keras.initializers, "_regularizer": keras.regularizers,
              "_constraint": keras.constraints}[key[key.rindex("_"):]]
    if not isinstance(value, dict):
        value = keras.saving.serialize_keras_object(family.get(value))
    return {k: v for k, v in value.items() if k != "registered_name"}


@cache
def _initializer_names() -> list[tuple[str, Any]]:
    return [(name, _serialized("_initializer", name)) for name in INITIALIZERS]


def convert(ctx: Layer, key: str, value: Any, field: attrs.Attribute, default: Any) -> Any:
    """A config value in our form: initializer names, Regularizer, MaxNorm, tuples (a scalar
    where every axis is equal and the field takes one), ``linear`` as null where allowed."""
    rule = field.metadata["rule"]
    if key.endswith("_initializer"):
        return _initializer(ctx, key, value, default)
    if key.endswith("_regularizer"):
        return _regularizer(ctx, key, value)
    if key.endswith("_constraint"):
        return _constraint(ctx, key, value)
    value = plain(value)
    if isinstance(value, tuple) and value and all(v == value[0] for v in value) \
            and rule.problem(value[0]) is None:
        return value[0]
    if value == "linear" and rule.problem(None) is None:
        return None
    return value


def _initializer(ctx: Layer, key: str, value: Any, default: Any) -> str | float | None:
    found = _serialized(key, value)
    if found == _serialized(key, default):
        return None
    constant = found.get("config", {}).get("value") if found.get("class_name") == "Constant" else None
    if isinstance(constant, int | float) and not isinstance(constant, bool):
        return float(constant)
    for name, serial in _initializer_names():
        if serial == found:
            return name
    warnings.warn(f"{ctx.where} ({ctx.cls}): {key} {found.get('class_name')} with these arguments has "
                  "no name in hybridspec; the document uses the Keras default", stacklevel=2)
    return None


def _regularizer(ctx: Layer, key: str, value: Any) -> Regularizer | None:
    if value is None:
        return None
    found = _serialized(key, value)
    if found["class_name"] not in ("L1L2", "L1", "L2"):
        raise ctx.fail(f"{key} {found['class_name']} is not an L1/L2 penalty")
    config = found["config"]
    return Regularizer(l1=float(config.get("l1", 0.0)), l2=float(config.get("l2", 0.0)))


def _constraint(ctx: Layer, key: str, value: Any) -> MaxNorm | None:
    if value is None:
        return None
    found = _serialized(key, value)
    config = found.get("config") or {}
    if found["class_name"] == "MaxNorm":
        return MaxNorm(max_norm=float(config["max_value"]), axis=config["axis"])
    if found["class_name"] == "MinMaxNorm":
        return MaxNorm(min_norm=float(config["min_value"]), max_norm=float(config["max_value"]),
                       rate=float(config["rate"]), axis=config["axis"])
    if found["class_name"] == "UnitNorm":
        return MaxNorm(unit_norm=True, axis=config["axis"])
    if found["class_name"] == "NonNeg":
        return MaxNorm(non_neg=True)
    raise ctx.fail(f"{key} {found['class_name']} is not one of Keras's max-norm, min-max-norm, unit-norm and "
                   "non-negative constraints")


def last_axis(ctx: Layer) -> tuple[str, ...]:
    """Skip ``axis`` when it is the last axis of the input (what our norms use)."""
    axis = plain(ctx.config.get("axis", -1))
    axis = axis if isinstance(axis, tuple) else (axis,)
    rank = len(ctx.shapes[0])
    if len(axis) != 1 or axis[0] % rank != rank - 1:
        raise ctx.fail(f"normalizes over axis {ctx.config.get('axis')}; only the last axis is supported")
    return ("axis",)


@importer("BatchNormalization")
def _batch_norm(ctx: Layer) -> Block:
    return make(ctx, BatchNorm, skip=last_axis(ctx))


@importer("LayerNormalization")
def _layer_norm(ctx: Layer) -> Block:
    if ctx.config.get("rms_scaling"):
        raise ctx.fail("rms_scaling (deprecated in Keras: it divides by the variance, not the root mean "
                       "square) has no block; rms_norm is RMSNormalization")
    return make(ctx, LayerNorm, skip=last_axis(ctx))


@importer(*(f"{mode}Pooling{r}D" for mode in ("Max", "Average") for r in (1, 2, 3)))
def _pool(ctx: Layer) -> Block:
    mode = "max" if ctx.cls.startswith("Max") else "avg"
    same = plain(ctx.config.get("strides")) == plain(ctx.config.get("pool_size"))
    return make(ctx, Pool, skip=("strides",) if same else (), mode=mode)


@importer(*(f"Adaptive{mode}Pooling{r}D" for mode in ("Max", "Average") for r in (1, 2, 3)))
def _adaptive_pool(ctx: Layer) -> Block:
    return make(ctx, AdaptivePool, mode="max" if "Max" in ctx.cls else "avg")


@importer(*(f"Global{mode}Pooling{r}D" for mode in ("Max", "Average") for r in (1, 2, 3)))
def _global_pool(ctx: Layer) -> Block:
    return make(ctx, GlobalPool, mode="max" if "Max" in ctx.cls else "avg")


@importer(*(f"{name}{r}D" for name in ("ZeroPadding", "Cropping") for r in (1, 2, 3)))
def _per_side(ctx: Layer) -> Block:
    """Keras gives (before, after) per axis (one pair in 1D): an int where both sides agree,
    one int where every axis agrees."""
    key = "padding" if ctx.cls.startswith("ZeroPadding") else "cropping"
    cls = kind_of(ctx.cls)
    if cls is None:
        raise ctx.fail(f"no block kind builds {ctx.cls}")
    pads = plain(ctx.config[key])
    pairs = (pads,) if ctx.cls.endswith("1D") else pads
    sides = tuple(before if before == after else (before, after) for before, after in pairs)
    value = sides[0] if len(set(sides)) == 1 and isinstance(sides[0], int) else sides
    return make(ctx, cls, skip=(key,), **{key: value})


MERGES = {"Concatenate": "concat", "Add": "add", "Subtract": "subtract", "Multiply": "multiply",
          "Average": "average", "Maximum": "maximum", "Minimum": "minimum", "Dot": "dot"}


def broadcasts_features(shapes: list[tuple[int | None, ...]]) -> bool:
    """Whether an element-wise merge of tensors of these shapes stretches a features axis of 1."""
    features = {shape[-1] for shape in shapes if len(shape) > 1}
    return len(features) > 1 and None not in features


@importer(*MERGES)
def _merge(ctx: Layer) -> Block:
    """A merge; an element-wise one over different feature sizes broadcasts them (a gate of size 1)."""
    broadcast = MERGES[ctx.cls] not in ("concat", "dot") and broadcasts_features(ctx.shapes)
    merge: Any = make(ctx, Merge, mode=MERGES[ctx.cls])
    return attrs.evolve(merge, broadcast=True) if broadcast else merge


@importer("Activation")
def _activation(ctx: Layer) -> Block:
    return make(ctx, Activation)


@importer("ReLU")
def _relu(ctx: Layer) -> Block:
    config = ctx.config
    return Activation(name="relu", max_value=config["max_value"],
                      negative_slope=config["negative_slope"] or None, threshold=config["threshold"] or None)


@importer("LeakyReLU", "ELU", "Softmax")
def _parametric_activation(ctx: Layer) -> Block:
    name = {"LeakyReLU": "leaky_relu", "ELU": "elu", "Softmax": "softmax"}[ctx.cls]
    return make(ctx, Activation, name=name)


@importer("LSTM", "GRU", "SimpleRNN", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D")
def _recurrent(ctx: Layer) -> Block:
    """A recurrent layer; whether it returns its states is its node's business."""
    cls = kind_of(ctx.cls)
    assert cls is not None
    return make(ctx, cls, skip=("return_state",))


@importer("Bidirectional")
def _bidirectional(ctx: Layer) -> Block:
    forward, backward = ctx.layer.forward_layer, ctx.layer.backward_layer
    inner_ctx = Layer(forward, f"{ctx.where}.forward", ctx.shapes)
    inner_ctx.config.pop("zero_output_for_mask", None)  # Bidirectional sets it
    inner = to_block(inner_ctx)
    mirror = {k: v for k, v in backward.get_config().items() if k not in ("name", "go_backwards")}
    if mirror != {k: v for k, v in forward.get_config().items() if k not in ("name", "go_backwards")}:
        raise ctx.fail("its backward layer is not a mirror of the forward one")
    mode = ctx.config["merge_mode"]
    return Bidirectional(layer=inner, merge_mode="none" if mode is None else mode)  # type: ignore[arg-type]


def _causal(ctx: Layer) -> bool:
    extra = set(ctx.options) - {"use_causal_mask", "training"}
    if extra:
        raise ctx.fail(f"is called with {', '.join(sorted(extra))}")
    return bool(ctx.options.get("use_causal_mask", False))


def _self_attention(ctx: Layer) -> None:
    """[x, x] is self-attention; a key equal to the value is the default key."""
    if len(ctx.inputs) == 3 and ctx.inputs[2] == ctx.inputs[1]:
        del ctx.inputs[2]
    if len(set(ctx.inputs)) == 1:
        del ctx.inputs[1:]


@importer("Attention", "AdditiveAttention")
def _attention(ctx: Layer) -> Block:
    _self_attention(ctx)
    kind = "dot" if ctx.cls == "Attention" else "additive"
    return make(ctx, Attention, kind=kind, causal=_causal(ctx))


@importer("GroupedQueryAttention")  # the class keras.layers exports as GroupQueryAttention
def _grouped(ctx: Layer) -> Block:
    _self_attention(ctx)
    return make(ctx, Attention, kind="grouped", causal=_causal(ctx))


@importer("MultiHeadAttention")
def _multihead(ctx: Layer) -> Block:
    if len(ctx.shapes[0]) != 3:
        raise ctx.fail(f"attends over a rank-{len(ctx.shapes[0])} input; attention takes (batch, time, features)")
    _self_attention(ctx)
    skip: tuple[str, ...] = ("value_dim",) if ctx.config.get("value_dim") in (None, ctx.config["key_dim"]) else ()
    if plain(ctx.config.get("attention_axes")) in (None, tuple(range(1, len(ctx.shapes[0]) - 1))):
        skip += ("attention_axes",)
    return make(ctx, Attention, skip=skip, kind="multihead", causal=_causal(ctx))


@importer(*KERAS_CLASSES.values())
def _augmentation(ctx: Layer) -> Block:
    """An augmentation layer; a (lower, upper) pair that Keras stores for a single number
    (``factor: 0.2`` is kept as (0, 0.2)) is written back as that number."""
    import keras

    from ..blocks.keras_args import field_args

    cls = kind_of(ctx.cls)
    assert cls is not None
    block = make(ctx, cls)
    for a in attrs.fields(cls):
        value = getattr(block, a.name)
        if value == a.default:
            block = attrs.evolve(block, **{a.name: a.default})
        elif isinstance(value, tuple) and len(value) == 2 and a.metadata["rule"].problem(value[1]) is None:
            shorter = attrs.evolve(block, **{a.name: value[1]})
            rebuilt = getattr(keras.layers, ctx.cls)(**field_args(shorter)).get_config()
            if plain(rebuilt.get(a.name)) == plain(ctx.config.get(a.name)):
                block = shorter
    return block
