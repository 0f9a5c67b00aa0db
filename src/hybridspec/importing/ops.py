"""Keras operations in a functional graph (``x + y``, ``x * 0.5``, ``ops.mean(x, axis=1)``,
``ops.reshape``, ``x[:, -1]``...) read as the blocks that compute the same: merges, rescaling,
pooling, reshape, permute, activations, cropping. No Keras here: operations are told apart by
class name and read through their attributes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..specs import (
    Activation,
    Block,
    Chain,
    Cropping,
    GlobalPool,
    Identity,
    Merge,
    Permute,
    Reshape,
    SpecError,
)
from ..specs.preprocessing import Rescaling
from .layers import broadcasts_features, unsupported

Shape = tuple[int | None, ...]
MERGES = {"Add": "add", "Subtract": "subtract", "Multiply": "multiply", "Maximum": "maximum",
          "Minimum": "minimum"}
ACTIVATIONS = {"Relu": "relu", "Relu6": "relu6", "Sigmoid": "sigmoid", "Tanh": "tanh", "Silu": "silu",
               "Softplus": "softplus", "Softsign": "softsign", "Selu": "selu", "HardSigmoid": "hard_sigmoid",
               "HardSilu": "hard_silu", "LogSigmoid": "log_sigmoid", "Exp": "exponential"}


class Op:
    """One operation call: its class name, attributes, arguments (tensors as their numbers in
    ``ins`` order) and the shapes of the tensors it reads and yields."""

    def __init__(self, op: Any, where: str, args: list[Any], is_tensor: Callable[[Any], bool],
                 shapes: list[Shape], out: Shape) -> None:
        self.cls, self.op, self.where = type(op).__name__, op, where
        self.args = [None if is_tensor(a) else a for a in args]  # None: a tensor
        self.shapes, self.out = shapes, out

    def fail(self, message: str) -> SpecError:
        return unsupported(self.where, self.cls, f"{message} (a Keras operation; use the matching "
                           "keras.layers layer)")


def op_block(op: Op) -> Block:
    """The block that computes what ``op`` does, or a SpecError saying why there is none."""
    if op.cls in MERGES or op.cls in ("Divide", "TrueDivide"):
        return _arithmetic(op)
    if op.cls in ACTIVATIONS:
        return Activation(name=ACTIVATIONS[op.cls])
    handler = HANDLERS.get(op.cls)
    if handler is None:
        raise op.fail("no block computes it")
    return handler(op)


def _arithmetic(op: Op) -> Block:
    """Two tensors: a merge (broadcasting as Keras does). A tensor and a number: rescaling."""
    constants = [a for a in op.args if a is not None]
    if not constants:
        if len(op.shapes) != 2 or op.cls not in MERGES:
            raise op.fail("only a merge of two tensors or a tensor and a number is read")
        return Merge(mode=MERGES[op.cls], broadcast=broadcasts_features(op.shapes))
    if len(op.args) != 2 or len(constants) != 1 or not isinstance(constants[0], int | float) \
            or isinstance(constants[0], bool):
        raise op.fail("only a tensor and one number are read")
    c, tensor_first = float(constants[0]), op.args[0] is None
    if op.cls == "Add":
        return Rescaling(scale=1.0, offset=c)
    if op.cls == "Subtract":
        return Rescaling(scale=1.0, offset=-c) if tensor_first else Rescaling(scale=-1.0, offset=c)
    if op.cls == "Multiply":
        return Rescaling(scale=c)
    if op.cls in ("Divide", "TrueDivide") and tensor_first and c != 0:
        return Rescaling(scale=1.0 / c)
    raise op.fail(f"{op.cls} of a number and a tensor has no block")


def _pool(op: Op) -> Block:
    """A mean, max or sum over every axis between batch and features: global pooling (a sum:
    the mean times the number of positions)."""
    rank = len(op.shapes[0])
    axis = getattr(op.op, "axis", None)
    axes = sorted(a % rank for a in ([axis] if isinstance(axis, int) else axis or []))
    if rank < 3 or axes != list(range(1, rank - 1)):
        raise op.fail(f"{op.cls.lower()} over axes {axes} is not a pooling over the steps or positions")
    pool = GlobalPool(mode="max" if op.cls == "Max" else "avg", keepdims=bool(getattr(op.op, "keepdims", False)))
    if op.cls != "Sum":
        return pool
    sizes = op.shapes[0][1:-1]
    if None in sizes:
        raise op.fail(f"a sum over axes {axes} of unknown size {sizes} has no block (a mean times the count)")
    return Chain(blocks=(pool, Rescaling(scale=float(math.prod(n or 0 for n in sizes)))))


def _reshape(op: Op) -> Block:
    """A reshape, expand_dims or squeeze: a reshape to the output's per-sample shape."""
    target = tuple(-1 if d is None else d for d in op.out[1:])
    if target.count(-1) > 1 or not target:
        raise op.fail(f"the result's shape {op.out} has more than one unknown size")
    return Reshape(target_shape=target)


def _transpose(op: Op) -> Block:
    axes = tuple(getattr(op.op, "axes", None) or ())
    if not axes or axes[0] != 0:
        raise op.fail("only a transpose that keeps the batch axis first is read")
    return Permute(dims=axes[1:])


def _concatenate(op: Op) -> Block:
    return Merge(mode="concat", axis=int(getattr(op.op, "axis", -1)))


def _softmax(op: Op) -> Block:
    axis = getattr(op.op, "axis", -1)
    return Activation(name="softmax", axis=None if axis == -1 else int(axis))


def _leaky_relu(op: Op) -> Block:
    return Activation(name="leaky_relu", negative_slope=float(getattr(op.op, "negative_slope", 0.2)))


def _gelu(op: Op) -> Block:
    if getattr(op.op, "approximate", True):
        raise op.fail("the tanh approximation of gelu (ops.gelu's default) has no block; "
                      "use approximate=False or layers.Activation('gelu')")
    return Activation(name="gelu")


def _get_item(op: Op) -> Block:
    """``x[:, i]``, ``x[:, a:b]``, ``x[:, :, -1]``...: indices and unit-step ranges on the steps
    or spatial axes (of known size) are a cropping, then a reshape where an index drops an axis."""
    rank = len(op.shapes[0])
    key = op.args[1] if len(op.args) > 1 else None
    key = key if isinstance(key, tuple) else (key,)
    if key.count(Ellipsis) > 1 or any(k is None for k in key):
        raise op.fail("only indices and ranges (no new axes, tensors or more than one ...) are read")
    if Ellipsis in key:
        at = key.index(Ellipsis)
        key = key[:at] + (slice(None),) * (rank - len(key) + 1) + key[at + 1:]
    key = key + (slice(None),) * (rank - len(key))
    if len(key) != rank or key[0] != slice(None):
        raise op.fail(f"only a selection that keeps the batch axis whole is read, not {key}")
    if rank > 5:
        raise op.fail(f"selects on a rank-{rank} tensor; cropping covers 1 to 3 spatial axes")
    crops: list[tuple[int, int]] = []
    for axis, (k, size) in enumerate(zip(key[1:], op.shapes[0][1:], strict=True), start=1):
        if k == slice(None):
            crops.append((0, 0))
            continue
        if axis == rank - 1:
            raise op.fail(f"selects on the features axis {axis}; only steps and spatial axes crop")
        if size is None:
            raise op.fail(f"selects on axis {axis}, whose size is not known")
        if isinstance(k, slice) and k.step not in (None, 1):
            raise op.fail(f"a range with step {k.step} on axis {axis} has no block")
        if isinstance(k, int) and not isinstance(k, bool):
            k = slice(k % size, k % size + 1) if -size <= k < size else k
        if not isinstance(k, slice) or not all(isinstance(v, int | None) for v in (k.start, k.stop)):
            raise op.fail(f"selects on axis {axis} with {k!r}")
        start, stop = (max(0, min(size, v + size if v < 0 else v)) for v in (k.start or 0,
                                                                             size if k.stop is None else k.stop))
        if stop <= start:
            raise op.fail(f"selects nothing on axis {axis} ({k!r} of {size})")
        crops.append((start, size - stop))
    if all(c == (0, 0) for c in crops[:-1]):
        return Identity()
    crop = Cropping(cropping=tuple(crops[:-1]))
    if len(op.out) == rank:
        return crop
    return Chain(blocks=(crop, _reshape(op)))


def _matmul(op: Op) -> Block:
    """A batched matrix product of two (batch, rows, columns) tensors: a dot merge."""
    if len(op.shapes) != 2 or [len(s) for s in op.shapes] != [3, 3]:
        raise op.fail(f"only a product of two rank-3 (batch, rows, columns) tensors is read, not "
                      f"{' and '.join(map(str, op.shapes))}")
    return Merge(mode="dot", axes=(2, 1))


HANDLERS: dict[str, Callable[[Op], Block]] = {
    "GetItem": _get_item, "Matmul": _matmul,
    "Mean": _pool, "Max": _pool, "Sum": _pool, "Reshape": _reshape, "ExpandDims": _reshape, "Squeeze": _reshape,
    "Transpose": _transpose, "Concatenate": _concatenate, "Softmax": _softmax, "LeakyRelu": _leaky_relu,
    "Gelu": _gelu,
}
