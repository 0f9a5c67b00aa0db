"""Translate shared spec options into Keras constructor arguments (imports Keras)."""

from __future__ import annotations

from typing import Any

from ..specs import Block, MaxNorm, Regularizer
from .precision import compute_of, policy_of


def weight_args(spec: Block) -> dict[str, Any]:
    """use_bias, initializers, regularizers, constraint and dtype as Keras objects."""
    out: dict[str, Any] = {}
    if hasattr(spec, "use_bias"):
        out["use_bias"] = spec.use_bias
    for name, value in spec.weight_kwargs().items() if hasattr(spec, "weight_kwargs") else ():
        out[name] = initializer(value) if name.endswith("_initializer") else keras_object(value)
    if getattr(spec, "dtype", None):
        out["dtype"] = spec.dtype  # type: ignore[attr-defined]
    return out


def compute_dtype(spec: Block, default: str = "float32") -> str:
    """The dtype a layer computes in, from its dtype policy."""
    return compute_of(policy_of(spec, default))


def keras_object(value: Any) -> Any:
    """A Regularizer or constraint spec as its Keras object; other values unchanged."""
    import keras

    if isinstance(value, Regularizer):
        return keras.regularizers.L1L2(l1=value.l1, l2=value.l2)
    if isinstance(value, MaxNorm):
        return constraint(value)
    return value


def constraint(spec: MaxNorm) -> Any:
    """The Keras constraint a constraint spec names."""
    import keras

    if spec.non_neg:
        return keras.constraints.NonNeg()
    if spec.unit_norm:
        return keras.constraints.UnitNorm(axis=spec.axis)
    if spec.min_norm is not None:
        return keras.constraints.MinMaxNorm(min_value=spec.min_norm, max_value=spec.max_norm, rate=spec.rate,
                                            axis=spec.axis)
    return keras.constraints.MaxNorm(max_value=spec.max_norm, axis=spec.axis)


def initializer(value: str | float) -> Any:
    """An initializer name as it is; a number as Keras's Constant initializer of that value."""
    import keras

    return value if isinstance(value, str) else keras.initializers.Constant(float(value))


def field_args(spec: Block, **renames: str) -> dict[str, Any]:
    """Every field that is not null, as a Keras argument (named ``renames[field]`` if given)."""
    import attrs

    common = getattr(spec, "COMMON", ())  # name and trainable: the interpreter applies them
    values = {a.name: getattr(spec, a.name) for a in attrs.fields(type(spec)) if a.name not in common}
    return {renames.get(k, k): initializer(v) if k.endswith("_initializer") else keras_object(v)
            for k, v in values.items() if v is not None}
