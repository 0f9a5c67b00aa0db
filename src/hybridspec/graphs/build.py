"""The Keras interpreter: runs the walk on Keras tensors and returns a functional keras.Model."""

from __future__ import annotations

import re
from typing import Any

from ..blocks import IMPLS, At, Sig
from ..specs import Block, InputSpec, ModelSpec, TimeDistributed
from .limits import MAX_BYTES, MAX_PARAMS, Limit
from .static import check
from .walk import Walk


def layer_name(path: str) -> str:
    """A Keras layer name from a spec path: ``body[0].conv`` -> ``body_0_conv``."""
    return re.sub(r"[^0-9A-Za-z]+", "_", path).strip("_")


class KerasInterpreter:
    """Values are Keras tensors. Layers are memoized by path, so shared nodes share weights."""

    def __init__(self) -> None:
        self.layers: dict[str, Any] = {}
        self.names: set[str] = set()
        self.shapes: dict[str, list[tuple[int | None, ...]]] = {}
        self.masked: dict[str, bool] = {}

    def unique(self, path: str) -> str:
        name, n = layer_name(path), 1
        while name in self.names:
            n += 1
            name = f"{layer_name(path)}_{n}"
        self.names.add(name)
        return name

    def input(self, name: str, spec: InputSpec) -> Any:
        import keras

        self.names.add(name)
        return keras.Input(shape=spec.shape, dtype=spec.dtype, name=name)

    def sharing(self, node: str | None) -> None:
        pass

    def enter(self, spec: Block, path: str) -> None:
        pass

    def leaf(self, spec: Block, path: str, ins: list[Any], states: list[Any], return_state: bool) -> list[Any]:
        impl = IMPLS[type(spec)]
        at = At(path, spec.KIND, tuple(_sig(s) for s in states), return_state)
        try:
            if path not in self.layers:
                self.layers[path] = impl.build(spec, self.unique(path), [_sig(x) for x in ins], at)
            out = impl.call(spec, self.layers[path], ins + states, at)
        except Exception as exc:
            exc.add_note(f"hybridspec: while building {path} ({spec.KIND})")
            raise
        return list(out) if isinstance(out, list | tuple) else [out]

    def time_distributed(self, spec: TimeDistributed, path: str, x: Any, inner: Any) -> Any:
        import keras

        step = keras.Input(shape=tuple(x.shape[2:]), dtype=x.dtype, name=self.unique(path + ".step"))
        model = keras.Model(step, inner(step), name=self.unique(path + ".model"))
        return keras.layers.TimeDistributed(model, name=self.unique(path))(x)

    def note(self, spec: Block, path: str, outs: list[Any]) -> None:
        self.shapes.setdefault(path, [tuple(t.shape) for t in outs])
        self.masked.setdefault(path, getattr(outs[0], "_keras_mask", None) is not None)


def _sig(tensor: Any) -> Sig:
    return Sig(tuple(tensor.shape), str(tensor.dtype))


def trace(spec: ModelSpec, seed: int | None = None, *, max_params: Limit = MAX_PARAMS,
          max_bytes: Limit = MAX_BYTES) -> tuple[Any, dict[str, list[tuple[int | None, ...]]]]:
    """The Keras model and the Keras shape of every node path (for comparing with ``check``)."""
    check(spec, max_params=max_params, max_bytes=max_bytes)  # before Keras: nothing allocated
    import keras

    if seed is not None:
        keras.utils.set_random_seed(seed)
    interpreter = KerasInterpreter()
    inputs, outputs = Walk(interpreter).model(spec)
    if spec.body is not None:
        model = keras.Model(next(iter(inputs.values())), next(iter(outputs.values())), name=spec.name)
    else:
        model = keras.Model(inputs, outputs, name=spec.name)
    return model, interpreter.shapes


def build(spec: ModelSpec, seed: int | None = None, *, max_params: Limit = MAX_PARAMS,
          max_bytes: Limit = MAX_BYTES) -> Any:
    """Check ``spec`` (within the limits), then compile it into a plain functional
    ``keras.Model`` carrying its document (see provenance.py). With ``seed``, Keras's random
    state is seeded first (``keras.utils.set_random_seed``), so the initial weights are the same
    in every process."""
    from .provenance import attach

    model = trace(spec, seed, max_params=max_params, max_bytes=max_bytes)[0]
    attach(model, spec)
    return model
