"""Attention: dot-product, additive and multi-head attention, and additive attention pooling."""

from __future__ import annotations

from typing import Any

from ..specs import Attention
from .base import At, Sig, implements, same


def _roles(spec: Attention, ins: list[Sig], at: At) -> tuple[Sig, Sig, Sig]:
    """(query, value, key) from one input (self-attention) or [query, value(, key)]."""
    if not 1 <= len(ins) <= 3 or (spec.pool and len(ins) != 1):
        raise at.fail(f"takes {'one input' if spec.pool else '1 to 3 inputs (query, value, key)'}, "
                      f"got {len(ins)}", *ins)
    for sig in ins:
        at.rank(sig, 3, what="(batch, time, features)")
        if sig.shape[-1] is None:
            raise at.fail("needs known features (last axis)", sig)
    query = ins[0]
    value = ins[1] if len(ins) > 1 else query
    key = ins[2] if len(ins) > 2 else value
    if key.shape[1] != value.shape[1] and None not in (key.shape[1], value.shape[1]):
        raise at.fail("key and value need the same number of time steps", key, value)
    return query, value, key


def _attention_shape(spec: Attention, ins: list[Sig], at: At) -> Sig:
    query, value, key = _roles(spec, ins, at)
    if spec.pool:
        return same(query, (query.shape[0], query.shape[-1]), masked=False)
    if spec.kind == "multihead":
        return same(query, query.shape[:2] + (spec.output_dim or query.shape[-1],), dtype="float32")
    if spec.kind == "grouped":
        if len({query.shape[-1], value.shape[-1], key.shape[-1]}) > 1:
            raise at.fail("grouped attention needs query, value and key features equal", query, value, key)
        return same(query, dtype="float32")
    if query.shape[-1] != key.shape[-1]:
        raise at.fail(f"{spec.kind} attention needs query and key features equal", query, key)
    return same(query, query.shape[:2] + (value.shape[-1],), dtype="float32")


def _attention_params(spec: Attention, ins: list[Sig]) -> tuple[int, int]:
    query, value, key = (ins + ins[-1:] * 2)[:3] if len(ins) > 1 else (ins[0],) * 3
    d_q, d_v, d_k = (int(s.shape[-1] or 0) for s in (query, value, key))
    if spec.pool:
        units = spec.units or d_q
        return d_q * units + 2 * units, 0
    if spec.kind == "multihead":
        heads, bias = spec.heads or 0, int(spec.use_bias)
        hk, hv, out = heads * (spec.key_dim or 0), heads * (spec.value_dim or spec.key_dim or 0), spec.output_dim or d_q
        return (d_q + bias) * hk + (d_k + bias) * hk + (d_v + bias) * hv + hv * out + bias * out, 0
    if spec.kind == "grouped":
        heads, groups, size, bias = spec.heads or 0, spec.kv_heads or 0, spec.key_dim or 0, int(spec.use_bias)
        query_side = (d_q + bias) * heads * size * (2 if spec.use_gate else 1)
        return query_side + (d_k + d_v + 2 * bias) * groups * size + heads * size * d_q + bias * d_q, 0
    scale = (1 if spec.kind == "dot" else d_k) if spec.use_scale else 0
    return scale + int(spec.score_mode == "concat"), 0


def _attention_build(spec: Attention, name: str, ins: list[Sig], at: At) -> Any:
    import keras

    if spec.pool:
        return _pooling_layers(spec.units or int(ins[0].shape[-1] or 0), name)
    if spec.kind == "multihead":
        return keras.layers.MultiHeadAttention(spec.heads, spec.key_dim, value_dim=spec.value_dim,
                                               output_shape=spec.output_dim, use_bias=spec.use_bias,
                                               dropout=spec.dropout, name=name)
    if spec.kind == "grouped":
        return keras.layers.GroupQueryAttention(spec.key_dim, spec.heads, spec.kv_heads, dropout=spec.dropout,
                                                use_bias=spec.use_bias, use_gate=spec.use_gate, name=name)
    if spec.kind == "dot":
        return keras.layers.Attention(use_scale=spec.use_scale, score_mode=spec.score_mode, dropout=spec.dropout,
                                      name=name)
    return keras.layers.AdditiveAttention(use_scale=spec.use_scale, dropout=spec.dropout, name=name)


def _pooling_layers(units: int, name: str) -> tuple[Any, ...]:
    """Attention pooling from stock layers: keys ``x W + b`` (Dense), a zero query
    (a key mean minus itself) and AdditiveAttention with a learned scale, whose scores
    ``u . tanh(0 + x W + b)`` are softmaxed over the unmasked steps; d*units + 2*units weights."""
    import keras

    return (keras.layers.Dense(units, name=f"{name}_key"),
            keras.layers.GlobalAveragePooling1D(keepdims=True, name=f"{name}_mean"),
            keras.layers.Subtract(name=f"{name}_query"),
            keras.layers.AdditiveAttention(use_scale=True, name=name),
            keras.layers.Flatten(name=f"{name}_pooled"))


def _attention_call(spec: Attention, layer: Any, xs: list[Any], at: At) -> Any:
    if spec.pool:
        key_layer, mean, subtract, attend, flatten = layer
        key = key_layer(xs[0])
        centre = mean(key)
        return flatten(attend([subtract([centre, centre]), xs[0], key]))
    query = xs[0]
    value = xs[1] if len(xs) > 1 else query
    if spec.kind in ("multihead", "grouped"):
        key = xs[2] if len(xs) > 2 else None
        return layer(query, value, key, use_causal_mask=spec.causal)
    return layer([query, value, *xs[2:]], use_causal_mask=spec.causal)


implements(Attention, shape=_attention_shape, params=_attention_params, build=_attention_build,
           call=_attention_call,
           keras=("Attention", "AdditiveAttention", "MultiHeadAttention", "GroupQueryAttention"),
           keras_args={"num_heads": "heads", "output_shape": "output_dim", "num_query_heads": "heads",
                       "head_dim": "key_dim", "num_key_value_heads": "kv_heads"})
