"""Dtype policies as Keras applies them: which policy a layer takes, and the dtypes it computes
and keeps its weights in. Pure Python."""

from __future__ import annotations

from typing import Any

FLOATS = ("float16", "bfloat16", "float32", "float64")


def is_mixed(policy: str) -> bool:
    return policy.startswith("mixed_")


def policy_of(spec: Any, default: str = "float32") -> str:
    """The layer's own ``dtype`` policy, its wrapped layer's (a bidirectional computes in its
    recurrent layer's), or ``default``, the model's."""
    own = getattr(spec, "dtype", None)
    if own:
        return str(own)
    inner = getattr(spec, "layer", None)
    return policy_of(inner, default) if inner is not None else default


def compute_of(policy: str) -> str:
    """The dtype a layer under ``policy`` computes in (and so outputs floats in)."""
    return policy.removeprefix("mixed_")


def variable_of(policy: str) -> str:
    """The dtype a layer under ``policy`` keeps its weights in: mixed precision keeps float32."""
    return "float32" if is_mixed(policy) else policy


def output_dtype(dtype: str, policy: str) -> str:
    """A layer's output dtype: Keras casts floating inputs to the compute dtype; integers pass."""
    return compute_of(policy) if dtype in FLOATS else dtype
