"""The Keras interpreter: runs the walk on Keras tensors and returns a functional keras.Model."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from typing import Any

from ..blocks import IMPLS, At, Sig
from ..blocks.base import call_one
from ..blocks.precision import is_mixed, policy_of
from ..specs import Block, InputSpec, ModelSpec, TimeDistributed
from .limits import MAX_BYTES, MAX_PARAMS, Limit
from .static import check
from .walk import Walk


def layer_name(path: str) -> str:
    """A Keras layer name from a spec path: ``body[0].conv`` -> ``body_0_conv``."""
    return re.sub(r"[^0-9A-Za-z]+", "_", path).strip("_")


class KerasInterpreter:
    """Values are Keras tensors. Layers are memoized by path, so shared nodes share weights."""

    def __init__(self, reserved: Iterable[str] = (), folder: str | None = None,
                 float32: Iterable[str] = ()) -> None:
        self.folder = folder
        self.float32 = set(float32)  # leaves kept in float32 under a mixed policy: the outputs
        self.kept32: set[str] = set()  # those without a dtype of their own: set to float32
        self.layers: dict[str, Any] = {}
        self.names: set[str] = set(reserved)  # the user's names, kept free for their blocks
        self.labels: dict[str, tuple[str, str]] = {}  # path -> (the user's name for it, its kind)
        self.frozen: list[bool] = []
        self.plain: set[str] = set()  # paths of single layers called on one tensor
        self.shapes: dict[str, list[tuple[int | None, ...]]] = {}
        self.masked: dict[str, bool] = {}
        self.dtypes: dict[str, list[str]] = {}  # path -> its output tensors' dtypes
        self.policies: dict[str, tuple[str, str]] = {}  # leaf path -> (compute, variable) dtype

    def unique(self, path: str) -> str:
        """The user's name for ``path``, else one from the path (inside a named composite, from
        that name) that no other layer has."""
        if path in self.labels:
            return self.labels[path][0]
        prefix = max((p for p in self.labels if _within(path, p)), key=len, default=None)
        if prefix is None:
            base = layer_name(path)
        else:  # stem_0, not stem_conv_stack_0
            label, kind = self.labels[prefix]
            rest = path[len(prefix):]
            rest = rest[len(kind) + 1:] if rest.startswith(f".{kind}") and rest[len(kind) + 1:] else rest
            base = f"{label}_{layer_name(rest)}"
        name, n = base, 1
        while name in self.names:
            n += 1
            name = f"{base}_{n}"
        self.names.add(name)
        return name

    def _label(self, spec: Block, path: str) -> None:
        if spec.label() is not None and not (path.startswith("nodes.") and path.count(".") == 1):
            self.labels[path] = (spec.label(), spec.KIND)  # type: ignore[assignment]

    def input(self, name: str, spec: InputSpec) -> Any:
        import keras

        self.names.add(name)
        return keras.Input(shape=spec.shape, dtype=spec.dtype, name=name)

    def sharing(self, node: str | None) -> None:
        pass

    def enter(self, spec: Block, path: str) -> None:
        self.frozen.append(not spec.trainable or bool(self.frozen and self.frozen[-1]))
        self._label(spec, path)

    def leaf(self, spec: Block, path: str, ins: list[Any], states: list[Any], return_state: bool) -> list[Any]:
        impl = IMPLS[type(spec)]
        at = At(path, spec.KIND, tuple(_sig(s) for s in states), return_state, self.folder)
        try:
            new = path not in self.layers
            if new:
                self._label(spec, path)
                self.layers[path] = impl.build(spec, self.unique(path), [_sig(x) for x in ins], at)
                if path in self.float32 and not policy_of(spec, ""):
                    self.kept32.add(path)
                    for layer in _each(self.layers[path]):
                        _keep_float32(layer)
                main = _each(self.layers[path])[-1]
                main = getattr(main, "forward_layer", main)  # a bidirectional computes in its layers
                self.policies[path] = (main.compute_dtype, main.variable_dtype)
                if impl.call is call_one and not isinstance(self.layers[path], tuple):
                    self.plain.add(path)
            out = impl.call(spec, self.layers[path], ins + states, at)
            if new and (not spec.trainable or (self.frozen and self.frozen[-1])):
                for layer in _each(self.layers[path]):  # once built, so sub-layers made in build freeze too
                    layer.trainable = False
        except Exception as exc:
            exc.add_note(f"hybridspec: while building {path} ({spec.KIND})")
            raise
        return list(out) if isinstance(out, list | tuple) else [out]

    def time_distributed(self, spec: TimeDistributed, path: str, x: Any, inner: Any) -> Any:
        import keras

        if path not in self.layers:  # a shared node applies the same wrapper again
            step = keras.Input(shape=tuple(x.shape[2:]), dtype=x.dtype, name=self.unique(path + ".step"))
            before = set(self.layers)
            y = inner(step)
            made = [p for p in self.layers if p not in before]
            direct = len(made) == 1 and made[0] in self.plain  # one layer on one tensor: wrap it, as by hand
            wrapped = self.layers[made[0]] if direct else keras.Model(step, y, name=self.unique(path + ".model"))
            self.layers[path] = keras.layers.TimeDistributed(wrapped, name=self.unique(path))
            if any(p in self.kept32 for p in made):  # it declares its output in its own dtype
                _keep_float32(self.layers[path])
        return self.layers[path](x)

    def note(self, spec: Block, path: str, outs: list[Any]) -> None:
        self.frozen.pop()
        self.shapes.setdefault(path, [tuple(t.shape) for t in outs])
        self.masked.setdefault(path, getattr(outs[0], "_keras_mask", None) is not None)
        self.dtypes.setdefault(path, [str(t.dtype) for t in outs])


def _within(path: str, prefix: str) -> bool:
    return path.startswith((prefix + ".", prefix + "["))


def _each(built: Any) -> tuple[Any, ...]:
    """The Keras layers a builder made: one layer, or a tuple of them."""
    return built if isinstance(built, tuple) else (built,)


def _global_policy() -> str:
    """Keras's global dtype policy; float32 while Keras is not imported."""
    keras = sys.modules.get("keras")
    return keras.mixed_precision.global_policy().name if keras is not None else "float32"


def _keep_float32(layer: Any) -> None:
    """Set ``layer``, and the layers a Keras wrapper holds, to the float32 policy."""
    layer.dtype_policy = "float32"
    for inner in ("layer", "forward_layer", "backward_layer"):
        if getattr(layer, inner, None) is not None:
            _keep_float32(getattr(layer, inner))


def _sig(tensor: Any) -> Sig:
    return Sig(tuple(tensor.shape), str(tensor.dtype))


def trace(spec: ModelSpec, folder: str | os.PathLike[str] | None = None, seed: int | None = None, *,
          max_params: Limit = MAX_PARAMS, max_bytes: Limit = MAX_BYTES, policy: str | None = None
          ) -> tuple[Any, KerasInterpreter]:
    """The Keras model and the interpreter that built it (its shapes, dtypes and layers by
    path, for comparing with ``check``). The dtype ``policy`` is, if None, the train section's
    mixed_precision, else Keras's global policy; under a mixed policy the output layers are
    float32, as Keras recommends."""
    policy = policy or (spec.train.mixed_precision if spec.train else None) or _global_policy()
    report = check(spec, folder, max_params=max_params, max_bytes=max_bytes, policy=policy)
    import keras  # after the check: a refused model allocates nothing

    if seed is not None:
        keras.utils.set_random_seed(seed)
    interpreter = KerasInterpreter(report.names, None if folder is None else os.fspath(folder),
                                   report.output_leaves if is_mixed(policy) else ())
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(policy)
    try:
        inputs, outputs = Walk(interpreter).model(spec)
    finally:
        keras.mixed_precision.set_global_policy(previous)
    if spec.body is not None:
        model = keras.Model(next(iter(inputs.values())), next(iter(outputs.values())), name=spec.name)
    else:
        model = keras.Model(inputs, outputs, name=spec.name)
    return model, interpreter


def build(spec: ModelSpec, folder: str | os.PathLike[str] | None = None, seed: int | None = None, *,
          max_params: Limit = MAX_PARAMS, max_bytes: Limit = MAX_BYTES, policy: str | None = None) -> Any:
    """Check ``spec`` (within the limits), then compile it into a plain functional
    ``keras.Model`` carrying its document (see provenance.py). Files the document names are
    read from ``folder`` (the document's folder; the current directory if None). With ``seed``,
    Keras's random state is seeded first (``keras.utils.set_random_seed``), so the initial
    weights are the same in every process. ``policy`` is the dtype policy (see ``trace``)."""
    from .provenance import attach

    model = trace(spec, folder, seed, max_params=max_params, max_bytes=max_bytes, policy=policy)[0]
    attach(model, spec)
    return model
