"""Merging several inputs: concatenation, elementwise operations and dot products."""

from __future__ import annotations

from typing import Any

from ..specs import Merge
from .base import At, Sig, implements, same, show

ELEMENTWISE_LAYERS = {"add": "Add", "subtract": "Subtract", "multiply": "Multiply",
                      "average": "Average", "maximum": "Maximum", "minimum": "Minimum"}


def _listing(ins: list[Sig]) -> str:
    return ", ".join(f"{show(s.shape)} from {s.source}" for s in ins)


def _merge_shape(spec: Merge, ins: list[Sig], at: At) -> Sig:
    if len(ins) < 2 or (spec.mode in ("subtract", "dot") and len(ins) != 2):
        need = "exactly 2" if spec.mode in ("subtract", "dot") else "at least 2"
        raise at.fail(f"{spec.mode} needs {need} inputs, got {len(ins)}: {_listing(ins)}")
    masked = any(s.masked for s in ins)
    if spec.mode == "dot":
        return same(ins[0], _dot_shape(spec, ins, at), masked=False)
    if spec.mode == "concat":
        return same(ins[0], _concat_shape(spec, ins, at), masked=masked)
    shape: tuple[int | None, ...] | None = ins[0].shape[1:]
    for s in ins[1:]:
        shape = _broadcast(shape, s.shape[1:])
    if shape is None:
        hint = ("; a residual whose body changes the shape needs a shortcut that projects the "
                "input to it (shortcut: {dense: N} or {conv: {filters: N, kernel_size: 1}})"
                if at.path.endswith("residual.add") else "")
        raise at.fail(f"{spec.mode} needs inputs of one shape, or shapes that broadcast (sizes equal "
                      f"or 1, aligned from the last axis); got {_listing(ins)}{hint}")
    features = sorted({s.shape[-1] or 0 for s in ins if s.rank > 1})  # 0: unknown
    if len(features) > 1 and 0 not in features and not spec.broadcast:
        raise at.fail(f"{spec.mode} would broadcast the features axis ({' vs '.join(map(str, features))}), "
                      f"which is nearly always a wiring mistake; got {_listing(ins)}. Set broadcast: true "
                      "if it is meant (a per-position gate of size 1 over all features)")
    return same(ins[0], (ins[0].shape[0], *shape), masked=masked)


def _broadcast(a: tuple[int | None, ...] | None, b: tuple[int | None, ...]) -> tuple[int | None, ...] | None:
    """Keras's element-wise merge shape (per sample): aligned from the last axis, a size of 1
    stretches to the other, an unknown size makes the result unknown; None if they clash."""
    if a is None:
        return None
    if len(a) < len(b):
        a, b = b, a
    out = list(a[:len(a) - len(b)])
    for i, j in zip(a[len(a) - len(b):], b, strict=True):
        if i is not None and j is not None and 1 not in (i, j) and i != j:
            return None
        out.append(None if i is None or j is None else j if i == 1 else i)
    return tuple(out)


def _concat_shape(spec: Merge, ins: list[Sig], at: At) -> tuple[int | None, ...]:
    rank = ins[0].rank
    if any(s.rank != rank for s in ins):
        raise at.fail(f"concat needs inputs of one rank; got {_listing(ins)}")
    axis = spec.axis % rank
    if axis == 0:
        raise at.fail("concat along the batch axis is not allowed")
    out = list(ins[0].shape)
    for s in ins[1:]:
        for i, (a, b) in enumerate(zip(out, s.shape, strict=True)):
            if i not in (0, axis) and a != b:
                raise at.fail(f"concat on axis {spec.axis} needs the other axes equal; got {_listing(ins)}")
        grown, extra = out[axis], s.shape[axis]
        out[axis] = None if grown is None or extra is None else grown + extra
    return tuple(out)


def _dot_shape(spec: Merge, ins: list[Sig], at: At) -> tuple[int | None, ...]:
    a, b = ins
    if a.rank < 2 or b.rank < 2:
        raise at.fail(f"dot needs two inputs of rank 2 or more; got {_listing(ins)}")
    axes = spec.axes if isinstance(spec.axes, tuple) else (spec.axes, spec.axes)
    ax, bx = axes[0] % a.rank, axes[1] % b.rank
    if 0 in (ax, bx):
        raise at.fail("dot along the batch axis is not allowed")
    if a.shape[ax] != b.shape[bx] or a.shape[ax] is None:
        raise at.fail(f"dot needs equal known sizes on axes {axes}; got {_listing(ins)}")
    out = [d for i, d in enumerate(a.shape) if i != ax] + [d for i, d in enumerate(b.shape) if i not in (0, bx)]
    return tuple(out) if len(out) > 1 else (out[0], 1)


def _merge_build(spec: Merge, name: str, ins: list[Sig], at: At) -> Any:
    import keras

    if spec.mode == "concat":
        return keras.layers.Concatenate(axis=spec.axis, name=name)
    if spec.mode == "dot":
        return keras.layers.Dot(axes=spec.axes, normalize=spec.normalize, name=name)
    return getattr(keras.layers, ELEMENTWISE_LAYERS[spec.mode])(name=name)


implements(Merge, shape=_merge_shape, build=_merge_build, call=lambda spec, layer, xs, at: layer(list(xs)),
           keras=("Concatenate", "Dot", *ELEMENTWISE_LAYERS.values()))
